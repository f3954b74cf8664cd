/**
 * The check-in page's core without Node-RED: counting wrong tries, sessions and form tokens, the
 * rendered page, and the small HTTP details.
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TryLimiter } from '../lib/guest/attempts';
import { CheckInDesk, GuestBookings, referenceKeyOf } from '../lib/guest/check-in';
import { clientKey, cookieValue, pagePath, readForm } from '../lib/guest/http';
import { escapeHtml, renderStayPage, StayView } from '../lib/guest/page';
import { GuestSessions } from '../lib/guest/sessions';
import { ManualClock } from '../lib/time/clock';

const MINUTE = 60_000;

function stay(overrides: Partial<StayView> = {}): StayView {
  return {
    bookingId: 'b1',
    version: 1,
    guestName: 'Ada Lovelace',
    unit: 'Room 101',
    timeZone: 'Europe/Lisbon',
    checkInAt: '2026-07-10T15:00:00.000Z',
    checkOutAt: '2026-07-12T10:00:00.000Z',
    issued: true,
    codes: [{ lockName: 'Front door', pin: '482913' }],
    ...overrides,
  };
}

/** Bookings as a pin-issuer lends them: one booking, found by its code and the guest's last name. */
function bookings(view: () => StayView | undefined, keepsPins = true): GuestBookings {
  return {
    find: (reference, proof) => (referenceKeyOf(reference) === 'hm1' && proof.trim().toLowerCase() === 'lovelace' ? 'b1' : undefined),
    named: (reference) => (referenceKeyOf(reference) === 'hm1' ? ['b1'] : []),
    view: (bookingId) => (bookingId === 'b1' ? view() : undefined),
    keepsPins,
  };
}

