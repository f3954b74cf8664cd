import type { LockCommand, LockResultMessage, ReadCode } from '../messages';
import type { SealedPin } from '../pins/vault';
import { Clock } from '../time/clock';
import { backoffDelay, BackoffPolicy, cryptoRandom, defaultBackoff } from './backoff';
import { CodeFromLock, CodeOnLock, LockError, LockFailureReason, LockProvider, NotSentYet, WriteOutcome } from './provider';

export interface CommandRunnerOptions {
  clock: Clock;
  /** Attempts per command before the host is told (default 30). */
  maxAttempts?: number;
  /** The first retry waits up to this long (default 2 s), doubling up to `maxDelayMs` (default 10 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A number in [0, 1) for the jitter; the operating system's random source by default. */
  random?: () => number;
  /**
   * Read the slot back after each command (default: when the provider's codeCheck is `read-back`). Off
   * for manual locks (there is nothing to read until the host confirms, so "ok" means the task reached
   * the host) and for locks that cannot read codes back (ZHA: the accepted command is final).
   */
  readBack?: boolean;
  /** The host's name for a lock, for error sentences. */
  lockName?: (lockId: string) => string | undefined;
}

/** Told after each failed attempt that will be retried: the attempt number and what went wrong. */
export type AttemptListener = (attempt: number, error: string) => void;

/**
 * A result as the runner makes it. A read's PINs are still plain here: the lock set seals them
 * (sealReadCodes) before the result leaves it, so a plain PIN never travels in a message.
 */
export interface RunnerResult extends Omit<LockResultMessage, 'codes' | 'fromLock'> {
  codes?: CodeOnLock[];
  fromLock?: CodeFromLock;
}

type Outcome =
  | { ok: true; confirmed: boolean; codes?: CodeOnLock[]; alreadyHeld?: boolean; unverifiable?: boolean; fromLock?: CodeFromLock; notice?: string }
  | { ok: false; transient: boolean; reason: LockFailureReason; detail: string; heldBackMs?: number };

type Failure = Extract<Outcome, { ok: false }>;

const STOPPED = Symbol('stopped');
/**
 * Waits StayKey imposes on itself cost no attempt, but a provider that holds every request back
 * (a bug) must not keep a command forever: after this many, a held-back request counts.
 */
const MAX_HELD_BACK = 100;

/**
 * Runs commands against one provider the way a careful installer would: one at a time per lock
 * (keypads and mesh networks mishandle overlapping writes), retried with backoff while the lock
 * might still answer, and checked by reading the slot back, because a lock that says "done" has
 * not always done it. A read waits in the same queue, so it sees every write sent before it.
 */
export class CommandRunner {
  readonly maxAttempts: number;
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly readBack: boolean;
  /** The lock cannot read codes back: what it accepted is all anyone can know (`set, not verifiable`). */
  private readonly acceptedIsFinal: boolean;
  private readonly queues = new Map<string, Promise<void>>();
  /** Commands queued or being tried, by command id: a resend of one joins it rather than starting again. */
  private readonly underWay = new Map<string, Promise<RunnerResult>>();
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  constructor(
    readonly provider: LockProvider,
    private readonly options: CommandRunnerOptions,
  ) {
    this.clock = options.clock;
    this.maxAttempts = Math.max(Math.floor(options.maxAttempts ?? 30), 1);
    this.backoff = {
      baseMs: options.baseDelayMs ?? defaultBackoff.baseMs,
      capMs: options.maxDelayMs ?? defaultBackoff.capMs,
      random: options.random ?? cryptoRandom,
    };
    this.readBack = options.readBack ?? (provider.codeCheck ?? 'read-back') === 'read-back';
    this.acceptedIsFinal = provider.codeCheck === 'accepted';
  }

  /**
   * Never rejects: every way a command can end is a result the ledger can record. A command resent
   * while its first sending is still being tried (the pin-issuer resends after 120 minutes without
   * an answer) gets that sending's result: one operation, one series of attempts.
   */
  execute(command: LockCommand, pin: string | undefined, onAttempt?: AttemptListener): Promise<RunnerResult> {
    const running = this.underWay.get(command.id);
    if (running) return running;
    const result = this.enqueue(command, pin, onAttempt);
    this.underWay.set(command.id, result);
    void result.finally(() => {
      if (this.underWay.get(command.id) === result) this.underWay.delete(command.id);
    });
    return result;
  }

