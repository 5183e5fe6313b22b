// Bundles the command-line tool and its worker threads. The extension host and webview bundles
// join here as they are written; each is one entry in `bundles`.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions[]} */
const node = { platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node'] };

const bundles = [
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' }, define: { LORA_LENS_VERSION: JSON.stringify(version) } },
  // The worker threads the CLI (and later the extension host) start: they sit beside it in dist/.
  { ...node, entryPoints: ['src/core/jobs/analysisWorker.ts'], outfile: 'dist/analysisWorker.js' },
  { ...node, entryPoints: ['src/core/compute/worker/ortWorker.ts'], outfile: 'dist/ortWorker.js' },
  // The extension host: `vscode` is provided by the host at run time.
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', 'onnxruntime-node'] },
  // Property predictor training: synchronous numerics off the extension host's event loop.
  { ...node, entryPoints: ['src/host/predict/trainWorker.ts'], outfile: 'dist/trainWorker.js' },
  // The webview app: runs in the editor's webview, imports only webview/ and src/protocol/.
  { platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
  // The subspace panel (comparison, convergence, cross-layer): its own protocol, the same charts.
  { platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/subspace/main.ts'], outfile: 'dist/subspace.js' },
];

await Promise.all(bundles.map((options) => build({ bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', ...options })));
