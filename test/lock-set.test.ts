/**
 * The lock set over a provider, and the capabilities providers declare on the LockProvider interface
 * (host tasks, a code count known without asking, the connection, codes without dates) that
 * lock-provider and the locks config look for instead of asking which class a provider is.
 */
import { strict as assert } from 'node:assert';
import { HaConnection } from '../lib/ha/connection';
import { HaZhaLocks } from '../lib/locks/home-assistant/zha';
import { HaZwaveJsLocks } from '../lib/locks/home-assistant/zwave-js';
import { runnerLockSet } from '../lib/locks/lock-set';
import { ManualLocks } from '../lib/locks/manual';
import type { LockConfig, LockProvider } from '../lib/locks/provider';
import { SimulatedLocks } from '../lib/locks/simulated';
import { Zigbee2MqttLocks } from '../lib/locks/zigbee2mqtt/zigbee2mqtt';
import type { ConnectionListener, MqttLink, MqttListener } from '../lib/mqtt/link';
import type { LockCommandMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';

const clock = () => new ManualClock(new Date('2026-06-01T10:00:00Z'));
const plain = (text: string) => text;

function rows(): LockConfig[] {
  return [
    { id: 'front', name: 'Front door', schedules: true, device: 'lock.front', rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } },
    { id: 'gate', name: 'Main gate', schedules: false, device: 'lock.gate', rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } },
  ];
}

function lockSetOver(provider: LockProvider, locks: LockConfig[]) {
  return runnerLockSet({ provider, locks, clock: clock(), maxAttempts: 3, baseDelayMs: 1, seal: plain, open: plain });
}

function setCommand(lockId: string, slot: number, pin: string): LockCommandMessage {
  const command = { id: `set-${lockId}-${slot}`, action: 'set' as const, lockId, slot, codeId: `code-${slot}`, name: 'Ada', pin };
  return { kind: 'lock-command', command: { ...command, startsAt: '2026-06-02T15:00:00Z', endsAt: '2026-06-05T10:00:00Z' } };
}

/** An MQTT link that is never connected: enough for a provider to be built and say what it is reached through. */
class IdleLink implements MqttLink {
  readonly state = 'disconnected' as const;
  readonly availabilityTopic = 'staykey/test/availability';
  async publish(): Promise<void> {
    throw new Error('not connected');
  }
  subscribe(_filter: string, _listener: MqttListener): () => void {
    return () => undefined;
  }
  onState(_listener: ConnectionListener): () => void {
    return () => undefined;
  }
}

describe('the lock set and what providers declare', () => {
  it('gives its locks the provider\'s code check and its attempts, and keeps each row\'s schedules where the provider allows dates', () => {
    const locks = rows();
    const provider = new SimulatedLocks({ locks, clock: clock(), codeCheck: 'accepted' });
    const lockSet = lockSetOver(provider, locks);
    assert.equal(lockSet.maxAttempts, 3);
    assert.deepEqual(
      lockSet.locks().map((lock) => [lock.id, lock.codeCheck, lock.schedules]),
      [
        ['front', 'accepted', true],
        ['gate', 'accepted', false],
      ],
    );
  });

  it('runs a row that asks for dates without them where the provider says its codes keep none', async () => {
    const locks = rows();
    const connection = new HaConnection({ url: 'http://127.0.0.1:9', token: 'token' });
    try {
      const provider = new HaZwaveJsLocks({ locks, client: connection, clock: clock() });
      assert.equal(provider.schedules, false);
      const lockSet = lockSetOver(provider, locks);
      assert.equal(lockSet.lock('front')?.schedules, false);
      assert.equal(lockSet.lock('front')?.codeCheck, 'read-back');
      assert.deepEqual((await provider.listLocks()).map((lock) => lock.schedules), [false, false]);
    } finally {
      connection.close();
    }
  });

  it('a simulated provider counts its codes without asking a lock, and has no host tasks or connection', async () => {
    const locks = rows();
    const provider = new SimulatedLocks({ locks, clock: clock() });
    const lockSet = lockSetOver(provider, locks);
    assert.equal(provider.knownCodeCount?.('front'), 0);
    const result = await lockSet.execute(setCommand('front', 2, '482913'));
    assert.equal(result.ok, true, result.error);
    assert.equal(provider.knownCodeCount?.('front'), 1);
    assert.equal(provider.knownCodeCount?.('gate'), 0);
    const asProvider: LockProvider = provider;
    assert.equal(asProvider.hostTasks, undefined);
    assert.equal(asProvider.connection, undefined);
    assert.equal(asProvider.schedules, undefined);
  });

  it('a manual provider declares its host tasks: a set through the lock set waits for the host, tied to its command', async () => {
    const locks = rows();
    const provider: LockProvider = new ManualLocks({ locks, clock: clock(), seal: plain, open: plain });
    const lockSet = lockSetOver(provider, locks);
    const tasks = provider.hostTasks;
    assert.ok(tasks, 'a manual provider has tasks for the host');
    const told: string[] = [];
    const stop = tasks.onTask((task) => told.push(`${task.lockId}/${task.slot}/${task.action}`));
    const result = await lockSet.execute(setCommand('front', 3, '551902'));
    stop();
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(told, ['front/3/set']);
    assert.equal(tasks.pendingTasks('front').length, 1);
    assert.equal(tasks.pendingTasks('gate').length, 0);
    assert.equal(provider.knownCodeCount?.('front'), 0, 'nothing is on the lock until the host says so');
    const done = tasks.confirm('front', 3);
    assert.deepEqual(done.reference, { commandId: 'set-front-3', codeId: 'code-3' });
    assert.equal(tasks.pendingTasks('front').length, 0);
    assert.equal(provider.knownCodeCount?.('front'), 1);
    assert.equal(provider.connection, undefined);
  });

  it('Home Assistant and Zigbee2MQTT providers declare the connection a node shows, and codes without dates', async () => {
    const connection = new HaConnection({ url: 'http://127.0.0.1:9', token: 'token' });
    const broker = new IdleLink();
    const providers: LockProvider[] = [
      new HaZwaveJsLocks({ locks: rows(), client: connection, clock: clock() }),
      new HaZhaLocks({ locks: rows(), client: connection, clock: clock() }),
      new Zigbee2MqttLocks({ locks: rows(), mqtt: broker, clock: clock() }),
    ];
    try {
      assert.deepEqual(
        providers.map((provider) => [provider.kind, provider.connection?.kind, provider.schedules, provider.knownCodeCount, provider.hostTasks]),
        [
          ['zwave-js', 'home-assistant', false, undefined, undefined],
          ['zha', 'home-assistant', false, undefined, undefined],
          ['zigbee2mqtt', 'mqtt', false, undefined, undefined],
        ],
      );
      const [zwave, zha, z2m] = providers.map((provider) => provider.connection);
      assert.ok(zwave?.kind === 'home-assistant' && zwave.client === connection);
      assert.ok(zha?.kind === 'home-assistant' && zha.client === connection);
      assert.ok(z2m?.kind === 'mqtt' && z2m.broker === broker);
    } finally {
      for (const provider of providers) await provider.close();
      connection.close();
    }
  });
});
