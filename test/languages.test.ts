/**
 * Guests in their own language: every catalog has every text English has, with the same names in it;
 * every message kind renders in every language with its dates in that language's locale; the language
 * is chosen from the booking (its field, then the channel's words, then the phone's country, then the
 * property's default); a host's own templates win where they exist and nothing ever renders empty.
 */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as Mustache from 'mustache';
import type { Booking } from '../lib/bookings/booking';
import { parseBooking } from '../lib/bookings/booking';
import { parseFeed } from '../lib/bookings/ical-feed';
import { readBookingMessage } from '../lib/bookings/message-shapes';
import { CATALOGS, Catalog, phrase, textOf } from '../lib/i18n/catalog';
import { en } from '../lib/i18n/catalogs/en';
import { browserLanguage, channelLanguages, languageOf } from '../lib/i18n/choose';
import { LANGUAGES, LOCALES, Language, bookingLanguageTag, normaliseLanguageTag, supportedLanguage } from '../lib/i18n/languages';
import { callingCodeOf, normaliseCallingCode, phoneLanguage } from '../lib/i18n/phone';
import type { CodeChange, CodeMessage, GuestCode } from '../lib/messages';
import { composeMessage } from '../lib/notify/compose';
import { languageTexts, notifierOptions, templateProblem } from '../lib/notify/notifier-settings';
import { renderGuestMessage } from '../lib/notify/render';
import { Vault } from '../lib/pins/vault';
import { windowFor } from '../lib/windows/window';
import { CheckInDesk, GuestBookings } from '../lib/guest/check-in';
import { failureAnswer } from '../lib/guest/http';
import type { StayView } from '../lib/guest/page';
import { ManualClock } from '../lib/time/clock';

const vault = Vault.withKey(crypto.randomBytes(32));
const open = (sealed: string) => vault.open(sealed);
const PIN = '482913';
const ZONE = 'Europe/Lisbon';

function booking(overrides: Partial<Booking> = {}): Booking {
  return { id: 'B1', unit: 'Room 101', source: 'vrbo', arrival: '2026-11-21', departure: '2026-11-24', guestName: 'Claire', ...overrides };
}

function code(overrides: Partial<GuestCode> = {}): GuestCode {
  return { lockId: 'front', lockName: 'Front door', unit: 'Room 101', slot: 3, pin: vault.seal(PIN), ...overrides };
}

