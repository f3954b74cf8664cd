/** Turns the results into the printed table (figure, baseline, ratio, target, met). */
import type { EventLoopResults, DelayFigure } from './event-loop';
import type { FeedResults } from './feeds';
import type { JournalResults, JournalSizeResult } from './journal';
import type { LedgerMemoryResults } from './ledger-memory';
import type { RedStartResults } from './red-start';
import type { RevokeFigure, RevokeResults } from './revoke';
import type { SeasonResults } from './season';
import type { VendorResults } from './vendor';
import type { ReconcileResults, ReconcileSizeResult, ScalingFigure } from './reconcile';
import type { PostgresSizeResult } from './reconcile-postgres';

export interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  /** null for figures shown for context, without a target. */
  met: boolean | null;
}

export const TARGETS = {
  feedRatio: 1,
  /** Issue 17: ingest + diff within 1.5x ical.js's own parse of the same text. */
  feedIcalRatio: 1.5,
  feedLinearity: 4.4,
  /** Issue 17: a feed built to trip the readers ingests within 2x of a normal one. */
  feedHostileRatio: 2,
  reconcileRatio: 3,
  reconcileScaling: 11,
  /** What the pin-issuer does after each reconcile, against the reconcile itself. */
  followUpRatio: 1,
  eventLoopP99Ms: 10,
  /** Issue 17: what StayKey adds to a cancellation's revoke: all of it at lock latency 0, else the time over the latency. */
  revokeOwnMs: 100,
  /** Issue 17: heap of a loaded ledger per booking, its code included (KB of 1,024 bytes). */
  ledgerHeapPerBookingKB: 2,
  /** Issue 17: commands to locks per guest booking over a season (a set and a clear on a door and a gate make 4). */
  lockCommandsPerBooking: 4,
  /** Issue 17: drift checks read any one slot at most once a day (any 24 hours). */
  slotReadsPerDay: 1,
};

export function feedRows(feeds: FeedResults): Row[] {
  const rows: Row[] = [];
  for (const size of feeds.sizes) {
    rows.push({
      figure: `feed poll + diff, ${count(size.events)} events (last fetch remembered)`,
      value: `${ms(size.pollAndDiff.medianMs)} (diff ${ms(size.diffOnly.medianMs)})`,
      baseline: `ICAL.parse ${ms(size.icalParse.medianMs)}`,
      ratio: times(size.pollIcalRatio),
      target: `<= ${TARGETS.feedIcalRatio}x`,
      met: size.pollIcalRatio <= TARGETS.feedIcalRatio,
    });
    rows.push({
      figure: `feed poll + diff, ${count(size.events)} events (last fetch remembered)`,
      value: ms(size.pollAndDiff.medianMs),
      baseline: `node-ical ${ms(size.nodeIcal.medianMs)}`,
      ratio: times(size.ratio),
      target: `< ${TARGETS.feedRatio}x`,
      met: size.ratio < TARGETS.feedRatio,
    });
    rows.push({
      figure: `feed first read + diff, ${count(size.events)} events (nothing remembered)`,
      value: `${ms(size.ingestAndDiff.medianMs)} (read ${ms(size.parseOnly.medianMs)})`,
      baseline: `ICAL.parse ${ms(size.icalParse.medianMs)}`,
      ratio: times(size.icalRatio),
      target: `<= ${TARGETS.feedIcalRatio}x`,
      met: size.icalRatio <= TARGETS.feedIcalRatio,
    });
    rows.push({
      figure: `hostile feed first read, ${count(size.events)} events (${mb(size.hostile.bytes)}, ${times(size.hostile.bytes / size.bytes)} the bytes)`,
      value: `${ms(size.hostile.ingest.medianMs)} (ICAL.parse ${ms(size.hostile.icalParse.medianMs)})`,
      baseline: `normal first read ${ms(size.parseOnly.medianMs)}`,
      ratio: times(size.hostile.ratio),
      target: `<= ${TARGETS.feedHostileRatio}x`,
      met: size.hostile.ratio <= TARGETS.feedHostileRatio,
    });
  }
  const { ratio, firstReadRatio, sizeRatio, diffRatio, icalParseRatio } = feeds.linearity;
  rows.push({
    figure: `feed linearity, ${sizeRatio}x the events`,
    value: `poll ${times(ratio)} (first read ${times(firstReadRatio)}, diff alone ${times(diffRatio)})`,
    baseline: `ICAL.parse ${times(icalParseRatio)}`,
    ratio: '-',
    target: `<= ${TARGETS.feedLinearity}x (${sizeRatio}x = linear)`,
    // Scored on the poll, the ingest of every interval; a first read is mostly ICAL.parse, which itself grows faster.
    met: ratio <= TARGETS.feedLinearity,
  });
  return rows;
}

