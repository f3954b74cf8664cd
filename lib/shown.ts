/**
 * A value from a message as it reads in an error. Messages carry whatever a flow built, and an
 * object whose toString is not a function makes `String(value)` and template strings throw a
 * TypeError: the error meant for the host would become a crash of its own.
 */
export function shown(value: unknown, maxLength = 60): string {
  if (typeof value === 'string') return clip(value, maxLength);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  try {
    return clip(JSON.stringify(value) ?? typeof value, maxLength);
  } catch {
    // A cycle, or a toJSON that throws.
    return Array.isArray(value) ? 'an array' : 'an object';
  }
}

function clip(text: string, maxLength: number): string {
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** What went wrong, as a host reads it: an Error's message, or whatever else was thrown. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
