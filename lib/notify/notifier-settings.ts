/**
 * The notifier's settings as the editor saves them: where messages go, the texts it adds, its own
 * templates (checked at deploy, so a typo shows before a guest is due a code) and how often it tries.
 */
import { givenText, isRecord } from '../messages/text';
import { errorText, shown } from '../shown';
import { numberSetting } from '../settings';
import { DEFAULT_LANGUAGE, LANGUAGES, Language, supportedLanguage } from '../i18n/languages';
import type { NotifierOptions } from './compose';
import { GuestTexts, LanguageTexts, checkTemplate } from './render';
import { defaultRetryPlan, RetryPlan } from './retry';

export type Channel = 'output' | 'email' | 'ha-notify';

/** The notifier node's config, as saved; every field may be missing from an older flow. */
export interface NotifierSettings {
  channel?: string;
  guestTo?: string;
  hostTo?: string;
  guestSubject?: string;
  guestTemplate?: string;
  hostSubject?: string;
  hostTemplate?: string;
  property?: string;
  instructions?: string;
  hostContact?: string;
  /** The guests' language when their booking says nothing of it: en, de, fr, es, it, nl or pt (default en). */
  guestLanguage?: string;
  /**
   * The host's guest texts per language, as JSON (or an object):
   * `{"fr": {"subject": "...", "body": "...", "instructions": "...", "hostContact": "..."}}`.
   */
  guestTemplates?: string | Record<string, unknown>;
  retries?: string | number;
  /** Seconds before the first retry; later ones double. */
  retryDelay?: string | number;
}

/** Anything but email or Home Assistant notify goes on the plain output, as the first notifiers did. */
export function channelOf(settings: NotifierSettings): Channel {
  return settings.channel === 'email' || settings.channel === 'ha-notify' ? settings.channel : 'output';
}

/** Settings that cannot be read fall back to what an older flow did (English, the one template): templateProblem says what is wrong. */
export function notifierOptions(settings: NotifierSettings): NotifierOptions {
  return {
    property: givenText(settings.property),
    instructions: givenText(settings.instructions),
    hostContact: givenText(settings.hostContact),
    language: guestLanguageOf(settings) ?? DEFAULT_LANGUAGE,
    guestTo: givenText(settings.guestTo),
    hostTo: givenText(settings.hostTo),
    guest: { subject: givenText(settings.guestSubject), body: givenText(settings.guestTemplate) },
    guestByLanguage: safely(() => languageTexts(settings.guestTemplates)) ?? {},
    host: { subject: givenText(settings.hostSubject), body: givenText(settings.hostTemplate) },
  };
}

/** The default language as saved; missing or blank is English (older flows), anything else unknown is undefined. */
function guestLanguageOf(settings: NotifierSettings): Language | undefined {
  const given = typeof settings.guestLanguage === 'string' ? settings.guestLanguage.trim() : '';
  return given === '' ? DEFAULT_LANGUAGE : supportedLanguage(given);
}

const TEXT_KEYS = ['subject', 'body', 'instructions', 'hostContact'] as const;

/** The texts hosts write per language are short; anything bigger is not a template. */
const LONGEST_TEXTS = 200_000;

/**
 * The host's per-language guest texts, checked: each key one of StayKey's languages ("fr", "FR",
 * "fr-FR"), each value an object of subject, body, instructions and hostContact, each text. Throws
 * saying what is wrong.
 */
export function languageTexts(value: unknown): LanguageTexts {
  let raw: unknown = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    if (value.length > LONGEST_TEXTS) throw new Error(`the per-language templates are longer than ${LONGEST_TEXTS} characters`);
    try {
      raw = JSON.parse(value);
    } catch (err) {
      throw new Error(`the per-language templates are not JSON: ${errorText(err)}`);
    }
  }
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw new Error('the per-language templates must be an object like {"fr": {"subject": "...", "body": "..."}}');
  const texts: LanguageTexts = {};
  for (const [key, entry] of Object.entries(raw)) {
    const language = supportedLanguage(key);
    if (!language) throw new Error(`per-language templates: "${shown(key)}" is not one of ${LANGUAGES.join(', ')}`);
    if (!isRecord(entry)) throw new Error(`per-language templates: ${language} must be an object of subject, body, instructions and hostContact`);
    const own: GuestTexts = {};
    for (const [name, text] of Object.entries(entry)) {
      if (!(TEXT_KEYS as readonly string[]).includes(name)) {
        throw new Error(`per-language templates: ${language} has "${shown(name)}"; use ${TEXT_KEYS.join(', ')}`);
      }
      if (text === undefined || text === null || text === '') continue;
      if (typeof text !== 'string') throw new Error(`per-language templates: ${language}.${name} must be text`);
      if (text.trim() !== '') own[name as (typeof TEXT_KEYS)[number]] = text;
    }
    texts[language] = { ...texts[language], ...own };
  }
  return texts;
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

export function retryPlanOf(settings: NotifierSettings): RetryPlan {
  const attempts = Math.max(1, Math.floor(numberSetting(settings.retries, defaultRetryPlan.attempts)));
  const firstDelaySeconds = Math.max(0, numberSetting(settings.retryDelay, defaultRetryPlan.firstDelayMs / 1000));
  return { attempts, firstDelayMs: firstDelaySeconds * 1000, maxDelayMs: defaultRetryPlan.maxDelayMs };
}

/** What is wrong with the host's own templates, or undefined when they render. */
export function templateProblem(settings: NotifierSettings): string | undefined {
  const templates: Array<[string | undefined, string]> = [
    [settings.guestSubject, 'guest subject'],
    [settings.guestTemplate, 'guest message'],
    [settings.hostSubject, 'host subject'],
    [settings.hostTemplate, 'host message'],
  ];
  try {
    if (!guestLanguageOf(settings)) throw new Error(`guest language "${shown(settings.guestLanguage)}" is not one of ${LANGUAGES.join(', ')}`);
    for (const [template, label] of templates) if (givenText(template)) checkTemplate(template as string, label);
    const byLanguage = languageTexts(settings.guestTemplates);
    for (const language of LANGUAGES) {
      const own = byLanguage[language];
      if (own?.subject) checkTemplate(own.subject, `${language} guest subject`);
      if (own?.body) checkTemplate(own.body, `${language} guest message`);
    }
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}
