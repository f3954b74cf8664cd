import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readBytesIfAny, readJson, textOf, writeFileAtomic } from '../store/atomic-file';
import { applyBatch, RECORD_KINDS } from './ledger-changes';
import type { LedgerBatch, LedgerStore } from './ledger-options';
import { emptyLedger, LedgerData, ledgerWithDictionaries } from './ledger-types';

export interface FileLedgerOptions {
  /**
   * The journal is folded into the snapshot once it is larger than this many bytes. By default: once it
   * is larger than the snapshot and than 4 MB, so a small ledger is not rewritten every few changes.
   */
  compactAfterBytes?: number;
  /** Told what loading repaired (a torn last record dropped); never holds a PIN or a guest. */
  onNotice?: (text: string) => void;
}

/** The snapshot names the journal generation that continues it; a journal of an older one is already in it. */
interface Snapshot extends LedgerData {
  journalGeneration?: number;
}

const DEFAULT_COMPACT_AFTER = 4 * 1024 * 1024;

/**
 * The ledger as a snapshot (`file`, one JSON object, as every StayKey before the journal wrote it) and a
 * journal beside it (`file.journal`): one line per save, holding only the records that save changed,
 * fsynced before the save returns. Loading replays the journal over the snapshot; compaction writes a
 * new snapshot and starts an empty journal. PINs in both are sealed or hashed, as in the ledger.
 *
 * A journal line is `<checksum> <json>`: a last line cut short by a crash (no newline, or a checksum
 * that does not match) is a save that never returned, so it is dropped with a notice. A bad line with
 * good lines after it is not a crash: the journal is refused, as a corrupt snapshot is.
 */
export function fileLedgerStore(file: string, options: FileLedgerOptions = {}): LedgerStore {
  return new FileLedger(file, options);
}

/** The ledger as its files now hold it, for a look from outside (a test, a backup check): nothing is written. */
export function readFileLedger(file: string): LedgerData | undefined {
  return new FileLedger(file, {}).read();
}

class FileLedger implements LedgerStore {
  private readonly journal: string;
  private generation = 0;
  private snapshotBytes = 0;
  private journalBytes = 0;
  /** Bytes of the journal that hold whole records; undefined: the journal is to be started afresh. */
  private keep: number | undefined;
  private fd: number | undefined;

  constructor(
    private readonly file: string,
    private readonly options: FileLedgerOptions,
  ) {
    this.journal = `${file}.journal`;
  }

  load(): LedgerData | undefined {
    if (removeTempFiles(this.file)) this.options.onNotice?.(`${path.basename(this.file)}: a write stopped halfway had left a temp file; it is removed (the ledger is as last saved).`);
    return this.read();
  }

  read(): LedgerData | undefined {
    const snapshot = this.loadSnapshot();
    const records = readJournal(this.journal, this.options.onNotice);
    if (!records || records.generation < this.generation) {
      // No journal yet, or one a compaction had already folded in when it stopped.
      if (records) this.options.onNotice?.(`${path.basename(this.file)}: a compaction was stopped after its snapshot; the older journal it had folded in is replaced.`);
      this.keep = undefined;
      return snapshot;
    }
    if (records.generation > this.generation) {
      throw new Error(`${this.journal} continues a newer snapshot than ${this.file} (generation ${records.generation}, not ${this.generation}); StayKey will not guess. Restore both from a backup.`);
    }
    const data = snapshot ? ledgerWithDictionaries(snapshot) : emptyLedger();
    // Parsed from the journal just now: nothing else holds these values, so they need no copy.
    for (const batch of records.batches) applyBatch(data, batch, false);
    this.keep = records.wholeBytes;
    this.journalBytes = records.wholeBytes;
    return snapshot || records.batches.length ? data : undefined;
  }

  apply(batch: LedgerBatch): void {
    const fd = this.openJournal();
    const line = journalLine(batch);
    try {
      fs.writeSync(fd, line);
      fs.fdatasyncSync(fd);
    } catch (err) {
      // Half a record left at the end would be taken for a torn save now, and for damage once another
      // record follows it: cut it off, so the next save appends after the last whole one.
      fs.ftruncateSync(fd, this.journalBytes);
      throw err;
    }
    this.journalBytes += Buffer.byteLength(line);
  }

  close(): void {
    this.closeJournal();
  }

  compactionDue(): boolean {
    return this.journalBytes > (this.options.compactAfterBytes ?? Math.max(this.snapshotBytes, DEFAULT_COMPACT_AFTER));
  }

  /**
   * The snapshot first, naming the next journal; then that journal, empty. Stopped between the two, the
   * old journal is older than the snapshot and is ignored (and replaced) on the next load.
   */
  compact(data: LedgerData): void {
    const generation = this.generation + 1;
    const text = JSON.stringify({ ...data, journalGeneration: generation });
    writeFileAtomic(this.file, text);
    this.generation = generation;
    this.snapshotBytes = Buffer.byteLength(text);
    this.closeJournal();
    this.keep = undefined;
    this.openJournal();
  }

  private loadSnapshot(): LedgerData | undefined {
    const data = readJson<unknown>(this.file);
    if (data === undefined) return undefined;
    const snapshot = checkLedger(data, this.file) as Snapshot;
    this.generation = snapshot.journalGeneration ?? 0;
    if (!Number.isInteger(this.generation) || this.generation < 0) throw new Error(`${this.file} names no journal StayKey can read (${String(snapshot.journalGeneration)})`);
    delete snapshot.journalGeneration;
    this.snapshotBytes = fs.statSync(this.file).size;
    return snapshot;
  }

