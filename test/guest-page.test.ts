/**
 * The guest check-in page over plain HTTP in a real runtime: what it shows before and after a guest
 * proves the booking, its headers and cookie, forms without their token, lock-outs per client and per
 * booking reference, a host's reset, and its routes on redeploy.
 */
import { strict as assert } from 'node:assert';
import type { AlertMessage } from '../lib/messages';
import type { GuestPortalNode } from '../nodes/shared/guest-portal';
import { eventually, helper } from './support/red';
import { ADA, PAGE_PATH, pageFlow, PageRun, startPage, Visitor, windowOf } from './support/guest-page';

const MINUTE = 60_000;

/** node-red-node-test-helper redeploys with setFlows; test/support/red.ts does not list it. */
const redeploy = (flow: unknown[]) => (helper as unknown as { setFlows(flow: unknown[], type: string): Promise<void> }).setFlows(flow, 'full');

type Layer = { route?: { path: string; methods: Record<string, boolean> } };

function pageRoutes(run: PageRun, path = PAGE_PATH): string[] {
  const app = run.red.httpNode as unknown as { _router?: { stack: Layer[] }; router?: { stack: Layer[] } };
  const stack = app._router?.stack ?? app.router?.stack ?? [];
  return stack.filter((layer) => layer.route?.path === path).flatMap((layer) => Object.keys(layer.route!.methods));
}

function noticeOf(body: string): string {
  return /<p class="notice[^"]*"[^>]*>([^<]*)<\/p>/.exec(body)?.[1] ?? '';
}

