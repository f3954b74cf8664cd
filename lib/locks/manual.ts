import * as crypto from 'node:crypto';
import { Clock } from '../time/clock';
import { readJson, writeJsonAtomic } from '../store/atomic-file';
import type { AlertMessage } from '../messages';
import type { SealedPin } from '../pins/vault';
import { assertPinAllowed, assertSlotAllowed } from './code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, LockConfig, LockError, LockProvider, LockStatus } from './provider';
import type { HostTasks, ManualAction, ManualTask, TaskListener, TaskReference } from './provider';
import { dictionary } from '../ids';

/** A task as it goes out to the host: an alert with the code attached, sealed, for the notifier to open. */
export interface ManualTaskAlert extends AlertMessage {
  topic: 'manual-task';
  taskId: string;
  slot: number;
  action: ManualAction;
  pin?: SealedPin;
  startsAt?: string;
  endsAt?: string;
}

export function taskAlert(task: ManualTask): ManualTaskAlert {
  return {
    kind: 'alert',
    severity: 'info',
    topic: 'manual-task',
    text: task.text,
    lockId: task.lockId,
    taskId: task.id,
    slot: task.slot,
    action: task.action,
    ...(task.pin ? { pin: task.pin } : {}),
    ...(task.startsAt ? { startsAt: task.startsAt } : {}),
    ...(task.endsAt ? { endsAt: task.endsAt } : {}),
  };
}

export interface ManualLocksOptions {
  locks: LockConfig[];
  clock: Clock;
  /** Tasks carry the PIN sealed; `open` lets a restart compare PINs again (duplicates, repeats). */
  seal: (pin: string) => SealedPin;
  open: (sealed: SealedPin) => string;
  file?: string;
}

export interface ManualLockView {
  lockId: string;
  name: string;
  /** Codes the host confirmed, PINs masked: a manual lock is never read back. */
  codes: CodeOnLock[];
  pending: ManualTask[];
}

interface KeptCode {
  slot: number;
  name: string;
  pin: string;
  sealed: SealedPin;
  startsAt?: string;
  endsAt?: string;
}

interface PendingTask {
  task: ManualTask;
  /** Plain PIN, in memory only, to spot repeats and duplicates. */
  pin?: string;
}

interface ManualLock {
  config: LockConfig;
  confirmed: Map<number, KeptCode>;
  pending: Map<number, PendingTask>;
}

interface SavedCode {
  slot: number;
  name: string;
  pin: SealedPin;
  startsAt?: string;
  endsAt?: string;
}

interface SavedState {
  version: 1;
  locks: Record<string, { codes: SavedCode[]; tasks: ManualTask[] }>;
}

/**
 * Locks without an integration: StayKey tells the host what to key in, and a code counts as on the
 * lock only once the host says it is. A newer task for a slot replaces the older one, since the host
 * only needs to do the latest. Nothing reports keypad use, so there is no `onKeypad`.
 */
export class ManualLocks implements LockProvider {
  readonly kind = 'manual';
  /** The host keys each code in and confirms it: nothing to read back. */
  readonly codeCheck = 'host';
  private readonly locks = new Map<string, ManualLock>();
  private readonly listeners = new Set<TaskListener>();
  /** The host's side of this provider (onTask, pendingTasks, confirm, noteCommand below). */
  readonly hostTasks: HostTasks = this;

  constructor(private readonly options: ManualLocksOptions) {
    for (const config of options.locks) {
      this.locks.set(config.id, { config, confirmed: new Map(), pending: new Map() });
    }
    this.load();
  }

  async listLocks(): Promise<LockConfig[]> {
    return [...this.locks.values()].map((lock) => lock.config);
  }

