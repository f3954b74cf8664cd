/**
 * Power cuts while codes are issued: a real `node-red` process runs bookings (POSTed to an http-in, as a
 * PMS webhook does) -> booking-source -> access-window -> pin-issuer <-> lock-provider on ten simulated
 * locks that take 200 ms per radio exchange. While 200 codes are issued it is killed with SIGKILL at 20
 * seeded random points and started again on the same user directory; then 50 bookings are cancelled
 * while it is killed 5 more times. Afterwards every lock must hold exactly the codes the ledger says,
 * nothing is lost or doubled, no code of a cancelled booking is left, and no PIN reached a file.
 * The ledger's journal is compacted every few KB here, so kills also land in compactions.
 *
 * Real time throughout (a real process has the real clock): bookings arrive yesterday, so every code
 * is due at once. STAYKEY_CRASH_SEED repeats a run; the figures are printed at the end.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LedgerData } from '../lib/ledger/ledger-types';
import { pinMatchesHash, Vault } from '../lib/pins/vault';
import {
  FlowNode,
  HeldCode,
  Inbox,
  PIPELINE,
  RedProcess,
  TestLock,
  filesUnder,
  findPins,
  pipelineFlow,
  readLedger,
  readLocks,
  seededRandom,
  sleep,
} from './support/red-process';

const SEED = Number(process.env.STAYKEY_CRASH_SEED ?? 20260707);
const LOCKS = 10;
const BOOKINGS = 200;
const KILLS_WHILE_ISSUING = 20;
const CANCELLATIONS = 50;
const KILLS_WHILE_CANCELLING = 5;
const LATENCY_MS = 200;
const BOOKINGS_PATH = '/crash/bookings';
/** The longest a run may last before its kill when the work it waits for does not come. */
const MAX_RUN_BETWEEN_KILLS_MS = 3000;
/** The ledger journal is folded into its snapshot after this much (default 4 MB): every few saves here. */
const COMPACT_AFTER_BYTES = 4096;

interface TestBooking {
  id: string;
  unit: string;
  guestName: string;
  arrival: string;
  departure: string;
  /** The lock of its unit. */
  lockId: string;
}

/**
 * A kill: once `atProgress` codes are done, `delayMs` later; or while Node-RED is still starting; or
 * (`inCompaction`) the moment the ledger's next compaction starts writing its snapshot.
 */
interface KillPoint {
  atProgress: number;
  delayMs: number;
  whileStartingAfterMs?: number;
  inCompaction?: boolean;
}

interface Figures {
  kills: number;
  starts: number;
  bookingsSent: number;
  codesOnLocks: number;
  lostBeforeLedger: string[];
  lostOnLocks: string[];
  duplicates: string[];
  mismatched: string[];
  strangers: string[];
  leftBehind: string[];
  seconds: number;
}

const day = (offset: number) => new Date(Date.now() + offset * 24 * 3600_000).toISOString().slice(0, 10);
const two = (n: number) => String(n).padStart(2, '0');
const three = (n: number) => String(n).padStart(3, '0');

function testLocks(): TestLock[] {
  // Odd locks keep dates per code (TTLock-like); even ones do not (Z-Wave keypads).
  return Array.from({ length: LOCKS }, (_, i) => ({ id: `lock-${two(i + 1)}`, name: `Building ${two(i + 1)} door`, schedules: i % 2 === 0, firstSlot: 1, lastSlot: 30 }));
}

/** One booking per room, so no two guests share a room's nights; twenty rooms share each building door. */
function testBookings(): TestBooking[] {
  return Array.from({ length: BOOKINGS }, (_, i) => {
    const lock = (i % LOCKS) + 1;
    // Arrived yesterday: due at once on every lock, with or without dates.
    return {
      id: `crash-${three(i + 1)}@test`,
      unit: `Room ${three(i + 1)}`,
      guestName: `Guest ${three(i + 1)}`,
      arrival: day(-1),
      departure: day(2 + (i % 4)),
      lockId: `lock-${two(lock)}`,
    };
  });
}

function killPlan(random: () => number, count: number, total: number): KillPoint[] {
  const points = Array.from({ length: count }, () => {
    const point: KillPoint = { atProgress: Math.floor(random() * total * 0.95), delayMs: Math.floor(random() * 250) };
    // One in five kills hits a Node-RED that is still starting (loading flows, resending commands).
    if (random() < 0.2) point.whileStartingAfterMs = 100 + Math.floor(random() * 1400);
    // One in three of the others waits for a compaction and kills it halfway.
    else if (random() < 1 / 3) point.inCompaction = true;
    return point;
  });
  return points.sort((a, b) => a.atProgress - b.atProgress);
}

