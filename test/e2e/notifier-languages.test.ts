/**
 * The notifier's languages as a host sets them in the editor, on the demo `npm start` runs: the guest
 * language, and templates of their own per language, kept while the host switches between languages,
 * saved as JSON, shown again when the dialog opens, and used by the deployed flow.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchChromium, TestBrowser } from '../support/browser';
import { Editor } from './editor';
import { PACKAGE_ROOT, RedServer, startDemo } from './red-server';

type FlowNode = { id: string; type: string; name?: string; z?: string; [key: string]: unknown };

const demo = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'flows', 'demo.json'), 'utf8')) as FlowNode[];
const TAB = demo.find((node) => node.type === 'tab')!.id;
const NOTIFIER = demo.find((node) => node.type === 'staykey-notifier')!.id;
const REISSUE = demo.find((node) => node.name === 'give Ada a new code')!.id;

describe('the notifier\'s languages in the editor (Chromium, the demo)', function () {
  this.timeout(90_000);
  let browser: TestBrowser;
  let red: RedServer;
  let editor: Editor;
  let userDir: string;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-e2e-languages-'));
    browser = await launchChromium();
    red = await startDemo(userDir);
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    page.setDefaultTimeout(15_000);
    editor = new Editor(page);
    await editor.open(red.url);
    await editor.showTab(TAB);
  });

  after(async () => {
    await editor?.page.close();
    await browser?.close();
    await red?.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const page = () => editor.page;

  async function openNotifier(): Promise<void> {
    await editor.node(NOTIFIER).dblclick();
    await page().locator('#staykey-notifier-lang').waitFor();
  }

  async function savedNotifier(): Promise<FlowNode> {
    const flows = (await (await fetch(`${red.url}/flows`)).json()) as FlowNode[];
    return flows.find((node) => node.id === NOTIFIER)!;
  }

  it('keeps what the host writes in each language while switching, and saves it as JSON', async () => {
    await openNotifier();
    assert.equal(await page().locator('#node-input-guestLanguage').inputValue(), 'en', 'English for a flow saved before languages');
    await page().locator('#staykey-notifier-lang').selectOption('fr');
    assert.match((await page().locator('#staykey-notifier-lang-body').getAttribute('placeholder')) ?? '', /Voici votre code d'accès/, "the French built-in shows as the field's hint");
    await page().locator('#staykey-notifier-lang-subject').fill('Votre code, {{guestName}}');
    await page().locator('#staykey-notifier-lang').selectOption('de');
    assert.equal(await page().locator('#staykey-notifier-lang-subject').inputValue(), '', 'German has nothing of its own yet');
    await page().locator('#staykey-notifier-lang-default').click();
    assert.match(await page().locator('#staykey-notifier-lang-body').inputValue(), /hier ist Ihr Türcode/, '"use built-in" copies the German message in');
    await page().locator('#staykey-notifier-lang-instructions').fill('Code eingeben, dann den Knopf drücken.');
    await page().locator('#staykey-notifier-lang').selectOption('fr');
    assert.equal(await page().locator('#staykey-notifier-lang-subject').inputValue(), 'Votre code, {{guestName}}');
    await page().locator('#node-input-guestLanguage').selectOption('pt');
    await page().locator('#node-dialog-ok').click();
    await page().locator('#node-dialog-ok').waitFor({ state: 'detached' });
    await editor.deploy();

    const saved = await savedNotifier();
    assert.equal(saved.guestLanguage, 'pt');
    const texts = JSON.parse(String(saved.guestTemplates)) as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(texts).sort(), ['de', 'fr']);
    assert.deepEqual(texts.fr, { subject: 'Votre code, {{guestName}}' });
    assert.match(texts.de.body, /hier ist Ihr Türcode/);
    assert.equal(texts.de.instructions, 'Code eingeben, dann den Knopf drücken.');
  });

  it('shows the saved texts when the dialog opens again', async () => {
    await openNotifier();
    assert.equal(await page().locator('#staykey-notifier-lang-written').innerText(), 'Written: fr, de');
    await page().locator('#staykey-notifier-lang').selectOption('de');
    assert.equal(await page().locator('#staykey-notifier-lang-instructions').inputValue(), 'Code eingeben, dann den Knopf drücken.');
    await page().locator('#node-dialog-cancel').click();
    await page().locator('#node-dialog-cancel').waitFor({ state: 'detached' });
  });

  it('writes to Ada, whose Airbnb booking names no language, in the Guest language chosen', async () => {
    const sidebar = await editor.openDebugSidebar();
    const told = sidebar.locator('.red-ui-debug-msg', { hasText: 'outbox (codes masked)' });
    const before = await told.count();
    await editor.press(REISSUE);
    await told.nth(before).waitFor();
    assert.match(await told.nth(before).innerText(), /Os dados da sua estadia foram alterados\. O seu código de acesso:/);
  });
});
