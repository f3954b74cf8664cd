/**
 * The check-in desk behind the guest page: who may see which stay, and what they are told. Wrong tries
 * are counted per client and per booking (whichever way its reference was typed); an unknown reference
 * and a wrong name get the same answer, counted the same way, so the page never tells which references
 * exist. A code shown on a second device is told to the host.
 *
 * The page speaks the guest's language: the booking's own language field first (the guest's messages
 * use it too), then what the browser asks for (Accept-Language), then the booking's hints (the channel's
 * words, the phone's country code), then the page's default. Before a booking is proven, only the
 * browser and the default count. Host alerts stay in English.
 */
import type { AlertMessage } from '../messages';
import type { Clock } from '../time/clock';
import { TryLimit, TryLimiter } from './attempts';
import { Notice, renderStayPage, renderVerifyPage, StayView } from './page';
import { GuestSessions, isBrowserId, newBrowserId } from './sessions';
import { phrase } from '../i18n/catalog';
import { browserLanguage } from '../i18n/choose';
import { DEFAULT_LANGUAGE, Language } from '../i18n/languages';

/** What a pin-issuer lends the page (nodes/shared/guest-portal.ts). */
export interface GuestBookings {
  find(reference: string, proof: string): string | undefined;
  /** Every current booking the reference names, whatever the proof: each one's wrong tries are counted. */
  named(reference: string): string[];
  view(bookingId: string): StayView | undefined;
  keepsPins: boolean;
}

export interface CheckInOptions {
  clock: Clock;
  /** The property's name, shown as the page title. */
  property: string;
  perClient: TryLimit;
  perBooking: TryLimit;
  sessionMinutes: number;
  /** The page's language when neither the booking nor the browser gives one of StayKey's (default English). */
  language?: Language;
}

export interface GuestRequest {
  /** The id in the browser's cookie, if any. */
  browserId?: string;
  /** Who is asking: their address (see clientKey). */
  client: string;
  /** The browser's Accept-Language header. */
  acceptLanguage?: string | string[];
}

export type FormFields = Partial<Record<string, string>>;

export interface Reply {
  status: number;
  html?: string;
  /** Send the browser to the page again (after a form), so a reload never posts twice. */
  redirect?: boolean;
  /** Give the browser this id (a new visitor, a new session, a sign-out). */
  setBrowserId?: string;
  retryAfterSeconds?: number;
  alerts: AlertMessage[];
  /** Why the page cannot serve at all (no pin-issuer): for the node's status, never shown to guests. */
  problem?: string;
}

const LONGEST_FIELD = 100;

export class CheckInDesk {
  private readonly sessions: GuestSessions;
  private readonly clients: TryLimiter;
  private readonly references: TryLimiter;
  /** Which session first showed each booking's code: another session showing it is a second device. */
  private readonly reveals = new Map<string, Reveal>();
  /** The last reason the pin-issuer could not be reached. */
  private problem = '';

  constructor(
    private readonly bookings: () => GuestBookings,
    private readonly options: CheckInOptions,
  ) {
    this.sessions = new GuestSessions(options.clock, options.sessionMinutes);
    this.clients = new TryLimiter(options.perClient, options.clock);
    this.references = new TryLimiter(options.perBooking, options.clock);
  }

  /** The page: the stay for a verified guest whose booking is unchanged, else the form. */
  show(request: GuestRequest): Reply {
    const browserId = isBrowserId(request.browserId) ? request.browserId : undefined;
    const session = this.sessions.find(browserId);
    const language = this.languageFor(request);
    if (!session) return this.form(browserId, language);
    const bookings = this.bookingsOrUndefined();
    if (!bookings) return this.unavailable(browserId, language);
    const stay = bookings.view(session.bookingId);
    if (!stay || stay.version !== session.version) {
      // A reset (or changed dates) makes the old session worthless: the guest proves the booking again.
      this.sessions.end(browserId);
      const told = this.languageFor(request, stay);
      return this.form(browserId, told, { tone: 'info', text: phrase(told, stay ? 'bookingChanged' : 'stayEnded') });
    }
    const html = renderStayPage({
      property: this.options.property,
      token: this.sessions.formToken(browserId!),
      stay,
      keepsPins: bookings.keepsPins,
      language: this.languageFor(request, stay),
    });
    return { status: 200, html, alerts: this.revealed(stay, browserId!) };
  }

