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

/**
 * Z-Wave and Zigbee user codes carry no dates, whatever the row says: the ledger must put a code on
 * when its window opens and take it off when it closes. The rows are the ones the lock set hands out.
 */
function withoutSchedules(locks: LockConfig[]): LockConfig[] {
  for (const lock of locks) {
    lock.schedules = false;
    entityIdOf(lock);
  }
  return locks;
}

function clientFor({ RED, config }: ProviderContext, kind: string) {
  return haConnectionFor(RED, config.haServer, `${kind} locks`);
}

export const zwaveJs: ProviderFactory = (context) => ({
  provider: new HaZwaveJsLocks({ locks: withoutSchedules(context.locks), client: clientFor(context, 'Z-Wave JS'), clock: context.clock }),
});

/** ZHA cannot read a code back: an accepted command is final, "set, not verifiable" (see lib/locks/home-assistant/zha.ts). */
export const zha: ProviderFactory = (context) => ({
  provider: new HaZhaLocks({ locks: withoutSchedules(context.locks), client: clientFor(context, 'ZHA'), clock: context.clock }),
});
