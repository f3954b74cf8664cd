/**
 * The StayKey sidebar in the Node-RED editor, in Chromium: the demo flow runs as `npm start` runs it,
 * the StayKey tab shows both demo locks and their codes with the PINs masked (and no PIN reaches the
 * page), a verify asks first and its result arrives over Node-RED's comms without the page asking
 * again. On a runtime with adminAuth a read-only user sees the same locks and no action button, while
 * the admin sees them. The picture for the README is taken here.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as bcrypt from 'bcrypt';
import type { Page } from 'playwright-core';
import { PIN_MASK } from '../../lib/notify/render';
import { Vault } from '../../lib/pins/vault';
import { launchChromium, TestBrowser } from '../support/browser';
import { nodeRedResolve } from '../support/node-red-path';
import { Editor } from './editor';
import { PACKAGE_ROOT, RedServer, startDemo, startNodeRed } from './red-server';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeDemoFeed } = require(path.join(PACKAGE_ROOT, 'scripts', 'demo-feed.js')) as { writeDemoFeed(file: string, today: Date): void };

type FlowNode = { id: string; type: string; [key: string]: unknown };
const demo = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), 'utf8')) as FlowNode[];
const locksConfig = demo.find((node) => node.type === 'staykey-locks')!.id;
const DEMO_LOCKS = ['front-door', 'main-gate'];
const ACTION_BUTTONS = '.staykey-sb-verify, .staykey-sb-wipe, .staykey-sb-reissue, .staykey-sb-confirm, .staykey-sb-reject';

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `staykey-e2e-${name}-`));
}

/** The PINs on the demo's simulated locks, opened with this installation's key. */
function pinsOnLocks(userDir: string): string[] {
  const file = path.join(userDir, 'staykey', 'locks', `${locksConfig}.json`);
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { locks: Record<string, { codes: Array<{ pin?: string }> }> };
  const vault = Vault.openDirectory(path.join(userDir, 'staykey'));
  return Object.values(saved.locks).flatMap((lock) => lock.codes.flatMap((code) => (code.pin ? [vault.open(code.pin)] : [])));
}

