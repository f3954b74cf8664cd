/**
 * access-window: turns a booking (or a staff, one-time or manual code) into when the door opens, on
 * the property's clocks. The rules live in lib/windows/; this node reads its settings and each
 * message, and reports.
 */
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { serverTimeZone } from '../../lib/time/zoned';
import { AccessWindows, windowMessage } from '../../lib/windows/access-windows';
import { AccessWindowSettings, hasNoLocks, readWindowSettings } from '../../lib/windows/window-settings';
import { windowStatus } from '../../lib/windows/window-status';
import { clockFor, errorText, RED, reportInputError, showStatus } from '../shared/runtime';

type AccessWindowDef = NodeDef & AccessWindowSettings;

export = function (RED: RED) {
  function AccessWindowNode(this: Node, config: AccessWindowDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    let windows: AccessWindows | undefined;
    let settingsError: Error | undefined;
    try {
      const settings = readWindowSettings(config);
      windows = new AccessWindows(settings);
      if (hasNoLocks(settings)) showStatus(node, 'yellow', 'no locks set', 'ring');
    } catch (err) {
      settingsError = new Error(`access-window settings: ${errorText(err)}`);
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(settingsError.message);
    }

    node.on('input', (msg: NodeMessage, send, done) => {
      if (!windows) {
        reportInputError(node, settingsError, msg, done);
        return;
      }
      try {
        const now = clock.now();
        const outgoing = windows.windowsFor(msg, now);
        // Every message but the last is a copy, made before the original's payload is replaced.
        const messages = outgoing.map((out, index) => {
          const copy = index === outgoing.length - 1 ? msg : RED.util.cloneMessage(msg);
          copy.topic = out.sent.window.bookingId;
          copy.payload = windowMessage(out);
          return copy;
        });
        const status = windowStatus(outgoing, now);
        showStatus(node, status.fill, status.text, status.shape);
        send(messages.length === 1 ? messages[0] : [messages]);
        done();
      } catch (err) {
        reportInputError(node, err, msg, done);
      }
    });
  }

  RED.nodes.registerType('staykey-access-window', AccessWindowNode);

  // The editor runs in the host's browser, whose zone may not be the server's: ask the server.
  RED.httpAdmin.get('/staykey/access-window/zones', RED.auth.needsPermission('staykey-access-window.read'), (_req, res) => {
    res.json({ serverZone: serverTimeZone(), zones: Intl.supportedValuesOf('timeZone') });
  });
};
