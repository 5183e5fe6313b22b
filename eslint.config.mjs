// @ts-check
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/*
 * The layers, as import rules. Imports are relative, so each pattern matches a path that climbs
 * out of the importing folder (`../`, `../../`, …) into a folder the layer must not reach; no
 * folder inside a layer shares a name with a forbidden one, so a match is always the real thing.
 * Type-only imports count: a layer that needs another's types depends on it all the same.
 */
const UP = '^(\\.\\./)+';

/** One forbidden target: the specifiers that reach it and what to say. */
const forbid = (regex, message) => ({ regex, message });

const NO_VSCODE = { name: 'vscode', message: 'Only src/host/ and src/extension.ts talk to VS Code.' };

const CORE = [
  forbid(`${UP}(host|cli)(/|$)`, 'src/core/ never imports src/host/ or src/cli/: the core runs in the CLI, in workers and in plain Node.'),
  forbid(`${UP}extension$`, 'src/core/ never imports the extension entry point.'),
];

const COMPUTE = [
  ...CORE,
  forbid(
    `${UP}(core/)?(jobs|analysis|subspace|base|resize|predict)(/|$)`,
    'src/core/compute/ holds kernels, backends and the onnxruntime thread: the jobs and the analyses sit above it and import it, never the reverse.',
  ),
  forbid(`${UP}(core/)?adapter/load$`, 'src/core/compute/ never loads adapters: that is the analyses\u2019 and the jobs\u2019 business.'),
];

const HOST = [forbid(`${UP}cli(/|$)`, 'src/host/ never imports src/cli/: what both need belongs in src/core/.')];

const PROTOCOL = [forbid(`${UP}(core|host|cli)(/|$)`, 'src/protocol/ is shared with the webview: it imports nothing from src/core/, src/host/ or src/cli/.')];

const WEBVIEW = [forbid(`${UP}src/(?!protocol(/|$))`, 'webview/ imports only src/protocol/ (and its own files and npm packages).')];

/** A `no-restricted-imports` block for one folder: the rule's options replace, never merge, so each lists all it forbids. */
const layer = (files, patterns, paths = [NO_VSCODE]) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
});

export default defineConfig(
  globalIgnores(['out/', 'dist/', 'node_modules/', 'test/corpus/', 'media/', 'bench/.data/', '**/*.vsix']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `typeof import('onnxruntime-node')` types the addon that is loaded on first use, not at start-up.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^onnxruntime-node$'] }],
      // Reports, tables and the file sniffer match control characters on purpose, to escape or detect them.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only: one name for a thing across the project.' },
        { selector: 'ExportSpecifier[exported.name="default"]', message: 'Named exports only: one name for a thing across the project.' },
      ],
    },
  },
  layer(['src/core/**/*.ts'], CORE),
  layer(['src/core/compute/**/*.ts'], COMPUTE),
  layer(['src/host/**/*.ts'], HOST, []),
  layer(['src/protocol/**/*.ts'], PROTOCOL),
  layer(['webview/**/*.ts'], WEBVIEW),
);