/** The PINs once Ada's code is on both demo locks (the flow may still be setting them when a test starts). */
async function untilPinsOnLocks(userDir: string): Promise<string[]> {
  for (let tries = 0; tries < 150; tries++) {
    const pins = fs.existsSync(path.join(userDir, 'staykey', 'locks', `${locksConfig}.json`)) ? pinsOnLocks(userDir) : [];
    if (pins.length >= 2) return pins;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('Ada\'s code did not reach both demo locks');
}

async function newEditor(browser: TestBrowser): Promise<Editor> {
  const page: Page = await browser.context.newPage();
  await page.setViewportSize({ width: 1600, height: 1000 });
  page.setDefaultTimeout(15_000);
  return new Editor(page);
}

/** Opens the StayKey tab the way the View menu does, in Node-RED 4 and 5 alike (their tab buttons differ). */
async function openSidebar(editor: Editor): Promise<void> {
  await editor.page.evaluate(() => (window as unknown as { RED: { sidebar: { show(id: string): void } } }).RED.sidebar.show('staykey'));
  for (const lockId of DEMO_LOCKS) await editor.page.locator(`.staykey-sb-lock[data-lock="${lockId}"]`).waitFor();
}

/** Waits until every demo lock shows a code: the demo's first reconcile may still be under way when the page opens. */
async function untilCodesShown(editor: Editor): Promise<void> {
  for (const lockId of DEMO_LOCKS) await editor.page.locator(`.staykey-sb-lock[data-lock="${lockId}"] .staykey-sb-code`).first().waitFor();
}

/** Drags the sidebar's edge to the left, as a host does to read more at once. */
async function widenSidebar(editor: Editor, by: number): Promise<void> {
  const edge = await editor.page.locator('#red-ui-sidebar-separator').boundingBox();
  if (!edge) return; // Node-RED 5 lays its sidebars out differently: the picture is taken as it is
  const y = edge.y + edge.height / 2;
  await editor.page.mouse.move(edge.x + edge.width / 2, y);
  await editor.page.mouse.down();
  await editor.page.mouse.move(edge.x + edge.width / 2 - by, y, { steps: 5 });
  await editor.page.mouse.up();
}

/** The sidebar, down to the end of what StayKey shows in it. */
async function sidebarClip(editor: Editor): Promise<{ x: number; y: number; width: number; height: number }> {
  const sidebar = (await editor.page.locator('#staykey-sidebar').boundingBox())!;
  const list = (await editor.page.locator('.staykey-sb-list').boundingBox())!;
  const top = Math.max(0, sidebar.y - 40); // the tab's own title bar
  return { x: sidebar.x, y: top, width: sidebar.width, height: Math.min(sidebar.y + sidebar.height, list.y + list.height + 12) - top };
}

describe('the StayKey sidebar in the editor (Chromium)', function () {
  this.timeout(90_000);
  let browser: TestBrowser;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  describe('the demo flow, as npm start runs it', () => {
    let red: RedServer;
    let editor: Editor;
    let userDir: string;
    /** Every websocket frame the editor received, and every request it made for the sidebar's board. */
    const received: string[] = [];
    const boardLoads: string[] = [];

    before(async () => {
      userDir = tempDir('sidebar');
      red = await startDemo(userDir, { STAYKEY_NOW: '2026-07-14T10:00' });
      editor = await newEditor(browser);
      editor.page.on('websocket', (socket) => socket.on('framereceived', (frame) => received.push(String(frame.payload))));
      editor.page.on('request', (request) => {
        if (/\/staykey\/sidebar$/.test(new URL(request.url()).pathname)) boardLoads.push(request.method());
      });
      await editor.open(red.url);
    });

    after(async () => {
      await editor?.page.close();
      await red?.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    it('runs on the Node-RED this test run is for (STAYKEY_NODE_RED, else node_modules)', async () => {
      const settings = (await (await fetch(`${red.url}/settings`)).json()) as { version: string };
      const wanted = (JSON.parse(fs.readFileSync(nodeRedResolve('node-red/package.json'), 'utf8')) as { version: string }).version;
      assert.equal(settings.version.replace(/-git$/, ''), wanted);
    });

    it('shows both demo locks, online, with their provider, battery and codes, each PIN masked', async () => {
      await openSidebar(editor);
      await untilCodesShown(editor);
      for (const lockId of DEMO_LOCKS) {
        const lock = editor.page.locator(`.staykey-sb-lock[data-lock="${lockId}"]`);
        assert.equal(await lock.locator('.staykey-sb-online').innerText(), 'online');
        assert.equal(await lock.locator('.staykey-sb-provider').innerText(), 'simulated');
        assert.match(await lock.locator('.staykey-sb-battery').innerText(), /^battery healthy \(\d+ %\)$/);
        const code = lock.locator('.staykey-sb-code').filter({ hasText: 'reservation HMADA1' });
        assert.equal(await code.locator('.staykey-sb-pin').innerText(), PIN_MASK);
        assert.equal(await code.locator('.staykey-sb-state').innerText(), 'confirmed');
      }
      assert.match(await editor.page.locator('.staykey-sb-arrivals').innerText(), /reservation HMGRACE, check-in .*: code due/);
      assert.deepEqual(boardLoads, ['GET'], 'the board is loaded once, when the tab opens');
    });

    it('has no PIN anywhere: not on the page, not in what the editor received or the board route answers', async () => {
      const pins = pinsOnLocks(red.userDir);
      assert.equal(pins.length, 2, 'Ada\'s code is on both simulated locks');
      const board = await (await fetch(`${red.url}/staykey/sidebar`)).text();
      assert.ok(board.includes(PIN_MASK), 'the board answers with the codes');
      const text = await editor.visibleText();
      const frames = received.join('\n');
      for (const pin of pins) {
        assert.ok(!text.includes(pin), 'a PIN is shown on the page');
        assert.ok(!frames.includes(pin), 'a PIN reached the editor over its websocket');
        assert.ok(!board.includes(pin), 'a PIN is in the board route\'s answer');
      }
      assert.doesNotMatch(board, /sealedPin|pinHash|"pin":"(?!••••••)/);
    });

    it('asks before verifying, and shows the lock verified anew from what comms tells it, without loading the board again', async () => {
      const lock = editor.page.locator('.staykey-sb-lock[data-lock="front-door"]');
      const before = await lock.getAttribute('data-verified-at');
      assert.ok(before, 'the demo read the lock when it was first linked');
      const posts: string[] = [];
      editor.page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().includes('/staykey/sidebar/')) posts.push(new URL(request.url()).pathname);
      });

      await lock.locator('.staykey-sb-verify').click();
      await editor.page.locator('.staykey-sb-question').filter({ hasText: 'Verify Room 101 door now?' }).waitFor();
      await editor.page.getByRole('button', { name: 'Cancel', exact: true }).click();
      await editor.page.locator('.staykey-sb-question').waitFor({ state: 'detached' });
      assert.deepEqual(posts, [], 'cancelled: nothing is sent');

      const framesBefore = received.length;
      await lock.locator('.staykey-sb-verify').click();
      await editor.page.locator('.staykey-sb-yes').click();
      await editor.page.waitForFunction(
        ([selector, first]) => {
          const element = document.querySelector(selector);
          return element !== null && element.getAttribute('data-verified-at') !== first && element.getAttribute('data-verified-at') !== '';
        },
        ['.staykey-sb-lock[data-lock="front-door"]', before] as const,
      );
      const after = (await editor.page.locator('.staykey-sb-lock[data-lock="front-door"]').getAttribute('data-verified-at'))!;
      assert.ok(Date.parse(after) > Date.parse(before), `verified again after ${before}: ${after}`);
      assert.match(await editor.page.locator('.staykey-sb-lock[data-lock="front-door"] .staykey-sb-verified').innerText(), /^verified /);
      assert.deepEqual(posts, [`/staykey/sidebar/issuer/${demo.find((node) => node.type === 'staykey-pin-issuer')!.id}/verify`]);
      assert.ok(received.slice(framesBefore).some((frame) => frame.includes('staykey/sidebar/issuer/')), 'the change came over comms');
      assert.deepEqual(boardLoads, ['GET'], 'and the page did not ask for the board again');
    });

    it('takes the picture of the sidebar for the README (light theme)', async () => {
      await editor.page.locator('.red-ui-notification').first().waitFor({ state: 'detached' });
      await widenSidebar(editor, 200);
      const built = path.join(PACKAGE_ROOT, 'dist', 'test', 'e2e', 'sidebar.png');
      await editor.page.screenshot({ path: built, clip: await sidebarClip(editor) });
      assert.ok(fs.statSync(built).size > 10_000, 'a real picture');
      if (process.env.STAYKEY_UPDATE_SCREENSHOTS === '1') {
        fs.mkdirSync(path.join(PACKAGE_ROOT, 'docs', 'images'), { recursive: true });
        fs.copyFileSync(built, path.join(PACKAGE_ROOT, 'docs', 'images', 'sidebar.png'));
      }
    });

    it('follows the editor\'s dark theme where Node-RED has one (Node-RED 5)', async function () {
      const colours = () =>
        editor.page.evaluate(() => {
          const style = getComputedStyle(document.querySelector('.staykey-sb-issuer')!);
          const title = getComputedStyle(document.querySelector('.staykey-sb-issuer > h3')!);
          return { background: style.backgroundColor, text: title.color };
        });
      const light = await colours();
      await editor.page.evaluate(() => document.documentElement.classList.add('nr-theme-dark'));
      const dark = await colours();
      if (dark.background === light.background) {
        await editor.page.evaluate(() => document.documentElement.classList.remove('nr-theme-dark'));
        this.skip(); // Node-RED 4.1 ships no dark scheme: the sidebar takes whatever theme's variables there are
      }
      assert.notEqual(dark.text, light.text, 'the text follows the theme too, so it stays readable');
      assert.notEqual(dark.text, dark.background);
      const built = path.join(PACKAGE_ROOT, 'dist', 'test', 'e2e', 'sidebar-dark.png');
      await editor.page.screenshot({ path: built, clip: await sidebarClip(editor) });
      assert.ok(fs.statSync(built).size > 10_000, 'a real picture');
      await editor.page.evaluate(() => document.documentElement.classList.remove('nr-theme-dark'));
    });
  });

  describe('behind adminAuth', () => {
    const USERS = {
      admin: { password: 'admin-pass-3Jw8', permissions: '*' },
      viewer: { password: 'viewer-pass-6Hq2', permissions: 'read' },
    };
    let red: RedServer;
    let userDir: string;
    const pages: Page[] = [];

    before(async () => {
      userDir = tempDir('sidebar-auth');
      // The demo flow on a set clock, as the demo with STAYKEY_NOW: Ada is staying, her code is out.
      fs.copyFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), path.join(userDir, 'flows.json'));
      writeDemoFeed(path.join(userDir, 'demo-feed.ics'), new Date(Date.UTC(2026, 6, 14)));
      const users = Object.entries(USERS).map(([username, user]) => ({ username, password: bcrypt.hashSync(user.password, 8), permissions: user.permissions }));
      red = await startNodeRed(userDir, { adminAuth: { type: 'credentials', users } }, new Date('2026-07-14T10:00:00Z'));
    });

    after(async () => {
      for (const page of pages) await page.close();
      await red?.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    async function token(username: keyof typeof USERS): Promise<{ access_token: string }> {
      const response = await fetch(`${red.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: USERS[username].permissions, username, password: USERS[username].password }),
      });
      assert.equal(response.status, 200, `${username} logs in`);
      return (await response.json()) as { access_token: string };
    }

    /** The editor as this user, logged in (the editor keeps its token where the login dialog puts it). */
    async function editorAs(username: keyof typeof USERS): Promise<Editor> {
      const tokens = await token(username);
      const editor = await newEditor(browser);
      pages.push(editor.page);
      await editor.page.addInitScript((saved) => localStorage.setItem('auth-tokens', saved), JSON.stringify(tokens));
      await editor.open(red.url);
      await openSidebar(editor);
      return editor;
    }

    it('shows a read-only user the locks and no action button, and the admin the buttons', async () => {
      const viewer = await editorAs('viewer');
      assert.equal(await viewer.page.locator('.staykey-sb-lock').count(), 2);
      await untilCodesShown(viewer);
      assert.equal(await viewer.page.locator('.staykey-sb-pin').first().innerText(), PIN_MASK);
      assert.equal(await viewer.page.locator(ACTION_BUTTONS).count(), 0, 'a read-only user is offered no action');
      const admin = await editorAs('admin');
      assert.equal(await admin.page.locator('.staykey-sb-verify').count(), 2, 'the admin may verify each lock');
    });

    it('answers the read-only user without a PIN, and refuses it an action', async () => {
      const pins = await untilPinsOnLocks(userDir);
      const viewer = (await token('viewer')).access_token;
      const board = await fetch(`${red.url}/staykey/sidebar`, { headers: { authorization: `Bearer ${viewer}` } });
      assert.equal(board.status, 200);
      const text = await board.text();
      assert.ok(text.includes(PIN_MASK), 'the answer has the codes, masked');
      for (const pin of pins) assert.ok(!text.includes(pin), 'a PIN is in the board route\'s answer');
      const issuer = demo.find((node) => node.type === 'staykey-pin-issuer')!.id;
      const verify = await fetch(`${red.url}/staykey/sidebar/issuer/${issuer}/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ lockId: 'front-door' }),
      });
      assert.ok(verify.status === 401 || verify.status === 403, `a read-only user verified a lock (${verify.status})`);
    });
  });
});
