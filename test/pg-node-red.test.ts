/**
 * The two-instance harness of test/support/pg-node-red.ts: two real `node-red` processes on one building's
 * locks (Z-Wave locks in a Home Assistant double that both reach), with the ledger in files or in one
 * PostgreSQL database.
 *
 * With files, each instance knows only what it did itself: the standby meets the active one's code on
 * the shared lock as a stranger's. That is the case the shared ledger is for, and it proves both
 * processes really drive the same locks. With PostgreSQL (once the staykey-postgres node is in the
 * build), the standby takes the property over after a kill -9 and carries on with the same ledger.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { pinMatchesHash, Vault } from '../lib/pins/vault';
import { HaDouble } from './doubles/ha-server';
import { RedPair, addLocksTo, hasPostgresNode, heldCodes } from './support/pg-node-red';
import { PostgresCluster } from './support/postgres-cluster';
import { Inbox, RedProcess, TestLock, sleep } from './support/red-process';

const TOKEN = 'pair-test-token';
const BOOKINGS_PATH = '/pair/bookings';
const LOCKS: TestLock[] = [{ id: 'door-1', name: 'Room 1 door', schedules: false, firstSlot: 1, lastSlot: 10 }];

const day = (offset: number) => new Date(Date.now() + offset * 24 * 3600_000).toISOString().slice(0, 10);

/** Arrived yesterday, so the code is due at once whatever the hour. */
function booking(n: number) {
  return { id: `pair-${n}@test`, unit: 'Room 1', guestName: `Guest ${n}`, arrival: day(-1), departure: day(2) };
}

async function post(red: RedProcess, body: unknown): Promise<void> {
  const response = await fetch(`${red.url}${BOOKINGS_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(response.status, 200);
}

async function within(limitMs: number, check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${limitMs} ms: ${what}`);
    await sleep(100);
  }
}

const alertTexts = (inbox: Inbox) => inbox.received('/alerts').map((alert) => String((alert as { text?: unknown }).text ?? ''));
const codesOnDoor = (ha: HaDouble) => heldCodes(ha, LOCKS).get('door-1') ?? [];

describe("test support: two real Node-RED processes on one building's locks", function () {
  this.timeout(240_000);
  let directory: string;
  let ha: HaDouble;
  let inbox: Inbox;
  let pair: RedPair | undefined;
  let failed = false;

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-pair-'));
    ha = await HaDouble.start({ token: TOKEN });
    addLocksTo(ha, LOCKS);
    inbox = new Inbox();
    await inbox.start();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') failed = true;
    await pair?.close();
    pair = undefined;
    await inbox?.stop();
    await ha?.close();
    if (failed) console.log(`      kept for a look: ${directory}`);
    else fs.rmSync(directory, { recursive: true, force: true });
  });

  const common = () => ({
    inbox: inbox.url,
    locks: LOCKS,
    unitLocks: 'Room 1: door-1',
    bookingSource: { mode: 'message', unit: '' },
    bookingsPath: BOOKINGS_PATH,
    ha: { url: ha.url, token: TOKEN },
  });

  it("with a ledger file each, the standby meets the active one's code on the shared lock as a stranger's", async () => {
    pair = new RedPair({ ...common(), directory, ledger: { kind: 'file' } });
    await pair.a.start();
    await post(pair.a, booking(1));
    await within(30_000, () => codesOnDoor(ha).length === 1, 'nr-a puts the code on the lock through Home Assistant');
    const [first] = codesOnDoor(ha);
    assert.match(first!.pin, /^\d{6}$/);

    await pair.a.kill();
    await pair.b.start();
    // nr-b's pin-issuer has never seen this lock: before it writes, it reads every slot.
    await post(pair.b, booking(2));
    // A Z-Wave slot has no name, so nr-a's code is just a code StayKey (this one) did not create.
    await within(30_000, () => alertTexts(inbox).some((text) => text.includes(`did not create (slots ${first!.slot})`)), "nr-b reports nr-a's code as a stranger's");
    await within(30_000, () => codesOnDoor(ha).length === 2, "nr-b puts its own code beside nr-a's");
    const slots = codesOnDoor(ha).map((code) => code.slot);
    assert.equal(new Set(slots).size, 2, 'nr-b wrote to another slot, not over the code it did not know');
    assert.ok(codesOnDoor(ha).some((code) => code.slot === first!.slot && code.pin === first!.pin), "nr-a's code is left as it was");
  });

  describe('with one PostgreSQL ledger', () => {
    let cluster: PostgresCluster;
    let connectionString: string;

    before(async () => {
      assert.ok(hasPostgresNode(), 'the package declares the staykey-postgres node');
      cluster = await PostgresCluster.create();
      const admin = new Client({ connectionString: cluster.connectionString });
      await admin.connect();
      await admin.query('CREATE DATABASE staykey_pair');
      await admin.end();
      connectionString = cluster.connectionStringFor('staykey_pair');
    });

    after(async () => {
      await cluster?.close();
    });

    it('after a kill -9 of the active instance the standby takes the property within 60 s and carries on, under a new epoch', async () => {
      pair = new RedPair({ ...common(), directory, ledger: { kind: 'postgres', connectionString, property: 'pair-house', leaseSeconds: 6 } });
      await pair.start();
      const first = await pair.untilHeld({ timeoutMs: 30_000 });
      // The PMS tells both instances; the standby keeps the booking until it takes over.
      for (const red of pair.instances.values()) await post(red, booking(1));
      await within(30_000, () => codesOnDoor(ha).length === 1, `${first} puts the first code on the lock`);

      const killed = await pair.killActive();
      assert.equal(killed, first);
      const second = await pair.untilHeld({ not: killed, timeoutMs: 60_000 });
      await post(pair.instances.get(second)!, booking(2));
      await within(30_000, () => codesOnDoor(ha).length === 2, `${second} puts the second code on the lock`);

      const history = await pair.leaseHistory();
      const takeover = history.at(-1)!;
      assert.equal(takeover.holder, second);
      assert.equal(takeover.previousHolder, first);
      const secondsToTakeOver = (takeover.acquiredAt.getTime() - takeover.previousRenewedAt!.getTime()) / 1000;
      assert.ok(secondsToTakeOver <= 60, `taken over ${secondsToTakeOver} s after the last renewal (database clock)`);

      const lease = (await pair.lease())!;
      const { ledger, epochs } = await pair.committedLedger();
      const known = new Set(history.map((row) => row.epoch));
      for (const [record, epoch] of epochs) {
        assert.ok(known.has(epoch) && epoch <= lease.epoch, `${record} was written under epoch ${epoch}, which never held the property`);
      }
      const vault = Vault.withKey(Buffer.from(pair.pinKey!, 'hex'));
      const onDoor = codesOnDoor(ha);
      assert.equal(new Set(onDoor.map((code) => code.pin)).size, 2, 'no PIN twice');
      for (const n of [1, 2]) {
        const code = Object.values(ledger.codes).find((entry) => entry.bookingId === booking(n).id);
        assert.ok(code, `booking ${n} has its code in the committed ledger`);
        assert.equal(code.state, 'confirmed');
        const held = onDoor.find((entry) => entry.slot === code.slot);
        assert.ok(held, `booking ${n}'s code is in its slot`);
        const same = code.sealedPin ? vault.open(code.sealedPin) === held.pin : await pinMatchesHash(held.pin, code.pinHash!);
        assert.ok(same, `booking ${n}: the lock holds the PIN the ledger has`);
      }
    });
  });
});