  /** The journal, ready to append: cut back to its whole records, or started afresh with its generation. */
  private openJournal(): number {
    if (this.fd !== undefined) return this.fd;
    if (this.keep === undefined) {
      const header = journalLine({ generation: this.generation });
      writeFileAtomic(this.journal, header);
      this.keep = this.journalBytes = Buffer.byteLength(header);
    } else {
      fs.truncateSync(this.journal, this.keep);
    }
    this.fd = fs.openSync(this.journal, 'a', 0o600);
    return this.fd;
  }

  private closeJournal(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
    // Opened again, the journal is appended to as it now is.
    this.keep = this.journalBytes;
  }
}

interface JournalRecords {
  generation: number;
  batches: LedgerBatch[];
  /** Up to the end of the last whole record. */
  wholeBytes: number;
}

function journalLine(record: object): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

/** Of the record's JSON as written: the same for its text and for its UTF-8 bytes. */
function checksum(json: string | Buffer): string {
  return createHash('sha1').update(json).digest('hex').slice(0, 16);
}

/**
 * The journal's records, or undefined when there is none. Read as bytes: the checksums are of the
 * bytes written, and where a record ends is a byte count, so the text is never encoded again.
 */
function readJournal(file: string, notice: FileLedgerOptions['onNotice']): JournalRecords | undefined {
  const bytes = readBytesIfAny(file);
  if (bytes === undefined) return undefined;
  const records: unknown[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf(NEWLINE, at);
    const record = end < 0 ? undefined : parseLine(bytes.subarray(at, end));
    if (record === undefined) {
      // Only the last record may be torn: the one a crash stopped before its save returned.
      const tornAtEnd = end < 0 || end === bytes.length - 1;
      if (!tornAtEnd) throw new Error(`${file} is corrupt at byte ${at} (a damaged record with records after it); StayKey will not guess what it held. Restore it from a backup or move it away.`);
      notice?.(`${path.basename(file)}: the last record was cut short by a stop (a save that never finished); it is dropped.`);
      break;
    }
    records.push(record);
    at = end + 1;
  }
  if (!records.length) return undefined;
  const [header, ...batches] = records;
  const generation = (header as { generation?: unknown }).generation;
  if (!Number.isInteger(generation)) throw new Error(`${file} does not start as a StayKey journal; StayKey will not guess what it held. Restore it from a backup or move it away.`);
  for (const batch of batches) checkBatch(batch, file);
  return { generation: generation as number, batches: batches as LedgerBatch[], wholeBytes: at };
}

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** One journal line, `<checksum> <json>`, without its line break: the record, or undefined when damaged. */
function parseLine(line: Buffer): unknown {
  const space = line.indexOf(SPACE);
  if (space < 0) return undefined;
  const json = line.subarray(space + 1);
  if (checksum(json) !== line.toString('latin1', 0, space)) return undefined;
  try {
    return JSON.parse(textOf(json)) as unknown;
  } catch {
    return undefined;
  }
}

function checkBatch(batch: unknown, file: string): void {
  const refuse = () => new Error(`${file} holds a record that is no ledger change; StayKey will not guess what it held. Restore it from a backup or move it away.`);
  if (!isRecord(batch) || !Array.isArray(batch.changes) || !Number.isInteger(batch.commandSeq)) throw refuse();
  for (const change of batch.changes as unknown[]) {
    if (!isRecord(change) || typeof change.kind !== 'string' || !RECORD_KINDS.has(change.kind) || typeof change.id !== 'string') throw refuse();
  }
}

/** Temp files of a write a kill stopped: they may hold a guest's name, and nothing reads them. True when there were some. */
function removeTempFiles(file: string): boolean {
  const directory = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(directory);
  } catch {
    return false;
  }
  let removed = false;
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
    const middle = name.slice(base.length + 1, -'.tmp'.length);
    if (!/^(journal\.)?\d+\.\d+$/.test(middle)) continue;
    fs.rmSync(path.join(directory, name), { force: true });
    removed = true;
  }
  return removed;
}

/**
 * A file that parses but is no ledger (`null`, `[]`, a number, an object of something else) is refused:
 * opened as an empty ledger, the next save would replace the codes on every door with nothing.
 */
function checkLedger(data: unknown, file: string): LedgerData {
  const refuse = (what: string) =>
    new Error(`${file} is not a StayKey ledger (${what}); StayKey will not overwrite it. Restore it from a backup or move it away.`);
  if (!isRecord(data)) throw refuse(`it holds ${describe(data)}`);
  if (typeof data.version === 'number' && data.version > 1) throw new Error(`${file} was written by a newer StayKey (ledger version ${data.version})`);
  if (data.version !== 1) throw refuse('it has no ledger version');
  for (const key of ['bookings', 'codes'] as const) if (!isRecord(data[key])) throw refuse(`it has no ${key}`);
  for (const key of ['foreign', 'lastUse', 'reads'] as const) if (data[key] !== undefined && !isRecord(data[key])) throw refuse(`its ${key} is not a record`);
  if (!Number.isInteger(data.commandSeq) || (data.commandSeq as number) < 0) throw refuse('it has no command count');
  return data as unknown as LedgerData;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