  /** A manual lock cannot report in; it counts as reachable (through the host) and its battery as unknown. */
  async status(lockId: string): Promise<LockStatus> {
    this.lockFor(lockId);
    return { lockId, online: true, battery: null };
  }

  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    return maskedCodes(this.lockFor(lockId));
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    this.ask(lockId, code);
  }

  /** Without a PIN the host keeps the one keyed in and changes only the dates. */
  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock.config, code.slot);
    const pin = code.pin ?? lock.pending.get(code.slot)?.pin ?? lock.confirmed.get(code.slot)?.pin;
    if (pin === undefined) {
      throw new LockError(`slot ${code.slot} of ${lock.config.name} is empty: its code has to be set again`, 'rejected-code', false);
    }
    this.ask(lockId, { ...code, pin });
  }

  async clearCode(lockId: string, slot: number): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock.config, slot);
    const pending = lock.pending.get(slot);
    if (pending?.task.action === 'clear') return;
    // A slot with nothing confirmed and nothing asked is already empty: clearing it is no work.
    if (!lock.confirmed.has(slot) && !pending) return;
    this.addTask(lock, { slot, action: 'clear' });
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  // --- The host's side ------------------------------------------------------------------------

  onTask(listener: TaskListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pendingTasks(lockId?: string): ManualTask[] {
    const locks = lockId ? [this.lockFor(lockId)] : [...this.locks.values()];
    return locks.flatMap((lock) => [...lock.pending.values()].map((pending) => ({ ...pending.task })));
  }

  /** The codes the host confirmed: a manual lock is never asked. */
  knownCodeCount(lockId: string): number {
    return this.inspect(lockId).codes.length;
  }

  inspect(lockId: string): ManualLockView {
    const lock = this.lockFor(lockId);
    return { lockId, name: lock.config.name, codes: maskedCodes(lock), pending: this.pendingTasks(lockId) };
  }

  /** The host did the task for this slot: from now on the code is on the lock (or gone from it). */
  confirm(lockId: string, slot: number): ManualTask {
    const lock = this.lockFor(lockId);
    const pending = lock.pending.get(slot);
    if (!pending) throw new Error(`nothing is waiting for the host in slot ${slot} of ${lock.config.name}`);
    const { task } = pending;
    if (task.action === 'clear') {
      lock.confirmed.delete(slot);
    } else {
      lock.confirmed.set(slot, keptCode(task, pending.pin ?? this.options.open(task.pin ?? '')));
    }
    lock.pending.delete(slot);
    this.save();
    return { ...task };
  }

  /** Ties the waiting task of a slot to the command that asked for it. */
  noteCommand(lockId: string, slot: number, reference: TaskReference): void {
    const pending = this.lockFor(lockId).pending.get(slot);
    if (!pending) return;
    pending.task.reference = reference;
    this.save();
  }

  // --- Tasks ----------------------------------------------------------------------------------

  private ask(lockId: string, code: CodeToSet): void {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock.config, code.slot);
    assertPinAllowed(lock.config, code.slot, code.pin);
    assertNotElsewhere(lock, code);
    if (alreadyAsked(lock, code)) return;
    const action: ManualAction = lock.confirmed.has(code.slot) ? 'update' : 'set';
    this.addTask(lock, { ...code, action });
  }

  private addTask(lock: ManualLock, request: { slot: number; action: ManualAction } & Partial<CodeToSet>): void {
    const task: ManualTask = {
      id: crypto.randomUUID(),
      lockId: lock.config.id,
      lockName: lock.config.name,
      slot: request.slot,
      action: request.action,
      createdAt: this.options.clock.now().toISOString(),
      text: '',
    };
    if (request.action !== 'clear' && request.pin !== undefined) {
      task.name = request.name;
      task.pin = this.options.seal(request.pin);
      if (lock.config.schedules) {
        task.startsAt = request.startsAt;
        task.endsAt = request.endsAt;
      }
    }
    task.text = taskText(lock, task);
    lock.pending.set(request.slot, { task, pin: request.pin });
    this.save();
    this.tell(task);
  }

  private tell(task: ManualTask): void {
    for (const listener of this.listeners) {
      try {
        listener({ ...task });
      } catch {
        // One broken listener must not stop the task being recorded or others hearing of it.
      }
    }
  }

  private lockFor(lockId: string): ManualLock {
    const lock = this.locks.get(lockId);
    if (!lock) throw new LockError(`there is no manual lock "${lockId}"`, 'unknown-lock', false);
    return lock;
  }

  // --- Keeping state across restarts -----------------------------------------------------------

  private load(): void {
    const { file, open } = this.options;
    if (!file) return;
    const saved = readJson<SavedState>(file);
    if (!saved) return;
    for (const [lockId, state] of Object.entries(saved.locks ?? {})) {
      const lock = this.locks.get(lockId);
      if (!lock) continue;
      for (const code of state.codes ?? []) {
        lock.confirmed.set(code.slot, { ...code, pin: open(code.pin), sealed: code.pin });
      }
      for (const task of state.tasks ?? []) {
        lock.pending.set(task.slot, { task, ...(task.pin ? { pin: open(task.pin) } : {}) });
      }
    }
  }

  private save(): void {
    const { file } = this.options;
    if (!file) return;
    const locks: SavedState['locks'] = dictionary();
    for (const [lockId, lock] of this.locks) {
      locks[lockId] = {
        codes: [...lock.confirmed.values()].map(({ pin: _pin, sealed, ...rest }) => ({ ...rest, pin: sealed })),
        tasks: [...lock.pending.values()].map((pending) => pending.task),
      };
    }
    const state: SavedState = { version: 1, locks };
    writeJsonAtomic(file, state);
  }
}

