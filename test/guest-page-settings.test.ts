/**
 * The guest page's core without Node-RED: its settings and status (lib/guest/page-settings.ts), who a
 * request comes from and how, and what a request that cannot be answered gets (lib/guest/http.ts).
 */
import { strict as assert } from 'node:assert';
import { FormError, failureAnswer, guestAddress, isHttps, RequestOrigin } from '../lib/guest/http';
import { checkInOptions, deskStatus } from '../lib/guest/page-settings';
import { ManualClock } from '../lib/time/clock';

function request(fields: Partial<RequestOrigin> = {}): RequestOrigin {
  return { headers: {}, socket: { remoteAddress: '10.0.0.2' }, ...fields };
}

describe('guest page settings', () => {
  const clock = new ManualClock(new Date('2026-07-01T09:00:00Z'));

  it('reads the editor\'s numbers as text, one lock-out time for both limits, and the defaults where blank', () => {
    const options = checkInOptions({ property: '  Casa Azul ', clientTries: '3', bookingMinutes: 30, lockoutMinutes: '20', sessionMinutes: '' }, clock);
    assert.equal(options.clock, clock);
    assert.equal(options.property, 'Casa Azul');
    assert.deepEqual(options.perClient, { tries: 3, windowMinutes: 15, lockoutMinutes: 20 });
    assert.deepEqual(options.perBooking, { tries: 10, windowMinutes: 30, lockoutMinutes: 20 });
    assert.equal(options.sessionMinutes, 60);
    assert.equal(checkInOptions({}, clock).property, '');
    assert.deepEqual(checkInOptions({}, clock).perClient, { tries: 5, windowMinutes: 15, lockoutMinutes: 15 });
  });

  it('shows lock-outs first, else the guests verified, in the singular for one', () => {
    assert.deepEqual(deskStatus({ verified: 4, lockedOut: 2 }), { fill: 'yellow', text: 'locked out 2' });
    assert.deepEqual(deskStatus({ verified: 1, lockedOut: 0 }), { fill: 'green', text: '1 guest verified' });
    assert.deepEqual(deskStatus({ verified: 0, lockedOut: 0 }), { fill: 'green', text: '0 guests verified' });
  });
});

describe('who a guest request comes from', () => {
  it('trusts the forwarded address only behind a proxy, taking the one the proxy added', () => {
    const forwarded = request({ headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' } });
    assert.equal(guestAddress(forwarded, true), '198.51.100.7');
    assert.equal(guestAddress(forwarded, false), '10.0.0.2');
    assert.equal(guestAddress(request({ socket: {}, ip: '10.0.0.3' }), false), '10.0.0.3');
  });

  it('calls a request https when it came so, or behind a proxy that says so first', () => {
    assert.equal(isHttps(request({ secure: true }), false), true);
    const proxied = request({ headers: { 'x-forwarded-proto': 'https, http' } });
    assert.equal(isHttps(proxied, true), true);
    assert.equal(isHttps(proxied, false), false);
    assert.equal(isHttps(request({ headers: { 'x-forwarded-proto': 'http, https' } }), true), false);
  });

  it('answers a bad form with its status and no reason, an oversized one by closing, and anything else as our fault', () => {
    assert.deepEqual(failureAnswer(new FormError('the check-in form is sent as a web form', 415)), { status: 415, text: 'Bad request', close: false });
    assert.deepEqual(failureAnswer(new FormError('too large', 413)), { status: 413, text: 'Bad request', close: true });
    assert.deepEqual(failureAnswer(new Error('disk full')), { status: 500, text: 'Something went wrong. Please try again or contact your host.', close: false });
  });
});
