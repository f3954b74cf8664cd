import type { AlertMessage, LockResultMessage, ReadCode } from '../messages';
import { pinMatchesHash } from '../pins/vault';
import type { Period } from '../windows/recurrence';
import type { CodeEntry, ForeignCode } from './ledger-types';
import { AnsweredRead, LockReader, readsCodes } from './lock-reads';
import { dictionary } from '../ids';
import type { Slots } from './slots';
import { LedgerPart, LedgerRecords } from './ledger-records';
import { sameDates } from './ledger-helpers';
import { alert, driftAlert } from './ledger-alerts';

/**
 * What a lock says it holds, against the record: drift repaired, codes StayKey did not create kept and avoided.
 */
export class ReadBack extends LedgerPart {
  constructor(records: LedgerRecords, private readonly reader: LockReader, private readonly slots: Slots) {
    super(records);
  }

  /**
   * What a lock says it holds (every slot, or the one slot read before a write), against what the
   * ledger says. A code removed or changed outside StayKey is put back (with a new PIN, told to the
   * guest, where only its hash is left); codes StayKey did not create are left alone, their slots and
   * PINs avoided, and a code waiting for a slot that turns out taken moves to another.
   */
  async acceptReadBack(result: LockResultMessage): Promise<AlertMessage[]> {
    const read = this.reader.answered(result, this.lockConfig(result.lockId));
    this.touchLock(result.lockId);
    if (!result.ok || !result.codes) return this.readFailed(result, read);
    const found = read.slot ? result.codes.filter((code) => code.slot === read.slot) : result.codes;
    const held = new Map(found.map((code) => [code.slot, code]));
    const alerts: AlertMessage[] = [];
    const claimed = new Set<number>();
    for (const code of this.activeCodesOn(result.lockId)) {
      if (code.waitingForSlot || (read.slot && code.slot !== read.slot)) continue;
      const there = held.get(code.slot);
      if (code.inFlight || (code.onLock && (await this.driftChecked(code, there, alerts)))) claimed.add(code.slot);
      else if (await this.reservedSlotChecked(code, there)) claimed.add(code.slot);
    }
    this.keepForeign(result.lockId, read.slot, found.filter((code) => !claimed.has(code.slot)).map(foreignCode));
    this.slots.adoptStayKeySlots(result.lockId);
    alerts.push(...this.foreignAlerts(result.lockId, this.data.foreign?.[result.lockId] ?? []));
    return alerts;
  }

  /** A code StayKey put on the lock: drift is repaired as the host would expect. Returns true (its slot is claimed). */
  private async driftChecked(code: CodeEntry, there: ReadCode | undefined, alerts: AlertMessage[]): Promise<boolean> {
    const drift = await this.driftOf(code, there);
    if (!drift) return true;
    this.touchCode(code);
    code.onLock = drift === 'dates' ? datesOf(there!) : undefined;
    if (drift !== 'dates') code.state = 'pending';
    code.failedAt = undefined;
    alerts.push(driftAlert(code, drift, Boolean(code.sealedPin)));
    return true;
  }

  /**
   * A code not yet on the lock whose slot holds something: StayKey's own (a write whose answer was
   * lost, recognised by its PIN) is taken as on the lock; anything else is not StayKey's to overwrite,
   * so the code waits for another slot. Returns true when the slot stays the code's.
   */
  private async reservedSlotChecked(code: CodeEntry, there: ReadCode | undefined): Promise<boolean> {
    if (!there) return true;
    this.touchCode(code);
    if (there.pin !== null && code.sealedPin && this.options.vault.open(there.pin) === this.options.vault.open(code.sealedPin)) {
      code.onLock = there.startsAt && there.endsAt ? datesOf(there) : { startsAt: '', endsAt: '' };
      code.state = 'confirmed';
      code.failedAt = undefined;
      return true;
    }
    code.waitingForSlot = true;
    code.state = 'pending';
    code.failedAt = undefined;
    code.failedAction = undefined;
    return false;
  }

  /** A whole read replaces what is known of a lock's foreign codes; a one-slot read replaces that slot's. */
  private keepForeign(lockId: string, slot: number, found: ForeignCode[]): void {
    const kept = slot ? (this.data.foreign?.[lockId] ?? []).filter((code) => code.slot !== slot) : [];
    (this.data.foreign ??= dictionary())[lockId] = [...kept, ...found].sort((a, b) => a.slot - b.slot);
  }

