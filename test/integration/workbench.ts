import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { QUICK_INPUT_BOX, untilQuickInput } from './quickInput';

/**
 * Waits until the extension's commands are registered: the workbench renders before the remote
 * extension host has read contributions, and a file opened before then opens as text. The palette
 * lists commands when it opens, so it is closed and opened again until the command is in it.
 */
export async function waitForCommand(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator(QUICK_INPUT_BOX);
  for (;;) {
    await page.keyboard.press('F1');
    await untilQuickInput(page, (s) => s.visible, 'the palette did not open', 15_000).catch(() => undefined);
    await input.fill(`>${title}`, { timeout: 5000 }).catch(() => undefined);
    const found = await untilQuickInput(page, (s) => s.value === `>${title}` && s.rows.some((r) => r.startsWith(title)), '', 5000).then(
      () => true,
      () => false,
    );
    await page.keyboard.press('Escape');
    await untilQuickInput(page, (s) => !s.visible, 'the palette did not close', 15_000);
    if (found) return;
    if (Date.now() > deadline) assert.fail(`the command "${title}" never appeared in the palette`);
  }
}

/**
 * Opens a workspace file through Quick Open, as a user would; `name` should be unique in the
 * workspace. A file created moments ago may not be in Quick Open's list yet: it asks again.
 * Resolves once the file's tab is the active one; `onOpen` runs just before the Enter that opens it.
 */
export async function quickOpen(page: Page, name: string, timeoutMs = 45_000, onOpen: () => void = () => {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator(QUICK_INPUT_BOX);
  const tab = page.locator('.tabs-container .tab.active', { hasText: name });
  for (;;) {
    await page.keyboard.press('Control+P');
    const opened = await untilQuickInput(page, (s) => s.visible && !s.value.startsWith('>'), '', 10_000).then(
      () => true,
      () => false,
    );
    if (opened) {
      await input.fill(name, { timeout: 5000 }).catch(() => undefined);
      const listed = await untilQuickInput(page, (s) => s.value === name && s.activeRow.startsWith(name), '', 5000).then(
        () => true,
        () => false,
      );
      if (listed) {
        onOpen();
        await input.press('Enter', { timeout: 5000 }).catch(() => undefined);
        if (
          await tab.waitFor({ state: 'visible', timeout: 15_000 }).then(
            () => true,
            () => false,
          )
        )
          return;
      }
    }
    await page.keyboard.press('Escape');
    await untilQuickInput(page, (s) => !s.visible, 'Quick Open did not close', 15_000);
    if (Date.now() > deadline) assert.fail(`Quick Open never opened ${name}`);
  }
}

/** The active custom editor's content, two iframes deep. */
export function webview(page: Page): FrameLocator {
  // Hidden editors' webviews are not retained, but one may linger while the tab switches.
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
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

/**
 * Waits until the window has stopped animating before a screenshot: every toast has faded in and
 * no finite animation or transition (a hover fading in, a toast sliding) is still running.
 * Endless ones (the cursor's blink, a progress spinner) never end and are not waited for.
 */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll('.notifications-toasts .notification-toast')).every((t) => t.classList.contains('notification-fade-in-done')) &&
      document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
    undefined,
    { polling: 'raf', timeout: 15_000 },
  );
}
