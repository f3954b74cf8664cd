/**
 * A real Node-RED process for the editor tests, with StayKey loaded the way a host installs it from a
 * folder: nodesDir is the package root (package.json and the built dist/). It has its own user
 * directory and a free loopback port, and runs the Node-RED the other tests run (STAYKEY_NODE_RED
 * points CI's second run at Node-RED 5). Every process started here is killed when the tests exit.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../support/mosquitto';
import { nodeRedResolve } from '../support/node-red-path';

/** The package root: compiled tests live in <root>/dist/test/e2e. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RedServer {
  url: string;
  userDir: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Node-RED with settings of our own: no telemetry question, no tours, no palette manager; `extra` adds more (adminAuth). */
/** `now`: the moment StayKey's nodes start from (the clock runs on from there), as `STAYKEY_NOW` sets it for the demo. */
export async function startNodeRed(userDir: string, extra: Record<string, unknown> = {}, now?: Date): Promise<RedServer> {
  const port = await freePort();
  fs.mkdirSync(userDir, { recursive: true });
  const settings = {
    uiHost: '127.0.0.1',
    uiPort: port,
    flowFile: 'flows.json',
    nodesDir: [PACKAGE_ROOT],
    logging: { console: { level: 'info', metrics: false, audit: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    telemetry: { enabled: false },
    ...extra,
  };
  const settingsFile = path.join(userDir, 'settings.js');
  const clockModule = path.join(PACKAGE_ROOT, 'dist', 'lib', 'time', 'clock.js');
  const clock = now ? `module.exports.staykey = { clock: require(${JSON.stringify(clockModule)}).clockFrom(${JSON.stringify(now.toISOString())}) };\n` : '';
  fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)};\n${clock}`);
  return run([nodeRedResolve('node-red/red.js'), '--userDir', userDir, '--settings', settingsFile], {}, userDir, port);
}

/** `npm start` without the build: scripts/demo.js with its own user directory and port (and STAYKEY_NOW, TZ... in `env`). */
export async function startDemo(userDir: string, env: Record<string, string> = {}): Promise<RedServer> {
  const port = await freePort();
  return run([path.join(PACKAGE_ROOT, 'scripts', 'demo.js')], { ...env, STAYKEY_USER_DIR: userDir, PORT: String(port) }, userDir, port);
}

async function run(args: string[], env: Record<string, string>, userDir: string, port: number): Promise<RedServer> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  running.add(child);
  let printed = '';
  const take = (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const server: RedServer = {
    url,
    userDir,
    output: () => printed,
    async stop() {
      if (!running.has(child)) return;
      child.kill('SIGTERM');
      const hung = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(hung);
    },
  };
  try {
    await untilReady(url, () => printed, () => !running.has(child));
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Ready once the flows have started and the editor answers. */
async function untilReady(url: string, printed: () => string, gone: () => boolean): Promise<void> {
  const until = Date.now() + 45_000;
  for (;;) {
    if (gone()) throw new Error(`Node-RED exited while starting:\n${printed().slice(-3000)}`);
    if (/Started flows/.test(printed())) {
      const answer = await fetch(`${url}/settings`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      // Behind adminAuth the settings are refused to a caller without a token: an answer all the same.
      if (answer?.ok || answer?.status === 401) return;
    }
    if (Date.now() > until) throw new Error(`Node-RED did not start within 45 s:\n${printed().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
