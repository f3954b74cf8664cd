/**
 * `npm start`'s demo on a clock the test sets (STAYKEY_NOW), in a real Node-RED process: what goes on the
 * locks depends on the hour (the next guest's code is due 48 h before her 16:00 check-in), so the demo
 * must take its "now" from the test, both for the feed's dates and for the nodes, never from the wall.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Vault } from '../lib/pins/vault';
import { PACKAGE_ROOT, startDemo } from './e2e/red-server';
import { eventually } from './support/red';
import { readLedger, readLocks } from './support/red-process';

type FlowNode = { id: string; type: string };

const demo = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), 'utf8')) as FlowNode[];
const ISSUER = demo.find((node) => node.type === 'staykey-pin-issuer')!.id;
const LOCKS = demo.find((node) => node.type === 'staykey-locks')!.id;

interface Held {
  name: string;
  startsAt?: string;
  endsAt?: string;
}

/** Starts the demo at `now`, waits until every code it wants is settled, and returns what each lock holds. */
async function demoAt(now: string, env: Record<string, string> = {}): Promise<Record<string, Held[]>> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-demo-'));
  const red = await startDemo(userDir, { ...env, STAYKEY_NOW: now });
  try {
    // Settled: Ada has been told her code, and no command is still on its way to a lock.
    await eventually(
      'the demo has settled',
      () => {
        const ledger = readLedger(userDir, ISSUER);
        if (!ledger?.bookings['demo-ada@airbnb.com']?.delivered) return false;
        return Object.values(ledger.codes).every((code) => !code.inFlight && (code.state === 'confirmed' || code.state === 'pending'));
      },
      20_000,
    );
    const held = readLocks(userDir, Vault.openDirectory(path.join(userDir, 'staykey')), LOCKS);
    const shown: Record<string, Held[]> = {};
    for (const [lockId, codes] of held) shown[lockId] = codes.map(({ name, startsAt, endsAt }) => ({ name, startsAt, endsAt }));
    return shown;
  } finally {
    await red.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

/** A wall time on this machine (the zone the demo's access-window uses), as the instant it is. */
const local = (text: string) => new Date(text).toISOString();

describe('the demo on a clock the test sets (STAYKEY_NOW, real node-red process)', function () {
  this.timeout(60_000);

  it('at 09:00 has only Ada, who is staying, on both locks', async () => {
    assert.deepEqual(await demoAt('2026-07-14T09:00'), {
      'front-door': [{ name: 'SK HMADA1', startsAt: local('2026-07-13T16:00'), endsAt: local('2026-07-16T11:30') }],
      'main-gate': [{ name: 'SK HMADA1', startsAt: undefined, endsAt: undefined }],
    });
  });

  it('at 17:00 also has Grace on the door, 48 h before her 16:00 check-in; the gate keeps no dates, so not yet there', async () => {
    assert.deepEqual(await demoAt('2026-07-14T17:00'), {
      'front-door': [
        { name: 'SK HMADA1', startsAt: local('2026-07-13T16:00'), endsAt: local('2026-07-16T11:30') },
        { name: 'SK HMGRACE', startsAt: local('2026-07-16T16:00'), endsAt: local('2026-07-19T11:30') },
      ],
      'main-gate': [{ name: 'SK HMADA1', startsAt: undefined, endsAt: undefined }],
    });
  });

  it("dates the feed from the day on this machine's wall, not the UTC day (00:30 in Auckland is noon the day before in UTC)", async () => {
    assert.deepEqual(await demoAt('2026-07-14T00:30', { TZ: 'Pacific/Auckland' }), {
      // Ada arrived on the 13th at 16:00 Auckland time (UTC+12 in July) and leaves on the 16th.
      'front-door': [{ name: 'SK HMADA1', startsAt: '2026-07-13T04:00:00.000Z', endsAt: '2026-07-15T23:30:00.000Z' }],
      'main-gate': [{ name: 'SK HMADA1', startsAt: undefined, endsAt: undefined }],
    });
  });

  it('refuses a STAYKEY_NOW that is not a date and time, and says what it wants', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-demo-refused-'));
    const userDir = path.join(parent, 'never-made');
    for (const wrong of ['tomorrow', '2026-02-30T09:00', '2026-07-14 09:00', '2026-07-14T09:00:00+2']) {
      const run = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'demo.js')], {
        env: { ...process.env, STAYKEY_NOW: wrong, STAYKEY_USER_DIR: userDir },
        encoding: 'utf8',
        timeout: 10_000,
      });
      assert.equal(run.status, 2, `${wrong}: exits at once`);
      assert.match(run.stderr, /^STAYKEY_NOW ".*" is not a date and time like 2026-07-14T09:00/, wrong);
    }
    assert.ok(!fs.existsSync(userDir), 'nothing written before the clock is known');
    fs.rmSync(parent, { recursive: true, force: true });
  });
});
