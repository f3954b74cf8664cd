/** The editor's "load the default template" buttons ask the runtime for the texts lib/notify uses. */
import {
  defaultAlertSubject,
  defaultAlertTemplate,
  defaultBatterySubject,
  defaultBatteryTemplate,
  defaultGuestSubject,
  defaultGuestTemplate,
} from '../../lib/notify/render';
import { CATALOGS } from '../../lib/i18n/catalog';
import { LANGUAGES, LANGUAGE_NAMES } from '../../lib/i18n/languages';
import type { RED } from '../shared/runtime';

export function serveTemplates(RED: RED): void {
  RED.httpAdmin.get('/staykey/notifier/templates', RED.auth.needsPermission('staykey-notifier.read'), (_req, res) => {
    res.json({
      guestSubject: defaultGuestSubject,
      guestTemplate: defaultGuestTemplate,
      alertSubject: defaultAlertSubject,
      alertTemplate: defaultAlertTemplate,
      batterySubject: defaultBatterySubject,
      batteryTemplate: defaultBatteryTemplate,
      // Every guest language, in the editor's order, with its built-in subject and message.
      languages: LANGUAGES.map((code) => ({
        code,
        name: LANGUAGE_NAMES[code],
        guestSubject: CATALOGS[code].guestSubject,
        guestTemplate: CATALOGS[code].guestBody,
      })),
    });
  });
}
