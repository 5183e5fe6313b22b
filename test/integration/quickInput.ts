import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

/**
 * The workbench's quick input (palette, quick picks, input boxes and, in code-server, the open and
 * save dialogs) as the tests see it. VS Code reuses one widget for every prompt and may replace
 * what it shows at any moment (the next step of a command, a dialog that fills in its starting
 * folder, a prompt that closes when focus leaves), so every helper here reads the whole state in
 * one go and acts on what it read, never on how long it waited. Deadlines only fail a test.
 */

/** What the quick input shows now, read in one evaluation so the parts belong together. */
export interface QuickInputState {
  readonly visible: boolean;
  readonly focused: boolean;
  readonly title: string;
  readonly placeholder: string;
  readonly value: string;
  /** The validation or prompt text under the box. */
  readonly message: string;
  /** The text of the rendered list rows, top first. */
  readonly rows: readonly string[];
  /** The text of the row that Enter would accept, or '' when none is active. */
  readonly activeRow: string;
}

export const QUICK_INPUT_BOX = '.quick-input-widget .quick-input-box input';

/** Reads the quick input's state. */
export async function quickInputState(page: Page): Promise<QuickInputState> {
  return page.evaluate(() => {
    const widget = document.querySelector<HTMLElement>('.quick-input-widget');
    const input = widget?.querySelector<HTMLInputElement>('.quick-input-box input');
    const text = (selector: string) => widget?.querySelector<HTMLElement>(selector)?.textContent?.trim() ?? '';
    const visible = !!widget && widget.checkVisibility() && !!input && input.checkVisibility();
    const rows = Array.from(widget?.querySelectorAll<HTMLElement>('.quick-input-list .monaco-list-row') ?? []).filter((r) => r.checkVisibility());
    const active = rows.find((r) => r.classList.contains('focused'));
    return {
      visible,
      focused: visible && !!input && document.activeElement === input && document.hasFocus(),
      title: visible ? text('.quick-input-title') : '',
      placeholder: visible ? (input?.placeholder ?? '') : '',
      value: visible ? (input?.value ?? '') : '',
      message: visible ? text('.quick-input-message') : '',
      rows: visible ? rows.map((r) => r.textContent?.trim() ?? '') : [],
      activeRow: visible ? (active?.textContent?.trim() ?? '') : '',
    };
  });
}

/** Polls the quick input until `check` holds for its state; fails with `message` (and a picture) at the deadline. */
export async function untilQuickInput(page: Page, check: (s: QuickInputState) => boolean, message: string, timeoutMs = 30_000): Promise<QuickInputState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await quickInputState(page);
    if (check(state)) return state;
    if (Date.now() > deadline) {
      // An empty message is a probe whose caller handles the timeout: no picture then.
      if (message) await page.screenshot({ path: join(tmpdir(), `lora-lens-e2e-failure-${Date.now()}.png`) }).catch(() => undefined);
      assert.fail(`${message}; the quick input showed ${JSON.stringify({ ...state, rows: state.rows.slice(0, 5) })}`);
    }
    await nextPoll();
  }
}

/** Which prompt a state belongs to: its title, or its placeholder where it has no title. */
export type StepMatcher = string | RegExp;

function shows(state: QuickInputState, step: StepMatcher): boolean {
  if (!state.visible) return false;
  const heading = state.title || state.placeholder;
  return typeof step === 'string' ? heading.includes(step) : step.test(heading);
}

export interface AnswerOptions {
  /** A quick pick: Enter only once the active row starts with the text (the list has filtered to it). */
  readonly pick?: boolean;
  /** A dialog: types only once it has listed its starting folder (it then writes that folder into the box). */
  readonly dialog?: boolean;
  /** A dialog: Enter only once a list row shows this (it has listed the folder the typed path names). */
  readonly row?: string;
  /** Instead of Enter: clicks the quick input's button with this label (a folder dialog's OK). */
  readonly button?: string;
  /**
   * The palette title of the command whose first prompt this is: it is run first, and run again
   * when its prompt has closed unanswered (focus moving back to an editor closes a prompt opened
   * just before) and the quick input has stayed closed for a while.
   */
  readonly command?: string;
  readonly timeoutMs?: number;
}

/**
 * A prompt that showed and then closed unanswered (focus moved while it opened) is the observable
 * reason to run its command again, at once. This is only the last resort for a prompt that was never
 * seen at all (it opened and closed between two looks): long enough that a slow first prompt on a
 * loaded machine is not asked for twice.
 */
const RERUN_UNSEEN_AFTER_MS = 30_000;

/**
 * Answers the prompt titled `step` with `text` and resolves once it has been accepted: the quick
 * input has closed or shows another prompt. Each round reads the state and does the one thing it
 * calls for: waits for a dialog to list its starting folder (it then writes that folder into the
 * box, over anything typed before), types the text where the box does not hold it, accepts once
 * the box holds it and the list has caught up, accepts again only if the same prompt still shows
 * the text long after, and runs `command` again where its prompt has gone unanswered.
 */
