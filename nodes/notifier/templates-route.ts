/** The editor's "load the default template" buttons ask the runtime for the texts lib/notify uses. */
import {
  defaultAlertSubject,
  defaultAlertTemplate,
  defaultBatterySubject,
  defaultBatteryTemplate,
  defaultGuestSubject,
  defaultGuestTemplate,
} from '../../lib/notify/render';
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
    });
  });
}
