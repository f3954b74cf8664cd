/**
 * battery-watch's memory of what it told the host, in a small JSON file, so a restart (a deploy, an
 * update, a power cut) does not send the morning's alerts again.
 */
import { readJson, writeJsonAtomic } from '../store/atomic-file';
import { emptyMemory, LockMemory, ToldClass, WatchMemory } from './alerts';

const TOLD: ToldClass[] = ['healthy', 'replace-soon', 'critical'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The memory kept in `file`, or an empty one when there is none. A file that cannot be read throws:
 * the caller decides (battery-watch starts afresh and says so, which costs at most a repeated alert).
 */
export function loadMemory(file: string): WatchMemory {
  const saved = readJson<unknown>(file);
  if (saved === undefined) return emptyMemory();
  if (!isRecord(saved) || saved.version !== 1 || !isRecord(saved.locks)) {
    throw new Error(`${file} is not battery-watch's memory`);
  }
  const memory = emptyMemory();
  for (const [lockId, entry] of Object.entries(saved.locks)) {
    const lock = lockMemoryOf(entry);
    if (lock) memory.locks[lockId] = lock;
  }
  return memory;
}

export function saveMemory(file: string, memory: WatchMemory): void {
  writeJsonAtomic(file, memory);
}

/** Keeps what makes sense of one lock's entry, dropping the rest (an entry written by hand, a newer version's field). */
function lockMemoryOf(entry: unknown): LockMemory | undefined {
  if (!isRecord(entry)) return undefined;
  const told = TOLD.includes(entry.told as ToldClass) ? (entry.told as ToldClass) : 'healthy';
  const lock: LockMemory = { told };
  if (isDate(entry.batteryToldOn)) lock.batteryToldOn = entry.batteryToldOn;
  if (typeof entry.unreachableSince === 'string') lock.unreachableSince = entry.unreachableSince;
  if (isDate(entry.unreachableToldOn)) lock.unreachableToldOn = entry.unreachableToldOn;
  if (isDate(entry.backupRemindedOn)) lock.backupRemindedOn = entry.backupRemindedOn;
  return lock;
}

function isDate(value: unknown): value is string {
  return typeof value === 'string' && DATE.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
