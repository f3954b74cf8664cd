/**
 * The check-in page as plain server-rendered HTML: a form to prove the booking, and the stay with its
 * codes. No script at all, one hashed style block, every value escaped. Its words and dates are in
 * the page's language (check-in.ts chooses it); English when none is given.
 */
import { createHash } from 'node:crypto';
import type { GuestView } from '../ledger/ledger';
import { formatLocal } from '../time/zoned';
import { CatalogKey, phrase } from '../i18n/catalog';
import { DEFAULT_LANGUAGE, Language, LOCALES } from '../i18n/languages';

/** What the ledger lends the page, and (once the ledger gives it) when the code is issued. */
export type StayView = GuestView & { issueAt?: string };

export interface Notice {
  tone: 'error' | 'info';
  text: string;
}

export interface VerifyPage {
  property: string;
  token: string;
  notice?: Notice;
  /** What the guest typed, given back after a mistake (never the name or phone digits). */
  reference?: string;
  language?: Language;
}

export interface StayPage {
  property: string;
  token: string;
  stay: StayView;
  /** Whether the pin-issuer keeps codes for the page; without it a delivered code is gone from here. */
  keepsPins: boolean;
  language?: Language;
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f4f1; color: #1d1d1b; }
main { max-width: 30rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 0.5rem; }
h1 { font-size: 1.4rem; margin-top: 0; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input[type=text] { box-sizing: border-box; width: 100%; padding: 0.6rem; font-size: 1.1rem; margin-top: 0.3rem; }
button { margin-top: 1.2rem; padding: 0.6rem 1.2rem; font-size: 1rem; }
.notice { padding: 0.7rem; border-radius: 0.3rem; background: #e8f0fb; }
.notice.error { background: #fbe9e7; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0.4rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
ul.codes { list-style: none; padding: 0; }
ul.codes li { margin: 0.6rem 0; }
.pin { font-size: 2rem; font-weight: 700; letter-spacing: 0.2rem; display: block; }
.sign-out button { font-size: 0.9rem; }
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** No script, no frames, no other origins: the page needs only its own style block and its own form. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function renderVerifyPage(page: VerifyPage): string {
  const language = page.language ?? DEFAULT_LANGUAGE;
  const say = words(language);
  const body = `
<h1>${escapeHtml(title(page.property, language))}</h1>
${notice(page.notice)}
<p>${say('confirmIntro')}</p>
<form method="post" autocomplete="off">
  <input type="hidden" name="token" value="${escapeHtml(page.token)}">
  <input type="hidden" name="action" value="verify">
  <label for="reference">${say('referenceLabel')}</label>
  <input type="text" id="reference" name="reference" maxlength="100" required value="${escapeHtml(page.reference ?? '')}">
  <label for="proof">${say('proofLabel')}</label>
  <input type="text" id="proof" name="proof" maxlength="100" required>
  <button type="submit">${say('showStay')}</button>
</form>`;
  return layout(title(page.property, language), body, language);
}

export function renderStayPage(page: StayPage): string {
  const { stay } = page;
  const language = page.language ?? DEFAULT_LANGUAGE;
  const say = words(language);
  const body = `
<h1>${escapeHtml(title(page.property, language))}</h1>
${stay.guestName ? `<p>${say('welcome', { guestName: stay.guestName })}</p>` : ''}
<dl>
  <dt>${say('unitLabel')}</dt><dd class="unit">${escapeHtml(stay.unit)}</dd>
  <dt>${say('checkInLabel')}</dt><dd>${escapeHtml(localTime(stay.checkInAt, stay.timeZone, language))}</dd>
  <dt>${say('checkOutLabel')}</dt><dd>${escapeHtml(localTime(stay.checkOutAt, stay.timeZone, language))}</dd>
</dl>
<p class="zone">${say('timesLocal', { timeZone: stay.timeZone })}</p>
<h2>${say('yourCode')}</h2>
${codesSection(page, language)}
<form method="post" class="sign-out">
  <input type="hidden" name="token" value="${escapeHtml(page.token)}">
  <input type="hidden" name="action" value="sign-out">
  <button type="submit">${say('signOut')}</button>
</form>`;
  return layout(title(page.property, language), body, language);
}

/** A text of the page's language, filled in and escaped for HTML. */
function words(language: Language): (key: CatalogKey, values?: object) => string {
  return (key, values) => escapeHtml(phrase(language, key, values));
}

function codesSection({ stay, keepsPins }: StayPage, language: Language): string {
  const say = words(language);
  if (!stay.issued) {
    const when = stay.issueAt ? say('notReadyOn', { when: localTime(stay.issueAt, stay.timeZone, language) }) : say('notReadyBeforeCheckIn');
    return `<p class="not-yet">${when}</p>`;
  }
  if (stay.onHold) return `<p class="on-hold">${say('onHold')}</p>`;
  const lines = stay.codes.map((code) => {
    const what = code.pin !== null ? `<span class="pin">${escapeHtml(code.pin)}</span>` : `<span class="no-pin">${say(missingPinText(keepsPins))}</span>`;
    return `<li><span class="lock">${escapeHtml(code.lockName)}</span>${what}</li>`;
  });
  return `<ul class="codes">${lines.join('')}</ul>`;
}

function missingPinText(keepsPins: boolean): CatalogKey {
  // Without kept PINs only a hash is left once the guest has their message; with them, a missing PIN is
  // one the host just reset and the lock is still taking.
  return keepsPins ? 'codeOnItsWay' : 'codeWasSent';
}

function notice(value: Notice | undefined): string {
  if (!value) return '';
  const role = value.tone === 'error' ? 'alert' : 'status';
  return `<p class="notice ${value.tone}" role="${role}">${escapeHtml(value.text)}</p>`;
}

function title(property: string, language: Language): string {
  return property ? phrase(language, 'pageTitle', { property }) : phrase(language, 'pageTitleNoProperty');
}

function localTime(iso: string, timeZone: string, language: Language): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  try {
    return formatLocal(instant, timeZone, LOCALES[language]);
  } catch {
    return formatLocal(instant, 'UTC', LOCALES[language]);
  }
}

function layout(pageTitle: string, body: string, language: Language): string {
  return `<!DOCTYPE html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(pageTitle)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>${body}
</main>
</body>
</html>
`;
}
