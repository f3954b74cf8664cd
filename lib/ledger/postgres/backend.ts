/** The writer's view of the real database: the lease, the store and the fencing error of this folder. */
import type { PostgresDatabase } from './database';
import { LeaseOptions, PropertyLease } from './lease';
import { FencedError, PostgresLedgerStore } from './store';
import type { PropertyBackend } from './writer';

export function postgresBackend(db: PostgresDatabase, lease: LeaseOptions): PropertyBackend {
  return {
    newLease: () => new PropertyLease(db, lease),
    newStore: (held) => new PostgresLedgerStore(db, lease.property, held),
    ping: async () => {
      await db.query('SELECT 1');
    },
    isFenced: (err) => err instanceof FencedError,
  };
}
