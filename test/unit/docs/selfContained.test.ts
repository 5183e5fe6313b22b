import { strict as assert } from 'node:assert';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  docCitations,
  headingAnchors,
  headingSections,
  isExternal,
  linkedPath,
  markdownLinks,
  noteCitations,
  outsideReferences,
  repoRoot,
  sha256OfFile,
  trackedFiles,
  tsvRows,
} from './repoChecks';

/**
 * A fresh clone must build, test and explain itself with nothing beside it: no path outside the
 * repository, no citation of a note that is not in it, no dead link in the documentation, the
 * README short enough to be read first, and the test corpus exactly as its manifest lists it.
 */

const ROOT = repoRoot();
const FILES = trackedFiles(ROOT);
/** Text files whose paths could point anywhere: code, configs, scripts and documentation. */
const TEXT = /\.(ts|js|mjs|cjs|json|md|sh|py|html|css|ya?ml)$|^\.ci\/run$|^\.vscodeignore$|^\.gitignore$|^\.npmrc$/;
const SOURCES = FILES.filter((p) => TEXT.test(p) && !p.startsWith('test/corpus/') && p !== 'package-lock.json' && existsSync(join(ROOT, p)));
const MARKDOWN = FILES.filter((p) => p === 'README.md' || (p.startsWith('docs/') && p.endsWith('.md')) || p === 'test/corpus/README.md' || p === 'test/corpus/LICENSES.md');
const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');

test('the checks find what they look for (samples built at run time, so this file passes its own scan)', () => {
  const up = (n: number): string => "'..', ".repeat(n);
  const old = `return join(__dirname, ${up(4)}'${'sha' + 'red'}', 'corpus', ...parts);`;
  assert.equal(outsideReferences('test/helpers/fixtures.ts', old).length > 0, true, 'four levels up from out/test/helpers/ leaves the repository');
  assert.deepEqual(outsideReferences('test/helpers/fixtures.ts', `return join(__dirname, ${up(3)}'test', 'corpus', ...parts);`), []);
  assert.equal(outsideReferences('test/integration/e2e.test.ts', `const C = resolve(ROOT, ${up(1)}'x');`).length, 1);
  assert.equal(outsideReferences('bench/a.ts', `const p = '${'..'}/${'sha' + 'red'}/x';`).length, 1);
  assert.deepEqual(outsideReferences('src/cli/inspect.ts', `join(__dirname, '..', 'media', 'samples')`), []);
  const note = 'DESIGN';
  assert.deepEqual(
    noteCitations(`see ${note}.md §4 and ${note} §1`).map((c) => c.name),
    [`${note}.md`, `${note}.md`],
  );
  assert.deepEqual(
    docCitations('(docs/design.md §4 and §8), docs/cli.md').map((c) => [c.file, c.sections]),
    [
      ['docs/design.md', [4, 8]],
      ['docs/cli.md', []],
    ],
  );
  assert.deepEqual(
    markdownLinks('[a](docs/cli.md#y) `[b](no.md)` ![c](../media/s.png)\n```\n[d](no.md)\n```').map((l) => l.target),
    ['docs/cli.md#y', '../media/s.png'],
  );
  assert.ok(headingAnchors('### §1 The exact spectrum without forming ΔW').has('1-the-exact-spectrum-without-forming-δw'));
});

test('no tracked source, test, script or document refers to a path outside the repository', () => {
  assert.ok(SOURCES.length > 100, `only ${SOURCES.length} files found under ${ROOT}`);
  const found = SOURCES.flatMap((p) => outsideReferences(p, read(p)));
  assert.deepEqual(found, []);
});

test('every docs/… citation and note cited in the code exists, with the § it names', () => {
  const problems: string[] = [];
  let citations = 0;
  for (const p of SOURCES.filter((f) => /\.(ts|js|mjs)$/.test(f))) {
    const text = read(p);
    for (const note of noteCitations(text)) {
      if (!FILES.includes(note.name)) problems.push(`${p}:${note.line} cites ${note.name}, which is not in the repository`);
    }
    for (const c of docCitations(text)) {
      citations++;
      if (!FILES.includes(c.file)) {
        problems.push(`${p}:${c.line} cites ${c.file}, which does not exist`);
        continue;
      }
      const sections = headingSections(read(c.file));
      for (const s of c.sections) if (!sections.has(s)) problems.push(`${p}:${c.line} cites ${c.file} §${s}, which has no such section`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(citations >= 20, `only ${citations} citations of docs/ found: the scan is not reading the sources`);
});

test('the README is what a user reads first: under 10 KB', () => {
  const bytes = statSync(join(ROOT, 'README.md')).size;
  assert.ok(bytes < 10 * 1024, `README.md is ${bytes} bytes`);
});

test('every relative link and image in the README and docs/ points at a file (and heading) that exists', () => {
  assert.ok(MARKDOWN.includes('README.md') && MARKDOWN.some((p) => p.startsWith('docs/')), `documentation missing: ${MARKDOWN.join(', ')}`);
  const problems: string[] = [];
  for (const p of MARKDOWN) {
    for (const link of markdownLinks(read(p))) {
      if (isExternal(link.target)) continue;
      const { path, anchor } = linkedPath(p, link.target);
      const file = path ?? p;
      if (file.startsWith('..') || !existsSync(join(ROOT, file))) {
        problems.push(`${p}:${link.line} links ${link.target}: no such file in the repository`);
        continue;
      }
      if (anchor && file.endsWith('.md') && !headingAnchors(read(file)).has(anchor)) problems.push(`${p}:${link.line} links ${link.target}: no such heading`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the corpus is every file its manifests list, byte for byte (size and sha256), and no symlinks', () => {
  const corpus = join(ROOT, 'test', 'corpus');
  const rows = [
    ...tsvRows(readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8')).map((r) => ({ file: r.file, bytes: r.bytes, sha256: r.sha256 })),
    ...tsvRows(readFileSync(join(corpus, 'EXTRAS.tsv'), 'utf8')).map((r) => ({ file: r.file, bytes: r.bytes, sha256: r.sha256 })),
  ];
  assert.ok(rows.length >= 17, `${rows.length} rows in the manifests`);
  const problems: string[] = [];
  for (const row of rows) {
    const path = join(corpus, row.file);
    if (!existsSync(path)) {
      problems.push(`${row.file}: missing`);
      continue;
    }
    if (lstatSync(path).isSymbolicLink()) problems.push(`${row.file}: a symlink`);
    const got = sha256OfFile(path);
    if (got.bytes !== Number(row.bytes)) problems.push(`${row.file}: ${got.bytes} bytes, the manifest says ${row.bytes}`);
    if (got.sha256 !== row.sha256) problems.push(`${row.file}: sha256 ${got.sha256}, the manifest says ${row.sha256}`);
  }
  for (const p of FILES.filter((f) => f.startsWith('test/corpus/'))) if (lstatSync(join(ROOT, p)).isSymbolicLink()) problems.push(`${p}: a symlink`);
  assert.deepEqual(problems, []);
});
