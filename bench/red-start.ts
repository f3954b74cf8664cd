/**
 * Node-RED start: a real `node-red` process (own user directory, free port) from spawn to "Started
 * flows" and answering HTTP, with StayKey installed (nodesDir = the package root) and flows/demo.json
 * deployed, beside bare Node-RED (no nodesDir, an empty flow). The two are started in turn, so a
 * machine that gets busier shifts both alike.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FlowNode, packageRoot, RedProcess } from '../test/support/red-process';
import { median, msSince, round } from './measure';

export interface RedStartSettings {
  runs: number;
  warmups: number;
}

export interface RedStartResults {
  stayKey: { runsMs: number[]; medianMs: number };
  bare: { runsMs: number[]; medianMs: number };
  ratio: number;
  /** median with StayKey - median bare. */
  addedMs: number;
}

export async function benchRedStart(settings: RedStartSettings): Promise<RedStartResults> {
  const demo = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'flows', 'demo.json'), 'utf8')) as FlowNode[];
  const stayKey: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < settings.warmups + settings.runs; run++) {
    const bareMs = await timeStart({ flows: [], settings: { nodesDir: [] } });
    const stayKeyMs = await timeStart({ flows: demo });
    if (run < settings.warmups) continue;
    bare.push(bareMs);
    stayKey.push(stayKeyMs);
  }
  const stayKeyMedian = median(stayKey);
  const bareMedian = median(bare);
  return {
    stayKey: { runsMs: stayKey.map((ms) => round(ms)), medianMs: round(stayKeyMedian) },
    bare: { runsMs: bare.map((ms) => round(ms)), medianMs: round(bareMedian) },
    ratio: round(stayKeyMedian / bareMedian),
    addedMs: round(stayKeyMedian - bareMedian),
  };
}

/** One start in a fresh user directory (so neither side finds the other's files or a warm .config). */
async function timeStart(options: { flows: FlowNode[]; settings?: Record<string, unknown> }): Promise<number> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-bench-red-'));
  const red = new RedProcess({ userDir, logFile: `${userDir}.log`, startTimeoutMs: 60_000, ...options });
  try {
    const start = process.hrtime.bigint();
    await red.start();
    const ms = msSince(start);
    if (options.flows.length > 0 && /\[error\]/.test(red.printed)) throw new Error(`node-red logged an error while starting the demo:\n${red.printed.slice(-2000)}`);
    return ms;
  } finally {
    await red.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
    fs.rmSync(`${userDir}.log`, { force: true });
  }
}
