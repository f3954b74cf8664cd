import { dictionary } from '../ids';
import type { LedgerBatch, LedgerChange, LedgerRecordKind } from './ledger-options';
import type { LedgerData } from './ledger-types';

/** The ledger's dictionary that holds each kind of record. */
export const HOLDER: Record<LedgerRecordKind, 'bookings' | 'codes' | 'foreign' | 'reads' | 'lastUse'> = {
  booking: 'bookings',
  code: 'codes',
  foreign: 'foreign',
  reads: 'reads',
  lastUse: 'lastUse',
};

/** Every kind of record a batch may name (a journal line naming another is no ledger change). */
export const RECORD_KINDS: ReadonlySet<string> = new Set(Object.keys(HOLDER));

/**
 * The records touched since the last save, by kind and id. Parts mark what they change; a save writes
 * those records as they now are (a record gone from the ledger is written as gone), nothing else.
 */
export class LedgerChanges {
  private readonly touched = new Map<LedgerRecordKind, Set<string>>();

  touch(kind: LedgerRecordKind, id: string): void {
    let ids = this.touched.get(kind);
    if (!ids) this.touched.set(kind, (ids = new Set()));
    ids.add(id);
  }

  get any(): boolean {
    return this.touched.size > 0;
  }

  /** The batch that brings a store from the last save to `data`, and a fresh start for the next. */
  take(data: LedgerData): LedgerBatch {
    const changes: LedgerChange[] = [];
    for (const [kind, ids] of this.touched) {
      const holder = data[HOLDER[kind]] as Record<string, unknown> | undefined;
      for (const id of ids) changes.push(holder?.[id] === undefined ? { kind, id } : { kind, id, value: holder[id] });
    }
    this.touched.clear();
    return { changes, commandSeq: data.commandSeq };
  }
}

/**
 * Applies a batch to a ledger (a journal replayed over its snapshot, a memory store). Values are copied
 * through JSON, as a file would hold them, so the ledger and its copy never share an object.
 */
export function applyBatch(data: LedgerData, batch: LedgerBatch, copy = true): void {
  for (const change of batch.changes) {
    const key = HOLDER[change.kind];
    if (change.value === undefined) {
      if (data[key]) delete data[key]![change.id];
      continue;
    }
    const holder = (data[key] ??= dictionary()) as Record<string, unknown>;
    holder[change.id] = copy ? JSON.parse(JSON.stringify(change.value)) : change.value;
  }
  data.commandSeq = batch.commandSeq;
}