/** PostgreSQL beside the file store: context for a host choosing a store, no target (issue 18). */
export function postgresRows(sizes: PostgresSizeResult[]): Row[] {
  return sizes.flatMap((size) => [
    {
      figure: `open the ledger, ${count(size.locks)} locks: PostgreSQL`,
      value: ms(size.postgres.open.medianMs),
      baseline: `file ${ms(size.file.open.medianMs)}`,
      ratio: times(size.postgres.open.medianMs / size.file.open.medianMs),
      target: '-',
      met: null,
    },
    {
      figure: `reconcile 10% changed, ${count(size.locks)} locks: PostgreSQL`,
      value: ms(size.postgres.changed.medianMs),
      baseline: `file ${ms(size.file.changed.medianMs)}`,
      ratio: times(size.changedRatio),
      target: '-',
      met: null,
    },
  ]);
}

export function reconcileRows(results: ReconcileResults): Row[] {
  const rows = results.sizes.map(sizeRow);
  for (const size of results.sizes) if (size.followUp && size.reconcile) rows.push(followUpRow(size));
  for (const scaling of results.scaling) rows.push(scalingRow(scaling));
  return rows;
}

function sizeRow(size: ReconcileSizeResult): Row {
  const figure = `reconcile ${size.scenario === 'steady' ? 'steady state' : '10% changed'}, ${count(size.locks)} locks${size.probe ? ' (probe)' : ''}`;
  const baseline = size.jsonParse ? `JSON.parse ${ms(size.jsonParse.medianMs)}` : '-';
  const target = size.probe ? '-' : `<= ${TARGETS.reconcileRatio}x`;
  if (size.error) return { figure, value: `error: ${size.error}`, baseline, ratio: '-', target, met: size.probe ? null : false };
  if (size.skipped) return { figure, value: 'not run (steady state ran out of time)', baseline, ratio: '-', target, met: size.probe ? null : false };
  if (!size.reconcile || size.ratio === undefined) {
    const atLeast = size.timedOut?.atLeastMs;
    const parse = size.jsonParse?.medianMs;
    return {
      figure,
      value: atLeast === undefined ? 'stopped before a reconcile began' : `> ${ms(atLeast)} (stopped)`,
      baseline,
      ratio: parse && atLeast !== undefined ? `> ${times(atLeast / parse)}` : '-',
      target,
      met: size.probe ? null : false,
    };
  }
  const save = size.saveMs ? ` (save ${ms(size.saveMs)})` : '';
  const partial = size.timedOut ? ` (${size.reconcile.runsMs.length} run(s), then stopped)` : '';
  return {
    figure,
    value: `${ms(size.reconcile.medianMs)}${save}${partial}`,
    baseline,
    ratio: times(size.ratio),
    target,
    met: size.probe ? null : size.ratio <= TARGETS.reconcileRatio,
  };
}

/** Lock summaries, counts and the next wake-up, which follow every reconcile: never dearer than the reconcile. */
function followUpRow(size: ReconcileSizeResult): Row {
  const ratio = size.followUp!.medianMs / size.reconcile!.medianMs;
  return {
    figure: `after each reconcile: lock summaries, counts, next wake-up, ${count(size.locks)} locks${size.probe ? ' (probe)' : ''}`,
    value: ms(size.followUp!.medianMs),
    baseline: `steady reconcile ${ms(size.reconcile!.medianMs)}`,
    ratio: times(ratio),
    target: size.probe ? '-' : `<= ${TARGETS.followUpRatio}x`,
    met: size.probe ? null : ratio <= TARGETS.followUpRatio,
  };
}

function scalingRow(scaling: ScalingFigure): Row {
  const exponent = scaling.exponent === undefined ? '' : `; time ~ locks^${scaling.exponent}`;
  const trend = scaling.estimatedMs === undefined ? '' : `; ${ms(scaling.estimatedMs)} at ${count(scaling.toLocks)} by the trend`;
  const measured = Number.isFinite(scaling.ratio) ? `${scaling.atLeast ? '> ' : ''}${times(scaling.ratio)}` : 'not measured';
  const withoutSave = scaling.withoutSaveRatio && scaling.withoutSaveRatio !== scaling.ratio ? `; ${times(scaling.withoutSaveRatio)} less the save` : '';
  const value = `${measured}${withoutSave}${exponent}${trend}`;
  return {
    figure: `reconcile scaling ${scaling.scenario === 'steady' ? 'steady' : '10% changed'}, ${count(scaling.toLocks)} / ${count(scaling.fromLocks)} locks`,
    value,
    baseline: scaling.baselineRatio === undefined ? '-' : `JSON.parse ${times(scaling.baselineRatio)}`,
    ratio: '-',
    target: `<= ${TARGETS.reconcileScaling}x`,
    met: !scaling.atLeast && Number.isFinite(scaling.ratio) && scaling.ratio <= TARGETS.reconcileScaling,
  };
}