function keptCode(task: ManualTask, pin: string): KeptCode {
  return {
    slot: task.slot,
    name: task.name ?? '',
    pin,
    sealed: task.pin ?? '',
    ...(task.startsAt ? { startsAt: task.startsAt } : {}),
    ...(task.endsAt ? { endsAt: task.endsAt } : {}),
  };
}

function maskedCodes(lock: ManualLock): CodeOnLock[] {
  return [...lock.confirmed.values()]
    .sort((a, b) => a.slot - b.slot)
    .map((code) => ({
      slot: code.slot,
      name: code.name,
      pin: null,
      ...(code.startsAt ? { startsAt: code.startsAt } : {}),
      ...(code.endsAt ? { endsAt: code.endsAt } : {}),
    }));
}

/** The same code with the same dates, already on the lock or already asked for: no new task. */
function alreadyAsked(lock: ManualLock, code: CodeToSet): boolean {
  const pending = lock.pending.get(code.slot);
  if (pending) return pending.task.action !== 'clear' && pending.pin === code.pin && sameDates(lock, pending.task, code);
  const kept = lock.confirmed.get(code.slot);
  return kept !== undefined && kept.pin === code.pin && sameDates(lock, kept, code);
}

function sameDates(lock: ManualLock, held: { startsAt?: string; endsAt?: string }, code: CodeToSet): boolean {
  if (!lock.config.schedules) return true;
  return held.startsAt === code.startsAt && held.endsAt === code.endsAt;
}

/** The host would be refused at the keypad too: a PIN can open only one slot. */
function assertNotElsewhere(lock: ManualLock, code: CodeToSet): void {
  const clash = (slot: number, pin: string | undefined) => slot !== code.slot && pin === code.pin;
  for (const kept of lock.confirmed.values()) {
    const leaving = lock.pending.get(kept.slot)?.task.action === 'clear';
    if (!leaving && clash(kept.slot, kept.pin)) throw duplicate(lock, code.slot, kept.slot);
  }
  for (const pending of lock.pending.values()) {
    if (clash(pending.task.slot, pending.pin)) throw duplicate(lock, code.slot, pending.task.slot);
  }
}

function duplicate(lock: ManualLock, slot: number, otherSlot: number): LockError {
  return new LockError(`${lock.config.name} already has the code for slot ${slot} in slot ${otherSlot}`, 'duplicate-code', false);
}

function taskText(lock: ManualLock, task: ManualTask): string {
  const where = `slot ${task.slot} of ${lock.config.name}`;
  if (task.action === 'clear') return `Remove the code in ${where}, then confirm it in StayKey.`;
  const verb = task.action === 'update' ? 'Change the code in' : 'Set a code in';
  const guest = task.name ? ` for ${task.name}` : '';
  const dates = task.startsAt && task.endsAt ? `, valid from ${readable(task.startsAt)} to ${readable(task.endsAt)}` : '';
  return `${verb} ${where}${guest}${dates}, then confirm it in StayKey. The code comes with this task, sealed.`;
}

function readable(instant: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