describe('guest-page over HTTP', function () {
  this.timeout(60_000);
  let run: PageRun | undefined;

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
  });

  it('shows only the form before a guest proves the booking, with strict headers and cookie', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    run.book(ADA);
    const pin = await run.issuedPin(ADA.id);
    const answer = await new Visitor(run.url).open();
    assert.equal(answer.status, 200);
    assert.match(answer.body, /Reservation code/);
    assert.ok(!answer.body.includes(pin), 'no PIN before the guest proves the booking');
    assert.ok(!answer.body.includes('Room 101'), 'no stay before the guest proves the booking');
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal(answer.headers['x-frame-options'], 'DENY');
    const csp = String(answer.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.ok(!/unsafe-inline|script-src/.test(csp), csp);
    assert.ok(!answer.body.includes('<script'), 'the page runs no script');
    const cookie = answer.setCookie ?? '';
    assert.match(cookie, /^staykey_guest=[A-Za-z0-9_-]{43}; /);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/staykey\/check-in/);
    assert.ok(!/Secure/.test(cookie), 'plain http on loopback: a Secure cookie would never come back');
  });

  it('shows the stay and the code on the property clock once the guest proves the booking by name or phone', async () => {
    const page = (run = await startPage({ at: '2026-07-09T00:00:00Z' }));
    page.book(ADA);
    const pin = await page.issuedPin(ADA.id);
    for (const proof of ['lovelace', ' LOVELACE ', '4321']) {
      const guest = new Visitor(page.url);
      await guest.open();
      const before = guest.cookie;
      const verified = await guest.verify('hmabc123', proof);
      assert.equal(verified.status, 303, `verifies with "${proof}"`);
      assert.equal(verified.headers.location, PAGE_PATH);
      assert.notEqual(guest.cookie, before, 'a new session id, never the one the browser came with');
      assert.match(verified.setCookie ?? '', /; HttpOnly; SameSite=Strict$/, 'no Max-Age: the session goes with the browser session');
      const stay = await guest.open();
      assert.equal(stay.status, 200);
      assert.match(stay.body, /<dd class="unit">Room 101<\/dd>/);
      assert.match(stay.body, /Fri 10 Jul 2026, 16:00/);
      assert.match(stay.body, /Sun 12 Jul 2026, 11:00/);
      assert.match(stay.body, new RegExp(`<span class="lock">Front door</span><span class="pin">${pin}</span>`));
    }
    assert.equal(page.lastStatus().text, '1 guest verified');
  });

  it("speaks the browser's language before the booking is proven, the booking's after, the page's own without either", async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', page: { language: 'de' } });
    run.book({ ...ADA, language: 'fr' });
    const pin = await run.issuedPin(ADA.id);
    const plain = await new Visitor(run.url).open();
    assert.match(plain.body, /<html lang="de">/);
    assert.match(plain.body, /<label for="reference">Buchungscode<\/label>/);
    assert.match(String(plain.headers.vary), /Accept-Language/);

    const spanish = new Visitor(run.url, '127.0.0.1', { 'accept-language': 'es-MX, es;q=0.9, en;q=0.5' });
    const form = await spanish.open();
    assert.match(form.body, /<html lang="es">/);
    assert.match(form.body, /Confirme su reserva para ver su estancia y su código de acceso\./);
    assert.match(noticeOf((await spanish.verify('HMABC123', 'Byron')).body), /No encontramos ninguna reserva vigente/);

    assert.equal((await spanish.verify('HMABC123', 'Lovelace')).status, 303);
    const stay = await spanish.open();
    assert.match(stay.body, /<html lang="fr">/, 'the booking says French: its guest reads the page in French, as their messages');
    assert.match(stay.body, /<p>Bienvenue, Ada Lovelace\.<\/p>/);
    const arrival = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Lisbon', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    assert.ok(stay.body.includes(`<dt>Arrivée</dt><dd>${arrival.format(new Date('2026-07-10T15:00:00Z'))}</dd>`), stay.body);
    assert.match(stay.body, /<h2>Votre code d&#39;accès<\/h2>/);
    assert.match(stay.body, new RegExp(`<span class="pin">${pin}</span>`));
    assert.match(stay.body, /<button type="submit">Se déconnecter<\/button>/);
  });

  it('answers an unknown reservation code and a wrong name alike', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    run.book(ADA);
    await run.issuedPin(ADA.id);
    const guest = new Visitor(run.url);
    const unknown = await guest.verify('ZZZ999', 'Lovelace');
    const wrongName = await guest.verify('HMABC123', 'Byron');
    assert.equal(unknown.status, wrongName.status);
    assert.equal(unknown.status, 200);
    assert.match(noticeOf(unknown.body), /could not find a current booking/);
    assert.equal(unknown.body.replace('ZZZ999', 'REF'), wrongName.body.replace('HMABC123', 'REF'));
  });

  it('refuses a form without its token or from another browser, and counts no try for it', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', page: { clientTries: 1 } });
    run.book(ADA);
    await run.issuedPin(ADA.id);
    const forger = new Visitor(run.url);
    const noCookie = await forger.post({ action: 'verify', reference: 'HMABC123', proof: 'Lovelace', token: 'x' });
    assert.equal(noCookie.status, 403);
    assert.match(noticeOf(noCookie.body), /expired/);
    const victim = new Visitor(run.url);
    await victim.open();
    const otherToken = await forger.post({ action: 'verify', reference: 'HMABC123', proof: 'Lovelace', token: victim.token! });
    assert.equal(otherToken.status, 403, "a token made for another browser's cookie is refused");
    assert.equal((await victim.verify('HMABC123', 'Lovelace')).status, 303, 'refused forms were not counted as wrong tries');
  });

  it('locks out a client after 5 wrong tries, refuses even the right answer then, and lets it in afterwards', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    run.book(ADA);
    const pin = await run.issuedPin(ADA.id);
    const guest = new Visitor(run.url);
    for (let i = 1; i <= 4; i++) assert.equal((await guest.verify(`NOPE${i}`, 'Smith')).status, 200, `wrong try ${i}`);
    const fifth = await guest.verify('NOPE5', 'Smith');
    assert.equal(fifth.status, 429);
    assert.match(noticeOf(fifth.body), /Too many tries.*15 minutes/);
    assert.equal(fifth.headers['retry-after'], '900');
    const right = await guest.verify('HMABC123', 'Lovelace');
    assert.equal(right.status, 429, 'the right answer is refused during the lock-out');
    assert.ok(!right.body.includes(pin) && !right.body.includes('Room 101'));
    assert.equal(noticeOf(right.body), noticeOf(fifth.body));
    await eventually('the lock-out is on the status', () => run!.lastStatus().text === 'locked out 1');
    await eventually('the host hears of it', () => run!.alerts.length === 1);
    const [alert] = run.alerts as AlertMessage[];
    assert.equal(alert.topic, 'guest-page');
    assert.match(alert.text, /5 wrong tries within 15 minutes from 127\.0\.0\.1/);
    assert.ok(!/Smith|Lovelace/.test(alert.text), 'no name the guest typed');

    const elsewhere = new Visitor(run.url, '127.0.0.2');
    assert.equal((await elsewhere.verify('HMABC123', 'Lovelace')).status, 303, 'another client is not locked out');

    run.clock.advance(15 * 60_000);
    assert.equal((await guest.verify('HMABC123', 'Lovelace')).status, 303, 'in again after the lock-out');
    assert.ok((await guest.open()).body.includes(pin));
  });

  it('locks out a reservation code after 10 wrong tries from many clients, real or made up, without telling which', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    run.book(ADA);
    await run.issuedPin(ADA.id);
    const answers: Record<string, string[]> = {};
    for (const reference of ['HMABC123', 'HMXYZ999']) {
      answers[reference] = [];
      for (let i = 1; i <= 10; i++) {
        const client = new Visitor(run.url, `127.0.${reference === 'HMABC123' ? 1 : 2}.${i}`);
        const answer = await client.verify(reference, 'Byron');
        answers[reference].push(`${answer.status} ${noticeOf(answer.body)}`);
      }
    }
    assert.deepEqual(answers.HMABC123, answers.HMXYZ999, 'a real and a made-up reference are answered alike');
    assert.match(answers.HMABC123[9], /^429 Too many tries/);
    assert.match(answers.HMABC123[8], /^200 /);

    const fresh = new Visitor(run.url, '127.0.3.1');
    const refused = await fresh.verify('hm abc 123', 'Lovelace');
    assert.equal(refused.status, 429, 'the right answer from a new client is refused while the reference is locked out');
    assert.equal(run.alerts.filter((alert) => /booking reference "HMABC123"/.test(alert.text)).length, 1);
    await eventually('both references on the status', () => run!.lastStatus().text === 'locked out 2');

    run.clock.advance(15 * 60_000);
    assert.equal((await fresh.verify('HMABC123', 'Lovelace')).status, 429, 'the 10 tries are still within the hour after the first 15 minutes');
    run.clock.advance(45 * 60_000);
    assert.equal((await fresh.verify('HMABC123', 'Lovelace')).status, 303);
  });

  it('lets through at most 10 wrong tries in any hour at one booking, over 3 hours of guessing through every reference', async () => {
    const page = (run = await startPage({ at: '2026-07-09T00:00:00Z' }));
    page.book(ADA);
    await page.issuedPin(ADA.id);
    // Every guess the ledger checks is noted when its reference would have opened Ada's booking.
    const portal = (helper.getNode('issuer') as unknown as GuestPortalNode).guestPortal!;
    const find = portal.find;
    const guesses: number[] = [];
    portal.find = (reference, proof) => {
      if (find(reference, 'Lovelace') === ADA.id) guesses.push(page.clock.now().getTime());
      return find(reference, proof);
    };
    const references = ['HMABC123', 'hmabc123', 'hm abc 123', 'HMÁBC123', ADA.id];
    let clients = 0;
    // A new address for every try, as from a botnet: only the per-booking limit stands in the way.
    const nextAddress = () => `127.${1 + Math.floor(clients / 62_500)}.${1 + (Math.floor(clients / 250) % 250)}.${1 + (clients++ % 250)}`;
    for (let minute = 0; minute < 180; minute++) {
      for (const reference of references) {
        for (let tries = 0; tries < 12; tries++) {
          const answer = await new Visitor(page.url, nextAddress()).verify(reference, 'Byron');
          assert.notEqual(answer.status, 303);
          if (answer.status === 429) break;
        }
      }
      page.clock.advance(MINUTE);
    }
    const busiestHour = Math.max(...guesses.map((start) => guesses.filter((at) => at >= start && at < start + 60 * MINUTE).length));
    assert.ok(busiestHour <= 10, `${busiestHour} guesses within one hour`);
    assert.ok(guesses.length >= 20, `the guessing went on all along (${guesses.length} guesses in 3 hours)`);
  });

  it('tells the host when a code is shown on a second device, once, and never again for the first', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    run.book(ADA);
    const pin = await run.issuedPin(ADA.id);
    const phone = new Visitor(run.url);
    await phone.verify('HMABC123', 'Lovelace');
    assert.ok((await phone.open()).body.includes(pin));
    assert.ok((await phone.open()).body.includes(pin));
    const laptop = new Visitor(run.url, '127.0.0.2');
    assert.ok(!(await laptop.open()).body.includes(pin), 'another device must verify itself');
    await laptop.verify('HMABC123', '4321');
    assert.ok((await laptop.open()).body.includes(pin));
    await laptop.open();
    await phone.open();
    await eventually('the host hears of the second device', () => run!.alerts.length > 0);
    const told = run.alerts.filter((alert) => /second device/.test(alert.text));
    assert.equal(told.length, 1, JSON.stringify(run.alerts));
    assert.equal(run.alerts.length, 1);
    assert.equal(told[0].bookingId, ADA.id);
    assert.ok(!told[0].text.includes(pin) && !told[0].text.includes('Lovelace'));
  });

  it('hides the code at once when a release flag is cleared after issue, and shows it again when set', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', issuer: { releaseFlags: 'paid' } });
    run.book({ ...ADA, flags: { paid: true } });
    const pin = await run.issuedPin(ADA.id);
    const guest = new Visitor(run.url);
    await guest.verify('HMABC123', 'Lovelace');
    assert.ok((await guest.open()).body.includes(pin));
    run.toIssuer({ ...windowOf({ ...ADA, flags: { paid: false } }), change: 'changed' });
    await eventually('the payment reversal is in the ledger', () => run!.view(ADA.id)?.onHold === true);
    const held = await guest.open();
    assert.ok(!held.body.includes(pin), 'no code on the page of a signed-in guest');
    assert.match(held.body, /Your code is on hold\. Please contact your host\./);
    run.toIssuer({ ...windowOf({ ...ADA, flags: { paid: true } }), change: 'changed' });
    await eventually('paid again', () => run!.view(ADA.id)?.onHold === undefined);
    assert.ok((await guest.open()).body.includes(pin));
  });

  it('refuses to serve a pin-issuer that makes door codes from the phone digits the page takes as proof', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', issuer: { pinFromPhone: true } });
    run.book(ADA);
    const pin = await run.issuedPin(ADA.id);
    await eventually('a red status once the flows run', () => run!.lastStatus().text === 'phone PINs refused');
    assert.equal(run.lastStatus().fill, 'red');
    const answer = await new Visitor(run.url).verify('HMABC123', '4321');
    assert.equal(answer.status, 503);
    assert.ok(!answer.body.includes(pin));
    const logged = (helper as unknown as { log(): { getCalls(): { args: unknown[] }[] } }).log().getCalls().map((call) => JSON.stringify(call.args));
    assert.ok(logged.some((line) => /turn Phone PINs off/.test(line)), 'the host is told why');
  });

  it('counts guests behind a reverse proxy by the address it forwards, only when told to', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', page: { behindProxy: true, clientTries: 2 } });
    run.book(ADA);
    await run.issuedPin(ADA.id);
    const first = new Visitor(run.url, '127.0.0.1', { 'x-forwarded-for': '203.0.113.7' });
    await first.verify('NOPE1', 'Smith');
    assert.equal((await first.verify('NOPE2', 'Smith')).status, 429);
    const second = new Visitor(run.url, '127.0.0.1', { 'x-forwarded-for': '203.0.113.8' });
    assert.equal((await second.verify('HMABC123', 'Lovelace')).status, 303, 'another guest behind the same proxy is not locked out');
    const https = new Visitor(run.url, '127.0.0.1', { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' });
    assert.match((await https.open()).setCookie ?? '', /; Secure/);
  });

  it('asks a signed-in guest to prove the booking again after the host resets the code, then shows the new one', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    run.book(ADA);
    const oldPin = await run.issuedPin(ADA.id);
    const guest = new Visitor(run.url);
    await guest.verify('HMABC123', 'Lovelace');
    assert.ok((await guest.open()).body.includes(oldPin));
    const version = run.view(ADA.id)!.version;
    run.toIssuer({ kind: 'reissue', bookingId: ADA.id });
    await eventually('the reset is in the ledger', () => run!.view(ADA.id)!.version > version);
    const asked = await guest.open();
    assert.match(noticeOf(asked.body), /reset your door code/);
    assert.ok(!asked.body.includes(oldPin), 'the old session shows no code');
    assert.match(asked.body, /Reservation code/);
    const newPin = await run.issuedPin(ADA.id).then(async (pin) => (pin === oldPin ? Promise.reject(new Error('same PIN after reset')) : pin));
    assert.ok(!(await guest.open()).body.includes(newPin), 'still no code without proving again');
    assert.equal((await guest.verify('HMABC123', 'Lovelace')).status, 303);
    const shown = await guest.open();
    assert.ok(shown.body.includes(newPin) && !shown.body.includes(oldPin));
  });

  it('writes no PIN to the log, the status or an alert', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', page: { clientTries: 2 } });
    run.book(ADA);
    const pin = await run.issuedPin(ADA.id);
    const guest = new Visitor(run.url);
    await guest.verify('HMABC123', 'Lovelace');
    assert.ok((await guest.open()).body.includes(pin));
    const stranger = new Visitor(run.url, '127.0.0.9');
    await stranger.verify('HMABC123', pin);
    await stranger.verify(pin, pin);
    await eventually('the lock-out alert', () => run!.alerts.length === 1);
    const logged = (helper as unknown as { log(): { getCalls(): { args: unknown[] }[] } }).log().getCalls().map((call) => JSON.stringify(call.args));
    const page = helper.getNode('page') as unknown as { status: { getCalls(): { thisValue: unknown; args: unknown[] }[] } };
    const statuses = page.status.getCalls().filter((call) => call.thisValue === page).map((call) => JSON.stringify(call.args));
    for (const text of [...logged, ...statuses, JSON.stringify(run.alerts)]) assert.ok(!text.includes(pin), text);
    assert.ok(statuses.length > 0 && logged.length > 0, 'there was something to look at');
  });

  it('tells the guest when their code will appear before it is issued', async () => {
    run = await startPage({ at: '2026-07-01T00:00:00Z' });
    run.book(ADA);
    await eventually('the booking is in the ledger', () => run!.view(ADA.id) !== undefined);
    const guest = new Visitor(run.url);
    await guest.verify('HMABC123', 'Lovelace');
    const page = await guest.open();
    assert.match(page.body, /Room 101/);
    assert.match(page.body, /<p class="not-yet">Your code is not ready yet\. It will appear here (on [^<]+|before check-in)\.<\/p>/);
    assert.ok(!/class="pin"/.test(page.body));
  });

  it('says the code was sent once delivered when the pin-issuer keeps no codes for the page', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', issuer: { keepPinsForGuestPage: false } });
    run.book(ADA);
    const pin = await run.issuedPin(ADA.id);
    run.toIssuer({ kind: 'delivery', bookingId: ADA.id, delivered: true });
    await eventually('only a hash is left', () => run!.view(ADA.id)?.codes[0].pin === null);
    const guest = new Visitor(run.url);
    await guest.verify('HMABC123', 'Lovelace');
    const page = await guest.open();
    assert.match(page.body, /Your code was sent to you; ask your host to reset it if you lost it\./);
    assert.ok(!page.body.includes(pin));
  });

  it('escapes what a guest types', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    const guest = new Visitor(run.url);
    const answer = await guest.verify('"><script>alert(1)</script>', 'x');
    assert.ok(!answer.body.includes('<script>'));
    assert.ok(answer.body.includes('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'));
  });

  it('signs a guest out', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    run.book(ADA);
    const pin = await run.issuedPin(ADA.id);
    const guest = new Visitor(run.url);
    await guest.verify('HMABC123', 'Lovelace');
    const session = guest.cookie;
    assert.ok((await guest.open()).body.includes(pin));
    assert.equal((await guest.post({ token: guest.token!, action: 'sign-out' })).status, 303);
    assert.notEqual(guest.cookie, session);
    assert.ok(!(await guest.open()).body.includes(pin));
    guest.cookie = session;
    assert.ok(!(await guest.open()).body.includes(pin), 'the old session id is worthless');
  });

  it('keeps one set of routes across redeploys and removes them with the node', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z' });
    assert.deepEqual(pageRoutes(run).sort(), ['get', 'post']);
    await redeploy(pageFlow({ property: 'Casa Verde' }));
    assert.deepEqual(pageRoutes(run).sort(), ['get', 'post'], 'a redeploy does not stack handlers');
    assert.match((await new Visitor(run.url).open()).body, /Casa Verde/);
    await redeploy(pageFlow({ path: '/welcome' }));
    assert.deepEqual(pageRoutes(run), []);
    assert.equal((await new Visitor(run.url).open()).status, 404);
    assert.equal((await new Visitor(`${run.origin}/welcome`).open()).status, 200);
  });

  it('tells the guest the page is unavailable, and the host why, when its pin-issuer is missing', async () => {
    run = await startPage({ at: '2026-07-09T00:00:00Z', page: { issuer: 'nowhere' } });
    await eventually('a red status once the flows run', () => run!.lastStatus().text === 'pin-issuer missing');
    const guest = new Visitor(run.url);
    assert.equal((await guest.open()).status, 200);
    const answer = await guest.verify('HMABC123', 'Lovelace');
    assert.equal(answer.status, 503);
    assert.match(noticeOf(answer.body), /cannot show bookings right now/);
    assert.equal(run.lastStatus().text, 'pin-issuer missing');
  });
});
