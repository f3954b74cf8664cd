/**
 * `staykey-postgres`: the PostgreSQL database pin-issuers share a property's ledger through. The
 * connection string, a private CA and the PIN key are Node-RED credentials (encrypted in
 * flows_cred.json, never in an exported flow). It opens one pool when a pin-issuer first needs it,
 * creates or migrates StayKey's tables once, and closes the pool after the last pin-issuer let go.
 */
import * as os from 'node:os';
import type { NodeDef } from 'node-red';
import { PostgresDatabase, PostgresSettings } from '../../lib/ledger/postgres/database';
import { withoutSecrets } from '../../lib/ledger/postgres/secret-text';
import { Vault } from '../../lib/pins/vault';
import { LEASE_SECONDS, PostgresConfigNode, PostgresCredentials, problemOf } from './postgres-config';
import { errorText, numberSetting, RED } from '../shared/runtime';

interface PostgresConfigDef extends NodeDef {
  tls?: string;
  instance?: string;
  leaseSeconds?: string | number;
}


const TLS_MODES = ['off', 'require', 'verify'] as const;
type TlsMode = (typeof TLS_MODES)[number];
/** How long closing waits for the pin-issuers to let go of the property before the pool ends anyway. */
const LET_GO_MS = 10_000;

export = function (RED: RED) {
  function PostgresConfig(this: PostgresConfigNode, config: PostgresConfigDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const credentials = node.credentials ?? {};
    const connectionString = credentials.connectionString?.trim() ?? '';
    const pinKey = credentials.pinKey?.trim() ?? '';
    const clean = (text: string) => withoutSecrets(text, { connectionString: credentials.connectionString, pinKey });
    node.clean = clean;
    node.instance = String(config.instance ?? '').trim() || os.hostname();
    node.leaseSeconds = leaseSecondsOf(config.leaseSeconds);
    node.problem = problemOf(connectionString, pinKey);
    if (node.problem) node.error(`staykey-postgres: ${node.problem}`);

    node.vault = () => {
      if (node.problem) throw new Error(node.problem);
      return Vault.withKey(Buffer.from(pinKey, 'hex'));
    };

    const settings: PostgresSettings = {
      connectionString,
      tls: tlsOf(config.tls),
      ca: credentials.ca?.trim() || undefined,
      applicationName: `StayKey ${node.instance}`.slice(0, 63),
    };
    let opened: Promise<PostgresDatabase> | undefined;
    let users = 0;
    let lastLetGo: (() => void) | undefined;
    node.use = () => {
      users += 1;
    };
    node.letGo = () => {
      users = Math.max(0, users - 1);
      if (users === 0) lastLetGo?.();
    };
    node.database = () => {
      if (node.problem) return Promise.reject(new Error(node.problem));
      opened ??= openAndMigrate(settings, clean).catch((err: unknown) => {
        opened = undefined;
        throw err;
      });
      return opened;
    };

    node.on('close', (done: () => void) => {
      const closing = opened;
      opened = undefined;
      const allGone = new Promise<void>((resolve) => {
        if (users === 0) return resolve();
        lastLetGo = resolve;
        setTimeout(resolve, LET_GO_MS).unref();
      });
      allGone
        .then(() => closing?.then((db) => db.close()))
        .catch((err: unknown) => node.warn(`staykey-postgres could not close its connections: ${clean(errorText(err))}`))
        .then(done, done);
    });
  }

  RED.nodes.registerType<PostgresConfigNode, PostgresConfigDef, unknown, PostgresCredentials>('staykey-postgres', PostgresConfig, {
    credentials: {
      connectionString: { type: 'password' },
      ca: { type: 'password' },
      pinKey: { type: 'password' },
    },
  });
};

async function openAndMigrate(settings: PostgresSettings, clean: (text: string) => string): Promise<PostgresDatabase> {
  let db: PostgresDatabase;
  try {
    db = PostgresDatabase.open(settings);
  } catch (err) {
    throw new Error(clean(errorText(err)));
  }
  try {
    await db.migrate();
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new Error(clean(errorText(err)));
  }
}

function leaseSecondsOf(value: unknown): number {
  const seconds = numberSetting(value, LEASE_SECONDS.default);
  return Math.min(LEASE_SECONDS.max, Math.max(LEASE_SECONDS.min, seconds));
}

function tlsOf(value: unknown): TlsMode {
  return TLS_MODES.includes(value as TlsMode) ? (value as TlsMode) : 'require';
}
