/**
 * The Home Assistant lock providers (Z-Wave JS and ZHA) as the locks config builds them: the server
 * config node's shared connection, and the locks' entities.
 */
import { entityIdOf } from '../../lib/locks/home-assistant/lock-entities';
import { HaZhaLocks } from '../../lib/locks/home-assistant/zha';
import { HaZwaveJsLocks } from '../../lib/locks/home-assistant/zwave-js';
import type { LockConfig } from '../../lib/locks/provider';
import { haConnectionFor } from '../ha-server/ha-link';
import type { ProviderContext, ProviderFactory } from './providers';

/** Every row names its lock entity, checked before the server's connection is started for them. */
function withEntities(locks: LockConfig[]): LockConfig[] {
  for (const lock of locks) entityIdOf(lock);
  return locks;
}

function clientFor({ RED, config }: ProviderContext, kind: string) {
  return haConnectionFor(RED, config.haServer, `${kind} locks`);
}

export const zwaveJs: ProviderFactory = (context) => ({
  provider: new HaZwaveJsLocks({ locks: withEntities(context.locks), client: clientFor(context, 'Z-Wave JS'), clock: context.clock }),
});

/** ZHA cannot read a code back: an accepted command is final, "set, not verifiable" (see lib/locks/home-assistant/zha.ts). */
export const zha: ProviderFactory = (context) => ({
  provider: new HaZhaLocks({ locks: withEntities(context.locks), client: clientFor(context, 'ZHA'), clock: context.clock }),
});