  private enqueue(command: LockCommand, pin: string | undefined, onAttempt?: AttemptListener): Promise<RunnerResult> {
    const before = this.queues.get(command.lockId) ?? Promise.resolve();
    const result = before.then(() => this.run(command, pin, onAttempt));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(command.lockId, settled);
    void settled.then(() => {
      if (this.queues.get(command.lockId) === settled) this.queues.delete(command.lockId);
    });
    return result;
  }

  /** Stops waiting: commands still retrying end with a "stopped" result at once. */
  close(): void {
    this.closed = true;
    for (const wake of [...this.sleepers]) wake();
  }

  private async run(command: LockCommand, pin: string | undefined, onAttempt?: AttemptListener): Promise<RunnerResult> {
    const problem = commandProblem(command, pin);
    if (problem) return this.failed(command, 0, problem);
    let last: Failure | undefined;
    let heldBack = 0;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (this.closed) return this.stopped(command, attempt - 1);
      const outcome = await this.attempt(command, pin);
      if (outcome.ok) return succeeded(command, attempt, outcome);
      if (outcome.heldBackMs !== undefined && heldBack++ < MAX_HELD_BACK) {
        // Nothing reached the vendor: wait as long as StayKey holds back, and try the same attempt again.
        if ((await this.sleep(Math.max(outcome.heldBackMs, 1))) === STOPPED) return this.stopped(command, attempt - 1);
        attempt--;
        continue;
      }
      if (!outcome.transient) return this.failed(command, attempt, outcome);
      last = outcome;
      if (attempt === this.maxAttempts) break;
      onAttempt?.(attempt, this.sentence(command, attempt, outcome));
      if ((await this.sleep(backoffDelay(attempt, this.backoff))) === STOPPED) return this.stopped(command, attempt);
    }
    return this.failed(command, this.maxAttempts, last ?? unknownFailure());
  }

  private async attempt(command: LockCommand, pin: string | undefined): Promise<Outcome> {
    try {
      if (command.action === 'read') return { ok: true, confirmed: true, codes: await this.codesAsRead(command) };
      // Without read-back (manual locks) the list holds only what the host confirmed, not what was asked;
      // those providers never ask the host twice for the same code themselves.
      if (command.resent && this.readBack && (await this.alreadyHeld(command, pin))) {
        return { ok: true, confirmed: true, alreadyHeld: true };
      }
      const told = (await this.apply(command, pin)) || {};
      const extra = { ...(told.fromLock ? { fromLock: told.fromLock } : {}), ...(told.notice ? { notice: scrub(told.notice, pin) } : {}) };
      if (!this.readBack) return this.acceptedIsFinal ? { ok: true, confirmed: true, unverifiable: true, ...extra } : { ok: true, confirmed: false, ...extra };
      const codes = await this.slotAsRead(command);
      // A code the lock chose is checked as the lock made it: its PIN, its (perhaps rounded) hours.
      const chosen = told.fromLock;
      const expected = chosen ? { ...command, startsAt: chosen.startsAt, endsAt: chosen.endsAt } : command;
      const disagreement = readBackDisagreement(expected, chosen?.pin ?? pin, codes);
      if (disagreement) return { ok: false, transient: true, reason: 'vendor-error', detail: disagreement };
      return { ok: true, confirmed: true, ...extra };
    } catch (err) {
      const detail = scrub(err instanceof Error ? err.message : String(err), pin);
      if (err instanceof NotSentYet) return { ok: false, transient: true, reason: err.reason, detail, heldBackMs: err.waitMs };
      // Anything that is not a LockError is a surprise (a dropped socket, a bug in a driver): worth another try.
      if (err instanceof LockError) return { ok: false, transient: err.transient, reason: err.reason, detail };
      return { ok: false, transient: true, reason: 'vendor-error', detail };
    }
  }

  /**
   * A resent command may have reached the lock before the restart or the lost answer. Writing it
   * again would spend battery and, on some locks, briefly take the guest's code off; so look first.
   * A masked PIN cannot show the slot holds our code rather than the last guest's: then write.
   */
  private async alreadyHeld(command: LockCommand, pin: string | undefined): Promise<boolean> {
    const codes = await this.slotAsRead(command);
    if (readBackDisagreement(command, pin, codes) !== undefined) return false;
    const held = codes.find((code) => code.slot === command.slot);
    return !(held && held.pin === null && pin !== undefined);
  }

  /** A read of slot 0 reads every slot; a read of one slot (before StayKey first writes it) reads only that. */
  private async codesAsRead(command: LockCommand): Promise<CodeOnLock[]> {
    if (command.slot > 0) return (await this.slotAsRead(command)).filter((code) => code.slot === command.slot);
    return this.provider.listCodes(command.lockId);
  }

  /** The command's slot as the lock holds it: one slot where the provider can read one (a Z-Wave lock), else every code. */
  private async slotAsRead(command: LockCommand): Promise<CodeOnLock[]> {
    if (!this.provider.readSlot) return this.provider.listCodes(command.lockId);
    const held = await this.provider.readSlot(command.lockId, command.slot);
    return held ? [held] : [];
  }

  private apply(command: LockCommand, pin: string | undefined): Promise<void | WriteOutcome> {
    if (command.action === 'clear') return this.provider.clearCode(command.lockId, command.slot);
    const dates = { slot: command.slot, name: command.name, startsAt: command.startsAt, endsAt: command.endsAt };
    // An update may come without the PIN (StayKey keeps only its hash once the guest has it).
    if (command.action === 'update') return this.provider.updateCode(command.lockId, pin ? { ...dates, pin } : dates);
    return this.provider.setCode(command.lockId, { ...dates, pin: pin ?? '' });
  }

  private sleep(ms: number): Promise<typeof STOPPED | void> {
    if (this.closed) return Promise.resolve(STOPPED);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      let cancel: () => void = () => undefined;
      const wake = () => {
        this.sleepers.delete(wake);
        cancel();
        resolve(this.closed ? STOPPED : undefined);
      };
      this.sleepers.add(wake);
      cancel = this.clock.setTimer(ms, wake);
    });
  }

  private failed(command: LockCommand, attempts: number, failure: Failure): RunnerResult {
    return result(command, attempts, {
      ok: false,
      confirmed: false,
      error: this.sentence(command, attempts, failure),
      reason: failure.reason,
    });
  }

  private stopped(command: LockCommand, attempts: number): RunnerResult {
    const what = command.action === 'read' ? 'its codes were read' : `the code in slot ${command.slot} was done`;
    const error = `${this.nameOf(command.lockId)}: StayKey stopped before ${what}; it will be tried again when the flow next runs.`;
    return result(command, attempts, { ok: false, confirmed: false, error });
  }

  /** One sentence for the host: which lock, what happened, what to do. Never the PIN. */
  private sentence(command: LockCommand, attempts: number, failure: Failure): string {
    const lock = this.nameOf(command.lockId);
    const what = command.action === 'read' ? readWhat(command) : `${verbs[command.action]} the code in slot ${command.slot}`;
    const detail = failure.detail.replace(/[.\s]+$/, '');
    const happened = failure.transient
      ? `could not ${what} after ${attempts} attempt${attempts === 1 ? '' : 's'} (${detail})`
      : `refused to ${what} (${detail})`;
    return `${lock} ${happened}. ${advice[failure.reason] ?? advice['vendor-error']}`;
  }

  private nameOf(lockId: string): string {
    return this.options.lockName?.(lockId) ?? lockId;
  }
}

