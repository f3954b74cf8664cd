/**
 * One ledger size of the journal benchmark (see journal.ts), in a process of its own. The journal is grown
 * by real reconciles and saves through the pin-issuer's file store, until the next save would make
 * compaction due; then load, compaction and their baselines are timed in turn, one run of each per round.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Ledger } from '../lib/ledger/ledger';
import type { Plan } from '../lib/ledger/ledger';
import { fileLedgerStore } from '../lib/ledger/ledger-file';
import type { LedgerStore } from '../lib/ledger/ledger-options';
import type { LedgerData } from '../lib/ledger/ledger-types';
import type { LockConfig } from '../lib/locks/provider';
import { ManualClock } from '../lib/time/clock';
import type { JournalFiles, JournalReport, JournalRequest } from './journal';
import { BENCH_NOW, benchVault, BOOKINGS_PER_LOCK, bookingFor, expect, ledgerText, lockConfigs, lockName, LockTemplate, okResult, windowMessage } from './ledger-fixture';
import { measureInTurn, trial } from './measure';

/**
 * A save of a 10% change and the locks' last answers adds about a quarter of the snapshot (17 saves fill the
 * 4 MB floor at 100 locks): a journal still not due after this many is a bug, not a long run.
 */
const MOST_RECONCILES = 500;

process.once('message', (request: JournalRequest) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-bench-journal-'));
  runSize(request, root)
    .catch((err: unknown) => report({ type: 'error', message: err instanceof Error ? err.message : String(err) }))
    .finally(() => {
      fs.rmSync(root, { recursive: true, force: true });
      process.disconnect();
    });
});

function report(message: JournalReport): void {
  process.send?.(message);
}

async function runSize({ template, locks, settings }: JournalRequest, root: string): Promise<void> {
  const file = path.join(root, 'full', 'ledger.json');
  const grown = await growJournal(template, locks, file);
  const { text, check } = expectedLedger(file, locks, grown.reconciles, template);
  const files: JournalFiles = { ...measureFiles(file), reconciles: grown.reconciles, nextRecordBytes: grown.nextRecordBytes, compactedBytes: 0 };
  const timings = await timeInTurn({ file, root, text, check, files }, settings);
  report({ type: 'done', files, ...timings });
}

// --- Growing the journal ------------------------------------------------------------------------------

interface Grown {
  reconciles: number;
  nextRecordBytes: number;
}

/**
 * The reconcile part's ledger as the snapshot, then 10%-changed reconciles (one booking per lock a night
 * longer or shorter, the lock's answers to the last round accepted first) saved to the journal. The
 * ledger is given the store without `compact`, so the bench decides where growth stops: when a save has
 * made compaction due, that save's record is cut off again (as if it never returned, which the store
 * itself tolerates), leaving the largest journal of whole saves that is not yet due.
 */
async function growJournal(template: LockTemplate, locks: number, file: string): Promise<Grown> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeWhole(file, ledgerText(template, locks));
  const journal = `${file}.journal`;
  const files = fileLedgerStore(file);
  const lockList = lockConfigs(locks);
  const ledger = new Ledger({ clock: new ManualClock(BENCH_NOW), vault: benchVault, locks: () => lockList, store: { load: () => files.load(), apply: (batch) => files.apply(batch) } });
  let plan: Plan | undefined;
  for (let round = 0; round < MOST_RECONCILES; round++) {
    const before = sizeOf(journal);
    if (plan) for (const command of plan.commands) await ledger.acceptResult(okResult(command));
    changeDates(ledger, lockList, round);
    plan = await ledger.reconcile();
    expect('updates after 10% of bookings changed dates', plan.commands.filter((c) => c.action === 'update').length, locks);
    expect('commands after 10% of bookings changed dates', plan.commands.length, locks);
    if (!files.compactionDue!()) continue;
    files.close?.();
    if (round === 0) throw new Error('one 10% change already made compaction due: there is no nearly full journal to load');
    const nextRecordBytes = sizeOf(journal) - before;
    fs.truncateSync(journal, before);
    return { reconciles: round, nextRecordBytes };
  }
  throw new Error(`the journal was not due for compaction after ${MOST_RECONCILES} reconciles`);
}

