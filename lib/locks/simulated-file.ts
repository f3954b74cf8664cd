/**
 * Simulated locks kept in a file across restarts, as real locks keep their codes. PINs are sealed
 * before they are written, never in plain text.
 */
import { dictionary } from '../ids';
import type { SealedPin } from '../pins/vault';
import { readJson, writeJsonAtomic } from '../store/atomic-file';
import { clampBattery, HeldCode, SimulatedLock } from './simulated-lock';

interface SavedCode {
  slot: number;
  name: string;
  pin: SealedPin;
  startsAt?: string;
  endsAt?: string;
}

interface SavedLock {
  online: boolean;
  battery: number;
  lastSeenAt?: string;
  codes: SavedCode[];
}

interface SavedState {
  version: 1;
  locks: Record<string, SavedLock>;
}

export function loadLocks(locks: Map<string, SimulatedLock>, file: string | undefined, open: ((sealed: SealedPin) => string) | undefined): void {
  if (!file || !open) return;
  const saved = readJson<SavedState>(file);
  if (!saved) return;
  for (const [lockId, state] of Object.entries(saved.locks ?? {})) {
    const lock = locks.get(lockId);
    if (!lock) continue;
    lock.online = state.online !== false;
    lock.battery = clampBattery(state.battery);
    if (state.lastSeenAt) lock.lastSeenAt = state.lastSeenAt;
    for (const code of state.codes ?? []) {
      lock.codes.set(code.slot, { ...code, pin: open(code.pin), sealed: code.pin });
    }
  }
}

export function saveLocks(locks: Map<string, SimulatedLock>, file: string | undefined, seal: ((pin: string) => SealedPin) | undefined): void {
  if (!file || !seal) return;
  const saved = dictionary<SavedLock>();
  for (const [lockId, lock] of locks) {
    saved[lockId] = {
      online: lock.online,
      battery: lock.battery,
      ...(lock.lastSeenAt ? { lastSeenAt: lock.lastSeenAt } : {}),
      codes: [...lock.codes.values()].map((code) => savedCode(code, seal)),
    };
  }
  const state: SavedState = { version: 1, locks: saved };
  writeJsonAtomic(file, state);
}

function savedCode(code: HeldCode, seal: (pin: string) => SealedPin): SavedCode {
  // Sealed once per code: a new IV on every save would rewrite every PIN for nothing.
  code.sealed ??= seal(code.pin);
  const { sealed, ...rest } = code;
  return { ...rest, pin: sealed };
}
