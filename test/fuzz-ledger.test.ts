/**
 * Fuzzing the ledger: random locks (PIN lengths 4 to 10, forbidden digits and prefixes, slot ranges
 * with reserved slots, with and without schedules), random bookings that come, change, are cancelled
 * and come back, on a ManualClock that runs through weeks of arrivals and checkouts, with a runner
 * that answers commands as lock-provider would (mostly done, sometimes failed, sometimes lost), and
 * restarts, re-issues, wipes and read-backs between. After every reconcile:
 *
 * - no two active codes on a lock have the same PIN (sealed PINs opened with the test's vault; a
 *   hashed one is the PIN the test last saw the lock take for that code);
 * - no code is on a lock (the ledger's `onLock`) outside its window, buffers included (locks without
 *   schedules: from 30 minutes before it opens), nor with other dates than its window;
 * - every PIN obeys its lock's rules, and every slot is in the lock's range, not reserved, and held by
 *   one active code only;
 * and the simulated locks never hold one PIN twice, nor a code in a slot StayKey may not use. When
 * every booking is over and every lock answers, the locks are empty again.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { Booking } from '../lib/bookings/booking';
import { Ledger, LedgerStore, Plan } from '../lib/ledger/ledger';
import { memoryLedgerStore } from '../lib/ledger/ledger-memory';
import { fileLedgerStore, readFileLedger } from '../lib/ledger/ledger-file';
import { LedgerData } from '../lib/ledger/ledger-types';
import type { LockConfig, LockRules } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, ReadCode } from '../lib/messages';
import { ruleBroken } from '../lib/pins/pin-rules';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor, WindowOptions } from '../lib/windows/window';
import { fuzzParameters, fuzzTimeout } from './support/fuzz';

const MINUTE = 60_000;
const DAY = 86_400_000;
const SET_AHEAD = 30 * MINUTE;
const vault = Vault.withKey(crypto.randomBytes(32));

// ---------------------------------------------------------------------------------------------
// What is generated

type Outcome = 'ok' | 'offline' | 'lost-done' | 'lost-undone';

type Step =
  | { kind: 'book'; booking: number; arrivalDay: number; nights: number; locks: number[]; phone?: string }
  | { kind: 'extend'; booking: number; nights: number }
  | { kind: 'cancel'; booking: number }
  | { kind: 'advance'; minutes: number }
  | { kind: 'restart' }
  | { kind: 'deliver'; booking: number }
  | { kind: 'reissue'; booking: number }
  | { kind: 'wipe'; lock: number }
  | { kind: 'verify' }
  | { kind: 'foreign'; lock: number; slot: number; pin: string };

interface Scenario {
  locks: LockConfig[];
  window: Omit<WindowOptions, 'locks'>;
  start: number;
  backupCodesPerLock: number;
  pinFromPhone: boolean;
  seed: number;
  outcomes: Outcome[];
  steps: Step[];
}

const DIGITS = '0123456789'.split('');

/** Lock rules as a locks config could hold them: forbidden digits always leave two or more. */
const rules: fc.Arbitrary<LockRules> = fc
  .record({
    length: fc.integer({ min: 4, max: 10 }),
    otherLength: fc.option(fc.integer({ min: 4, max: 10 }), { nil: undefined }),
    forbidden: fc.oneof(
      { weight: 4, arbitrary: fc.constant([] as string[]) },
      { weight: 3, arbitrary: fc.subarray(DIGITS, { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: fc.subarray(DIGITS, { minLength: 4, maxLength: 8 }) },
    ),
    prefixes: fc.array(fc.stringMatching(/^\d{1,2}$/), { maxLength: 2 }),
    firstSlot: fc.integer({ min: 0, max: 5 }),
    slots: fc.integer({ min: 1, max: 6 }),
    reserved: fc.array(fc.nat({ max: 5 }), { maxLength: 3 }),
  })
  .map((r) => {
    const lastSlot = r.firstSlot + r.slots - 1;
    const reserved = [...new Set(r.reserved.map((n) => r.firstSlot + (n % r.slots)))].sort((a, b) => a - b);
    // A locks config refuses a range with every slot reserved: keep one free.
    if (reserved.length === r.slots) reserved.pop();
    const lockRules: LockRules = { codeLengths: r.otherLength && r.otherLength !== r.length ? [r.length, r.otherLength] : [r.length], firstSlot: r.firstSlot, lastSlot };
    if (r.forbidden.length) lockRules.forbiddenDigits = [...r.forbidden].sort().join('');
    if (r.prefixes.length) lockRules.forbiddenPrefixes = [...new Set(r.prefixes)];
    if (reserved.length) lockRules.reservedSlots = reserved;
    return lockRules;
  });

const lock = (index: number) =>
  fc
    .record({ rules, schedules: fc.boolean(), readsBack: fc.boolean() })
    .map(({ rules: lockRules, schedules, readsBack }): LockConfig => ({ id: `lock-${index}`, name: `Lock ${index}`, rules: lockRules, schedules, ...(readsBack ? { codeCheck: 'read-back' as const } : {}) }));

const locks = fc.integer({ min: 1, max: 3 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => lock(i))));

const ZONES = ['Europe/Lisbon', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kolkata', 'UTC', 'America/St_Johns', 'Europe/Berlin'];

const step = (bookings: number, lockCount: number): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('book' as const),
        booking: fc.nat({ max: bookings - 1 }),
        // Days from today: arrivals near enough that codes come and go while the steps run.
        arrivalDay: fc.integer({ min: 0, max: 10 }),
        nights: fc.integer({ min: 1, max: 7 }),
        locks: fc.subarray(Array.from({ length: lockCount }, (_, i) => i), { minLength: 1 }),
        phone: fc.option(fc.stringMatching(/^\d{4}$/), { nil: undefined }),
      }),
    },
    // A guest staying longer or leaving early: the same arrival, another checkout.
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('extend' as const), booking: fc.nat({ max: bookings - 1 }), nights: fc.integer({ min: -3, max: 3 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), booking: fc.nat({ max: bookings - 1 }) }) },
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.oneof(fc.integer({ min: 1, max: 180 }), fc.integer({ min: 6 * 60, max: 3 * 24 * 60 })) }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('deliver' as const), booking: fc.nat({ max: bookings - 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reissue' as const), booking: fc.nat({ max: bookings - 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('wipe' as const), lock: fc.nat({ max: lockCount - 1 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'verify' as const }) },
    // The host keys a code of their own into a free slot, at the lock.
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('foreign' as const), lock: fc.nat({ max: lockCount - 1 }), slot: fc.nat({ max: 20 }), pin: fc.stringMatching(/^\d{10}$/) }),
    },
  );

