/**
 * `npm run bench`: feed ingest, reconcile, the ledger journal's load and compaction, event-loop delay, cancellation-to-revoke latency, vendor
 * pushes, ledger memory, Node-RED start time and a simulated season (lock commands per booking, slot
 * reads per day), in that order. Prints a table and
 * writes every number to bench-results/bench.json (bench-quick.json for BENCH_QUICK=1).
 *
 * Environment:
 *   BENCH_QUICK=1              small sizes, a smoke run of about a minute
 *   BENCH_ONLY=feeds,reconcile,journal,postgres,event-loop,revoke,vendor,ledger-memory,red-start,season   run only these parts
 *   BENCH_RECONCILE_LIMIT_S    deadline per ledger size and scenario (default 600, quick 120)
 *   BENCH_OUT                  where to write the JSON instead
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchEventLoop, EventLoopResults } from './event-loop';
import { benchFeeds, FeedResults, FeedSettings } from './feeds';
import { benchReconcile, ReconcileResults, ReconcileSettings } from './reconcile';
import { benchReconcilePostgres, PostgresBenchSettings, PostgresSizeResult } from './reconcile-postgres';
import { benchJournal, JournalResults, JournalSettings } from './journal';
import { benchLedgerMemory, LedgerMemoryResults, LedgerMemorySettings } from './ledger-memory';
import { benchRedStart, RedStartResults, RedStartSettings } from './red-start';
import { eventLoopRows, feedRows, journalRows, ledgerMemoryRows, postgresRows, reconcileRows, redStartRows, revokeRows, Row, seasonRows, table, TARGETS, vendorRows } from './report';
import { benchRevoke, RevokeResults, RevokeSettings } from './revoke';
import { benchSeason, SeasonResults, SeasonSettings } from './season';
import { benchVendor, VendorResults, VendorSettings } from './vendor';

interface Settings {
  quick: boolean;
  feeds: FeedSettings;
  reconcile: ReconcileSettings;
  journal: JournalSettings;
  postgres: PostgresBenchSettings;
  eventLoopPins: number;
  revoke: RevokeSettings;
  vendor: VendorSettings;
  ledgerMemory: LedgerMemorySettings;
  redStart: RedStartSettings;
  season: SeasonSettings;
}

const PARTS = ['feeds', 'reconcile', 'journal', 'postgres', 'event-loop', 'revoke', 'vendor', 'ledger-memory', 'red-start', 'season'] as const;
type Part = (typeof PARTS)[number];

function settingsFromEnv(): Settings {
  const quick = process.env.BENCH_QUICK === '1';
  const limitS = Number(process.env.BENCH_RECONCILE_LIMIT_S ?? (quick ? 120 : 600));
  if (!Number.isFinite(limitS) || limitS <= 0) throw new Error('BENCH_RECONCILE_LIMIT_S must be a number of seconds above 0');
  if (quick) {
    return {
      quick,
      feeds: { sizes: [500, 2_000], runs: 3, warmups: 2 },
      reconcile: { sizes: [100, 1_000], probeSizes: [], runs: 5, warmups: 1, budgetMs: 10_000, limitMs: limitS * 1000 },
      journal: { sizes: [100, 1_000], runs: 3, warmups: 1 },
      postgres: { sizes: [100], runs: 3, warmups: 1, budgetMs: 10_000 },
      eventLoopPins: 100,
      revoke: { latenciesMs: [0, 300], runs: 5, warmups: 1 },
      vendor: { writes: 100, locks: 10, latencyMs: 200, runs: 1, warmups: 0 },
      ledgerMemory: { bookings: 10_000 },
      redStart: { runs: 1, warmups: 0 },
      // Fewer units than the full season, still with unit 4's owner's code and every fault (about 15 s).
      season: { units: 8, bookings: 48, days: 30, start: '2026-07-01', seed: 2026 },
    };
  }
  return {
    quick,
    feeds: { sizes: [5_000, 20_000], runs: 9, warmups: 6 },
    reconcile: { sizes: [1_000, 10_000], probeSizes: [3_000], runs: 9, warmups: 2, budgetMs: 60_000, limitMs: limitS * 1000 },
    journal: { sizes: [1_000, 10_000], runs: 5, warmups: 1 },
    postgres: { sizes: [1_000, 10_000], runs: 5, warmups: 1, budgetMs: 60_000 },
    eventLoopPins: 1_000,
    revoke: { latenciesMs: [0, 300], runs: 15, warmups: 2 },
    vendor: { writes: 500, locks: 50, latencyMs: 200, runs: 5, warmups: 1 },
    ledgerMemory: { bookings: 100_000 },
    redStart: { runs: 3, warmups: 1 },
    // npm run simulate's season has 50 units and takes about 95 s alone; 30 take about 50 s.
    season: { units: 30, bookings: 240, days: 30, start: '2026-07-01', seed: 2026 },
  };
}

function partsFromEnv(): Part[] {
  const only = process.env.BENCH_ONLY;
  if (!only) return [...PARTS];
  const parts = only.split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown part ${unknown.join(', ')} (use ${PARTS.join(', ')})`);
  return parts as Part[];
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews every figure. */
    loadAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  const parts = partsFromEnv();
  const started = new Date();
  const machineAtStart = machine();
  log(`StayKey benchmarks${settings.quick ? ' (quick)' : ''}: ${os.cpus().length} cpus, node ${process.version}, load ${machineAtStart.loadAtStart.join(' ')}`);
  const rows: Row[] = [];
  let feeds: FeedResults | undefined;
  let reconcile: ReconcileResults | undefined;
  let journal: JournalResults | undefined;
  let postgres: PostgresSizeResult[] | undefined;
  let eventLoop: EventLoopResults | undefined;
  let revoke: RevokeResults | undefined;
  let vendor: VendorResults | undefined;
  let ledgerMemory: LedgerMemoryResults | undefined;
  let redStart: RedStartResults | undefined;
  let season: SeasonResults | undefined;

  if (parts.includes('feeds')) {
    log(`feed ingest + diff, ${settings.feeds.sizes.join(' and ')} events ...`);
    feeds = await benchFeeds(settings.feeds);
    rows.push(...feedRows(feeds));
  }
  if (parts.includes('reconcile')) {
    log(`reconcile, ${settings.reconcile.sizes.join(' and ')} locks ...`);
    reconcile = await benchReconcile(settings.reconcile, log);
    rows.push(...reconcileRows(reconcile));
  }
  if (parts.includes('journal')) {
    log(`ledger journal: load nearly full and just compacted, compaction; ${settings.journal.sizes.join(' and ')} locks ...`);
    journal = await benchJournal(settings.journal, log);
    rows.push(...journalRows(journal));
  }
  if (parts.includes('postgres')) {
    log(`reconcile on PostgreSQL beside the file store, ${settings.postgres.sizes.join(' and ')} locks ...`);
    postgres = await benchReconcilePostgres(settings.postgres, log);
    rows.push(...postgresRows(postgres));
  }
  if (parts.includes('event-loop')) {
    log(`event-loop delay, ${settings.eventLoopPins} PINs ...`);
    eventLoop = await benchEventLoop(settings.eventLoopPins);
    rows.push(...eventLoopRows(eventLoop));
  }
  if (parts.includes('revoke')) {
    log(`cancellation to revoke, lock latency ${settings.revoke.latenciesMs.join(' and ')} ms ...`);
    revoke = await benchRevoke(settings.revoke);
    rows.push(...revokeRows(revoke));
  }
  if (parts.includes('vendor')) {
    log(`vendor pushes, ${settings.vendor.writes} writes on ${settings.vendor.locks} TTLock locks at ${settings.vendor.latencyMs} ms ...`);
    vendor = await benchVendor(settings.vendor);
    rows.push(...vendorRows(vendor));
  }
  if (parts.includes('ledger-memory')) {
    log(`ledger memory, ${settings.ledgerMemory.bookings} bookings ...`);
    ledgerMemory = await benchLedgerMemory(settings.ledgerMemory);
    rows.push(...ledgerMemoryRows(ledgerMemory));
  }
  if (parts.includes('red-start')) {
    log('Node-RED start, demo flow and bare ...');
    redStart = await benchRedStart(settings.redStart);
    rows.push(...redStartRows(redStart));
  }
  if (parts.includes('season')) {
    const { units, bookings, days } = settings.season;
    log(`a season of ${bookings} bookings on ${units} units, ${days} days, on the simulation's clock ...`);
    season = await benchSeason(settings.season);
    rows.push(...seasonRows(season));
  }

  log('');
  log(table(rows));
  const results = {
    date: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 1000),
    quick: settings.quick,
    machine: { ...machineAtStart, loadAtEnd: os.loadavg().map((load) => Math.round(load * 100) / 100) },
    settings,
    targets: TARGETS,
    feeds,
    reconcile,
    journal,
    postgres,
    eventLoop,
    revoke,
    vendor,
    ledgerMemory,
    redStart,
    season,
    table: rows,
  };
  const file = writeResults(results, settings.quick);
  const missed = rows.filter((row) => row.met === false).length;
  log('');
  log(`${missed === 0 ? 'all targets met' : `${missed} target(s) missed`}; every number is in ${path.relative(process.cwd(), file) || file}`);
}

function writeResults(results: object, quick: boolean): string {
  const root = path.resolve(__dirname, '..', '..');
  const file = process.env.BENCH_OUT
    ? path.resolve(process.env.BENCH_OUT)
    : path.join(root, 'bench-results', quick ? 'bench-quick.json' : 'bench.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
