import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { AlertMessage, CodeMessage, DeliveryMessage } from '../lib/messages';
import { readOutbox } from '../lib/notify/outbox';
import { PIN_MASK, defaultGuestTemplate } from '../lib/notify/render';
import { Vault } from '../lib/pins/vault';
import { windowFor } from '../lib/windows/window';
import notifierNode = require('../nodes/notifier/notifier');
import smtpNode = require('../nodes/smtp-config/smtp-config');
import { TestMailServer } from './email-server';
import { helper, TestNode } from './support/red';

const PIN = '482913';
const PASSWORD = 'correct-horse-battery';

type Received = NodeMessage & Record<string, unknown>;

function nextMessage(node: TestNode): Promise<Received> {
  return new Promise((resolve) => node.once('input', resolve));
}

function codeMessage(vault: Vault): CodeMessage {
  const booking = { id: 'B7', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-14', departure: '2026-07-17', guestName: 'Maria', email: 'maria@example.com' };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  return {
    kind: 'code',
    change: 'issued',
    bookingId: booking.id,
    booking,
    window,
    codes: [{ lockId: 'front', lockName: 'Front door', unit: 'Room 101', slot: 3, pin: vault.seal(PIN) }],
  };
}

function flow(notifier: object, extra: object[] = []): object[] {
  return [
    { id: 'tab', type: 'tab' },
    { id: 'n1', z: 'tab', type: 'staykey-notifier', channel: 'output', property: 'Sea View', wires: [['out1'], ['out2']], ...notifier },
    { id: 'out1', z: 'tab', type: 'helper' },
    { id: 'out2', z: 'tab', type: 'helper' },
    { id: 'catcher', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', type: 'helper' },
    ...extra,
  ];
}

function smtpConfig(server: TestMailServer): object {
  return { id: 'smtp', type: 'staykey-smtp', host: '127.0.0.1', port: server.port, secure: false, startTls: 'auto', from: 'Sea View <stay@example.com>' };
}

describe('notifier node', function () {
  let directory: string;
  let vault: Vault;
  let server: TestMailServer | undefined;

  beforeEach(function (done) {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-notifier-'));
    helper.settings({ staykey: { directory } });
    vault = Vault.openDirectory(directory);
    helper.startServer(done);
  });

  afterEach(async function () {
    await helper.unload();
    await helper.stopServer();
    await server?.stop();
    server = undefined;
  });

  it('sends the guest text with the code on output 1, masks the preview, and reports the delivery on output 2', async function () {
    await helper.load([notifierNode], flow({}));
    const notifier = helper.getNode('n1');
    const statuses: string[] = [];
    notifier.on('call:status', (call) => statuses.push((call.args[0] as { text: string }).text));
    const first = nextMessage(helper.getNode('out1'));
    const second = nextMessage(helper.getNode('out2'));
    notifier.receive({ payload: codeMessage(vault) });

    const message = await first;
    assert.ok(String(message.payload).includes(`Room 101: ${PIN}`), String(message.payload));
    assert.ok(!String(message.preview).includes(PIN));
    assert.ok(String(message.preview).includes(`Room 101: ${PIN_MASK}`));
    assert.equal(message.topic, 'Your door code for Sea View');
    assert.equal(message.to, 'maria@example.com');
    assert.equal(message.audience, 'guest');
    assert.equal(message.bookingId, 'B7');
    assert.ok(String(message.html).includes(`Room 101: ${PIN}`));

    const delivery = (await second).payload as DeliveryMessage;
    assert.deepEqual(delivery, { kind: 'delivery', bookingId: 'B7', channel: 'output', delivered: true });

    const outbox = fs.readFileSync(path.join(directory, 'outbox.jsonl'), 'utf8');
    assert.ok(!outbox.includes(PIN), outbox);
    assert.deepEqual(readOutbox(path.join(directory, 'outbox.jsonl')).map((r) => [r.channel, r.audience, r.ok]), [['output', 'guest', true]]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(statuses.at(-1), 'sent 1');
  });

  it('emails the guest through the smtp config node with its credentials, and sends no plaintext on', async function () {
    server = new TestMailServer({ user: 'stay', password: PASSWORD });
    await server.start();
    await helper.load([notifierNode, smtpNode], flow({ channel: 'email', smtp: 'smtp' }, [smtpConfig(server)]), {
      smtp: { user: 'stay', password: PASSWORD },
    });
    const first = nextMessage(helper.getNode('out1'));
    const second = nextMessage(helper.getNode('out2'));
    helper.getNode('n1').receive({ payload: codeMessage(vault) });

    const mail = await server.waitForMail();
    assert.equal(mail.user, 'stay');
    assert.deepEqual(mail.to, ['maria@example.com']);
    assert.equal(mail.subject, 'Your door code for Sea View');
    assert.ok(mail.text.includes(`Room 101: ${PIN}`), mail.text);
    assert.ok(mail.html?.includes(`Room 101: ${PIN}`));

    const record = await first;
    assert.ok(!JSON.stringify(record).includes(PIN), 'output 1 carries no PIN when the mail went by SMTP');
    assert.ok(String(record.payload).includes(`Room 101: ${PIN_MASK}`));
    assert.equal(record.delivered, true);
    assert.deepEqual((await second).payload, { kind: 'delivery', bookingId: 'B7', channel: 'email', delivered: true });
  });

  it('tries an email again when the server refuses it once, showing the retry in its status', async function () {
    server = new TestMailServer();
    await server.start();
    server.refuseNext = 1;
    await helper.load([notifierNode, smtpNode], flow({ channel: 'email', smtp: 'smtp', retries: 5, retryDelay: 0.02 }, [smtpConfig(server)]));
    const notifier = helper.getNode('n1');
    const statuses: string[] = [];
    notifier.on('call:status', (call) => statuses.push((call.args[0] as { text: string }).text));
    const second = nextMessage(helper.getNode('out2'));
    notifier.receive({ payload: codeMessage(vault) });

    assert.equal(((await second).payload as DeliveryMessage).delivered, true);
    assert.equal(server.received.length, 1);
    assert.ok(statuses.includes('email failed, retry 2/5'), statuses.join(' | '));
    const records = readOutbox(path.join(directory, 'outbox.jsonl'));
    assert.deepEqual(records.map((r) => [r.attempt, r.ok]), [[1, false], [2, true]]);
  });

  it('reports a failed email on output 2 and to Catch nodes, without the password or the PIN', async function () {
    server = new TestMailServer({ user: 'stay', password: 'the-real-one' });
    await server.start();
    await helper.load([notifierNode, smtpNode], flow({ channel: 'email', smtp: 'smtp', retries: 2, retryDelay: 0.01 }, [smtpConfig(server)]), {
      smtp: { user: 'stay', password: PASSWORD },
    });
    const caught = nextMessage(helper.getNode('caught'));
    const second = nextMessage(helper.getNode('out2'));
    helper.getNode('n1').receive({ payload: codeMessage(vault) });

    const delivery = (await second).payload as DeliveryMessage;
    assert.equal(delivery.delivered, false);
    assert.match(String(delivery.error), /guest of booking B7 failed after 2 attempts/);
    const error = (await caught).error as { message: string };
    assert.match(error.message, /failed after 2 attempts/);
    const everything = JSON.stringify([error, delivery, helper.log().args, fs.readFileSync(path.join(directory, 'outbox.jsonl'), 'utf8')]);
    assert.ok(!everything.includes(PASSWORD), 'password leaked');
    assert.ok(!everything.includes(Buffer.from(PASSWORD).toString('base64')), 'password (base64) leaked');
    assert.ok(!everything.includes(PIN), 'PIN leaked');
    assert.equal(server.received.length, 0);
  });

  it('stops trying again once the flow is stopped', async function () {
    server = new TestMailServer();
    await server.start();
    server.rejectRecipients = true;
    await helper.load([notifierNode, smtpNode], flow({ channel: 'email', smtp: 'smtp', retries: 5, retryDelay: 0.02 }, [smtpConfig(server)]));
    const notifier = helper.getNode('n1');
    const retrying = new Promise<void>((resolve) =>
      notifier.on('call:status', (call) => {
        if ((call.args[0] as { text?: string }).text === 'email failed, retry 2/5') resolve();
      }),
    );
    notifier.receive({ payload: codeMessage(vault) });
    await retrying;
    await helper.unload();
    const attemptsAtClose = server.recipientAttempts;
    // Long enough for the next attempts (20 ms, then 40 ms) to have run had close not stopped them.
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(attemptsAtClose, 1);
    assert.equal(server.recipientAttempts, 1);
  });

  it('sends a host alert to the host address and nothing on output 2', async function () {
    await helper.load([notifierNode], flow({ hostTo: '+351912345678' }));
    let deliveries = 0;
    helper.getNode('out2').on('input', () => (deliveries += 1));
    const first = nextMessage(helper.getNode('out1'));
    const alert: AlertMessage = { kind: 'alert', severity: 'warning', topic: 'Code not confirmed', text: 'Front door did not confirm the code for B7.' };
    helper.getNode('n1').receive({ payload: alert });
    const message = await first;
    assert.equal(message.to, '+351912345678');
    assert.equal(message.audience, 'host');
    assert.equal(message.topic, 'Sea View: [WARNING] Code not confirmed');
    assert.equal(message.payload, 'Front door did not confirm the code for B7.\n');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(deliveries, 0);
  });

  it('uses msg.to over the booking email and a custom guest template', async function () {
    await helper.load([notifierNode], flow({ guestTemplate: 'Code: {{codesText}} ({{guestName}})' }));
    const first = nextMessage(helper.getNode('out1'));
    helper.getNode('n1').receive({ payload: codeMessage(vault), to: '+351900000000' });
    const message = await first;
    assert.equal(message.to, '+351900000000');
    assert.equal(message.payload, `Code: Room 101: ${PIN} (Maria)\n`);
  });

  it('gives Catch nodes a clear error for a payload it does not handle', async function () {
    await helper.load([notifierNode], flow({}));
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('n1').receive({ payload: { kind: 'booking', booking: {} } });
    const error = (await caught).error as { message: string; source: { id: string } };
    assert.equal(error.source.id, 'n1');
    assert.match(error.message, /notifier takes code, alert or battery-report messages .* got a "booking" message/);
  });

  it('asks for a mail server when set to email without one', async function () {
    await helper.load([notifierNode], flow({ channel: 'email' }));
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('n1').receive({ payload: codeMessage(vault) });
    assert.match(((await caught).error as { message: string }).message, /choose a StayKey smtp config node/);
  });

  it('serves the built-in templates to the editor', async function () {
    await helper.load([notifierNode], flow({}));
    const response = await helper.request().get('/staykey/notifier/templates');
    assert.equal(response.status, 200);
    assert.equal(response.body.guestTemplate, defaultGuestTemplate);
    const languages = response.body.languages as Array<{ code: string; name: string; guestSubject: string; guestTemplate: string }>;
    assert.deepEqual(
      languages.map((language) => `${language.code} ${language.name}`),
      ['en English', 'de Deutsch', 'fr Français', 'es Español', 'it Italiano', 'nl Nederlands', 'pt Português'],
    );
    assert.equal(languages[0].guestTemplate, defaultGuestTemplate);
    assert.match(languages[2].guestTemplate, /Voici votre code d'accès/);
  });

  it("writes to each guest in their booking's language, to the others in its Guest language, with the host's own per language", async function () {
    const guestTemplates = JSON.stringify({ it: { subject: 'Il suo codice', body: 'Codice: {{codesText}}' } });
    await helper.load([notifierNode], flow({ guestLanguage: 'de', guestTemplates }));
    const notifier = helper.getNode('n1');
    const out = helper.getNode('out1');
    const send = async (language?: string) => {
      const message = codeMessage(vault);
      if (language) message.booking.language = language;
      const next = nextMessage(out);
      notifier.receive({ payload: message });
      return next;
    };
    const french = await send('fr');
    assert.equal(french.topic, "Votre code d'accès pour Sea View");
    assert.match(String(french.payload), /^Bonjour Maria,\n\nVoici votre code d'accès pour Sea View :\nRoom 101 : 482913\n/);
    assert.equal(french.language, 'fr');
    assert.equal(french.languageSource, 'booking');
    const unknown = await send();
    assert.match(String(unknown.payload), /^Hallo Maria,\n\nhier ist Ihr Türcode für Sea View:/);
    assert.equal(unknown.languageSource, 'default');
    const italian = await send('it-IT');
    assert.equal(italian.topic, 'Il suo codice');
    assert.equal(italian.payload, `Codice: Room 101: ${PIN}\n`);
  });

  it('turns red and refuses every message while its per-language templates cannot be read', async function () {
    await helper.load([notifierNode], flow({ guestTemplates: '{"xx": {"body": "?"}}' }));
    const caught = nextMessage(helper.getNode('caught'));
    helper.getNode('n1').receive({ payload: codeMessage(vault) });
    assert.match(((await caught).error as { message: string }).message, /per-language templates: "xx" is not one of en, de, fr, es, it, nl, pt/);
  });
});
