/**
 * Privacy holds everywhere: a guest's name, email and phone digits pass through booking-source,
 * access-window, pin-issuer and notifier into files of the user directory; once the stay is over for
 * longer than the retention (90 days, as the access log), no file there holds any of them.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { ManualClock } from '../lib/time/clock';
import { messages, RECORDER, recorderNode, clearRecorded } from './support/recorder';
import { eventually, helper, stayKeyNodes } from './support/red';

const NAME = 'Zebulon Quartermaine';
const EMAIL = 'zebulon.q@example.org';
const PHONE = '8642';
const DAY = 24 * 3600_000;

const guest = {
  id: 'PMS-7731',
  arrival: '2026-07-02',
  departure: '2026-07-04',
  guestName: NAME,
  email: EMAIL,
  phoneLast4: PHONE,
  reservationCode: 'ZQ7731',
  summary: `${NAME} (ZQ7731)`,
};

function flow(): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'Privacy' },
    { id: 'locks', type: 'staykey-locks', provider: 'simulated', locks: [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 3, lastSlot: 20, schedules: true }], latency: 0, retryDelay: 0.001 },
    { id: 'source', type: 'staykey-booking-source', z: 'tab', mode: 'message', unit: 'Room 101', source: 'pms', wires: [['window'], ['notifier']] },
    { id: 'window', type: 'staykey-access-window', z: 'tab', checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferAfter: 30, leadHours: 48, locks: 'front-door', wires: [['issuer']] },
    { id: 'issuer', type: 'staykey-pin-issuer', z: 'tab', locks: 'locks', wires: [['provider'], ['notifier'], ['notifier'], []] },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['issuer'], ['notifier']] },
    { id: 'notifier', type: 'staykey-notifier', z: 'tab', channel: 'output', hostTo: 'host@example.com', property: 'Sea View', wires: [['sent'], ['issuer']] },
    { id: 'sent', type: RECORDER, z: 'tab' },
  ];
}

/** Every file under `directory`, with its text. */
function filesUnder(directory: string): { file: string; text: string }[] {
  const found: { file: string; text: string }[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(file));
    else found.push({ file, text: fs.readFileSync(file, 'utf8') });
  }
  return found;
}

/** Where the guest still is on disk: the files naming them, their email or their phone digits. */
function tracesOfGuest(directory: string): string[] {
  return filesUnder(directory)
    .filter(({ text }) => text.includes('Zebulon') || text.includes('Quartermaine') || text.includes(EMAIL) || text.includes(PHONE))
    .map(({ file }) => path.relative(directory, file));
}

describe('privacy: nothing of a guest outlives the retention in the user directory', function () {
  this.timeout(120_000);
  let userDir: string;
  let clock: ManualClock;

  before(async () => {
    clearRecorded();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-privacy-'));
    clock = new ManualClock('2026-07-01T12:00:00Z');
    helper.settings({ userDir, staykey: { directory: path.join(userDir, 'staykey'), clock } });
    await helper.startServer();
    await helper.load([...stayKeyNodes(), recorderNode], flow());
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('keeps the guest while the stay matters, and forgets them everywhere once it is over for longer than the retention', async () => {
    helper.getNode('source').receive({ payload: guest });
    await eventually('the guest is told their code', () =>
      messages('sent').some((msg) => (msg as NodeMessage & { audience?: string }).audience === 'guest'),
    );
    const during = tracesOfGuest(userDir);
    assert.ok(during.some((file) => file.endsWith('outbox.jsonl')), `the send record names the guest during the stay (${during.join(', ')})`);
    assert.ok(during.some((file) => file.includes(`feeds${path.sep}`)), `booking-source keeps the guest during the stay (${during.join(', ')})`);

    // Day by day, so every daily chore and every reconcile runs as it would over a real season.
    const until = Date.parse('2026-07-04T11:00:00Z') + 91 * DAY;
    while (clock.now().getTime() < until) {
      clock.advance(DAY / 4);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await eventually('no file names the guest', () => tracesOfGuest(userDir).length === 0).catch(() => {
      assert.deepEqual(tracesOfGuest(userDir), [], 'files still holding the guest\'s name, email or phone digits');
    });
  });
});
