import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';

/** What a repository that stands on its own is checked for; pure functions over paths and text. */

/** The repository root: this file compiles to out/test/unit/docs/. */
export function repoRoot(): string {
  return resolve(__dirname, '..', '..', '..', '..');
}

/** Folders never walked when git is not there to list the tracked files. */
const UNTRACKED = new Set(['.git', 'node_modules', 'out', 'dist']);

/**
 * The repository's files, relative to `root` with forward slashes: `git ls-files` when this is a
 * git checkout, else a walk of the tree without build outputs (an unpacked source archive).
 */
export function trackedFiles(root: string): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return listed.split('\0').filter((p) => p.length > 0);
  } catch {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!UNTRACKED.has(entry.name)) walk(join(dir, entry.name));
        } else out.push(relative(root, join(dir, entry.name)).split('\\').join('/'));
      }
    };
    walk(root);
    return out;
  }
}

/**
 * How many folders below the root a file's compiled form sits, which bounds how far its
 * `__dirname` may climb: src/ and webview/ are bundled into dist/; tests and benchmarks compile
 * to out/ beside their own path.
 */
export function compiledDepth(path: string): number {
  if (path.startsWith('src/') || path.startsWith('webview/')) return 1;
  return (
    1 +
    posix
      .dirname(path)
      .split('/')
      .filter((s) => s !== '.').length
  );
}

/** The folder beside the repository where the corpus used to live: never to be read again. */
const OUTSIDE_NAMES = [/\.\.\/shared\b/, /['"]shared['"]\s*,\s*['"]corpus['"]/];

/**
 * References in a source file's text to paths outside the repository: a known outside folder,
 * a path built from the repository root whose next segment climbs out of it, or a
 * path from `__dirname` with more `..` than the compiled file has folders above it.
 */
export function outsideReferences(path: string, text: string): string[] {
  const found: string[] = [];
  for (const pattern of OUTSIDE_NAMES) {
    const m = pattern.exec(text);
    if (m) found.push(`${path}: ${lineAround(text, m.index)}`);
  }
  const fromRoot = /\b(?:join|resolve)\(\s*(?:ROOT|root|repoRoot\(\))\s*,\s*['"]\.\.(?:\/[^'"]*)?['"]/g;
  for (let m = fromRoot.exec(text); m; m = fromRoot.exec(text)) found.push(`${path}: ${lineAround(text, m.index)}`);
  const fromDir = /\b(?:join|resolve)\(\s*__dirname\s*((?:,\s*(?:'[^']*'|"[^"]*")\s*)+)/g;
  const depth = compiledDepth(path);
  for (let m = fromDir.exec(text); m; m = fromDir.exec(text)) {
    let level = depth;
    for (const literal of m[1].match(/'[^']*'|"[^"]*"/g) ?? []) {
      for (const segment of literal.slice(1, -1).split('/')) {
        if (segment === '..') level--;
        else if (segment !== '.' && segment !== '') level++;
        if (level < 0) break;
      }
      if (level < 0) break;
    }
    if (level < 0) found.push(`${path}: ${lineAround(text, m.index)}`);
  }
  return found;
}

/** A citation of the documentation in a comment: `docs/design.md §4 and §8`. */
export interface Citation {
  readonly file: string;
  readonly sections: readonly number[];
  readonly line: number;
}

/** Every `docs/….md` citation in a text, with the § numbers that follow it. */
export function docCitations(text: string): Citation[] {
  const out: Citation[] = [];
  const pattern = /\bdocs\/([\w./-]+?\.md)((?:(?:\s*,\s*|\s+and\s+|\s+)§\d+)*)/g;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    const sections = [...m[2].matchAll(/§(\d+)/g)].map((s) => Number(s[1]));
    out.push({ file: `docs/${m[1]}`, sections, line: lineOf(text, m.index) });
  }
  return out;
}

/** Upper-case Markdown notes a comment cites by name, with or without `.md`, or by name and §: each must exist. */
export function noteCitations(text: string): { readonly name: string; readonly line: number }[] {
  const out: { name: string; line: number }[] = [];
  const pattern = /(?<![\w/.-])([A-Z][A-Z0-9_]*)(?:\.md\b|\s+§\d)/g;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) out.push({ name: `${m[1]}.md`, line: lineOf(text, m.index) });
  return out;
}

/** A Markdown link's target and the line it is on. */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** Inline links and images of a Markdown text, outside fenced code blocks and code spans. */
export function markdownLinks(text: string): MarkdownLink[] {
  const out: MarkdownLink[] = [];
  let fenced = false;
  text.split('\n').forEach((raw, index) => {
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: index + 1 });
  });
  return out;
}

/** A heading's anchor as GitHub forms it: lower case, punctuation dropped, spaces to hyphens. */
export function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown text's headings (outside code blocks), repeated ones numbered as GitHub does. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const slug = slugOf(m[1]);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** The § numbers a Markdown text's headings carry (`### §4 Subspaces`). */
export function headingSections(text: string): Set<number> {
  return new Set([...text.matchAll(/^#{1,6}\s+§(\d+)\b/gm)].map((m) => Number(m[1])));
}

/** A relative link's file, resolved from the Markdown file that holds it; null for a same-page anchor. */
export function linkedPath(fromFile: string, target: string): { readonly path: string | null; readonly anchor: string | null } {
  const hash = target.indexOf('#');
  const file = hash < 0 ? target : target.slice(0, hash);
  const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
  return { path: file === '' ? null : posix.normalize(posix.join(posix.dirname(fromFile), decodeURIComponent(file))), anchor };
}

/** Whether a link leaves the repository's files (a URL or a mail address). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/** The sha256 of a file, read in chunks so that large corpus files need no whole-file buffer. */
export function sha256OfFile(path: string): { readonly sha256: string; readonly bytes: number } {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (let n = readSync(fd, chunk, 0, chunk.length, null); n > 0; n = readSync(fd, chunk, 0, chunk.length, null)) {
      hash.update(chunk.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Rows of a tab-separated file with a header line, as records by column name. */
export function tsvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.split('\n').filter((l) => l.trim() !== '');
  const names = header.split('\t');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((cell, i) => [names[i], cell])));
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function lineAround(text: string, index: number): string {
  return `line ${lineOf(text, index)}: ${text.slice(text.lastIndexOf('\n', index) + 1, text.indexOf('\n', index) < 0 ? undefined : text.indexOf('\n', index)).trim()}`;
}
