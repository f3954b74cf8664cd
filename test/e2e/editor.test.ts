/**
 * The editor as a host meets it: a real Node-RED process with StayKey installed from this checkout,
 * driven in Debian's Chromium. Every shipped example comes in through Import > Examples, deploys without
 * the editor asking twice, and shows what it does in the statuses under its nodes. Then the demo flow
 * runs as `npm start` runs it, its picture is taken for the README, and no PIN is anywhere on the page
 * or in what the page received.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { PIN_MASK } from '../../lib/notify/render';
import { Vault } from '../../lib/pins/vault';
import { launchChromium, TestBrowser } from '../support/browser';
import { nodeRedResolve } from '../support/node-red-path';
import { Editor } from './editor';
import { PACKAGE_ROOT, RedServer, startDemo, startNodeRed } from './red-server';

type FlowNode = { id: string; type: string; name?: string; z?: string; [key: string]: unknown };
/** A node by its name in the flow (or, for an unnamed StayKey node, its type without `staykey-`), and the status it should show. */
type Status = [node: string, text: RegExp];

interface ExampleCheck {
  /** Statuses right after the deploy. */
  deployed: Status[];
  /** An inject button to press next, by name, and the statuses it leads to. */
  press?: string;
  pressed?: Status[];
}

/** What each shipped example shows a host; a new example needs its line here. */
const EXAMPLES: Record<string, ExampleCheck> = {
  'access-window - booking to door times': { deployed: [], press: 'booking from a webhook', pressed: [['Room 101', /^Room 101: /]] },
  'battery-watch - daily battery check': {
    deployed: [['battery-watch', /^daily at 09:00$/]],
    press: 'check batteries now',
    pressed: [['battery-watch', /^2 locks healthy$/]],
  },
  'booking-source - iCal text to bookings': {
    deployed: [['Room 101 Airbnb', /^0 bookings$/]],
    press: 'read the calendar',
    pressed: [['Room 101 Airbnb', /^2 bookings$/]],
  },
  'guest-page - check-in page for guests': {
    deployed: [
      ['guest-page', /^0 guests verified$/],
      ['pin-issuer', /^0 codes on locks$/],
      ['lock-provider', /^1 lock, 0 codes$/],
    ],
    press: 'Ana is staying now',
    pressed: [
      ['pin-issuer', /^1 code on locks$/],
      ['lock-provider', /^1 lock, 1 code$/],
    ],
  },
  'ha-dashboard - batteries and codes in Home Assistant': {
    deployed: [
      ['batteries', /^daily at 09:00$/],
      ['Home Assistant', /^broker unreachable$/],
    ],
  },
  // The pin-issuer reads a lock it has never seen at once; without the host's token or account (as imported)
  // that read is refused, and the lock-provider says so before any guest's code depends on it.
  'home-assistant - Z-Wave lock via HA': {
    deployed: [
      ['codes', /^0 codes on locks$/],
      ['Z-Wave lock', /^front-door auth$/],
    ],
  },
  'notifier - guest and host messages': { deployed: [], press: 'alert: a code did not reach the lock', pressed: [['notifier', /^sent 1$/]] },
  'pin-issuer and lock-provider - codes on simulated locks': {
    deployed: [
      ['pin-issuer', /^0 codes on locks$/],
      ['lock-provider', /^1 lock, 0 codes$/],
    ],
    press: 'Ana is staying now',
    pressed: [
      ['pin-issuer', /^1 code on locks$/],
      ['lock-provider', /^1 lock, 1 code$/],
      ['notifier', /^sent 1$/],
    ],
  },
  // A Seam account comes without its API key: the locks config says so, and the lock-provider shows it at once.
  'seam - codes through Seam': {
    deployed: [['Seam lock', /^locks config: the Seam account/]],
  },
  'ttlock - codes through the TTLock cloud': {
    deployed: [
      ['codes', /^0 codes on locks$/],
      ['TTLock lock', /^front-door auth$/],
    ],
  },
};

const examplesDir = path.join(PACKAGE_ROOT, 'examples');
const exampleNames = fs
  .readdirSync(examplesDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.replace(/\.json$/, ''))
  .sort();

function readFlow(file: string): FlowNode[] {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as FlowNode[];
}

function nodeId(flow: FlowNode[], name: string): string {
  const found = flow.filter((node) => node.name === name || (!node.name && node.type === `staykey-${name}`));
  assert.equal(found.length, 1, `one node named "${name}" in the flow`);
  return found[0].id;
}

