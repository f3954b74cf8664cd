/**
 * The flows under examples/ (Import > Examples in the editor): they must use every StayKey node, run
 * without hardware or secrets, never show a door code in a debug node, and actually do what their
 * comments promise when their buttons are pressed, in the real Node-RED runtime.
 */
import { strict as assert } from 'node:assert';
import type { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, NodeMessage } from 'node-red';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { AlertMessage, BatteryReportMessage, BookingMessage, DeliveryMessage, WindowMessage } from '../lib/messages';
import { NO_CODE_TEXT, PIN_MASK } from '../lib/notify/render';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { nodeRedPath, nodeRedResolve } from './support/node-red-path';
import { helper, TestNode } from './support/red';

/** The runtime's event bus: debug nodes publish what the sidebar shows on it as `comms` events. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeEvents = (require(nodeRedResolve('@node-red/util')) as { events: EventEmitter }).events;

const root = path.resolve(__dirname, '..', '..');
const examplesDir = path.join(root, 'examples');

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  wires?: string[][];
  [key: string]: unknown;
}

interface Example {
  file: string;
  nodes: FlowNode[];
}

type Received = NodeMessage & Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// What the examples may use

interface StayKeyType {
  type: string;
  isConfig: boolean;
  module: string;
}

/** Our node types, read as the Flow Library reads them: the literal registerType in each editor file. */
function stayKeyTypes(): StayKeyType[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.values(pkg['node-red'].nodes).flatMap((runtimeFile) => {
    const module = path.join(root, runtimeFile);
    const html = fs.readFileSync(module.replace(/\.js$/, '.html'), 'utf8');
    return [...html.matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]\s*,\s*\{/g)].map((match) => {
      const category = /category:\s*['"]([^'"]+)['"]/.exec(html.slice(match.index))?.[1];
      return { type: match[1], isConfig: category === 'config', module };
    });
  });
}

/** Node-RED's own nodes (inject, debug, template, catch...), by type, with the file that registers each. */
function coreTypes(): Map<string, string> {
  const coreDir = path.join(path.dirname(nodeRedResolve('@node-red/nodes/package.json')), 'core');
  const types = new Map<string, string>();
  for (const category of fs.readdirSync(coreDir)) {
    const dir = path.join(coreDir, category);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.js'))) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const match of source.matchAll(/registerType\(\s*["']([^"']+)["']/g)) types.set(match[1], path.join(dir, file));
    }
  }
  return types;
}

const ours = stayKeyTypes();
const core = coreTypes();
/** Flow structure rather than nodes: the editor, not a module, knows these. */
const STRUCTURE_TYPES = new Set(['tab', 'group']);

function readExamples(): Example[] {
  return fs
    .readdirSync(examplesDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const nodes = JSON.parse(fs.readFileSync(path.join(examplesDir, file), 'utf8')) as unknown;
      assert.ok(Array.isArray(nodes), `${file} is not a top-level JSON array`);
      return { file, nodes: nodes as FlowNode[] };
    });
}

function exampleNamed(prefix: string): Example {
  const found = readExamples().find((example) => example.file.startsWith(prefix));
  assert.ok(found, `no example starting with "${prefix}"`);
  return found;
}

function nodeNamed(example: Example, type: string, name: string): FlowNode {
  const found = example.nodes.find((node) => node.type === type && node.name === name);
  assert.ok(found, `${example.file} has no ${type} named "${name}"`);
  return found;
}

function onlyNode(example: Example, type: string): FlowNode {
  const found = example.nodes.filter((node) => node.type === type);
  assert.equal(found.length, 1, `${example.file} should have one ${type}`);
  return found[0];
}

/** The nodes wired to output `port` of `node`. */
function targets(example: Example, node: FlowNode, port: number): FlowNode[] {
  return (node.wires?.[port] ?? []).map((id) => example.nodes.find((other) => other.id === id)).filter((n): n is FlowNode => !!n);
}

