import type { LockConfig, LockStatus } from '../locks/provider';
import type { AlertMessage, CodeMessage, GuestCode } from '../messages';
import type { BookingEntry, CodeEntry } from './ledger-types';
import type { GuestTelling } from './guest-telling';
import type { Arrivals } from './arrivals';
import { LedgerPart, LedgerRecords } from './ledger-records';
import { isGuest } from './ledger-helpers';
import { alert } from './ledger-alerts';

/**
 * Backup codes: a small pool kept on each lock, lent to a guest whose own code cannot reach an offline lock.
 */
export class Backups extends LedgerPart {
  constructor(records: LedgerRecords, private readonly telling: GuestTelling, private readonly arrivals: Arrivals) {
    super(records);
  }

  /**
   * Gives a stranded guest a backup code: one set on the lock beforehand, so it works while the lock
   * is offline. Lent until the guest's checkout, then replaced with a new one.
   */
  activateBackup(bookingId: string, lockId: string): { message?: CodeMessage; alerts: AlertMessage[] } {
    const guest = this.data.bookings[bookingId];
    if (!guest) throw new Error(`no booking ${bookingId} in the ledger`);
    if (this.backupLentTo(bookingId, lockId)) return { alerts: [] };
    const backup = this.freeBackup(lockId);
    if (!backup) {
      const text = `No backup code is free on lock ${lockId} for booking ${bookingId}: use the backup key.`;
      return { alerts: this.once(`no-backup:${bookingId}:${lockId}`, alert('critical', 'backup-code', text, { bookingId, lockId })) };
    }
    const [entry, code] = backup;
    entry.lentTo = { bookingId, at: this.now().toISOString(), until: guest.window.endsAt };
    this.touchBooking(code.bookingId);
    this.logAccess('backup-activated', lockId, { slot: code.slot, bookingId });
    const lock = this.options.locks().find((l) => l.id === lockId)!;
    const codes: GuestCode[] = [{ lockId, lockName: lock.name, unit: guest.window.unit, slot: code.slot, pin: code.sealedPin }];
    const text = `Booking ${bookingId}: lock ${lockId} could not take the guest's own code, so a backup code (slot ${code.slot}) was sent to them, valid until checkout.`;
    return { message: this.telling.codeMessage(bookingId, guest, 'backup', codes), alerts: [alert('warning', 'backup-code', text, { bookingId, lockId })] };
  }

  /**
   * Guests arriving within `hours` whose code is not on an offline lock get a backup code, where the
   * host keeps a pool. Returns the messages for those guests and the host.
   */
  lendBackupsToStranded(statuses: Map<string, LockStatus | Error>, hours: number): { messages: CodeMessage[]; alerts: AlertMessage[] } {
    const out = { messages: [] as CodeMessage[], alerts: [] as AlertMessage[] };
    if (!this.options.backupCodesPerLock) return out;
    for (const [id, entry] of this.arrivals.upcomingArrivals(hours)) {
      if (!isGuest(entry)) continue;
      for (const lockId of entry.window.locks) {
        const status = statuses.get(lockId);
        const offline = !status || status instanceof Error || !status.online;
        const code = this.codesOf(id).find((c) => c.lockId === lockId && c.state !== 'revoked');
        if (!offline || (code && code.state === 'confirmed' && code.onLock)) continue;
        const { message, alerts } = this.activateBackup(id, lockId);
        if (message) out.messages.push(message);
        out.alerts.push(...alerts);
      }
    }
    return out;
  }

  private backupLentTo(bookingId: string, lockId: string): boolean {
    return this.backupEntries(lockId).some(([entry]) => entry.lentTo?.bookingId === bookingId);
  }

  private freeBackup(lockId: string): [BookingEntry, CodeEntry] | undefined {
    for (const [entry, id] of this.backupEntries(lockId)) {
      const code = this.codesOf(id).find((c) => c.lockId === lockId);
      if (!entry.lentTo && code && code.state === 'confirmed' && code.onLock && code.sealedPin && !code.rewrite) return [entry, code];
    }
    return undefined;
  }

  private backupEntries(lockId: string): [BookingEntry, string][] {
    return Object.entries(this.data.bookings)
      .filter(([, entry]) => entry.window.kind === 'backup' && entry.window.locks[0] === lockId)
      .map(([id, entry]) => [entry, id]);
  }

  /**
   * Keeps each lock's pool of backup codes: always there (renewed well before they lapse), and a code
   * lent to a guest is replaced with a new one after their checkout.
   */
  keepBackupPools(locks: LockConfig[]): void {
    const count = this.options.backupCodesPerLock ?? 0;
    const now = this.now();
    for (const lock of locks) {
      for (let n = 1; n <= count; n++) {
        const id = `backup:${lock.id}:${n}`;
        const entry = this.data.bookings[id];
        if (!entry) {
          this.data.bookings[id] = backupEntry(id, lock, n, now);
          this.touchBooking(id);
          continue;
        }
        if (entry.lentTo && Date.parse(entry.lentTo.until) <= now.getTime()) this.retireLentBackup(id, entry, lock);
        if (Date.parse(entry.window.endsAt) - now.getTime() < 30 * 24 * 3600_000) {
          entry.window = backupEntry(id, lock, n, now).window;
          this.touchBooking(id);
        }
      }
    }
  }

  private retireLentBackup(id: string, entry: BookingEntry, lock: LockConfig): void {
    this.logAccess('backup-expired', lock.id, { bookingId: entry.lentTo!.bookingId });
    entry.lentTo = undefined;
    this.touchBooking(id);
    for (const code of this.codesOf(id)) {
      if (code.state === 'revoked') continue;
      code.rewrite = 'new-pin';
      this.touchCode(code);
    }
  }
}

/** A backup code's booking: on the lock for the next 400 days, renewed before it lapses. */
function backupEntry(id: string, lock: LockConfig, n: number, now: Date): BookingEntry {
  const startsAt = now.toISOString();
  const endsAt = new Date(now.getTime() + 400 * 24 * 3600_000).toISOString();
  const day = (iso: string) => iso.slice(0, 10);
  return {
    booking: { id, unit: lock.name, source: 'backup', arrival: day(startsAt), departure: day(endsAt), guestName: `Backup ${n}` },
    window: { bookingId: id, unit: lock.name, locks: [lock.id], timeZone: 'UTC', checkInAt: startsAt, checkOutAt: endsAt, startsAt, endsAt, issueAt: startsAt, kind: 'backup' },
    cancelled: false,
    version: 1,
    toldVersion: 0,
    told: 'nothing',
    delivered: false,
    updatedAt: startsAt,
  };
}
