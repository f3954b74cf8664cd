/**
 * The notifier's core without Node-RED: its settings (lib/notify/notifier-settings.ts) and its sending
 * (lib/notify/sends.ts): records, retries, what pin-issuer and the host are told, pruning, a redeploy.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Outgoing } from '../lib/notify/compose';
import type { Mail, Mailer } from '../lib/notify/email';
import { channelOf, notifierOptions, retryPlanOf, templateProblem } from '../lib/notify/notifier-settings';
import { Outbox, readOutbox } from '../lib/notify/outbox';
import { deliveryFor, NotifierSends, outgoingFields } from '../lib/notify/sends';
import { defaultRetryPlan } from '../lib/notify/retry';
import { ManualClock } from '../lib/time/clock';

function guestMessage(fields: Partial<Outgoing> = {}): Outgoing {
  return {
    kind: 'code',
    audience: 'guest',
    bookingId: 'B7',
    to: 'maria@example.com',
    subject: 'Your door code',
    text: 'Your code is 482913',
    html: '<p>Your code is 482913</p>',
    preview: 'Your code is ******',
    pins: ['482913'],
    ...fields,
  } as Outgoing;
}

/** A mail server that refuses the first `refusals` mails, echoing the message as servers sometimes do. */
class CountingMailer implements Mailer {
  sent: Mail[] = [];
  constructor(private refusals: number) {}
  async send(mail: Mail) {
    if (this.refusals > 0) {
      this.refusals -= 1;
      throw new Error(`550 refused: ${mail.text}`);
    }
    this.sent.push(mail);
    return { messageId: `m${this.sent.length}` } as never;
  }
  describe() {
    return 'smtp.example.com:587';
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('notifier settings', () => {
  it('sends on the plain output unless email or Home Assistant notify is chosen', () => {
    assert.equal(channelOf({}), 'output');
    assert.equal(channelOf({ channel: 'sms' }), 'output');
    assert.equal(channelOf({ channel: 'email' }), 'email');
    assert.equal(channelOf({ channel: 'ha-notify' }), 'ha-notify');
  });

  it('reads tries and the first wait in seconds, at least one try, and the defaults where blank', () => {
    assert.deepEqual(retryPlanOf({}), defaultRetryPlan);
    assert.deepEqual(retryPlanOf({ retries: '3', retryDelay: '2' }), { attempts: 3, firstDelayMs: 2000, maxDelayMs: defaultRetryPlan.maxDelayMs });
    assert.deepEqual(retryPlanOf({ retries: 0, retryDelay: -5 }), { attempts: 1, firstDelayMs: 0, maxDelayMs: defaultRetryPlan.maxDelayMs });
  });

  it('keeps the host\'s texts as typed and leaves blank ones to the defaults', () => {
    const options = notifierOptions({ property: ' Casa Azul ', guestTemplate: 'Hi {{guestName}}', hostSubject: '' });
    assert.equal(options.property, ' Casa Azul ');
    assert.equal(options.guest?.body, 'Hi {{guestName}}');
    assert.equal(options.host?.subject, undefined);
  });

  it('names the template that does not render, and says nothing of good ones', () => {
    assert.equal(templateProblem({ guestTemplate: 'Hi {{guestName}}' }), undefined);
    assert.match(templateProblem({ hostTemplate: 'Hi {{#codes}}' }) ?? '', /host message/);
  });
});

describe('notifier sending', () => {
  let directory: string;
  let outbox: Outbox;
  let clock: ManualClock;
  let warnings: string[];

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-sends-'));
    outbox = new Outbox(path.join(directory, 'outbox.jsonl'), 90);
    clock = new ManualClock(new Date('2026-07-01T09:00:00Z'));
    warnings = [];
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  const sendsWith = (attempts: number) => new NotifierSends({ outbox, clock, plan: { attempts, firstDelayMs: 1000, maxDelayMs: 60_000 }, warn: (text) => warnings.push(text) });

  it('records a message on the plain output, counts it, and tells pin-issuer of a guest\'s delivery', () => {
    const sends = sendsWith(3);
    assert.deepEqual(sends.byOutput(guestMessage()), { kind: 'delivery', bookingId: 'B7', channel: 'output', delivered: true });
    assert.equal(sends.sent, 1);
    const [record] = readOutbox(outbox.file);
    assert.equal(record.channel, 'output');
    assert.doesNotMatch(JSON.stringify(record), /482913/);
    sends.close();
  });

  it('tries an email again after the wait, and tells pin-issuer once it went', async () => {
    const sends = sendsWith(3);
    const mailer = new CountingMailer(1);
    const retries: string[] = [];
    const settled = sends.byEmail(guestMessage(), mailer, (next, attempts) => retries.push(`${next}/${attempts}`));
    await settle();
    assert.deepEqual(retries, ['2/3']);
    clock.advance(1000);
    assert.deepEqual(await settled, { cancelled: false, delivered: true, delivery: { kind: 'delivery', bookingId: 'B7', channel: 'email', delivered: true } });
    assert.equal(sends.sent, 1);
    assert.equal(mailer.sent.length, 1);
    sends.close();
  });

  it('gives up after the last try, saying who was not told and why, without the PIN', async () => {
    const sends = sendsWith(1);
    const settled = await sends.byEmail(guestMessage(), new CountingMailer(5), () => undefined);
    const error = 'email to the guest of booking B7 failed after 1 attempts: 550 refused: Your code is ••••••';
    assert.deepEqual(settled, { cancelled: false, delivered: false, delivery: { kind: 'delivery', bookingId: 'B7', channel: 'email', delivered: false, error }, error });
    assert.equal(sends.sent, 0);
    const host = await sends.byEmail(guestMessage({ audience: 'host', kind: 'alert', bookingId: undefined } as Partial<Outgoing>), new CountingMailer(5), () => undefined);
    assert.equal(host.cancelled, false);
    assert.match((host as { error: string }).error, /^email to the host \(alert\) failed/);
    assert.equal((host as { delivery?: unknown }).delivery, undefined, 'host messages carry no PIN to forget');
    sends.close();
  });

  it('names Home Assistant notify when a notify fails', async () => {
    const sends = sendsWith(1);
    const client = { url: 'http://ha.local:8123', callService: () => Promise.reject(new Error('service not found')) };
    const settled = await sends.byHaNotify(guestMessage({ viaHost: true }), client, 'notify.mobile_app_ana', () => undefined);
    assert.match((settled as { error: string }).error, /^Home Assistant notify to the host \(to pass on to the guest of booking B7\) failed after 1 attempts: /);
    sends.close();
  });

  it('settles a send waiting for its next try as cancelled when the node closes', async () => {
    const sends = sendsWith(3);
    const settled = sends.byEmail(guestMessage(), new CountingMailer(5), () => undefined);
    await settle();
    sends.close();
    assert.deepEqual(await settled, { cancelled: true });
  });

  it('prunes old records every day even when nothing is sent, and warns when a record cannot be written', () => {
    fs.writeFileSync(outbox.file, `${JSON.stringify({ at: '2026-01-01T00:00:00Z', channel: 'email', ok: true })}\n`);
    const sends = sendsWith(1);
    assert.equal(readOutbox(outbox.file).length, 0, 'pruned at deploy');
    fs.writeFileSync(outbox.file, `${JSON.stringify({ at: '2026-07-01T09:00:00Z', channel: 'email', ok: true })}\n`);
    clock.advance(91 * 24 * 3600_000);
    assert.equal(readOutbox(outbox.file).length, 0, 'pruned by the daily timer');
    fs.rmSync(outbox.file);
    fs.mkdirSync(outbox.file);
    sends.byOutput(guestMessage());
    assert.match(warnings[0] ?? '', /^could not write the send record: /);
    sends.close();
  });

  it('carries what was sent beside the text, and only guests\' deliveries', () => {
    assert.deepEqual(outgoingFields(guestMessage({ viaHost: true })), { preview: 'Your code is ******', audience: 'guest', to: 'maria@example.com', bookingId: 'B7', viaHost: true });
    assert.equal(deliveryFor(guestMessage({ audience: 'host' } as Partial<Outgoing>), 'email', true), undefined);
    assert.equal(deliveryFor(guestMessage({ bookingId: undefined }), 'email', true), undefined);
  });
});
