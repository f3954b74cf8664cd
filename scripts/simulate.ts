/**
 * `npm run simulate`: a month of a 50-unit property on the injectable clock, with date changes,
 * cancellations, same-day turnovers, a shared gate, staff codes and faults; every guest booking comes
 * through its unit's iCal feed, which once serves an empty calendar, once an unreadable event and once
 * drops most of its stays. Unit 3's door is a Seam lock: the real Seam provider against Seam's
 * official fake, started in this process (test/support/season-seam.ts; SEASON_SEAM=0 leaves it a
 * simulated lock). Prints the figures and writes them as JSON to bench-results/season.json.
 * SEASON_UNITS, SEASON_BOOKINGS, SEASON_DAYS and SEASON_SEED change the season.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSeason } from '../lib/simulation/season';
import { seamSeasonDoor } from '../test/support/season-seam';

async function main(): Promise<void> {
  const options = {
    units: Number(process.env.SEASON_UNITS ?? 50),
    bookings: Number(process.env.SEASON_BOOKINGS ?? 400),
    days: Number(process.env.SEASON_DAYS ?? 30),
    start: process.env.SEASON_START ?? '2026-07-01',
    seed: Number(process.env.SEASON_SEED ?? 2026),
  };
  const started = Date.now();
  const report = await runSeason(options, process.env.SEASON_SEAM === '0' ? {} : { seamDoor: seamSeasonDoor });
  const seam = report.seamDoor;
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  const targets = {
    everyArrivalCoveredOrAlerted: report.uncoveredWithoutTimelyAlert === 0,
    codesAliveAfterCheckout: report.codesAliveAfterCheckout === 0,
    lockCommandsPerBookingAtMost4: report.lockCommandsPerBooking <= 4,
    lostOperations: report.lostOperations === 0,
    cancellationsFromBadFeeds: report.cancellationsFromBadFeeds === 0,
    everyRealCancellationCarriedOut: report.cancellationsSeen === report.plannedCancellations,
    zhaDoorCoveredWithoutFalseAlarms: report.zhaDoor.covered === report.zhaDoor.arrivals && report.zhaDoor.notConfirmedAlerts === 0,
    foreignCodesKept: report.foreignCodes.kept === report.foreignCodes.of,
    lockReadAtMostDaily: report.foreignCodes.fewestHoursBetweenReads >= 24,
    slotReadAtMostOnceADay: report.slotReads.mostReadsOfOneSlotInADay <= 1,
    seamDoorCoveredNoDuplicates: !seam || (seam.covered === seam.arrivals && seam.duplicates === 0),
  };
  const result = { options, seconds, report, targets, node: process.version, date: new Date().toISOString() };
  const out = path.join(__dirname, '..', '..', 'bench-results', 'season.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  const rows: [string, string | number, string][] = [
    ['arrivals', report.arrivals, ''],
    ['arrivals with a working code at check-in', report.arrivalsCovered, ''],
    ['arrivals without one', report.arrivalsWithoutCode, ''],
    ['  of which the host was not told in time', report.uncoveredWithoutTimelyAlert, 'target 0'],
    ['codes alive after checkout + buffer (lock online)', report.codesAliveAfterCheckout, 'target 0'],
    ['codes left on a lock offline at checkout', report.codesLeftOnOfflineLocks, 'cleared when back'],
    ['lock commands per booking', report.lockCommandsPerBooking, 'target <= 4'],
    ['lost operations', report.lostOperations, 'target 0'],
    ['restarts', report.restarts, ''],
    ['host alerts', report.alerts, ''],
    ['  feed came back empty (codes kept)', report.feedAlerts.emptyCalendar, ''],
    ['  feed dropped most stays at once (held)', report.feedAlerts.massDisappearance, ''],
    ['  feed event unreadable (stay kept)', report.feedAlerts.unreadableEvent, ''],
    ['cancellations on the channel / seen by the ledger', `${report.plannedCancellations}/${report.cancellationsSeen}`, 'equal'],
    ['cancellations caused by bad feeds', report.cancellationsFromBadFeeds, 'target 0'],
    [`arrivals on ${report.zhaDoor.lockId} (ZHA, no read-back): covered`, `${report.zhaDoor.covered}/${report.zhaDoor.arrivals}`, 'all'],
    ['  its "not confirmed" alarms', report.zhaDoor.notConfirmedAlerts, 'target 0'],
    [`owner's codes kept on ${report.foreignCodes.locks.join(', ')}`, `${report.foreignCodes.kept}/${report.foreignCodes.of}`, 'all'],
    ['  arrivals on door-4: covered', `${report.foreignCodes.covered}/${report.foreignCodes.arrivals}`, ''],
    ['  locks read whole (when linked, then daily)', report.foreignCodes.locksRead, ''],
    ['  fewest hours between two reads of one lock', report.foreignCodes.fewestHoursBetweenReads, 'target >= 24'],
    ['most reads of one slot in any 24 hours', report.slotReads.mostReadsOfOneSlotInADay, 'target <= 1'],
    ['  reads per lock per day (whole or one slot)', report.slotReads.readsPerLockPerDay, ''],
  ];
  if (seam) {
    rows.push(
      [`arrivals on ${seam.lockId} (Seam, via its fake): covered`, `${seam.covered}/${seam.arrivals}`, 'all'],
      ['  access codes created on Seam', seam.created, ''],
      ['  codes changed in place', seam.changedInPlace, ''],
      ['  codes created twice', seam.duplicates, 'target 0'],
      ['  lock commands per booking', seam.commandsPerBooking, 'set + clear: 2'],
    );
  }
  console.log(`StayKey season: ${options.units} units, ${report.bookings} bookings, ${options.days} days (seed ${options.seed}), ${seconds} s`);
  for (const [label, value, note] of rows) console.log(`${label.padEnd(52)} ${String(value).padStart(6)}  ${note}`);
  for (const arrival of report.uncovered) {
    const told = arrival.alertedAt ? `host told ${arrival.hoursAlertedAhead} h ahead` : 'host NOT told';
    console.log(`  ${arrival.bookingId} ${arrival.checkInAt}: ${arrival.problem}; ${told}`);
  }
  console.log(`written to ${path.relative(process.cwd(), out)}`);
  if (Object.values(targets).some((met) => !met)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
