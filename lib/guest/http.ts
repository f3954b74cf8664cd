/**
 * The few HTTP details the check-in page needs, without a framework: its cookie, its form body, its
 * security headers and who the client is.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { CONTENT_SECURITY_POLICY } from './page';
import { dictionary } from '../ids';
import { phrase } from '../i18n/catalog';
import { DEFAULT_LANGUAGE, Language } from '../i18n/languages';

export const COOKIE_NAME = 'staykey_guest';

export const DEFAULT_PATH = '/staykey/check-in';

/** A plain path: Express would read `:`, `*` or `(` as route patterns, and the cookie is scoped to it. */
export function pagePath(value: string | undefined): string {
  const trimmed = (value ?? '').trim() || DEFAULT_PATH;
  const path = `/${trimmed.replace(/^\/+/, '').replace(/\/+$/, '')}`;
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
    throw new Error(`guest-page: the path "${trimmed}" may hold only letters, digits, "-", "_", "." and "/"`);
  }
  return path;
}

/** The form has three short fields; anything bigger is not our form. */
export const LONGEST_FORM_BYTES = 4096;

export class FormError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  maxAgeSeconds?: number;
}

/** HttpOnly (no script may read it), SameSite=Strict (no other site may send it), Secure over https. */
export function cookieHeader(value: string, options: CookieOptions): string {
  const parts = [`${COOKIE_NAME}=${value}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Strict'];
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Sent with every answer: nothing cached, never framed, no script, no referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

type FormRequest = IncomingMessage & { body?: unknown };

/**
 * The posted form's fields. A body parser the host added to Node-RED's http middleware may have read
 * the body already; otherwise it is read here, up to a small limit.
 */
export async function readForm(request: FormRequest): Promise<Record<string, string>> {
  if (isFilledObject(request.body)) return stringFields(request.body);
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new FormError('the check-in form is sent as a web form', 415);
  const text = await readBody(request, LONGEST_FORM_BYTES);
  return stringFields(Object.fromEntries(new URLSearchParams(text)));
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Keep nothing more but let the rest drain, so the browser still gets the answer.
      request.off('data', collect);
      request.resume();
      reject(new FormError('the form is too large', 413));
    };
    request.on('data', collect);
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function isFilledObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
}

/** Field names are the browser's (anyone's) choice: kept in a dictionary, so `__proto__` is just a field. */
function stringFields(body: Record<string, unknown>): Record<string, string> {
  const fields = dictionary<string>();
  for (const [key, value] of Object.entries(body)) if (typeof value === 'string') fields[key] = value;
  return fields;
}

/**
 * Behind a reverse proxy every request comes from the proxy; the guest's address is the last one the
 * proxy added to X-Forwarded-For (earlier entries are whatever the client claimed).
 */
export function forwardedClient(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  const last = text?.split(',').map((part) => part.trim()).filter(Boolean).pop();
  return last || undefined;
}

/** The parts of a request that say who sent it and how. */
export interface RequestOrigin {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string };
  ip?: string;
  secure?: boolean;
}

/** Behind a proxy the socket is the proxy's; only then do its forwarded headers count. */
export function guestAddress(request: RequestOrigin, behindProxy: boolean): string | undefined {
  const forwarded = behindProxy ? forwardedClient(request.headers['x-forwarded-for']) : undefined;
  return forwarded ?? request.socket.remoteAddress ?? request.ip;
}

/** Whether the guest's browser reached us by https, so the cookie can be marked Secure. */
export function isHttps(request: RequestOrigin, behindProxy: boolean): boolean {
  if (request.secure) return true;
  return behindProxy && String(request.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https';
}

/** What a request that could not be answered gets: the guest never sees why, the host's log does (500). */
export function failureAnswer(err: unknown, language: Language = DEFAULT_LANGUAGE): { status: number; text: string; close: boolean } {
  const status = err instanceof FormError ? err.status : 500;
  const text = status === 500 ? phrase(language, 'somethingWrong') : 'Bad request';
  // An oversized body: no reason to read the rest of it.
  return { status, text, close: status === 413 };
}

/**
 * The client a wrong try is counted against. IPv6 hosts get a whole /64 from their provider, so one
 * is counted by its /64: otherwise every guess could come from a new address.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('%')[0].split('::');
  const front = head ? head.split(':') : [];
  const back = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - front.length - back.length;
  return [...front, ...Array<string>(Math.max(missing, 0)).fill('0'), ...back].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}
