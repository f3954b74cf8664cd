/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 for the email tests: it speaks the
 * protocol nodemailer will meet in the field, and keeps what it received so tests can read it.
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  user?: string;
  raw: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Login {
  user: string;
  password: string;
}

export class TestMailServer {
  readonly received: ReceivedMail[] = [];
  /** While true, every RCPT TO is refused with a temporary 451 (a greylisting or overloaded server). */
  rejectRecipients = false;
  /** Refuses this many more RCPT TO commands, then accepts again (a server back from a hiccup). */
  refuseNext = 0;
  /** Every RCPT TO seen, accepted or refused: one per delivery attempt for a single recipient. */
  recipientAttempts = 0;
  port = 0;
  private server?: SMTPServer;
  private waiters: Array<() => void> = [];

  constructor(private readonly login?: Login) {}

  async start(port = this.port): Promise<void> {
    const login = this.login;
    const server = new SMTPServer({
      logger: false,
      disabledCommands: login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !login,
      allowInsecureAuth: true,
      closeTimeout: 200,
      onAuth: (auth, _session, callback) => {
        if (login && auth.username === login.user && auth.password === login.password) {
          callback(null, { user: auth.username });
          return;
        }
        callback(new Error('Invalid username or password'));
      },
      onRcptTo: (_address, _session, callback) => {
        this.recipientAttempts += 1;
        if (this.rejectRecipients || this.refuseNext > 0) {
          this.refuseNext = Math.max(0, this.refuseNext - 1);
          const error = new Error('Try again later') as Error & { responseCode: number };
          error.responseCode = 451;
          callback(error);
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          this.received.push({
            ...parseMail(raw),
            raw,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          callback();
          for (const wake of this.waiters.splice(0)) wake();
        });
      },
    });
    // A client gone in the middle of a mail (a Node-RED killed while sending) is an 'error' of the server:
    // a real server logs it and serves the next one; unheard, it would end the test process.
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Resolves once `count` messages in all have arrived. */
  async waitForMail(count = 1): Promise<ReceivedMail> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.received[count - 1];
  }
}

/** Reads the subject and the text and HTML parts of a message nodemailer composed. */
export function parseMail(raw: string): { subject: string; text: string; html?: string } {
  const { headers, body } = splitPart(raw);
  const subject = decodeWords(headers.get('subject') ?? '');
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) return { subject, text: decodeBody(body, headers.get('content-transfer-encoding')) };
  let text = '';
  let html: string | undefined;
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const part = splitPart(chunk.replace(/^\r\n/, ''));
    const content = decodeBody(part.body, part.headers.get('content-transfer-encoding'));
    const partType = part.headers.get('content-type') ?? '';
    if (partType.startsWith('text/plain')) text = content;
    if (partType.startsWith('text/html')) html = content;
  }
  return { subject, text, html };
}

function splitPart(raw: string): { headers: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding = '7bit'): string {
  const trimmed = body.replace(/\r\n$/, '');
  if (/quoted-printable/i.test(encoding)) {
    const bytes = trimmed
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8').replace(/\r\n/g, '\n');
  }
  if (/base64/i.test(encoding)) return Buffer.from(trimmed.replace(/\s+/g, ''), 'base64').toString('utf8').replace(/\r\n/g, '\n');
  return trimmed.replace(/\r\n/g, '\n');
}

function decodeWords(text: string): string {
  return text.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, kind: string, word: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(word, 'base64').toString('utf8')
      : Buffer.from(word.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
}