  /** A posted form: prove a booking, or sign out. */
  submit(request: GuestRequest, fields: FormFields): Reply {
    const browserId = isBrowserId(request.browserId) ? request.browserId : undefined;
    const language = this.languageFor(request);
    if (!this.sessions.formTokenMatches(browserId, fields.token)) {
      return this.form(browserId, language, { tone: 'error', text: phrase(language, 'pageExpired') }, undefined, 403);
    }
    if (fields.action === 'sign-out') {
      this.sessions.end(browserId);
      return { status: 303, redirect: true, setBrowserId: newBrowserId(), alerts: [] };
    }
    return this.verify(browserId!, request.client, field(fields.reference), field(fields.proof), language);
  }

  status(): { verified: number; lockedOut: number } {
    return { verified: this.sessions.verifiedBookings(), lockedOut: this.clients.lockedOut() + this.references.lockedOut() };
  }

  /** When the status may change without a request: a lock-out or a session ending. */
  nextChangeAt(): Date | undefined {
    const times = [this.sessions.nextExpiry(), this.clients.nextLockoutEnd(), this.references.nextLockoutEnd()].filter((at): at is Date => at !== undefined);
    return times.length ? new Date(Math.min(...times.map((at) => at.getTime()))) : undefined;
  }

  private verify(browserId: string, client: string, reference: string, proof: string, language: Language): Reply {
    if (!reference || !proof) return this.form(browserId, language, { tone: 'error', text: phrase(language, 'fieldsMissing') }, reference);
    // Known from what was typed alone, so it tells nothing about any booking and costs no try.
    if (isOneLetter(proof)) return this.form(browserId, language, { tone: 'error', text: phrase(language, 'nameTooShort') }, reference);
    // Checked before the booking is looked up: during a lock-out even the right answer is refused.
    const clientLockedUntil = this.clients.lockedUntil(client);
    if (clientLockedUntil) return this.lockedOut(browserId, clientLockedUntil, [], language);
    const bookings = this.bookingsOrUndefined();
    if (!bookings) return this.unavailable(browserId, language);
    const keys = countedKeys(bookings.named(reference), reference);
    const lockedUntil = latest(keys.map((key) => this.references.lockedUntil(key)));
    if (lockedUntil) return this.lockedOut(browserId, lockedUntil, [], language);
    const bookingId = bookings.find(reference, proof);
    const stay = bookingId !== undefined ? bookings.view(bookingId) : undefined;
    if (bookingId === undefined || !stay) return this.wrongTry(browserId, client, reference, keys, language);
    this.references.forget(bookingKey(bookingId));
    const sessionId = this.sessions.start(bookingId, stay.version);
    // No Max-Age: the cookie, and with it the code, goes when the browser session ends.
    return { status: 303, redirect: true, setBrowserId: sessionId, alerts: [] };
  }

  private wrongTry(browserId: string, client: string, reference: string, keys: string[], language: Language): Reply {
    const alerts: AlertMessage[] = [];
    if (this.clients.recordWrong(client)) alerts.push(this.clientAlert(client));
    for (const key of keys) if (this.references.recordWrong(key)) alerts.push(this.referenceAlert(reference, this.references.lockedUntil(key)));
    const lockedUntil = latest([this.clients.lockedUntil(client), ...keys.map((key) => this.references.lockedUntil(key))]);
    if (lockedUntil) return this.lockedOut(browserId, lockedUntil, alerts, language);
    return this.form(browserId, language, { tone: 'error', text: phrase(language, 'notFound') }, reference);
  }

  /** Notes who sees a code; the first session is the guest's, any later one a second device. */
  private revealed(stay: StayView, sessionId: string): AlertMessage[] {
    if (!stay.issued || stay.onHold || !stay.codes.some((code) => code.pin !== null)) return [];
    const reveal = this.reveals.get(stay.bookingId);
    if (!reveal || reveal.version !== stay.version) {
      this.reveals.delete(stay.bookingId); // re-inserted, so the oldest go first when there are too many
      this.reveals.set(stay.bookingId, { version: stay.version, firstSession: sessionId, told: new Set() });
      if (this.reveals.size > MAX_REVEALS) this.reveals.delete(this.reveals.keys().next().value!);
      return [];
    }
    if (reveal.firstSession === sessionId || reveal.told.has(sessionId)) return [];
    reveal.told.add(sessionId);
    return [this.secondDeviceAlert(stay.bookingId)];
  }