/** Round r moves booking (lock + r) mod 10 of each lock: a night longer the first time, back the next, and so on. */
function changeDates(ledger: Ledger, locks: LockConfig[], round: number): void {
  const extraNights = (Math.floor(round / BOOKINGS_PER_LOCK) + 1) % 2;
  locks.forEach((lock, index) => {
    const booking = bookingFor(lockName(index), (index + round) % BOOKINGS_PER_LOCK, extraNights);
    ledger.acceptWindow(windowMessage(booking, lock, 'changed'));
  });
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

// --- The ledger the timed loads must give -------------------------------------------------------------

interface Check {
  bookings: number;
  commandSeq: number;
  /** A booking the last kept save changed, and its departure then: a load that skipped the journal differs. */
  sample: string;
  departure: string;
}

/**
 * The ledger the files hold, loaded once outside the timing: what each timed load must give, and the same
 * ledger as one text for JSON.parse. Only these are kept, so the ledger itself is not in every run's heap.
 */
function expectedLedger(file: string, locks: number, reconciles: number, template: LockTemplate): { text: string; check: Check } {
  const store = fileLedgerStore(file);
  const data = store.load();
  if (!data) throw new Error(`${file} loaded as no ledger`);
  if (store.compactionDue!()) throw new Error('the journal left after growing is already due for compaction');
  expect('bookings loaded', Object.keys(data.bookings).length, locks * BOOKINGS_PER_LOCK);
  if (data.commandSeq <= template.commandSeq) throw new Error('the load did not replay the journal (the command count is the snapshot’s)');
  const sample = bookingFor(lockName(0), (reconciles - 1) % BOOKINGS_PER_LOCK).id;
  const check = { bookings: locks * BOOKINGS_PER_LOCK, commandSeq: data.commandSeq, sample, departure: data.bookings[sample].booking.departure };
  return { text: JSON.stringify(data), check };
}

function checkLoaded(data: LedgerData | undefined, check: Check): LedgerData {
  if (!data) throw new Error('the store loaded no ledger');
  expect('bookings loaded', Object.keys(data.bookings).length, check.bookings);
  expect('command count loaded', data.commandSeq, check.commandSeq);
  const departure = data.bookings[check.sample]?.booking.departure;
  if (departure !== check.departure) throw new Error(`${check.sample} leaves on ${departure}, not ${check.departure}: the load lost the journal's last save`);
  return data;
}

/** The files the timed loads read: snapshot and journal, in bytes and in records. */
function measureFiles(file: string): Omit<JournalFiles, 'reconciles' | 'nextRecordBytes' | 'compactedBytes'> {
  const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as LedgerData;
  const snapshotRecords = [snapshot.bookings, snapshot.codes, snapshot.foreign, snapshot.reads, snapshot.lastUse].reduce((sum, records) => sum + Object.keys(records ?? {}).length, 0);
  const lines = fs.readFileSync(`${file}.journal`, 'utf8').split('\n').filter((line) => line.length > 0);
  // The first line is the header naming the generation; each other line is one save's batch.
  const batches = lines.slice(1).map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as { changes: unknown[] });
  return {
    snapshotBytes: sizeOf(file),
    snapshotRecords,
    journalBytes: sizeOf(`${file}.journal`),
    journalRecords: batches.length,
    journalChanges: batches.reduce((sum, batch) => sum + batch.changes.length, 0),
  };
}

// --- The timed figures ----------------------------------------------------------------------------------

interface Context {
  /** The snapshot of the nearly full journal; every round starts from it, untouched. */
  file: string;
  root: string;
  /** The same ledger as one JSON text. */
  text: string;
  check: Check;
  files: JournalFiles;
}

