import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '../time/clock';
import { writeFileAtomic } from '../store/atomic-file';
import type { AccessEvent } from './ledger';

const DAY = 24 * 3600_000;

/**
 * Every code event (issued, set, used, wrong PIN, revoked) as one JSON line, kept for a retention
 * period and then deleted. It holds lock, slot and booking id only: no PIN and no guest details, so
 * purging a guest from the ledger leaves nothing personal behind here.
 */
export class AccessLog {
  private lastPrune = 0;

  constructor(
    private readonly file: string,
    private readonly clock: Clock,
    private readonly retentionDays = 90,
  ) {}

  record(event: AccessEvent): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(this.file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
    if (this.clock.now().getTime() - this.lastPrune >= DAY) this.prune();
  }

  /** Drops entries older than the retention period (at most once a day, from `record`). */
  prune(): void {
    this.lastPrune = this.clock.now().getTime();
    const cutoff = this.lastPrune - this.retentionDays * DAY;
    const kept = this.read().filter((event) => Date.parse(event.at) >= cutoff);
    writeFileAtomic(this.file, kept.map((event) => `${JSON.stringify(event)}\n`).join(''));
  }

  read(): AccessEvent[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    // A line cut short by a crash mid-append is skipped, not fatal.
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as AccessEvent];
        } catch {
          return [];
        }
      });
  }
}
