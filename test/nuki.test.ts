import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandRunner, RunnerResult } from '../lib/locks/command-runner';
import { NukiLocks, NukiLocksOptions } from '../lib/locks/nuki/nuki';
import { NukiConnection } from '../lib/locks/nuki/api';
import { applyNukiRules, nukiRules } from '../lib/locks/nuki/rules';
import { FIRST_FOREIGN_SLOT } from '../lib/locks/nuki/slots';
import { CodeToSet, LockConfig, LockError } from '../lib/locks/provider';
import { TokenBucket } from '../lib/locks/rate-limit';
import type { LockCommand } from '../lib/messages';
import { generatePin, ruleBroken } from '../lib/pins/pin-rules';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { driveClock, NukiCloudDouble, until } from './doubles/nuki-cloud';

const DOOR = 4711;
const GATE = 4712;
const PIN = '245678';
const TOKEN = 'nuki-test-token-5f1e';

function lockRow(id: string, name: string, device: number): LockConfig {
  return { id, name, schedules: true, device: String(device), rules: nukiRules({ codeLengths: [6], firstSlot: 1, lastSlot: 20 }) };
}

const code: CodeToSet = { slot: 3, name: 'Ada Lovelace', pin: PIN, startsAt: '2026-07-10T15:00:00Z', endsAt: '2026-07-13T10:00:00Z' };

function command(action: LockCommand['action'], extra: Partial<LockCommand> = {}): LockCommand {
  return {
    id: `${action}-3`,
    action,
    lockId: 'front-door',
    slot: 3,
    codeId: 'HM123@front-door',
    name: code.name,
    startsAt: code.startsAt,
    endsAt: code.endsAt,
    ...extra,
  };
}

/** Nothing a host can read may hold the PIN or the token. */
function assertClean(text: string, pins: string[] = [PIN]): void {
  assert.ok(!text.includes(TOKEN), `the token is in: ${text}`);
  for (const pin of pins) assert.ok(!text.includes(pin), `a PIN is in: ${text}`);
}

