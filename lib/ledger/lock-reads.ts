import type { LockConfig, LockFailureReason } from '../locks/provider';
import type { LockCommand, LockResultMessage } from '../messages';
import { dictionary } from '../ids';
import type { LedgerData, LockReads, ReadUnderWay } from './ledger-types';

const HOUR = 3600_000;
const MINUTE = 60_000;
/**
 * Never read a whole lock more often than this: each read wakes every slot, and Keymaster's
 * 60-second polling is how Z-Wave locks lose their batteries in weeks.
 */
export const MIN_VERIFY_HOURS = 24;

/** Failures that say the lock or the account is away: a write would fail too, so the write waits. */
const AWAY: ReadonlySet<LockFailureReason> = new Set(['offline', 'timeout', 'busy', 'auth', 'unknown-lock']);

export interface LockReaderOptions {
  data: LedgerData;
  now: () => Date;
  /** A new command id for a read of `lockId` (the ledger's command count goes up). */
  commandId: (lockId: string) => string;
  /** What StayKey knows of this lock changed: the next save writes it. */
  touch: (lockId: string) => void;
  commandTimeoutMs: number;
  retryAfterMs: number;
  /** Every lock that reads codes back is read whole this often; 0 turns the daily verify off. */
  verifyEveryHours: number;
}

/** Which read an answer belongs to: `slot` 0 for the whole lock. */
export interface AnsweredRead {
  slot: number;
  state: LockReads;
}

/**
 * When StayKey reads its locks: every slot once when a lock is first linked, one slot before writing a
 * slot it has never seen, and the whole lock once a day for drift. Never more than one read of a slot
 * a day on its own account, so batteries last; a host's `verify` reads at once.
 */
export class LockReader {
  constructor(private readonly options: LockReaderOptions) {
    // An answer lost in a restart will never come: the read is planned afresh. A restart is often the
    // host's fix (a password, a gateway), so a lock that was away is tried again at once.
    for (const [lockId, state] of Object.entries(this.reads())) {
      if (!state.reading && (state.unreadable || !state.failedAt)) continue;
      delete state.reading;
      if (!state.unreadable) delete state.failedAt;
      this.options.touch(lockId);
    }
  }

  /** The first read and the daily verify of every lock that can read codes back. */
  planned(locks: LockConfig[]): LockCommand[] {
    const commands: LockCommand[] = [];
    for (const lock of locks) {
      if (!readsCodes(lock)) continue;
      const state = this.state(lock.id);
      this.dropLost(lock.id, state);
      if (state.reading?.some((read) => read.slot === 0) || this.pausedAfterFailure(state)) continue;
      if (this.wholeReadDue(lock.id, state)) commands.push(this.start(lock.id, 0));
    }
    return commands;
  }

  /** A read of every slot, asked by the host: sent now unless one is under way. */
  ask(lockId: string): LockCommand | undefined {
    const state = this.state(lockId);
    this.dropLost(lockId, state);
    if (state.reading?.some((read) => read.slot === 0)) return undefined;
    return this.start(lockId, 0);
  }

  /**
   * Before StayKey writes a slot it has never seen read back: `known` when it may write now, `wait` while
   * a read is under way or paused after a failure, or the one-slot read to send first.
   */
  beforeWriting(lock: LockConfig, slot: number): 'known' | 'wait' | LockCommand {
    if (!readsCodes(lock)) return 'known';
    const state = this.state(lock.id);
    if (slotKnown(state, slot)) return 'known';
    this.dropLost(lock.id, state);
    if (state.reading?.some((read) => read.slot === 0 || read.slot === slot)) return 'wait';
    if (this.pausedAfterFailure(state)) return 'wait';
    return this.start(lock.id, slot);
  }

  /** A write the lock confirmed by reading it back: that slot is seen. */
  confirmedWrite(lock: LockConfig | undefined, slot: number): void {
    if (!lock || !readsCodes(lock)) return;
    const state = this.state(lock.id);
    if (slotKnown(state, slot)) return;
    state.slotsSeen = [...(state.slotsSeen ?? []), slot];
    this.options.touch(lock.id);
  }

  /** Matches a read's answer to the read it belongs to; a read the ledger did not send counts as whole. */
  answered(result: LockResultMessage, lock: LockConfig | undefined): AnsweredRead {
    const state = this.state(result.lockId);
    this.options.touch(result.lockId);
    const read = state.reading?.find((under) => under.id === result.commandId);
    const rest = state.reading?.filter((under) => under !== read) ?? [];
    if (rest.length) state.reading = rest;
    else delete state.reading;
    const slot = read?.slot ?? 0;
    if (result.ok) this.succeeded(state, slot, lock);
    return { slot, state };
  }

