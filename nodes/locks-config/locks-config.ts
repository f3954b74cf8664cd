import * as path from 'node:path';
import { locksFromRows } from '../../lib/locks/lock-rows';
import { RunnerLockSet, runnerLockSet } from '../../lib/locks/lock-set';
import type { LockSetNode } from '../shared/lock-set';
import { LocksConfigDef, providerFactories } from './providers';
import { clockFor, errorText, numberSetting, RED, staykeyDirectory, vaultFor } from '../shared/runtime';

/** The config node as seen by lock-provider: a lock set, or why there is none. */
interface LocksConfigNode extends LockSetNode {
  problem?: string;
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
  return runnerLockSet({
    provider,
    locks,
    clock,
    maxAttempts: numberSetting(config.maxAttempts, 30),
    baseDelayMs: numberSetting(config.retryDelay, 2) * 1000,
    seal,
    open,
  });
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
