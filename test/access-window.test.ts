import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import type { WindowMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import accessWindowNode = require('../nodes/access-window/access-window');
import { helper } from './support/red';

type Settings = Record<string, unknown>;

/** access-window wired to an output helper, with a Catch node (and its helper) on the same tab. */
function flow(settings: Settings = {}): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'StayKey' },
    {
      id: 'window',
      type: 'staykey-access-window',
      z: 'tab',
      name: 'Room 101',
      checkIn: '16:00',
      checkOut: '11:00',
      timeZone: 'Europe/Lisbon',
      bufferBefore: '0',
      bufferAfter: '0',
      leadHours: '48',
      locks: 'front-door, main-gate',
      honourFeedTimes: false,
      x: 200,
      y: 100,
      wires: [['out']],
      ...settings,
    },
    { id: 'out', type: 'helper', z: 'tab', x: 400, y: 100, wires: [] },
    { id: 'on-error', type: 'catch', z: 'tab', scope: null, uncaught: false, x: 200, y: 200, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab', x: 400, y: 200, wires: [] },
  ];
}

const airbnbBooking = {
  id: 'HM123@airbnb.com',
  unit: 'Room 101',
  source: 'airbnb',
  arrival: '2026-07-10',
  departure: '2026-07-13',
  guestName: 'Ana',
};

/** Resolves with the first message `id` receives; node handlers swallow exceptions, so assert outside them. */
function nextMessage(id: string): Promise<NodeMessage> {
  return new Promise((resolve) => helper.getNode(id).once('input', resolve));
}

function statusTexts(id: string): string[] {
  const node = helper.getNode(id);
  return node.status
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => (call.args[0] as { text?: string }).text ?? '');
}

function windowOf(msg: NodeMessage): WindowMessage {
  return msg.payload as WindowMessage;
}

