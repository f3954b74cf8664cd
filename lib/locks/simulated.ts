import { Clock } from '../time/clock';
import type { SealedPin } from '../pins/vault';
import { cryptoRandom } from './backoff';
import { assertPinAllowed, assertSlotAllowed } from './code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, KeypadEvent, LockConfig, LockError, LockFailureReason, LockProvider, LockStatus } from './provider';
import { loadLocks, saveLocks } from './simulated-file';
import {
  assertNotElsewhere,
  clampBattery,
  codesOf,
  codeThatOpens,
  heldCode,
  isAwake,
  SimulatedLock,
  throwForcedFailure,
  withoutSealed,
} from './simulated-lock';

export interface SimulatedLocksOptions {
  locks: LockConfig[];
  clock: Clock;
  /** How long each radio exchange takes, on `clock`'s time. */
  latencyMs?: number;
  /** Share (0..1) of exchanges that time out, as a weak mesh network does. */
  failureRate?: number;
  /** Battery in percent of a lock seen for the first time. */
  batteryStart?: number;
  /** Percent of battery each set, update or clear that reaches the lock costs. */
  drainPerOperation?: number;
  /** Where the locks' state is kept, so they survive a Node-RED restart as real locks do. */
  file?: string;
  /** Seal and open PINs for `file`: a PIN is never written in plain text. */
  seal?: (pin: string) => SealedPin;
  open?: (sealed: SealedPin) => string;
  /** A number in [0, 1); the operating system's random source unless a test gives one. */
  random?: () => number;
  /**
   * `accepted` plays a lock that cannot read codes back, as ZHA locks: a dry run of how StayKey keeps
   * such codes ("set, not verifiable"). Reading its codes fails, as it does through ZHA.
   */
  codeCheck?: 'read-back' | 'accepted';
}

/** Everything a demo or a test may want to see of one simulated lock. PINs are plain here, in memory only. */
export interface SimulatedLockView {
  lockId: string;
  name: string;
  online: boolean;
  battery: number;
  lastSeenAt?: string;
  codes: CodeOnLock[];
}

interface PendingWait {
  cancel: () => void;
  reject: (err: Error) => void;
}

/**
 * Locks that live in memory (and in a file), for demos and dry runs. They behave like Z-Wave keypads:
 * a slot is overwritten in place, the same PIN cannot sit in two slots, they go offline, answer late,
 * lose battery with each command, and keep their codes across a restart.
 *
 * One lock and its keypad rules are in simulated-lock.ts; keeping them in a file is simulated-file.ts.
 */
export class SimulatedLocks implements LockProvider {
  readonly kind = 'simulated';
  readonly codeCheck: 'read-back' | 'accepted';
  private readonly locks = new Map<string, SimulatedLock>();
  private readonly waits = new Set<PendingWait>();
  private readonly keypadListeners = new Set<(event: KeypadEvent) => void>();
  private readonly clock: Clock;
  private readonly latencyMs: number;
  private readonly failureRate: number;
  private readonly drainPerOperation: number;
  private readonly random: () => number;
  private closed = false;

  constructor(private readonly options: SimulatedLocksOptions) {
    this.codeCheck = options.codeCheck ?? 'read-back';
    if (options.file && (!options.seal || !options.open)) {
      throw new Error('simulated locks kept in a file need seal and open, so PINs are never written in plain text');
    }
    this.clock = options.clock;
    this.latencyMs = Math.max(options.latencyMs ?? 0, 0);
    this.failureRate = Math.min(Math.max(options.failureRate ?? 0, 0), 1);
    this.drainPerOperation = Math.max(options.drainPerOperation ?? 0.2, 0);
    this.random = options.random ?? cryptoRandom;
    const battery = clampBattery(options.batteryStart ?? 100);
    for (const config of options.locks) {
      this.locks.set(config.id, {
        config,
        online: true,
        battery,
        codes: new Map(),
        forcedFailures: { count: 0, reason: 'timeout' },
        ignoredWrites: 0,
      });
    }
    this.load();
  }

  async listLocks(): Promise<LockConfig[]> {
    return [...this.locks.values()].map((lock) => lock.config);
  }

