/**
 * What a host does in the Node-RED editor, as Chromium clicks: import an example from the menu, open a
 * flow's tab, deploy, press an inject button, read the status under a node, open the debug sidebar.
 * Every step waits for what the editor shows next (a selector), never for a fixed time.
 */
import type { Locator, Page } from 'playwright-core';

/** The StayKey package as the Import > Examples list names it. */
export const PACKAGE_NAME = '@staykey/node-red-staykey';

export class Editor {
  constructor(readonly page: Page) {}

  /** Opens the editor and waits until it has loaded our nodes into the palette. */
  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.locator('.red-ui-palette-node[data-palette-type="staykey-pin-issuer"]').waitFor({ state: 'attached' });
    await this.page.locator('#red-ui-header-button-deploy').waitFor();
    // Without a telemetry setting Node-RED asks the host once; a host would say no.
    const asked = await this.page.evaluate(() => (window as unknown as { RED: { settings: { telemetryEnabled?: boolean } } }).RED.settings.telemetryEnabled === undefined);
    if (asked) await this.page.getByRole('button', { name: /do not enable/i }).click();
  }

  /** Menu > Import > Examples > our package > the example > Import. */
  async importExample(name: string): Promise<void> {
    const item = (await this.openOurExamples()).filter({ hasText: new RegExp(`^${escapeRegExp(name)}$`) });
    await item.click();
    await this.page.locator('#red-ui-clipboard-dialog-ok').click();
    await this.page.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden' });
  }

  /** The examples the Import dialog lists under our package. */
  async listExamples(): Promise<string[]> {
    const items = await this.openOurExamples();
    await items.first().waitFor();
    const names = await items.allInnerTexts();
    await this.page.locator('#red-ui-clipboard-dialog-cancel').click();
    await this.page.locator('#red-ui-clipboard-dialog-cancel').waitFor({ state: 'hidden' });
    return names.map((text) => text.trim());
  }

  /** Opens Menu > Import > Examples with our package's folder open; returns the labels of its flows. */
  private async openOurExamples(): Promise<Locator> {
    await this.page.locator('#red-ui-header-button-sidemenu').click();
    await this.page.locator('#menu-item-import').click();
    await this.page.locator('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a').click();
    const examples = this.page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    const label = this.page.locator('.red-ui-treeList-label').filter({ hasText: new RegExp(`^${escapeRegExp(PACKAGE_NAME)}$`) });
    // The folder's list item holds its label and, once opened, the list of its flows.
    const folder = examples.locator('li').filter({ has: label }).last();
    const flows = folder.locator('ol .red-ui-treeList-label-text');
    await examples.locator(label).waitFor();
    if (!(await flows.first().isVisible())) await examples.locator(label).click();
    await flows.first().waitFor();
    return flows;
  }

  async showTab(tabId: string): Promise<void> {
    await this.page.locator(`#red-ui-tab-${tabId} a`).click();
    await this.page.locator(`#red-ui-tab-${tabId}.active`).waitFor();
  }

  /** The canvas group of a node on the open tab. */
  node(id: string): Locator {
    return this.page.locator(`svg g.red-ui-flow-node-group[id="${id}"]`);
  }

  /** Labels of the nodes on the open tab that carry the editor's "not properly configured" triangle. */
  async invalidNodes(): Promise<string[]> {
    return this.page.$$eval('svg g.red-ui-flow-node-group', (groups) =>
      groups
        .filter((group) => {
          const triangle = group.querySelector('.red-ui-flow-node-error');
          return triangle !== null && !triangle.classList.contains('hide');
        })
        .map((group) => `${group.querySelector('.red-ui-flow-node-label')?.textContent ?? '?'} (${group.id})`),
    );
  }

  /**
   * Deploy, and return once the runtime has answered it; fails with the editor's own words when it asks
   * for a confirmation instead. The button turns `disabled` the moment it is pressed (its spinner shows
   * while the deploy is under way), so the disabled button alone does not say the flows are saved.
   */
  async deploy(): Promise<void> {
    const answered = this.page
      .waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname.endsWith('/flows'), { timeout: 30_000 })
      .then((response) => (response.ok() ? 'deployed' : `refused (${response.status()})`), () => 'no answer within 30 s');
    await this.page.locator('#red-ui-header-button-deploy:not(.disabled)').click();
    const question = this.page.locator('.red-ui-notification').filter({ hasText: /Are you sure you want to deploy|not properly configured|unknown node types/ });
    const asked = question.first().waitFor({ timeout: 30_000 }).then(() => 'asked', () => 'no answer within 30 s');
    const outcome = await Promise.race([answered, asked]);
    if (outcome === 'asked') throw new Error(`the editor asks before deploying: ${(await question.first().innerText()).replace(/\s+/g, ' ')}`);
    if (outcome !== 'deployed') throw new Error(`the deploy was ${outcome}`);
    await this.page.locator('.red-ui-deploy-button-spinner').waitFor({ state: 'hidden' });
  }

  /** Presses an inject node's button, as a host does. */
  async press(injectId: string): Promise<void> {
    await this.node(injectId).locator('.red-ui-flow-node-button-button').click();
  }

  /** Waits until the status under a node reads `text`; fails with what it read instead. */
  async waitForStatus(nodeId: string, text: RegExp, timeoutMs = 15_000): Promise<void> {
    const label = this.node(nodeId).locator('.red-ui-flow-node-status-label');
    try {
      await label.filter({ hasText: text }).waitFor({ timeout: timeoutMs });
    } catch {
      const shown = await label.textContent({ timeout: 1000 }).catch(() => null);
      throw new Error(`status of node ${nodeId} should match ${text}, but reads ${JSON.stringify(shown)}`);
    }
  }

  /** Types into the palette's filter box, leaving only the nodes that match. */
  async filterPalette(text: string): Promise<void> {
    await this.page.locator('#red-ui-palette-search input').pressSequentially(text);
    await this.page.locator('.red-ui-palette-node[data-palette-type="staykey-pin-issuer"]').waitFor();
    await this.page.locator('.red-ui-palette-node[data-palette-type="inject"]').waitFor({ state: 'hidden' });
  }

  /** Ctrl+G D, the editor's own shortcut: Node-RED 5 lays out the sidebar's tab buttons differently from 4. */
  async openDebugSidebar(): Promise<Locator> {
    await this.page.keyboard.press('Control+g');
    await this.page.keyboard.press('d');
    const sidebar = this.page.locator('.red-ui-debug-content-list');
    await sidebar.waitFor();
    return sidebar;
  }

  /** All text the page shows, the canvas (SVG) included. */
  async visibleText(): Promise<string> {
    return this.page.evaluate(() => {
      const svgText = Array.from(document.querySelectorAll('svg text')).map((text) => text.textContent ?? '').join('\n');
      return `${document.body.innerText}\n${svgText}`;
    });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