const scenario: fc.Arbitrary<Scenario> = locks.chain((lockList) =>
  fc.record({
    locks: fc.constant(lockList),
    window: fc.record({
      checkIn: fc.constantFrom('16:00', '15:00', '00:00', '02:30', '23:45'),
      checkOut: fc.constantFrom('11:00', '10:00', '01:30', '23:59'),
      timeZone: fc.constantFrom(...ZONES),
      bufferBeforeMinutes: fc.constantFrom(0, 0, 15, 60, 24 * 60),
      bufferAfterMinutes: fc.constantFrom(0, 0, 30, 120),
      leadHours: fc.constantFrom(0, 2, 24, 48, 24 * 7),
    }),
    // Twenty years either side of now, so the clock changes of many years are crossed.
    start: fc.integer({ min: Date.parse('2005-01-01T00:00:00Z') / MINUTE, max: Date.parse('2045-01-01T00:00:00Z') / MINUTE }).map((m) => m * MINUTE),
    backupCodesPerLock: fc.constantFrom(0, 0, 0, 0, 1, 2),
    pinFromPhone: fc.boolean(),
    seed: fc.nat(),
    outcomes: fc.array(fc.oneof({ weight: 12, arbitrary: fc.constant<Outcome>('ok') }, { weight: 2, arbitrary: fc.constantFrom<Outcome>('offline', 'lost-done', 'lost-undone') }), { minLength: 1, maxLength: 40 }),
    steps: fc.array(step(6, lockList.length), { minLength: 1, maxLength: 40, size: 'max' }),
  }),
);

// ---------------------------------------------------------------------------------------------
// The world the ledger runs in: its clock, its store, simulated locks and a runner