/**
 * The journal's load and compaction beside what the docs compare them with (JSON.parse of the ledger as
 * one text; a whole-ledger save as before the journal). Context figures: no target.
 */
export function journalRows(results: JournalResults): Row[] {
  return results.sizes.flatMap((size) => [loadFullRow(size), loadCompactedRow(size), compactionRow(size)]);
}

function loadFullRow(size: JournalSizeResult): Row {
  const figure = `ledger load, journal nearly full, ${count(size.locks)} locks`;
  const { loadFull, jsonParse, files } = size;
  if (size.error || !loadFull || !jsonParse || !files) return journalErrorRow(figure, size);
  const journal = `journal ${mb(files.journalBytes)}: ${count(files.journalRecords)} saves, ${count(files.journalChanges)} records`;
  return {
    figure,
    value: `${ms(loadFull.medianMs)} (snapshot ${mb(files.snapshotBytes)}, ${count(files.snapshotRecords)} records + ${journal}; cache warm)`,
    baseline: `JSON.parse ${ms(jsonParse.medianMs)}`,
    ratio: times(loadFull.medianMs / jsonParse.medianMs),
    target: '-',
    met: null,
  };
}

function loadCompactedRow(size: JournalSizeResult): Row {
  const figure = `ledger load, just compacted, ${count(size.locks)} locks`;
  const { loadCompacted, jsonParse, files } = size;
  if (size.error || !loadCompacted || !jsonParse || !files) return journalErrorRow(figure, size);
  return {
    figure,
    value: `${ms(loadCompacted.medianMs)} (snapshot ${mb(files.compactedBytes)}, journal empty; cache warm)`,
    baseline: `JSON.parse ${ms(jsonParse.medianMs)}`,
    ratio: times(loadCompacted.medianMs / jsonParse.medianMs),
    target: '-',
    met: null,
  };
}

function compactionRow(size: JournalSizeResult): Row {
  const figure = `ledger compaction, ${count(size.locks)} locks`;
  const { compaction, wholeSave, files } = size;
  if (size.error || !compaction || !wholeSave || !files) return journalErrorRow(figure, size);
  return {
    figure,
    value: `${ms(compaction.medianMs)} (${mb(files.compactedBytes)} written atomically, fsync included)`,
    baseline: `whole save before the journal ${ms(wholeSave.medianMs)}`,
    ratio: times(compaction.medianMs / wholeSave.medianMs),
    target: '-',
    met: null,
  };
}

function journalErrorRow(figure: string, size: JournalSizeResult): Row {
  return { figure, value: `error: ${size.error ?? 'not measured'}`, baseline: '-', ratio: '-', target: '-', met: null };
}

export function eventLoopRows(results: EventLoopResults): Row[] {
  return [delayRow('via the ledger', results.ledger), delayRow('hashed all at once', results.direct)];
}

function delayRow(how: string, delay: DelayFigure): Row {
  const issue = delay.phasesMs ? `, issuing ${ms(delay.phasesMs.issue)}` : '';
  return {
    figure: `event-loop delay p99, ${count(delay.pins)} PINs ${how}`,
    value: `${ms(delay.p99Ms)} (p50 ${delay.p50Ms}, max ${delay.maxMs}${issue}; ${(delay.elapsedMs / 1000).toFixed(1)} s)`,
    baseline: '-',
    ratio: '-',
    target: `< ${TARGETS.eventLoopP99Ms} ms`,
    met: delay.p99Ms < TARGETS.eventLoopP99Ms,
  };
}

/** The ratio is what issue 7 asked for; issue 17 sets a target on StayKey's own part: the time over the lock's latency. */
export function revokeRows(results: RevokeResults): Row[] {
  return results.figures.map(revokeRow);
}

function revokeRow(figure: RevokeFigure): Row {
  const over = figure.latencyMs > 0 ? `+${ms(figure.overheadMs)} over the lock; ` : '';
  return {
    figure: `cancellation to revoke, lock latency ${figure.latencyMs} ms`,
    value: `${ms(figure.medianMs)} (${over}min ${ms(figure.minMs)}, max ${ms(figure.maxMs)}; ${figure.runsMs.length} runs)`,
    baseline: `lock latency ${ms(figure.latencyMs)}`,
    ratio: figure.ratio === undefined ? `+${ms(figure.overheadMs)}` : times(figure.ratio),
    target: figure.latencyMs > 0 ? `< ${TARGETS.revokeOwnMs} ms over the lock` : `< ${TARGETS.revokeOwnMs} ms`,
    met: figure.overheadMs < TARGETS.revokeOwnMs,
  };
}