/** One round's own copy of the files (hard links: no bytes copied, nothing left dirty for the disk to flush). */
interface Round {
  directory: string;
  file: string;
  /** The store that loaded the nearly full files, and what it loaded: compaction writes that. */
  store?: LedgerStore;
  data?: LedgerData;
}

type LoadedRound = Required<Round>;

type Timings = Omit<Extract<JournalReport, { type: 'done' }>, 'type' | 'files'>;

/**
 * Five figures, one run of each per round, so a machine that gets busier halfway shifts them alike. Each
 * round links the nearly full files into a directory of its own: the load reads them, compaction replaces
 * them there (the originals stay for the next round), and the compacted files are loaded again.
 */
async function timeInTurn(context: Context, rounds: { runs: number; warmups: number }): Promise<Timings> {
  let round: Round | undefined;
  let count = 0;
  const current = (): LoadedRound => {
    if (!round?.store || !round.data) throw new Error('a round’s figures ran out of order');
    return round as LoadedRound;
  };
  const loadFull = trial({
    setup: () => {
      round = linkedCopy(context.file, path.join(context.root, `round-${count++}`));
      return fileLedgerStore(round.file);
    },
    run: (store) => ({ store, data: store.load() }),
    check: ({ store, data }) => {
      if (!round) throw new Error('a load ran without its round');
      round.store = store;
      round.data = checkLoaded(data, context.check);
    },
  });
  const compaction = trial({
    setup: current,
    run: ({ store, data }) => {
      store.compact!(data);
      return store;
    },
    check: (store) => checkCompacted(store, current().file, context.files),
  });
  const loadCompacted = trial({
    setup: () => fileLedgerStore(current().file),
    run: (store) => store.load(),
    check: (data) => checkLoaded(data, context.check),
  });
  const jsonParse = trial({
    setup: () => context.text,
    run: (text) => JSON.parse(text) as LedgerData,
    check: (data) => expect('bookings parsed', Object.keys(data.bookings).length, context.check.bookings),
  });
  const wholeSave = trial({
    setup: () => ({ data: current().data, file: path.join(current().directory, 'whole-ledger.json') }),
    run: ({ data, file }) => ({ file, text: saveWhole(file, data) }),
    check: ({ file, text }) => {
      expect('bytes of the whole ledger on disk', sizeOf(file), Buffer.byteLength(text));
      fs.rmSync(current().directory, { recursive: true, force: true });
      round = undefined;
    },
  });
  const [loadFullTiming, compactionTiming, loadCompactedTiming, jsonParseTiming, wholeSaveTiming] = await measureInTurn([loadFull, compaction, loadCompacted, jsonParse, wholeSave], rounds);
  return { loadFull: loadFullTiming, compaction: compactionTiming, loadCompacted: loadCompactedTiming, jsonParse: jsonParseTiming, wholeSave: wholeSaveTiming };
}

function linkedCopy(file: string, directory: string): Round {
  fs.mkdirSync(directory);
  const copy = path.join(directory, path.basename(file));
  fs.linkSync(file, copy);
  fs.linkSync(`${file}.journal`, `${copy}.journal`);
  return { directory, file: copy };
}

/** Compaction leaves a snapshot of the whole ledger and a journal of its header alone, not due again. */
function checkCompacted(store: LedgerStore, file: string, files: JournalFiles): void {
  store.close?.();
  if (store.compactionDue!()) throw new Error('compaction left a journal still due for compaction');
  const journal = fs.readFileSync(`${file}.journal`, 'utf8');
  expect('journal lines after compaction (the header alone)', journal.split('\n').length - 1, 1);
  files.compactedBytes = sizeOf(file);
}

/** What a save cost before the journal: the whole ledger as text, written, fsynced. */
function saveWhole(file: string, data: LedgerData): string {
  return writeWhole(file, JSON.stringify(data));
}

/** Fsynced, so no dirty page of it is left for the kernel to write back in the middle of a timed run. */
function writeWhole(file: string, text: string): string {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return text;
}