function readWhat(command: LockCommand): string {
  return command.slot > 0 ? `read slot ${command.slot}` : 'read its codes';
}

const verbs: Record<LockCommand['action'], string> = { set: 'set', update: 'update', clear: 'remove', read: 'read' };

const advice: Record<LockFailureReason, string> = {
  offline: "Check the lock's batteries and its connection to the hub; StayKey tries again at the next reconcile.",
  timeout: 'Check the lock is within range of its hub (a repeater may help); StayKey tries again at the next reconcile.',
  busy: 'The lock or hub was busy; StayKey tries again at the next reconcile.',
  'duplicate-code': 'That code is already on this lock in another slot: issue a different code.',
  'slots-full': 'Free a slot on the lock, or widen the slot range in the locks config.',
  'rejected-code': "Check the lock's code length and slot range in the locks config, then issue the code again.",
  'unknown-lock': 'Check the lock id: it must match a lock in the locks config.',
  auth: "Check the lock provider's account or token in the locks config.",
  'vendor-error': "Check the lock in its own app; StayKey tries again at the next reconcile.",
};

/** A code the lock already held was not written again: no attempt was spent on it. */
function succeeded(command: LockCommand, attempt: number, outcome: Extract<Outcome, { ok: true }>): RunnerResult {
  const attempts = outcome.alreadyHeld ? attempt - 1 : attempt;
  return result(command, attempts, {
    ok: true,
    confirmed: outcome.confirmed,
    ...(outcome.unverifiable ? { unverifiable: true } : {}),
    ...(outcome.codes ? { codes: outcome.codes } : {}),
    ...(outcome.fromLock ? { fromLock: outcome.fromLock } : {}),
    ...(outcome.notice ? { notice: outcome.notice } : {}),
  });
}