  /**
   * A read that failed. Returns true when the lock answered yet cannot be read: its writes then go
   * ahead unread rather than leave a guest without a code, and the host is told.
   */
  failed(state: LockReads, result: LockResultMessage): boolean {
    // No reason: the lock set stopped before it asked (a redeploy). Nothing is wrong with the lock; read again.
    if (result.reason === undefined) return false;
    this.options.touch(result.lockId);
    state.failedAt = this.now().toISOString();
    if (AWAY.has(result.reason)) return false;
    state.unreadable = result.error ?? result.reason ?? 'the lock could not be read';
    return true;
  }

  /** Forgets every read (the pin-issuer was removed): a pin-issuer added again reads every lock afresh. */
  forgetAll(): void {
    for (const lockId of Object.keys(this.reads())) this.options.touch(lockId);
    this.options.data.reads = dictionary();
  }

  /** When a read falls due: a lost answer, the end of a pause after a failure, the next daily verify. */
  dueTimes(locks: LockConfig[]): number[] {
    const times: number[] = [];
    for (const lock of locks) {
      if (!readsCodes(lock)) continue;
      const state = this.state(lock.id);
      for (const read of state.reading ?? []) times.push(Date.parse(read.sentAt) + this.options.commandTimeoutMs);
      if (state.failedAt) times.push(Date.parse(state.failedAt) + this.options.retryAfterMs);
      const last = this.lastWholeRead(state);
      if (last && this.verifyEvery()) times.push(Date.parse(last) + this.verifyEvery(lock.id));
    }
    return times;
  }

  private succeeded(state: LockReads, slot: number, lock: LockConfig | undefined): void {
    delete state.failedAt;
    delete state.unreadable;
    if (slot === 0) {
      state.readAt = this.now().toISOString();
      if (lock) state.readRange = [lock.rules.firstSlot, lock.rules.lastSlot];
      delete state.slotsSeen;
    } else if (!state.slotsSeen?.includes(slot)) {
      state.slotsSeen = [...(state.slotsSeen ?? []), slot];
    }
  }

  private start(lockId: string, slot: number): LockCommand {
    const read: ReadUnderWay = { id: this.options.commandId(lockId), slot, sentAt: this.now().toISOString() };
    const state = this.state(lockId);
    state.reading = [...(state.reading ?? []), read];
    this.options.touch(lockId);
    return readCommand(lockId, read);
  }

  private wholeReadDue(lockId: string, state: LockReads): boolean {
    const last = this.lastWholeRead(state);
    if (!last) return true;
    const every = this.verifyEvery(lockId);
    return every > 0 && this.now().getTime() - Date.parse(last) >= every;
  }

  /** An unreadable lock is tried again on the verify schedule, counted from when it said so. */
  private lastWholeRead(state: LockReads): string | undefined {
    return state.readAt ?? (state.unreadable ? state.failedAt : undefined);
  }

  private pausedAfterFailure(state: LockReads): boolean {
    if (!state.failedAt || state.unreadable) return false;
    return this.now().getTime() - Date.parse(state.failedAt) < this.options.retryAfterMs;
  }

  /** A read with no answer after the command timeout is given up; the next plan sends it again. */
  private dropLost(lockId: string, state: LockReads): void {
    if (!state.reading) return;
    const now = this.now().getTime();
    const alive = state.reading.filter((read) => now - Date.parse(read.sentAt) < this.options.commandTimeoutMs);
    if (alive.length === state.reading.length) return;
    if (alive.length) state.reading = alive;
    else delete state.reading;
    this.options.touch(lockId);
  }

  /**
   * A day (or the host's longer interval), plus up to two hours that differ by lock: locks linked together
   * are not all read again at the same minute, which a Z-Wave mesh would feel.
   */
  private verifyEvery(lockId = ''): number {
    const hours = this.options.verifyEveryHours;
    if (hours <= 0) return 0;
    return Math.max(hours, MIN_VERIFY_HOURS) * HOUR + (lockId ? spreadMinutes(lockId) * MINUTE : 0);
  }

  private state(lockId: string): LockReads {
    const reads = this.reads();
    const known = reads[lockId];
    if (known) return known;
    this.options.touch(lockId);
    return (reads[lockId] = {});
  }

  private reads(): Record<string, LockReads> {
    return (this.options.data.reads ??= dictionary());
  }

  private now(): Date {
    return this.options.now();
  }
}

function slotKnown(state: LockReads, slot: number): boolean {
  if (state.unreadable || state.slotsSeen?.includes(slot)) return true;
  const range = state.readRange;
  return Boolean(state.readAt && range && slot >= range[0] && slot <= range[1]);
}

/** 0 to 119 minutes, always the same for a lock (FNV-1a of its id). */
function spreadMinutes(lockId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < lockId.length; i++) hash = Math.imul(hash ^ lockId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % 120;
}

/** Locks whose provider reads codes back; the others (ZHA, manual) cannot be looked at first. */
export function readsCodes(lock: LockConfig): boolean {
  return lock.codeCheck === 'read-back';
}

function readCommand(lockId: string, read: ReadUnderWay): LockCommand {
  return { id: read.id, action: 'read', lockId, slot: read.slot, codeId: `read:${lockId}`, name: '', startsAt: '', endsAt: '' };
}
