/**
 * The feed benchmark's work under a CPU profiler, to see where ingest + diff spends its time:
 *
 *   node --cpu-prof --cpu-prof-dir=bench-results/profiles dist/bench/feeds-profile.js [events] [hostile|poll]
 *   node dist/bench/feeds-profile.js --top bench-results/profiles/<file>.cpuprofile
 *
 * The first runs parseFeed + FeedTracker.apply on the bench's feed (20,000 events by default; `hostile`
 * reads the hostile feed instead) twenty times; `poll` polls instead, with the last fetch remembered
 * (FeedMemory), going from the earlier feed to the later one and back twenty times. The second prints
 * the functions with the most self time, as quoted in docs/benchmarks.md.
 */
import * as fs from 'node:fs';
import { parseFeed, readFeedEvents } from '../lib/bookings/ical-feed';
import { FeedMemory } from '../lib/bookings/feed-memory';
import { FeedTracker } from '../lib/bookings/feed-tracker';
import { ManualClock } from '../lib/time/clock';
import { feedPair, hostileFeed } from './feeds';

const OPTIONS = { unit: 'Beach house', source: 'airbnb' };
const NOW = '2026-07-01T00:00:00Z';
const ROUNDS = 20;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function runPolls(events: number): void {
  const clock = new ManualClock(NOW);
  const feed = feedPair(events);
  const memory = new FeedMemory();
  const tracker = new FeedTracker({ clock });
  tracker.apply(memory.read(feed.before, OPTIONS, readFeedEvents).bookings);
  for (let round = 0; round < ROUNDS; round++) {
    tracker.apply(memory.read(feed.now, OPTIONS, readFeedEvents).bookings);
    tracker.apply(memory.read(feed.before, OPTIONS, readFeedEvents).bookings);
  }
}

function runWorkload(events: number, hostile: boolean): void {
  const clock = new ManualClock(NOW);
  const feed = feedPair(events);
  const text = hostile ? hostileFeed(events) : feed.now;
  const primed = new FeedTracker({ clock });
  primed.apply(parseFeed(feed.before, OPTIONS));
  const state = primed.toJSON();
  for (let round = 0; round < ROUNDS; round++) {
    const tracker = FeedTracker.fromJSON(state, { clock });
    tracker.apply(parseFeed(text, OPTIONS));
  }
}

/** Self time per function (summed over its nodes), as a share of all samples. */
function printTop(file: string, count = 20): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const where = node.callFrame.url ? `${node.callFrame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${node.callFrame.lineNumber + 1}` : '';
    const name = `${node.callFrame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const top = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, count);
  process.stdout.write('self time\n');
  for (const [name, hits] of top) process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)} %  ${name}\n`);
  process.stdout.write('\ntotal time (with what they call) of the steps of ingest + diff\n');
  for (const [name, hits] of inclusive(profile.nodes)) process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)} %  ${name}\n`);
}

const STEPS = ['plan', 'splitFeed', 'remember', 'readingOf', 'readFeedEvents', 'parseFeed', 'parse', 'readCalendar', 'readCopy', 'readEvents', 'checkEventsPairUp', 'latestCopies', 'readStays', 'guestDetails', 'apply', 'bookingDiffers', 'fromJSON', 'feedPair'];

/** Samples under each step's frames (a step called inside itself counted once). */
function inclusive(nodes: ProfileNode[]): [string, number][] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  const walk = (node: ProfileNode, open: Set<string>): void => {
    const name = node.callFrame.functionName;
    const entered = STEPS.includes(name) && !open.has(name);
    if (entered) open.add(name);
    for (const step of open) totals.set(step, (totals.get(step) ?? 0) + (node.hitCount ?? 0));
    for (const child of node.children ?? []) walk(byId.get(child)!, open);
    if (entered) open.delete(name);
  };
  walk(nodes[0], new Set());
  return STEPS.filter((step) => totals.has(step)).map((step) => [step, totals.get(step)!]);
}

if (process.argv[2] === '--top') printTop(process.argv[3], Number(process.argv[4] ?? 20));
else if (process.argv[3] === 'poll') runPolls(Number(process.argv[2] ?? 20_000));
else runWorkload(Number(process.argv[2] ?? 20_000), process.argv[3] === 'hostile');