/** A deterministic random source for PINs, so a failure fast-check reports replays the same. */
function seededRandom(seed: number): (max: number) => number {
  let state = seed >>> 0 || 1;
  return (max) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(value * max);
  };
}

interface HeldCode {
  pin: string;
  startsAt: string;
  endsAt: string;
  /**
   * A code the host keyed in; `known` once the ledger has read it back as not its own; `beforeLinked` when
   * it was there before the ledger first read its lock (which, on a lock that reads back, it must).
   */
  foreign?: { known: boolean; beforeLinked: boolean };
}

/**
 * Where a season's ledger lives: in memory, or in a journal on disk that compacts every few KB, where each
 * restart is a stop at a random point: a clean stop, a save cut short, or a compaction stopped halfway.
 */
interface SeasonStore {
  store: LedgerStore;
  /** The ledger as a restart would find it. */
  saved(): LedgerData | undefined;
  /** What a kill leaves behind before the restart (the journal only). */
  kill?(random: (max: number) => number): void;
  remove?(): void;
}

function memorySeason(): SeasonStore {
  const store = memoryLedgerStore();
  return { store, saved: () => store.data };
}

/** How the journal seasons' restarts stopped, summed over the run. */
const journalStops = { clean: 0, torn: 0, compacting: 0 };

function journalSeason(): SeasonStore {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-fuzz-journal-'));
  const file = path.join(directory, 'ledger.json');
  const season = {
    store: fileLedgerStore(file, { compactAfterBytes: 4096 }),
    saved: () => readFileLedger(file),
    kill: (random: (max: number) => number) => {
      const how = random(3);
      if (how === 1 && fs.existsSync(`${file}.journal`)) {
        // A save cut short: half a record at the end of the journal, its save never returned.
        fs.appendFileSync(`${file}.journal`, `${'0'.repeat(16)} {"changes":[{"kind":"code","id":"x","value":{"state":"pend`);
        journalStops.torn++;
      } else if (how === 2 && fs.existsSync(file)) {
        // Stopped inside a compaction, between the new snapshot and the new journal.
        const data = readFileLedger(file);
        const before = (JSON.parse(fs.readFileSync(file, 'utf8')) as { journalGeneration?: number }).journalGeneration ?? 0;
        fs.writeFileSync(file, JSON.stringify({ ...data, journalGeneration: before + 1 }));
        journalStops.compacting++;
      } else {
        journalStops.clean++;
      }
      season.store = fileLedgerStore(file, { compactAfterBytes: 4096 });
    },
    remove: () => fs.rmSync(directory, { recursive: true, force: true }),
  };
  return season;
}

/** The ledger without empty records and `undefined`s, as a file holds it: memory and store compare equal. */
function asSaved(data: LedgerData | undefined): unknown {
  const copy = JSON.parse(JSON.stringify(data ?? { version: 1, bookings: {}, codes: {}, commandSeq: 0 })) as Record<string, unknown>;
  for (const key of ['foreign', 'reads', 'lastUse']) if (copy[key] && Object.keys(copy[key] as object).length === 0) delete copy[key];
  return copy;
}

class World {
  readonly clock: ManualClock;
  ledger: Ledger;
  readonly season: SeasonStore;
  /** Saves compared with the ledger in memory (a change not marked for the store shows as a difference). */
  savesChecked = 0;
  /** What each simulated lock holds, slot by slot. */
  readonly held = new Map<string, Map<number, HeldCode>>();
  /** The PIN the lock last took for each code: the only record of a PIN the ledger keeps hashed. */
  readonly lastPin = new Map<string, string>();
  /** Bookings as the host's channel has them now. */
  readonly bookings = new Map<string, { booking: Booking; locks: string[]; cancelled: boolean }>();
  /** Locks whose every slot the ledger has been told. */
  readonly readWhole = new Set<string>();
  private outcomeIndex = 0;
  readonly random: (max: number) => number;
  /** What the run covered: invariant checks that applied (not skipped for a failed or lost command), commands, messages. */
  checks = { timing: 0, pins: 0, hashed: 0, set: 0, update: 0, clear: 0, read: 0, told: 0, alerts: 0, foreignKnown: 0, foreignBeforeLinked: 0 };