  private foreignAlerts(lockId: string, foreign: ForeignCode[]): AlertMessage[] {
    const alerts: AlertMessage[] = [];
    const plain = foreign.filter((code) => !code.namedByStayKey).map((code) => code.slot);
    if (plain.length) {
      const text = `Lock ${lockId} holds codes StayKey did not create (slots ${plain.join(', ')}): left alone, and their slots and PINs are not used.`;
      alerts.push(...this.once(`foreign:${lockId}:${plain.join(',')}`, alert('info', 'foreign-codes', text, { lockId })));
    }
    for (const code of foreign.filter((c) => c.namedByStayKey)) {
      const text = `Lock ${lockId} slot ${code.slot} holds a code named "${code.namedByStayKey}" like StayKey's that no code of this pin-issuer holds (an earlier pin-issuer's?). Left alone until a booking of that name takes its slot with a new code; if its stay is over, remove it in the lock's app.`;
      alerts.push(...this.once(`foreign-staykey:${lockId}:${code.slot}:${code.namedByStayKey}`, alert('warning', 'foreign-codes', text, { lockId })));
    }
    return alerts;
  }

  /** A read that failed: the writes it guards wait, unless the lock answered that it cannot be read at all. */
  private readFailed(result: LockResultMessage, read: AnsweredRead): AlertMessage[] {
    const lock = this.lockConfig(result.lockId);
    if (lock && !readsCodes(lock)) {
      const text = `Lock ${lock.name} cannot read its codes back (${result.error ?? result.reason ?? 'the read failed'}): StayKey relies on what the lock accepted.`;
      return this.once(`cannot-read:${lock.id}`, alert('info', 'lock-read', text, { lockId: lock.id }));
    }
    // Stopped before it asked (a redeploy): read again with the next plan, nothing to tell.
    if (result.reason === undefined) return [];
    const what = read.slot ? `slot ${read.slot} before writing to it` : 'its codes';
    const why = result.error ?? result.reason;
    if (this.reader.failed(read.state, result)) {
      const text = `Lock ${result.lockId} could not be read (${why}). StayKey writes its codes without reading the slots first; keep your own codes outside the slots StayKey uses.`;
      return this.once(`unreadable:${result.lockId}`, alert('warning', 'lock-read', text, { lockId: result.lockId }));
    }
    const text = `Could not read ${what} on lock ${result.lockId} (${why}). Codes for it wait; StayKey tries again in ${this.options.retryFailedAfterMinutes ?? 60} min.`;
    return this.once(`read-failed:${result.lockId}:${read.state.failedAt}`, alert('warning', 'lock-read', text, { lockId: result.lockId }));
  }

  /** What the ledger last knew of a lock, as a read would say it (a forecast's locks never change). */
  asLastRead(lockId: string): ReadCode[] {
    const ours = this.activeCodesOn(lockId)
      .filter((code) => code.onLock)
      .map((code) => ({ slot: code.slot, pin: code.sealedPin ?? null, ...(code.onLock!.startsAt ? code.onLock : {}) }) as ReadCode);
    const theirs = (this.data.foreign?.[lockId] ?? []).map((code) => ({ slot: code.slot, pin: code.pin }) as ReadCode);
    return [...ours, ...theirs];
  }

  private async driftOf(code: CodeEntry, held: ReadCode | undefined): Promise<'removed' | 'changed' | 'dates' | undefined> {
    if (!code.onLock) return undefined;
    if (!held) return 'removed';
    if (held.pin !== null) {
      const pin = this.options.vault.open(held.pin);
      const same = code.sealedPin ? this.options.vault.open(code.sealedPin) === pin : code.pinHash ? await this.matchesHash(pin, code.pinHash) : true;
      if (!same) return 'changed';
    }
    // A lock that rounds a code's hours (an offline code) holds them as it said it would.
    const asHonoured = code.honoured !== undefined && sameDates(code.honoured, datesOf(held));
    if (held.startsAt && held.endsAt && !sameDates(code.onLock, datesOf(held)) && !asHonoured) return 'dates';
    return undefined;
  }

  /** A forecast or a season (`quickPins`) takes a hashed PIN as unchanged: bcrypt is not what they measure. */
  private async matchesHash(pin: string, hash: string): Promise<boolean> {
    return this.options.quickPins ? true : pinMatchesHash(pin, hash);
  }
}

function datesOf(code: ReadCode): Period {
  return { startsAt: code.startsAt ?? '', endsAt: code.endsAt ?? '' };
}

/** A code StayKey did not create; one named the way StayKey names codes keeps that name (capped) for the host. */
function foreignCode(code: ReadCode): ForeignCode {
  const foreign: ForeignCode = { slot: code.slot, pin: code.pin };
  if (code.name?.startsWith('SK ')) foreign.namedByStayKey = code.name.slice(0, 40);
  return foreign;
}
