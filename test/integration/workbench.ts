import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';

/** Toasts and hovers animate in; screenshots taken at once catch them half-drawn. */
export const SETTLE_MS = 600;

/**
 * Runs a command by its palette title; resolves once the palette has accepted it. A palette
 * opened while an editor's webview is still loading can be closed again when the webview takes
 * focus (seen as an inert, then hidden, input): it is closed and asked for again.
 */
export async function runCommand(page: Page, title: string, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 10_000 });
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }
}

/**
 * Waits until the extension's commands are registered: the workbench renders before the remote
 * extension host has read contributions, and a file opened before then opens as text.
 */
export async function waitForCommand(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const found = await page
      .locator('.quick-input-list .monaco-list-row', { hasText: title })
      .first()
      .waitFor({ state: 'visible', timeout: 3000 })
      .then(() => true, () => false);
    await page.keyboard.press('Escape');
    if (found) return;
    if (Date.now() > deadline) throw new Error(`the command "${title}" never appeared in the palette`);
    await page.waitForTimeout(1000);
  }
}

/**
 * Opens a workspace file through Quick Open, as a user would; `name` should be unique in the
 * workspace. A file created moments ago may not be in Quick Open's list yet: it asks again.
 */
export async function quickOpen(page: Page, name: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    const found = await page
      .locator('.quick-input-list .monaco-list-row', { hasText: name })
      .first()
      .waitFor({ state: 'visible', timeout: 5000 })
      .then(() => true, () => false);
    if (found) return void (await page.keyboard.press('Enter'));
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`Quick Open never listed ${name}`);
  }
}

/** The active custom editor's content, two iframes deep. */
export function webview(page: Page): FrameLocator {
  // Hidden editors' webviews are not retained, but one may linger while the tab switches.
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}

/**
 * Answers a quick-input prompt (a quick pick or the simple file dialog) with `text`. The simple
 * file dialog reads a typed path asynchronously (it lists the folder, completes the name), and
 * right after opening it may still put its own starting folder over what was typed: the text is
 * typed again until it has stayed for a second (a few tries at most), then accepted.
 */
export async function answerQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  for (let attempt = 0; attempt < 5; attempt++) {
    if ((await input.inputValue()) !== text) await input.fill(text);
    await page.waitForTimeout(1000);
    if ((await input.inputValue()) === text) break;
  }
  await page.keyboard.press('Enter');
}

/** The text of the visible notification toasts. */
export async function toastText(page: Page): Promise<string> {
  return (await page.locator('.notifications-toasts').allInnerTexts()).join('\n');
}

/**
 * Polls `check` every 250 ms until it holds; on a timeout fails with `message`, after a
 * screenshot outside the test's temp folder (which is removed at the end), so the picture of
 * what went wrong stays.
 */
export async function assertEventually(page: Page, check: () => Promise<boolean>, message: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(tmpdir(), `lora-lens-e2e-failure-${Date.now()}.png`) }).catch(() => undefined);
      assert.fail(message);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