  async status(lockId: string): Promise<LockStatus> {
    const lock = this.lockFor(lockId);
    // An awake lock that answers a status query has been heard from, as a real hub would record.
    if (isAwake(lock) && !lock.silent) this.heardFrom(lock);
    return {
      lockId,
      online: isAwake(lock),
      battery: lock.battery,
      ...(lock.lastSeenAt ? { lastSeenAt: lock.lastSeenAt } : {}),
    };
  }

  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    if (this.codeCheck === 'accepted') throw new LockError(`${lockId}: this lock cannot read codes back`, 'vendor-error', false);
    const lock = await this.reach(lockId, 'read');
    this.heardFrom(lock);
    return codesOf(lock);
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    await this.write(lockId, code);
  }

  /** Z-Wave has no "change": the slot is written again, and that is what the simulation does. */
  /** Without a PIN the slot keeps the one it holds, as vendors do when only the dates change. */
  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    const known = this.locks.get(lockId);
    // A reserved slot is refused as such, not as "empty", whatever it holds.
    if (known) assertSlotAllowed(known.config, code.slot);
    const pin = code.pin ?? known?.codes.get(code.slot)?.pin;
    if (pin === undefined) {
      throw new LockError(`slot ${code.slot} of lock ${lockId} is empty: its code has to be set again`, 'rejected-code', false);
    }
    await this.write(lockId, { ...code, pin });
  }

  async clearCode(lockId: string, slot: number): Promise<void> {
    const lock = await this.reach(lockId, 'write');
    this.spendBattery(lock);
    assertSlotAllowed(lock.config, slot);
    if (this.swallowsWrite(lock)) return this.save();
    lock.codes.delete(slot);
    this.save();
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    this.keypadListeners.add(listener);
    return () => {
      this.keypadListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.keypadListeners.clear();
    for (const wait of this.waits) {
      wait.cancel();
      wait.reject(new LockError('the simulated locks were stopped', 'offline', true));
    }
    this.waits.clear();
  }

  /** The simulation holds its codes in memory: counting them wakes no lock. */
  knownCodeCount(lockId: string): number {
    return this.inspect(lockId).codes.length;
  }

  // --- What a demo or a test can see and do -----------------------------------------------------

  inspect(lockId: string): SimulatedLockView {
    const lock = this.lockFor(lockId);
    return {
      lockId,
      name: lock.config.name,
      online: isAwake(lock),
      battery: lock.battery,
      ...(lock.lastSeenAt ? { lastSeenAt: lock.lastSeenAt } : {}),
      codes: [...lock.codes.values()].sort((a, b) => a.slot - b.slot).map((code) => ({ ...withoutSealed(code) })),
    };
  }

  setOnline(lockId: string, online: boolean): void {
    this.lockFor(lockId).online = online;
    this.save();
  }

  /** The lock stops reporting while its hub still lists it (battery-watch calls it silent after a while). */
  setSilent(lockId: string, silent: boolean): void {
    this.lockFor(lockId).silent = silent;
  }

  setBattery(lockId: string, percent: number): void {
    this.lockFor(lockId).battery = clampBattery(percent);
    this.save();
  }

  /** Someone cleared a slot at the keypad or in the vendor's app, outside StayKey. */
  removeCodeBehindOurBack(lockId: string, slot: number): void {
    this.lockFor(lockId).codes.delete(slot);
    this.save();
  }

  /** Someone keyed a code in at the keypad or in the vendor's app (the owner's code in a reserved slot). */
  addCodeBehindOurBack(lockId: string, code: CodeToSet): void {
    const lock = this.lockFor(lockId);
    lock.codes.set(code.slot, heldCode(lock, code));
    this.save();
  }

  /** The next `count` sets, updates or clears fail with `reason` (transient when a retry could help). */
  failNext(lockId: string, count: number, reason: LockFailureReason = 'timeout'): void {
    this.lockFor(lockId).forcedFailures = { count: Math.max(count, 0), reason };
  }

  /** The next `count` writes are acknowledged but never stored: the Z-Wave keypad that says yes and forgets. */
  ignoreNextWrites(lockId: string, count: number): void {
    this.lockFor(lockId).ignoredWrites = Math.max(count, 0);
  }

  /** Whether typing `pin` on the keypad now opens the door (a scheduled code only opens inside its dates). */
  opens(lockId: string, pin: string): boolean {
    const lock = this.lockFor(lockId);
    if (lock.battery <= 0) return false;
    return codeThatOpens(lock, pin, this.clock.now()) !== undefined;
  }

  /**
   * A guest types `pin` at the keypad: true when the door opens. The lock reports it to `onKeypad`
   * listeners (the slot that opened it, or a failed try without a slot), as Z-Wave and Zigbee locks
   * do. A flat lock neither opens nor reports; an offline one opens (its keypad works without the
   * hub) but the hub never hears of it. What was typed is kept nowhere.
   */
  enterPin(lockId: string, pin: string): boolean {
    const lock = this.lockFor(lockId);
    if (lock.battery <= 0) return false;
    const now = this.clock.now();
    const opened = codeThatOpens(lock, pin, now);
    if (lock.online) {
      this.heardFrom(lock);
      this.report({ lockId, slot: opened ? opened.slot : null, success: opened !== undefined, at: now.toISOString() });
    }
    return opened !== undefined;
  }

  // --- The lock's side of a command -------------------------------------------------------------

  private async write(lockId: string, code: CodeToSet): Promise<void> {
    const lock = await this.reach(lockId, 'write');
    this.spendBattery(lock);
    assertSlotAllowed(lock.config, code.slot);
    assertPinAllowed(lock.config, code.slot, code.pin);
    assertNotElsewhere(lock, code);
    if (this.swallowsWrite(lock)) return this.save();
    lock.codes.set(code.slot, heldCode(lock, code));
    this.save();
  }

  /** Waits out the radio, then fails the way a real lock would: told to, asleep, or lost in the mesh. */
  private async reach(lockId: string, exchange: 'read' | 'write'): Promise<SimulatedLock> {
    const lock = this.lockFor(lockId);
    await this.radio();
    if (exchange === 'write') throwForcedFailure(lock);
    if (!isAwake(lock)) {
      const why = lock.battery <= 0 ? 'its battery is flat' : 'it does not answer';
      throw new LockError(`${lock.config.name} is offline: ${why}`, 'offline', true);
    }
    if (this.failureRate > 0 && this.random() < this.failureRate) {
      throw new LockError(`${lock.config.name} did not answer in time`, 'timeout', true);
    }
    return lock;
  }

  private radio(): Promise<void> {
    if (this.closed) return Promise.reject(new LockError('the simulated locks were stopped', 'offline', true));
    if (this.latencyMs === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const wait: PendingWait = { cancel: () => undefined, reject };
      wait.cancel = this.clock.setTimer(this.latencyMs, () => {
        this.waits.delete(wait);
        resolve();
      });
      this.waits.add(wait);
    });
  }

  private spendBattery(lock: SimulatedLock): void {
    lock.battery = clampBattery(lock.battery - this.drainPerOperation);
    this.heardFrom(lock);
  }

  private heardFrom(lock: SimulatedLock): void {
    lock.lastSeenAt = this.clock.now().toISOString();
  }

  private swallowsWrite(lock: SimulatedLock): boolean {
    if (lock.ignoredWrites <= 0) return false;
    lock.ignoredWrites -= 1;
    return true;
  }

  private report(event: KeypadEvent): void {
    for (const listener of [...this.keypadListeners]) {
      try {
        listener({ ...event });
      } catch {
        // One broken listener must not keep the event from the others.
      }
    }
  }

  private lockFor(lockId: string): SimulatedLock {
    const lock = this.locks.get(lockId);
    if (!lock) throw new LockError(`there is no simulated lock "${lockId}"`, 'unknown-lock', false);
    return lock;
  }

  // --- Keeping state across restarts -----------------------------------------------------------

  private load(): void {
    loadLocks(this.locks, this.options.file, this.options.open);
  }

  private save(): void {
    saveLocks(this.locks, this.options.file, this.options.seal);
  }
}