/** Nodes drawn on a tab: everything but the tab itself and config nodes (which have no `z`). */
function drawnNodes(flow: FlowNode[], tabId: string): FlowNode[] {
  return flow.filter((node) => node.z === tabId);
}

async function newEditor(browser: TestBrowser): Promise<Editor> {
  const page: Page = await browser.context.newPage();
  await page.setViewportSize({ width: 1920, height: 1080 });
  // A step that cannot happen fails within the test's time, with what it waited for.
  page.setDefaultTimeout(15_000);
  return new Editor(page);
}

function redVersion(): string {
  return (JSON.parse(fs.readFileSync(nodeRedResolve('node-red/package.json'), 'utf8')) as { version: string }).version;
}

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `staykey-e2e-${name}-`));
}

describe('the Node-RED editor in Chromium', function () {
  this.timeout(60_000);
  let browser: TestBrowser;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  describe('Import > Examples, each example on its own', () => {
    let red: RedServer;
    let editor: Editor;
    let userDir: string;

    before(async () => {
      userDir = tempDir('examples');
      red = await startNodeRed(userDir);
      editor = await newEditor(browser);
    });

    after(async () => {
      await editor?.page.close();
      await red?.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      // Each example on its own, as a host trying just that one: no flows left from the last, a fresh editor.
      const cleared = await fetch(`${red.url}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: '[]',
      });
      assert.ok(cleared.ok, `clearing the flows: HTTP ${cleared.status}`);
      await editor.open(red.url);
    });

    it('runs the Node-RED this test run is for (STAYKEY_NODE_RED, else node_modules)', async () => {
      const settings = (await (await fetch(`${red.url}/settings`)).json()) as { version: string };
      // Node-RED adds "-git" when a .git folder sits above its node_modules (this checkout).
      assert.equal(settings.version.replace(/-git$/, ''), redVersion());
    });

    it('lists every shipped example under the package name in Import > Examples', async () => {
      assert.deepEqual(exampleNames, Object.keys(EXAMPLES).sort(), 'every example has its expected statuses in this test');
      assert.deepEqual((await editor.listExamples()).sort(), exampleNames);
    });

    for (const name of exampleNames) {
      it(`imports "${name}", deploys it and shows its statuses`, async () => {
        const check = EXAMPLES[name];
        assert.ok(check, `no expected statuses for ${name}`);
        const flow = readFlow(path.join(examplesDir, `${name}.json`));
        const tabId = flow.find((node) => node.type === 'tab')?.id;
        assert.ok(tabId, `${name} brings its own tab`);

        await editor.importExample(name);
        await editor.showTab(tabId);
        for (const node of drawnNodes(flow, tabId)) await editor.node(node.id).waitFor();
        assert.deepEqual(await editor.invalidNodes(), [], 'no node on the imported tab is marked as not properly configured');

        await editor.deploy();
        for (const [node, text] of check.deployed) await editor.waitForStatus(nodeId(flow, node), text);
        if (check.press) {
          await editor.press(nodeId(flow, check.press));
          for (const [node, text] of check.pressed ?? []) await editor.waitForStatus(nodeId(flow, node), text);
        }
      });
    }
  });

  describe('the demo flow, as npm start runs it', () => {
    const DEMO_NOW = '2026-07-14T10:00';
    const demo = readFlow(path.join(PACKAGE_ROOT, 'flows', 'demo.json'));
    const tabId = demo.find((node) => node.type === 'tab')!.id;
    const locksConfig = demo.find((node) => node.type === 'staykey-locks')!.id;
    const id = (name: string) => nodeId(demo, name);
    let red: RedServer;
    let editor: Editor;
    let userDir: string;
    /** Every websocket frame the editor received (debug messages and statuses travel this way). */
    const received: string[] = [];

    before(async () => {
      userDir = tempDir('demo');
      // 10:00 on this machine's wall, whatever the hour of the run: Ada is staying, Grace's code is not due
      // until 16:00 (test/demo.test.ts covers the afternoon).
      red = await startDemo(userDir, { STAYKEY_NOW: DEMO_NOW });
      editor = await newEditor(browser);
      editor.page.on('websocket', (socket) => socket.on('framereceived', (frame) => received.push(String(frame.payload))));
      await editor.open(red.url);
    });

    after(async () => {
      await editor?.page.close();
      await red?.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    /** The PINs now on the simulated locks, opened with this installation's key. */
    function pinsOnLocks(): string[] {
      const file = path.join(userDir, 'staykey', 'locks', `${locksConfig}.json`);
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { locks: Record<string, { codes: Array<{ pin?: string }> }> };
      const vault = Vault.openDirectory(path.join(userDir, 'staykey'));
      return Object.values(saved.locks).flatMap((lock) => lock.codes.flatMap((code) => (code.pin ? [vault.open(code.pin)] : [])));
    }

    it('runs on the Node-RED this test run is for', async () => {
      const settings = (await (await fetch(`${red.url}/settings`)).json()) as { version: string };
      // Node-RED adds "-git" when a .git folder sits above its node_modules (this checkout).
      assert.equal(settings.version.replace(/-git$/, ''), redVersion());
    });

    it('draws the demo with every node configured, and runs the sample feed to both locks', async () => {
      await editor.showTab(tabId);
      for (const node of drawnNodes(demo, tabId)) await editor.node(node.id).waitFor();
      assert.deepEqual(await editor.invalidNodes(), [], 'no node of the demo is marked as not properly configured');
      await editor.waitForStatus(id('Airbnb feed (demo)'), /^3 bookings$/);
      await editor.waitForStatus(id('codes'), /^2 codes on locks$/);
      await editor.waitForStatus(id('simulated locks'), /^2 locks, 2 codes$/);
      await editor.waitForStatus(id('batteries'), /^daily at 09:00$/);
    });

    it('shows a new code for Ada and the battery check in the debug sidebar, with the PIN masked', async () => {
      const sidebar = await editor.openDebugSidebar();
      const guestMessages = sidebar.locator('.red-ui-debug-msg', { hasText: 'outbox (codes masked)' });
      // The first guest messages may still be on their way when the page opens.
      await editor.waitForStatus(id('guest and host messages'), /^sent \d+$/);
      const before = await guestMessages.count();
      await editor.press(id('give Ada a new code'));
      await guestMessages.nth(before).waitFor();
      assert.match(await guestMessages.nth(before).innerText(), new RegExp(`Room 101: ${PIN_MASK}`));
      await editor.waitForStatus(id('codes'), /^2 codes on locks$/);
      await editor.waitForStatus(id('simulated locks'), /^2 locks, 2 codes$/);
      await editor.press(id('check batteries now'));
      await sidebar.locator('.red-ui-debug-msg', { hasText: 'battery report' }).waitFor();
      await editor.waitForStatus(id('batteries'), /^2 locks healthy$/);
    });

    it('shows no PIN anywhere: not on the page, not in what the editor received', async () => {
      const pins = pinsOnLocks();
      assert.equal(pins.length, 2, 'Ada\'s code is on both simulated locks');
      assert.ok(pins.every((pin) => /^\d{6}$/.test(pin)), 'the demo locks take six-digit codes');
      const text = await editor.visibleText();
      const frames = received.join('\n');
      assert.ok(frames.includes(PIN_MASK), 'the masked guest message reached the editor');
      for (const pin of pins) {
        assert.ok(!text.includes(pin), 'a PIN is shown on the page');
        assert.ok(!frames.includes(pin), 'a PIN reached the editor over its websocket');
      }
    });

    it('takes the picture of the demo for the README', async () => {
      await editor.filterPalette('staykey');
      // "Successfully injected" and the like fade by themselves.
      await editor.page.locator('.red-ui-notification').first().waitFor({ state: 'detached' });
      const chart = await editor.page.$$eval('svg g.red-ui-flow-node-group', (groups) =>
        Math.max(...groups.map((group) => group.getBoundingClientRect().bottom)),
      );
      const viewport = editor.page.viewportSize()!;
      const clip = { x: 0, y: 0, width: viewport.width, height: Math.min(viewport.height, Math.ceil(chart) + 60) };
      const built = path.join(PACKAGE_ROOT, 'dist', 'test', 'e2e', 'demo-flow.png');
      await editor.page.screenshot({ path: built, clip });
      assert.ok(fs.statSync(built).size > 10_000, 'a real picture');
      // The README's copy changes only when asked, so a test run leaves the checkout as it was.
      if (process.env.STAYKEY_UPDATE_SCREENSHOTS === '1') {
        fs.mkdirSync(path.join(PACKAGE_ROOT, 'docs', 'images'), { recursive: true });
        fs.copyFileSync(built, path.join(PACKAGE_ROOT, 'docs', 'images', 'demo-flow.png'));
      }
    });
  });
});
