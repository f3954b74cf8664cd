/**
 * Ids from outside (a feed's UID, a PMS's reservation id, a lock id, a unit or slot name, a flag) are
 * data. Used as a key of a plain object, `__proto__` reaches Object.prototype and `constructor` finds a
 * function where a record was expected, for the whole Node-RED process. So every keyed record of
 * outside ids is a Map or a dictionary without a prototype, and these three names are refused at each
 * node's edge with an error a host can act on.
 */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

export function isReservedId(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const trimmed = value.trim();
  // Every reserved name is 9 to 11 characters: most ids are told apart without hashing them.
  return trimmed.length >= 9 && trimmed.length <= 11 && RESERVED.has(trimmed);
}

/** The id as given; throws naming the field when it is one of the names JavaScript keeps for itself. */
export function checkId<T>(value: T, field: string): T {
  if (isReservedId(value)) {
    throw new Error(`${field} "${String(value).trim()}" cannot be used: __proto__, constructor and prototype are reserved names, not ids`);
  }
  return value;
}

/** An empty record keyed by outside ids: no prototype, so no key reaches Object.prototype or finds a method. */
export function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The same entries in a dictionary (a record read back from a file or a message is a plain object). */
export function dictionaryOf<T>(from: Record<string, T> | undefined | null): Record<string, T> {
  const copy = dictionary<T>();
  if (!from || typeof from !== 'object') return copy;
  for (const key of Object.keys(from)) copy[key] = from[key];
  return copy;
}
