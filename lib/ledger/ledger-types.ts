import type { Booking } from '../bookings/booking';
import type { AccessWindow } from '../windows/window';
import type { LockAction } from '../messages';
import { dictionary, dictionaryOf } from '../ids';

/** Where one code stands on its lock. */
export type CodeState = 'pending' | 'set' | 'confirmed' | 'failed' | 'revoked';

/** A command that went out and has no result yet. Persisted, so a restart sends it again. */
export interface CommandInFlight {
  id: string;
  action: LockAction;
  sentAt: string;
  startsAt: string;
  endsAt: string;
}

/** One booking's code on one lock. */
export interface CodeEntry {
  codeId: string;
  bookingId: string;
  lockId: string;
  slot: number;
  /** The name StayKey gives the code on the lock (vendors show it in their apps). */
  name: string;
  /** The PIN, sealed, until it is on the lock and delivered; then only `pinHash`. */
  sealedPin?: string;
  pinHash?: string;
  state: CodeState;
  /** The dates the lock last confirmed for this code; undefined when it is not on the lock. */
  onLock?: { startsAt: string; endsAt: string };
  inFlight?: CommandInFlight;
  /** A command the lock took but could not prove (manual locks); its confirmation may come later. */
  awaitingConfirmation?: string;
  /**
   * On a lock that cannot read codes back (ZHA): the lock accepted the code, which is final. State
   * `confirmed` with this flag is shown as "set, not verifiable".
   */
  unverifiable?: boolean;
  failedAt?: string;
  failedAction?: LockAction;
  lastError?: string;
  revokedAt?: string;
  /** Take the code off the lock, then put it back: with a new PIN (a reset) or the same one (a wipe). */
  rewrite?: 'new-pin' | 'same-pin';
  /** When the code first opened the door. */
  usedAt?: string;
  /** Its slot went to a guest arriving sooner; it keeps its PIN and takes the next slot that frees up. */
  waitingForSlot?: boolean;
  /** The hours the lock honours where they differ from the window (an offline code rounds them). */
  honoured?: { startsAt: string; endsAt: string };
  /** The lock's system chose the PIN (an offline code, a backup from its pool), not StayKey. */
  chosenBy?: 'offline-code' | 'backup-pool';
}

/** A code on a lock that StayKey did not create: its slot and PIN are avoided, never touched. */
export interface ForeignCode {
  slot: number;
  pin: string | null;
  /** Named as StayKey names its codes, yet no booking of this ledger owns it (an earlier ledger's code). */
  namedByStayKey?: string;
}

/** A read of a lock that went out and has no answer yet: slot 0 reads every slot. */
export interface ReadUnderWay {
  id: string;
  slot: number;
  sentAt: string;
}

/**
 * What StayKey knows of a lock's slots from reading them. A slot never read may hold a code StayKey did
 * not create, so it is read before StayKey writes to it.
 */
export interface LockReads {
  /** When every slot was last read: when the lock was first linked, then by the daily verify. */
  readAt?: string;
  /** The slot range (first, last) that whole read covered: slots the host adds later are read before use. */
  readRange?: [number, number];
  /** Slots read one at a time before a write, while the whole lock has not been read. */
  slotsSeen?: number[];
  reading?: ReadUnderWay[];
  /** The last read failed: tried again after the retry pause. */
  failedAt?: string;
  /**
   * The lock answered but could not be read (`read` is not something it does through this provider):
   * its slots are written without a look first, and the host is told so.
   */
  unreadable?: string;
}

/** What the guest has been told, so each change is told once. */
export type Told = 'nothing' | 'issued' | 'revoked';

export interface BookingEntry {
  booking: Booking;
  window: AccessWindow;
  cancelled: boolean;
  /** Bumped by every change of dates or locks the guest should hear about. */
  version: number;
  toldVersion: number;
  told: Told;
  delivered: boolean;
  /** New PINs since the guest was last told: the next message is a re-issue. */
  pinChanged?: boolean;
  updatedAt: string;
  /** The first time one of its codes opened a door (the guest has arrived). */
  arrivedAt?: string;
  /** A backup code lent to a stranded guest: whose, from when, until when. */
  lentTo?: { bookingId: string; at: string; until: string };
}

export interface LedgerData {
  version: 1;
  bookings: Record<string, BookingEntry>;
  codes: Record<string, CodeEntry>;
  commandSeq: number;
  /** Per lock, codes found there that StayKey did not create (from read-backs). */
  foreign?: Record<string, ForeignCode[]>;
  /** Per lock, what its slots held when StayKey last read them. */
  reads?: Record<string, LockReads>;
  /** Per lock, the last time a code opened it, and whose. */
  lastUse?: Record<string, { at: string; bookingId: string }>;
}

export function emptyLedger(): LedgerData {
  return { version: 1, bookings: dictionary(), codes: dictionary(), commandSeq: 0, foreign: dictionary(), reads: dictionary() };
}

/**
 * The ledger as read from its file, with every record keyed by booking, code or lock id made a
 * dictionary: a JSON file's objects have Object.prototype, where `constructor` would find a function.
 */
export function ledgerWithDictionaries(data: LedgerData): LedgerData {
  const copy: LedgerData = { ...data, bookings: dictionaryOf(data.bookings), codes: dictionaryOf(data.codes), foreign: dictionaryOf(data.foreign), reads: dictionaryOf(data.reads) };
  if (data.lastUse) copy.lastUse = dictionaryOf(data.lastUse);
  return copy;
}

export function codeIdOf(bookingId: string, lockId: string): string {
  return `${bookingId}@${lockId}`;
}