async function lockError(work: Promise<unknown>): Promise<LockError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof LockError, `expected a LockError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('Nuki provider against a Nuki Web double', () => {
  let clock: ManualClock;
  let cloud: NukiCloudDouble;
  let directory: string;
  let vault: Vault;
  let connection: NukiConnection;
  let token: string;
  const locks = () => [lockRow('front-door', 'Front door', DOOR), lockRow('gate', 'Garden gate', GATE)];

  function provider(options: Partial<NukiLocksOptions> = {}): NukiLocks {
    return new NukiLocks({
      locks: locks(),
      connection,
      file: path.join(directory, 'locks', 'nuki.json'),
      seal: (pin) => vault.seal(pin),
      open: (sealed) => vault.open(sealed),
      confirmDelayMs: 0,
      ...options,
    });
  }

  /** The runner as the locks config builds it; backoff 0 (random 0) so retries need no clock. */
  function runnerFor(nuki: NukiLocks, maxAttempts = 5): CommandRunner {
    return new CommandRunner(nuki, { clock, maxAttempts, random: () => 0, lockName: (id) => (id === 'gate' ? 'Garden gate' : 'Front door') });
  }

  beforeEach(async () => {
    clock = new ManualClock('2026-07-09T12:00:00Z');
    cloud = await NukiCloudDouble.start({ clock, token: TOKEN });
    cloud.addSmartlock({ smartlockId: DOOR, name: 'Front door', batteryCharge: 81 });
    cloud.addSmartlock({ smartlockId: GATE, name: 'Garden gate', batteryCharge: 64 });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-nuki-'));
    vault = Vault.openDirectory(directory);
    token = TOKEN;
    connection = {
      baseUrl: cloud.url,
      token: () => token,
      clock,
      requests: new TokenBucket({ clock, perSecond: 1000, burst: 1000 }),
      timeoutMs: 15_000,
    };
  });

  afterEach(async () => {
    connection.requests.close();
    await cloud.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  describe('setting, changing and clearing codes', () => {
    it('puts a keypad code (type 13) with the dates on the lock and confirms it by listing', async () => {
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.confirmed, true);
      assert.equal(result.attempts, 1);
      const [held] = cloud.keypadCodes(DOOR);
      assert.equal(cloud.keypadCodes(DOOR).length, 1);
      assert.equal(held.type, 13);
      assert.equal(held.code, 245678);
      assert.equal(held.name, 'Ada Lovelace');
      assert.equal(held.allowedFromDate, '2026-07-10T15:00:00.000Z');
      assert.equal(held.allowedUntilDate, '2026-07-13T10:00:00.000Z');
      assert.equal(held.remoteAllowed, false);
      const put = cloud.writes().find((request) => request.method === 'PUT');
      assert.equal(put?.path, `/smartlock/${DOOR}/auth`);
      assert.equal(put?.body?.type, 13);
      assert.ok(cloud.requests.every((request) => request.authorized), 'every request carries the Bearer token');
    });

    it('keeps the slot of each code, and never a PIN, in its state file', async () => {
      const nuki = provider();
      await runnerFor(nuki).execute(command('set'), PIN);
      const [held] = cloud.keypadCodes(DOOR);
      assert.deepEqual(await nuki.listCodes('front-door'), [
        { slot: 3, name: 'Ada Lovelace', pin: PIN, startsAt: '2026-07-10T15:00:00.000Z', endsAt: '2026-07-13T10:00:00.000Z' },
      ]);
      const file = fs.readFileSync(path.join(directory, 'locks', 'nuki.json'), 'utf8');
      assert.ok(file.includes(held.id), 'the slot -> auth id map');
      assertClean(file);
      const again = provider();
      assert.equal((await again.listCodes('front-door'))[0]?.slot, 3, 'the slot survives a restart');
    });

    it("cuts the code's name to Nuki's 20 characters instead of being refused", async () => {
      const result = await runnerFor(provider()).execute(command('set', { name: 'Ada Lovelace-Byron, Room 101 (Airbnb)' }), PIN);
      assert.equal(result.ok, true, result.error);
      assert.equal(cloud.keypadCodes(DOOR)[0].name, 'Ada Lovelace-Byron,');
      assert.ok(cloud.requests.every((request) => request.status !== 422));
    });

    it('changes the dates in place with POST and keeps the code when the update has no PIN', async () => {
      const nuki = provider();
      const runner = runnerFor(nuki);
      await runner.execute(command('set'), PIN);
      const [before] = cloud.keypadCodes(DOOR);
      const result = await runner.execute(command('update', { id: 'update-3', endsAt: '2026-07-14T10:00:00Z' }), undefined);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.confirmed, true);
      const [after] = cloud.keypadCodes(DOOR);
      assert.equal(after.id, before.id, 'the same auth, so the guest keeps the code');
      assert.equal(after.code, 245678);
      assert.equal(after.allowedUntilDate, '2026-07-14T10:00:00.000Z');
      const post = cloud.writes().find((request) => request.method === 'POST');
      assert.equal(post?.path, `/smartlock/${DOOR}/auth/${before.id}`);
      assert.equal(post?.body?.name, 'Ada Lovelace', 'Nuki wants the name on every update');
      assert.equal(post?.body && 'code' in post.body, false);
    });

    it('changes the PIN in place when an update carries one', async () => {
      const runner = runnerFor(provider());
      await runner.execute(command('set'), PIN);
      const result = await runner.execute(command('update', { id: 'update-3' }), '345678');
      assert.equal(result.ok, true, result.error);
      assert.deepEqual(cloud.keypadCodes(DOOR).map((auth) => auth.code), [345678]);
    });

    it('refuses to change the dates of a slot that holds no code, for good', async () => {
      const result = await runnerFor(provider()).execute(command('update'), undefined);
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'rejected-code');
      assert.match(result.error ?? '', /slot 3 of Front door holds no code at Nuki: it has to be set again/);
    });

    it('reports a code removed in the Nuki app just before its update as one to set again', async () => {
      const runner = runnerFor(provider());
      await runner.execute(command('set'), PIN);
      cloud.failNext(1, 404, { body: { detailMessage: 'Not Found' }, filter: { method: 'POST' } });
      const result = await runner.execute(command('update', { id: 'update-3', endsAt: '2026-07-14T10:00:00Z' }), undefined);
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'rejected-code');
      assert.match(result.error ?? '', /the code in slot 3 of Front door was removed at Nuki meanwhile: it has to be set again/);
    });

    it('clears the code with DELETE and finds the slot empty', async () => {
      const runner = runnerFor(provider());
      await runner.execute(command('set'), PIN);
      const [held] = cloud.keypadCodes(DOOR);
      const result = await runner.execute(command('clear', { id: 'clear-3' }), undefined);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.confirmed, true);
      assert.deepEqual(cloud.keypadCodes(DOOR), []);
      assert.ok(cloud.writes().some((request) => request.method === 'DELETE' && request.path === `/smartlock/${DOOR}/auth/${held.id}`));
      const again = await runner.execute(command('clear', { id: 'clear-3b' }), undefined);
      assert.equal(again.ok, true, 'clearing an empty slot is fine');
    });

    it('leaves codes it did not make alone: they show above slot 1000, keep their slot, and are never cleared', async () => {
      const owner = cloud.addKeypadCode(DOOR, { name: 'Cleaner', code: 987654 });
      const nuki = provider();
      const runner = runnerFor(nuki);
      await runner.execute(command('set'), PIN);
      const listed = await nuki.listCodes('front-door');
      assert.deepEqual(
        listed.map((held) => [held.slot, held.name]),
        [
          [3, 'Ada Lovelace'],
          [FIRST_FOREIGN_SLOT, 'Cleaner'],
        ],
      );
      assert.equal((await nuki.listCodes('front-door'))[1].slot, FIRST_FOREIGN_SLOT, 'the same slot on the next look');
      await runner.execute(command('clear', { id: 'clear-3' }), undefined);
      assert.deepEqual(cloud.keypadCodes(DOOR).map((auth) => auth.id), [owner.id]);
      assert.ok(!listed.some((held) => held.slot !== 3 && held.slot <= 1000), 'no foreign code in a slot StayKey may use');
    });

    it("lists Nuki's own app users as nothing: only keypad codes are codes", async () => {
      const nuki = provider();
      assert.deepEqual(await nuki.listCodes('front-door'), []);
    });
  });

  describe("Nuki's rules", () => {
    it('makes every lock 6 digits, no 0, never starting 12, keeping dates, whatever the row said', () => {
      const rows: LockConfig[] = [{ id: 'door', name: 'Door', schedules: false, device: '1', rules: { codeLengths: [4, 8], firstSlot: 1, lastSlot: 10, forbiddenDigits: '9' } }];
      const warnings: string[] = [];
      applyNukiRules(rows, (text) => warnings.push(text));
      assert.deepEqual(rows[0].rules, { codeLengths: [6], firstSlot: 1, lastSlot: 10, forbiddenDigits: '09', forbiddenPrefixes: ['12'] });
      assert.equal(rows[0].schedules, true);
      assert.deepEqual(warnings, ['Door is a Nuki lock: its codes are 6 digits, whatever the locks config says']);
      for (let i = 0; i < 500; i++) {
        const pin = generatePin(rows[0].rules, () => false);
        assert.match(pin, /^[1-8]{6}$/);
        assert.ok(!pin.startsWith('12'), pin);
      }
    });

    it('refuses a code the keypad cannot take before sending anything', async () => {
      for (const pin of ['120345', '123456', '24567', '245670']) {
        const err = await lockError(provider().setCode('front-door', { ...code, pin }));
        assert.equal(err.reason, 'rejected-code');
        assert.equal(err.transient, false);
        assertClean(err.message, [pin]);
        assert.equal(ruleBroken(pin, nukiRules({ codeLengths: [6], firstSlot: 1, lastSlot: 20 })) !== undefined, true);
      }
      assert.deepEqual(cloud.writes(), []);
    });

    it("reports Nuki's 400 for a code as a refused code, for good, without quoting the PIN", async () => {
      cloud.failNext(1, 400, { body: { detailMessage: "The supplied value '245678' for parameter 'code' is not valid" }, filter: { method: 'PUT' } });
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'rejected-code');
      assert.equal(result.attempts, 1);
      assert.match(result.error ?? '', /Nuki Web refused the code for slot 3 of Front door as not valid/);
      assertClean(result.error ?? '');
    });

    it('reports a code another code already has as a duplicate, so pin-issuer picks a new one', async () => {
      cloud.addKeypadCode(DOOR, { name: 'Owner', code: 245678 });
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'duplicate-code');
      assert.match(result.error ?? '', /Front door already has the code for slot 3, as "Owner"/);
      assertClean(result.error ?? '');
      assert.ok(!cloud.writes().some((request) => request.method === 'PUT'), 'not even tried');
    });

    it("tells the host to pair a keypad when the lock has none (Nuki's 400 for type 13)", async () => {
      cloud.smartlock(DOOR).keypadPaired = false;
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, false);
      assert.equal(result.attempts, 1, 'not worth retrying');
      assert.match(result.error ?? '', /pair a keypad with Front door in the Nuki app/);
      assertClean(result.error ?? '');
    });

    it('reports a full keypad, naming the codes StayKey did not make', async () => {
      let made = 0;
      for (let n = 311111; made < 100; n++) {
        if (/[0]/.test(String(n))) continue;
        cloud.addKeypadCode(DOOR, { name: `Staff ${made}`, code: n });
        made++;
      }
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'slots-full');
      assert.match(result.error ?? '', /holds 100 codes, as many as Nuki allows.*remove codes you no longer need in the Nuki app; codes StayKey did not make: "Staff 0", "Staff 1"/);
    });
  });

  describe('faults', () => {
    it('retries 5xx answers and then succeeds', async () => {
      cloud.failNext(2, 503, { body: { detailMessage: 'Service Unavailable' } });
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.attempts, 3);
      assert.equal(cloud.keypadCodes(DOOR).length, 1);
    });

    it('gives up after the attempts on a lasting 5xx with a transient reason and a clean sentence', async () => {
      cloud.setOutage(true);
      const result = await runnerFor(provider(), 3).execute(command('set'), PIN);
      assert.equal(result.ok, false);
      assert.equal(result.attempts, 3);
      assert.equal(result.reason, 'vendor-error');
      assert.match(result.error ?? '', /Front door could not set the code in slot 3 after 3 attempts \(Front door: Nuki Web had a problem \(503\)/);
      assertClean(result.error ?? '');
    });

    it('turns a refused token (401) into a permanent auth failure that names neither token nor PIN', async () => {
      token = 'an-old-token-9931';
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'auth');
      assert.equal(result.attempts, 1);
      assert.match(result.error ?? '', /Nuki Web refused the API token \(401\)/);
      assertClean(result.error ?? '', [PIN, 'an-old-token-9931']);
      assert.ok(cloud.requests.every((request) => !request.authorized));
    });

    it('stops after a token expires meanwhile, and works again with the new one', async () => {
      const runner = runnerFor(provider());
      cloud.rotateToken('nuki-new-token-77');
      const refused = await runner.execute(command('set'), PIN);
      assert.equal(refused.reason, 'auth');
      token = 'nuki-new-token-77';
      const result = await runner.execute(command('set', { id: 'set-3b' }), PIN);
      assert.equal(result.ok, true, result.error);
    });

    it('treats 429 as busy and sends nothing before Retry-After has passed', async () => {
      const nuki = provider();
      cloud.failNext(1, 429, { headers: { 'Retry-After': '30' }, filter: { method: 'PUT' } });
      const err = await lockError(nuki.setCode('front-door', code));
      assert.equal(err.reason, 'busy');
      assert.equal(err.transient, true);
      const sent = cloud.requests.length;
      let done = false;
      const retry = nuki.setCode('front-door', code).then(() => (done = true));
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(cloud.requests.length, sent, 'nothing goes out during the pause');
      clock.advance(29_000);
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(cloud.requests.length, sent);
      assert.equal(done, false);
      clock.advance(1_000);
      await driveClock(clock, retry, { stepMs: 10 });
      assert.equal(cloud.keypadCodes(DOOR).length, 1);
      assert.ok(cloud.requests[sent].at >= Date.parse('2026-07-09T12:00:30Z'), 'the first request after the pause waited for it');
    });

    it('gives up on an answer that never comes after the timeout, on the clock', async () => {
      const nuki = provider();
      cloud.hangNext(1, { method: 'PUT' });
      const attempt = lockError(nuki.setCode('front-door', code));
      await until('the create is hanging', () => cloud.requests.some((request) => request.method === 'PUT'));
      clock.advance(15_000);
      const err = await attempt;
      assert.equal(err.reason, 'timeout');
      assert.equal(err.transient, true);
      assert.match(err.message, /Front door: Nuki Web did not answer PUT \/smartlock\/4711\/auth within 15 s/);
    });

    it('stops waiting for Nuki Web when Node-RED stops', async () => {
      const nuki = provider();
      cloud.hangNext(1, { method: 'PUT' });
      const attempt = lockError(nuki.setCode('front-door', code));
      await until('the create is hanging', () => cloud.requests.some((request) => request.method === 'PUT'));
      await nuki.close();
      const err = await attempt;
      assert.equal(err.transient, true, 'tried again after the restart');
      assert.match(err.message, /StayKey stopped before Nuki Web answered/);
    });

    it('catches a create that answered 204 and did nothing, and sets it again: one code on the lock', async () => {
      cloud.ignoreNextWrites(1);
      const result = await runnerFor(provider()).execute(command('set'), PIN);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.attempts, 2);
      assert.equal(cloud.writes().filter((request) => request.method === 'PUT').length, 2);
      assert.equal(cloud.keypadCodes(DOOR).length, 1);
    });

    it('catches a delete that answered 204 and did nothing, and deletes again', async () => {
      const runner = runnerFor(provider());
      await runner.execute(command('set'), PIN);
      cloud.ignoreNextWrites(1);
      const result = await runner.execute(command('clear', { id: 'clear-3' }), undefined);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.attempts, 2);
      assert.deepEqual(cloud.keypadCodes(DOOR), []);
    });

    it('reports a code still there after every delete, with the lock and the slot', async () => {
      const runner = runnerFor(provider(), 2);
      await runner.execute(command('set'), PIN);
      cloud.ignoreNextWrites(5);
      const result = await runner.execute(command('clear', { id: 'clear-3' }), undefined);
      assert.equal(result.ok, false);
      assert.match(result.error ?? '', /Front door could not remove the code in slot 3 after 2 attempts \(slot 3 still holds a code after the clear\)/);
    });

    it('waits on the clock between listings while Nuki is still adding a code', async () => {
      cloud.createDelayReads = 2;
      const nuki = provider({ confirmDelayMs: 1500 });
      let done = false;
      const set = nuki.setCode('front-door', code).then(() => (done = true));
      await until('the create was sent', () => cloud.requests.some((request) => request.method === 'PUT'));
      await until('the first listing after it', () => cloud.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/auth')).length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(done, false, 'still waiting on the clock');
      await driveClock(clock, set, { stepMs: 500 });
      assert.deepEqual((await nuki.listCodes('front-door')).map((held) => held.slot), [3]);
    });

    it('finds a create whose answer was lost, after a restart, instead of making a second one', async () => {
      cloud.loseNextAnswers(1, { method: 'PUT' });
      const before = await runnerFor(provider(), 1).execute(command('set'), PIN);
      assert.equal(before.ok, false, 'the answer was lost');
      assert.equal(cloud.keypadCodes(DOOR).length, 1, 'but Nuki has the code');
      const file = fs.readFileSync(path.join(directory, 'locks', 'nuki.json'), 'utf8');
      assertClean(file);
      assert.ok(file.includes('sk1.'), 'the pending create is kept, its PIN sealed');

      const restarted = provider();
      const result = await runnerFor(restarted).execute(command('set', { resent: true }), PIN);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.confirmed, true);
      assert.equal(cloud.writes().filter((request) => request.method === 'PUT').length, 1, 'created once');
      assert.equal(cloud.keypadCodes(DOOR).length, 1);
      assert.equal((await restarted.listCodes('front-door'))[0].slot, 3);
    });

    it('takes a code off even when its create was never confirmed before a restart', async () => {
      cloud.loseNextAnswers(1, { method: 'PUT' });
      await runnerFor(provider(), 1).execute(command('set'), PIN);
      const result = await runnerFor(provider()).execute(command('clear', { id: 'clear-3' }), undefined);
      assert.equal(result.ok, true, result.error);
      assert.deepEqual(cloud.keypadCodes(DOOR), [], 'the pending create was found by its sealed PIN and removed');
    });
  });

  describe('lock state', () => {
    it('reports battery and online state from the smartlock', async () => {
      const nuki = provider();
      assert.deepEqual(await nuki.status('front-door'), { lockId: 'front-door', online: true, battery: 81, lastSeenAt: '2026-07-09T12:00:00.000Z' });
      cloud.smartlock(DOOR).batteryCritical = true;
      assert.equal((await nuki.status('front-door')).battery, 10, 'critical is never reported above 10 %');
      cloud.smartlock(DOOR).batteryCharge = 4;
      assert.equal((await nuki.status('front-door')).battery, 4);
      cloud.smartlock(DOOR).batteryCharge = undefined;
      assert.equal((await nuki.status('front-door')).battery, 10, 'critical without a charge');
      cloud.smartlock(DOOR).batteryCritical = false;
      assert.equal((await nuki.status('front-door')).battery, null);
    });

    it('shows an offline lock (serverState 4) as offline and fails writes to it as transient', async () => {
      cloud.smartlock(DOOR).serverState = 4;
      const nuki = provider();
      assert.equal((await nuki.status('front-door')).online, false);
      const err = await lockError(nuki.setCode('front-door', code));
      assert.equal(err.reason, 'offline');
      assert.equal(err.transient, true);
      assert.match(err.message, /Front door is offline at Nuki Web/);
      assert.deepEqual(cloud.writes(), []);
    });

    it('names the lock whose Nuki id is missing or unknown', async () => {
      const nuki = new NukiLocks({ locks: [{ ...lockRow('back', 'Back door', 1), device: '' }, lockRow('shed', 'Shed', 999)], connection });
      const missing = await lockError(nuki.status('back'));
      assert.equal(missing.reason, 'unknown-lock');
      assert.match(missing.message, /Back door has no Nuki smartlock id/);
      const unknown = await lockError(nuki.status('shed'));
      assert.equal(unknown.reason, 'unknown-lock');
      assert.match(unknown.message, /Nuki Web knows no smartlock 999 for Shed \(404\)/);
    });
  });

  describe('rate limit and one write per lock', () => {
    it('never sends more than the configured requests per second', async () => {
      connection.requests.close();
      const bucket = new TokenBucket({ clock, perSecond: 2, burst: 1 });
      // When each request was let out, on the test clock: the double's own arrival times also carry the
      // real HTTP latency, during which driveClock keeps moving the clock on a busy machine.
      const letOut: number[] = [];
      const take = bucket.take.bind(bucket);
      bucket.take = () => take().then(() => void letOut.push(clock.now().getTime()));
      connection.requests = bucket;
      const runner = runnerFor(provider());
      const results = await driveClock(
        clock,
        Promise.all([runner.execute(command('set'), PIN), runner.execute(command('set', { id: 'set-gate', lockId: 'gate' }), '345678')]),
      );
      assert.ok(results.every((result: RunnerResult) => result.ok), JSON.stringify(results.map((r) => r.error)));
      assert.ok(cloud.requests.length >= 8);
      assert.equal(letOut.length, cloud.requests.length, 'every request to Nuki Web waited for the rate limit');
      for (let i = 1; i < letOut.length; i++) assert.ok(letOut[i] - letOut[i - 1] >= 500, `requests ${i - 1} and ${i} were let out ${letOut[i] - letOut[i - 1]} ms apart`);
    });

    it('writes to one lock one at a time, while another lock goes ahead', async () => {
      const nuki = provider();
      cloud.hangNext(1, { method: 'PUT', path: new RegExp(`/smartlock/${DOOR}/auth$`) });
      const first = lockError(nuki.setCode('front-door', code));
      await until('the first write hangs', () => cloud.requests.some((request) => request.method === 'PUT'));
      const second = nuki.setCode('front-door', { ...code, slot: 4, name: 'Grace Hopper', pin: '345678' });
      await nuki.setCode('gate', { ...code, pin: '456789' });
      assert.equal(cloud.keypadCodes(GATE).length, 1, 'the gate did not wait for the door');
      const doorRequests = () => cloud.requests.filter((request) => request.path.startsWith(`/smartlock/${DOOR}`)).length;
      const seen = doorRequests();
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(doorRequests(), seen, "the door's second write waits for the first");
      clock.advance(15_000);
      assert.equal((await first).reason, 'timeout');
      await second;
      assert.deepEqual(cloud.keypadCodes(DOOR).map((auth) => auth.name), ['Grace Hopper']);
    });
  });
});
