/**
 * A season on the injectable clock (issue "Never locked out"): 30+ bookings on several simulated
 * locks, some keeping schedules and some not, a shared gate, staff codes, a lock offline early and
 * late, a battery dying, a vendor outage and restarts. Every guest has a working code at check-in,
 * or the host was told in time.
 */
import { strict as assert } from 'node:assert';
import { runSeason, SeasonReport } from '../lib/simulation/season';
import { seasonPlan } from '../lib/simulation/season-plan';

const options = { units: 6, bookings: 36, days: 30, start: '2026-07-01', seed: 7 };

describe('a simulated season', function () {
  this.timeout(120_000);
  let report: SeasonReport;

  before(async () => {
    report = await runSeason(options);
  });

  it('has the faults hosts meet', () => {
    const kinds = seasonPlan(options).events.map((event) => event.kind);
    for (const kind of ['offline', 'battery', 'restart', 'change', 'cancel']) assert.ok(kinds.includes(kind as never), kind);
  });

  it('has 30 or more arrivals on locks with and without schedules', () => {
    assert.ok(report.arrivals >= 30, `${report.arrivals} arrivals`);
    const plan = seasonPlan(options);
    assert.ok(plan.locks.some((lock) => lock.schedules) && plan.locks.some((lock) => !lock.schedules));
  });

  it('gives every guest a working code at check-in, or tells the host in time', () => {
    assert.equal(report.uncoveredWithoutTimelyAlert, 0, JSON.stringify(report.uncovered, null, 1));
    for (const arrival of report.uncovered) assert.ok(arrival.alertInTime, arrival.bookingId);
  });

  it('tells the host a day ahead of the guest whose lock battery dies', () => {
    const dead = report.uncovered.find((arrival) => /no working code/.test(arrival.problem ?? ''));
    assert.ok(dead, 'the dying battery strands one guest, as it would in life');
    assert.ok((dead.hoursAlertedAhead ?? 0) >= 24, JSON.stringify(dead));
  });

  it('loses nothing across restarts and leaves no code on an online lock after checkout', () => {
    assert.equal(report.lostOperations, 0);
    assert.equal(report.codesAliveAfterCheckout, 0);
    assert.ok(report.restarts >= 2);
  });
});