function result(
  command: LockCommand,
  attempts: number,
  outcome: Pick<RunnerResult, 'ok' | 'confirmed' | 'error' | 'reason' | 'codes' | 'unverifiable' | 'fromLock' | 'notice'>,
): RunnerResult {
  return {
    kind: 'lock-result',
    commandId: command.id,
    codeId: command.codeId,
    lockId: command.lockId,
    action: command.action,
    attempts,
    ...outcome,
  };
}

function commandProblem(command: LockCommand, pin: string | undefined): Failure | undefined {
  if (!verbs[command.action]) return permanent(`"${command.action}" is not set, update, clear or read`);
  if (command.action === 'read') return undefined;
  if (!Number.isInteger(command.slot)) return permanent(`slot ${command.slot} is not a slot number`);
  if (command.action === 'set' && !pin) return permanent('the command carried no code');
  return undefined;
}

function permanent(detail: string): Failure {
  return { ok: false, transient: false, reason: 'rejected-code', detail };
}

function unknownFailure(): Failure {
  return { ok: false, transient: true, reason: 'vendor-error', detail: 'no attempt was made' };
}

/**
 * Why the slot as read back is not what the command asked for, or undefined when it is. A masked PIN
 * (null) counts as confirmed: many locks never reveal a PIN, and the slot being taken with our
 * dates is the best they can tell us.
 */
export function readBackDisagreement(command: LockCommand, pin: string | undefined, codes: CodeOnLock[]): string | undefined {
  const held = codes.find((code) => code.slot === command.slot);
  if (command.action === 'clear') {
    return held ? `slot ${command.slot} still holds a code after the clear` : undefined;
  }
  if (!held) return `slot ${command.slot} was empty when read back`;
  if (held.pin !== null && pin !== undefined && held.pin !== pin) return `slot ${command.slot} holds a different code when read back`;
  if (held.startsAt && !sameInstant(held.startsAt, command.startsAt)) return `slot ${command.slot} has a different start when read back`;
  if (held.endsAt && !sameInstant(held.endsAt, command.endsAt)) return `slot ${command.slot} has a different end when read back`;
  return undefined;
}

function sameInstant(a: string, b: string): boolean {
  return Date.parse(a) === Date.parse(b);
}

/** A read's codes as they may leave the lock set: each PIN sealed, a masked one still null. */
export function sealReadCodes(codes: CodeOnLock[], seal: (pin: string) => SealedPin): ReadCode[] {
  return codes.map((code) => ({
    slot: code.slot,
    ...(code.name !== undefined ? { name: code.name } : {}),
    pin: code.pin === null ? null : seal(code.pin),
    ...(code.startsAt ? { startsAt: code.startsAt } : {}),
    ...(code.endsAt ? { endsAt: code.endsAt } : {}),
  }));
}

/** Drivers sometimes echo what they were sent; the PIN must not reach an error sentence that way. */
function scrub(text: string, pin: string | undefined): string {
  if (!pin) return text;
  return text.split(pin).join('••••');
}