export async function answerStep(page: Page, step: StepMatcher, text: string, options: AnswerOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const input = page.locator(QUICK_INPUT_BOX);
  const dialog = options.dialog === true || options.row !== undefined;
  if (options.command !== undefined) await runCommand(page, options.command);
  let seenAt = Date.now();
  let seen = false;
  let listed = false;
  let acceptedAt = 0;
  for (;;) {
    const state = await quickInputState(page);
    if (shows(state, step)) {
      seenAt = Date.now();
      seen = true;
      if (dialog && !listed) listed = state.rows.length > 0;
      else if (state.value !== text) {
        await input.fill(text, { timeout: 5000 }).catch(() => undefined);
        acceptedAt = 0;
        continue;
      } else if (ready(state, text, options) && (acceptedAt === 0 || Date.now() - acceptedAt > 10_000)) {
        acceptedAt = (await accept(page, options).then(
          () => true,
          () => false,
        ))
          ? Date.now()
          : 0;
      }
    } else if (acceptedAt > 0) {
      return;
    } else if (options.command !== undefined && !state.visible && (seen || Date.now() - seenAt > RERUN_UNSEEN_AFTER_MS)) {
      await runCommand(page, options.command);
      seenAt = Date.now();
      seen = false;
      listed = false;
    }
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(tmpdir(), `lora-lens-e2e-failure-${Date.now()}.png`) }).catch(() => undefined);
      assert.fail(`the prompt "${String(step)}" did not take "${text}"; it showed ${JSON.stringify({ ...state, rows: state.rows.slice(0, 5) })}`);
    }
    await nextPoll();
  }
}

function ready(state: QuickInputState, text: string, options: AnswerOptions): boolean {
  if (options.pick && !state.activeRow.startsWith(text)) return false;
  if (options.row !== undefined && !state.rows.some((r) => r.includes(options.row as string))) return false;
  return true;
}

async function accept(page: Page, options: AnswerOptions): Promise<void> {
  if (options.button !== undefined) {
    await page.locator('.quick-input-widget .monaco-button', { hasText: options.button }).first().click({ timeout: 5000 });
    return;
  }
  // On the box itself: a key pressed while focus is still on its way to the box is lost.
  await page.locator(QUICK_INPUT_BOX).press('Enter', { timeout: 5000 });
}

/**
 * Accepts the prompt titled `step` as it stands, once `check` holds for it (a save dialog's proposal,
 * say); resolves when it has been accepted. Accepts again only if the prompt still shows long after.
 */
export async function acceptStep(page: Page, step: StepMatcher, check: (s: QuickInputState) => boolean, message: string, timeoutMs = 60_000): Promise<void> {
  await untilQuickInput(page, (s) => shows(s, step) && check(s), message, timeoutMs);
  const deadline = Date.now() + timeoutMs;
  let acceptedAt = 0;
  for (;;) {
    const state = await quickInputState(page);
    if (!shows(state, step)) return;
    if (check(state) && (acceptedAt === 0 || Date.now() - acceptedAt > 10_000)) {
      await page
        .locator(QUICK_INPUT_BOX)
        .press('Enter', { timeout: 5000 })
        .catch(() => undefined);
      acceptedAt = Date.now();
    }
    if (Date.now() > deadline) assert.fail(`${message}: the prompt was not accepted`);
    await nextPoll();
  }
}

/**
 * Runs a command by its palette title; resolves once the palette has accepted it (closed, or shows
 * the command's own first prompt). A palette opened while an editor's webview is still loading can
 * be closed again when the webview takes focus: each round reads what the quick input shows and
 * opens the palette again where it has gone.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator(QUICK_INPUT_BOX);
  let accepted = false;
  for (;;) {
    const state = await quickInputState(page);
    if (accepted && !isPalette(state)) return;
    if (!state.visible) {
      accepted = false;
      await page.keyboard.press('F1');
      await untilQuickInput(page, (s) => s.visible, 'the palette did not open', 15_000).catch(() => undefined);
    } else if (!isPalette(state) || state.value !== `>${title}`) {
      if (!isPalette(state) && !accepted) await page.keyboard.press('Escape');
      else await input.fill(`>${title}`, { timeout: 5000 }).catch(() => undefined);
    } else if (!accepted && state.activeRow.startsWith(title)) {
      // Enter only once the list has filtered to the command: the active row is the one Enter runs.
      accepted = await input.press('Enter', { timeout: 5000 }).then(
        () => true,
        () => false,
      );
    }
    if (Date.now() > deadline) {
      await page.screenshot({ path: join(tmpdir(), `lora-lens-e2e-failure-${Date.now()}.png`) }).catch(() => undefined);
      assert.fail(`the palette did not run "${title}"; it showed ${JSON.stringify(await quickInputState(page))}`);
    }
    await nextPoll();
  }
}

/** Whether `state` is the command palette (its box starts with '>'). */
export function isPalette(state: QuickInputState): boolean {
  return state.visible && state.value.startsWith('>');
}

/** The pause between two reads of a state being polled. */
export function nextPoll(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}
