/**
 * Codes the lock's system chooses, not StayKey: offline codes (igloohome algoPIN and other locks
 * without connectivity, made by an algorithm the lock shares with Seam) and backup codes pulled from
 * Seam's pool when a guest's own code could not be set. Either way the guest must be told the PIN
 * Seam gives back, with the hours the lock honours (an offline code's are rounded).
 */
import type { Clock } from '../../time/clock';
import { LockConfig, LockError, WriteOutcome, CodeUpdate } from '../provider';
import type { SeamCode } from './codes';
import type { SeamDevice } from './devices';
import { codeErrorFailure } from './errors';
import type { SeamRequests } from './requests';
import type { ChosenCode, SeamSlots } from './slots';

/** A backup is pulled only for a window starting within this long: further out, Seam may still set the guest's own code. */
const PULL_BACKUP_WITHIN_MS = 24 * 3600_000;

export class ChosenCodes {
  constructor(
    private readonly requests: SeamRequests,
    private readonly slots: SeamSlots,
    private readonly clock: Clock,
  ) {}

  /**
   * An offline code for the window: the one the slot has when it was made for these hours (a retry),
   * else a new one. Offline codes cannot be changed: new hours mean a new code, and the old one keeps
   * opening the door until its end, which the host is told.
   */
  async writeOffline(lock: LockConfig, device: SeamDevice, code: CodeUpdate, name: string): Promise<WriteOutcome> {
    const deviceId = device.deviceId;
    const held = this.slots.codeIn(deviceId, code.slot);
    let notice: string | undefined;
    if (held) {
      const current = await this.requests.code(lock, held);
      const asked = this.slots.chosen(deviceId, code.slot);
      if (current && asked && sameWindow(asked, code)) return this.outcome(lock, current, asked, code.slot);
      if (current) {
        await this.requests.delete(lock, held);
        notice = this.stillOpens(lock, current, code.slot);
      }
      this.slots.remove(deviceId, code.slot);
    }
    this.slots.expect(deviceId, code.slot, { name, startsAt: code.startsAt, endsAt: code.endsAt, since: this.clock.now().toISOString(), offline: true });
    const created = await this.requests.create(lock, { deviceId, name, startsAt: code.startsAt, endsAt: code.endsAt, offline: true });
    if (!created) throw new LockError(`Seam did not say which offline code it made for slot ${code.slot} of ${lock.name}`, 'vendor-error', true);
    const asked: ChosenCode = { why: 'offline-code', startsAt: code.startsAt, endsAt: code.endsAt };
    this.slots.place(deviceId, code.slot, created.accessCodeId, asked);
    return { ...this.outcome(lock, created, asked, code.slot), ...(notice ? { notice } : {}) };
  }

  /**
   * The guest's own code failed on a lock with Seam's backup pool, and their stay starts soon: a backup
   * code, already on the lock, takes the slot. The failed code goes, so the slot holds one code.
   */
  async pullBackup(lock: LockConfig, device: SeamDevice, failed: SeamCode, code: CodeUpdate, why: LockError): Promise<WriteOutcome | undefined> {
    if (!device.backupPool || !why.transient) return undefined;
    if (Date.parse(code.startsAt) - this.clock.now().getTime() > PULL_BACKUP_WITHIN_MS) return undefined;
    const backup = await this.requests.pullBackup(lock, failed.accessCodeId);
    if (!backup?.code) return undefined;
    const asked: ChosenCode = { why: 'backup-pool', startsAt: code.startsAt, endsAt: code.endsAt };
    this.slots.place(device.deviceId, code.slot, backup.accessCodeId, asked);
    await this.requests.delete(lock, failed.accessCodeId);
    const notice = `${lock.name}: the guest's own code could not be set (${why.message}); they get a backup code from Seam's backup pool instead (slot ${code.slot}).`;
    return { ...this.outcome(lock, backup, asked, code.slot), notice };
  }

  /** A removed offline code still opens the door until its end: a sentence for the host; undefined once it has run out. */
  stillOpens(lock: LockConfig, current: SeamCode, slot: number): string | undefined {
    if (!current.endsAt || Date.parse(current.endsAt) <= this.clock.now().getTime()) return undefined;
    return `${lock.name}: the offline code in slot ${slot} keeps opening the door until ${current.endsAt}; an offline code cannot be taken off the lock from afar. If that guest must not get in, change the codes at the lock.`;
  }

  /** The chosen code as the guest must know it. */
  outcome(lock: LockConfig, current: SeamCode, asked: ChosenCode, slot: number): WriteOutcome {
    if (current.errors.length) throw codeErrorFailure(lock.name, current.errors);
    if (!current.code) throw new LockError(`${lock.name}: Seam has not given the code for slot ${slot} yet`, 'busy', true);
    return { fromLock: { pin: current.code, startsAt: current.startsAt ?? asked.startsAt, endsAt: current.endsAt ?? asked.endsAt, why: asked.why } };
  }
}

function sameWindow(asked: ChosenCode, code: CodeUpdate): boolean {
  return Date.parse(asked.startsAt) === Date.parse(code.startsAt) && Date.parse(asked.endsAt) === Date.parse(code.endsAt);
}
