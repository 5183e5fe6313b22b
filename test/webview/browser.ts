import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { installFakeVsCode, type LensProbe } from './fakeVsCode';
import { ROOT, startServer, type TestServer } from './server';
import { DARK, type Theme } from './themes';
import { encodeMessage, postEncoded } from './wire';

const CHROMIUM = process.env.LORA_LENS_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots land (kept out of git by the folder's own .gitignore). */
export const SCREENSHOTS = join(ROOT, 'test', 'webview', 'screenshots');

/**
 * A headless Chromium with a throwaway profile and home (it writes under HOME and the XDG
 * dirs otherwise), the test server, and helpers to drive one webview page like the host does.
 */
export class Lens {
  private constructor(
    readonly context: BrowserContext,
    private readonly server: TestServer,
    private readonly home: string,
  ) {}

  static async launch(): Promise<Lens> {
    const home = await mkdtemp(join(tmpdir(), 'lora-lens-webview-'));
    const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data'), XDG_CACHE_HOME: join(home, 'cache') };
    const context = await chromium.launchPersistentContext(join(home, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      env,
      viewport: { width: 1280, height: 800 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await mkdir(SCREENSHOTS, { recursive: true });
    return new Lens(context, await startServer(), home);
  }

  /** Opens the webview page (or another, as `subspace.html`) with the fake VS Code API, optionally with saved view state. */
  async open(saved?: unknown, path = ''): Promise<LensPage> {
    const page = await this.context.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    // The saved state goes in as JSON text: Playwright's argument type for `unknown` recurses without end.
    await page.addInitScript(installFakeVsCode, JSON.stringify(saved ?? null));
    await page.goto(`${this.server.url}${path}`);
    const lens = new LensPage(page, dialogs, errors);
    await lens.applyTheme(DARK);
    await page.waitForFunction(() => window.__lens.posted.some((m) => (m as { method?: string }).method === 'ready'));
    return lens;
  }

  async close(): Promise<void> {
    await this.context.close();
    await this.server.close();
    await rm(this.home, { recursive: true, force: true });
  }
}

export class LensPage {
  constructor(
    readonly page: Page,
    readonly dialogs: string[],
    readonly errors: string[],
  ) {}

  /** Sends host messages the way the host posts them: through the window, typed arrays intact. */
  async send(...messages: unknown[]): Promise<void> {
    await this.page.evaluate(postEncoded, JSON.stringify(messages.map(encodeMessage)));
  }

  /** What the webview posted, in order. */
  posted(): Promise<{ kind: string; id?: number; method?: string; params?: unknown }[]> {
    return this.page.evaluate(() => window.__lens.posted as { kind: string; id?: number; method?: string; params?: unknown }[]);
  }

  probe(): Promise<LensProbe> {
    return this.page.evaluate(() => window.__lens);
  }

  /** Sets the theme as VS Code does: variables on <html>, a class on <body>. */
  async applyTheme(theme: Theme): Promise<void> {
    await this.page.evaluate((t) => {
      const root = document.documentElement;
      // A variable the theme leaves unset is absent, as in VS Code (not left from the last theme).
      for (const name of Array.from(root.style)) if (name.startsWith('--vscode-')) root.style.removeProperty(name);
      for (const [name, value] of Object.entries(t.variables)) root.style.setProperty(name, value);
      document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
      document.body.classList.add(t.bodyClass);
      // VS Code adds the older class too, for webviews that predate High Contrast Light.
      if (t.bodyClass === 'vscode-high-contrast-light') document.body.classList.add('vscode-high-contrast');
    }, theme);
  }

  async showTab(label: string): Promise<void> {
    await this.page.locator('vscode-tab-header', { hasText: label }).first().click();
  }

  async screenshot(name: string): Promise<string> {
    const path = join(SCREENSHOTS, `${name}.png`);
    await this.page.waitForTimeout(150);
    await this.page.screenshot({ path });
    return path;
  }
}
