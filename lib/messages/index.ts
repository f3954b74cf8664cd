/**
 * Every payload StayKey nodes send each other. `kind` tells a node what it has been given, so one
 * input can take bookings, windows, lock results and controls. docs/messages.md describes each.
 */
import { Booking, BookingChange } from '../bookings/booking';
import { AccessWindow } from '../windows/window';
import { LockFailureReason } from '../locks/provider';
import { SealedPin } from '../pins/vault';

/** booking-source -> access-window */
export interface BookingMessage {
  kind: 'booking';
  change: BookingChange;
  booking: Booking;
}

/** access-window -> pin-issuer */
export interface WindowMessage {
  kind: 'window';
  change: BookingChange;
  booking: Booking;
  window: AccessWindow;
}

export type LockAction = 'set' | 'update' | 'clear' | 'read';

/** pin-issuer -> lock-provider. The PIN travels sealed; only the provider and notifier open it. */
export interface LockCommand {
  id: string;
  action: LockAction;
  lockId: string;
  slot: number;
  codeId: string;
  name: string;
  pin?: SealedPin;
  startsAt: string;
  endsAt: string;
  /**
   * Sent again after a restart or a lost answer: the provider reads the slot first and writes only
   * if the lock does not already hold what is asked, so a lock never gets the same change twice.
   */
  resent?: boolean;
}

export interface LockCommandMessage {
  kind: 'lock-command';
  command: LockCommand;
}

/** lock-provider -> pin-issuer */
export interface LockResultMessage {
  kind: 'lock-result';
  commandId: string;
  codeId: string;
  lockId: string;
  action: LockAction;
  ok: boolean;
  /** The code was read back from the lock after the command (or, for a clear, found gone). */
  confirmed: boolean;
  /**
   * The lock cannot read codes back (ZHA): `confirmed` means the lock accepted the command, which is
   * as far as anyone can know. The ledger keeps such a code as "set, not verifiable".
   */
  unverifiable?: boolean;
  attempts: number;
  error?: string;
  reason?: LockFailureReason;
  /** For a `read`: what the lock holds, PINs sealed (null where the lock masks them). */
  codes?: ReadCode[];
  /**
   * The lock's system chose the code itself (an offline code, a backup code from its pool): the PIN,
   * sealed, and the hours the lock honours. The guest is told this PIN, not the one StayKey drew.
   */
  fromLock?: { pin: SealedPin; startsAt: string; endsAt: string; why: 'offline-code' | 'backup-pool' };
  /** Something the host must know about a write that worked (never with a PIN). */
  notice?: string;
}

export interface ReadCode {
  slot: number;
  name?: string;
  pin: SealedPin | null;
  startsAt?: string;
  endsAt?: string;
}

/**
 * lock-provider -> pin-issuer: someone used the keypad. `slot` is the code's slot when the lock says
 * which code opened it; a failed attempt (wrong PIN) has `success: false` and usually no slot.
 */
export interface CodeUsedMessage {
  kind: 'code-used';
  lockId: string;
  slot: number | null;
  success: boolean;
  at: string;
}

export interface GuestCode {
  lockId: string;
  lockName: string;
  unit: string;
  slot: number;
  /** Absent when the guest already has this PIN and StayKey keeps only its hash ("your code is unchanged"). */
  pin?: SealedPin;
  /** When the lock honours this code, where it differs from the window (an offline code's rounded hours). */
  validFrom?: string;
  validUntil?: string;
}

/** `backup`: the guest's own code could not reach an offline lock; this is a backup code set there beforehand. */
export type CodeChange = 'issued' | 'updated' | 'reissued' | 'revoked' | 'backup';

/** pin-issuer -> notifier: a guest's codes, ready to tell them (or to tell them they have gone). */
export interface CodeMessage {
  kind: 'code';
  change: CodeChange;
  bookingId: string;
  booking: Booking;
  window: AccessWindow;
  codes: GuestCode[];
}

/** notifier -> pin-issuer: the guest has been told, so the PIN's ciphertext can become a hash. */
export interface DeliveryMessage {
  kind: 'delivery';
  bookingId: string;
  channel: string;
  delivered: boolean;
  error?: string;
}

export type Severity = 'info' | 'warning' | 'critical';

/** Anything a host should know: a failed code, a dying battery, a booking without a code. */
export interface AlertMessage {
  kind: 'alert';
  severity: Severity;
  topic: string;
  text: string;
  lockId?: string;
  bookingId?: string;
  /** A host task that needs the code itself (a manual lock to key it into): sealed, opened by the notifier. */
  pin?: SealedPin;
}

export type BatteryClass = 'healthy' | 'replace-soon' | 'critical' | 'unknown';

export interface BatteryReading {
  lockId: string;
  lockName: string;
  online: boolean;
  level: number | null;
  batteryClass: BatteryClass;
  batteryType?: string;
  advice: string;
  /** The property the lock belongs to (the locks config's name unless the lock row names one). */
  property?: string;
  /** When the lock last reported anything (ISO), where its provider says. */
  lastSeenAt?: string;
  /** The provider calls the lock online but it has not reported for longer than battery-watch allows. */
  silent?: boolean;
}

/** battery-watch -> notifier / dashboards */
export interface BatteryReportMessage {
  kind: 'battery-report';
  checkedAt: string;
  locks: BatteryReading[];
  /** The locks that need the host: replace soon, critical, offline or silent. */
  attention: BatteryReading[];
}

/** One lock as a dashboard shows it: no PINs, only counts and times. */
export interface LockSummary {
  lockId: string;
  name: string;
  /** Guests' codes on the lock now (staff and one-off codes not counted). */
  activeGuestCodes: number;
  /** The next guest check-in on this lock (ISO), or null. */
  nextArrival: string | null;
  /** When a code last opened this lock, and whose. */
  lastCodeUsedAt: string | null;
  lastCodeUsedBy?: string;
  /** Of the guests' codes, those on a lock that cannot read codes back: "set, not verifiable". */
  unverifiableGuestCodes?: number;
}

/** pin-issuer output 4 -> ha-dashboard: sent whenever a lock's summary changes. */
export interface LockSummaryMessage {
  kind: 'lock-summary';
  locks: LockSummary[];
}

/** lock-provider -> dashboards: how the locks are, without a PIN. */
export interface LockStateMessage {
  kind: 'lock-state';
  locks: LockState[];
}

export interface LockState {
  lockId: string;
  name: string;
  online: boolean;
  battery: number | null;
  /** Codes on the lock; null when the provider could not say. */
  codes: number | null;
  /** Manual locks: tasks still waiting for the host. */
  pendingTasks?: number;
}

export type StayKeyPayload =
  | BookingMessage
  | WindowMessage
  | LockCommandMessage
  | LockResultMessage
  | CodeMessage
  | DeliveryMessage
  | AlertMessage
  | BatteryReportMessage
  | CodeUsedMessage
  | LockSummaryMessage;
