/**
 * The flow two Node-RED instances run for one property on a shared PostgreSQL ledger: the crash test's
 * pipeline (bookings webhook -> booking-source -> access-window -> pin-issuer <-> lock-provider), with
 * the simulated locks swapped for Zigbee2MQTT locks on one MQTT broker, so both instances reach the
 * same physical locks (the test's lock doubles), and the pin-issuer's ledger in PostgreSQL through a
 * staykey-postgres config node. Only the instance name differs between the two instances' flows.
 */
import { FlowNode, PIPELINE, pipelineFlow } from './red-process';

/** The ids of the nodes this flow adds to the pipeline. */
export const SHARED = {
  broker: 'sk-broker',
  postgres: 'sk-postgres',
} as const;

export interface SharedLedgerFlowOptions {
  /** The test's Inbox (alerts to /alerts, guest messages to /guest). */
  inbox: string;
  /** The Zigbee2MQTT friendly names of the locks, which are also their ids in StayKey. */
  locks: string[];
  /** access-window's unit locks, one line per unit. */
  unitLocks: string;
  bookingsPath: string;
  mqttUrl: string;
  /** Credentials of the staykey-postgres node: deployed through the admin API, never written to flows.json. */
  connectionString: string;
  pinKey: string;
  instance: string;
  property: string;
  /** The active instance renews every third of it. */
  leaseSeconds: number;
  /** Users 1..lastSlot of each Zigbee lock are StayKey's. */
  lastSlot: number;
}

export function sharedLedgerFlow(options: SharedLedgerFlowOptions): FlowNode[] {
  const pipeline = pipelineFlow({
    inbox: options.inbox,
    locks: [],
    unitLocks: options.unitLocks,
    latencyMs: 0,
    bookingSource: { mode: 'message', unit: '' },
    bookingsPath: options.bookingsPath,
    extra: [
      { id: SHARED.broker, type: 'staykey-mqtt', name: 'Zigbee2MQTT broker', url: options.mqttUrl, verifyCertificate: true },
      {
        id: SHARED.postgres,
        type: 'staykey-postgres',
        name: 'shared ledger',
        tls: 'off',
        instance: options.instance,
        leaseSeconds: options.leaseSeconds,
        credentials: { connectionString: options.connectionString, pinKey: options.pinKey },
      },
    ],
  });
  return pipeline.map((node) => {
    if (node.id === PIPELINE.locks) return zigbeeLocks(options);
    if (node.id === PIPELINE.issuer) return { ...node, ledgerStore: 'postgres', postgres: SHARED.postgres, property: options.property };
    return node;
  });
}

function zigbeeLocks(options: SharedLedgerFlowOptions): FlowNode {
  return {
    id: PIPELINE.locks,
    type: 'staykey-locks',
    name: 'Zigbee locks',
    provider: 'zigbee2mqtt',
    mqttBroker: SHARED.broker,
    z2mBaseTopic: 'zigbee2mqtt',
    z2mAnswerTimeout: 10,
    maxAttempts: 30,
    retryDelay: 0.5,
    // Zigbee keypads keep no dates: a code is on the door for the whole stay.
    locks: options.locks.map((name) => ({ id: name, name, codeLength: 6, firstSlot: 1, lastSlot: options.lastSlot, device: name, schedules: false, batteryType: '4x AA' })),
  };
}
