/**
 * The TTLock provider against a local double of the TTLock cloud (test/doubles/ttlock-cloud.ts), which
 * follows the documented API: form-encoded writes, query-string reads, HTTP-200 errcodes, one
 * operation at a time per gateway, and faults on demand.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandRunner } from '../lib/locks/command-runner';
import { LockConfig, LockError } from '../lib/locks/provider';
import { listAccountLocks, suggestedLock, TTLockLocks, TTLockLocksOptions } from '../lib/locks/ttlock/ttlock';
import { DEFAULT_TTLOCK_HOST, md5, normalizeBaseUrl, TTLockApi } from '../lib/locks/ttlock/api';
import type { LockCommand } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import { driveClock } from './doubles/ha-fixtures';
import { TTLockCloud } from './doubles/ttlock-cloud';

const PASSWORD = 'door-password';
const PIN = '482913';
const START = '2026-07-10T15:00:00.000Z';
const END = '2026-07-13T10:00:00.000Z';
const DOOR = 3001;

const door: LockConfig = {
  id: 'door',
  name: 'Room 101 door',
  rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 },
  schedules: true,
  device: String(DOOR),
};

describe('TTLock provider', () => {
  let clock: ManualClock;
  let cloud: TTLockCloud;
  let baseUrl: string;
  let directory: string;
  let file: string;

  const apiFor = (password = PASSWORD, timeoutMs = 20_000) =>
    new TTLockApi({
      account: { baseUrl, clientId: 'client-id-1', clientSecret: 'client-secret-1', username: 'host@example.com', password },
      clock,
      timeoutMs,
    });

  const locksFor = (options: Partial<TTLockLocksOptions> = {}) =>
    new TTLockLocks({ locks: [door], api: apiFor(), clock, file, ...options });

  const code = (slot = 3, pin = PIN) => ({ slot, name: 'SK Ada', pin, startsAt: START, endsAt: END });

  /** Every access token the double handed out: none may appear in anything a host sees. */
  const tokens = () => cloud.calls.map((call) => call.params.accessToken).filter((token): token is string => Boolean(token));

  const assertNoSecrets = (text: string) => {
    assert.ok(!text.includes(PIN), `a PIN in: ${text}`);
    assert.ok(!text.includes(PASSWORD) && !text.includes(md5(PASSWORD)), `the password in: ${text}`);
    for (const token of tokens()) assert.ok(!text.includes(token), `a token in: ${text}`);
  };

  async function failure(work: Promise<unknown>): Promise<LockError> {
    try {
      await work;
    } catch (err) {
      assert.ok(err instanceof LockError, `not a LockError: ${String(err)}`);
      assertNoSecrets(err.message);
      return err;
    }
    throw new Error('expected a failure');
  }

  /** Waits (in real time) until the double has had `count` calls to `path`. */
  async function callsReach(pathname: string, count: number): Promise<void> {
    for (let i = 0; i < 500 && cloud.callsTo(pathname).length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(cloud.callsTo(pathname).length >= count, `${pathname} was called ${cloud.callsTo(pathname).length} times`);
  }

  beforeEach(async () => {
    clock = new ManualClock('2026-07-01T12:00:00Z');
    cloud = new TTLockCloud({ clock, password: PASSWORD });
    baseUrl = await cloud.start();
    cloud.addGateway(77);
    cloud.addLock({ lockId: DOOR, lockAlias: 'Room 101 door', gatewayId: 77 });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ttlock-'));
    file = path.join(directory, 'locks', 'ttlock.json');
  });

  afterEach(async () => {
    await cloud.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  describe('signing in', () => {
    it('signs in with the MD5 of the password and uses one token for many calls', async () => {
      const locks = locksFor();
      await locks.listCodes('door');
      await locks.setCode('door', code());
      await locks.listCodes('door');
      const [login] = cloud.callsTo('/oauth2/token');
      assert.equal(login.method, 'POST');
      assert.equal(login.params.password, md5(PASSWORD));
      assert.match(login.params.password, /^[0-9a-f]{32}$/);
      assert.equal(login.params.grant_type, 'password');
      assert.equal(login.params.clientId, 'client-id-1');
      assert.equal(login.params.client_id, 'client-id-1');
      assert.ok(!cloud.calls.some((call) => JSON.stringify(call.params).includes(PASSWORD)), 'the plain password left the process');
      assert.deepEqual(cloud.grants, { password: 1, refresh: 0 });
    });

    it('renews the token with the refresh grant a day before it expires', async () => {
      cloud = await restartCloud({ expiresIn: 10 * 24 * 3600 });
      const locks = locksFor();
      await locks.listCodes('door');
      clock.advance(8.5 * 24 * 3600_000);
      await locks.listCodes('door');
      assert.deepEqual(cloud.grants, { password: 1, refresh: 0 }, 'still a day and a half to go');
      clock.advance(12 * 3600_000);
      await locks.listCodes('door');
      assert.deepEqual(cloud.grants, { password: 1, refresh: 1 });
      const refresh = cloud.callsTo('/oauth2/token')[1];
      assert.equal(refresh.params.grant_type, 'refresh_token');
      assert.ok(refresh.params.refresh_token);
      assert.equal(refresh.params.password, undefined);
    });

    it('gets a new token and tries once more when TTLock says the token expired (10004)', async () => {
      const locks = locksFor();
      await locks.listCodes('door');
      cloud.expireTokens();
      const before = cloud.calls.length;
      await locks.setCode('door', code());
      assert.deepEqual(cloud.grants, { password: 1, refresh: 1 });
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
      const [refused, renewal, again] = cloud.calls.slice(before);
      assert.equal(renewal.path, '/oauth2/token');
      assert.equal(again.path, refused.path, 'the refused call, then the same call with the new token');
      assert.notEqual(again.params.accessToken, refused.params.accessToken);
    });

    it('signs in with the password again when the refresh token is refused too', async () => {
      const locks = locksFor();
      await locks.listCodes('door');
      cloud.expireTokens();
      cloud.revokeRefreshTokens();
      await locks.listCodes('door');
      assert.deepEqual(cloud.grants, { password: 2, refresh: 0 });
    });

    it('refuses a wrong password for good, says what to check, and never shows the password', async () => {
      const locks = new TTLockLocks({ locks: [door], api: apiFor('wrong-password'), clock, file });
      const err = await failure(locks.listCodes('door'));
      assert.equal(err.reason, 'auth');
      assert.equal(err.transient, false);
      assert.match(err.message, /user name or password/);
      assert.match(err.message, /TTLock app account/);
      assert.ok(!err.message.includes('wrong-password') && !err.message.includes(md5('wrong-password')));
    });

    it('names the client id setting when TTLock does not know the client id (10000), and does not retry', async () => {
      const api = new TTLockApi({
        account: { baseUrl, clientId: 'client-id-typo', clientSecret: 'client-secret-1', username: 'host@example.com', password: PASSWORD },
        clock,
      });
      const err = await failure(new TTLockLocks({ locks: [door], api, clock, file }).listCodes('door'));
      assert.equal(err.reason, 'auth');
      assert.equal(err.transient, false);
      assert.match(err.message, /client id/);
      assert.match(err.message, /TTLock account config/);
      assert.match(err.message, /errcode 10000/);
    });

    it('says so when the account belongs to another region', async () => {
      cloud.failNext('/oauth2/token', 30008);
      const err = await failure(locksFor().listCodes('door'));
      assert.equal(err.reason, 'auth');
      assert.equal(err.transient, false);
      assert.match(err.message, /another region/);
    });

    it('takes the region host with or without scheme and slash, euapi.ttlock.com by default', () => {
      assert.equal(normalizeBaseUrl(''), DEFAULT_TTLOCK_HOST);
      assert.equal(normalizeBaseUrl(undefined), 'https://euapi.ttlock.com');
      assert.equal(normalizeBaseUrl('api.sciener.com/'), 'https://api.sciener.com');
      assert.equal(normalizeBaseUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
    });
  });

  describe('inventory and status', () => {
    it('lists every lock on the account across pages, each as a locks-config row that keeps dates', async () => {
      for (let lockId = 3002; lockId <= 3005; lockId++) cloud.addLock({ lockId, lockAlias: `Room ${lockId - 2900} door` });
      const found = await listAccountLocks(apiFor(), 2);
      assert.deepEqual(
        found.map((lock) => [lock.lockId, lock.lockAlias]),
        [
          [3001, 'Room 101 door'],
          [3002, 'Room 102 door'],
          [3003, 'Room 103 door'],
          [3004, 'Room 104 door'],
          [3005, 'Room 105 door'],
        ],
      );
      assert.equal(cloud.callsTo('/v3/lock/list').length, 3);
      assert.ok(cloud.callsTo('/v3/lock/list').every((call) => call.method === 'GET' && call.params.pageSize === '2'));
      assert.deepEqual(suggestedLock(found[0]), {
        id: 'room-101-door',
        name: 'Room 101 door',
        rules: { codeLengths: [6], firstSlot: 1, lastSlot: 100 },
        schedules: true,
        device: '3001',
      });
    });

    it("reports the lock online by its gateway, with the battery read live through the gateway", async () => {
      const status = await locksFor().status('door');
      assert.deepEqual(status, { lockId: 'door', online: true, battery: 78, lastSeenAt: '2026-07-01T12:00:00.000Z' });
      assert.equal(cloud.callsTo('/v3/lock/queryElectricQuantity')[0].params.lockId, String(DOOR));
    });

    it("reports the lock offline with the cloud's last battery when its gateway is offline", async () => {
      cloud.gateways.get(77)!.isOnline = false;
      const status = await locksFor().status('door');
      assert.equal(status.online, false);
      assert.equal(status.battery, 80, "the lock list's cached reading");
      assert.equal(status.lastSeenAt, undefined);
    });

    it('reports a lock that does not answer its gateway as offline', async () => {
      cloud.locks.get(DOOR)!.online = false;
      const status = await locksFor().status('door');
      assert.equal(status.online, false);
      assert.equal(status.battery, 80);
    });

    it('tells a Wi-Fi lock (no gateway) online when it answers', async () => {
      cloud.addLock({ lockId: 3009, wifi: true, liveBattery: 55 });
      const wifi: LockConfig = { ...door, id: 'wifi', name: 'Wi-Fi door', device: '3009' };
      const status = await locksFor({ locks: [door, wifi] }).status('wifi');
      assert.equal(status.online, true);
      assert.equal(status.battery, 55);
    });

    it('warns when the lock clock is more than 5 minutes off, and not when it is close', async () => {
      cloud.locks.get(DOOR)!.clockOffsetMs = -12 * 60_000;
      const off = await locksFor().status('door');
      assert.equal(off.warning, "Room 101 door's clock is 12 min behind: codes start and end 12 min late. Set its time in the TTLock app (lock settings, clock).");
      cloud.locks.get(DOOR)!.clockOffsetMs = 3 * 60_000;
      assert.equal((await locksFor().status('door')).warning, undefined);
    });

    it("warns when the lock's time zone in TTLock is not where the locks are", async () => {
      cloud.locks.get(DOOR)!.timezoneRawOffset = 3600_000;
      const status = await locksFor({ timeZone: 'Europe/Lisbon' }).status('door');
      assert.match(status.warning ?? '', /Room 101 door is set to UTC\+01:00 in TTLock, but Europe\/Lisbon is UTC\+00:00: codes would open 60 min off/);
      cloud.locks.get(DOOR)!.timezoneRawOffset = 0;
      assert.equal((await locksFor({ timeZone: 'Europe/Lisbon' }).status('door')).warning, undefined, 'summer time is not a mismatch');
    });

    it('refuses a lock row without a TTLock lock id, and two rows with the same one', () => {
      assert.throws(() => locksFor({ locks: [{ ...door, device: undefined }] }), /Room 101 door needs its TTLock lock id/);
      assert.throws(() => locksFor({ locks: [door, { ...door, id: 'copy', name: 'Copy' }] }), /same TTLock lock id 3001/);
    });
  });

  describe('codes', () => {
    it('adds a period code through the gateway (addType 2) and reads it back in its slot with its dates', async () => {
      const locks = locksFor();
      await locks.setCode('door', code());
      const [add] = cloud.callsTo('/v3/keyboardPwd/add');
      assert.equal(add.method, 'POST');
      assert.equal(add.params.addType, '2', 'addType 1, the default, would leave the code in the cloud only');
      assert.equal(add.params.keyboardPwdType, '3');
      assert.equal(add.params.startDate, String(Date.parse(START)));
      assert.equal(add.params.endDate, String(Date.parse(END)));
      assert.equal(add.params.keyboardPwdName, 'SK Ada');
      assert.deepEqual(await locks.listCodes('door'), [{ slot: 3, name: 'SK Ada', pin: PIN, startsAt: START, endsAt: END }]);
      assert.ok(cloud.opens(DOOR, PIN, new Date('2026-07-11T12:00:00Z')), 'the lock itself opens with it');
      assert.ok(!cloud.opens(DOOR, PIN, new Date('2026-07-13T10:00:00Z')), 'and not after checkout');
      const saved = fs.readFileSync(file, 'utf8');
      assert.ok(!saved.includes(PIN), 'the slot map holds no PIN');
      assert.match(saved, /"3":\{"keyboardPwdId":\d+/);
    });

    it('reports the dates it asked for when TTLock keeps only their minute', async () => {
      const locks = locksFor();
      await locks.setCode('door', { ...code(), startsAt: '2026-07-10T15:00:30.000Z' });
      assert.equal(cloud.passcodesOn(DOOR)[0].startDate, Date.parse(START));
      const [held] = await locks.listCodes('door');
      assert.equal(held.startsAt, '2026-07-10T15:00:30.000Z');
    });

    it('changes the dates in place, always with startDate and through the gateway, keeping the PIN', async () => {
      const locks = locksFor();
      await locks.setCode('door', code());
      const [before] = cloud.passcodesOn(DOOR);
      await locks.updateCode('door', { slot: 3, name: 'SK Ada', startsAt: START, endsAt: '2026-07-12T10:00:00.000Z' });
      const [change] = cloud.callsTo('/v3/keyboardPwd/change');
      assert.equal(change.method, 'POST');
      assert.equal(change.params.startDate, String(Date.parse(START)), 'without startDate TTLock changes nothing yet says success');
      assert.equal(change.params.endDate, String(Date.parse('2026-07-12T10:00:00.000Z')));
      assert.equal(change.params.changeType, '2');
      assert.equal(change.params.newKeyboardPwd, undefined);
      const [after] = cloud.passcodesOn(DOOR);
      assert.equal(after.keyboardPwdId, before.keyboardPwdId);
      assert.equal(after.keyboardPwd, PIN);
      assert.ok(!cloud.opens(DOOR, PIN, new Date('2026-07-12T11:00:00Z')), 'the lock itself has the new checkout');
    });

    it('changes the PIN in place when one is given', async () => {
      const locks = locksFor();
      await locks.setCode('door', code());
      await locks.updateCode('door', { ...code(), pin: '730518' });
      assert.equal(cloud.callsTo('/v3/keyboardPwd/change')[0].params.newKeyboardPwd, '730518');
      assert.deepEqual(
        cloud.passcodesOn(DOOR).map((p) => p.keyboardPwd),
        ['730518'],
      );
    });

    it('setting a slot again changes its passcode rather than adding a second one', async () => {
      const locks = locksFor();
      await locks.setCode('door', code());
      await locks.setCode('door', { ...code(), pin: '730518' });
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 1);
      assert.deepEqual(
        cloud.passcodesOn(DOOR).map((p) => p.keyboardPwd),
        ['730518'],
      );
    });

    it('removes a code through the gateway (deleteType 2); clearing an empty slot is fine', async () => {
      const locks = locksFor();
      await locks.setCode('door', code());
      await locks.clearCode('door', 3);
      const [remove] = cloud.callsTo('/v3/keyboardPwd/delete');
      assert.equal(remove.params.deleteType, '2');
      assert.deepEqual(cloud.passcodesOn(DOOR), []);
      assert.ok(!cloud.opens(DOOR, PIN, new Date('2026-07-11T12:00:00Z')));
      await locks.clearCode('door', 3);
      assert.deepEqual(await locks.listCodes('door'), []);
      await locks.clearCode('door', 3);
      assert.equal(cloud.callsTo('/v3/keyboardPwd/delete').length, 2, 'once, then "already gone", then nothing once read back empty');
      assert.deepEqual(cloud.passcodesOn(DOOR), []);
    });

    it('takes a removal in the TTLock app as done, and puts a code back with a new passcode', async () => {
      const locks = locksFor();
      await locks.setCode('door', code());
      cloud.locks.get(DOOR)!.passcodes.clear();
      await locks.updateCode('door', code());
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 2);
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
      cloud.locks.get(DOOR)!.passcodes.clear();
      await locks.clearCode('door', 3);
      const err = await failure(locks.updateCode('door', { slot: 3, name: 'SK Ada', startsAt: START, endsAt: END }));
      assert.equal(err.reason, 'rejected-code');
      assert.match(err.message, /holds no code in slot 3: it has to be set again/);
    });

    it('lists codes across pages, with types given as text, and gives codes StayKey did not make slots from 1001 up', async () => {
      const owner = cloud.addPasscode(DOOR, { pin: '1357', name: 'Owner', type: 2 });
      const cleaner = cloud.addPasscode(DOOR, { pin: '24680', name: 'Cleaner', startDate: Date.parse('2026-01-01T00:00:00Z'), endDate: Date.parse('2027-01-01T00:00:00Z') });
      const locks = locksFor({ passcodePageSize: 2 });
      await locks.setCode('door', code());
      cloud.addPasscode(DOOR, { pin: '97531', name: 'Plumber', type: 2 });
      const listed = await locks.listCodes('door');
      assert.deepEqual(listed, [
        { slot: 3, name: 'SK Ada', pin: PIN, startsAt: START, endsAt: END },
        { slot: 1001, name: 'Owner', pin: '1357' },
        { slot: 1002, name: 'Cleaner', pin: '24680', startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2027-01-01T00:00:00.000Z' },
        { slot: 1003, name: 'Plumber', pin: '97531' },
      ]);
      assert.ok(cloud.callsTo('/v3/lock/listKeyboardPwd').every((call) => call.method === 'GET' && call.params.pageSize === '2'));
      cloud.locks.get(DOOR)!.passcodes.delete(cleaner.keyboardPwdId);
      const again = await locksFor({ passcodePageSize: 2 }).listCodes('door');
      assert.deepEqual(
        again.map((c) => [c.slot, c.name]),
        [
          [3, 'SK Ada'],
          [1001, 'Owner'],
          [1003, 'Plumber'],
        ],
        'the same slots after a restart',
      );
      assert.ok(owner.keyboardPwdId > 0);
    });

    it("never touches a code it did not make unless the host asks for that code's removal", async () => {
      cloud.addPasscode(DOOR, { pin: '1357', name: 'Owner', type: 2 });
      const locks = locksFor();
      await locks.listCodes('door');
      const err = await failure(locks.clearCode('door', 1001));
      assert.equal(err.reason, 'rejected-code');
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
      await locks.setCode('door', code());
      await assert.rejects(locks.removeForeignCode('door', 3), /no code StayKey did not make in slot 3/);
      await locks.removeForeignCode('door', 1001);
      assert.deepEqual(
        cloud.passcodesOn(DOOR).map((p) => p.keyboardPwdName),
        ['SK Ada'],
      );
    });

    it('recognises a passcode whose add answer was lost, instead of adding it twice', async () => {
      const locks = locksFor();
      cloud.hangNext('/v3/keyboardPwd/add', { apply: true });
      const first = failure(locks.setCode('door', code()));
      await callsReach('/v3/keyboardPwd/add', 1);
      clock.advance(20_000);
      const err = await first;
      assert.equal(err.reason, 'timeout');
      assert.equal(err.transient, true);
      // A restart in between: the new provider only has the file.
      const restarted = locksFor();
      await restarted.setCode('door', code());
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 1, 'the passcode that landed was taken, not added again');
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
      assert.deepEqual((await restarted.listCodes('door')).map((c) => c.slot), [3]);
    });

    it('keeps its slot map across a restart', async () => {
      await locksFor().setCode('door', code(7));
      assert.deepEqual((await locksFor().listCodes('door')).map((c) => [c.slot, c.pin]), [[7, PIN]]);
    });

    it('refuses a code the lock rules forbid before asking TTLock', async () => {
      const err = await failure(locksFor().setCode('door', code(3, '12345')));
      assert.equal(err.reason, 'rejected-code');
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 0);
    });
  });

  describe('errors', () => {
    const cases: Array<[number, LockError['reason'], boolean, RegExp]> = [
      [-3002, 'offline', true, /gateway is offline/],
      [-3003, 'busy', true, /gateway is busy/],
      [-3036, 'offline', true, /does not answer its gateway/],
      [-3037, 'busy', true, /lock is busy/],
      [30006, 'busy', true, /call-rate limit/],
      [1, 'vendor-error', true, /failed/],
      [-2012, 'offline', true, /no TTLock gateway is near/],
      [-3007, 'duplicate-code', false, /already holds this code/],
      [-2032, 'rejected-code', false, /too simple/],
      [-3006, 'rejected-code', false, /4 to 9 digits/],
      [-3009, 'slots-full', false, /host must remove old codes/],
      [-4056, 'slots-full', false, /host must remove old codes/],
      [-1003, 'unknown-lock', false, /no lock with this id/],
      [-2018, 'auth', false, /no permission/],
      [80000, 'vendor-error', false, /clock differs from TTLock's/],
      [12345, 'vendor-error', true, /errcode 12345: injected/],
    ];
    for (const [errcode, reason, transient, text] of cases) {
      it(`turns errcode ${errcode} into ${transient ? 'a transient' : 'a permanent'} ${reason}`, async () => {
        cloud.failNext('/v3/keyboardPwd/add', errcode);
        const err = await failure(locksFor().setCode('door', code()));
        assert.equal(err.reason, reason);
        assert.equal(err.transient, transient);
        assert.match(err.message, text);
      });
    }

    it('names codes the host could remove when the lock is full, expired ones first', async () => {
      cloud.locks.get(DOOR)!.capacity = 3;
      cloud.addPasscode(DOOR, { pin: '1357', name: 'Owner', type: 2 });
      cloud.addPasscode(DOOR, { pin: '24680', name: 'Last summer', startDate: Date.parse('2025-07-01T00:00:00Z'), endDate: Date.parse('2025-08-01T00:00:00Z') });
      const locks = locksFor();
      await locks.setCode('door', code(2, '730518'));
      const err = await failure(locks.setCode('door', code()));
      assert.equal(err.reason, 'slots-full');
      assert.equal(err.transient, false);
      assert.match(err.message, /^Room 101 door: the lock has no room for another passcode \(250 at most\): the host must remove old codes/);
      assert.match(err.message, /expired codes StayKey did not make \(1\), e.g. "Last summer"/);
      assert.ok(!err.message.includes('SK Ada'), 'StayKey never suggests removing its own guests');
    });

    it('counts a call TTLock never answers as a timeout worth another try', async () => {
      const locks = locksFor();
      await locks.listCodes('door');
      cloud.hangNext('/v3/lock/listKeyboardPwd', { apply: false });
      const pending = failure(locks.listCodes('door'));
      await callsReach('/v3/lock/listKeyboardPwd', 2);
      clock.advance(20_000);
      const err = await pending;
      assert.equal(err.reason, 'timeout');
      assert.equal(err.transient, true);
      assert.match(err.message, /did not answer within 20 s/);
    });

    it('counts server errors and a slow-down as worth another try, without the address and its token', async () => {
      const locks = locksFor();
      cloud.httpErrorNext('/v3/lock/listKeyboardPwd', 502);
      const bad = await failure(locks.listCodes('door'));
      assert.equal(bad.reason, 'vendor-error');
      assert.equal(bad.transient, true);
      assert.match(bad.message, /HTTP 502/);
      cloud.httpErrorNext('/v3/lock/listKeyboardPwd', 429);
      const slow = await failure(locks.listCodes('door'));
      assert.equal(slow.reason, 'busy');
      assert.equal(slow.transient, true);
      clock.advance(30_000);
      cloud.setOutage(true);
      const down = await failure(locks.listCodes('door'));
      assert.equal(down.transient, true);
      assert.match(down.message, /HTTP 503/);
      assert.ok(!down.message.includes('accessToken'));
    });

    it("stops calling TTLock for 30 s after its call-rate limit, for every lock on the account", async () => {
      const locks = locksFor();
      await locks.listCodes('door');
      cloud.failNext('/v3/lock/listKeyboardPwd', 30006);
      const limited = await failure(locks.listCodes('door'));
      assert.equal(limited.reason, 'busy');
      const calls = cloud.calls.length;
      clock.advance(20_000);
      const waiting = await failure(locks.setCode('door', code()));
      assert.equal(waiting.reason, 'busy');
      assert.equal(waiting.transient, true);
      assert.match(waiting.message, /waits 10 s before calling again/);
      assert.equal(cloud.calls.length, calls, 'nothing was sent while TTLock asked for quiet');
      clock.advance(10_000);
      await locks.setCode('door', code());
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
    });

    it('counts a cloud it cannot reach as worth another try', async () => {
      await cloud.stop();
      const err = await failure(locksFor().listCodes('door'));
      assert.equal(err.transient, true);
      assert.match(err.message, /could not reach TTLock \(127\.0\.0\.1:\d+/);
    });
  });

  describe('gateways', () => {
    it('never gives two locks on one gateway overlapping operations', async () => {
      cloud = await restartCloud({ gatewayLatencyMs: 15 });
      cloud.addLock({ lockId: 3002, lockAlias: 'Room 102 door', gatewayId: 77 });
      const second: LockConfig = { ...door, id: 'door-2', name: 'Room 102 door', device: '3002' };
      const locks = locksFor({ locks: [door, second] });
      await Promise.all([
        locks.setCode('door', code(3)),
        locks.setCode('door-2', code(3, '730518')),
        locks.status('door'),
        locks.updateCode('door', { slot: 3, name: 'SK Ada', startsAt: START, endsAt: '2026-07-12T10:00:00.000Z' }),
        locks.status('door-2'),
        locks.setCode('door-2', code(4, '591726')),
      ]);
      assert.equal(cloud.busyRefusals, 0, 'the gateway was asked for two things at once');
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
      assert.equal(cloud.passcodesOn(3002).length, 2);
    });
  });

  describe('with the command runner', () => {
    const command = (action: LockCommand['action'], slot = 3): LockCommand => ({
      id: `${action}-${slot}`,
      action,
      lockId: 'door',
      slot,
      codeId: 'HM1:door',
      name: 'SK Ada',
      startsAt: START,
      endsAt: END,
    });
    const runnerFor = (locks: TTLockLocks) => new CommandRunner(locks, { clock, maxAttempts: 10, random: () => 0, lockName: () => 'Room 101 door' });

    it('catches an acknowledgement that did nothing by reading back, and adds the code again', async () => {
      const runner = runnerFor(locksFor());
      cloud.ignoreNextWrites(1);
      const result = await runner.execute(command('set'), PIN);
      assert.equal(result.ok, true);
      assert.equal(result.confirmed, true);
      assert.equal(result.attempts, 2);
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 2);
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
    });

    it('catches a clear that did nothing and removes the code again', async () => {
      const runner = runnerFor(locksFor());
      await runner.execute(command('set'), PIN);
      cloud.ignoreNextWrites(1);
      const result = await runner.execute(command('clear'), undefined);
      assert.equal(result.ok, true);
      assert.equal(result.attempts, 2);
      assert.deepEqual(cloud.passcodesOn(DOOR), []);
    });

    it('rides out an offline gateway, rate limits and server errors, then sets the code once', async () => {
      const runner = runnerFor(locksFor());
      cloud.failNext('/v3/keyboardPwd/add', -3002, 2);
      cloud.failNext('/v3/keyboardPwd/add', -3003);
      cloud.httpErrorNext('/v3/keyboardPwd/add', 503);
      const retries: string[] = [];
      const result = await runner.execute(command('set'), PIN, (_attempt, error) => retries.push(error));
      assert.equal(result.ok, true);
      assert.equal(result.attempts, 5);
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
      assert.match(retries[0], /Room 101 door could not set the code in slot 3 after 1 attempt \(the lock's TTLock gateway is offline/);
      for (const text of retries) assertNoSecrets(text);
    });

    it("waits out TTLock's call-rate limit with growing pauses, then sets the code", async () => {
      const runner = new CommandRunner(locksFor(), { clock, maxAttempts: 10, baseDelayMs: 2_000, random: () => 0.999 });
      cloud.failNext('/v3/keyboardPwd/add', 30006);
      let settled = false;
      const running = runner.execute(command('set'), PIN).finally(() => (settled = true));
      while (!settled) {
        clock.advance(1_000);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const result = await running;
      assert.equal(result.ok, true);
      assert.equal(result.attempts, 2, 'the refused add and the one after the quiet time; the quiet time itself is no attempt');
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 2, 'the refused add, and one more after the quiet time');
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
    });

    it('never spends a small attempts setting on its own quiet time after a call-rate limit', async () => {
      const runner = new CommandRunner(locksFor(), { clock, maxAttempts: 2, baseDelayMs: 2_000, random: () => 0.999 });
      cloud.failNext('/v3/keyboardPwd/add', 30006);
      const result = await driveClock(runner.execute(command('set'), PIN), clock, 1_000);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.attempts, 2);
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 2);
      assert.equal(cloud.passcodesOn(DOOR).length, 1);
    });

    it('tells the host at once about a full lock, with what to do', async () => {
      const runner = new CommandRunner(locksFor(), { clock, maxAttempts: 10, random: () => 0, lockName: () => 'Room 101 door' });
      cloud.failNext('/v3/keyboardPwd/add', -3009);
      const result = await runner.execute(command('set'), PIN);
      assert.equal(result.ok, false);
      assert.equal(result.attempts, 1);
      assert.equal(result.reason, 'slots-full');
      assert.match(result.error ?? '', /host must remove old codes/);
      assertNoSecrets(result.error ?? '');
    });

    it('does not write a resent code the lock already holds', async () => {
      const locks = locksFor();
      await runnerFor(locks).execute(command('set'), PIN);
      const result = await runnerFor(locksFor()).execute({ ...command('set'), resent: true }, PIN);
      assert.equal(result.ok, true);
      assert.equal(result.attempts, 0);
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 1);
    });
  });

  /** A new double with other options, holding the same gateway and lock. */
  async function restartCloud(options: { expiresIn?: number; gatewayLatencyMs?: number }): Promise<TTLockCloud> {
    await cloud.stop();
    const fresh = new TTLockCloud({ clock, password: PASSWORD, ...options });
    baseUrl = await fresh.start();
    fresh.addGateway(77);
    fresh.addLock({ lockId: DOOR, lockAlias: 'Room 101 door', gatewayId: 77 });
    return fresh;
  }
});
