/**
 * Reading text out of a message or a node's settings. Each reader says what counts as text, so a
 * parser picks the one it means instead of keeping its own copy.
 */

/** Text a host or a flow wrote, trimmed; blank, missing or not text: undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Text as given, not trimmed: the value itself is passed on (an id compared with what was sent, a
 * template whose own spaces count). Blank, missing or not text: undefined.
 */
export function givenText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** Text, or a finite number written as text: PMSs and forms send ids and codes as numbers. */
export function textOrNumber(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return text(value);
}

/** A plain object (not an array, not null): the only shape a message's payload or part can have. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each of `keys` is absent or text (a number is text enough); throws naming the field otherwise. */
export function assertTextFields(record: Record<string, unknown>, keys: string[], where: string): void {
  for (const key of keys) {
    const value = record[key];
    if (value === undefined || value === null || typeof value === 'string' || typeof value === 'number') continue;
    throw new Error(`${where}: ${key} must be text`);
  }
}
