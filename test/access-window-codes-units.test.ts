import { strict as assert } from 'node:assert';
import type { NodeMessage } from 'node-red';
import type { WindowMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import accessWindowNode = require('../nodes/access-window/access-window');
import { helper } from './support/red';

type Settings = Record<string, unknown>;

const UNIT_LOCKS = 'Room 101: door-101, main-gate\nRoom 102: door-102, main-gate';

/** A property node for two rooms behind one main gate, wired to an output helper and a Catch node. */
function flow(settings: Settings = {}): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'StayKey' },
    {
      id: 'window',
      type: 'staykey-access-window',
      z: 'tab',
      name: 'Sea View',
      checkIn: '16:00',
      checkOut: '11:00',
      timeZone: 'Europe/Lisbon',
      bufferBefore: '30',
      bufferAfter: '60',
      leadHours: '48',
      locks: 'main-gate',
      unitLocks: UNIT_LOCKS,
      honourFeedTimes: false,
      wires: [['out']],
      ...settings,
    },
    { id: 'out', type: 'helper', z: 'tab', wires: [] },
    { id: 'on-error', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab', wires: [] },
  ];
}

const booking = { id: 'HM123', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ana' };

/** Resolves with the next `count` messages `id` receives; node handlers swallow exceptions, so assert outside them. */
function nextMessages(id: string, count: number): Promise<NodeMessage[]> {
  return new Promise((resolve) => {
    const node = helper.getNode(id);
    const received: NodeMessage[] = [];
    const listener = (msg: NodeMessage) => {
      received.push(msg);
      if (received.length < count) return;
      node.removeListener('input', listener);
      resolve(received);
    };
    node.on('input', listener);
  });
}

async function nextMessage(id: string): Promise<NodeMessage> {
  return (await nextMessages(id, 1))[0];
}

async function caughtError(): Promise<string> {
  return ((await nextMessage('caught')).error as { message: string }).message;
}

function windowOf(msg: NodeMessage): WindowMessage {
  return msg.payload as WindowMessage;
}

function lastStatus(id: string): string {
  const node = helper.getNode(id);
  const calls = node.status.getCalls().filter((call) => call.thisValue === node);
  return (calls.at(-1)?.args[0] as { text?: string } | undefined)?.text ?? '';
}

/** Sends each message in turn and gives back everything out, one list per message sent. */
async function sendInTurn(messages: { msg: object; expect: number }[]): Promise<NodeMessage[][]> {
  const answers: NodeMessage[][] = [];
  for (const { msg, expect } of messages) {
    const received = nextMessages('out', expect);
    helper.getNode('window').receive(msg);
    answers.push(await received);
  }
  return answers;
}

describe('access-window node: staff, one-time and manual codes', () => {
  // Wednesday 4 March 2026, midday in Lisbon.
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock('2026-03-04T12:00:00Z');
    helper.settings({ staykey: { clock } });
    await helper.startServer();
  });
  afterEach(async () => {
    helper.settings({ staykey: undefined });
    await helper.unload();
    await helper.stopServer();
  });

  it('turns a cleaner\'s weekly hours into a staff window on the node\'s locks, without buffers', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessage('out');
    helper.getNode('window').receive({
      payload: { kind: 'staff-code', id: 'maria', name: 'Maria', email: 'maria@example.com', weekdays: 'mon,thu', from: '10:00', to: '14:00', endDate: '2026-04-30' },
      keep: 'me',
    });
    const msg = await received;
    assert.equal(msg.topic, 'staff:maria');
    assert.equal(msg.keep, 'me');
    const payload = windowOf(msg);
    assert.equal(payload.kind, 'window');
    assert.equal(payload.change, 'changed');
    assert.deepEqual(payload.booking, {
      id: 'staff:maria',
      unit: 'Sea View',
      source: 'staff-code',
      arrival: '2026-03-04',
      departure: '2026-04-30',
      guestName: 'Maria',
      email: 'maria@example.com',
    });
    assert.deepEqual(payload.window, {
      bookingId: 'staff:maria',
      unit: 'Sea View',
      locks: ['main-gate'],
      timeZone: 'Europe/Lisbon',
      checkInAt: '2026-03-04T00:00:00.000Z',
      checkOutAt: '2026-04-30T23:00:00.000Z',
      startsAt: '2026-03-04T00:00:00.000Z',
      endsAt: '2026-04-30T23:00:00.000Z',
      issueAt: '2026-03-02T00:00:00.000Z',
      kind: 'staff',
      weekly: { weekdays: [1, 4], from: '10:00', to: '14:00' },
    });
    // The next hours are Thursday's.
    assert.equal(lastStatus('window'), 'Maria: 5 Mar 10:00');
  });

  it('gives a one-time code the locks of the unit it names', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessage('out');
    helper.getNode('window').receive({
      payload: { kind: 'one-time-code', id: 'plumber', name: 'Plumber', unit: 'room 102', date: '2026-03-10', from: '22:00', to: '01:00' },
    });
    const { booking: pseudo, window } = windowOf(await received);
    assert.equal(pseudo.id, 'one-time:plumber');
    assert.equal(window.kind, 'one-time');
    assert.equal(window.unit, 'room 102');
    assert.deepEqual(window.locks, ['door-102', 'main-gate']);
    assert.equal(window.startsAt, '2026-03-10T22:00:00.000Z');
    assert.equal(window.endsAt, '2026-03-11T01:00:00.000Z');
    assert.equal(lastStatus('window'), 'Plumber: in 6 d');
  });

  it('gives a manual code the locks in the message', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessage('out');
    helper.getNode('window').receive({
      payload: { kind: 'manual-code', id: 'owner-aug', name: 'Owner', locks: 'door-101', from: '2026-08-01 14:00', to: '2026-08-15 10:00' },
      change: 'created',
    });
    const payload = windowOf(await received);
    assert.equal(payload.change, 'created');
    assert.equal(payload.window.kind, 'manual');
    assert.deepEqual(payload.window.locks, ['door-101']);
    assert.equal(payload.window.startsAt, '2026-08-01T13:00:00.000Z');
    assert.equal(payload.window.issueAt, '2026-07-30T13:00:00.000Z');
  });

  it('takes a code back with cancelled: true or msg.change, given only its id', async () => {
    await helper.load(accessWindowNode, flow());
    const [[flagged], [byChange]] = await sendInTurn([
      { msg: { payload: { kind: 'staff-code', id: 'maria', cancelled: true } }, expect: 1 },
      { msg: { payload: { kind: 'manual-code', id: 'owner-aug' }, change: 'cancelled' }, expect: 1 },
    ]);
    assert.equal(windowOf(flagged).change, 'cancelled');
    assert.equal(windowOf(flagged).booking.id, 'staff:maria');
    assert.equal(windowOf(byChange).change, 'cancelled');
    assert.equal(windowOf(byChange).window.bookingId, 'manual:owner-aug');
    assert.equal(lastStatus('window'), 'manual:owner-aug: cancelled');
  });

  it('sends a staff code without an end date to a Catch node, and nothing downstream', async () => {
    await helper.load(accessWindowNode, flow());
    const firstOut = nextMessage('out');
    const caught = caughtError();
    helper.getNode('window').receive({ payload: { kind: 'staff-code', id: 'maria', name: 'Maria', weekdays: 'mon', from: '10:00', to: '14:00' } });
    assert.match(await caught, /staff-code maria: endDate is missing: staff codes always end/);
    assert.match(lastStatus('window'), /^staff-code maria: endDate/);
    helper.getNode('window').receive({ payload: { kind: 'staff-code', id: 'next', name: 'Next', cancelled: true } });
    assert.equal((await firstOut).topic, 'staff:next');
  });

  it('reports a code for an unknown unit, and a code with no locks at all', async () => {
    await helper.load(accessWindowNode, flow());
    const caught = caughtError();
    helper.getNode('window').receive({ payload: { kind: 'one-time-code', id: 'p', name: 'P', unit: 'Room 9', date: '2026-03-10', from: '09:00', to: '10:00' } });
    assert.match(await caught, /Error: one-time-code p: unit "Room 9" is not in the node's unit locks \(known units: Room 101, Room 102\)/);
    await helper.unload();

    await helper.load(accessWindowNode, flow({ locks: '', unitLocks: '' }));
    const noLocks = caughtError();
    helper.getNode('window').receive({ payload: { kind: 'one-time-code', id: 'p', name: 'P', date: '2026-03-10', from: '09:00', to: '10:00' } });
    assert.match(await noLocks, /one-time-code p: no locks/);
  });
});

