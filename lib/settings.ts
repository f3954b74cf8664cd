/**
 * How a node's settings are read, as the editor saves them: numbers often arrive as text, and an
 * older flow leaves out what it did not know yet.
 */

/** A number the editor saved as text or number; missing or not a number: `fallback`. */
export function numberSetting(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

/** Hours as `24, 2`: positive numbers only; none left: `fallback`. */
export function hoursSetting(value: unknown, fallback: number[]): number[] {
  const hours = listSetting(value).map(Number).filter((hour) => Number.isFinite(hour) && hour > 0);
  return hours.length ? hours : fallback;
}

/** `a, b, c` as a list, blanks left out; anything but text is an empty list. */
export function listSetting(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}
