import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import type { AlertMessage, BatteryReportMessage, CodeMessage, GuestCode } from '../lib/messages';
import {
  NO_CODE_TEXT,
  PIN_MASK,
  checkTemplate,
  codesText,
  guestView,
  maskPins,
  renderGuestMessage,
  renderHostMessage,
} from '../lib/notify/render';
import { Vault } from '../lib/pins/vault';
import { windowFor } from '../lib/windows/window';
import type { Booking } from '../lib/bookings/booking';

const vault = Vault.withKey(crypto.randomBytes(32));
const open = (sealed: string) => vault.open(sealed);

function booking(overrides: Partial<Booking> = {}): Booking {
  return { id: 'B1', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-14', departure: '2026-07-17', guestName: 'Maria', ...overrides };
}

function code(pin: string, overrides: Partial<GuestCode> = {}): GuestCode {
  return { lockId: 'front', lockName: 'Front door', unit: 'Room 101', slot: 3, pin: vault.seal(pin), ...overrides };
}

function codeMessage(codes: GuestCode[], overrides: Partial<CodeMessage> = {}, timeZone = 'Europe/Lisbon'): CodeMessage {
  const stay = overrides.booking ?? booking();
  const window = windowFor(stay, { checkIn: '16:00', checkOut: '11:00', timeZone, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  return { kind: 'code', change: 'issued', bookingId: stay.id, booking: stay, window, codes, ...overrides };
}

describe('render: guest codes', () => {
  it('writes a unit and its code on one line', () => {
    const view = guestView(codeMessage([code('482913')]), open);
    assert.equal(view.codesText, 'Room 101: 482913');
    assert.deepEqual(view.codes, [{ unit: 'Room 101', lockName: 'Front door', pin: '482913' }]);
  });

  it('writes one line per unit when a booking covers several units', () => {
    const view = guestView(codeMessage([code('482913'), code('551200', { unit: 'Room 102', lockId: 'r102', lockName: 'Room 102 door' })]), open);
    assert.equal(view.codesText, 'Room 101: 482913\nRoom 102: 551200');
  });

  it('writes a unit once when all its locks take the same code', () => {
    const codes = [code('482913'), code('482913', { lockId: 'gate', lockName: 'Garden gate' })];
    assert.equal(guestView(codeMessage(codes), open).codesText, 'Room 101: 482913');
  });

  it('names the locks when a unit has different codes per lock', () => {
    const codes = [
      code('482913'),
      code('482913', { lockId: 'hall', lockName: 'Hall door' }),
      code('770011', { lockId: 'gate', lockName: 'Garden gate' }),
    ];
    assert.equal(
      guestView(codeMessage(codes), open).codesText,
      'Room 101 (Front door, Hall door): 482913\nRoom 101 (Garden gate): 770011',
    );
  });

  it('says there is no access code when the message has no codes', () => {
    const view = guestView(codeMessage([]), open);
    assert.equal(view.codesText, NO_CODE_TEXT);
    assert.equal(view.hasCodes, false);
  });

  it('says there is no access code, and shows no PIN, when the codes were revoked', () => {
    const message = codeMessage([code('482913')], { change: 'revoked' });
    const rendered = renderGuestMessage(message, open);
    assert.ok(rendered.text.includes(NO_CODE_TEXT), rendered.text);
    assert.ok(!rendered.text.includes('482913'));
    assert.ok(!rendered.html.includes('482913'));
  });

  it('tells the guest the code is unchanged when StayKey only keeps its hash', () => {
    const { pin: _sealed, ...withoutPin } = code('482913');
    void _sealed;
    const view = guestView(codeMessage([withoutPin], { change: 'updated' }), open);
    assert.equal(view.codesText, 'Room 101: same code as before');
    assert.equal(view.changed, true);
  });

  it('explains which booking and lock when a PIN was sealed by another installation', () => {
    const other = Vault.withKey(crypto.randomBytes(32));
    const message = codeMessage([code('1', { pin: other.seal('482913') })]);
    assert.throws(() => guestView(message, open), /booking B1: the code for Front door cannot be read/);
  });
});

describe('render: times in the property time zone', () => {
  it('shows check-in and checkout at the property clock across the spring-forward change (Lisbon)', () => {
    // Clocks jump 01:00 -> 02:00 on 29 March 2026; check-in is UTC+0, checkout UTC+1.
    const stay = booking({ arrival: '2026-03-28', departure: '2026-03-30' });
    const view = guestView(codeMessage([code('482913')], { booking: stay }), open);
    assert.match(view.checkIn, /^Sat,? 28 Mar 2026, 16:00$/);
    assert.match(view.checkOut, /^Mon,? 30 Mar 2026, 11:00$/);
  });

  it('shows check-in and checkout at the property clock across the fall-back change (New York)', () => {
    const stay = booking({ arrival: '2026-10-31', departure: '2026-11-02' });
    const view = guestView(codeMessage([code('482913')], { booking: stay }, 'America/New_York'), open);
    assert.match(view.checkIn, /^Sat,? 31 Oct 2026, 16:00$/);
    assert.match(view.checkOut, /^Mon,? 2 Nov 2026, 11:00$/);
    assert.equal(view.timeZone, 'America/New_York');
  });
});

describe('render: messages', () => {
  it('renders the default guest message with the code, times, instructions and host contact', () => {
    const rendered = renderGuestMessage(codeMessage([code('482913')]), open, {
      property: 'Sea View',
      instructions: 'Enter the code then press the lock button',
      hostContact: 'Ana, +351 912 345 678',
    });
    assert.equal(rendered.subject, 'Your door code for Sea View');
    for (const part of ['Hello Maria,', 'Room 101: 482913', 'Enter the code then press the lock button', 'Questions? Ana, +351 912 345 678']) {
      assert.ok(rendered.text.includes(part), `missing "${part}" in:\n${rendered.text}`);
    }
    // The weekday's comma depends on the runtime's ICU version; the date and the time do not.
    assert.match(rendered.text, /\nCheck-in: Tue,? 14 Jul 2026, 16:00\nCheck-out: Fri,? 17 Jul 2026, 11:00\n/);
    assert.ok(!/\n\n\n/.test(rendered.text), 'no runs of blank lines');
    assert.deepEqual(rendered.pins, ['482913']);
    assert.ok(!rendered.preview.includes('482913'));
    assert.ok(rendered.preview.includes(`Room 101: ${PIN_MASK}`));
  });

  it('keeps the text as written and escapes values in the HTML version', () => {
    const message = codeMessage([code('482913')], { booking: booking({ guestName: "Seán O'Brien & <Co>" }) });
    const rendered = renderGuestMessage(message, open, {}, { body: 'Hi {{guestName}}\n{{codesText}}' });
    assert.equal(rendered.text, "Hi Seán O'Brien & <Co>\nRoom 101: 482913\n");
    assert.ok(rendered.html.includes('Hi Seán O&#39;Brien &amp; &lt;Co&gt;<br>'), rendered.html);
    assert.ok(rendered.html.includes('Room 101: 482913'));
  });

  it('greets a guest without a name without a dangling space', () => {
    const message = codeMessage([code('482913')], { booking: booking({ guestName: undefined }) });
    assert.ok(renderGuestMessage(message, open).text.startsWith('Hello,\n'));
  });

  it('renders a host alert with its severity and topic', () => {
    const alert: AlertMessage = { kind: 'alert', severity: 'critical', topic: 'Code not set', text: 'Front door refused the code for booking B1.', lockId: 'front', bookingId: 'B1' };
    const rendered = renderHostMessage(alert, { property: 'Sea View' });
    assert.equal(rendered.subject, 'Sea View: [CRITICAL] Code not set');
    assert.equal(rendered.text, 'Front door refused the code for booking B1.\nLock: front\nBooking: B1\n');
  });

  it('renders one line per lock that needs the host in a battery report', () => {
    const report: BatteryReportMessage = {
      kind: 'battery-report',
      checkedAt: '2026-07-14T08:00:00Z',
      locks: [],
      attention: [
        { lockId: 'front', lockName: 'Front door', online: true, level: 18, batteryClass: 'replace-soon', advice: 'replace the 4 AA batteries this week' },
        { lockId: 'gate', lockName: 'Garden gate', online: false, level: null, batteryClass: 'unknown', advice: 'check the lock is powered' },
      ],
    };
    const rendered = renderHostMessage(report);
    assert.equal(rendered.subject, '2 lock battery warnings');
    assert.equal(
      rendered.text,
      'These locks need you:\nFront door: 18%, replace the 4 AA batteries this week\nGarden gate: offline, no battery reading, check the lock is powered\n',
    );
  });

  it('reports a template that does not parse with its name', () => {
    assert.throws(() => checkTemplate('{{#hasCodes}}open', 'guest message'), /guest message is not a valid template/);
  });
});

describe('render: maskPins', () => {
  it('replaces every PIN with a fixed mask', () => {
    assert.equal(maskPins('Room 101: 482913\nRoom 102: 5512', ['482913', '5512']), `Room 101: ${PIN_MASK}\nRoom 102: ${PIN_MASK}`);
  });

  it('masks the longer PIN first when one PIN is part of another', () => {
    const masked = maskPins('gate 123456, door 1234', ['1234', '123456']);
    assert.equal(masked, `gate ${PIN_MASK}, door ${PIN_MASK}`);
  });

  it('leaves text without PINs alone', () => {
    assert.equal(maskPins('no codes here', []), 'no codes here');
    assert.equal(maskPins('no codes here', ['']), 'no codes here');
  });
});

describe('render: codesText', () => {
  it('keeps the order in which the units came', () => {
    const text = codesText([
      { unit: 'B', lockName: 'b', pin: '2' },
      { unit: 'A', lockName: 'a', pin: '1' },
    ]);
    assert.equal(text, 'B: 2\nA: 1');
  });
});

describe('host tasks that carry a code', () => {
  it('shows a manual lock task its code, and masks it in the preview', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderHostMessage: render } = require('../lib/notify/render') as typeof import('../lib/notify/render');
    const rendered = render(
      { kind: 'alert', severity: 'info', topic: 'manual-task', text: 'Set a code in slot 3 of Front door', lockId: 'front-door', pin: 'sealed-482913' },
      {},
      {},
      (sealed) => sealed.replace('sealed-', ''),
    );
    if (!rendered.text.includes('Code: 482913')) throw new Error(`the host cannot see the code: ${rendered.text}`);
    if (rendered.preview.includes('482913')) throw new Error('the preview shows the code');
  });
});