// ---------------------------------------------------------------------------------------------
// Running an example

/** Everything one debug node received, and a way to wait for a message it has not had yet. */
class DebugWatch {
  readonly messages: Received[] = [];
  private waiters: Array<{ test: (msg: Received) => boolean; resolve: (msg: Received) => void }> = [];

  constructor(node: TestNode) {
    node.on('input', (msg: Received) => {
      this.messages.push(msg);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.test(msg)) return true;
        waiter.resolve(msg);
        return false;
      });
    });
  }

  /** The first message from now on that passes `test`. */
  next(test: (msg: Received) => boolean = () => true): Promise<Received> {
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
}

/** What the debug sidebar was sent: exactly what a host (or anyone looking over their shoulder) sees. */
interface SidebarEntry {
  id: string;
  name?: string;
  property?: string;
  msg?: unknown;
}

class Sidebar {
  readonly entries: SidebarEntry[] = [];
  private readonly listener = (event: { topic?: string; data?: SidebarEntry }) => {
    if (event.topic === 'debug' && event.data) this.entries.push(event.data);
  };

  constructor() {
    runtimeEvents.on('comms', this.listener);
  }

  stop(): void {
    runtimeEvents.removeListener('comms', this.listener);
  }

  text(): string {
    return JSON.stringify(this.entries);
  }
}

