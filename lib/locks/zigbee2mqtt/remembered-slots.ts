/**
 * The slots StayKey used on each Zigbee2MQTT lock, kept in a file across restarts (slot numbers
 * only, never a PIN), so only those slots are ever read.
 */
import { dictionary } from '../../ids';
import { readJson, writeJsonAtomic } from '../../store/atomic-file';
import type { LockWatch } from './watch';

interface SavedSlots {
  version: 1;
  locks: Record<string, { slots: number[] }>;
}

export function loadRememberedSlots(file: string | undefined, watches: Map<string, LockWatch>): void {
  if (!file) return;
  const saved = readJson<SavedSlots>(file);
  for (const [lockId, entry] of Object.entries(saved?.locks ?? {})) {
    const watch = watches.get(lockId);
    if (!watch || !Array.isArray(entry.slots)) continue;
    for (const slot of entry.slots) {
      if (!Number.isInteger(slot)) continue;
      watch.remembered.add(slot);
      // Unknown since the restart: read each once, when the codes are next asked for.
      watch.stale.add(slot);
    }
  }
}

export function saveRememberedSlots(file: string | undefined, watches: Map<string, LockWatch>): void {
  if (!file) return;
  const locks: SavedSlots['locks'] = dictionary();
  for (const [lockId, watch] of watches) locks[lockId] = { slots: [...watch.remembered].sort((a, b) => a - b) };
  writeJsonAtomic(file, { version: 1, locks } satisfies SavedSlots);
}
