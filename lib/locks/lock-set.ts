/**
 * One provider and the locks it drives, as the nodes share them: pin-issuer reads the locks' rules,
 * lock-provider runs commands, battery-watch reads batteries, all through the same provider instance
 * (so a simulated lock is one lock, whoever looks at it).
 */
import type { LockCommandMessage, LockResultMessage } from '../messages';
import type { Clock } from '../time/clock';
import { AttemptListener, CommandRunner, RunnerResult, sealReadCodes } from './command-runner';
import type { LockConfig, LockProvider } from './provider';

export interface LockSet {
  readonly provider: LockProvider;
  /** Attempts per command before the host is told. */
  readonly maxAttempts: number;
  /** The locks as configured (rules, slots, whether they keep schedules). */
  locks(): LockConfig[];
  lock(lockId: string): LockConfig | undefined;
  /**
   * Runs one command: serialised per lock, retried with backoff, confirmed by read-back.
   * Resolves with the result (never rejects); `onAttempt` reports retries for status text.
   */
  execute(message: LockCommandMessage, onAttempt?: (attempt: number, error: string) => void): Promise<LockResultMessage>;
}

export interface LockSetOptions {
  provider: LockProvider;
  /** The lock rows the provider was built with; they take on what the provider says of its locks. */
  locks: LockConfig[];
  clock: Clock;
  maxAttempts: number;
  baseDelayMs: number;
  seal: (pin: string) => string;
  open: (sealed: string) => string;
}

/** A lock set over a provider: its locks learn what the provider says of every lock it drives. */
export function runnerLockSet(options: LockSetOptions): RunnerLockSet {
  const { provider, locks, clock, open, seal } = options;
  for (const lock of locks) {
    // The ledger reads before it writes only where the provider can read codes back.
    lock.codeCheck = provider.codeCheck ?? 'read-back';
    if (provider.schedules === false) lock.schedules = false;
  }
  const runner = new CommandRunner(provider, {
    clock,
    maxAttempts: options.maxAttempts,
    baseDelayMs: options.baseDelayMs,
    lockName: (lockId) => locks.find((lock) => lock.id === lockId)?.name,
  });
  return new RunnerLockSet(provider, runner, locks, open, seal);
}

/**
 * The lock set the other nodes use. `provider` is the SimulatedLocks or ManualLocks instance itself,
 * so a demo can take a lock offline and a dashboard can list manual tasks.
 */
export class RunnerLockSet implements LockSet {
  constructor(
    readonly provider: LockProvider,
    private readonly runner: CommandRunner,
    private readonly configured: LockConfig[],
    private readonly openPin: (sealed: string) => string,
    private readonly sealPin: (pin: string) => string,
  ) {}

  get maxAttempts(): number {
    return this.runner.maxAttempts;
  }

  locks(): LockConfig[] {
    return this.configured;
  }

  lock(lockId: string): LockConfig | undefined {
    return this.configured.find((lock) => lock.id === lockId);
  }

  async execute(message: LockCommandMessage, onAttempt?: AttemptListener): Promise<LockResultMessage> {
    const { command } = message;
    let pin: string | undefined;
    try {
      // A read carries no code; one sent along anyway is not opened.
      pin = command.pin && command.action !== 'read' ? this.openPin(command.pin) : undefined;
    } catch (err) {
      return unopenedPin(message, this.lock(command.lockId)?.name ?? command.lockId, err);
    }
    const result = await this.runner.execute(command, pin, onAttempt);
    if (result.ok && command.action !== 'read') {
      this.provider.hostTasks?.noteCommand(command.lockId, command.slot, { commandId: command.id, codeId: command.codeId });
    }
    return this.sealed(result);
  }

  /** The runner hands a read's PINs (and a PIN the lock chose) back plain; they leave here sealed, or not at all. */
  private sealed(result: RunnerResult): LockResultMessage {
    const { codes, fromLock, ...rest } = result;
    const message: LockResultMessage = rest;
    if (codes) message.codes = sealReadCodes(codes, this.sealPin);
    if (fromLock) message.fromLock = { ...fromLock, pin: this.sealPin(fromLock.pin) };
    return message;
  }

  async close(): Promise<void> {
    this.runner.close();
    await this.provider.close();
  }
}

function unopenedPin(message: LockCommandMessage, lockName: string, err: unknown): LockResultMessage {
  const { command } = message;
  return {
    kind: 'lock-result',
    commandId: command.id,
    codeId: command.codeId,
    lockId: command.lockId,
    action: command.action,
    ok: false,
    confirmed: false,
    attempts: 0,
    reason: 'rejected-code',
    error: `${lockName}: the code for slot ${command.slot} could not be unsealed (${errorText(err)}); issue a new code.`,
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
