import * as crypto from 'node:crypto';
import type { Node, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { availabilityTopicFor, BrokerConnection, checkBrokerUrl } from '../../lib/mqtt/broker';
import { linkFrom, MqttLink, MqttLinkSource, topicSafe } from '../../lib/mqtt/link';
import { listZigbee2MqttDevices } from '../../lib/locks/zigbee2mqtt/zigbee2mqtt';
import { systemClock } from '../../lib/time/clock';
import { errorText, RED } from '../shared/runtime';

interface MqttBrokerDef extends NodeDef {
  url?: string;
  /** Check the broker's TLS certificate (mqtts); off for a self-signed one. */
  verifyCertificate?: boolean | string;
  /** PEM text of the certificate authority to trust for mqtts. */
  ca?: string;
}

interface MqttBrokerCredentials {
  user?: string;
  password?: string;
}

interface MqttBrokerNode extends Node<MqttBrokerCredentials>, MqttLinkSource {}

export = function (RED: RED) {
  function MqttBroker(this: MqttBrokerNode, config: MqttBrokerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let connection: BrokerConnection | undefined;
    try {
      const credentials = node.credentials ?? {};
      connection = new BrokerConnection({
        url: checkBrokerUrl(config.url ?? ''),
        username: credentials.user || undefined,
        password: credentials.password || undefined,
        rejectUnauthorized: config.verifyCertificate !== false && config.verifyCertificate !== 'false',
        ca: config.ca || undefined,
        clientId: `staykey_${topicSafe(config.id)}_${crypto.randomBytes(4).toString('hex')}`,
        availabilityTopic: availabilityTopicFor(config.id),
      });
    } catch (err) {
      node.problem = `MQTT broker: ${errorText(err)}`;
      node.error(node.problem);
    }
    if (connection) {
      const shared = connection;
      // Connects when the first node asks, so an unused broker config never touches the network.
      node.mqttLink = (): MqttLink => {
        shared.start();
        return shared;
      };
    }
    node.on('close', (_removed: boolean, done: () => void) => {
      if (!connection) return done();
      connection.close().then(done, done);
    });
  }

  RED.nodes.registerType<MqttBrokerNode, MqttBrokerDef, unknown, MqttBrokerCredentials>('staykey-mqtt', MqttBroker, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });

  // The locks config editor suggests Zigbee2MQTT devices from the deployed broker config.
  RED.httpAdmin.get('/staykey/zigbee2mqtt/devices', RED.auth.needsPermission('staykey-mqtt.read'), (req: Request, res: Response) => {
    const brokerId = typeof req.query.broker === 'string' ? req.query.broker : '';
    const baseTopic = typeof req.query.base === 'string' ? req.query.base : undefined;
    let link: MqttLink;
    try {
      const broker = brokerId ? RED.nodes.getNode(brokerId) : null;
      if (!broker) {
        res.status(404).json({ error: 'deploy the MQTT broker config first, then open this dialog again' });
        return;
      }
      link = linkFrom(broker);
    } catch (err) {
      res.status(400).json({ error: errorText(err) });
      return;
    }
    // Real time, whatever clock the flows run on: the editor is waiting.
    listZigbee2MqttDevices(link, systemClock, baseTopic).then(
      (devices) => res.json({ devices, connected: link.state === 'connected', problem: link.problem ?? null }),
      (err: unknown) => res.status(500).json({ error: errorText(err) }),
    );
  });
};
