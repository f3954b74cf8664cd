/**
 * The shipped demo flow in a real Node-RED runtime, with French guests: one whose PMS webhook says
 * `language: "fr"`, one whose Vrbo feed event reads "Réservée - Claire Martin". Each is told their code
 * in French, dates as French writes them on the property's clock, while the Airbnb guests stay English.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { Booking } from '../lib/bookings/booking';
import { SimulatedLocks } from '../lib/locks/simulated';
import { ManualClock } from '../lib/time/clock';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { nodeRedResolve } from './support/node-red-path';
import { demoFlow, demoNode, demoNodeOfType, demoTestFlow } from './support/demo-flow';
import { eventually, helper, stayKeyNodes } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { demoFeed } = require('../../scripts/demo-feed') as { demoFeed: (today: Date) => string };

type Told = NodeMessage & { payload: string; topic: string; bookingId?: string; language?: string; languageSource?: string; preview: string };

const byName = demoNode;
const FEED_BUTTON = byName('read feed (every 15 min)').id;
const OUTBOX = byName('outbox (codes masked)').id;
const SOURCE = demoNodeOfType('staykey-booking-source').id;
const LOCKS = demoNodeOfType('staykey-locks').id;
const TODAY = new Date('2026-07-01T12:00:00Z');

/** The demo's feed with a Vrbo guest in it, after the nights the Airbnb guests and the webhook's guest take. */
const VRBO_EVENT = [
  'BEGIN:VEVENT',
  'DTSTAMP:20260701T000000Z',
  'DTSTART;VALUE=DATE:20260709',
  'DTEND;VALUE=DATE:20260712',
  'SUMMARY:Réservée - Claire Martin',
  'UID:vrbo-claire@homeaway.com',
  'END:VEVENT',
].join('\r\n');

function feedWithVrbo(): string {
  return demoFeed(TODAY).replace('END:VCALENDAR', `${VRBO_EVENT}\r\nEND:VCALENDAR`);
}

/** A PMS webhook for a guest who books in French. */
const WEBHOOK = {
  event: 'reservation.created',
  reservation: { id: 'pms-camille', reservationCode: 'PMS-CAMILLE', arrival: '2026-07-06', departure: '2026-07-09', guest: { name: 'Camille Durand', language: 'fr' } },
};

