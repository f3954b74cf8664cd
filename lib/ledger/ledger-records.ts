import type { LockConfig } from '../locks/provider';
import type { AlertMessage } from '../messages';
import type { AccessEvent, AccessEventKind, LedgerOptions } from './ledger-options';
import { CodeEntry, emptyLedger, LedgerData, ledgerWithDictionaries } from './ledger-types';

const MINUTE = 60_000;

/**
 * The ledger's record and what every part of it shares: the data as saved, codes indexed by booking
 * and by lock, the alerts already given, and whether anything changed since the last save.
 */
export class LedgerRecords {
  readonly data: LedgerData;
  readonly alerted = new Set<string>();
  dirty = false;
  private readonly byBooking = new Map<string, CodeEntry[]>();
  private readonly byLock = new Map<string, CodeEntry[]>();

  constructor(readonly options: LedgerOptions) {
    const saved = options.store?.load();
    this.data = saved ? ledgerWithDictionaries(saved) : emptyLedger();
    for (const code of Object.values(this.data.codes)) this.index(code);
  }

  save(): void {
    this.dirty = false;
    this.options.store?.save(this.data);
  }

  codesOf(bookingId: string): CodeEntry[] {
    return this.byBooking.get(bookingId) ?? [];
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
    this.dirty = true;
  }

  forgetCode(code: CodeEntry): undefined {
    delete this.data.codes[code.codeId];
    this.unindex(code);
    this.dirty = true;
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

  /** Something changed: the next reconcile saves. */
  protected set dirty(value: boolean) {
    this.records.dirty = value;
  }

  protected get dirty(): boolean {
    return this.records.dirty;
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

  protected save(): void {
    this.records.save();
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
