// Bundles the command-line tool. The extension host, worker and webview bundles join here as
// they are written; each is one entry in `bundles`.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions[]} */
const bundles = [
  {
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    external: ['onnxruntime-node'],
    define: { LORA_LENS_VERSION: JSON.stringify(version) },
  },
];

await Promise.all(
  bundles.map((options) =>
    build({ bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', ...options }),
  ),
);
