/** The Home Assistant notify channel in lib/notify, against the HA double with the real websocket client. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HaConnection } from '../lib/ha/connection';
import type { Outgoing } from '../lib/notify/compose';
import { deliverByHaNotify, notifyService } from '../lib/notify/ha-notify';
import { Outbox, readOutbox } from '../lib/notify/outbox';
import { ManualClock } from '../lib/time/clock';
import { driveClock } from './doubles/ha-fixtures';
import { HaDouble } from './doubles/ha-server';

const TOKEN = 'notify-test-token-42';
const PIN = '318406';

function guestMessage(to?: string): Outgoing {
  return {
    kind: 'code',
    audience: 'guest',
    bookingId: 'B1',
    ...(to ? { to } : {}),
    subject: 'Your door code for Sea View',
    text: `Hello Ana, Room 101: ${PIN}`,
    preview: 'Hello Ana, Room 101: ••••••',
    pins: [PIN],
  } as Outgoing;
}

describe('Home Assistant notify channel', () => {
  let double: HaDouble;
  let connection: HaConnection;
  let directory: string;

  beforeEach(async () => {
    double = await HaDouble.start({ token: TOKEN });
    double.addNotifyService('mobile_app_ana');
    double.addNotifyService('mobile_app_ben');
    connection = new HaConnection({ url: double.url, token: TOKEN });
    await connection.whenConnected(5_000);
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ha-notify-'));
  });

  afterEach(async () => {
    connection.close();
    await double.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('calls the notify service with the title and message, and tries again after a failure', async () => {
    const clock = new ManualClock('2026-07-14T12:00:00Z');
    const outbox = new Outbox(path.join(directory, 'outbox.jsonl'));
    double.failNext('notify', 'mobile_app_ana', 'The companion app did not answer');
    const run = deliverByHaNotify(guestMessage(), {
      client: connection,
      service: 'notify.mobile_app_ana',
      clock,
      plan: { attempts: 3, firstDelayMs: 30_000, maxDelayMs: 60_000 },
      outbox,
    });
    const outcome = await driveClock(run.outcome, clock, 30_000);
    assert.equal(outcome.ok, true);
    assert.equal(outcome.attempts, 2);
    const calls = double.callsTo('notify', 'mobile_app_ana');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1].data, { message: `Hello Ana, Room 101: ${PIN}`, title: 'Your door code for Sea View' });
    const records = readOutbox(outbox.file);
    assert.deepEqual(
      records.map((record) => [record.channel, record.to, record.ok]),
      [
        ['ha-notify', 'notify.mobile_app_ana', false],
        ['ha-notify', 'notify.mobile_app_ana', true],
      ],
    );
    assert.match(String(records[0].error), /did not answer/);
    assert.ok(!fs.readFileSync(outbox.file, 'utf8').includes(PIN));
  });

  it("sends to the message's own notify service when msg.to names one", async () => {
    const clock = new ManualClock('2026-07-14T12:00:00Z');
    const run = deliverByHaNotify(guestMessage('notify.mobile_app_ben'), {
      client: connection,
      service: 'notify.mobile_app_ana',
      clock,
      plan: { attempts: 1, firstDelayMs: 1, maxDelayMs: 1 },
    });
    assert.equal((await run.outcome).ok, true);
    assert.equal(double.callsTo('notify', 'mobile_app_ben').length, 1);
    assert.equal(double.callsTo('notify', 'mobile_app_ana').length, 0);
  });

  it('names a missing or wrong service in words', () => {
    assert.deepEqual(notifyService('notify.mobile_app_ana'), { domain: 'notify', service: 'mobile_app_ana' });
    assert.deepEqual(notifyService('mobile_app_ana'), { domain: 'notify', service: 'mobile_app_ana' });
    assert.throws(() => notifyService(''), /set the notify service/);
    assert.throws(() => notifyService('light.turn_on'), /not a notify service/);
  });
});