  constructor(
    readonly scenario: Scenario,
    private readonly hashing: boolean,
    journal = false,
  ) {
    this.clock = new ManualClock(new Date(scenario.start));
    this.random = seededRandom(scenario.seed);
    this.season = journal ? journalSeason() : memorySeason();
    for (const lockConfig of scenario.locks) this.held.set(lockConfig.id, new Map());
    this.ledger = this.openLedger();
  }

  openLedger(): Ledger {
    return new Ledger({
      clock: this.clock,
      vault,
      locks: () => this.scenario.locks,
      store: this.season.store,
      random: this.random,
      backupCodesPerLock: this.scenario.backupCodesPerLock,
      pinFromPhone: this.scenario.pinFromPhone,
      keepPinsForGuestPage: !this.hashing,
    });
  }

  lockOf(id: string): LockConfig {
    const found = this.scenario.locks.find((candidate) => candidate.id === id);
    assert.ok(found, `a command for unknown lock ${id}`);
    return found;
  }

  /** What lock-provider would answer, after doing (or not doing) what the command asks. */
  answer(command: LockCommand, outcome: Outcome = this.nextOutcome()): LockResultMessage | undefined {
    const ok: LockResultMessage = { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1 };
    if (command.action === 'read') {
      if (outcome !== 'ok') return undefined;
      const held = this.held.get(command.lockId)!;
      if (command.slot === 0) this.readWhole.add(command.lockId);
      const managed = new Set(Object.values(this.ledger.snapshot().codes).filter((c) => c.lockId === command.lockId && c.state !== 'revoked').map((c) => c.slot));
      for (const [slot, code] of held) {
        if (command.slot !== 0 && slot !== command.slot) continue;
        if (!code.foreign || code.foreign.known || managed.has(slot)) continue;
        code.foreign.known = true;
        this.checks.foreignKnown++;
      }
      const codes: ReadCode[] = [...held].map(([slot, code]) => ({ slot, pin: vault.seal(code.pin), startsAt: code.startsAt, endsAt: code.endsAt }));
      return { ...ok, codes };
    }
    if (outcome === 'offline') return { ...ok, ok: false, confirmed: false, reason: 'offline', error: 'the lock is offline' };
    const refused = outcome === 'lost-undone' ? undefined : this.apply(command);
    if (outcome === 'lost-done' || outcome === 'lost-undone') return undefined;
    return refused ? { ...ok, ok: false, confirmed: false, reason: 'duplicate-code', error: refused } : ok;
  }

  /** The simulated lock carries out a command; returns why it refused, if it did. */
  private apply(command: LockCommand): string | undefined {
    const lockConfig = this.lockOf(command.lockId);
    const slots = this.held.get(command.lockId)!;
    const { firstSlot, lastSlot, reservedSlots } = lockConfig.rules;
    assert.ok(command.slot >= firstSlot && command.slot <= lastSlot, `${command.action} in slot ${command.slot}, outside ${firstSlot}-${lastSlot} of ${command.lockId}`);
    assert.ok(!(reservedSlots ?? []).includes(command.slot), `${command.action} in reserved slot ${command.slot} of ${command.lockId}`);
    const existing = slots.get(command.slot);
    assert.ok(!existing?.foreign?.known, `${command.action} of slot ${command.slot} on ${command.lockId}, which holds a code of the host's that the ledger has read`);
    const readsBack = lockConfig.codeCheck === 'read-back';
    assert.ok(!(readsBack && existing?.foreign?.beforeLinked), `${command.action} of slot ${command.slot} on ${command.lockId}, over a code of the host's from before the lock was linked`);
    if (command.action === 'clear') {
      slots.delete(command.slot);
      return undefined;
    }
    const pin = command.pin ? vault.open(command.pin) : existing?.pin;
    assert.ok(pin !== undefined, `${command.action} of slot ${command.slot} on ${command.lockId} without a PIN for an empty slot`);
    assert.equal(ruleBroken(pin, lockConfig.rules), undefined, `a PIN breaking ${command.lockId}'s rules was sent`);
    for (const [slot, other] of slots) {
      if (slot !== command.slot && other.pin === pin) return `the lock already holds this PIN in slot ${slot}`;
    }
    slots.set(command.slot, { pin, startsAt: command.startsAt, endsAt: command.endsAt });
    this.lastPin.set(command.codeId, pin);
    return undefined;
  }

