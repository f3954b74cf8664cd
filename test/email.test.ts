import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeMessage } from '../lib/messages';
import { Outgoing, composeMessage } from '../lib/notify/compose';
import { deliverByEmail } from '../lib/notify/deliver';
import { EmailError, SmtpSettings, sendEmail, smtpMailer } from '../lib/notify/email';
import { Outbox, readOutbox } from '../lib/notify/outbox';
import { PIN_MASK } from '../lib/notify/render';
import { RetryPlan, retryDelay, withRetries } from '../lib/notify/retry';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { TestMailServer } from './email-server';

const PIN = '482913';
const PASSWORD = 'correct-horse-battery';
const vault = Vault.withKey(crypto.randomBytes(32));

function settingsFor(server: TestMailServer, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return { host: '127.0.0.1', port: server.port, secure: false, from: 'Sea View <stay@example.com>', timeoutMs: 5000, ...overrides };
}

function guestMessage(): Outgoing {
  const booking = { id: 'B7', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-14', departure: '2026-07-17', guestName: 'Maria', email: 'maria@example.com' };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  const message: CodeMessage = {
    kind: 'code',
    change: 'issued',
    bookingId: booking.id,
    booking,
    window,
    codes: [{ lockId: 'front', lockName: 'Front door', unit: 'Room 101', slot: 3, pin: vault.seal(PIN) }],
  };
  const outgoing = composeMessage(message, undefined, { property: 'Sea View' }, (sealed) => vault.open(sealed));
  assert.ok(outgoing);
  return outgoing;
}

function tempOutbox(): Outbox {
  return new Outbox(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-outbox-')), 'outbox.jsonl'));
}

describe('email: sendEmail against a real SMTP server', () => {
  let server: TestMailServer;

  afterEach(() => server.stop());

  it('delivers subject, text and HTML after logging in', async () => {
    server = new TestMailServer({ user: 'stay', password: PASSWORD });
    await server.start();
    const receipt = await sendEmail(settingsFor(server, { user: 'stay', password: PASSWORD }), {
      to: 'maria@example.com',
      subject: 'Your door code for Sea View',
      text: `Room 101: ${PIN}\n`,
      html: `<div>Room 101: ${PIN}</div>`,
    });
    const mail = await server.waitForMail();
    assert.deepEqual(receipt.accepted, ['maria@example.com']);
    assert.equal(mail.user, 'stay');
    assert.deepEqual(mail.to, ['maria@example.com']);
    assert.equal(mail.from, 'stay@example.com');
    assert.equal(mail.subject, 'Your door code for Sea View');
    assert.equal(mail.text, `Room 101: ${PIN}\n`);
    assert.equal(mail.html, `<div>Room 101: ${PIN}</div>`);
  });

  it('the test server outlives a client cut off in the middle of a mail, and takes the next one', async () => {
    server = new TestMailServer();
    await server.start();
    // A Node-RED killed while it sends: MAIL FROM given, then the connection reset.
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1');
      let said = '';
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.on('data', (chunk) => {
        said += chunk.toString();
        if (/^220 /m.test(said) && !said.includes('250 ')) socket.write('EHLO killed.example\r\n');
        else if (/^250 [^\n]*\n?$/m.test(said.split('\r\n').slice(-2).join('\n')) && !said.includes('MAIL-SENT')) {
          said += 'MAIL-SENT';
          socket.write('MAIL FROM:<stay@example.com>\r\n', () => setTimeout(() => socket.resetAndDestroy(), 50));
        }
      });
      setTimeout(() => reject(new Error('the SMTP conversation did not get to MAIL FROM')), 5000);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sendEmail(settingsFor(server), { to: 'host@example.com', subject: 'After the cut', text: 'still here' });
    assert.equal((await server.waitForMail()).subject, 'After the cut');
  });

  it('sends without a login to a server that asks for none', async () => {
    server = new TestMailServer();
    await server.start();
    await sendEmail(settingsFor(server), { to: 'host@example.com', subject: 'Battery', text: 'Front door: 18%' });
    const mail = await server.waitForMail();
    assert.equal(mail.subject, 'Battery');
    assert.equal(mail.text, 'Front door: 18%');
  });

  it('reports a refused login without the password in the error', async () => {
    server = new TestMailServer({ user: 'stay', password: 'the-real-one' });
    await server.start();
    const settings = settingsFor(server, { user: 'stay', password: PASSWORD });
    const error = await sendEmail(settings, { to: 'a@example.com', subject: 's', text: 't' }).then(
      () => assert.fail('the login should be refused'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof EmailError, String(error));
    assert.equal(error.code, 'EAUTH');
    assert.match(error.message, /^email via 127\.0\.0\.1:\d+ failed: /);
    const everything = JSON.stringify({ message: error.message, stack: error.stack, own: Object.entries(error) });
    for (const secret of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), Buffer.from(`\u0000stay\u0000${PASSWORD}`).toString('base64')]) {
      assert.ok(!everything.includes(secret), `error leaks ${secret}`);
    }
    assert.equal(server.received.length, 0);
  });

  it('names the server when nothing listens there', async () => {
    server = new TestMailServer();
    await server.start();
    const port = server.port;
    await server.stop();
    await assert.rejects(
      sendEmail(settingsFor(server, { port }), { to: 'a@example.com', subject: 's', text: 't' }),
      (err: EmailError) => err.code === 'ECONNECTION' || err.code === 'ESOCKET' || /ECONNREFUSED/.test(err.message),
    );
  });

  it('refuses settings without a from address before connecting', async () => {
    server = new TestMailServer();
    await server.start();
    await assert.rejects(sendEmail(settingsFor(server, { from: '' }), { to: 'a@example.com', subject: 's', text: 't' }), /no from address/);
  });
});