export function vendorRows(results: VendorResults): Row[] {
  return [
    {
      figure: `${count(results.writes)} TTLock writes, ${results.locks} locks, ${results.latencyMs} ms double`,
      value: `${ms(results.medianMs)} (${results.requests} requests; ${ms(results.floorMs)} at 0 ms)`,
      baseline: `ideal ${ms(results.idealMs)} (${results.concurrency} at once)`,
      ratio: times(results.ratio),
      target: '-',
      met: null,
    },
  ];
}

export function ledgerMemoryRows(results: LedgerMemoryResults): Row[] {
  return [
    {
      figure: `ledger heap per booking, ${count(results.bookings)} bookings`,
      value: `${kb(results.ledgerBytesPerBooking)} (${mb(results.ledgerHeap)} in all)`,
      baseline: `JSON.parse ${kb(results.jsonBytesPerBooking)}`,
      ratio: times(results.ratio),
      target: `<= ${TARGETS.ledgerHeapPerBookingKB} KB`,
      met: results.ledgerBytesPerBooking <= TARGETS.ledgerHeapPerBookingKB * 1024,
    },
  ];
}

export function seasonRows(results: SeasonResults): Row[] {
  return [lockCommandsRow(results), slotReadsRow(results)];
}

function lockCommandsRow({ settings, report }: SeasonResults): Row {
  return {
    figure: `lock commands per booking (season of ${count(report.bookings)} bookings, ${settings.days} days)`,
    value: `${report.lockCommandsPerBooking} (guests' set, update, clear; ${settings.units} doors and a gate)`,
    baseline: '-',
    ratio: '-',
    target: `<= ${TARGETS.lockCommandsPerBooking}`,
    met: report.lockCommandsPerBooking <= TARGETS.lockCommandsPerBooking,
  };
}

/** Scored on the slot read most within any 24 hours; the reads per lock per day are shown beside it. */
function slotReadsRow({ report }: SeasonResults): Row {
  const figure = 'slot reads per lock per day (drift checks)';
  const target = `<= ${TARGETS.slotReadsPerDay}`;
  const reads = report.slotReads;
  // A season from before issue 17 does not count its reads.
  if (!reads) return { figure, value: 'not counted by this season', baseline: '-', ratio: '-', target, met: false };
  const where = reads.busiest ? ` (${reads.busiest.lockId} slot ${reads.busiest.slot})` : '';
  const split = `${count(reads.wholeReads)} whole, ${count(reads.oneSlotReads)} of one slot; ${reads.locks} locks, ${reads.days} days`;
  return {
    figure,
    value: `most ${reads.mostReadsOfOneSlotInADay} of one slot in 24 h${where}; ${reads.readsPerLockPerDay} reads per lock per day (${split})`,
    baseline: '-',
    ratio: '-',
    target,
    met: reads.mostReadsOfOneSlotInADay <= TARGETS.slotReadsPerDay,
  };
}

export function redStartRows(results: RedStartResults): Row[] {
  return [
    {
      figure: 'Node-RED start with StayKey and the demo flow',
      value: ms(results.stayKey.medianMs),
      baseline: `bare Node-RED ${ms(results.bare.medianMs)}`,
      ratio: times(results.ratio),
      target: '-',
      met: null,
    },
  ];
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(2)} KB`;
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

export function table(rows: Row[]): string {
  const header: Row = { figure: 'figure', value: 'value', baseline: 'baseline', ratio: 'ratio', target: 'target', met: null };
  const cells = (row: Row, isHeader = false) => [row.figure, row.value, row.baseline, row.ratio, row.target, isHeader ? 'met' : metText(row.met)];
  const all = [cells(header, true), ...rows.map((row) => cells(row))];
  const widths = all[0].map((_, column) => Math.max(...all.map((line) => line[column].length)));
  const line = (values: string[]) => values.map((value, column) => value.padEnd(widths[column])).join('  ').trimEnd();
  return [line(all[0]), line(widths.map((width) => '-'.repeat(width))), ...all.slice(1).map(line)].join('\n');
}

function metText(met: boolean | null): string {
  if (met === null) return '-';
  return met ? 'yes' : 'NO';
}

function ms(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  return `${value.toFixed(value >= 10 ? 1 : 2)} ms`;
}

function times(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
