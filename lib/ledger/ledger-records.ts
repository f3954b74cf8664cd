import type { LockConfig } from '../locks/provider';
import type { AlertMessage } from '../messages';
import type { AccessEvent, AccessEventKind, LedgerOptions } from './ledger-options';
import { CodeEntry, emptyLedger, LedgerData, ledgerWithDictionaries } from './ledger-types';
import { LedgerChanges } from './ledger-changes';

const MINUTE = 60_000;
/** How often at most the store's log is folded away for what must leave it (see `save`). */
const SCRUB_EVERY = 60 * MINUTE;

/**
 * The ledger's record and what every part of it shares: the data as saved, codes indexed by booking
 * and by lock, the alerts already given, and which records changed since the last save.
 */
export class LedgerRecords {
  readonly data: LedgerData;
  readonly alerted = new Set<string>();
  private readonly changes = new LedgerChanges();
  private savedCommandSeq: number;
  /** A guest left the ledger, or a sealed PIN became a hash: the store's log must lose them too (see `save`). */
  private scrubDue = false;
  private lastScrub = -Infinity;
  private readonly byBooking = new Map<string, CodeEntry[]>();
  private readonly byLock = new Map<string, CodeEntry[]>();

  constructor(readonly options: LedgerOptions) {
    const saved = options.store?.load();
    this.data = saved ? ledgerWithDictionaries(saved) : emptyLedger();
    this.savedCommandSeq = this.data.commandSeq;
    for (const code of Object.values(this.data.codes)) this.index(code);
  }

  /** Something changed since the last save. */
  get dirty(): boolean {
    return this.changes.any || this.data.commandSeq !== this.savedCommandSeq;
  }

  touchBooking(bookingId: string): void {
    this.changes.touch('booking', bookingId);
  }

  touchCode(code: CodeEntry): void {
    this.changes.touch('code', code.codeId);
  }

  /** What StayKey knows of a lock: its foreign codes, its reads, its last use. */
  touchLock(lockId: string): void {
    this.changes.touch('foreign', lockId);
    this.changes.touch('reads', lockId);
    this.changes.touch('lastUse', lockId);
  }

  /** A booking left the ledger for good (its stay is long over): no file should keep its guest. */
  forgetBooking(bookingId: string): void {
    delete this.data.bookings[bookingId];
    this.touchBooking(bookingId);
    this.scrubDue = true;
  }

  /** A code's sealed PIN became its hash: the sealed one must not stay in the store's log. */
  hashedPin(code: CodeEntry): void {
    this.touchCode(code);
    this.scrubDue = true;
  }

  /**
   * Writes what changed, durable when it returns (or its promise settles). A store with a log folds it
   * into a snapshot when it asks to, and (at most hourly) once a guest left the ledger or a sealed PIN
   * became a hash: a forgotten guest's name or a delivered PIN does not stay in an old log record.
   */
  save(): void | Promise<void> {
    const store = this.options.store;
    if (!this.dirty) return;
    const batch = this.changes.take(this.data);
    const savedBefore = this.savedCommandSeq;
    this.savedCommandSeq = batch.commandSeq;
    if (!store) return;
    // A save that failed (a full disk) is not lost: its records are marked again for the next save.
    const putBack = (err: unknown): never => {
      for (const change of batch.changes) this.changes.touch(change.kind, change.id);
      this.savedCommandSeq = savedBefore;
      throw err;
    };
    let applied: void | Promise<void>;
    try {
      applied = store.apply(batch);
    } catch (err) {
      return putBack(err);
    }
    return applied ? applied.then(() => this.compactIfDue(store), putBack) : this.compactIfDue(store);
  }

  private compactIfDue(store: NonNullable<LedgerOptions['store']>): void | Promise<void> {
    if (!store.compact) return;
    const now = this.now().getTime();
    const scrub = this.scrubDue && now - this.lastScrub >= SCRUB_EVERY;
    if (!scrub && !store.compactionDue?.()) return;
    if (this.scrubDue) {
      this.scrubDue = false;
      this.lastScrub = now;
    }
    return store.compact(this.data);
  }

  codesOf(bookingId: string): CodeEntry[] {
    return this.byBooking.get(bookingId) ?? [];
  }

  /**
   * Every code, booking by booking, from the index: walking a Map of 100,000 is about a millisecond, where
   * Object.values of the record's dictionary of codes took 70 ms.
   */
  codesByBooking(): IterableIterator<CodeEntry[]> {
    return this.byBooking.values();
  }