function codeMessage(stay: Booking, change: CodeChange = 'issued', codes: GuestCode[] = [code()]): CodeMessage {
  const window = windowFor(stay, { checkIn: '16:00', checkOut: '11:00', timeZone: ZONE, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  return { kind: 'code', change, bookingId: stay.id, booking: stay, window, codes };
}

/** What Intl itself writes for this instant in the language's locale, as formatLocal asks it. */
function intlDate(iso: string, language: Language): string {
  const options: Intl.DateTimeFormatOptions = { timeZone: ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (language !== 'en') return new Intl.DateTimeFormat(LOCALES[language], options).format(new Date(iso));
  // English is put together from Intl's parts (formatLocal), so the comma after the weekday never depends on ICU.
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', options).formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute}`;
}

/** Every name a mustache text uses: values and sections alike. */
function namesIn(template: string): string[] {
  const names = new Set<string>();
  const walk = (tokens: unknown[][]) => {
    for (const token of tokens) {
      if (['name', '&', '#', '^'].includes(token[0] as string)) names.add(token[1] as string);
      if (Array.isArray(token[4])) walk(token[4] as unknown[][]);
    }
  };
  walk(Mustache.parse(template) as unknown as unknown[][]);
  return [...names].sort();
}

/** What is wrong with a set of catalogs, compared key by key and name by name with English. */
function catalogProblems(catalogs: Record<string, Record<string, string>>): string[] {
  const problems: string[] = [];
  const english = catalogs.en;
  for (const [language, catalog] of Object.entries(catalogs)) {
    for (const key of Object.keys(english)) if (!Object.hasOwn(catalog, key)) problems.push(`${language} lacks ${key}`);
    for (const key of Object.keys(catalog)) {
      if (!Object.hasOwn(english, key)) {
        problems.push(`${language} has ${key}, which English lacks`);
        continue;
      }
      if (typeof catalog[key] !== 'string' || catalog[key].trim() === '') {
        problems.push(`${language}.${key} is empty`);
        continue;
      }
      const mine = namesIn(catalog[key]).join(', ');
      const theirs = namesIn(english[key]).join(', ');
      if (mine !== theirs) problems.push(`${language}.${key} uses {${mine}}, English {${theirs}}`);
    }
  }
  return problems;
}

describe('languages: the catalogs', () => {
  it('has a catalog for each of the 7 languages, with a locale each', () => {
    assert.deepEqual([...LANGUAGES].sort(), ['de', 'en', 'es', 'fr', 'it', 'nl', 'pt']);
    assert.deepEqual(Object.keys(CATALOGS).sort(), [...LANGUAGES].sort());
    assert.deepEqual(LOCALES, { en: 'en-GB', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', it: 'it-IT', nl: 'nl-NL', pt: 'pt-PT' });
  });

  it('gives every language every key of English, with the same placeholder and section names, none empty', () => {
    assert.deepEqual(catalogProblems(CATALOGS as unknown as Record<string, Record<string, string>>), []);
  });

  it('would fail for a key added in one language only, a key missing, or a placeholder renamed', () => {
    // The check above, on catalogs broken on purpose: it must see each mistake.
    const broken = {
      en: { ...en, greeting: 'Hello' },
      fr: { ...CATALOGS.fr, codeHours: 'valable du {{de}} au {{until}}' },
      de: { ...CATALOGS.de, extra: 'Nur auf Deutsch' },
    } as unknown as Record<string, Record<string, string>>;
    assert.deepEqual(catalogProblems(broken).sort(), [
      'de has extra, which English lacks',
      'de lacks greeting',
      'fr lacks greeting',
      'fr.codeHours uses {de, until}, English {from, until}',
    ]);
  });

  it('writes every text as proper UTF-8 with its accents, no mojibake, no HTML entities', () => {
    for (const [language, catalog] of Object.entries(CATALOGS)) {
      for (const [key, text] of Object.entries(catalog as Catalog)) {
        assert.ok(!/Ã|Â|â€|\uFFFD|&[a-z]+;|&#/.test(text), `${language}.${key}: ${text}`);
        assert.equal(text, text.normalize('NFC'), `${language}.${key} is not NFC`);
      }
    }
    assert.match(CATALOGS.fr.guestBody, /Voici votre code d'accès/);
    assert.match(CATALOGS.de.guestSubject, /Türcode/);
    assert.match(CATALOGS.es.guestBody, /¿Alguna pregunta\?/);
    assert.match(CATALOGS.pt.noCode, /Não há código de acesso/);
  });

  it('reads a text in the fallback language, then English, when a catalog has none', () => {
    const fr = CATALOGS.fr as { noCode: string };
    const saved = fr.noCode;
    try {
      fr.noCode = '';
      assert.equal(textOf('fr', 'noCode', 'de'), CATALOGS.de.noCode);
      assert.equal(textOf('fr', 'noCode', 'fr'), en.noCode);
    } finally {
      fr.noCode = saved;
    }
    assert.equal(phrase('nl', 'codeHours', { from: 'a', until: 'b' }), 'geldig van a tot b');
  });
});

describe('languages: every message kind in every language', () => {
  const stay = (language: Language) => booking({ language });
  const kinds: Array<{ kind: string; message: (language: Language) => CodeMessage; expect: (language: Language) => string[] }> = [
    { kind: 'code issued', message: (l) => codeMessage(stay(l)), expect: () => [PIN] },
    { kind: 'code changed', message: (l) => codeMessage(stay(l), 'updated'), expect: () => [PIN] },
    { kind: 'code reissued', message: (l) => codeMessage(stay(l), 'reissued'), expect: () => [PIN] },
    { kind: 'no code for these dates (revoked)', message: (l) => codeMessage(stay(l), 'revoked'), expect: () => [] },
    { kind: 'no code for these dates (none issued)', message: (l) => codeMessage(stay(l), 'issued', []), expect: () => [] },
    { kind: 'backup code', message: (l) => codeMessage(stay(l), 'backup'), expect: () => [PIN] },
    {
      kind: 'the same code as before, and a code with its own hours',
      message: (l) =>
        codeMessage(stay(l), 'updated', [
          code({ pin: undefined }),
          code({ lockId: 'gate', lockName: 'Gate', validFrom: '2026-11-21T10:00:00.000Z', validUntil: '2026-11-24T12:00:00.000Z', pin: vault.seal('739104') }),
        ]),
      expect: (l) => [
        phrase(l, 'sameCode'),
        phrase(l, 'codeHours', { from: intlDate('2026-11-21T10:00:00.000Z', l), until: intlDate('2026-11-24T12:00:00.000Z', l) }),
      ],
    },
  ];
  const details = { property: 'Sea View', instructions: 'Enter the code, then press the lock button.', hostContact: '+351 912 345 678' };

  for (const language of LANGUAGES) {
    for (const { kind, message, expect } of kinds) {
      it(`${language}: ${kind}`, () => {
        const rendered = renderGuestMessage(message(language), open, details);
        assert.equal(rendered.language, language);
        assert.deepEqual(rendered.choice, { language, source: 'booking' });
        for (const part of [rendered.subject, rendered.text, rendered.html]) {
          assert.ok(part.trim().length > 0, 'nothing is empty');
          assert.ok(!part.includes('{{') && !part.includes('}}'), `no placeholder is left in:\n${part}`);
        }
        // Dates in the language's own format, on the property's clock (16:00 and 11:00 in Lisbon).
        assert.ok(rendered.text.includes(intlDate('2026-11-21T16:00:00.000Z', language)), `check-in as Intl writes it in ${LOCALES[language]}:\n${rendered.text}`);
        assert.ok(rendered.text.includes(intlDate('2026-11-24T11:00:00.000Z', language)), `checkout as Intl writes it:\n${rendered.text}`);
        assert.ok(rendered.text.includes('Claire'));
        assert.ok(rendered.text.includes(details.hostContact));
        for (const part of expect(language)) assert.ok(rendered.text.includes(part), `"${part}" in:\n${rendered.text}`);
        if (language !== 'en') {
          const english = renderGuestMessage({ ...message(language), booking: booking({ language: 'en' }) }, open, details);
          assert.notEqual(rendered.subject, english.subject, 'the subject is translated');
          for (const line of rendered.text.split('\n').filter((text) => text.length > 20 && !text.includes(details.instructions))) {
            assert.ok(!english.text.split('\n').includes(line), `"${line}" is left in English`);
          }
        }
      });
    }
  }

  it('writes each language\'s words for the kinds that differ (a French guest)', () => {
    const fr = (change: CodeChange, codes?: GuestCode[]) => renderGuestMessage(codeMessage(booking({ language: 'fr' }), change, codes), open, { property: 'Sea View' });
    assert.equal(fr('issued').subject, "Votre code d'accès pour Sea View");
    assert.match(fr('issued').text, /^Bonjour Claire,\n\nVoici votre code d'accès pour Sea View :\nRoom 101 : 482913\n\nArrivée : /);
    assert.match(fr('updated').text, /Les détails de votre séjour ont changé\. Votre code d'accès :/);
    assert.match(fr('backup').text, /Voici un code de secours pour Sea View, valable jusqu'à votre départ :/);
    assert.match(fr('revoked').text, /Aucun code d'accès pour ces dates \(du .* au .*\)\. Tout code reçu auparavant n'ouvre plus la porte\./);
    assert.equal(fr('revoked').subject, 'Votre séjour à Sea View');
  });

  it('keeps the English message word for word as before', () => {
    const rendered = renderGuestMessage(codeMessage(booking()), open, { property: 'Sea View', hostContact: 'Ana' });
    assert.equal(rendered.language, 'en');
    assert.equal(
      rendered.text,
      `Hello Claire,\n\nHere is your door code for Sea View:\nRoom 101: ${PIN}\n\nCheck-in: ${intlDate('2026-11-21T16:00:00.000Z', 'en')}\nCheck-out: ${intlDate('2026-11-24T11:00:00.000Z', 'en')}\n\nQuestions? Ana\n`,
    );
  });
});

describe('languages: which language a guest gets', () => {
  it('takes the booking\'s field over the channel\'s hint, the hint over the phone, the phone over the default', () => {
    const all = { language: 'de', summary: 'Réservée - Claire Martin', phoneCountryCode: '+39' };
    assert.deepEqual(languageOf(all, 'nl'), { language: 'de', source: 'booking' });
    assert.deepEqual(languageOf({ ...all, language: undefined }, 'nl'), { language: 'fr', source: 'channel' });
    assert.deepEqual(languageOf({ phoneCountryCode: '+39' }, 'nl'), { language: 'it', source: 'phone' });
    assert.deepEqual(languageOf({}, 'nl'), { language: 'nl', source: 'default' });
    assert.deepEqual(languageOf(undefined), { language: 'en', source: 'default' });
  });

  it('reads the channel\'s localised summaries, and takes English ones for no hint at all', () => {
    assert.deepEqual(channelLanguages('Réservée - Claire Martin'), ['fr']);
    assert.deepEqual(channelLanguages('Reserviert - Jonas Weber'), ['de']);
    assert.deepEqual(channelLanguages('Prenotato'), ['it']);
    assert.deepEqual(channelLanguages('Gereserveerd - Sanne de Vries'), ['nl']);
    assert.deepEqual(channelLanguages('  réservé: Paul'), ['fr']);
    for (const english of ['Reserved', 'Reserved - Anna B', 'Reservation Emma Stone', 'CLOSED - Not available', 'Airbnb (Not available)', 'Claire Martin', '', 42]) {
      assert.deepEqual(channelLanguages(english), [], String(english));
    }
  });

  it('settles Spanish and Portuguese "Reservado" by the phone, then the default, else Spanish', () => {
    assert.deepEqual(languageOf({ summary: 'Reservado - Ana Sousa', phoneCountryCode: '+351' }), { language: 'pt', source: 'channel' });
    assert.deepEqual(languageOf({ summary: 'Reservada - Ana Sousa', phoneCountryCode: '+49' }, 'pt'), { language: 'pt', source: 'channel' });
    assert.deepEqual(languageOf({ summary: 'Reservado - Lucía Gómez' }, 'fr'), { language: 'es', source: 'channel' });
  });

  it('takes the country calling code of a whole phone number, and nothing of a national or partial one', () => {
    assert.equal(callingCodeOf('+33 6 12 34 56 78'), '+33');
    assert.equal(callingCodeOf('0049 170 1234567'), '+49');
    assert.equal(callingCodeOf('+1 (415) 555-0100'), '+1');
    assert.equal(callingCodeOf('+351912345678'), '+351');
    assert.equal(callingCodeOf('+55 11 91234-5678'), '+55');
    assert.equal(callingCodeOf('06 12 34 56 78'), undefined, 'no country in a national number');
    assert.equal(callingCodeOf('4821'), undefined, "Airbnb's last 4 digits");
    assert.equal(callingCodeOf('+41 44 123 45 67'), undefined, 'Switzerland speaks four languages: no guess');
    assert.equal(callingCodeOf('+7 912 345 67 89'), undefined, 'a country of none of the 7');
    assert.equal(callingCodeOf(`+33${' '.repeat(100_000)}1`), undefined);
    assert.equal(callingCodeOf({ toString: () => '+33 6 12 34 56 78' }), undefined);
    assert.equal(phoneLanguage('+33'), 'fr');
    assert.equal(phoneLanguage('0039'), 'it');
    assert.equal(phoneLanguage('351'), 'pt');
    assert.equal(phoneLanguage('+999'), undefined);
    assert.equal(normaliseCallingCode('__proto__'), undefined);
    assert.equal(normaliseCallingCode('constructor'), undefined);
  });

  it('reads language tags however they are written, and refuses what is none', () => {
    assert.equal(normaliseLanguageTag('FR-fr'), 'fr-FR');
    assert.equal(normaliseLanguageTag(' pt_br '), 'pt-BR');
    assert.equal(normaliseLanguageTag('zh-hant-tw'), 'zh-Hant-TW');
    assert.equal(normaliseLanguageTag('es-419'), 'es-419');
    assert.equal(normaliseLanguageTag('Français'), 'fr');
    assert.equal(normaliseLanguageTag('GERMAN'), 'de');
    for (const bad of ['', ' ', 'x', 'english please', 'fr--FR', 'fr-', '__proto__', 'constructor', 'toString', 'x-private', 'fr-FR-x-y-z-w', 'a'.repeat(100_000), 'fr\nde', 42, null, undefined, {}, ['fr']]) {
      assert.equal(normaliseLanguageTag(bad), undefined, JSON.stringify(bad)?.slice(0, 40));
    }
    assert.equal(supportedLanguage('FR-fr'), 'fr');
    assert.equal(supportedLanguage('de-AT'), 'de');
    assert.equal(supportedLanguage('xx-YY'), undefined);
    assert.equal(supportedLanguage('ja'), undefined);
    assert.equal(bookingLanguageTag('FR-ca'), 'fr');
    assert.equal(bookingLanguageTag('ja-jp'), 'ja-JP');
    assert.equal(bookingLanguageTag('__proto__'), undefined);
  });

  it('gives hostile or unknown booking languages the property default, never an error', () => {
    for (const language of ['xx-YY', 'ja', '__proto__', 'a'.repeat(1_000_000), { fr: true }, ['fr'], 7, null]) {
      const choice = languageOf({ language, summary: 'Réservée', phoneCountryCode: '+33' }, 'de');
      const named = typeof language === 'string' && normaliseLanguageTag(language) !== undefined;
      // A language StayKey lacks gets the default; a value that is no language at all is no clue, so the hints count.
      if (named) assert.deepEqual(choice, { language: 'de', source: 'default', asked: normaliseLanguageTag(language) });
      else assert.deepEqual(choice, { language: 'fr', source: 'channel' });
    }
    assert.deepEqual(languageOf({ language: 'FR-fr' }), { language: 'fr', source: 'booking' });
    assert.deepEqual(languageOf({ summary: 'x'.repeat(1_000_000) + 'Réservée' }), { language: 'en', source: 'default' });
  });

  it('reads a browser\'s Accept-Language by its weights', () => {
    assert.equal(browserLanguage('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5'), 'fr');
    assert.equal(browserLanguage('ja, de;q=0.5, en;q=0.9'), 'en');
    assert.equal(browserLanguage('en;q=0, nl'), 'nl');
    assert.equal(browserLanguage(['pt-BR', 'en']), 'pt');
    assert.equal(browserLanguage('ja, zh'), undefined);
    assert.equal(browserLanguage(`${'xx,'.repeat(100_000)}fr`), undefined);
    assert.equal(browserLanguage(undefined), undefined);
  });
});

describe('languages: where bookings carry the clues', () => {
  it('keeps a booking\'s language field, in short form for the 7, as given for others, and drops what is no tag', () => {
    const base = { id: 'B1', unit: 'Room 101', arrival: '2026-07-14', departure: '2026-07-17' };
    assert.equal(parseBooking({ ...base, language: 'FR-fr' }).language, 'fr');
    assert.equal(parseBooking({ ...base, language: 'ja-jp' }).language, 'ja-JP');
    assert.equal(parseBooking({ ...base, language: '<script>' }).language, undefined);
    assert.equal(parseBooking({ ...base, language: 'x'.repeat(100_000) }).language, undefined);
    assert.equal(parseBooking({ ...base, phoneCountryCode: '0033' }).phoneCountryCode, '+33');
    assert.equal(parseBooking({ ...base, phoneCountryCode: '+33 6 12' }).phoneCountryCode, undefined);
    assert.equal(parseBooking(base).language, undefined);
  });

  it('reads a PMS webhook\'s language and the country code of the guest\'s whole phone number', () => {
    const reservation = { id: 'R1', arrival_date: '2026-07-14', departure_date: '2026-07-17', guest: { first_name: 'Claire', last_name: 'Martin', phone: '+33 6 12 34 56 78', locale: 'fr_FR' } };
    const [item] = readBookingMessage({ event: 'reservation.created', reservation }, undefined, { unit: 'Room 101', source: 'pms' });
    assert.equal(item.booking?.language, 'fr');
    assert.equal(item.booking?.phoneCountryCode, '+33');
    assert.equal(item.booking?.phoneLast4, '5678');
    assert.equal(JSON.stringify(item.booking).includes('12 34'), false, 'nothing more of the number is kept');
    const [other] = readBookingMessage({ id: 'R2', checkIn: '2026-07-14', checkOut: '2026-07-17', guestLanguage: 'Deutsch', lang: 'xx' }, undefined, { unit: 'Room 101', source: 'pms' });
    assert.equal(other.booking?.language, 'de');
  });

  it('keeps a Vrbo "Réservée" summary and a PMS feed\'s phone and language lines on the feed\'s bookings', () => {
    const feed = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:vrbo-1',
      'DTSTART;VALUE=DATE:20260801',
      'DTEND;VALUE=DATE:20260805',
      'SUMMARY:Réservée - Claire Martin',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:pms-2',
      'DTSTART;VALUE=DATE:20260806',
      'DTEND;VALUE=DATE:20260809',
      'SUMMARY:Paolo Rossi',
      'DESCRIPTION:Phone: +39 333 123 4567\\nLanguage: it-IT',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:pms-3',
      'DTSTART;VALUE=DATE:20260810',
      'DTEND;VALUE=DATE:20260812',
      'SUMMARY:Sanne de Vries',
      'DESCRIPTION:Telefon: 0031 6 1234 5678',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const [claire, paolo, sanne] = parseFeed(feed, { unit: 'Room 101', source: 'feed' });
    assert.deepEqual(languageOf(claire, 'en'), { language: 'fr', source: 'channel' });
    assert.equal(paolo.language, 'it');
    assert.equal(paolo.phoneCountryCode, '+39');
    assert.deepEqual(languageOf(paolo), { language: 'it', source: 'booking' });
    assert.equal(sanne.phoneCountryCode, '+31');
    assert.deepEqual(languageOf(sanne), { language: 'nl', source: 'phone' });
  });
});

describe('languages: the host\'s own templates and what falls back', () => {
  const french = () => codeMessage(booking({ language: 'fr' }));

  it('gives a French guest the French built-in when the host wrote a template in German only', () => {
    const rendered = renderGuestMessage(french(), open, { property: 'Sea View' }, {}, { de: { subject: 'Ihr Code', body: 'Code: {{codesText}}' } });
    assert.equal(rendered.language, 'fr');
    assert.match(rendered.text, /Voici votre code d'accès pour Sea View :/);
    const german = renderGuestMessage(codeMessage(booking({ language: 'de' })), open, {}, {}, { de: { subject: 'Ihr Code', body: 'Code: {{codesText}}' } });
    assert.equal(german.subject, 'Ihr Code');
    assert.equal(german.text, `Code: Room 101: ${PIN}\n`);
  });

  it('gives a guest of a language StayKey lacks the property default', () => {
    const rendered = renderGuestMessage(codeMessage(booking({ language: 'ja' })), open, { property: 'Sea View', language: 'it' });
    assert.equal(rendered.language, 'it');
    assert.deepEqual(rendered.choice, { language: 'it', source: 'default', asked: 'ja' });
    assert.match(rendered.text, /ecco il suo codice d'accesso per Sea View:/);
  });

  it('uses the host\'s one template, in the default language, for guests of a language without their own', () => {
    const general = { subject: 'Door code', body: 'Code: {{codesText}}, from {{checkIn}}' };
    const rendered = renderGuestMessage(french(), open, { language: 'en' }, general);
    assert.equal(rendered.language, 'en', 'the template is English: so is the whole message, dates and all');
    assert.equal(rendered.text, `Code: Room 101: ${PIN}, from ${intlDate('2026-11-21T16:00:00.000Z', 'en')}\n`);
    const own = renderGuestMessage(french(), open, { language: 'en' }, general, { fr: { body: 'Code : {{codesText}}' } });
    assert.equal(own.language, 'fr');
    assert.equal(own.text, `Code : Room 101 : ${PIN}\n`);
    assert.equal(own.subject, "Votre code d'accès pour Room 101", 'the part left empty is the built-in one of that language');
  });

  it('takes instructions and contact in the guest\'s language where the host wrote them', () => {
    const rendered = renderGuestMessage(french(), open, { instructions: 'Press the lock button.', hostContact: 'Call Ana' }, {}, { fr: { instructions: 'Appuyez sur le bouton.' } });
    assert.match(rendered.text, /Appuyez sur le bouton\./);
    assert.doesNotMatch(rendered.text, /Press the lock button/);
    assert.match(rendered.text, /Une question \? Call Ana/);
  });

  it('never sends an empty message: a host template that renders to nothing gives way to the built-in one', () => {
    const rendered = renderGuestMessage(french(), open, {}, {}, { fr: { subject: '{{#nothing}}x{{/nothing}}', body: '{{#nothing}}x{{/nothing}}\n\n' } });
    assert.equal(rendered.subject, "Votre code d'accès pour Room 101");
    assert.match(rendered.text, /Voici votre code d'accès/);
  });

  it('says on the outgoing message which language it is in and why', () => {
    const options = notifierOptions({ guestLanguage: 'de', guestTemplates: '{"fr": {"subject": "Code"}}' });
    const french = composeMessage(codeMessage(booking({ language: 'fr' })), undefined, options, open)!;
    assert.equal(french.language, 'fr');
    assert.equal(french.languageSource, 'booking');
    assert.equal(french.subject, 'Code');
    const plain = composeMessage(codeMessage(booking()), undefined, options, open)!;
    assert.equal(plain.language, 'de');
    assert.equal(plain.languageSource, 'default');
    assert.match(plain.text, /hier ist Ihr Türcode/);
    const templated = composeMessage(codeMessage(booking({ language: 'it' })), undefined, notifierOptions({ guestTemplate: 'Code: {{codesText}}' }), open)!;
    assert.equal(templated.language, 'en');
    assert.equal(templated.languageSource, 'template');
  });

  it('keeps a Booking.com pass-on note in the host\'s English, around the guest\'s own language', () => {
    const stay = booking({ language: 'es', codeTo: 'host' });
    const outgoing = composeMessage(codeMessage(stay), undefined, { hostTo: 'host@example.com' }, open)!;
    assert.match(outgoing.subject, /^To pass on: Su código de acceso para Room 101$/);
    assert.match(outgoing.text, /^Pass this on to Claire .*\n\nHola, Claire:\n\nAquí tiene su código de acceso/);
  });
});

describe('languages: the notifier\'s settings', () => {
  it('reads older flows as English with one template, as they always were', () => {
    const options = notifierOptions({});
    assert.equal(options.language, 'en');
    assert.deepEqual(options.guestByLanguage, {});
    assert.equal(templateProblem({}), undefined);
  });

  it('reads per-language templates as JSON or an object, language keys in any spelling', () => {
    assert.deepEqual(languageTexts('{"FR-fr": {"subject": "Code", "body": ""}, "de": {"instructions": "Knopf drücken"}}'), {
      fr: { subject: 'Code' },
      de: { instructions: 'Knopf drücken' },
    });
    assert.deepEqual(languageTexts({ nl: { body: 'Code: {{codesText}}' } }), { nl: { body: 'Code: {{codesText}}' } });
    assert.deepEqual(languageTexts(''), {});
  });

  it('says what is wrong with them (the node then refuses every message with it), keeping none of a broken set', () => {
    const problems: Array<[unknown, RegExp]> = [
      ['{not json', /not JSON/],
      ['["fr"]', /must be an object/],
      ['{"xx": {}}', /"xx" is not one of en, de, fr, es, it, nl, pt/],
      ['{"__proto__": {"subject": "x"}}', /"__proto__" is not one of/],
      ['{"fr": "Code"}', /fr must be an object/],
      ['{"fr": {"text": "Code"}}', /fr has "text"; use subject, body, instructions, hostContact/],
      ['{"fr": {"body": 5}}', /fr\.body must be text/],
      ['{"fr": {"body": "{{#hasCodes}}"}}', /fr guest message is not a valid template/],
    ];
    for (const [guestTemplates, problem] of problems) {
      assert.match(templateProblem({ guestTemplates: guestTemplates as string }) ?? '', problem, String(guestTemplates));
      if (!/valid template/.test(problem.source)) assert.deepEqual(notifierOptions({ guestTemplates: guestTemplates as string }).guestByLanguage, {});
    }
    assert.match(templateProblem({ guestLanguage: 'klingon' }) ?? '', /guest language "klingon" is not one of/);
    assert.equal(notifierOptions({ guestLanguage: 'klingon' }).language, 'en');
    assert.equal(Object.getPrototypeOf({}).subject, undefined, 'nothing reached Object.prototype');
  });
});

describe('languages: the check-in page', () => {
  function stay(overrides: Partial<StayView> = {}): StayView {
    return {
      bookingId: 'b1',
      version: 1,
      guestName: 'Ada Lovelace',
      unit: 'Room 101',
      timeZone: ZONE,
      checkInAt: '2026-07-10T15:00:00.000Z',
      checkOutAt: '2026-07-12T10:00:00.000Z',
      issued: true,
      codes: [{ lockName: 'Front door', pin: PIN }],
      ...overrides,
    };
  }

  /** The page a browser with `acceptLanguage` sees of `view` once it proved the booking. */
  function seen(view: StayView, acceptLanguage?: string, language?: Language): { form: string; stay: string } {
    const bookings: GuestBookings = { find: () => 'b1', named: () => ['b1'], view: () => view, keepsPins: true };
    const desk = new CheckInDesk(() => bookings, {
      clock: new ManualClock('2026-07-09T00:00:00Z'),
      property: 'Casa Azul',
      perClient: { tries: 5, windowMinutes: 15, lockoutMinutes: 15 },
      perBooking: { tries: 10, windowMinutes: 60, lockoutMinutes: 15 },
      sessionMinutes: 60,
      language,
    });
    const form = desk.show({ client: '198.51.100.1', acceptLanguage });
    const token = /name="token" value="([^"]+)"/.exec(form.html!)![1];
    const verified = desk.submit({ browserId: form.setBrowserId, client: '198.51.100.1', acceptLanguage }, { token, action: 'verify', reference: 'HM1', proof: 'Lovelace' });
    const shown = desk.show({ browserId: verified.setBrowserId, client: '198.51.100.1', acceptLanguage });
    return { form: form.html!, stay: shown.html! };
  }
  const langOf = (html: string) => /<html lang="([a-z]+)">/.exec(html)?.[1];

  it("takes the booking's own language, then the browser's, then the booking's hints, then the page's default", () => {
    assert.equal(langOf(seen(stay({ language: 'it', hintedLanguage: 'nl' }), 'es').stay), 'it');
    assert.equal(langOf(seen(stay({ hintedLanguage: 'nl' }), 'es').stay), 'es');
    assert.equal(langOf(seen(stay({ hintedLanguage: 'nl' }), 'ja').stay), 'nl');
    assert.equal(langOf(seen(stay(), undefined, 'pt').stay), 'pt');
    assert.equal(langOf(seen(stay()).stay), 'en');
    assert.equal(langOf(seen(stay({ language: 'it' }), 'es').form), 'es', 'before the booking is proven only the browser counts');
    assert.equal(langOf(seen(stay({ language: 'it' }), undefined, 'de').form), 'de');
  });

  for (const language of LANGUAGES) {
    it(`${language}: writes the form, the stay, its dates and every notice in ${LOCALES[language]}`, () => {
      const { form, stay: page } = seen(stay({ language }), 'en');
      assert.equal(langOf(form), 'en', "the form, before the booking is proven, is in the browser's English");
      const asked = seen(stay(), language).form;
      for (const key of ['confirmIntro', 'referenceLabel', 'proofLabel', 'showStay'] as const) assert.ok(asked.includes(escapeText(phrase(language, key))), `${key} in ${language}`);
      for (const key of ['unitLabel', 'checkInLabel', 'checkOutLabel', 'yourCode', 'signOut'] as const) {
        assert.ok(page.includes(`>${escapeText(phrase(language, key))}<`), `${key} in ${language}`);
      }
      assert.ok(page.includes(escapeText(phrase(language, 'welcome', { guestName: 'Ada Lovelace' }))));
      assert.ok(page.includes(escapeText(intlDate('2026-07-10T15:00:00.000Z', language))), 'check-in as Intl writes it');
      assert.ok(page.includes(escapeText(phrase(language, 'pageTitle', { property: 'Casa Azul' }))));
      assert.ok(!page.includes('{{'));
      const notYet = seen(stay({ language, issued: false, issueAt: '2026-07-08T15:00:00.000Z', codes: [{ lockName: 'Front door', pin: null }] }), 'en').stay;
      assert.ok(notYet.includes(escapeText(phrase(language, 'notReadyOn', { when: intlDate('2026-07-08T15:00:00.000Z', language) }))), notYet);
      assert.equal(failureAnswer(new Error('x'), language).text, phrase(language, 'somethingWrong'));
    });
  }
});

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
