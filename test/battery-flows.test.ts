/**
 * The shipped flows flows/battery-digest-email.json and flows/backup-key-reminders.json: they load in
 * the real runtime, carry no secrets, and do what their comments promise (a digest reaches a real SMTP
 * server; a backup-key reminder reaches the host).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { SimulatedLocks } from '../lib/locks/simulated';
import { ManualClock } from '../lib/time/clock';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { TestMailServer } from './email-server';
import { nodeRedPath, nodeRedResolve } from './support/node-red-path';
import { helper, TestNode } from './support/red';

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  wires?: string[][];
  [key: string]: unknown;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const coreDir = path.join(path.dirname(nodeRedResolve('@node-red/nodes/package.json')), 'core');
const nodes: unknown[] = [
  require('../nodes/locks-config/locks-config'),
  require('../nodes/smtp-config/smtp-config'),
  require('../nodes/battery-watch/battery-watch'),
  require('../nodes/notifier/notifier'),
  require(path.join(coreDir, 'common', '20-inject.js')),
  require(path.join(coreDir, 'common', '21-debug.js')),
  require(path.join(coreDir, 'common', '90-comment.js')),
  require(path.join(coreDir, 'function', '10-switch.js')),
];
/* eslint-enable @typescript-eslint/no-require-imports */

const flowsDir = path.resolve(__dirname, '..', '..', 'flows');

function shipped(file: string): FlowNode[] {
  const flow = JSON.parse(fs.readFileSync(path.join(flowsDir, file), 'utf8')) as unknown;
  assert.ok(Array.isArray(flow), `${file} is not a list of nodes`);
  return flow as FlowNode[];
}

function only(flow: FlowNode[], type: string): FlowNode {
  const found = flow.filter((node) => node.type === type);
  assert.equal(found.length, 1, `one ${type} expected`);
  return found[0];
}

function running(id: string): TestNode {
  const node = helper.getNode(id);
  assert.ok(node, `node ${id} is not running`);
  return node;
}

function simulatedLocks(flow: FlowNode[]): SimulatedLocks {
  const provider = (running(only(flow, 'staykey-locks').id) as unknown as LockSetNode).lockSet.provider;
  assert.ok(provider instanceof SimulatedLocks);
  return provider;
}

function errorsLogged(): string[] {
  const log = helper.log();
  return log
    .getCalls()
    .map((call) => call.args[0] as { level?: number; msg?: unknown; type?: string })
    .filter((entry) => entry.level !== undefined && entry.level <= log.ERROR)
    .map((entry) => `${entry.type}: ${String(entry.msg)}`);
}

function nextMessage(id: string): Promise<NodeMessage> {
  return new Promise((resolve) => running(id).on('input', resolve));
}

function press(flow: FlowNode[], name: string): void {
  const inject = flow.find((node) => node.type === 'inject' && node.name === name);
  assert.ok(inject, `no inject named "${name}"`);
  running(inject.id).receive({});
}

describe('shipped battery flows', () => {
  let directory: string;
  let clock: ManualClock;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-battery-flows-'));
    // A month after the front door's key was tested in the shipped flows.
    clock = new ManualClock('2026-04-01T06:00:00Z');
    helper.settings({ staykey: { directory, clock } });
    return helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ staykey: undefined });
    fs.rmSync(directory, { recursive: true, force: true });
  });

  for (const file of ['battery-digest-email.json', 'backup-key-reminders.json']) {
    it(`${file}: loads and starts without errors, on one tab, with no credentials and a comment that explains it`, async () => {
      const flow = shipped(file);
      const tab = only(flow, 'tab');
      const ids = new Set(flow.map((node) => node.id));
      assert.equal(ids.size, flow.length, 'node ids are unique');
      for (const node of flow) {
        assert.match(node.id, /^[0-9a-f]{16}$/);
        assert.ok(!('credentials' in node) && !('user' in node) && !('password' in node), `${node.type} carries credentials`);
        if (node.z !== undefined) assert.equal(node.z, tab.id);
        for (const target of (node.wires ?? []).flat()) assert.ok(ids.has(target), `${node.type} is wired to a node not in the file`);
      }
      assert.ok(String(only(flow, 'comment').info).length > 300);
      await helper.load(nodes, JSON.parse(JSON.stringify(flow)) as object[]);
      for (const node of flow.filter((n) => n.type !== 'tab')) running(node.id);
      assert.deepEqual(errorsLogged(), []);
    });
  }

  it('battery-digest-email.json emails the host one digest when a lock runs low, and the backup-key reminder', async () => {
    const flow = shipped('battery-digest-email.json');
    const smtp = only(flow, 'staykey-smtp');
    assert.equal(only(flow, 'staykey-notifier').channel, 'email');
    assert.equal(only(flow, 'staykey-notifier').smtp, smtp.id);
    const server = new TestMailServer();
    await server.start();
    try {
      // The shipped mail server is a placeholder; here it is a real SMTP server on loopback.
      const local = flow.map((node) => (node.id === smtp.id ? { ...node, host: '127.0.0.1', port: server.port } : node));
      await helper.load(nodes, JSON.parse(JSON.stringify(local)) as object[]);
      simulatedLocks(flow).setBattery('front-door', 10);
      const debug = only(flow, 'debug').id;
      const records: NodeMessage[] = [];
      const bothSent = new Promise<void>((resolve) =>
        running(debug).on('input', (msg) => {
          records.push(msg);
          if (records.length === 2) resolve();
        }),
      );
      press(flow, 'run the daily check now');
      await bothSent;
      assert.ok(records.every((msg) => (msg as NodeMessage & { delivered?: boolean }).delivered === true));
      // One digest for the one property, and the reminder about the garden gate's missing backup key.
      assert.equal(server.received.length, 2);
      const digest = server.received.find((mail) => /\] battery$/.test(mail.subject));
      const reminder = server.received.find((mail) => /\] backup-key$/.test(mail.subject));
      assert.ok(digest && reminder, server.received.map((mail) => mail.subject).join(', '));
      assert.deepEqual(digest.to, ['host@example.com']);
      assert.equal(digest.from, 'staykey@example.com');
      assert.match(digest.subject, /\[CRITICAL\] battery/);
      assert.match(digest.text, /Battery check, Sea View:/);
      assert.match(digest.text, /Front door 10 % critical: replace the 4x AA batteries now/);
      assert.match(digest.text, /Garden gate 100 % healthy: ok/);
      assert.match(reminder.text, /No backup key is recorded for Garden gate/);
    } finally {
      await server.stop();
    }
  });

  it('backup-key-reminders.json tells the host which locks have no tested backup key, and nothing about batteries', async () => {
    const flow = shipped('backup-key-reminders.json');
    await helper.load(nodes, JSON.parse(JSON.stringify(flow)) as object[]);
    simulatedLocks(flow).setBattery('garage', 10);
    const told = nextMessage(only(flow, 'debug').id);
    press(flow, 'run the daily check now');
    const message = (await told) as NodeMessage & { preview?: string; audience?: string };
    assert.equal(message.audience, 'host');
    assert.match(String(message.topic), /backup-key/);
    const preview = String(message.preview);
    assert.match(preview, /The backup key of Back door \(with the neighbour\) has never been tested/);
    assert.match(preview, /No backup key is recorded for Garage/);
    assert.doesNotMatch(preview, /Front door/, 'its key was tested on 2026-03-02, within 90 days');
    assert.doesNotMatch(preview, /critical/, 'battery digests are not passed on');
  });
});
