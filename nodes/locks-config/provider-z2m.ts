/**
 * Zigbee2MQTT locks as the locks config builds them: the chosen MQTT broker config's shared
 * connection, Zigbee2MQTT's base topic, and each lock's friendly name in its device field.
 */
import { linkFrom } from '../../lib/mqtt/link';
import { Zigbee2MqttLocks } from '../../lib/locks/zigbee2mqtt/zigbee2mqtt';
import { numberSetting } from '../shared/runtime';
import type { ProviderFactory } from './providers';

export const zigbee2mqtt: ProviderFactory = ({ RED, config, locks, clock, file }) => {
  const broker = typeof config.mqttBroker === 'string' && config.mqttBroker ? RED.nodes.getNode(config.mqttBroker) : null;
  if (!broker) throw new Error('Zigbee2MQTT locks need an MQTT broker: choose one in the locks config');
  return {
    provider: new Zigbee2MqttLocks({
      locks,
      mqtt: linkFrom(broker),
      clock,
      baseTopic: typeof config.z2mBaseTopic === 'string' ? config.z2mBaseTopic : undefined,
      answerTimeoutMs: numberSetting(config.z2mAnswerTimeout, 30) * 1000,
      file,
    }),
  };
};