describe('guest-page core', () => {
  describe('TryLimiter', () => {
    it('locks a key out on its last allowed wrong try, for the lock-out time', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const limiter = new TryLimiter({ tries: 3, windowMinutes: 10, lockoutMinutes: 20 }, clock);
      assert.equal(limiter.recordWrong('a'), false);
      assert.equal(limiter.recordWrong('a'), false);
      assert.equal(limiter.lockedUntil('a'), undefined);
      assert.equal(limiter.recordWrong('a'), true);
      assert.equal(limiter.lockedUntil('a')?.toISOString(), '2026-07-01T00:20:00.000Z');
      assert.equal(limiter.lockedUntil('b'), undefined, 'another key is free');
      assert.equal(limiter.lockedOut(), 1);
      clock.advance(20 * MINUTE);
      assert.equal(limiter.lockedUntil('a'), undefined);
      assert.equal(limiter.recordWrong('a'), false, 'the count starts again after a lock-out');
    });

    it('forgets wrong tries older than its window', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const limiter = new TryLimiter({ tries: 2, windowMinutes: 10, lockoutMinutes: 5 }, clock);
      limiter.recordWrong('a');
      clock.advance(10 * MINUTE + 1);
      assert.equal(limiter.recordWrong('a'), false);
      clock.advance(MINUTE);
      assert.equal(limiter.recordWrong('a'), true);
    });

    it('keeps counting the tries that led to a lock-out, so it lasts until the window has room again', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const limiter = new TryLimiter({ tries: 3, windowMinutes: 60, lockoutMinutes: 15 }, clock);
      for (let i = 0; i < 3; i++) limiter.recordWrong('a');
      assert.equal(limiter.lockedUntil('a')?.toISOString(), '2026-07-01T01:00:00.000Z', 'not after 15 minutes: 3 tries are still within the hour');
      clock.advance(60 * MINUTE);
      assert.equal(limiter.lockedUntil('a'), undefined);
      assert.equal(limiter.recordWrong('a'), false, 'the hour is over: its tries no longer count');
    });

    it('makes each lock-out that follows another within a day twice as long, and forgets them after a quiet day', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const limiter = new TryLimiter({ tries: 2, windowMinutes: 10, lockoutMinutes: 20 }, clock);
      const lockOut = () => {
        limiter.recordWrong('a');
        assert.equal(limiter.recordWrong('a'), true);
        const until = limiter.lockedUntil('a')!;
        const minutes = (until.getTime() - clock.now().getTime()) / MINUTE;
        clock.advanceTo(until);
        return minutes;
      };
      assert.deepEqual([lockOut(), lockOut(), lockOut()], [20, 40, 80]);
      clock.advance(24 * 60 * MINUTE);
      assert.equal(lockOut(), 20, 'after a quiet day the first lock-out again');
    });

    it('refuses a limit that would never allow a try', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      assert.throws(() => new TryLimiter({ tries: 0, windowMinutes: 10, lockoutMinutes: 5 }, clock), /at least 1/);
    });
  });

  describe('GuestSessions', () => {
    it('ends a session after its lifetime and counts verified bookings once', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const sessions = new GuestSessions(clock, 30);
      const first = sessions.start('b1', 1);
      sessions.start('b1', 1);
      sessions.start('b2', 1);
      assert.equal(sessions.verifiedBookings(), 2);
      assert.deepEqual(sessions.find(first), { bookingId: 'b1', version: 1, expiresAt: Date.parse('2026-07-01T00:30:00Z') });
      clock.advance(30 * MINUTE);
      assert.equal(sessions.find(first), undefined);
      assert.equal(sessions.verifiedBookings(), 0);
    });

    it('accepts a form token only with the browser id it was made for', () => {
      const sessions = new GuestSessions(new ManualClock('2026-07-01T00:00:00Z'), 30);
      const mine = sessions.start('b1', 1);
      const theirs = sessions.start('b2', 1);
      assert.equal(sessions.formTokenMatches(mine, sessions.formToken(mine)), true);
      assert.equal(sessions.formTokenMatches(theirs, sessions.formToken(mine)), false);
      assert.equal(sessions.formTokenMatches(undefined, sessions.formToken(mine)), false);
      assert.equal(sessions.formTokenMatches('short', sessions.formToken('short')), false, 'an id we never give out');
      const other = new GuestSessions(new ManualClock('2026-07-01T00:00:00Z'), 30);
      assert.equal(other.formTokenMatches(mine, sessions.formToken(mine)), false, 'a redeployed page makes new tokens');
    });
  });

  describe('the page', () => {
    it('escapes every value from the booking', () => {
      const html = renderStayPage({
        property: 'Casa <b>Azul</b>',
        token: 't"oken',
        keepsPins: true,
        stay: stay({ guestName: '<img src=x onerror=alert(1)>', unit: 'Room "101" & <2>', codes: [{ lockName: '<script>x</script>', pin: '1<2' }] }),
      });
      assert.ok(!/<img|<script|<b>/.test(html), html);
      assert.ok(html.includes('Room &quot;101&quot; &amp; &lt;2&gt;'));
      assert.ok(html.includes('value="t&quot;oken"'));
      assert.equal(escapeHtml(`'`), '&#39;');
    });

    it('says when the code will appear where the ledger gives its issue time, and "before check-in" otherwise', () => {
      const render = (view: StayView) => renderStayPage({ property: '', token: 't', keepsPins: true, stay: view });
      const issueAt = '2026-07-08T15:00:00.000Z';
      assert.match(render(stay({ issued: false, codes: [{ lockName: 'Front door', pin: null }], issueAt })), /It will appear here on Wed 8 Jul 2026, 16:00\./);
      assert.match(render(stay({ issued: false, codes: [{ lockName: 'Front door', pin: null }] })), /It will appear here before check-in\./);
    });

    it('tells a guest whose code is only a hash now that it was sent, and one whose code is being reset to check back', () => {
      const gone = stay({ codes: [{ lockName: 'Front door', pin: null }] });
      assert.match(renderStayPage({ property: '', token: 't', keepsPins: false, stay: gone }), /Your code was sent to you; ask your host to reset it if you lost it\./);
      assert.match(renderStayPage({ property: '', token: 't', keepsPins: true, stay: gone }), /on its way to the lock/);
    });
  });

  describe('CheckInDesk', () => {
    const options = (clock: ManualClock) => ({
      clock,
      property: 'Casa Azul',
      perClient: { tries: 5, windowMinutes: 15, lockoutMinutes: 15 },
      perBooking: { tries: 10, windowMinutes: 60, lockoutMinutes: 15 },
      sessionMinutes: 60,
    });

    it('binds a session to the booking version: a new version asks the guest again', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      let view = stay();
      const desk = new CheckInDesk(() => bookings(() => view), options(clock));
      const visit = desk.show({ client: '198.51.100.1' });
      const browserId = visit.setBrowserId!;
      const token = /name="token" value="([^"]+)"/.exec(visit.html!)![1];
      const verified = desk.submit({ browserId, client: '198.51.100.1' }, { token, action: 'verify', reference: 'HM1', proof: 'Lovelace' });
      assert.equal(verified.status, 303);
      assert.match(desk.show({ browserId: verified.setBrowserId, client: '198.51.100.1' }).html!, /482913/);
      view = stay({ version: 2, codes: [{ lockName: 'Front door', pin: '777111' }] });
      const again = desk.show({ browserId: verified.setBrowserId, client: '198.51.100.1' });
      assert.ok(!/777111|482913/.test(again.html!));
      assert.match(again.html!, /reset your door code/);
    });

    it('refuses the right answer while the client is locked out, and says nothing of the booking', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const desk = new CheckInDesk(() => bookings(() => stay()), options(clock));
      const visit = desk.show({ client: '198.51.100.1' });
      const browserId = visit.setBrowserId!;
      const token = /name="token" value="([^"]+)"/.exec(visit.html!)![1];
      const attempt = (reference: string, proof: string) => desk.submit({ browserId, client: '198.51.100.1' }, { token, action: 'verify', reference, proof });
      for (let i = 0; i < 4; i++) assert.equal(attempt(`X${i}`, 'nobody').status, 200);
      const fifth = attempt('X5', 'nobody');
      assert.equal(fifth.status, 429);
      assert.equal(fifth.alerts.length, 1);
      assert.equal(attempt('HM1', 'Lovelace').status, 429);
      assert.deepEqual(desk.status(), { verified: 0, lockedOut: 1 });
      assert.equal(desk.nextChangeAt()?.toISOString(), '2026-07-01T00:15:00.000Z');
    });

    /** A browser on the page: its id and the form token of the last page it was shown. */
    const browser = (desk: CheckInDesk, client: string) => {
      const visit = desk.show({ client });
      let browserId = visit.setBrowserId!;
      const token = () => /name="token" value="([^"]+)"/.exec(desk.show({ browserId, client }).html!)?.[1];
      return {
        client,
        verify(reference: string, proof: string) {
          const reply = desk.submit({ browserId, client }, { token: token(), action: 'verify', reference, proof });
          if (reply.setBrowserId) browserId = reply.setBrowserId;
          return reply;
        },
        open: () => desk.show({ browserId, client }),
      };
    };

    it('counts wrong tries against the booking whichever of its references they use', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const aliases = new Set(['hm1', 'old-1']);
      const shared: GuestBookings = { ...bookings(() => stay()), named: (reference) => (aliases.has(referenceKeyOf(reference)) ? ['b1'] : []) };
      const desk = new CheckInDesk(() => shared, options(clock));
      const answers = ['HM1', 'OLD-1', 'hm 1', 'old-1'].flatMap((reference, r) => [0, 1, 2].map((i) => browser(desk, `198.51.100.${r * 3 + i}`).verify(reference, 'Byron').status));
      assert.deepEqual(answers.slice(0, 9), Array(9).fill(200));
      assert.equal(answers[9], 429, 'the 10th wrong try at the booking, through any reference, locks it');
      assert.equal(browser(desk, '198.51.100.99').verify('OLD-1', 'Lovelace').status, 429);
    });

    it('asks for the phone digits instead of a one-letter name, without counting a try', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      let looked = 0;
      const counted: GuestBookings = { ...bookings(() => stay()), find: () => (looked++, undefined) };
      const desk = new CheckInDesk(() => counted, { ...options(clock), perClient: { tries: 1, windowMinutes: 15, lockoutMinutes: 15 } });
      const guest = browser(desk, '198.51.100.1');
      const answer = guest.verify('HM1', " X' ");
      assert.equal(answer.status, 200);
      assert.match(answer.html!, /A last name of one letter is not enough.*last 4 digits of your phone/);
      assert.equal(looked, 0, 'no booking was looked up');
      assert.equal(guest.verify('HM1', 'Xu').status, 429, 'the first real try is still the first one counted');
    });

    it('shows a code again only in the session that first saw it, and tells the host of a second device', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      let view = stay();
      const desk = new CheckInDesk(() => bookings(() => view), options(clock));
      const phone = browser(desk, '198.51.100.1');
      const verified = phone.verify('HM1', 'Lovelace');
      assert.equal(verified.status, 303);
      assert.equal(verified.setBrowserId !== undefined, true);
      assert.deepEqual(phone.open().alerts, [], 'the first device to see the code is the guest');
      assert.deepEqual(phone.open().alerts, [], 'and may see it again');
      const laptop = browser(desk, '198.51.100.2');
      assert.match(laptop.open().html!, /Reservation code/, 'another device must verify itself');
      laptop.verify('HM1', 'Lovelace');
      const [alert, ...more] = laptop.open().alerts;
      assert.deepEqual(more, []);
      assert.equal(alert.bookingId, 'b1');
      assert.match(alert.text, /door code of booking b1 was just shown on a second device/);
      assert.ok(!alert.text.includes('482913') && !alert.text.includes('Lovelace'));
      assert.deepEqual(laptop.open().alerts, [], 'told once per device');
      view = stay({ version: 2, codes: [{ lockName: 'Front door', pin: '777111' }] });
      laptop.verify('HM1', 'Lovelace');
      assert.deepEqual(laptop.open().alerts, [], 'a new code: the first device to see it is the guest again');
    });

    it('shows no code while the booking is on hold', () => {
      const html = renderStayPage({ property: '', token: 't', keepsPins: true, stay: stay({ onHold: true, codes: [{ lockName: 'Front door', pin: null }] }) });
      assert.match(html, /Your code is on hold\. Please contact your host\./);
      assert.ok(!/class="pin"/.test(html));
    });

    it('tells the guest the page is unavailable when the pin-issuer cannot be reached', () => {
      const clock = new ManualClock('2026-07-01T00:00:00Z');
      const desk = new CheckInDesk(() => {
        throw new Error('choose the pin-issuer');
      }, options(clock));
      const visit = desk.show({ client: 'c' });
      const token = /name="token" value="([^"]+)"/.exec(visit.html!)![1];
      const answer = desk.submit({ browserId: visit.setBrowserId, client: 'c' }, { token, action: 'verify', reference: 'HM1', proof: 'Lovelace' });
      assert.equal(answer.status, 503);
      assert.equal(answer.problem, 'choose the pin-issuer');
    });
  });

  describe('HTTP details', () => {
    it('counts an IPv6 client by its /64 and an IPv4-mapped one by its IPv4 address', () => {
      assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
      assert.equal(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
      assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
      assert.equal(clientKey('::ffff:192.0.2.5'), '192.0.2.5');
      assert.equal(clientKey('192.0.2.5'), '192.0.2.5');
      assert.equal(clientKey(undefined), 'unknown');
    });

    it('reads its own cookie among others', () => {
      assert.equal(cookieValue('a=1; staykey_guest=abc; b=2', 'staykey_guest'), 'abc');
      assert.equal(cookieValue('xstaykey_guest=abc', 'staykey_guest'), undefined);
    });

    it('takes a plain path and refuses Express patterns', () => {
      assert.equal(pagePath(''), '/staykey/check-in');
      assert.equal(pagePath('welcome/'), '/welcome');
      assert.throws(() => pagePath('/guest/:id'), /may hold only/);
      assert.throws(() => pagePath('/guest*'), /may hold only/);
    });

    it('reads a small web form and refuses a large one or another content type', async () => {
      const server = http.createServer((req, res) => {
        readForm(req).then(
          (fields) => res.end(JSON.stringify(fields)),
          (err: { status?: number; message: string }) => {
            res.statusCode = err.status ?? 500;
            res.end(err.message);
          },
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      try {
        const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'reference=HM1&proof=O%27Hara' });
        assert.deepEqual(await form.json(), { reference: 'HM1', proof: "O'Hara" });
        const large = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `reference=${'x'.repeat(10_000)}` });
        assert.equal(large.status, 413);
        const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reference":"HM1"}' });
        assert.equal(json.status, 415);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });
  });
});
