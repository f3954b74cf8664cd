/**
 * A season of the simulation (lib/simulation/season.ts) on its ManualClock: units with a door each and
 * a shared gate, guests' bookings read from iCal feeds, date changes, cancellations, locks offline,
 * restarts. It counts what the locks are asked over the season (issue 17): commands per guest booking,
 * and the reads of each slot per day. The wall clock times only the run itself. Unit 3's door is a
 * simulated lock here: the Seam door needs Seam's fake, which lives with the tests.
 */
import { runSeason, SeasonReport } from '../lib/simulation/season';
import { msSince } from './measure';

export interface SeasonSettings {
  units: number;
  bookings: number;
  days: number;
  /** First day of the season (YYYY-MM-DD); the clock starts three days before. */
  start: string;
  seed: number;
}

export interface SeasonResults {
  settings: SeasonSettings;
  /** Wall time of the whole simulation (ms). */
  elapsedMs: number;
  report: SeasonReport;
}

export async function benchSeason(settings: SeasonSettings): Promise<SeasonResults> {
  const started = process.hrtime.bigint();
  const report = await runSeason(settings);
  const elapsedMs = msSince(started);
  checkRan(report);
  return { settings, elapsedMs, report };
}

/** A season that issued or read nothing would score perfectly on nothing: that is no figure. */
function checkRan(report: SeasonReport): void {
  if (report.arrivals === 0 || report.lockCommandsPerBooking === 0) {
    throw new Error(`the season sent no commands for its ${report.bookings} bookings (${report.arrivals} arrivals)`);
  }
  if (report.slotReads && report.slotReads.wholeReads === 0) {
    throw new Error(`the season read none of its ${report.slotReads.locks} locks that read codes back`);
  }
}
