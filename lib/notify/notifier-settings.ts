/**
 * The notifier's settings as the editor saves them: where messages go, the texts it adds, its own
 * templates (checked at deploy, so a typo shows before a guest is due a code) and how often it tries.
 */
import { givenText } from '../messages/text';
import { errorText } from '../shown';
import { numberSetting } from '../settings';
import type { NotifierOptions } from './compose';
import { checkTemplate } from './render';
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
  retries?: string | number;
  /** Seconds before the first retry; later ones double. */
  retryDelay?: string | number;
}

/** Anything but email or Home Assistant notify goes on the plain output, as the first notifiers did. */
export function channelOf(settings: NotifierSettings): Channel {
  return settings.channel === 'email' || settings.channel === 'ha-notify' ? settings.channel : 'output';
}

export function notifierOptions(settings: NotifierSettings): NotifierOptions {
  return {
    property: givenText(settings.property),
    instructions: givenText(settings.instructions),
    hostContact: givenText(settings.hostContact),
    guestTo: givenText(settings.guestTo),
    hostTo: givenText(settings.hostTo),
    guest: { subject: givenText(settings.guestSubject), body: givenText(settings.guestTemplate) },
    host: { subject: givenText(settings.hostSubject), body: givenText(settings.hostTemplate) },
  };
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
    for (const [template, label] of templates) if (givenText(template)) checkTemplate(template as string, label);
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}
