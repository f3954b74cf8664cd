import { applyBatch } from './ledger-changes';
import type { LedgerStore } from './ledger-options';
import { emptyLedger, LedgerData } from './ledger-types';

/**
 * A ledger kept in memory (a season, a test): each batch is applied to a copy, as a file store would
 * replay it, so a change a part made without marking it is missing from the next ledger opened here.
 */
export function memoryLedgerStore(): LedgerStore & { data?: LedgerData } {
  const store: LedgerStore & { data?: LedgerData } = {
    load: () => (store.data ? (JSON.parse(JSON.stringify(store.data)) as LedgerData) : undefined),
    apply: (batch) => applyBatch((store.data ??= emptyLedger()), batch),
  };
  return store;
}