  /** Right after a reconcile everything is saved: the store, read as a restart would, holds the ledger in memory. */
  checkSaved(): void {
    assert.deepEqual(asSaved(this.season.saved()), asSaved(this.ledger.snapshot()), 'the store holds the ledger as it is in memory (a change not marked?)');
    this.savesChecked++;
  }

  nextOutcome(): Outcome {
    return this.scenario.outcomes[this.outcomeIndex++ % this.scenario.outcomes.length];
  }

  /** Reconciles and answers until nothing more happens now, then checks every invariant. */
  async settle(outcome?: Outcome): Promise<void> {
    for (let round = 0; round < 15; round++) {
      const plan = await this.ledger.reconcile();
      this.checkSaved();
      this.checkPlan(plan);
      this.checks.alerts += plan.alerts.length;
      // The notifier sends each code message at once; now and then one cannot be delivered.
      for (const message of plan.codeMessages) {
        this.checks.told++;
        const delivered = (outcome ?? this.nextOutcome()) !== 'offline';
        this.ledger.acceptDelivery({ kind: 'delivery', bookingId: message.bookingId, channel: 'email', delivered, error: delivered ? undefined : 'mailbox full' });
      }
      if (plan.commands.length === 0) break;
      for (const command of plan.commands) {
        trace?.(`  ${this.clock.now().toISOString()} ${command.action} ${command.codeId} slot ${command.slot}${command.resent ? ' (resent)' : ''}`);
        this.checks[command.action]++;
        const result = this.answer(command, outcome);
        if (result) await this.ledger.acceptResult(result);
      }
    }
    this.checkInvariants();
  }

  /** Moves the clock to `target`, reconciling at every time the ledger says something falls due. */
  async advanceTo(target: number, outcome?: Outcome): Promise<void> {
    for (let wake = 0; wake < 500; wake++) {
      const next = this.ledger.nextDueAt()?.getTime();
      if (next === undefined || next > target) break;
      this.clock.advanceTo(new Date(next));
      await this.settle(outcome);
    }
    this.clock.advanceTo(new Date(target));
    await this.settle(outcome);
  }

  private checkPlan(plan: Plan): void {
    for (const command of plan.commands) {
      if (command.pin) assert.equal(ruleBroken(vault.open(command.pin), this.lockOf(command.lockId).rules), undefined, 'a command carries a PIN the lock refuses');
    }
    for (const message of plan.codeMessages) {
      for (const code of message.codes) {
        if (code.pin) assert.equal(ruleBroken(vault.open(code.pin), this.lockOf(code.lockId).rules), undefined, 'a guest is told a PIN the lock refuses');
      }
    }
  }

  checkInvariants(): void {
    const data = this.ledger.snapshot();
    const now = this.clock.now().getTime();
    for (const lockConfig of this.scenario.locks) {
      const active = Object.values(data.codes).filter((code) => code.lockId === lockConfig.id && code.state !== 'revoked');
      const pins = new Map<string, string>();
      const slots = new Map<number, string>();
      for (const code of active) {
        if (code.pinHash) this.checks.hashed++;
        const pin = code.sealedPin ? vault.open(code.sealedPin) : code.pinHash ? this.lastPin.get(code.codeId) : undefined;
        if (pin !== undefined) {
          this.checks.pins++;
          assert.equal(ruleBroken(pin, lockConfig.rules), undefined, `code ${code.codeId} has a PIN ${lockConfig.id} refuses`);
          const twin = pins.get(pin);
          assert.ok(twin === undefined, `codes ${twin} and ${code.codeId} have the same PIN on ${lockConfig.id}`);
          pins.set(pin, code.codeId);
        }
        if (code.waitingForSlot) continue;
        const { firstSlot, lastSlot, reservedSlots } = lockConfig.rules;
        assert.ok(code.slot >= firstSlot && code.slot <= lastSlot, `code ${code.codeId} in slot ${code.slot}, outside ${firstSlot}-${lastSlot}`);
        assert.ok(!(reservedSlots ?? []).includes(code.slot), `code ${code.codeId} in reserved slot ${code.slot}`);
        const sharing = slots.get(code.slot);
        assert.ok(sharing === undefined, `codes ${sharing} and ${code.codeId} share slot ${code.slot} of ${lockConfig.id}`);
        slots.set(code.slot, code.codeId);
      }
      for (const code of active) {
        // A failed or unanswered command leaves the lock's state unknown: the ledger retries.
        if (!code.onLock || code.inFlight || code.state === 'failed') continue;
        this.checks.timing++;
        const entry = data.bookings[code.bookingId];
        assert.ok(entry, `code ${code.codeId} is on ${lockConfig.id} for a booking the ledger no longer has`);
        assert.ok(!entry.cancelled, `code ${code.codeId} is still on ${lockConfig.id} after its booking was cancelled`);
        assert.ok(entry.window.locks.includes(lockConfig.id), `code ${code.codeId} is on ${lockConfig.id}, which its booking no longer opens`);
        const starts = Date.parse(entry.window.startsAt);
        const ends = Date.parse(entry.window.endsAt);
        const at = new Date(now).toISOString();
        assert.ok(now < ends, `code ${code.codeId} is on ${lockConfig.id} at ${at}, after its window ended ${entry.window.endsAt}`);
        if (!lockConfig.schedules) {
          assert.ok(now >= starts - SET_AHEAD, `code ${code.codeId} is on ${lockConfig.id} (no schedules) at ${at}, before ${entry.window.startsAt} less 30 min`);
        } else {
          assert.ok(Date.parse(code.onLock.startsAt) >= starts && Date.parse(code.onLock.endsAt) <= ends, `code ${code.codeId} is on ${lockConfig.id} for ${code.onLock.startsAt}-${code.onLock.endsAt}, outside its window ${entry.window.startsAt}-${entry.window.endsAt}`);
        }
      }
    }
  }

