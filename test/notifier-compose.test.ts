import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import type { BatteryReportMessage, CodeMessage } from '../lib/messages';
import { composeMessage } from '../lib/notify/compose';
import { Vault } from '../lib/pins/vault';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const open = (sealed: string) => vault.open(sealed);

function codeMessage(email?: string): CodeMessage {
  const booking = { id: 'B7', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-14', departure: '2026-07-17', email };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  return {
    kind: 'code',
    change: 'issued',
    bookingId: 'B7',
    booking,
    window,
    codes: [{ lockId: 'front', lockName: 'Front door', unit: 'Room 101', slot: 3, pin: vault.seal('482913') }],
  };
}

describe('notifier: composing a message', () => {
  it('sends a guest message to msg.to first, then the booking email, then the fixed address', () => {
    const options = { guestTo: 'desk@example.com' };
    assert.equal(composeMessage(codeMessage('maria@example.com'), '+351900000000', options, open)?.to, '+351900000000');
    assert.equal(composeMessage(codeMessage('maria@example.com'), undefined, options, open)?.to, 'maria@example.com');
    assert.equal(composeMessage(codeMessage(), '  ', options, open)?.to, 'desk@example.com');
    assert.equal(composeMessage(codeMessage(), undefined, {}, open)?.to, undefined);
  });

  it('sends a Booking.com guest\'s code to the host to pass on, as the guest\'s own message (its delivery still counts)', () => {
    const message = codeMessage();
    message.booking = { ...message.booking, source: 'booking.com', guestName: 'Anna Berg', codeTo: 'host' };
    const outgoing = composeMessage(message, undefined, { guestTo: 'desk@example.com', hostTo: 'host@example.com' }, open);
    assert.equal(outgoing?.to, 'host@example.com');
    assert.equal(outgoing?.viaHost, true);
    assert.equal(outgoing?.audience, 'guest');
    assert.match(outgoing?.text ?? '', /^Pass this on to Anna Berg \(booking\.com, 2026-07-14 to 2026-07-17\)/);
    assert.match(outgoing?.text ?? '', /482913/);
    assert.doesNotMatch(outgoing?.preview ?? '', /482913/);
    assert.match(outgoing?.subject ?? '', /^To pass on: /);
    assert.equal(composeMessage(message, '+351900000000', {}, open)?.to, '+351900000000', 'the flow\'s own recipient still wins');
  });

  it('keeps the plaintext PINs beside the message so records can mask them', () => {
    const outgoing = composeMessage(codeMessage(), undefined, {}, open);
    assert.deepEqual(outgoing?.pins, ['482913']);
    assert.equal(outgoing?.audience, 'guest');
    assert.equal(outgoing?.bookingId, 'B7');
  });

  it('sends alerts to the host address', () => {
    const outgoing = composeMessage({ kind: 'alert', severity: 'info', topic: 'Hi', text: 'Lock back online' }, undefined, { hostTo: 'host@example.com' }, open);
    assert.equal(outgoing?.to, 'host@example.com');
    assert.equal(outgoing?.audience, 'host');
    assert.deepEqual(outgoing?.pins, []);
  });

  it('says nothing about a battery report in which no lock needs the host', () => {
    const report: BatteryReportMessage = { kind: 'battery-report', checkedAt: '2026-07-14T08:00:00Z', locks: [], attention: [] };
    assert.equal(composeMessage(report, undefined, { hostTo: 'host@example.com' }, open), undefined);
  });

  it('names the kind it does not handle', () => {
    assert.throws(() => composeMessage({ kind: 'lock-result' }, undefined, {}, open), /takes code, alert or battery-report messages .* got a "lock-result" message/);
    assert.throws(() => composeMessage('hello', undefined, {}, open), /got a payload without a kind/);
  });

  it('refuses a code message without its access window', () => {
    const message = { ...codeMessage(), window: undefined };
    assert.throws(() => composeMessage(message, undefined, {}, open), /booking B7 has no access window/);
  });

  it('refuses an alert without text', () => {
    assert.throws(() => composeMessage({ kind: 'alert', severity: 'info', topic: 't', text: ' ' }, undefined, {}, open), /alert message has no text/);
  });
});
