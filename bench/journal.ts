/**
 * The ledger journal's two unmeasured costs (issue 17 part 2): loading a ledger whose journal is nearly
 * due for compaction (the snapshot, then every record of the journal replayed), and the compaction
 * itself. Beside them, what the docs compare them with: JSON.parse of the same ledger as one text, and
 * what a save cost before the journal (the whole ledger as text, written and fsynced). No targets: these
 * are context figures. Each ledger size runs in a child process of its own, as the reconcile part does.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { BOOKINGS_PER_LOCK, LockTemplate, steadyLockTemplate } from './ledger-fixture';
import { round, Timing } from './measure';

export interface JournalSettings {
  /** Ledger sizes in locks (ten bookings each). */
  sizes: number[];
  runs: number;
  warmups: number;
}

/** The files as the timed loads find them. */
export interface JournalFiles {
  snapshotBytes: number;
  /** Records in the snapshot: bookings, codes and the per-lock records. */
  snapshotRecords: number;
  journalBytes: number;
  /** Saves (batches) in the journal, its header not counted. */
  journalRecords: number;
  /** Changed records those saves hold between them. */
  journalChanges: number;
  /** Reconciles that grew the journal: the one after them would have made compaction due. */
  reconciles: number;
  /** The record that would have made compaction due (dropped, see journal-child.ts). */
  nextRecordBytes: number;
  /** The snapshot compaction writes: the whole ledger as one text. */
  compactedBytes: number;
}

export interface JournalSizeResult {
  locks: number;
  bookings: number;
  files?: JournalFiles;
  /** JSON.parse of the ledger as one text: the floor for any load. */
  jsonParse?: Timing;
  /** load() of a snapshot and a journal just short of compaction. */
  loadFull?: Timing;
  /** load() of the same ledger just after compaction (an empty journal). */
  loadCompacted?: Timing;
  /** compact(data) of the loaded ledger: the whole ledger as text, written atomically, fsync included. */
  compaction?: Timing;
  /** What a save cost before the journal: JSON.stringify of the ledger, written to a file and fsynced. */
  wholeSave?: Timing;
  /** loadFull / jsonParse, loadCompacted / jsonParse, compaction / wholeSave. */
  loadFullRatio?: number;
  loadCompactedRatio?: number;
  compactionRatio?: number;
  /** Every load is timed with the files just written or read: in the page cache, not read from the disk. */
  fileCache: 'warm';
  error?: string;
}

export interface JournalResults {
  sizes: JournalSizeResult[];
}

/** What the parent sends the child: one ledger size. */
export interface JournalRequest {
  template: LockTemplate;
  locks: number;
  settings: JournalSettings;
}

/** What the child sends back. */
export type JournalReport =
  | { type: 'done'; files: JournalFiles; jsonParse: Timing; loadFull: Timing; loadCompacted: Timing; compaction: Timing; wholeSave: Timing }
  | { type: 'error'; message: string };

export async function benchJournal(settings: JournalSettings, log: (line: string) => void): Promise<JournalResults> {
  const template = await steadyLockTemplate();
  const sizes: JournalSizeResult[] = [];
  for (const locks of settings.sizes) {
    log(`  ledger journal, ${locks} locks ...`);
    const result = await inChild({ template, locks, settings });
    log(`    ${describe(result)}`);
    sizes.push(result);
  }
  return { sizes };
}

function describe(result: JournalSizeResult): string {
  if (result.error) return `error: ${result.error}`;
  const { files, loadFull, loadCompacted, compaction, jsonParse, wholeSave } = result;
  return (
    `journal ${files?.journalRecords} records (${files?.journalBytes} bytes) over a ${files?.snapshotBytes}-byte snapshot; ` +
    `load ${loadFull?.medianMs} ms, compacted ${loadCompacted?.medianMs} ms, JSON.parse ${jsonParse?.medianMs} ms; ` +
    `compaction ${compaction?.medianMs} ms, whole save ${wholeSave?.medianMs} ms`
  );
}

function inChild(request: JournalRequest): Promise<JournalSizeResult> {
  const result: JournalSizeResult = { locks: request.locks, bookings: request.locks * BOOKINGS_PER_LOCK, fileCache: 'warm' };
  // A fresh heap per size, as the reconcile part has: a 10,000-lock ledger's garbage does not slow the next size.
  const child = fork(path.join(__dirname, 'journal-child.js'), [], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => {
    child.on('message', (report: JournalReport) => {
      if (report.type === 'error') result.error = report.message;
      else Object.assign(result, figures(report));
    });
    child.on('exit', (code, signal) => {
      if (!result.loadFull && !result.error) result.error = `benchmark process ended early (${signal ?? `exit ${code}`})`;
      resolve(result);
    });
    child.send(request);
  });
}

function figures(report: Extract<JournalReport, { type: 'done' }>): Partial<JournalSizeResult> {
  const { type: _done, ...timed } = report;
  return {
    ...timed,
    loadFullRatio: round(report.loadFull.medianMs / report.jsonParse.medianMs),
    loadCompactedRatio: round(report.loadCompacted.medianMs / report.jsonParse.medianMs),
    compactionRatio: round(report.compaction.medianMs / report.wholeSave.medianMs),
  };
}