describe('access-window node: units and shared doors', () => {
  beforeEach(async () => {
    helper.settings({ staykey: { clock: new ManualClock('2026-07-01T12:00:00Z') } });
    await helper.startServer();
  });
  afterEach(async () => {
    helper.settings({ staykey: undefined });
    await helper.unload();
    await helper.stopServer();
  });

  it('gives each unit\'s guests their own door and the shared gate', async () => {
    await helper.load(accessWindowNode, flow());
    const [[room101], [room102]] = await sendInTurn([
      { msg: { payload: { kind: 'booking', change: 'created', booking: { ...booking, unit: 'Room 101' } } }, expect: 1 },
      { msg: { payload: { ...booking, id: 'B2', unit: 'ROOM 102' } }, expect: 1 },
    ]);
    assert.deepEqual(windowOf(room101).window.locks, ['door-101', 'main-gate']);
    assert.equal(windowOf(room101).window.bookingId, 'HM123');
    assert.equal(room101.topic, 'HM123');
    assert.deepEqual(windowOf(room102).window.locks, ['door-102', 'main-gate']);
    // Buffers still apply to guests.
    assert.equal(windowOf(room102).window.startsAt, '2026-07-10T14:30:00.000Z');
  });

  it('names the unit and the known ones when a booking\'s unit is not listed', async () => {
    await helper.load(accessWindowNode, flow());
    const caught = caughtError();
    helper.getNode('window').receive({ payload: { ...booking, unit: 'Room 104' } });
    assert.match(await caught, /booking HM123: unit "Room 104" is not in the node's unit locks \(known units: Room 101, Room 102\)/);
  });

  it('still uses the plain locks for a one-unit node', async () => {
    await helper.load(accessWindowNode, flow({ unitLocks: '', locks: 'front-door' }));
    const received = nextMessage('out');
    helper.getNode('window').receive({ payload: { ...booking, unit: 'Anything' } });
    assert.deepEqual(windowOf(await received).window.locks, ['front-door']);
  });

  it('sends one window per unit for a booking of several units', async () => {
    await helper.load(accessWindowNode, flow());
    const received = nextMessages('out', 2);
    helper.getNode('window').receive({ payload: { ...booking, units: ['Room 101', 'Room 102'] }, keep: 'me' });
    const [first, second] = await received;
    assert.deepEqual(
      [first, second].map((msg) => {
        const { booking: b, window } = windowOf(msg);
        return [msg.topic, msg.keep, b.id, b.unit, window.bookingId, window.unit, window.locks];
      }),
      [
        ['HM123#Room 101', 'me', 'HM123', 'Room 101', 'HM123#Room 101', 'Room 101', ['door-101', 'main-gate']],
        ['HM123#Room 102', 'me', 'HM123', 'Room 102', 'HM123#Room 102', 'Room 102', ['door-102', 'main-gate']],
      ],
    );
    assert.notEqual(first.payload, second.payload);
    assert.equal(lastStatus('window'), '2 units: in 9 d');
  });

  it('cancels every unit\'s window when the booking is cancelled', async () => {
    await helper.load(accessWindowNode, flow());
    const units = ['Room 101', 'Room 102'];
    const [, cancelled] = await sendInTurn([
      { msg: { payload: { kind: 'booking', change: 'created', booking: { ...booking, units } } }, expect: 2 },
      { msg: { payload: { kind: 'booking', change: 'cancelled', booking: { ...booking, units } } }, expect: 2 },
    ]);
    assert.deepEqual(
      cancelled.map((msg) => [windowOf(msg).change, windowOf(msg).window.bookingId]),
      [
        ['cancelled', 'HM123#Room 101'],
        ['cancelled', 'HM123#Room 102'],
      ],
    );
    assert.equal(lastStatus('window'), '2 units: cancelled');
  });

  it('cancels the window of a unit a change drops, and the per-unit windows of a cancellation that lists none', async () => {
    await helper.load(accessWindowNode, flow());
    const [, dropped, cancelled] = await sendInTurn([
      { msg: { payload: { ...booking, units: ['Room 101', 'Room 102'] } }, expect: 2 },
      { msg: { payload: { ...booking, units: ['Room 101'] }, change: 'changed' }, expect: 2 },
      { msg: { payload: { ...booking, unit: 'Room 101' }, change: 'cancelled' }, expect: 2 },
    ]);
    assert.deepEqual(
      dropped.map((msg) => [windowOf(msg).change, windowOf(msg).window.bookingId, windowOf(msg).booking.unit, msg.topic]),
      [
        ['cancelled', 'HM123#Room 102', 'Room 102', 'HM123#Room 102'],
        ['changed', 'HM123#Room 101', 'Room 101', 'HM123#Room 101'],
      ],
    );
    assert.equal(lastStatus('window'), 'Room 101: cancelled');
    // The cancellation names one unit and no units: the remembered Room 101 window goes too.
    assert.deepEqual(
      cancelled.map((msg) => [windowOf(msg).change, windowOf(msg).window.bookingId]),
      [
        ['cancelled', 'HM123#Room 101'],
        ['cancelled', 'HM123'],
      ],
    );
  });

  it('honours a feed\'s own times when the option is on, and the property\'s otherwise', async () => {
    const timed = { ...booking, unit: 'Room 101', arrivalAt: '2026-07-10T13:00:00Z', departureAt: '2026-07-13T12:30:00Z' };
    await helper.load(accessWindowNode, flow({ honourFeedTimes: true, bufferBefore: '0', bufferAfter: '0' }));
    const honoured = nextMessage('out');
    helper.getNode('window').receive({ payload: timed });
    assert.deepEqual([windowOf(await honoured).window.checkInAt, windowOf(await honoured).window.checkOutAt], [
      '2026-07-10T13:00:00.000Z',
      '2026-07-13T12:30:00.000Z',
    ]);
    await helper.unload();
    await helper.load(accessWindowNode, flow({ bufferBefore: '0', bufferAfter: '0' }));
    const ignored = nextMessage('out');
    helper.getNode('window').receive({ payload: timed });
    assert.equal(windowOf(await ignored).window.checkInAt, '2026-07-10T15:00:00.000Z');
  });

  it('refuses several units on a node without unit locks', async () => {
    await helper.load(accessWindowNode, flow({ unitLocks: '', locks: 'front-door' }));
    const caught = caughtError();
    helper.getNode('window').receive({ payload: { ...booking, units: ['Room 101', 'Room 102'] } });
    assert.match(await caught, /booking HM123 is for several units \(Room 101, Room 102\): set the node's unit locks/);
  });

  it('turns red at deploy with a unit locks line it cannot read', async () => {
    await helper.load(accessWindowNode, flow({ unitLocks: 'Room 101: door-101\nRoom 102 door-102' }));
    assert.match(lastStatus('window'), /^unit locks, line 2: write/);
    const caught = caughtError();
    helper.getNode('window').receive({ payload: { ...booking, unit: 'Room 101' } });
    assert.match(await caught, /access-window settings: unit locks, line 2/);
  });
});