  windowOptions(lockIds: string[]): WindowOptions {
    return { ...this.scenario.window, locks: lockIds };
  }
}

// ---------------------------------------------------------------------------------------------
// Running a scenario

async function run(s: Scenario, hashing: boolean, journal = false): Promise<World> {
  const world = new World(s, hashing, journal);
  try {
    for (const stepDone of s.steps) await perform(world, stepDone);
    await finish(world);
  } finally {
    world.season.remove?.();
  }
  return world;
}

/** STAYKEY_FUZZ_TRACE=1 with a replayed seed prints each step and the codes after it. */
const trace = process.env.STAYKEY_FUZZ_TRACE ? (text: string) => console.log(text) : undefined;

function traceCodes(world: World): void {
  if (!trace) return;
  for (const code of Object.values(world.ledger.snapshot().codes)) {
    const flags = [code.waitingForSlot && 'waiting', code.onLock && 'on lock', code.inFlight && `in flight ${code.inFlight.action}`, code.rewrite].filter(Boolean).join(', ');
    trace(`    ${code.codeId} slot ${code.slot} ${code.state} ${flags}`);
  }
}

async function perform(world: World, step: Step): Promise<void> {
  trace?.(`${world.clock.now().toISOString()} ${JSON.stringify(step)}`);
  try {
    await performStep(world, step);
  } finally {
    traceCodes(world);
  }
}