  private lockedOut(browserId: string, until: Date, alerts: AlertMessage[], language: Language): Reply {
    const seconds = Math.max(1, Math.ceil((until.getTime() - this.options.clock.now().getTime()) / 1000));
    const minutes = Math.ceil(seconds / 60);
    const text = minutes === 1 ? phrase(language, 'lockedOutOneMinute') : phrase(language, 'lockedOutMinutes', { minutes });
    const reply = this.form(browserId, language, { tone: 'error', text }, undefined, 429);
    return { ...reply, retryAfterSeconds: seconds, alerts };
  }

  private form(browserId: string | undefined, language: Language, notice?: Notice, reference?: string, status = 200): Reply {
    const id = browserId ?? newBrowserId();
    const html = renderVerifyPage({ property: this.options.property, token: this.sessions.formToken(id), notice, reference, language });
    return { status, html, setBrowserId: browserId ? undefined : id, alerts: [] };
  }

  private unavailable(browserId: string | undefined, language: Language): Reply {
    return { ...this.form(browserId, language, { tone: 'error', text: phrase(language, 'unavailable') }, undefined, 503), problem: this.problem };
  }

  /** The page's language for this request, and for this stay once the guest has proven it (see the top). */
  private languageFor(request: GuestRequest, stay?: StayView): Language {
    return stay?.language ?? browserLanguage(request.acceptLanguage) ?? stay?.hintedLanguage ?? this.options.language ?? DEFAULT_LANGUAGE;
  }

  private bookingsOrUndefined(): GuestBookings | undefined {
    try {
      return this.bookings();
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
      return undefined;
    }
  }

  private clientAlert(client: string): AlertMessage {
    const { tries, windowMinutes, lockoutMinutes } = this.options.perClient;
    const text = `Guest check-in page: ${tries} wrong tries within ${windowMinutes} minutes from ${client}; that address is locked out for ${lockoutMinutes} minutes.`;
    return { kind: 'alert', severity: 'warning', topic: 'guest-page', text };
  }

  private referenceAlert(reference: string, until: Date | undefined): AlertMessage {
    const { tries, windowMinutes, lockoutMinutes } = this.options.perBooking;
    const shown = reference.replace(/[^\p{L}\p{N}\-_.#/]/gu, '').slice(0, 40);
    const minutes = until ? Math.ceil((until.getTime() - this.options.clock.now().getTime()) / 60_000) : lockoutMinutes;
    const text =
      `Guest check-in page: ${tries} wrong tries within ${windowMinutes} minutes for booking reference "${shown}"; ` +
      `it is locked out for ${minutes} minutes. If a guest asks, give them their code another way.`;
    return { kind: 'alert', severity: 'warning', topic: 'guest-page', text };
  }

  private secondDeviceAlert(bookingId: string): AlertMessage {
    const text =
      `Guest check-in page: the door code of booking ${bookingId} was just shown on a second device, after the guest had seen it on another one. ` +
      `If the guest did not do this, reset the code (send {kind: "reissue", bookingId} to the pin-issuer).`;
    return { kind: 'alert', severity: 'warning', topic: 'guest-page', text, bookingId };
  }
}

interface Reveal {
  version: number;
  firstSession: string;
  /** Other sessions the host was already told of. */
  told: Set<string>;
}

/** As many bookings as sessions can hold; the oldest reveals go first. */
const MAX_REVEALS = 10_000;

/**
 * A wrong try counts against every booking the reference names, so typing it another way (case,
 * spaces, accents) gains nothing; a reference that names none is counted by itself, the same way.
 */
function countedKeys(bookingIds: string[], reference: string): string[] {
  return bookingIds.length ? bookingIds.map(bookingKey) : [`reference:${referenceKeyOf(reference)}`];
}

function bookingKey(bookingId: string): string {
  return `booking:${bookingId}`;
}

/** One letter (after accents and punctuation go) is a guess anyone gets right in a few tries. */
function isOneLetter(proof: string): boolean {
  return referenceKeyOf(proof).replace(/[^\p{L}\p{N}]/gu, '').length < 2;
}

function field(value: string | undefined): string {
  return typeof value === 'string' ? value.trim().slice(0, LONGEST_FIELD) : '';
}

/** "hm-abc 12" and "HM-ABC12" are one reference to the ledger, so they share one count. */
export function referenceKeyOf(reference: string): string {
  return reference.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\s+/g, '').toLowerCase();
}

function latest(times: (Date | undefined)[]): Date | undefined {
  const known = times.filter((at): at is Date => at !== undefined);
  return known.length ? new Date(Math.max(...known.map((at) => at.getTime()))) : undefined;
}
