import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { join } from 'node:path';
import { isolatedEnv, startCodeServer, type CodeServer } from './codeServer';
import { waitForCommand } from './workbench';

/** code-server with the extension installed, and the Debian Chromium page that shows it. */
export interface Workbench {
  readonly server: CodeServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes the browser, then code-server and everything it started. */
  close(): Promise<void>;
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Starts code-server on `workspace` with `vsix` installed (user data, extensions and HOME under
 * `root`), opens it in headless Chromium and waits until `readyCommand` is in the palette: the
 * extension has activated and registered its commands.
 */
export async function openWorkbench(root: string, vsix: string, workspace: string, port: number, readyCommand: string, settings: Record<string, unknown> = {}): Promise<Workbench> {
  const server = await startCodeServer(root, vsix, workspace, port, settings);
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(join(root, 'chromium'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 900 },
      env: isolatedEnv(root) as Record<string, string>,
      args: CHROMIUM_ARGS,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await waitForCommand(page, readyCommand);
    const opened = context;
    return {
      server,
      context: opened,
      page,
      close: async () => {
        await opened.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (error) {
    await context?.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}