function modulesFor(example: Example): unknown[] {
  const files = new Set(ours.map((node) => node.module));
  for (const node of example.nodes) {
    const file = core.get(node.type);
    if (file) files.add(file);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return [...files].map((file) => require(file) as unknown);
}

async function load(example: Example): Promise<void> {
  // A fresh copy: the runtime keeps (and may change) the objects it is given.
  const flow = JSON.parse(JSON.stringify(example.nodes)) as FlowNode[];
  await helper.load(modulesFor(example), flow);
}

function runtimeNode(id: string): TestNode {
  const node = helper.getNode(id);
  assert.ok(node, `node ${id} is not running`);
  return node;
}

function press(example: Example, injectName: string): void {
  runtimeNode(nodeNamed(example, 'inject', injectName).id).receive({});
}

function watchDebug(example: Example, name: string): DebugWatch {
  return new DebugWatch(runtimeNode(nodeNamed(example, 'debug', name).id));
}

function simulatedLocksOf(example: Example): SimulatedLocks {
  const config = runtimeNode(onlyNode(example, 'staykey-locks').id) as unknown as LockSetNode;
  const provider = config.lockSet.provider;
  assert.ok(provider instanceof SimulatedLocks, 'the example should run on simulated locks');
  return provider;
}

function pinsOn(locks: SimulatedLocks, lockId: string): string[] {
  return locks.inspect(lockId).codes.map((code) => {
    assert.ok(code.pin, `a simulated lock always knows its codes (slot ${code.slot} of ${lockId})`);
    return code.pin;
  });
}

function errorsLogged(): string[] {
  const log = helper.log();
  return log
    .getCalls()
    .map((call) => call.args[0] as { level?: number; msg?: unknown; type?: string })
    .filter((entry) => entry.level !== undefined && entry.level <= log.ERROR)
    .map((entry) => `${entry.type}: ${String(entry.msg)}`);
}

function assertNoPin(text: string, pins: string[], where: string): void {
  for (const pin of pins) assert.ok(!text.includes(pin), `a door code is visible in ${where}`);
}

// ---------------------------------------------------------------------------------------------

describe('examples', () => {
  const examples = readExamples();

  describe('as files', () => {
    it('has at least one example, each a list of nodes with unique Node-RED style ids', () => {
      assert.ok(examples.length > 0, 'examples/ holds no flows');
      const seen = new Map<string, string>();
      for (const { file, nodes } of examples) {
        assert.ok(nodes.length > 0, `${file} is empty`);
        for (const node of nodes) {
          assert.match(node.id, /^[0-9a-f]{16}$/, `${file}: id "${node.id}" is not 16 hex characters`);
          assert.ok(!seen.has(node.id), `${file}: id ${node.id} is also used in ${seen.get(node.id)}`);
          seen.set(node.id, file);
        }
      }
    });

    it('wires every node only to nodes of the same example, on the same tab', () => {
      for (const { file, nodes } of examples) {
        const byId = new Map(nodes.map((node) => [node.id, node]));
        for (const node of nodes) {
          if (node.z !== undefined) assert.equal(byId.get(node.z)?.type, 'tab', `${file}: ${node.type} "${node.name ?? node.id}" is on a tab the file lacks`);
          for (const id of (node.wires ?? []).flat()) {
            const target = byId.get(id);
            assert.ok(target, `${file}: ${node.type} "${node.name ?? node.id}" is wired to ${id}, which is not in the file`);
            assert.equal(target.z, node.z, `${file}: ${node.type} "${node.name ?? node.id}" is wired across tabs`);
          }
        }
      }
    });

    it('uses only Node-RED core nodes and StayKey nodes, so it imports without other packages', () => {
      const known = new Set([...core.keys(), ...ours.map((node) => node.type), ...STRUCTURE_TYPES]);
      for (const { file, nodes } of examples) {
        for (const node of nodes) assert.ok(known.has(node.type), `${file}: node type "${node.type}" is neither core nor StayKey`);
      }
    });

    it('uses every StayKey node that is not a config node (Flow Library check N02)', () => {
      const used = new Set(examples.flatMap(({ nodes }) => nodes.map((node) => node.type)));
      const nodeTypes = ours.filter((node) => !node.isConfig).map((node) => node.type);
      assert.ok(nodeTypes.length >= 6, `found only ${nodeTypes.join(', ')} in the editor files`);
      const missing = nodeTypes.filter((type) => !used.has(type));
      assert.deepEqual(missing, [], `no example uses ${missing.join(', ')}`);
    });

    it('explains itself with a comment node', () => {
      for (const { file, nodes } of examples) {
        const comments = nodes.filter((node) => node.type === 'comment');
        assert.ok(comments.length > 0, `${file} has no comment node`);
        assert.ok(comments.some((node) => String(node.info ?? '').length > 100), `${file}: the comment says too little`);
      }
    });

    it('runs without hardware or secrets: simulated locks, no credentials, no feed address, no mail server', () => {
      for (const { file, nodes } of examples) {
        const locksConfigs = new Set(nodes.filter((node) => node.type === 'staykey-locks').map((node) => node.id));
        // A Home Assistant example names its server (in the file, without a token: the host adds one on
        // import); until then it loads and waits, and touches nothing.
        const haServers = new Set(nodes.filter((node) => node.type === 'staykey-ha-server').map((node) => node.id));
        const viaHa = (node: FlowNode) => haServers.has(String(node.haServer));
        for (const node of nodes) {
          const label = `${file}: ${node.type} "${node.name ?? node.id}"`;
          assert.ok(!('credentials' in node), `${label} carries credentials`);
          if (node.type === 'staykey-locks') {
            const haLocks = (node.provider === 'zwave-js' || node.provider === 'zha') && viaHa(node);
            // A TTLock example names its account (in the file, without credentials): nothing reaches TTLock until the host adds them.
            const ttlockLocks = node.provider === 'ttlock' && nodes.some((other) => other.id === node.ttlockAccount && other.type === 'staykey-ttlock-account');
            // A Seam example names its account, without the API key: nothing reaches Seam until the host adds one.
            const seamLocks = node.provider === 'seam' && nodes.some((other) => other.id === node.seamAccount && other.type === 'staykey-seam-account');
            assert.ok(node.provider === 'simulated' || haLocks || ttlockLocks || seamLocks, `${label} is neither simulated, Home Assistant, TTLock nor Seam locks`);
          }
          if (node.type === 'staykey-booking-source') assert.notEqual(node.mode, 'url', `${label} needs a feed address`);
          if (node.type === 'staykey-notifier') {
            assert.ok(node.channel === 'output' || (node.channel === 'ha-notify' && viaHa(node)), `${label} needs a mail server`);
          }
          assert.notEqual(node.type, 'staykey-smtp', `${file} holds a mail server config`);
          if (['staykey-pin-issuer', 'staykey-lock-provider', 'staykey-battery-watch'].includes(node.type)) {
            assert.ok(locksConfigs.has(String(node.locks)), `${label} uses a locks config that is not in the file`);
          }
        }
      }
    });

    it('shows guest messages in debug nodes only as msg.preview, and never wires a debug to codes on their way', () => {
      for (const example of examples) {
        for (const node of example.nodes) {
          const label = `${example.file}: ${node.type} "${node.name ?? node.id}"`;
          if (node.type === 'staykey-notifier') {
            for (const target of targets(example, node, 0).filter((t) => t.type === 'debug')) {
              assert.equal(target.complete, 'preview', `${label} feeds debug "${target.name}", which must show msg.preview`);
            }
          }
          if (node.type === 'staykey-pin-issuer') {
            // Lock commands and guest codes carry sealed PINs: nothing a host should read in a sidebar.
            const debugs = [...targets(example, node, 0), ...targets(example, node, 1)].filter((t) => t.type === 'debug');
            assert.deepEqual(debugs, [], `${label} sends codes to a debug node`);
          }
        }
      }
    });
  });

  describe('in the Node-RED runtime', () => {
    let directory: string;
    let sidebar: Sidebar;

    beforeEach((done) => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-examples-'));
      helper.settings({ staykey: { directory } });
      sidebar = new Sidebar();
      helper.startServer(done);
    });

    afterEach(async () => {
      sidebar.stop();
      await helper.unload();
      await helper.stopServer();
      fs.rmSync(directory, { recursive: true, force: true });
    });

    for (const example of examples) {
      it(`loads and starts "${example.file}" without errors`, async () => {
        await load(example);
        for (const node of example.nodes.filter((n) => !STRUCTURE_TYPES.has(n.type))) runtimeNode(node.id);
        // A Seam locks config says, once, that its account has no key yet (an example ships none): that is the only error allowed.
        const withSeam = example.nodes.some((node) => node.type === 'staykey-seam-account');
        assert.deepEqual(
          errorsLogged().filter((text) => !(withSeam && /^staykey-locks: locks config: the Seam account has no API key: make one in the Seam console/.test(text))),
          [],
        );
      });
    }

    describe('seam - codes through Seam', () => {
      const example = exampleNamed('seam');

      it('asks for the API key on the lock-provider, and a press reaches nobody', async () => {
        await load(example);
        const provider = runtimeNode(nodeNamed(example, 'staykey-lock-provider', 'Seam lock').id);
        // The helper spies on every node's status at once: this node's calls are those made on it.
        const statuses = provider.status
          .getCalls()
          .filter((call) => call.thisValue === provider)
          .map((call) => call.args[0] as { fill?: string; text?: string });
        assert.equal(statuses[statuses.length - 1]?.fill, 'red', 'the lock-provider shows the missing key');
        assert.match(String(statuses[statuses.length - 1]?.text), /^locks config: the Seam account/);
        assert.equal(errorsLogged().length, 1);
        const results = watchDebug(example, 'lock results');
        press(example, 'Ana is staying now');
        press(example, 'check batteries now');
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(results.messages, [], 'no lock command ran without a key');
      });
    });

    describe('booking-source - iCal text to bookings', () => {
      const example = exampleNamed('booking-source');

      it('turns the calendar into two new bookings, leaving the block out', async () => {
        await load(example);
        const bookings = watchDebug(example, 'booking changes');
        const second = bookings.next(() => bookings.messages.length === 2);
        press(example, 'read the calendar');
        await second;
        const payloads = bookings.messages.map((msg) => msg.payload as BookingMessage);
        assert.deepEqual(
          payloads.map((p) => [p.change, p.booking.unit, p.booking.arrival, p.booking.departure]),
          [
            ['created', 'Room 101', '2027-03-10', '2027-03-14'],
            ['created', 'Room 101', '2027-04-02', '2027-04-06'],
          ],
        );
      });

      it('warns on a broken download and cancels nothing', async () => {
        await load(example);
        const bookings = watchDebug(example, 'booking changes');
        const alerts = watchDebug(example, 'feed alerts');
        const read = bookings.next(() => bookings.messages.length === 2);
        press(example, 'read the calendar');
        await read;
        // The first read names its block once (an info alert); the broken download is a warning.
        const alert = alerts.next((msg) => (msg.payload as AlertMessage).severity !== 'info');
        press(example, 'a broken download');
        const payload = (await alert).payload as AlertMessage;
        assert.equal(payload.kind, 'alert');
        assert.equal(payload.severity, 'warning');
        assert.equal(payload.topic, 'feed');
        // The changes of one read leave before its alert, so any cancellation would be here by now.
        assert.equal(bookings.messages.length, 2);
      });
    });

    describe('access-window - booking to door times', () => {
      const example = exampleNamed('access-window');

      it('gives the Lisbon stay its door times across the change to summer time, and moves only the late checkout', async () => {
        await load(example);
        const times = watchDebug(example, 'door times');
        const first = times.next();
        press(example, 'booking from a webhook');
        const usual = ((await first).payload as WindowMessage).window;
        assert.equal(usual.timeZone, 'Europe/Lisbon');
        assert.deepEqual(usual.locks, ['front-door']);
        assert.equal(usual.checkInAt, '2027-03-27T16:00:00.000Z');
        assert.equal(usual.checkOutAt, '2027-03-30T10:00:00.000Z');
        assert.equal(usual.endsAt, '2027-03-30T10:30:00.000Z');
        assert.equal(usual.issueAt, '2027-03-25T16:00:00.000Z');

        const second = times.next();
        press(example, 'late checkout');
        const late = ((await second).payload as WindowMessage).window;
        assert.equal(late.checkInAt, usual.checkInAt);
        assert.equal(late.checkOutAt, '2027-03-30T13:00:00.000Z');
      });
    });

    describe('pin-issuer and lock-provider - codes on simulated locks', () => {
      const example = exampleNamed('pin-issuer and lock-provider');
      const forAna = (msg: Received) => msg.audience === 'guest' && msg.bookingId === 'HMANA12345';

      it('puts a code for the guest staying now on the simulated lock and tells her, with the code hidden in the debug sidebar', async () => {
        await load(example);
        const locks = simulatedLocksOf(example);
        const messages = watchDebug(example, 'messages (codes hidden)');
        const results = watchDebug(example, 'lock results');
        const errors = watchDebug(example, 'errors');
        const told = messages.next(forAna);
        press(example, 'Ben arrives in 10 days');
        press(example, 'Ana is staying now');
        const message = await told;
        const shown = sidebar.entries.find((entry) => entry.id === nodeNamed(example, 'debug', 'messages (codes hidden)').id);

        const pins = pinsOn(locks, 'front-door');
        assert.equal(pins.length, 1, 'Ben is 10 days away: only Ana has a code on the lock');
        assert.match(pins[0], /^\d{6}$/);
        assert.ok(String(message.payload).includes(`Room 101: ${pins[0]}`), 'the text for the SMS node holds the code');
        assert.ok(String(message.preview).includes(`Room 101: ${PIN_MASK}`));
        assert.ok(shown, 'the debug node showed nothing in the sidebar');
        assert.equal(shown.property, 'preview');
        assert.ok(String(shown.msg).includes(PIN_MASK));
        assertNoPin(sidebar.text(), pins, 'the debug sidebar');
        for (const msg of [...results.messages, ...errors.messages]) assertNoPin(JSON.stringify(msg), pins, 'a debug-bound message');
        assert.ok(results.messages.some((msg) => (msg.payload as { ok?: boolean; action?: string }).action === 'set'));
        assert.deepEqual(messages.messages.filter((msg) => msg.audience === 'guest' && !forAna(msg)), [], 'Ben was told too early');
        assert.deepEqual(errors.messages, []);
      });

      it('gives the guest a new code when asked, and takes it off the lock when she cancels', async () => {
        await load(example);
        const locks = simulatedLocksOf(example);
        const messages = watchDebug(example, 'messages (codes hidden)');
        const errors = watchDebug(example, 'errors');
        const issued = messages.next(forAna);
        press(example, 'Ana is staying now');
        await issued;
        const [first] = pinsOn(locks, 'front-door');

        const reissued = messages.next(forAna);
        press(example, 'new code for Ana');
        const newCode = await reissued;
        const [second] = pinsOn(locks, 'front-door');
        assert.notEqual(second, first);
        assert.ok(String(newCode.payload).includes(`Room 101: ${second}`));
        assert.match(String(newCode.payload), /changed/);

        const revoked = messages.next(forAna);
        press(example, 'Ana cancels');
        const cancelled = await revoked;
        assert.ok(String(cancelled.preview).includes(NO_CODE_TEXT));
        assert.deepEqual(pinsOn(locks, 'front-door'), []);

        assertNoPin(sidebar.text(), [first, second], 'the debug sidebar');
        assert.deepEqual(errors.messages, []);
      });
    });

    describe('battery-watch - daily battery check', () => {
      const example = exampleNamed('battery-watch');

      it('reports both simulated locks healthy, and turns a low-battery alert into a message for the host', async () => {
        await load(example);
        const reports = watchDebug(example, 'battery report');
        const messages = watchDebug(example, 'host messages');
        const checked = reports.next();
        press(example, 'check batteries now');
        const report = (await checked).payload as BatteryReportMessage;
        assert.equal(report.kind, 'battery-report');
        assert.deepEqual(
          report.locks.map((lock) => [lock.lockId, lock.batteryClass, lock.online]),
          [
            ['front-door', 'healthy', true],
            ['garden-gate', 'healthy', true],
          ],
        );
        assert.deepEqual(report.attention, []);

        const told = messages.next();
        press(example, 'example: a lock running low');
        const message = await told;
        assert.equal(message.audience, 'host');
        assert.match(String(message.preview), /Front door 12 % critical/);
        assert.equal(messages.messages.length, 1, 'healthy batteries should not message the host');
      });
    });

    describe('notifier - guest and host messages', () => {
      const example = exampleNamed('notifier');

      it('writes the host alert and the guest message, and reports the guest as told', async () => {
        await load(example);
        const messages = watchDebug(example, 'messages (codes hidden)');
        const deliveries = watchDebug(example, 'deliveries (to pin-issuer)');

        const alerted = messages.next();
        press(example, 'alert: a code did not reach the lock');
        const alert = await alerted;
        assert.equal(alert.audience, 'host');
        assert.equal(alert.to, 'maria@example.com');
        assert.match(String(alert.topic), /^Sea View Apartments: \[CRITICAL\]/);

        const toldGuest = messages.next();
        const delivered = deliveries.next();
        press(example, 'guest: stay cancelled');
        const guest = await toldGuest;
        assert.equal(guest.audience, 'guest');
        assert.equal(guest.to, 'ana@example.com');
        assert.match(String(guest.preview), /^Hello Ana Costa,/);
        assert.ok(String(guest.preview).includes(NO_CODE_TEXT));
        const delivery = (await delivered).payload as DeliveryMessage;
        assert.deepEqual(delivery, { kind: 'delivery', bookingId: 'HMQX7K2P4R', channel: 'output', delivered: true });
      });
    });
  });
});