/** What Intl writes in French for this instant in Lisbon: the test follows the runtime's own ICU. */
function french(iso: string): string {
  const format = new Intl.DateTimeFormat('fr-FR', {
    timeZone: 'Europe/Lisbon',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return format.format(new Date(iso));
}

describe('the demo pipeline writes to French guests in French (real runtime)', function () {
  this.timeout(60_000);
  let userDir: string;
  let clock: ManualClock;
  let told: Told[];

  const codesOn = (lockId: string) => {
    const provider = (helper.getNode(LOCKS) as unknown as LockSetNode).lockSet.provider;
    assert.ok(provider instanceof SimulatedLocks);
    return provider.inspect(lockId).codes;
  };
  const messageFor = (bookingId: string) => told.find((message) => message.bookingId === bookingId);

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-languages-'));
    clock = new ManualClock(TODAY);
    helper.settings({ userDir, staykey: { directory: path.join(userDir, 'staykey'), clock } });
    await helper.startServer();
    told = [];
    fs.writeFileSync(path.join(userDir, 'demo-feed.ics'), feedWithVrbo());
    await helper.load(stayKeyNodes(), demoTestFlow());
    helper.getNode(OUTBOX).on('input', (msg: NodeMessage) => told.push(msg as Told));
    helper.getNode(FEED_BUTTON).send({ payload: clock.now().getTime() });
    helper.getNode(SOURCE).receive({ payload: WEBHOOK });
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('tells the Airbnb guest in English, as the notifier\'s default language says', async () => {
    await eventually('Ada is told', () => messageFor('demo-ada@airbnb.com') !== undefined);
    const ada = messageFor('demo-ada@airbnb.com')!;
    assert.equal(ada.language, 'en');
    assert.equal(ada.languageSource, 'default', '"Reserved" from Airbnb says nothing of the guest');
    assert.match(ada.payload, /^Hello,\n\nHere is your door code for Sea View:\nRoom 101: \d{6}\n/);
  });

  it('tells the guest whose PMS webhook says "fr" their code in French, 48 h before her arrival', async () => {
    clock.advanceTo('2026-07-04T15:01:00Z');
    await eventually('Camille is told', () => messageFor('pms-camille') !== undefined);
    const camille = messageFor('pms-camille')!;
    const pin = codesOn('front-door').find((code) => /CAMILLE/i.test(code.name ?? ''))?.pin;
    assert.ok(pin, 'her code is on the door');
    assert.equal(camille.language, 'fr');
    assert.equal(camille.languageSource, 'booking');
    assert.equal(camille.topic, "Votre code d'accès pour Sea View");
    assert.equal(
      camille.payload,
      [
        'Bonjour Camille Durand,',
        '',
        "Voici votre code d'accès pour Sea View :",
        `Room 101 : ${pin}`,
        '',
        `Arrivée : ${french('2026-07-06T15:00:00Z')}`,
        `Départ : ${french('2026-07-09T10:00:00Z')}`,
        '',
        'Enter the code on the keypad, then press the lock button.',
        '',
        'Une question ? Call or text your host on +351 912 345 678.',
        '',
      ].join('\n'),
    );
    assert.ok(!camille.preview.includes(pin), 'the preview masks the code in French too');
  });

  it('tells the guest of a Vrbo "Réservée" event in French', async () => {
    clock.advanceTo('2026-07-07T15:01:00Z');
    await eventually('Claire is told', () => messageFor('vrbo-claire@homeaway.com') !== undefined);
    const claire = messageFor('vrbo-claire@homeaway.com')!;
    assert.equal(claire.language, 'fr');
    assert.equal(claire.languageSource, 'channel');
    assert.match(claire.payload, /^Bonjour Claire Martin,\n\nVoici votre code d'accès pour Sea View :\nRoom 101 : \d{6}\n/);
    assert.ok(claire.payload.includes(`Arrivée : ${french('2026-07-09T15:00:00Z')}`), claire.payload);
  });
});

describe("the demo's \"French guest books (PMS)\" button (real runtime, real inject node)", function () {
  this.timeout(30_000);
  const BUTTON = byName('French guest books (PMS)');

  before(async () => helper.startServer());
  after(async () => {
    await helper.unload();
    await helper.stopServer();
  });

  it('sends a PMS webhook whose booking carries the guest\'s French, for three nights', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const inject = require(path.join(path.dirname(nodeRedResolve('@node-red/nodes/package.json')), 'core', 'common', '20-inject.js')) as unknown;
    const source = demoFlow.find((node) => node.id === SOURCE)!;
    await helper.load(
      [...stayKeyNodes(), inject],
      [
        { id: 'tab', type: 'tab' },
        { ...BUTTON, z: 'tab', wires: [[SOURCE]] },
        { ...source, z: 'tab', mode: 'message', wires: [['bookings'], []] },
        { id: 'bookings', z: 'tab', type: 'helper' },
      ],
    );
    const sent = new Promise<NodeMessage>((resolve) => helper.getNode('bookings').once('input', resolve));
    helper.getNode(BUTTON.id).receive({});
    const { booking } = (await sent).payload as { booking: Booking };
    assert.equal(booking.id, 'pms-camille');
    assert.equal(booking.language, 'fr');
    assert.equal(booking.phoneCountryCode, '+33');
    assert.equal(booking.guestName, 'Camille Durand');
    // Its days come from JSONata's $now() (the wall clock, which a test does not read): three nights apart.
    assert.equal(Date.parse(booking.departure) - Date.parse(booking.arrival), 3 * 86_400_000, `${booking.arrival} to ${booking.departure}`);
  });
});
