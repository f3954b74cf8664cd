import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, NodeMessage } from 'node-red';
import { locksFromRows } from '../lib/locks/lock-rows';
import { ManualLocks } from '../lib/locks/manual';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { AlertMessage, CodeUsedMessage, LockCommand, LockResultMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { helper } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockProviderNode = require('../nodes/lock-provider/lock-provider') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;

const PIN = '482913';
const nodes = [locksConfigNode, lockProviderNode];
const rows = [
  { id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: false, batteryType: '4x AA' },
  { id: 'gate', name: 'Main gate', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: '' },
];

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'locks' },
    {
      id: 'locks',
      type: 'staykey-locks',
      provider: 'simulated',
      locks: rows,
      latency: 0,
      failureRate: 0,
      drain: 0.2,
      maxAttempts: 2,
      retryDelay: 0.001,
      ...config,
    },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['results'], ['alerts']] },
    { id: 'results', type: 'helper', z: 'tab' },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['provider'], wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

function command(vault: Vault, action: LockCommand['action'], lockId = 'front-door', slot = 3): { payload: unknown } {
  const base: LockCommand = {
    id: `${action}-${lockId}-${slot}`,
    action,
    lockId,
    slot,
    codeId: 'code-1',
    name: 'Ada Lovelace',
    startsAt: '2025-06-12T15:00:00Z',
    endsAt: '2025-06-15T10:00:00Z',
  };
  if (action !== 'clear') base.pin = vault.seal(PIN);
  return { payload: { kind: 'lock-command', command: base } };
}

/** The next message a helper node receives. */
function next(id: string): Promise<NodeMessage> {
  return new Promise((resolve) => helper.getNode(id).once('input', (msg: NodeMessage) => resolve(msg)));
}

function provider(): SimulatedLocks | ManualLocks {
  const locks = helper.getNode('locks') as unknown as LockSetNode;
  const found = locks.lockSet.provider;
  assert.ok(found instanceof SimulatedLocks || found instanceof ManualLocks);
  return found;
}

function simulated(): SimulatedLocks {
  const found = provider();
  assert.ok(found instanceof SimulatedLocks);
  return found;
}