describe('email: delivery with retries and the outbox', () => {
  const plan: RetryPlan = { attempts: 5, firstDelayMs: 30_000, maxDelayMs: 15 * 60_000 };
  let server: TestMailServer;

  afterEach(() => server.stop());

  it('tries again after the server refuses the recipient, and delivers when it accepts', async () => {
    server = new TestMailServer();
    await server.start();
    server.rejectRecipients = true;
    const clock = new ManualClock('2026-07-12T16:00:00Z');
    const outbox = tempOutbox();
    const retries: Array<{ next: number; error: string; delayMs: number }> = [];
    let retryScheduled: () => void = () => undefined;
    const scheduled = new Promise<void>((resolve) => (retryScheduled = resolve));
    const run = deliverByEmail(guestMessage(), {
      mailer: smtpMailer(settingsFor(server)),
      clock,
      plan,
      outbox,
      onRetry: (next, _attempts, error, delayMs) => {
        retries.push({ next, error, delayMs });
        retryScheduled();
      },
    });
    await scheduled;
    assert.equal(server.received.length, 0);
    assert.deepEqual(retries.map((r) => [r.next, r.delayMs]), [[2, 30_000]]);
    assert.match(retries[0].error, /Try again later/);

    server.rejectRecipients = false;
    clock.advance(30_000);
    const outcome = await run.outcome;
    assert.ok(outcome.ok);
    assert.equal(outcome.attempts, 2);
    const mail = await server.waitForMail();
    assert.equal(mail.subject, 'Your door code for Sea View');
    assert.ok(mail.text.includes(`Room 101: ${PIN}`), mail.text);
    assert.deepEqual(mail.to, ['maria@example.com']);
    assert.deepEqual(readOutbox(outbox.file).map((r) => [r.attempt, r.ok]), [[1, false], [2, true]]);
  });

  it('delivers once a stopped mail server is back on its port', async () => {
    server = new TestMailServer();
    await server.start();
    await server.stop();
    const clock = new ManualClock('2026-07-12T16:00:00Z');
    let retryScheduled: () => void = () => undefined;
    const scheduled = new Promise<void>((resolve) => (retryScheduled = resolve));
    const run = deliverByEmail(guestMessage(), { mailer: smtpMailer(settingsFor(server)), clock, plan, onRetry: () => retryScheduled() });
    await scheduled;
    await server.start(server.port);
    clock.advance(30_000);
    const outcome = await run.outcome;
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
    assert.equal((await server.waitForMail()).subject, 'Your door code for Sea View');
  });

  it('gives up after the last attempt and keeps the reason', async () => {
    server = new TestMailServer();
    await server.start();
    server.rejectRecipients = true;
    const clock = new ManualClock('2026-07-12T16:00:00Z');
    const outbox = tempOutbox();
    const run = deliverByEmail(guestMessage(), {
      mailer: smtpMailer(settingsFor(server)),
      clock,
      plan: { ...plan, attempts: 3 },
      outbox,
      onRetry: (_next, _attempts, _error, delayMs) => setImmediate(() => clock.advance(delayMs)),
    });
    const outcome = await run.outcome;
    assert.equal(outcome.ok, false);
    assert.equal(outcome.attempts, 3);
    if (!outcome.ok) assert.match(outcome.error.message, /Try again later/);
    assert.deepEqual(readOutbox(outbox.file).map((r) => r.ok), [false, false, false]);
    assert.equal(server.received.length, 0);
  });

  it('never writes a PIN to the outbox file', async () => {
    server = new TestMailServer();
    await server.start();
    const clock = new ManualClock('2026-07-12T16:00:00Z');
    const outbox = tempOutbox();
    const outgoing = guestMessage();
    const outcome = await deliverByEmail(outgoing, { mailer: smtpMailer(settingsFor(server)), clock, plan, outbox }).outcome;
    assert.ok(outcome.ok);
    // A hand-made record whose subject and error hold the PIN is masked too.
    outbox.record({ channel: 'email', audience: 'guest', subject: `code ${PIN}`, text: outgoing.text, ok: false, error: `550 ${PIN} rejected` }, outgoing.pins, clock.now());
    const file = fs.readFileSync(outbox.file, 'utf8');
    assert.ok(!file.includes(PIN), file);
    const records = readOutbox(outbox.file);
    assert.equal(records.length, 2);
    assert.ok(records[0].preview.includes(`Room 101: ${PIN_MASK}`));
    assert.equal(records[0].to, 'maria@example.com');
    assert.equal(records[0].bookingId, 'B7');
    assert.equal(records[0].at, '2026-07-12T16:00:00.000Z');
    assert.equal(records[1].subject, `code ${PIN_MASK}`);
    assert.equal((fs.statSync(outbox.file).mode & 0o777).toString(8), '600');
  });
});

describe('email: retry timing', () => {
  it('doubles the wait after each failure, up to the maximum', () => {
    const plan: RetryPlan = { attempts: 8, firstDelayMs: 30_000, maxDelayMs: 300_000 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelay(plan, n)), [30_000, 60_000, 120_000, 240_000, 300_000]);
  });

  it('does not try again once cancelled', async () => {
    const clock = new ManualClock('2026-07-12T16:00:00Z');
    let attempts = 0;
    let retryScheduled: () => void = () => undefined;
    const scheduled = new Promise<void>((resolve) => (retryScheduled = resolve));
    const run = withRetries(
      async () => {
        attempts += 1;
        throw new Error('down');
      },
      { attempts: 5, firstDelayMs: 1000, maxDelayMs: 1000 },
      clock,
      { onRetry: () => retryScheduled() },
    );
    await scheduled;
    run.cancel();
    clock.advance(60_000);
    const outcome = await run.outcome;
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.cancelled, true);
    assert.equal(attempts, 1);
  });
});
