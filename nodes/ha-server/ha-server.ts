/**
 * `staykey-ha-server`: one Home Assistant server (address and long-lived access token). Every StayKey
 * node that uses it shares one websocket connection, opened when the first of them needs it and
 * closed on redeploy.
 */
import type { Request, Response } from 'express';
import type { Node, NodeDef } from 'node-red';
import { HaConnection } from '../../lib/ha/connection';
import { lockEntities, notifyServices } from '../../lib/ha/entity-lists';
import { errorText, RED } from '../shared/runtime';
import type { HaServerNode } from './ha-link';

interface HaServerDef extends NodeDef {
  url?: string;
}

interface HaServerCredentials {
  token?: string;
}

interface HaServerConfigNode extends Node<HaServerCredentials> {
  connection?: HaConnection;
}

/** Long enough for Home Assistant to answer a first connection, short enough for an editor waiting on it. */
const EDITOR_WAIT_MS = 10_000;

export = function (RED: RED) {
  function HaServer(this: HaServerConfigNode, config: HaServerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const connection = new HaConnection(
      { url: config.url ?? '', token: node.credentials?.token ?? '' },
      { supervisorToken: process.env.SUPERVISOR_TOKEN },
    );
    node.connection = connection;
    let told = '';
    connection.onState((change) => {
      // Each problem once in the log, with the address and never the token.
      if (!change.detail || change.detail === told) return;
      if (change.state === 'auth-failed') node.error(change.detail);
      else if (change.state === 'unconfigured') node.warn(change.detail);
      else return;
      told = change.detail;
    });
    node.on('close', (_removed: boolean, done: () => void) => {
      connection.close();
      done();
    });
  }

  RED.nodes.registerType<HaServerConfigNode, HaServerDef, unknown, HaServerCredentials>('staykey-ha-server', HaServer, { credentials: { token: { type: 'password' } } });

  const canRead = RED.auth.needsPermission('staykey-ha-server.read');
  RED.httpAdmin.get('/staykey/ha-server/:id/locks', canRead, (req: Request, res: Response) => {
    const platform = typeof req.query.platform === 'string' ? req.query.platform : undefined;
    answer(req, res, async (connection) => ({ locks: await lockEntities(connection, platform) }));
  });
  RED.httpAdmin.get('/staykey/ha-server/:id/notify', canRead, (req: Request, res: Response) => {
    answer(req, res, async (connection) => ({ services: await notifyServices(connection) }));
  });

  function answer(req: Request, res: Response, lookup: (connection: HaConnection) => Promise<object>): void {
    const node = RED.nodes.getNode(String(req.params.id)) as (Node & HaServerNode) | null;
    if (!node?.connection) {
      res.status(404).json({
        error: 'This Home Assistant server is not deployed yet: deploy it once (with its address and token), then open this again.',
      });
      return;
    }
    const connection = node.connection;
    connection
      .whenConnected(EDITOR_WAIT_MS)
      .then(() => lookup(connection))
      .then(
        (body) => res.json(body),
        (err: unknown) => res.status(503).json({ error: errorText(err) }),
      );
  }
};
