import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';

/** The project's lint configuration on small sources placed in each layer: its boundary rules fire where they should, and only there. */

function rootDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'eslint.config.mjs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no eslint.config.mjs above ${__dirname}`);
    dir = up;
  }
  return dir;
}

const ROOT = rootDir();
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: join(ROOT, 'eslint.config.mjs') });

/** What the configuration says about `code` as if it were the file at `path` (relative to the root). */
async function lint(path: string, code: string): Promise<{ rule: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, message: m.message }));
}

/** A module importing one name from `from` and using it. */
function importing(from: string, typeOnly = false): string {
  return typeOnly ? `import type { X } from '${from}';\nexport type Y = X;\n` : `import { x } from '${from}';\nexport const y = x;\n`;
}

async function assertForbidden(path: string, from: string, message: RegExp, typeOnly = false): Promise<void> {
  const messages = await lint(path, importing(from, typeOnly));
  assert.equal(messages.length, 1, `${path} importing ${from}: ${JSON.stringify(messages)}`);
  assert.equal(messages[0]?.rule, 'no-restricted-imports');
  assert.match(messages[0]?.message ?? '', message);
}

async function assertAllowed(path: string, from: string): Promise<void> {
  assert.deepEqual(await lint(path, importing(from)), [], `${path} importing ${from}`);
}

test('compute imports neither the jobs nor the analyses nor adapter loading, at any depth', { timeout: 60_000 }, async () => {
  const upward = /src\/core\/compute\/ holds kernels/;
  await assertForbidden('src/core/compute/kernel.ts', '../jobs/registry', upward);
  await assertForbidden('src/core/compute/worker/x.ts', '../../analysis/analyze', upward);
  await assertForbidden('src/core/compute/ort/x.ts', '../../subspace/compare', upward);
  await assertForbidden('src/core/compute/ort/x.ts', '../../base/analyzeBase', upward, true);
  await assertForbidden('src/core/compute/x.ts', '../resize/resize', upward);
  await assertForbidden('src/core/compute/x.ts', '../predict/zoo/zoo', upward);
  await assertForbidden('src/core/compute/x.ts', '../adapter/load', /never loads adapters/);
  // The core's own rules still hold inside compute.
  await assertForbidden('src/core/compute/ort/x.ts', '../../../host/log', /src\/core\/ never imports src\/host\//);
  await assertAllowed('src/core/compute/ort/x.ts', '../../linalg/svd');
  await assertAllowed('src/core/compute/x.ts', '../adapter/model');
  await assertAllowed('src/core/compute/worker/x.ts', '../ort/runtime');
});

test('the core imports neither VS Code nor the host nor the CLI', { timeout: 60_000 }, async () => {
  await assertForbidden('src/core/analysis/x.ts', 'vscode', /Only src\/host\//);
  await assertForbidden('src/core/analysis/x.ts', '../../host/log', /src\/core\/ never imports/);
  await assertForbidden('src/core/predict/predictor/network/x.ts', '../../../../cli/args', /src\/core\/ never imports/, true);
  await assertAllowed('src/core/analysis/x.ts', '../compute/backend');
  await assertAllowed('src/core/jobs/x.ts', '../analysis/analyze');
});

test('the webview imports only the protocol, its own files and npm packages', { timeout: 60_000 }, async () => {
  const only = /webview\/ imports only src\/protocol\//;
  await assertForbidden('webview/views/x.ts', '../../src/core/analysis/analyze', only);
  await assertForbidden('webview/x.ts', '../src/host/payloads', only, true);
  await assertForbidden('webview/x.ts', 'vscode', /Only src\/host\//);
  await assertAllowed('webview/views/x.ts', '../../src/protocol/messages');
  await assertAllowed('webview/views/x.ts', '../charts/axis');
  await assertAllowed('webview/views/x.ts', 'd3-scale');
});

test('the host does not import the CLI; the protocol imports no layer', { timeout: 60_000 }, async () => {
  await assertForbidden('src/host/commands/x.ts', '../../cli/info', /src\/host\/ never imports src\/cli\//);
  await assertAllowed('src/host/commands/x.ts', '../../core/analysis/analyze');
  await assertAllowed('src/host/commands/x.ts', 'vscode');
  await assertForbidden('src/protocol/x.ts', '../core/adapter/model', /src\/protocol\/ is shared/, true);
  await assertForbidden('src/protocol/x.ts', '../host/payloads', /src\/protocol\/ is shared/);
});

test('no any, no default exports, type-only imports marked', { timeout: 60_000 }, async () => {
  const rules = async (code: string): Promise<(string | null)[]> => (await lint('src/core/x.ts', code)).map((m) => m.rule);
  assert.deepEqual(await rules('export const f = (v: any): number => Number(v);\n'), ['@typescript-eslint/no-explicit-any']);
  assert.deepEqual(await rules('export default function f(): number {\n  return 1;\n}\n'), ['no-restricted-syntax']);
  assert.deepEqual(await rules("import { X } from './model';\nexport type Y = X;\n"), ['@typescript-eslint/consistent-type-imports']);
});
