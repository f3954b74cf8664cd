/**
 * Vendor pushes: N code writes through the TTLock provider and the command runner, as lock-provider
 * sends them (every command handed to the runner at once), against the TTLock cloud double answering
 * each gateway operation after a fixed latency. The ideal is the least time the provider's own limits
 * allow: one operation at a time per gateway, so `writes * latency / gateways`; StayKey puts no
 * requests-per-second limit on TTLock, so that term is 0 here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandRunner } from '../lib/locks/command-runner';
import { generatePin } from '../lib/pins/pin-rules';
import type { LockConfig } from '../lib/locks/provider';
import { TTLockApi } from '../lib/locks/ttlock/api';
import { TTLockLocks } from '../lib/locks/ttlock/ttlock';
import type { LockCommand } from '../lib/messages';
import { systemClock } from '../lib/time/clock';
import { TTLockCloud } from '../test/doubles/ttlock-cloud';
import { expect } from './ledger-fixture';
import { median, msSince, round } from './measure';

export interface VendorSettings {
  writes: number;
  locks: number;
  latencyMs: number;
  runs: number;
  /** Rounds run first and not counted: the first run pays for JIT warm-up. */
  warmups: number;
}

export interface VendorResults {
  provider: 'ttlock';
  writes: number;
  locks: number;
  latencyMs: number;
  /** Writes that may be under way at once: one per gateway, each lock on a gateway of its own. */
  concurrency: number;
  /** Requests per second StayKey allows the account (none for TTLock). */
  requestsPerSecond: number | null;
  /** Requests the double saw in one run (writes, read-backs, listings, token, inventory). */
  requests: number;
  idealMs: number;
  /** The same writes with the double answering at once: the CPU work of provider, runner and double (one process). */
  floorMs: number;
  runsMs: number[];
  medianMs: number;
  ratio: number;
}

const PASSWORD = 'door-password';
const FIRST_LOCK = 4001;

export async function benchVendor(settings: VendorSettings): Promise<VendorResults> {
  const runsMs: number[] = [];
  const floorRunsMs: number[] = [];
  let requests = 0;
  // In turn, one of each per round, so a machine that gets busier shifts both alike.
  for (let run = 0; run < settings.warmups + settings.runs; run++) {
    const floor = await oneRun({ ...settings, latencyMs: 0 });
    const timed = await oneRun(settings);
    if (run < settings.warmups) continue;
    floorRunsMs.push(floor.ms);
    runsMs.push(timed.ms);
    requests = timed.requests;
  }
  const concurrency = settings.locks;
  // max(writes * latency / concurrency, requests / rate): the rate term is 0 without a rate limit.
  const idealMs = (settings.writes * settings.latencyMs) / concurrency;
  const medianMs = median(runsMs);
  return {
    provider: 'ttlock',
    writes: settings.writes,
    locks: settings.locks,
    latencyMs: settings.latencyMs,
    concurrency,
    requestsPerSecond: null,
    requests,
    idealMs,
    floorMs: round(median(floorRunsMs)),
    runsMs: runsMs.map((ms) => round(ms)),
    medianMs: round(medianMs),
    ratio: round(medianMs / idealMs),
  };
}

/** A fresh cloud and provider per run (so every slot starts empty); token and inventory read before the clock starts. */
async function oneRun(settings: VendorSettings): Promise<{ ms: number; requests: number }> {
  const cloud = new TTLockCloud({ clock: systemClock, password: PASSWORD, gatewayLatencyMs: settings.latencyMs });
  const baseUrl = await cloud.start();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-bench-vendor-'));
  const locks = lockConfigs(cloud, settings.locks);
  const api = new TTLockApi({
    account: { baseUrl, clientId: 'client-id-1', clientSecret: 'client-secret-1', username: 'host@example.com', password: PASSWORD },
    clock: systemClock,
  });
  const provider = new TTLockLocks({ locks, api, clock: systemClock, file: path.join(directory, 'ttlock.json') });
  const runner = new CommandRunner(provider, { clock: systemClock, maxAttempts: 5, random: () => 0 });
  try {
    await provider.listCodes(locks[0].id);
    const before = cloud.calls.length;
    const writes = commands(locks, settings.writes);
    const start = process.hrtime.bigint();
    const results = await Promise.all(writes.map(({ command, pin }) => runner.execute(command, pin)));
    const ms = msSince(start);
    expect('writes confirmed', results.filter((result) => result.ok && result.confirmed).length, settings.writes);
    expect('passcodes on the locks', locks.reduce((sum, lock) => sum + cloud.passcodesOn(Number(lock.device)).length, 0), settings.writes);
    return { ms, requests: cloud.calls.length - before };
  } finally {
    runner.close();
    await cloud.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

function lockConfigs(cloud: TTLockCloud, count: number): LockConfig[] {
  return Array.from({ length: count }, (_, index) => {
    const device = FIRST_LOCK + index;
    cloud.addGateway(device);
    cloud.addLock({ lockId: device, lockAlias: `Room ${index + 1} door`, gatewayId: device });
    return { id: `door-${index + 1}`, name: `Room ${index + 1} door`, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 50 }, schedules: true, device: String(device) };
  });
}

/** Writes spread round-robin over the locks, each with a PIN of its own on that lock. */
function commands(locks: LockConfig[], writes: number): { command: LockCommand; pin: string }[] {
  const taken = new Map<string, Set<string>>(locks.map((lock) => [lock.id, new Set<string>()]));
  const startsAt = new Date(Date.now() + 86_400_000).toISOString();
  const endsAt = new Date(Date.now() + 4 * 86_400_000).toISOString();
  return Array.from({ length: writes }, (_, index) => {
    const lock = locks[index % locks.length];
    const slot = Math.floor(index / locks.length) + 1;
    const pins = taken.get(lock.id)!;
    const pin = generatePin(lock.rules, (candidate) => pins.has(candidate));
    pins.add(pin);
    const command: LockCommand = { id: `bench-${index}`, action: 'set', lockId: lock.id, slot, codeId: `bench-${index}:${lock.id}`, name: `SK Guest ${index}`, startsAt, endsAt };
    return { command, pin };
  });
}