describe('access-window node', () => {
  beforeEach(async () => {
    await helper.startServer();
  });
  afterEach(async () => {
    helper.settings({ staykey: undefined });
    await helper.unload();
    await helper.stopServer();
  });

  it('turns a BookingMessage into the exact window in the property zone', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessage('out');
    helper.getNode('window').receive({ payload: { kind: 'booking', change: 'created', booking: airbnbBooking }, keep: 'me' });
    const msg = await received;
    assert.equal(msg.topic, 'HM123@airbnb.com');
    assert.equal(msg.keep, 'me');
    const payload = windowOf(msg);
    assert.equal(payload.kind, 'window');
    assert.equal(payload.change, 'created');
    assert.equal(payload.booking.guestName, 'Ana');
    assert.deepEqual(payload.window, {
      bookingId: 'HM123@airbnb.com',
      unit: 'Room 101',
      locks: ['front-door', 'main-gate'],
      timeZone: 'Europe/Lisbon',
      checkInAt: '2026-07-10T15:00:00.000Z',
      checkOutAt: '2026-07-13T10:00:00.000Z',
      startsAt: '2026-07-10T15:00:00.000Z',
      endsAt: '2026-07-13T10:00:00.000Z',
      issueAt: '2026-07-08T15:00:00.000Z',
    });
  });

  it('applies its buffers and lead time', async () => {
    await helper.load(accessWindowNode, flow({ bufferBefore: '30', bufferAfter: '60', leadHours: '24' }));
    const received = nextMessage('out');
    helper.getNode('window').receive({ payload: { kind: 'booking', change: 'created', booking: airbnbBooking } });
    const { window } = windowOf(await received);
    assert.equal(window.startsAt, '2026-07-10T14:30:00.000Z');
    assert.equal(window.endsAt, '2026-07-13T11:00:00.000Z');
    assert.equal(window.issueAt, '2026-07-09T15:00:00.000Z');
  });

  it('takes a plain booking, using the node name as its unit and "changed" as its change', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessage('out');
    helper.getNode('window').receive({ payload: { id: 'PMS-77', arrival: '2026-07-10', departure: '2026-07-12' } });
    const payload = windowOf(await received);
    assert.equal(payload.change, 'changed');
    assert.equal(payload.booking.unit, 'Room 101');
    assert.equal(payload.booking.source, 'message');
    assert.equal(payload.window.checkOutAt, '2026-07-12T10:00:00.000Z');
  });

  it('gives an early check-in from msg.overrides and a late checkout from the booking', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessage('out');
    helper.getNode('window').receive({
      payload: { ...airbnbBooking, checkOutTime: '14:00' },
      overrides: { checkIn: '13:00', locks: ['front-door'] },
    });
    const { window } = windowOf(await received);
    assert.equal(window.checkInAt, '2026-07-10T12:00:00.000Z');
    assert.equal(window.checkOutAt, '2026-07-13T13:00:00.000Z');
    assert.deepEqual(window.locks, ['front-door']);
  });

  it('keeps local times for a stay over the spring-forward night', async () => {
    await helper.load(accessWindowNode, flow({ timeZone: 'America/New_York' }));
    const received = nextMessage('out');
    const booking = { ...airbnbBooking, arrival: '2026-03-07', departure: '2026-03-09' };
    helper.getNode('window').receive({ payload: { kind: 'booking', change: 'created', booking } });
    const { window } = windowOf(await received);
    assert.equal(window.checkInAt, '2026-03-07T21:00:00.000Z'); // 16:00 EST
    assert.equal(window.checkOutAt, '2026-03-09T15:00:00.000Z'); // 11:00 EDT
    assert.equal(window.timeZone, 'America/New_York');
  });

  it('moves a check-in set inside the spring-forward gap to after the jump', async () => {
    await helper.load(accessWindowNode, flow({ timeZone: 'America/New_York', checkIn: '02:30' }));
    const received = nextMessage('out');
    const booking = { ...airbnbBooking, arrival: '2026-03-08', departure: '2026-03-10' };
    helper.getNode('window').receive({ payload: { kind: 'booking', change: 'created', booking } });
    assert.equal(windowOf(await received).window.checkInAt, '2026-03-08T07:30:00.000Z'); // 03:30 EDT
  });

  it('still gives a cancelled booking its window, so its code can be taken back', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessage('out');
    helper.getNode('window').receive({ payload: { kind: 'booking', change: 'cancelled', booking: airbnbBooking } });
    const payload = windowOf(await received);
    assert.equal(payload.change, 'cancelled');
    assert.equal(payload.window.checkInAt, '2026-07-10T15:00:00.000Z');
    assert.deepEqual(statusTexts('window').at(-1), 'Room 101: cancelled');
  });

  it('shows how far away check-in is, then the local check-in time', async () => {
    const clock = new ManualClock('2026-07-07T12:00:00Z');
    helper.settings({ staykey: { clock } });
    await helper.load(accessWindowNode, flow());
    const send = async () => {
      const received = nextMessage('out');
      helper.getNode('window').receive({ payload: { kind: 'booking', change: 'created', booking: airbnbBooking } });
      await received;
      return statusTexts('window').at(-1);
    };
    assert.equal(await send(), 'Room 101: in 3 d');
    clock.advanceTo('2026-07-10T09:00:00Z');
    assert.equal(await send(), 'Room 101: 10 Jul 16:00');
  });

  it('sends a bad booking to a Catch node with a red status, and nothing downstream', async () => {
    await helper.load(accessWindowNode, flow());
    const caught = nextMessage('caught');
    const firstOut = nextMessage('out');
    const bad = { ...airbnbBooking, arrival: '2026-07-13', departure: '2026-07-10' };
    helper.getNode('window').receive({ payload: { kind: 'booking', change: 'created', booking: bad } });
    const error = (await caught).error as { message: string; source: { id: string } };
    assert.match(error.message, /HM123@airbnb.com: departure 2026-07-10 is not after arrival 2026-07-13/);
    assert.equal(error.source.id, 'window');
    assert.match(statusTexts('window').at(-1) ?? '', /^booking HM123@airbnb.com: depar/);

    // The next good booking is the first thing out: the bad one sent nothing.
    const good = { ...airbnbBooking, id: 'GOOD-1' };
    helper.getNode('window').receive({ payload: { kind: 'booking', change: 'created', booking: good } });
    assert.equal((await firstOut).topic, 'GOOD-1');
  });

  for (const [label, payload, pattern] of [
    ['garbage', 'not a booking', /needs a booking in msg.payload/],
    ['a booking without dates', { id: 'X1', unit: 'Room 101' }, /X1: arrival must be a date/],
    ['another kind of message', { kind: 'lock-result', ok: true }, /takes bookings, not "lock-result"/],
    ['an unknown change', { kind: 'booking', change: 'moved', booking: airbnbBooking }, /change must be created, changed or cancelled/],
    // Found by the fuzz test: String() of these throws a TypeError of its own.
    ['an id that has no text', { id: { toString: [] }, arrival: '2026-07-10', departure: '2026-07-13' }, /booking has no id/],
    ['a kind that has no text', { kind: { toString: [] } }, /takes bookings, not "\{"toString":\[\]\}"/],
  ] as const) {
    it(`reports ${label} to a Catch node`, async () => {
      await helper.load(accessWindowNode, flow());
      const caught = nextMessage('caught');
      helper.getNode('window').receive({ payload });
      assert.match(((await caught).error as { message: string }).message, pattern);
    });
  }

  it('reports a bad override with the booking it belongs to', async () => {
    await helper.load(accessWindowNode, flow());
    const caught = nextMessage('caught');
    helper.getNode('window').receive({ payload: airbnbBooking, overrides: { checkIn: '25:00' } });
    assert.match(((await caught).error as { message: string }).message, /booking HM123@airbnb.com: override: "25:00" is not a time of day/);
  });

  it('turns red at deploy with a bad time zone, and fails every booking until fixed', async () => {
    await helper.load(accessWindowNode, flow({ timeZone: 'Europe/Atlantis' }));
    const node = helper.getNode('window');
    const errors = node.error.getCalls().filter((call) => call.thisValue === node).map((call) => String(call.args[0]));
    assert.ok(errors.some((text) => /time zone "Europe\/Atlantis" is not an IANA zone/.test(text)), errors.join('; '));
    assert.match(statusTexts('window')[0], /Europe\/Atlantis/);

    const caught = nextMessage('caught');
    node.receive({ payload: { kind: 'booking', change: 'created', booking: airbnbBooking } });
    assert.match(((await caught).error as { message: string }).message, /access-window settings: time zone "Europe\/Atlantis"/);
  });

  it('refuses a negative buffer or a check-in that is not a time at deploy', async () => {
    await helper.load(accessWindowNode, flow({ bufferBefore: '-15' }));
    assert.match(statusTexts('window')[0], /buffer before must be 0 or more/);
    await helper.unload();
    await helper.load(accessWindowNode, flow({ checkIn: '4pm' }));
    assert.match(statusTexts('window')[0], /"4pm" is not a time of day/);
  });

  it('uses the server zone when none is set', async () => {
    await helper.load(accessWindowNode, flow({ timeZone: '' }));
    const received = nextMessage('out');
    helper.getNode('window').receive({ payload: airbnbBooking });
    assert.equal(windowOf(await received).window.timeZone, new Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('asks for locks when none are set, and takes them from the booking message', async () => {
    await helper.load(accessWindowNode, flow({ locks: '' }));
    assert.equal(statusTexts('window')[0], 'no locks set');
    const caught = nextMessage('caught');
    helper.getNode('window').receive({ payload: airbnbBooking });
    assert.match(((await caught).error as { message: string }).message, /no locks/);
    const received = nextMessage('out');
    helper.getNode('window').receive({ payload: airbnbBooking, overrides: { locks: 'annex' } });
    assert.deepEqual(windowOf(await received).window.locks, ['annex']);
  });

  it('tells the editor the server zone and the zones it knows', async () => {
    await helper.load(accessWindowNode, flow());
    const answer = await helper.request().get('/staykey/access-window/zones');
    assert.equal(answer.status, 200);
    const body = answer.body as { serverZone: string; zones: string[] };
    assert.equal(body.serverZone, new Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.ok(body.zones.includes('Europe/Lisbon'));
  });
});