describe('lock-provider node', () => {
  let directory: string;
  let vault: Vault;

  beforeEach((done) => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-lock-provider-'));
    vault = Vault.openDirectory(directory);
    helper.settings({ staykey: { directory } });
    helper.startServer(done);
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('sets a code, reports it confirmed, and the code is then on the simulated lock', async () => {
    await helper.load(nodes, flow());
    const result = next('results');
    helper.getNode('provider').receive(command(vault, 'set'));
    const payload = (await result).payload as LockResultMessage;
    assert.equal(payload.kind, 'lock-result');
    assert.equal(payload.ok, true);
    assert.equal(payload.confirmed, true);
    assert.equal(payload.commandId, 'set-front-door-3');
    assert.deepEqual(
      simulated().inspect('front-door').codes.map((code) => [code.slot, code.pin]),
      [[3, PIN]],
    );
    const file = fs.readFileSync(path.join(directory, 'locks', 'locks.json'), 'utf8');
    assert.ok(!file.includes(PIN), 'the PIN is on disk in plain text');
  });

  it('clears a code', async () => {
    await helper.load(nodes, flow());
    const set = next('results');
    helper.getNode('provider').receive(command(vault, 'set'));
    await set;
    const cleared = next('results');
    helper.getNode('provider').receive(command(vault, 'clear'));
    const payload = (await cleared).payload as LockResultMessage;
    assert.equal(payload.ok, true);
    assert.equal(payload.confirmed, true);
    assert.deepEqual(simulated().inspect('front-door').codes, []);
  });

  it('gives up on an offline lock after the configured attempts and tells the pin-issuer why', async () => {
    await helper.load(nodes, flow());
    simulated().setOnline('front-door', false);
    const result = next('results');
    let alerts = 0;
    helper.getNode('alerts').on('input', () => alerts++);
    const statuses: string[] = [];
    const watch = helper.getNode('provider') as unknown as { on(event: string, listener: (call: { args: [{ text?: string }] }) => void): void };
    watch.on('call:status', (call) => statuses.push(call.args[0].text ?? ''));
    helper.getNode('provider').receive(command(vault, 'set'));
    const payload = (await result).payload as LockResultMessage;
    assert.equal(payload.ok, false);
    assert.equal(payload.attempts, 2);
    assert.equal(payload.reason, 'offline');
    assert.match(payload.error ?? '', /Front door could not set the code in slot 3/);
    assert.ok(!(payload.error ?? '').includes(PIN));
    assert.equal(alerts, 0, 'the pin-issuer alerts the host, with the booking; the provider does not repeat it');
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(statuses.includes('retry 1/2 front-door'), `statuses were ${statuses.join(', ')}`);
    assert.equal(statuses[statuses.length - 1], 'front-door offline');
  });

  it('handles commands for several locks at once', async () => {
    await helper.load(nodes, flow({ latency: 5 }));
    const results: LockResultMessage[] = [];
    const all = new Promise<void>((resolve) => {
      helper.getNode('results').on('input', (msg: NodeMessage) => {
        results.push(msg.payload as LockResultMessage);
        if (results.length === 3) resolve();
      });
    });
    helper.getNode('provider').receive(command(vault, 'set', 'front-door', 3));
    helper.getNode('provider').receive(command(vault, 'set', 'gate', 3));
    helper.getNode('provider').receive(command(vault, 'clear', 'front-door', 3));
    await all;
    assert.ok(results.every((r) => r.ok && r.confirmed));
    assert.deepEqual(
      results.filter((r) => r.lockId === 'front-door').map((r) => r.action),
      ['set', 'clear'],
    );
    assert.deepEqual(simulated().inspect('front-door').codes, []);
    assert.equal(simulated().inspect('gate').codes.length, 1);
  });

  it('answers a lock-query with each lock, its battery and how many codes, without PINs', async () => {
    await helper.load(nodes, flow());
    const set = next('results');
    helper.getNode('provider').receive(command(vault, 'set'));
    await set;
    const state = next('results');
    helper.getNode('provider').receive({ payload: { kind: 'lock-query' } });
    const payload = (await state).payload;
    assert.deepEqual(payload, {
      kind: 'lock-state',
      locks: [
        { lockId: 'front-door', name: 'Front door', online: true, battery: 99.8, codes: 1 },
        { lockId: 'gate', name: 'Main gate', online: true, battery: 100, codes: 0 },
      ],
    });
  });

  it('sends an unknown kind of message to a Catch node', async () => {
    await helper.load(nodes, flow());
    const caught = next('caught');
    helper.getNode('provider').receive({ payload: { kind: 'booking' } });
    const msg = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(msg.error.message, /lock-provider takes lock-command, manual-confirm or lock-query messages, not "booking"/);
  });

  it('sends a command with an unsealed code to a Catch node', async () => {
    await helper.load(nodes, flow());
    const caught = next('caught');
    const msg = command(vault, 'set') as { payload: { command: LockCommand } };
    msg.payload.command.pin = PIN;
    helper.getNode('provider').receive(msg);
    const error = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(error.error.message, /must travel sealed/);
    assert.ok(!error.error.message.includes(PIN));
  });

  it('reports a locks config with the same lock id twice', async () => {
    await helper.load(nodes, flow({ locks: [rows[0], rows[0]] }));
    const caught = next('caught');
    helper.getNode('provider').receive(command(vault, 'set'));
    const msg = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(msg.error.message, /lock id "front-door" is used twice/);
  });

  it('reads the codes on a lock, with each PIN sealed', async () => {
    await helper.load(nodes, flow());
    const set = next('results');
    helper.getNode('provider').receive(command(vault, 'set', 'gate', 4));
    await set;
    const read = next('results');
    helper.getNode('provider').receive({ payload: { kind: 'lock-command', command: { id: 'read-gate', action: 'read', lockId: 'gate' } } });
    const msg = await read;
    const payload = msg.payload as LockResultMessage;
    assert.deepEqual(
      { ...payload, codes: undefined },
      { kind: 'lock-result', commandId: 'read-gate', codeId: '', lockId: 'gate', action: 'read', ok: true, confirmed: true, attempts: 1, codes: undefined },
    );
    assert.equal(payload.codes?.length, 1);
    const [held] = payload.codes ?? [];
    assert.equal(held?.slot, 4);
    assert.equal(held?.endsAt, '2025-06-15T10:00:00Z');
    assert.equal(vault.open(held?.pin ?? ''), PIN);
    assert.ok(!JSON.stringify(msg).includes(PIN), 'a plain PIN left the lock-provider');
  });

  it('does not write a resent code the lock already holds', async () => {
    await helper.load(nodes, flow());
    const set = next('results');
    helper.getNode('provider').receive(command(vault, 'set'));
    await set;
    assert.equal(simulated().inspect('front-door').battery, 99.8);
    const again = next('results');
    const resent = command(vault, 'set') as { payload: { command: LockCommand } };
    resent.payload.command.resent = true;
    helper.getNode('provider').receive(resent);
    const payload = (await again).payload as LockResultMessage;
    assert.deepEqual([payload.ok, payload.confirmed, payload.attempts], [true, true, 0]);
    assert.equal(simulated().inspect('front-door').battery, 99.8, 'the lock was written again');
  });

  it('refuses a code in a slot the locks config reserves', async () => {
    await helper.load(nodes, flow({ locks: [{ ...rows[0], reservedSlots: '1, 3' }, rows[1]] }));
    const result = next('results');
    helper.getNode('provider').receive(command(vault, 'set'));
    const payload = (await result).payload as LockResultMessage;
    assert.equal(payload.ok, false);
    assert.equal(payload.reason, 'rejected-code');
    assert.equal(payload.attempts, 1);
    assert.match(payload.error ?? '', /Front door refused to set the code in slot 3 \(Front door keeps slot 3 reserved/);
    assert.deepEqual(simulated().inspect('front-door').codes, []);
  });

  it('sends keypad use on output 1 for the pin-issuer, and stops when it closes', async () => {
    await helper.load(nodes, flow());
    const set = next('results');
    helper.getNode('provider').receive(command(vault, 'set'));
    await set;
    const used = next('results');
    assert.equal(simulated().enterPin('front-door', PIN), true);
    const msg = await used;
    const payload = msg.payload as CodeUsedMessage;
    assert.equal(msg.topic, 'code-used');
    assert.equal(payload.kind, 'code-used');
    assert.equal(payload.lockId, 'front-door');
    assert.equal(payload.slot, 3);
    assert.equal(payload.success, true);
    assert.ok(!Number.isNaN(Date.parse(payload.at)));
    assert.ok(!JSON.stringify(msg).includes(PIN));

    const wrong = next('results');
    simulated().enterPin('front-door', '000000');
    assert.deepEqual(pick((await wrong).payload as CodeUsedMessage), { kind: 'code-used', lockId: 'front-door', slot: null, success: false });

    let sends = 0;
    const watch = helper.getNode('provider') as unknown as { on(event: string, listener: () => void): void; close(removed: boolean): Promise<void> };
    watch.on('call:send', () => sends++);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    simulated().enterPin('front-door', PIN);
    await turn();
    assert.equal(sends, 1, 'keypad use was not sent');
    await watch.close(false);
    simulated().enterPin('front-door', PIN);
    await turn();
    assert.equal(sends, 1, 'a closed lock-provider still sent keypad use');
  });

  it('sends a read without a lock id to a Catch node', async () => {
    await helper.load(nodes, flow());
    const caught = next('caught');
    helper.getNode('provider').receive({ payload: { kind: 'lock-command', command: { id: 'read-1', action: 'read' } } });
    const msg = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(msg.error.message, /lock-command: lockId is missing/);
  });

  describe('with manual locks', () => {
    it('sends the host a task with the code sealed, and reports the code confirmed when the host says so', async () => {
      await helper.load(nodes, flow({ provider: 'manual' }));
      const task = next('alerts');
      const result = next('results');
      helper.getNode('provider').receive(command(vault, 'set'));
      const alert = (await task).payload as AlertMessage & { pin: string; slot: number };
      assert.equal(alert.severity, 'info');
      assert.equal(alert.topic, 'manual-task');
      assert.equal(alert.slot, 3);
      assert.match(alert.text, /slot 3 of Front door/);
      assert.ok(!alert.text.includes(PIN));
      assert.equal(vault.open(alert.pin), PIN);
      const sent = (await result).payload as LockResultMessage;
      assert.equal(sent.ok, true);
      assert.equal(sent.confirmed, false);

      const confirmation = next('results');
      helper.getNode('provider').receive({ payload: { kind: 'manual-confirm', lockId: 'front-door', slot: 3 } });
      const confirmed = (await confirmation).payload as LockResultMessage;
      assert.equal(confirmed.confirmed, true);
      assert.equal(confirmed.commandId, 'set-front-door-3');
      assert.equal(confirmed.codeId, 'code-1');
      const manual = provider();
      assert.ok(manual instanceof ManualLocks);
      assert.equal((await manual.listCodes('front-door')).length, 1);
    });

    it('sends a manual-confirm with nothing waiting to a Catch node', async () => {
      await helper.load(nodes, flow({ provider: 'manual' }));
      const caught = next('caught');
      helper.getNode('provider').receive({ payload: { kind: 'manual-confirm', lockId: 'front-door', slot: 5 } });
      const msg = (await caught) as NodeMessage & { error: { message: string } };
      assert.match(msg.error.message, /nothing is waiting for the host in slot 5 of Front door/);
    });
  });
});

function pick(used: CodeUsedMessage): Omit<CodeUsedMessage, 'at'> {
  const { at: _at, ...rest } = used;
  return rest;
}

describe('locksFromRows', () => {
  it('reads reserved slots, forbidden digits and starts, and other code lengths', () => {
    const [lock] = locksFromRows([
      {
        id: 'nuki',
        codeLength: 6,
        firstSlot: 1,
        lastSlot: 20,
        reservedSlots: '2, 1 2',
        forbiddenDigits: '0',
        forbiddenPrefixes: '12',
        otherCodeLengths: '4,8',
      },
    ]);
    assert.deepEqual(lock?.rules, {
      codeLengths: [6, 4, 8],
      firstSlot: 1,
      lastSlot: 20,
      reservedSlots: [1, 2],
      forbiddenDigits: '0',
      forbiddenPrefixes: ['12'],
    });
    const [ttlock] = locksFromRows([{ id: 'ttlock', reservedSlots: [5], forbiddenDigits: '9, 8, 0', forbiddenPrefixes: ['12', '00'] }]);
    assert.deepEqual(ttlock?.rules.reservedSlots, [5]);
    assert.equal(ttlock?.rules.forbiddenDigits, '089');
    assert.deepEqual(ttlock?.rules.forbiddenPrefixes, ['12', '00']);
  });

  it('refuses a reserved slot outside the slots StayKey may use, saying why', () => {
    assert.throws(
      () => locksFromRows([{ id: 'a', name: 'Front door', firstSlot: 3, lastSlot: 20, reservedSlots: '1' }]),
      /Front door: reserved slot 1 is outside the slots StayKey may use \(3 to 20\); StayKey never touches those anyway/,
    );
    assert.throws(() => locksFromRows([{ id: 'a', reservedSlots: 'master' }]), /the reserved slot "master" is not a slot number/);
    assert.throws(() => locksFromRows([{ id: 'a', firstSlot: 1, lastSlot: 2, reservedSlots: '1,2' }]), /leave at least one for guests/);
  });

  it('refuses forbidden digits or starts that are not digits, and forbidding every digit', () => {
    assert.throws(() => locksFromRows([{ id: 'a', forbiddenDigits: '0x' }]), /forbidden digits must be digits/);
    assert.throws(() => locksFromRows([{ id: 'a', forbiddenDigits: '0123456789' }]), /every digit is forbidden/);
    assert.throws(() => locksFromRows([{ id: 'a', forbiddenPrefixes: '1a' }]), /forbidden prefix "1a" must be digits/);
    assert.throws(() => locksFromRows([{ id: 'a', otherCodeLengths: '12' }]), /other code length "12"/);
  });

  it('still loads the demo flow, written before these fields existed', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const demo = require('../../flows/demo.json') as { type: string; locks?: { id: string; codeLength: number }[] }[];
    const config = demo.find((entry) => entry.type === 'staykey-locks');
    const locks = locksFromRows(config?.locks);
    assert.deepEqual(
      locks.map((lock) => [lock.id, lock.rules.codeLengths[0]]),
      (config?.locks ?? []).map((row) => [row.id, row.codeLength]),
    );
  });

  it('fills in the defaults a host leaves blank', () => {
    assert.deepEqual(locksFromRows([{ id: 'front-door', name: '', codeLength: '', firstSlot: '', lastSlot: '' }]), [
      { id: 'front-door', name: 'front-door', rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 }, schedules: false },
    ]);
  });

  it('refuses codes shorter than 4 or longer than 10 digits', () => {
    assert.throws(() => locksFromRows([{ id: 'a', codeLength: 3 }]), /4 to 10 digits/);
    assert.throws(() => locksFromRows([{ id: 'a', codeLength: 11 }]), /4 to 10 digits/);
  });

  it('refuses a slot range that ends before it starts', () => {
    assert.throws(() => locksFromRows([{ id: 'a', firstSlot: 10, lastSlot: 5 }]), /last slot \(5\) must be at least the first slot \(10\)/);
  });

  it('refuses an empty list and ids with spaces', () => {
    assert.throws(() => locksFromRows([]), /at least one lock/);
    assert.throws(() => locksFromRows([{ id: 'front door' }]), /the id "front door"/);
  });
});