  codesOnLock(lockId: string): CodeEntry[] {
    return this.byLock.get(lockId) ?? [];
  }

  activeCodesOn(lockId: string): CodeEntry[] {
    return this.codesOnLock(lockId).filter((code) => code.state !== 'revoked');
  }

  /** A new code joins the record. */
  add(code: CodeEntry): void {
    this.data.codes[code.codeId] = code;
    this.index(code);
    this.touchCode(code);
  }

  forgetCode(code: CodeEntry): undefined {
    delete this.data.codes[code.codeId];
    this.unindex(code);
    this.touchCode(code);
    return undefined;
  }

  lockConfig(lockId: string): LockConfig | undefined {
    return this.options.locks().find((lock) => lock.id === lockId);
  }

  logAccess(event: AccessEventKind, lockId: string, about: Partial<Omit<AccessEvent, 'event' | 'lockId'>> = {}): void {
    this.options.onAccessEvent?.({ at: about.at ?? this.now().toISOString(), event, lockId, ...withoutUndefined(about) });
  }

  once(key: string, message: AlertMessage): AlertMessage[] {
    if (this.alerted.has(key)) return [];
    this.alerted.add(key);
    return [message];
  }

  commandTimeout(): number {
    return (this.options.commandTimeoutMinutes ?? 120) * MINUTE;
  }

  setAhead(): number {
    return (this.options.setAheadMinutes ?? 30) * MINUTE;
  }

  retryAfter(): number {
    return (this.options.retryFailedAfterMinutes ?? 60) * MINUTE;
  }

  now(): Date {
    return this.options.clock.now();
  }

  private index(code: CodeEntry): void {
    for (const [map, key] of [
      [this.byBooking, code.bookingId],
      [this.byLock, code.lockId],
    ] as const) {
      const list = map.get(key);
      if (list) list.push(code);
      else map.set(key, [code]);
    }
  }

  private unindex(code: CodeEntry): void {
    for (const [map, key] of [
      [this.byBooking, code.bookingId],
      [this.byLock, code.lockId],
    ] as const) {
      const rest = (map.get(key) ?? []).filter((other) => other !== code);
      if (rest.length) map.set(key, rest);
      else map.delete(key);
    }
  }
}

/** One job of the ledger, working on the shared record. */
export abstract class LedgerPart {
  constructor(protected readonly records: LedgerRecords) {}

  protected get data(): LedgerData {
    return this.records.data;
  }

  protected get options(): LedgerOptions {
    return this.records.options;
  }

  protected get alerted(): Set<string> {
    return this.records.alerted;
  }

  /** Something changed since the last save. */
  protected get dirty(): boolean {
    return this.records.dirty;
  }

  /** Marks what a part changed, so the next save writes it (and only it). */
  protected touchBooking(bookingId: string): void {
    this.records.touchBooking(bookingId);
  }

  protected touchCode(code: CodeEntry): void {
    this.records.touchCode(code);
  }

  protected touchLock(lockId: string): void {
    this.records.touchLock(lockId);
  }

  protected now(): Date {
    return this.records.now();
  }

  protected once(key: string, message: AlertMessage): AlertMessage[] {
    return this.records.once(key, message);
  }

  protected logAccess(event: AccessEventKind, lockId: string, about: Partial<Omit<AccessEvent, 'event' | 'lockId'>> = {}): void {
    this.records.logAccess(event, lockId, about);
  }

  protected codesOf(bookingId: string): CodeEntry[] {
    return this.records.codesOf(bookingId);
  }

  protected codesOnLock(lockId: string): CodeEntry[] {
    return this.records.codesOnLock(lockId);
  }

  protected activeCodesOn(lockId: string): CodeEntry[] {
    return this.records.activeCodesOn(lockId);
  }

  protected forgetCode(code: CodeEntry): undefined {
    return this.records.forgetCode(code);
  }

  protected lockConfig(lockId: string): LockConfig | undefined {
    return this.records.lockConfig(lockId);
  }

  protected commandTimeout(): number {
    return this.records.commandTimeout();
  }

  protected setAhead(): number {
    return this.records.setAhead();
  }

  protected retryAfter(): number {
    return this.records.retryAfter();
  }

  protected save(): void | Promise<void> {
    return this.records.save();
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
