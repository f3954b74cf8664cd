import * as path from 'node:path';
import type { LockCommandMessage, LockResultMessage } from '../../lib/messages';
import { AttemptListener, CommandRunner, RunnerResult, sealReadCodes } from '../../lib/locks/command-runner';
import { locksFromRows } from '../../lib/locks/lock-rows';
import { ManualLocks } from '../../lib/locks/manual';
import { LockConfig, LockProvider } from '../../lib/locks/provider';
import type { LockSet, LockSetNode } from '../shared/lock-set';
import { LocksConfigDef, providerFactories } from './providers';
import { clockFor, errorText, numberSetting, RED, staykeyDirectory, vaultFor } from '../shared/runtime';

/** The config node as seen by lock-provider: a lock set, or why there is none. */
interface LocksConfigNode extends LockSetNode {
  problem?: string;
}

/**
 * The lock set the other nodes use. `provider` is the SimulatedLocks or ManualLocks instance itself,
 * so a demo can take a lock offline and a dashboard can list manual tasks.
 */
class RunnerLockSet implements LockSet {
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
    if (result.ok && command.action !== 'read' && this.provider instanceof ManualLocks) {
      this.provider.noteCommand(command.lockId, command.slot, { commandId: command.id, codeId: command.codeId });
    }
    return this.sealed(result);
  }

  /** The runner hands a read's PINs back plain; they leave here sealed, or not at all. */
  private sealed(result: RunnerResult): LockResultMessage {
    const { codes, ...rest } = result;
    if (!codes) return rest;
    return { ...rest, codes: sealReadCodes(codes, this.sealPin) };
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

function buildLockSet(RED: RED, config: LocksConfigDef): RunnerLockSet {
  const locks = locksFromRows(config.locks);
  const vault = vaultFor(RED);
  const file = path.join(staykeyDirectory(RED), 'locks', `${config.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  const seal = (pin: string) => vault.seal(pin);
  const open = (sealed: string) => vault.open(sealed);
  const kind = config.provider || 'simulated';
  const clock = clockFor(RED);
  // The kind is the host's text: `constructor` must not find Object's own function.
  const factory = Object.hasOwn(providerFactories, kind) ? providerFactories[kind] : undefined;
  if (!factory) throw new Error(`"${kind}" is not a lock provider StayKey knows: choose one of ${Object.keys(providerFactories).join(', ')}`);
  const { provider } = factory({ RED, config, locks, clock, file, seal, open });
  // The ledger reads before it writes only where the provider can read codes back.
  for (const lock of locks) lock.codeCheck = provider.codeCheck ?? 'read-back';
  const runner = new CommandRunner(provider, {
    clock,
    maxAttempts: numberSetting(config.maxAttempts, 30),
    baseDelayMs: numberSetting(config.retryDelay, 2) * 1000,
    lockName: (lockId) => locks.find((lock) => lock.id === lockId)?.name,
  });
  return new RunnerLockSet(provider, runner, locks, open, seal);
}

export = function (RED: RED) {
  function LocksConfig(this: LocksConfigNode, config: LocksConfigDef) {
    RED.nodes.createNode(this, config);
    let lockSet: RunnerLockSet | undefined;
    try {
      lockSet = buildLockSet(RED, config);
      this.lockSet = lockSet;
    } catch (err) {
      // Reported here once; every lock-provider using this config shows it too.
      this.problem = `locks config: ${errorText(err)}`;
      this.error(this.problem);
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      if (!lockSet) return done();
      lockSet.close().then(done, done);
    });
  }
  RED.nodes.registerType('staykey-locks', LocksConfig);
};
