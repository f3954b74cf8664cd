/**
 * Turns a feed's bytes into text, and keeps a feed from being bigger than the host allows. One place
 * for both, used by the download, the file read and feeds sent in as messages, so a guest's name reads
 * the same whichever way the feed came in.
 */

/** A feed bigger than this is refused unless the host allows more: a year of a busy PMS is a few MB. */
export const DEFAULT_MAX_FEED_MB = 10;

const MB = 1024 * 1024;

export function megabytes(mb: number): number {
  return Math.round(mb * MB);
}

/** "10 MB", "0.5 MB": the cap as the host set it. */
export function shownMegabytes(bytes: number): string {
  return `${Number((bytes / MB).toFixed(2))} MB`;
}

/** `what` is how the host knows the feed: "feed www.airbnb.com", "feed file /data/room.ics". */
export function feedTooLarge(what: string, maxBytes: number): Error {
  return new Error(
    `${what} is larger than ${shownMegabytes(maxBytes)}; keeping the last good bookings (raise "Largest feed" on the node if the feed really is that big)`,
  );
}

/**
 * Reads chunks until the end, or throws as soon as more than `maxBytes` came: a feed that lies about
 * its size (or gives none) is never held in memory whole.
 */
export async function readCapped(chunks: AsyncIterable<Uint8Array>, maxBytes: number, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > maxBytes) throw feedTooLarge(what, maxBytes);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * Windows-1252 puts letters where Latin-1 has control codes (0x80-0x9F): €, Š, œ, curly quotes.
 * Node 20's TextDecoder('windows-1252') decodes as Latin-1, so these are mapped here.
 */
const WINDOWS_1252_HIGH: Record<number, string> = {
  0x80: '\u20AC', 0x82: '\u201A', 0x83: '\u0192', 0x84: '\u201E', 0x85: '\u2026', 0x86: '\u2020', 0x87: '\u2021',
  0x88: '\u02C6', 0x89: '\u2030', 0x8a: '\u0160', 0x8b: '\u2039', 0x8c: '\u0152', 0x8e: '\u017D',
  0x91: '\u2018', 0x92: '\u2019', 0x93: '\u201C', 0x94: '\u201D', 0x95: '\u2022', 0x96: '\u2013', 0x97: '\u2014',
  0x98: '\u02DC', 0x99: '\u2122', 0x9a: '\u0161', 0x9b: '\u203A', 0x9c: '\u0153', 0x9e: '\u017E', 0x9f: '\u0178',
};

/**
 * UTF-8 when the bytes are valid UTF-8 (with or without a BOM), else Windows-1252, which is what a
 * host's PMS export usually is: "André" stays "André" either way, instead of "Andr\uFFFD".
 */
export function decodeFeed(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes).replace(/[\u0080-\u009F]/g, (char) => WINDOWS_1252_HIGH[char.charCodeAt(0)] ?? char);
  }
}
