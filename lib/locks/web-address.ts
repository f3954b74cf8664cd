/** A vendor cloud's address as the host may type it: empty for the vendor's own, else an http(s) address without a trailing slash. */
export function checkedWebAddress(value: string | undefined, vendor: string, standard: string): string {
  const text = (value ?? '').trim() || standard;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`the ${vendor} address "${text}" is not a web address; leave it empty for ${standard}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`the ${vendor} address must start with https:// (got "${text}")`);
  return text.replace(/\/+$/, '');
}

/** A positive setting, else its default. */
export function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
