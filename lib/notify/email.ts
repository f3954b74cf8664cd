/**
 * Sends one email by SMTP with nodemailer. A fresh connection per message: guest messages are few,
 * and a pooled connection left open would outlive a redeploy of the flow.
 */
import * as nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

/** How to use STARTTLS on a plain connection: when offered, always (fail without it), or never. */
export type StartTls = 'auto' | 'require' | 'ignore';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS as `startTls` says. */
  secure: boolean;
  startTls?: StartTls;
  from: string;
  user?: string;
  password?: string;
  /** Connection, greeting and socket timeouts (default 30 s each). */
  timeoutMs?: number;
}

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface EmailReceipt {
  messageId: string;
  accepted: string[];
  response: string;
}

/** A failed send, with the SMTP reply code when there was one and nothing secret in its message. */
export class EmailError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly responseCode?: number,
  ) {
    super(message);
    this.name = 'EmailError';
  }
}

/** What the notifier needs from a mail server; the staykey-smtp config node provides one. */
export interface Mailer {
  send(mail: Mail): Promise<EmailReceipt>;
  /** "smtp.example.com:587", for status and errors. */
  describe(): string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function checkSmtpSettings(settings: SmtpSettings): void {
  if (!settings.host) throw new Error('SMTP server: no host set');
  if (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535) {
    throw new Error(`SMTP server: port ${settings.port} is not a port number (587 for STARTTLS, 465 for TLS)`);
  }
  if (!settings.from) throw new Error('SMTP server: no from address set');
  if (settings.password && !settings.user) throw new Error('SMTP server: a password is set but no user name');
}

export async function sendEmail(settings: SmtpSettings, mail: Mail): Promise<EmailReceipt> {
  checkSmtpSettings(settings);
  if (!mail.to) throw new EmailError('no recipient address');
  const transport = nodemailer.createTransport(transportOptions(settings));
  try {
    const info = await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    return { messageId: info.messageId, accepted: info.accepted.map(addressText), response: info.response };
  } catch (err) {
    throw safeError(err, settings);
  } finally {
    transport.close();
  }
}

export function smtpMailer(settings: SmtpSettings): Mailer {
  return {
    send: (mail) => sendEmail(settings, mail),
    describe: () => `${settings.host}:${settings.port}`,
  };
}

function transportOptions(settings: SmtpSettings): SMTPTransport.Options {
  const timeout = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const startTls = settings.startTls ?? 'auto';
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ignoreTLS: !settings.secure && startTls === 'ignore',
    requireTLS: !settings.secure && startTls === 'require',
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
    // Never log: nodemailer's debug output would include the AUTH exchange.
    logger: false,
    debug: false,
  };
}

function addressText(address: string | { address: string }): string {
  return typeof address === 'string' ? address : address.address;
}

/**
 * A new error that carries only a scrubbed message and the SMTP codes: nodemailer's own error keeps
 * the last command sent, which for AUTH PLAIN/LOGIN is the password in base64.
 */
function safeError(err: unknown, settings: SmtpSettings): EmailError {
  const source = err as { message?: unknown; code?: unknown; responseCode?: unknown };
  const message = typeof source?.message === 'string' ? source.message : String(err);
  const code = typeof source?.code === 'string' ? source.code : undefined;
  const responseCode = typeof source?.responseCode === 'number' ? source.responseCode : undefined;
  const where = `${settings.host}:${settings.port}`;
  return new EmailError(`email via ${where} failed: ${scrubSecret(message, settings)}`, code, responseCode);
}

export function scrubSecret(text: string, settings: Pick<SmtpSettings, 'user' | 'password'>): string {
  const password = settings.password;
  if (!password) return text;
  const forms = [
    password,
    Buffer.from(password).toString('base64'),
    Buffer.from(`\u0000${settings.user ?? ''}\u0000${password}`).toString('base64'),
  ];
  let scrubbed = text;
  for (const form of forms) scrubbed = scrubbed.split(form).join('***');
  return scrubbed;
}