async function performStep(world: World, step: Step): Promise<void> {
  const ledger = world.ledger;
  switch (step.kind) {
    case 'book': {
      const id = `guest-${step.booking}`;
      const arrivalMillis = Math.floor(world.clock.now().getTime() / DAY) * DAY + step.arrivalDay * DAY;
      const day = (millis: number) => new Date(millis).toISOString().slice(0, 10);
      const booking: Booking = { id, unit: 'Room 101', source: 'fuzz', arrival: day(arrivalMillis), departure: day(arrivalMillis + step.nights * DAY), guestName: `Guest ${step.booking}` };
      if (step.phone) booking.phoneLast4 = step.phone;
      const lockIds = step.locks.map((index) => world.scenario.locks[index].id);
      const known = world.bookings.get(id);
      const change = known && !known.cancelled ? 'changed' : 'created';
      world.bookings.set(id, { booking, locks: lockIds, cancelled: false });
      ledger.acceptWindow({ kind: 'window', change, booking, window: windowFor(booking, world.windowOptions(lockIds)) });
      break;
    }
    case 'extend': {
      const known = world.bookings.get(`guest-${step.booking}`);
      if (!known || known.cancelled) return;
      const departure = new Date(Date.parse(`${known.booking.departure}T00:00:00Z`) + step.nights * DAY).toISOString().slice(0, 10);
      if (departure <= known.booking.arrival) return;
      known.booking = { ...known.booking, departure };
      ledger.acceptWindow({ kind: 'window', change: 'changed', booking: known.booking, window: windowFor(known.booking, world.windowOptions(known.locks)) });
      break;
    }
    case 'cancel': {
      const known = world.bookings.get(`guest-${step.booking}`);
      if (!known || known.cancelled) return;
      known.cancelled = true;
      ledger.acceptWindow({ kind: 'window', change: 'cancelled', booking: known.booking, window: windowFor(known.booking, world.windowOptions(known.locks)) });
      break;
    }
    case 'advance':
      return world.advanceTo(world.clock.now().getTime() + step.minutes * MINUTE);
    case 'restart': {
      world.season.kill?.(world.random);
      world.ledger = world.openLedger();
      for (const command of world.ledger.commandsInFlight()) {
        const result = world.answer(command);
        if (result) await world.ledger.acceptResult(result);
      }
      break;
    }
    case 'deliver':
      ledger.acceptDelivery({ kind: 'delivery', bookingId: `guest-${step.booking}`, channel: 'email', delivered: true });
      break;
    case 'reissue':
      if (world.ledger.snapshot().bookings[`guest-${step.booking}`]) ledger.reissue(`guest-${step.booking}`);
      break;
    case 'wipe':
      ledger.wipe(world.scenario.locks[step.lock].id);
      break;
    case 'verify':
      ledger.verify();
      break;
    case 'foreign': {
      const lockConfig = world.scenario.locks[step.lock];
      const { firstSlot, lastSlot, reservedSlots, codeLengths } = lockConfig.rules;
      const held = world.held.get(lockConfig.id)!;
      const used = new Set(Object.values(ledger.snapshot().codes).filter((c) => c.lockId === lockConfig.id && c.state !== 'revoked').map((c) => c.slot));
      const free: number[] = [];
      for (let slot = firstSlot; slot <= lastSlot; slot++) if (!held.has(slot) && !used.has(slot) && !(reservedSlots ?? []).includes(slot)) free.push(slot);
      const pin = step.pin.slice(0, codeLengths[0]);
      if (free.length === 0 || [...held.values()].some((code) => code.pin === pin)) return;
      const beforeLinked = !world.readWhole.has(lockConfig.id);
      if (beforeLinked && lockConfig.codeCheck === 'read-back') world.checks.foreignBeforeLinked++;
      held.set(free[step.slot % free.length], { pin, startsAt: '', endsAt: '', foreign: { known: false, beforeLinked } });
      break;
    }
  }
  await world.settle();
}

/**
 * Every lock answers from now on: two months later every booking is over and every code is off its
 * lock, bar the backup codes the host keeps there.
 */
async function finish(world: World): Promise<void> {
  await world.advanceTo(world.clock.now().getTime() + 60 * DAY, 'ok');
  for (const [lockId, slots] of world.held) {
    const data = world.ledger.snapshot();
    const guestSlots = [...slots.keys()].filter((slot) => {
      if (slots.get(slot)?.foreign) return false;
      const code = Object.values(data.codes).find((c) => c.lockId === lockId && c.slot === slot && c.state !== 'revoked' && !c.waitingForSlot);
      return !code || data.bookings[code.bookingId]?.window.kind !== 'backup';
    });
    assert.deepEqual(guestSlots, [], `${lockId} still holds codes in slots ${guestSlots.join(', ')} two months after the last checkout`);
  }
}

