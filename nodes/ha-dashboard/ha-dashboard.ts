import * as path from 'node:path';
import type { Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { parseDashboardInput } from '../../lib/ha/discovery-input';
import { DashboardLock, HaDashboard } from '../../lib/ha/discovery';
import { ConnectionState, linkFrom, MqttLink } from '../../lib/mqtt/link';
import { readJson, writeJsonAtomic } from '../../lib/store/atomic-file';
import { lockSetFor } from '../shared/lock-set';
import { errorText, RED, reportInputError, showStatus, staykeyDirectory } from '../shared/runtime';

interface HaDashboardDef extends NodeDef {
  mqttBroker?: string;
  prefix?: string;
  /** Optional: the locks config whose locks are the devices (otherwise learned from the messages). */
  locks?: string;
}

type Done = (err?: Error) => void;

interface Remembered {
  version: 1;
  locks: string[];
}

/** The lock ids this node put into Home Assistant, kept so a lock removed while Node-RED was down goes too. */
function rememberedFile(RED: RED, nodeId: string): string {
  return path.join(staykeyDirectory(RED), 'ha-dashboard', `${nodeId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

function configuredLocks(RED: RED, locksId: string | undefined): DashboardLock[] | undefined {
  if (!locksId) return undefined;
  const lockSet = lockSetFor(RED, locksId);
  return lockSet.locks().map((lock) => ({ lockId: lock.id, name: lock.name, model: lockSet.provider.kind }));
}

export = function (RED: RED) {
  function HaDashboardNode(this: Node, config: HaDashboardDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let dashboard: HaDashboard | undefined;
    let link: MqttLink | undefined;
    let stopWatching: (() => void) | undefined;
    let setupProblem: string | undefined;

    const showConnection = (state: ConnectionState, detail?: string) => {
      const count = dashboard?.lockIds.length ?? 0;
      if (state === 'connected') return showStatus(node, 'green', `${count} lock${count === 1 ? '' : 's'} in HA`);
      if (state === 'refused') return showStatus(node, 'red', 'broker refused login', 'ring');
      if (state === 'disconnected') return showStatus(node, 'red', 'broker offline', 'ring');
      if (state === 'closed') return showStatus(node, 'grey', 'stopped', 'ring');
      showStatus(node, 'yellow', detail ? 'broker unreachable' : 'connecting', 'ring');
    };

    try {
      link = linkFrom(config.mqttBroker ? RED.nodes.getNode(config.mqttBroker) : null);
      const file = rememberedFile(RED, config.id);
      dashboard = new HaDashboard({
        mqtt: link,
        prefix: config.prefix,
        published: readJson<Remembered>(file)?.locks ?? [],
        remember: (locks) => writeJsonAtomic(file, { version: 1, locks } satisfies Remembered),
      });
      const locks = configuredLocks(RED, config.locks);
      if (locks) dashboard.setLocks(locks);
      stopWatching = link.onState(showConnection);
      dashboard.start();
      showConnection(link.state, link.problem);
    } catch (err) {
      setupProblem = `ha-dashboard: ${errorText(err)}`;
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(setupProblem);
    }

    node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: Done) => {
      if (!dashboard || !link) return reportInputError(node, new Error(setupProblem ?? 'ha-dashboard is not set up'), msg, done);
      try {
        const input = parseDashboardInput(msg.payload);
        if (input.kind === 'battery-report') dashboard.batteryReport(input.readings);
        if (input.kind === 'lock-summary') dashboard.lockSummary(input.locks);
        if (input.kind === 'code-used') dashboard.codeUsed(input.use);
        showConnection(link.state, link.problem);
        done();
      } catch (err) {
        reportInputError(node, err, msg, done);
      }
    });

    node.on('close', (done: () => void) => {
      stopWatching?.();
      dashboard?.close();
      done();
    });
  }
  RED.nodes.registerType('staykey-ha-dashboard', HaDashboardNode);
};
