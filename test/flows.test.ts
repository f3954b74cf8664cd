/**
 * Every shipped flow in flows/ is a flow a host can import: valid JSON, known node types, wires that
 * lead somewhere, no credentials, a note saying what it does, and it starts in a real runtime.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventually, helper, stayKeyNodes } from './support/red';
import { nodeRedPath } from './support/node-red-path';

type FlowNode = { id: string; type: string; z?: string; wires?: string[][]; [key: string]: unknown };

const root = path.join(__dirname, '..', '..');
const flowsDir = path.join(root, 'flows');
const files = fs.readdirSync(flowsDir).filter((file) => file.endsWith('.json')).sort();
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };

/** Node-RED's own node modules, by type. */
function coreModules(): Map<string, string> {
  const coreDir = path.join(path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath())] })), 'core');
  const modules = new Map<string, string>();
  for (const category of fs.readdirSync(coreDir)) {
    const dir = path.join(coreDir, category);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.js'))) {
      for (const match of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/registerType\(\s*["']([^"']+)["']/g)) modules.set(match[1], path.join(dir, file));
    }
  }
  return modules;
}

const core = coreModules();
const ourTypes = new Set(
  Object.values(pkg['node-red'].nodes).flatMap((file) =>
    [...fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8').matchAll(/registerType\('([^']+)'/g)].map((m) => m[1]),
  ),
);

function read(file: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(path.join(flowsDir, file), 'utf8')) as FlowNode[];
}

describe('shipped flows', function () {
  this.timeout(30_000);

  it('include the demo and the flows the issues name', () => {
    for (const name of ['demo', 'airbnb-zwave-ha', 'vrbo-zigbee2mqtt', 'battery-dashboard', 'airbnb-ttlock', 'booking-com-nuki', 'airbnb-seam', 'battery-digest-email', 'guest-pre-arrival-email', 'readiness-host-alerts', 'backup-key-reminders']) {
      assert.ok(files.includes(`${name}.json`), name);
    }
  });

  for (const file of files) {
    it(`${file} imports cleanly: known types, wires that lead somewhere, no credentials, a note`, () => {
      const nodes = read(file);
      assert.ok(Array.isArray(nodes));
      const ids = new Set(nodes.map((node) => node.id));
      assert.equal(ids.size, nodes.length, 'ids are unique');
      for (const node of nodes) {
        assert.ok(['tab', 'group'].includes(node.type) || core.has(node.type) || ourTypes.has(node.type), `${file}: unknown type ${node.type}`);
        assert.ok(!('credentials' in node), `${file}: ${node.type} carries credentials`);
        for (const target of (node.wires ?? []).flat()) assert.ok(ids.has(target), `${file}: ${node.id} is wired to a missing node ${target}`);
      }
      assert.ok(nodes.some((node) => node.type === 'comment' || (node.type === 'tab' && node.info)), `${file} says what it does`);
    });
  }

  describe('in a runtime', () => {
    beforeEach(() => helper.startServer());
    afterEach(async () => {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
    });

    for (const file of ['guest-pre-arrival-email.json', 'readiness-host-alerts.json']) {
      it(`${file} starts every node`, async () => {
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-flows-'));
        helper.settings({ userDir: directory, staykey: { directory } });
        const nodes = read(file);
        const modules = [...new Set(nodes.map((node) => core.get(node.type)).filter((module): module is string => Boolean(module)))].map(
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          (module) => require(module) as unknown,
        );
        await helper.load([...stayKeyNodes(), ...modules], nodes);
        for (const node of nodes.filter((n) => n.z)) assert.ok(helper.getNode(node.id), `${file}: ${node.type} ${node.id} did not start`);
      });
    }

    it('readiness-host-alerts.json issues the arriving guest a code on both locks', async () => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-flows-'));
      helper.settings({ userDir: directory, staykey: { directory } });
      const nodes = read('readiness-host-alerts.json').map((node) => (node.type === 'staykey-locks' ? { ...node, latency: 0 } : node));
      const modules = [...new Set(nodes.map((node) => core.get(node.type)).filter((module): module is string => Boolean(module)))].map(
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (module) => require(module) as unknown,
      );
      await helper.load([...stayKeyNodes(), ...modules], nodes);
      const guest: string[] = [];
      const toGuests = nodes.find((node) => node.name === 'to guests (codes masked)')!;
      const sink = helper.getNode(toGuests.id) as unknown as { on(event: 'input', listener: (msg: { preview?: string }) => void): void };
      sink.on('input', (msg) => guest.push(String(msg.preview)));
      const button = nodes.find((node) => node.name === 'a booking arriving tomorrow')!;
      helper.getNode(button.id).receive({});
      await eventually('the guest is told', () => guest.some((text) => /Room 101/.test(text)));
      assert.ok(guest.every((text) => !/\d{6}/.test(text)), 'previews never show a PIN');
    });
  });
});
