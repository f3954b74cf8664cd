/**
 * A record of every message StayKey tried to send, one JSON line per attempt, so a host can answer
 * "did the guest get their code?". PINs are masked before anything reaches the disk. Records hold
 * guests' addresses and names, so they are deleted after a retention period, like the access log.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../store/atomic-file';
import { maskPins } from './render';

const DAY = 24 * 3600_000;

export type Audience = 'guest' | 'host';

export interface SendAttempt {
  channel: string;
  audience: Audience;
  to?: string;
  subject: string;
  /** The message text; masked here whether or not the caller already did. */
  text: string;
  ok: boolean;
  error?: string;
  bookingId?: string;
  attempt?: number;
}

export interface SendRecord {
  at: string;
  channel: string;
  audience: Audience;
  to?: string;
  subject: string;
  preview: string;
  ok: boolean;
  error?: string;
  bookingId?: string;
  attempt?: number;
}

export class Outbox {
  private lastPrune = 0;

  constructor(
    readonly file: string,
    private readonly retentionDays = 90,
  ) {}

  /** Appends one attempt. `pins` are the plaintext PINs the message held; none of them is written. */
  record(attempt: SendAttempt, pins: readonly string[], at: Date): SendRecord {
    const mask = (text: string) => maskPins(text, pins);
    const record: SendRecord = {
      at: at.toISOString(),
      channel: attempt.channel,
      audience: attempt.audience,
      to: attempt.to,
      subject: mask(attempt.subject),
      preview: mask(attempt.text),
      ok: attempt.ok,
      error: attempt.error === undefined ? undefined : mask(attempt.error),
      bookingId: attempt.bookingId,
      attempt: attempt.attempt,
    };
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    // Guest addresses and stay dates are personal data: owner-only, like the ledger.
    fs.appendFileSync(this.file, JSON.stringify(record) + '\n', { mode: 0o600 });
    if (at.getTime() - this.lastPrune >= DAY) this.prune(at);
    return record;
  }

  /** Deletes the records older than the retention period (from `record` at most once a day, and on the host's timer). */
  prune(now: Date): void {
    this.lastPrune = now.getTime();
    if (!fs.existsSync(this.file)) return;
    const cutoff = now.getTime() - this.retentionDays * DAY;
    const records = readOutbox(this.file);
    const kept = records.filter((record) => Date.parse(record.at) >= cutoff);
    if (kept.length === records.length) return;
    writeFileAtomic(this.file, kept.map((record) => `${JSON.stringify(record)}\n`).join(''));
  }
}

/** Every record in the file, oldest first; a line cut short by a crash is skipped. */
export function readOutbox(file: string): SendRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: SendRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as SendRecord);
    } catch {
      // A kill during an append leaves at most the last line partial.
    }
  }
  return records;
}
