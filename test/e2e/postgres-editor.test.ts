/**
 * The staykey-postgres config node's edit dialog in a real editor (Debian's Chromium): Generate makes a PIN
 * key of 64 hex characters from the browser's random source and shows it, so it can be copied to the other
 * instances; it asks before replacing a key; the CA field shows only for TLS with a checked certificate.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, TestBrowser } from '../support/browser';
import { Editor } from './editor';
import { RedServer, startNodeRed } from './red-server';

describe('the staykey-postgres config in the editor (Chromium)', function () {
  this.timeout(60_000);
  let browser: TestBrowser;
  let red: RedServer;
  let page: Page;
  let userDir: string;

  before(async () => {
    browser = await launchChromium();
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-e2e-postgres-'));
    red = await startNodeRed(userDir);
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    await new Editor(page).open(red.url);
  });

  after(async () => {
    await page?.close();
    await red?.stop();
    await browser?.close();
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('generates a PIN key to copy, asks before replacing it, and shows the CA only for a checked certificate', async () => {
    await page.evaluate(() => (window as unknown as { RED: { editor: { editConfig(name: string, type: string, id: string): void } } }).RED.editor.editConfig('', 'staykey-postgres', '_ADD_'));
    const key = page.locator('#node-config-input-pinKey');
    const ca = page.locator('.staykey-postgres-ca');
    await key.waitFor();
    assert.equal(await key.getAttribute('type'), 'password');
    assert.equal(await ca.isVisible(), false, 'no CA for TLS without a certificate check');
    await page.locator('#node-config-input-tls').selectOption('verify');
    assert.equal(await ca.isVisible(), true, 'the CA for a checked certificate');

    await page.locator('#staykey-postgres-generate').click();
    const generated = await key.inputValue();
    assert.match(generated, /^[0-9a-f]{64}$/);
    assert.equal(await key.getAttribute('type'), 'text', 'shown, to be copied to the other instances');
    assert.equal(await page.locator('#staykey-postgres-copy-key').isVisible(), true);

    // A key is there: replacing it would strand every PIN sealed with it, so the host is asked, and may say no.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.locator('#staykey-postgres-generate').click();
    assert.equal(await key.inputValue(), generated, 'kept when the host says no');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#staykey-postgres-generate').click();
    const replaced = await key.inputValue();
    assert.match(replaced, /^[0-9a-f]{64}$/);
    assert.notEqual(replaced, generated);
  });
});
