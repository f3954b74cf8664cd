import type { LockConfig } from '../locks/provider';
import type { LockAction, LockCommand, CodeMessage, AlertMessage } from '../messages';
import type { RandomInt } from '../pins/pin-rules';
import type { Vault } from '../pins/vault';
import type { Clock } from '../time/clock';
import type { LedgerData } from './ledger-types';
import type { Language } from '../i18n/languages';

/** The records of the ledger a change names: keyed by booking id, code id, or (the last three) lock id. */
export type LedgerRecordKind = 'booking' | 'code' | 'foreign' | 'reads' | 'lastUse';

/** One record as it now is; `value` undefined: the record is gone. */
export interface LedgerChange {
  kind: LedgerRecordKind;
  id: string;
  value?: unknown;
}

/** What one save changed: applied whole or not at all. `commandSeq` is the ledger's command count after it. */
export interface LedgerBatch {
  changes: LedgerChange[];
  commandSeq: number;
}

/**
 * Where the ledger lives. `apply` is durable when it returns (or when its promise settles): the ledger
 * awaits it before any command of that reconcile leaves. A store that keeps a log of changes asks for
 * the whole ledger now and then (`compactionDue`, `compact`) to fold the log into a snapshot.
 */
export interface LedgerStore {
  load(): LedgerData | undefined;
  apply(batch: LedgerBatch): void | Promise<void>;
  compactionDue?(): boolean;
  compact?(data: LedgerData): void | Promise<void>;
  /** Lets go of what the store holds open (a file, a connection); a later save opens it again. */
  close?(): void;
}

export interface LedgerOptions {
  clock: Clock;
  vault: Vault;
  /** The locks StayKey may put codes on, with their rules. */
  locks: () => LockConfig[];
  store?: LedgerStore;
  random?: RandomInt;
  /** A command with no result after this long is sent again (the same command, so the lock sees no change). */
  commandTimeoutMinutes?: number;
  /** After a failure has been reported, try again this often until it works or the booking ends. */
  retryFailedAfterMinutes?: number;
  /** Finished bookings stay this long for questions, then leave the ledger. */
  keepFinishedDays?: number;
  /** Offer the guest a PIN made from their phone's last 4 digits where the lock allows it. */
  pinFromPhone?: boolean;
  /** Forecasts and seasons make throwaway PINs: skip the bcrypt checks against hashed ones (new PINs, drift). */
  quickPins?: boolean;
  /**
   * Locks without schedules get a code this long before its window opens (default 30 minutes), so it is
   * on the door when the guest arrives even through a slow mesh and a retry or two.
   */
  setAheadMinutes?: number;
  /** Backup codes kept on each lock, ready for a guest whose own code cannot reach an offline lock. */
  backupCodesPerLock?: number;
  /**
   * A guest check-in page shows codes until checkout: their PINs then stay sealed (encrypted) instead of
   * becoming hashes once delivered. The host chooses this by turning the page on.
   */
  keepPinsForGuestPage?: boolean;
  /** Booking flags that must all be true before the guest is told their code (e.g. paid, idVerified). */
  releaseFlags?: string[];
  /** Every code event, for the access log (never a PIN). */
  onAccessEvent?: (event: AccessEvent) => void;
  /**
   * Locks that read codes back are read whole this often, for codes changed outside StayKey (default 24;
   * 0 = only when the host asks; never more often than once a day).
   */
  verifyEveryHours?: number;
}

/** What a verified guest may see on the check-in page. `pin` is null before issue (or when only its hash is left). */
export interface GuestView {
  bookingId: string;
  /** Changes with every re-issue: a page session made for an older version must verify again. */
  version: number;
  guestName?: string;
  unit: string;
  timeZone: string;
  checkInAt: string;
  checkOutAt: string;
  /** When the code is issued (the page says when it will appear). */
  issueAt?: string;
  issued: boolean;
  /** A release flag is no longer set (a payment reversed): the codes are withheld until it is again. */
  onHold?: boolean;
  codes: { lockName: string; pin: string | null }[];
  /** The guest's language as the booking names it (a PMS's field), when it is one StayKey writes in. */
  language?: Language;
  /** The language the booking hints at (the channel's words, the phone's country code), when it does. */
  hintedLanguage?: Language;
}

export type AccessEventKind = 'issued' | 'set' | 'updated' | 'cleared' | 'used' | 'failed-attempt' | 'failed' | 'revoked' | 'backup-activated' | 'backup-expired';

/** One line of the access log: what happened to which code on which lock. No PIN, no guest details. */
export interface AccessEvent {
  at: string;
  event: AccessEventKind;
  lockId: string;
  slot?: number;
  bookingId?: string;
  detail?: string;
}

/** What one reconcile decided: commands for the locks, messages for guests, alerts for the host. */
export interface Plan {
  commands: LockCommand[];
  codeMessages: CodeMessage[];
  alerts: AlertMessage[];
}

export interface LedgerSummary {
  onLocks: number;
  pending: number;
  failed: number;
  bookings: number;
}

/** One step of a dry run: what would happen to which lock, and when. Never a PIN. */
export interface PlannedAction {
  at: string;
  action: LockAction;
  lockId: string;
  slot: number;
  bookingId: string;
  name: string;
  startsAt: string;
  endsAt: string;
}
