/**
 * The guest check-in page in a real browser (Debian's Chromium through playwright-core) on loopback,
 * against a real runtime where a pin-issuer puts the code on a simulated lock.
 */
import { strict as assert } from 'node:assert';
import type { Page } from 'playwright-core';
import { eventually, helper } from './support/red';
import { launchChromium, TestBrowser } from './support/browser';
import { ADA, PageRun, startPage } from './support/guest-page';

async function prove(page: Page, reference: string, proof: string): Promise<void> {
  await page.fill('#reference', reference);
  await page.fill('#proof', proof);
  await submit(page, 'form:not(.sign-out) button[type=submit]');
}

/** Clicks a form's button and waits for the answer page: a form post is a navigation. */
async function submit(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForEvent('framenavigated'), page.click(button)]);
  await page.waitForLoadState('load');
}

const notice = (page: Page) => page.locator('.notice').textContent();

describe('guest-page in Chromium', function () {
  this.timeout(60_000);
  let browser: TestBrowser;
  let run: PageRun | undefined;
  let problems: string[];

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    await helper.startServer();
    await browser.context.clearCookies();
    problems = [];
  });
  afterEach(async () => {
    for (const page of browser.context.pages()) await page.close();
    await run?.stop();
    run = undefined;
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
  });

  async function openPage(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    // A style blocked by the page's own Content-Security-Policy, or any other error, shows up here.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(url);
    return page;
  }

  it('refuses a wrong name, shows the stay and the code for the right one, and asks again after a host reset', async () => {
    const flow = (run = await startPage({ at: '2026-07-09T00:00:00Z' }));
    flow.book(ADA);
    const pin = await flow.issuedPin(ADA.id);
    const page = await openPage(flow.url);
    assert.ok(!(await page.content()).includes(pin), 'no PIN before verification');

    await prove(page, 'HMABC123', 'Byron');
    assert.match((await notice(page)) ?? '', /could not find a current booking/);
    assert.ok(!(await page.content()).includes(pin));
    assert.equal(await page.locator('.unit').count(), 0);

    await prove(page, 'HMABC123', 'Lovelace');
    assert.equal(await page.locator('.unit').textContent(), 'Room 101');
    assert.equal(await page.locator('.pin').textContent(), pin, 'the code the lock holds');
    const fontSize = await page.locator('.pin').evaluate((element) => getComputedStyle(element).fontSize);
    assert.equal(fontSize, '32px', "the page's style is allowed by its own Content-Security-Policy");

    const [cookie] = await browser.context.cookies(flow.url);
    assert.equal(cookie.name, 'staykey_guest');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'no script can read the session');

    flow.toIssuer({ kind: 'reissue', bookingId: ADA.id });
    let newPin = '';
    await eventually('the new code is on the lock', async () => {
      newPin = await flow.issuedPin(ADA.id);
      return newPin !== pin;
    });
    await page.reload();
    assert.match((await notice(page)) ?? '', /reset your door code/);
    assert.equal(await page.locator('.pin').count(), 0);
    assert.ok(!(await page.content()).includes(newPin), 'no new code before the guest proves the booking again');

    await prove(page, 'HMABC123', '4321');
    assert.equal(await page.locator('.pin').textContent(), newPin);
    assert.deepEqual(problems, []);
  });

  it('shows the lock-out message after too many wrong tries, and refuses the right name during it', async () => {
    const flow = (run = await startPage({ at: '2026-07-09T00:00:00Z', page: { clientTries: 3 } }));
    flow.book(ADA);
    const pin = await flow.issuedPin(ADA.id);
    const page = await openPage(flow.url);
    await prove(page, 'HMABC123', 'Byron');
    await prove(page, 'HMABC123', 'Shelley');
    assert.match((await notice(page)) ?? '', /could not find/);
    await prove(page, 'HMABC123', 'Keats');
    assert.match((await notice(page)) ?? '', /Too many tries\. .* locked for you for 15 minutes/);
    await prove(page, 'HMABC123', 'Lovelace');
    assert.match((await notice(page)) ?? '', /Too many tries/);
    assert.ok(!(await page.content()).includes(pin));
    assert.equal(await page.locator('.unit').count(), 0);
    // The browser logs a 429 answer as a failed resource; nothing else may appear.
    assert.deepEqual(problems.filter((text) => !/status of 429/.test(text)), []);
  });

  it('keeps the code to the browser session that saw it: another browser verifies itself and the host is told', async () => {
    const flow = (run = await startPage({ at: '2026-07-09T00:00:00Z' }));
    flow.book(ADA);
    const pin = await flow.issuedPin(ADA.id);
    const page = await openPage(flow.url);
    await prove(page, 'HMABC123', 'Lovelace');
    assert.equal(await page.locator('.pin').textContent(), pin);
    const [cookie] = await browser.context.cookies(flow.url);
    assert.equal(cookie.expires, -1, 'a session cookie: gone when the browser closes');

    const other = await launchChromium();
    try {
      const elsewhere = await other.context.newPage();
      await elsewhere.goto(flow.url);
      assert.equal(await elsewhere.locator('.pin').count(), 0, 'another browser sees no code before it verifies');
      await prove(elsewhere, 'HMABC123', '4321');
      assert.equal(await elsewhere.locator('.pin').textContent(), pin);
    } finally {
      await other.close();
    }
    await page.reload();
    assert.equal(await page.locator('.pin').textContent(), pin, 'the first browser still sees it');
    await eventually('the host hears of the second device', () => flow.alerts.length > 0);
    assert.deepEqual(
      flow.alerts.map((alert) => /second device/.test(alert.text)),
      [true],
    );
    assert.deepEqual(problems, []);
  });

  it('signs the guest out from the page', async () => {
    const flow = (run = await startPage({ at: '2026-07-09T00:00:00Z' }));
    flow.book(ADA);
    const pin = await flow.issuedPin(ADA.id);
    const page = await openPage(flow.url);
    await prove(page, 'HMABC123', 'Lovelace');
    assert.equal(await page.locator('.pin').textContent(), pin);
    await submit(page, '.sign-out button');
    assert.equal(await page.locator('#reference').count(), 1, 'the form again');
    await page.reload();
    assert.ok(!(await page.content()).includes(pin));
    assert.equal(flow.lastStatus().text, '0 guests verified');
  });
});