describe('fuzz: the ledger', function () {
  this.timeout(fuzzTimeout(300_000));

  describe('what fuzzing found', () => {
    const lisbon = { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 168 };
    const windowOf = (id: string, arrival: string, departure: string, lockIds: string[], change: 'created' | 'changed' = 'created') => {
      const booking: Booking = { id, unit: 'Room 101', source: 'fuzz', arrival, departure };
      return { kind: 'window' as const, change, booking, window: windowFor(booking, { ...lisbon, locks: lockIds }) };
    };
    const ok = (command: LockCommand): LockResultMessage => ({ kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1 });

    it('gives a code that comes back after its booking moved a slot of its own, not the one another guest took meanwhile', async () => {
      const door: LockConfig = { id: 'door', name: 'Door', schedules: false, rules: { codeLengths: [6], firstSlot: 3, lastSlot: 8, reservedSlots: [3, 6] } };
      const clock = new ManualClock('2005-01-01T00:00:00Z');
      const ledger = new Ledger({ clock, vault, locks: () => [door] });
      ledger.acceptWindow(windowOf('early', '2005-01-01', '2005-01-02', ['door']));
      await ledger.reconcile();
      // Moved a week on: its code is revoked, and its slot free for the next guest.
      ledger.acceptWindow(windowOf('early', '2005-01-08', '2005-01-09', ['door'], 'changed'));
      await ledger.reconcile();
      ledger.acceptWindow(windowOf('long', '2005-01-01', '2005-01-09', ['door']));
      await ledger.reconcile();
      clock.advanceTo('2005-01-01T15:30:00Z');
      const [setLong] = (await ledger.reconcile()).commands;
      await ledger.acceptResult(ok(setLong));
      clock.advanceTo('2005-01-08T15:30:00Z');
      const [setEarly] = (await ledger.reconcile()).commands;
      assert.equal(setEarly.codeId, 'early@door');
      assert.notEqual(setEarly.slot, setLong.slot, 'the returning code must not overwrite the code of the guest still staying');
    });

    it('tells the host when a lock\'s rules leave no PIN, and keeps every other lock going', async () => {
      const twoDigits: LockConfig = { id: 'keypad', name: 'Keypad', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5, forbiddenDigits: '01234567' } };
      const door: LockConfig = { id: 'door', name: 'Door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } };
      const clock = new ManualClock('2026-07-09T00:00:00Z');
      const ledger = new Ledger({ clock, vault, locks: () => [twoDigits, door] });
      ledger.acceptWindow(windowOf('guest', '2026-07-10', '2026-07-12', ['keypad', 'door']));
      const plan = await ledger.reconcile();
      assert.deepEqual(plan.commands.map((command) => [command.action, command.lockId]), [['set', 'door']]);
      const [rulesAlert] = plan.alerts.filter((alert) => alert.topic === 'lock-rules');
      assert.match(rulesAlert?.text ?? '', /Lock Keypad gets no code for booking guest: a 6-digit PIN needs three different digits .* leave only 8 and 9/);
      assert.deepEqual((await ledger.reconcile()).alerts.filter((alert) => alert.topic === 'lock-rules'), [], 'told once');
    });
  });

  it('keeps every lock rule, slot, PIN and window through 1,000 random seasons of bookings, failures and restarts', async () => {
    const checks: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const world = await run(s, false);
        for (const [key, count] of Object.entries(world.checks)) checks[key] = (checks[key] ?? 0) + count;
      }),
      fuzzParameters(1_000),
    );
    if (process.env.STAYKEY_FUZZ_VERBOSE) console.log(checks);
    assert.ok(checks.timing > 0 && checks.pins > 0, `invariants were checked (${JSON.stringify(checks)})`);
  });

  it('keeps them through 50 seasons on a journal that compacts every 4 KB, restarted after clean stops, saves cut short and compactions stopped halfway', async () => {
    let saves = 0;
    const stopsBefore = { ...journalStops };
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        saves += (await run(s, false, true)).savesChecked;
      }),
      fuzzParameters(50),
    );
    const stops = Object.fromEntries(Object.entries(journalStops).map(([how, count]) => [how, count - stopsBefore[how as keyof typeof journalStops]]));
    if (process.env.STAYKEY_FUZZ_VERBOSE) console.log({ saves, stops });
    assert.ok(saves > 0 && stops.torn > 0 && stops.compacting > 0, `saves were compared and every kind of stop happened (${JSON.stringify({ saves, stops })})`);
  });

  it('keeps them too when delivered PINs become bcrypt hashes (30 seasons)', async () => {
    const checks: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const world = await run(s, true);
        for (const [key, count] of Object.entries(world.checks)) checks[key] = (checks[key] ?? 0) + count;
      }),
      fuzzParameters(30),
    );
    if (process.env.STAYKEY_FUZZ_VERBOSE) console.log(checks);
    assert.ok(checks.hashed > 0, `some PINs were hashed (${JSON.stringify(checks)})`);
  });
});
