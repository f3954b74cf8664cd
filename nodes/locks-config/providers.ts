/**
 * How the locks config node builds each kind of provider. One entry per provider; each provider's
 * own file under lib/locks knows its lock, this table only wires it to what Node-RED gives it.
 */
import type { NodeDef } from 'node-red';
import { ManualLocks } from '../../lib/locks/manual';
import type { LockConfig, LockProvider } from '../../lib/locks/provider';
import { SimulatedLocks } from '../../lib/locks/simulated';
import type { Clock } from '../../lib/time/clock';
import { numberSetting, RED } from '../shared/runtime';
import { zha, zwaveJs } from './provider-ha';
import { nukiFactory } from './provider-nuki';
import { seamFactory } from './provider-seam';
import { ttlockFactory } from './provider-ttlock';
import { zigbee2mqtt } from './provider-z2m';

export interface LocksConfigDef extends NodeDef {
  provider?: string;
  locks?: unknown;
  latency?: string | number;
  failureRate?: string | number;
  drain?: string | number;
  maxAttempts?: string | number;
  retryDelay?: string | number;
  /** Other providers' settings (a Home Assistant server, an MQTT broker, ...). */
  [setting: string]: unknown;
}

export interface ProviderContext {
  RED: RED;
  config: LocksConfigDef;
  locks: LockConfig[];
  clock: Clock;
  /** Where the provider may keep its own state (PINs in it sealed). */
  file: string;
  seal: (pin: string) => string;
  open: (sealed: string) => string;
}

/** How a write is checked (read back, accepted as final, confirmed by the host) is the provider's own `codeCheck`. */
export interface BuiltProvider {
  provider: LockProvider;
}

export type ProviderFactory = (context: ProviderContext) => BuiltProvider;

const simulated: ProviderFactory = ({ config, locks, clock, file, seal, open }) => ({
  provider: new SimulatedLocks({
    locks,
    clock,
    latencyMs: numberSetting(config.latency, 300),
    failureRate: numberSetting(config.failureRate, 0) / 100,
    drainPerOperation: numberSetting(config.drain, 0.2),
    file,
    seal,
    open,
  }),
});

const manual: ProviderFactory = ({ locks, clock, file, seal, open }) => ({
  provider: new ManualLocks({ locks, clock, file, seal, open }),
});

export const providerFactories: Record<string, ProviderFactory> = {
  simulated,
  manual,
  'zwave-js': zwaveJs,
  zha,
  ttlock: ttlockFactory,
  nuki: nukiFactory,
  seam: seamFactory,
  zigbee2mqtt,
};