describe('crash: kill -9 while codes are issued and cancelled (real node-red process)', function () {
  this.timeout(600_000);
  const random = seededRandom(SEED);
  const bookings = testBookings();
  const sent = new Set<string>();
  const cancelled = new Set<string>();
  const pinsSeen = new Set<string>();
  /** Each code as lock and PIN: two locks may draw the same PIN by chance (about 2% of runs here). */
  const codesSeen = new Set<string>();
  let directory: string;
  let userDir: string;
  let inbox: Inbox;
  let red: RedProcess;
  let vault: Vault | undefined;
  let failed = false;
  let killsOnTimeout = 0;
  let killsInCompaction = 0;
  let codesAfterIssuing = 0;
  const started = Date.now();

  const ledger = (): LedgerData => readLedger(userDir) ?? { version: 1, bookings: {}, codes: {}, commandSeq: 0 };
  const openVault = () => (vault ??= Vault.openDirectory(path.join(userDir, 'staykey')));
  const locksNow = () => readLocks(userDir, openVault());

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-crash-'));
    userDir = path.join(directory, 'node-red');
    inbox = new Inbox();
    await inbox.start();
    const locks = testLocks();
    const flows: FlowNode[] = pipelineFlow({
      inbox: inbox.url,
      locks,
      unitLocks: bookings.map((booking) => `${booking.unit}: ${booking.lockId}`).join('\n'),
      latencyMs: LATENCY_MS,
      bookingSource: { mode: 'message', unit: '' },
      bookingsPath: BOOKINGS_PATH,
    });
    red = new RedProcess({ userDir, logFile: path.join(directory, 'node-red.log'), flows, settings: { staykey: { ledgerCompactAfterBytes: COMPACT_AFTER_BYTES } } });
    await red.start();
    openVault();
    console.log(`      crash seed ${SEED}; user directory ${userDir}`);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await red?.kill();
    await inbox?.stop();
    if (failed) console.log(`      kept for a look: ${directory}`);
    else if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  /** POSTs until Node-RED answers 200: a killed request is sent again, as a PMS webhook retries. */
  async function deliver(body: unknown): Promise<void> {
    for (;;) {
      if (red.running) {
        try {
          const response = await fetch(`${red.url}${BOOKINGS_PATH}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(5000),
          });
          if (response.ok) return;
        } catch {
          // Killed while answering: try again once it is back.
        }
      }
      await sleep(50);
    }
  }

  async function deliverAll(bodies: Array<{ id: string }>, accepted: Set<string>): Promise<void> {
    for (const body of bodies) {
      await deliver(body);
      accepted.add(body.id);
      await sleep(5 + Math.floor(random() * 35));
    }
  }

  /** Whether `check` came true within `limitMs`. */
  async function within(limitMs: number, check: () => boolean): Promise<boolean> {
    const deadline = Date.now() + limitMs;
    while (!check()) {
      if (Date.now() > deadline) return false;
      await sleep(25);
    }
    return true;
  }

  /**
   * Kills at every point, starting Node-RED again after each. A point is a count of finished codes
   * (read from the ledger), or at most a few seconds of running: work that never comes (a booking lost
   * on the way) must not stall the kills.
   */
  async function killAt(points: KillPoint[], progress: () => number): Promise<void> {
    for (const point of points) {
      if (!red.running && point.whileStartingAfterMs !== undefined) {
        await red.startThenKill(point.whileStartingAfterMs);
        continue;
      }
      if (!red.running) await red.start();
      if (!(await within(MAX_RUN_BETWEEN_KILLS_MS, () => progress() >= point.atProgress))) killsOnTimeout += 1;
      if (point.inCompaction) await killInCompaction();
      else await sleep(point.delayMs);
      await red.kill();
    }
    if (!red.running) await red.start();
  }

  /**
   * Kills Node-RED as the ledger's snapshot temp file appears (a compaction has begun writing), or after
   * six seconds without a compaction.
   */
  async function killInCompaction(): Promise<void> {
    const ledgers = path.join(userDir, 'staykey', 'ledgers');
    if (!fs.existsSync(ledgers)) return sleep(MAX_RUN_BETWEEN_KILLS_MS);
    const snapshotTemp = new RegExp(`^${PIPELINE.issuer}\\.json\\.\\d+\\.\\d+\\.tmp$`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 2 * MAX_RUN_BETWEEN_KILLS_MS);
      const watcher = fs.watch(ledgers, (_event, name) => {
        if (!name || !snapshotTemp.test(String(name))) return;
        killsInCompaction += 1;
        done();
      });
      function done(): void {
        clearTimeout(timer);
        watcher.close();
        resolve();
      }
    });
  }

  /** Waits until nothing is under way and the ledger and locks have stopped changing for two seconds. */
  async function settle(): Promise<void> {
    const deadline = Date.now() + 180_000;
    const snapshot = () => {
      const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
      const ledgerFile = path.join(userDir, 'staykey', 'ledgers', `${PIPELINE.issuer}.json`);
      return read(ledgerFile) + read(`${ledgerFile}.journal`) + read(path.join(userDir, 'staykey', 'locks', `${PIPELINE.locks}.json`));
    };
    let last = '';
    let quietSince = Date.now();
    for (;;) {
      const now = snapshot();
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      }
      const codes = Object.values(ledger().codes);
      const busy = codes.some((code) => code.inFlight || (code.state !== 'confirmed' && code.state !== 'revoked'));
      if (!busy && Date.now() - quietSince >= 2000) return;
      if (Date.now() > deadline) throw new Error(`did not settle: ${codes.filter((code) => code.inFlight || code.state !== 'confirmed').length} codes still under way`);
      await sleep(100);
    }
  }

  const confirmedCodes = () => Object.values(ledger().codes).filter((code) => code.state === 'confirmed').length;
  const revokedOfCancelled = () => Object.values(ledger().codes).filter((code) => code.state === 'revoked' && cancelled.has(code.bookingId)).length;

  /** Compares every lock with the ledger and with what the test sent. */
  async function audit(): Promise<Figures> {
    const data = ledger();
    const held = locksNow();
    for (const [lockId, codes] of held) {
      for (const code of codes) {
        pinsSeen.add(code.pin);
        codesSeen.add(JSON.stringify([lockId, code.pin]));
      }
    }
    const figures: Figures = {
      kills: red.kills,
      starts: red.starts,
      bookingsSent: sent.size,
      codesOnLocks: [...held.values()].reduce((sum, codes) => sum + codes.length, 0),
      lostBeforeLedger: [],
      lostOnLocks: [],
      duplicates: [],
      mismatched: [],
      strangers: [],
      leftBehind: [],
      seconds: Math.round((Date.now() - started) / 1000),
    };
    const accounted = new Map<string, Set<number>>();
    for (const booking of bookings.filter((b) => sent.has(b.id))) {
      const entry = data.bookings[booking.id];
      const code = Object.values(data.codes).find((c) => c.bookingId === booking.id && c.lockId === booking.lockId);
      const onLock = held.get(booking.lockId) ?? [];
      if (cancelled.has(booking.id)) {
        const still = onLock.filter((c) => c.name === `SK ${booking.guestName}` || (code && code.state !== 'revoked' && c.slot === code.slot));
        if (still.length > 0 || (entry && !entry.cancelled)) figures.leftBehind.push(booking.id);
        continue;
      }
      if (!entry || !code) {
        figures.lostBeforeLedger.push(booking.id);
        continue;
      }
      const inSlot = onLock.find((c) => c.slot === code.slot);
      if (code.state !== 'confirmed' || !inSlot) {
        figures.lostOnLocks.push(`${booking.id} (${code.state}, slot ${code.slot})`);
        continue;
      }
      accounted.set(booking.lockId, (accounted.get(booking.lockId) ?? new Set()).add(code.slot));
      const samePin = code.sealedPin ? openVault().open(code.sealedPin) === inSlot.pin : code.pinHash ? await pinMatchesHash(inSlot.pin, code.pinHash) : false;
      if (!samePin || inSlot.name !== code.name) figures.mismatched.push(`${booking.id} on ${booking.lockId} slot ${code.slot}`);
    }
    for (const [lockId, codes] of held) {
      figures.duplicates.push(...twice(codes, (c) => c.pin).map((slots) => `${lockId}: one PIN in slots ${slots}`));
      figures.duplicates.push(...twice(codes, (c) => c.name).map((slots) => `${lockId}: one guest in slots ${slots}`));
      for (const code of codes) {
        if (!accounted.get(lockId)?.has(code.slot)) figures.strangers.push(`${lockId} slot ${code.slot}`);
      }
    }
    return figures;
  }

  function report(stage: string, figures: Figures): void {
    const count = (list: string[]) => `${list.length}${list.length ? ` (${list.slice(0, 5).join('; ')}${list.length > 5 ? '; ...' : ''})` : ''}`;
    console.log(
      `      ${stage}: ${figures.kills} kills -9 (${killsOnTimeout} after ${MAX_RUN_BETWEEN_KILLS_MS / 1000} s without reaching their point), ${figures.starts} starts, ${figures.bookingsSent} bookings sent, ${figures.codesOnLocks} codes on locks, ` +
        `lost before the ledger ${count(figures.lostBeforeLedger)}, lost on locks ${count(figures.lostOnLocks)}, duplicates ${count(figures.duplicates)}, ` +
        `wrong PIN or name ${count(figures.mismatched)}, unaccounted codes on locks ${count(figures.strangers)}, left behind ${count(figures.leftBehind)}, ${figures.seconds} s; ` +
        `ledger: ${compactions()} compactions, ${killsInCompaction} kills as one began, ${stoppedCompactions()} restarts found one stopped halfway, ${tornSaves()} found a save cut short`,
    );
  }

  /** The journal generation the snapshot names: how many compactions have run. */
  function compactions(): number {
    const file = path.join(userDir, 'staykey', 'ledgers', `${PIPELINE.issuer}.json`);
    if (!fs.existsSync(file)) return 0;
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { journalGeneration?: number }).journalGeneration ?? 0;
  }

  /** What the pin-issuer said on restarts about its ledger files (the notices of ledger-file.ts). */
  const printed = (pattern: RegExp) => (fs.readFileSync(red.logFile, 'utf8').match(pattern) ?? []).length;
  const stoppedCompactions = () => printed(/a compaction was stopped after its snapshot|a write stopped halfway had left a temp file/g);
  const tornSaves = () => printed(/the last record was cut short/g);

  function assertClean(figures: Figures): void {
    const none = (list: string[], what: string) => assert.equal(list.length, 0, `${list.length} ${what}: ${list.slice(0, 5).join('; ')}${list.length > 5 ? '; ...' : ''}`);
    none(figures.lostBeforeLedger, 'bookings the webhook accepted never reached the ledger');
    none(figures.lostOnLocks, 'codes the ledger has are not on their lock');
    none(figures.duplicates, 'times a PIN or a guest is twice on one lock');
    none(figures.mismatched, 'slots hold another PIN or name than the ledger says');
    none(figures.strangers, 'codes on locks no booking accounts for');
    none(figures.leftBehind, 'codes of cancelled bookings are still on a lock');
  }

  it('issues 200 codes on 10 locks through 20 kills -9: every lock holds exactly what the ledger says, nothing lost or doubled', async () => {
    const posting = deliverAll(bookings, sent);
    await killAt(killPlan(random, KILLS_WHILE_ISSUING, BOOKINGS), confirmedCodes);
    await posting;
    await settle();
    const figures = await audit();
    report('issuing', figures);
    codesAfterIssuing = figures.codesOnLocks;
    assert.equal(figures.kills, KILLS_WHILE_ISSUING);
    assert.equal(figures.bookingsSent, BOOKINGS);
    assertClean(figures);
    assert.equal(figures.codesOnLocks, BOOKINGS);
  });

  it('cancels 50 bookings through 5 more kills -9: no code of a cancelled booking is left, the others untouched', async () => {
    const chosen = shuffled(bookings, random).slice(0, CANCELLATIONS);
    const posting = deliverAll(
      chosen.map((booking) => ({ id: booking.id, unit: booking.unit, arrival: booking.arrival, departure: booking.departure, cancelled: true })),
      cancelled,
    );
    await killAt(killPlan(random, KILLS_WHILE_CANCELLING, CANCELLATIONS), revokedOfCancelled);
    await posting;
    await settle();
    const figures = await audit();
    report('cancelling', figures);
    assert.equal(figures.kills, KILLS_WHILE_ISSUING + KILLS_WHILE_CANCELLING);
    assertClean(figures);
    assert.equal(figures.codesOnLocks, BOOKINGS - CANCELLATIONS);
    assert.ok(killsInCompaction > 0, `kills landed in compactions (${killsInCompaction} in ${compactions()} compactions)`);
  });

  it('wrote none of the PINs it issued to any file of the user directory or to its log', async () => {
    await red.stop();
    for (const message of inbox.received('/guest') as Array<{ text?: string }>) {
      for (const pin of String(message.text ?? '').match(/(?<![0-9])[0-9]{6}(?![0-9])/g) ?? []) pinsSeen.add(pin);
    }
    assert.ok(pinsSeen.size > 0 && codesSeen.size >= codesAfterIssuing, `the test saw ${codesSeen.size} codes`);
    const found = findPins([...filesUnder(userDir), red.logFile], [...pinsSeen]);
    console.log(`      searched ${filesUnder(userDir).length + 1} files for ${pinsSeen.size} PINs: ${found.length} found`);
    assert.deepEqual(found, []);
  });
});

/** Slots that share a value (a PIN, a name), as "3, 7". */
function twice(codes: HeldCode[], key: (code: HeldCode) => string): string[] {
  const slots = new Map<string, number[]>();
  for (const code of codes) slots.set(key(code), [...(slots.get(key(code)) ?? []), code.slot]);
  return [...slots.values()].filter((list) => list.length > 1).map((list) => list.join(', '));
}

function shuffled<T>(list: T[], random: () => number): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
