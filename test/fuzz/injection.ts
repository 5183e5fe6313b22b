import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawFile } from '../helpers/rawSafetensors';
import { writeAdapter } from './adapter';
import type { CheckContext, FuzzCase, Invocation } from './types';

/**
 * Tensor names, metadata and paths carrying terminal escapes, BEL, bidirectional controls and
 * HTML, through every output: text, --csv, --markdown, --json, resize-report.md, scan CSV and
 * error messages. No such character may reach an output raw; Markdown holds no live HTML.
 */

/** Characters no output may hold raw: C0 (but tab, LF, CR), DEL, C1, bidi, zero-width and line/paragraph separators. */
const RAW_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
/** An HTML tag opening (escaped Markdown shows `&lt;img …`, which is inert). */
const LIVE_HTML = /<\s*[a-z!/]/i;

const EVIL = {
  esc: '\u001b[31mRED\u001b]0;title\u0007',
  bel: 'ding\u0007\u0007',
  bidi: 'evil\u202egnp.exe\u2066x\u2069',
  html: '<img src=x onerror=alert(1)>',
} as const;

/** Where the raw character was found, or nothing. */
function rawIn(text: string, where: string, markdown: boolean): string | undefined {
  const hit = RAW_CONTROL.exec(text);
  if (hit) return `${where} holds a raw U+${hit[0].codePointAt(0)?.toString(16).padStart(4, '0')}`;
  if (markdown && LIVE_HTML.test(text)) return `${where} holds live HTML`;
  return undefined;
}

const streams =
  (markdown: boolean) =>
  ({ run }: CheckContext) =>
    rawIn(run.stdout, 'stdout', markdown) ?? rawIn(run.stderr, 'stderr', false);

/** A two-module adapter with layer 0's module path carrying `evil`. */
async function evilAdapter(dir: string, evil: string): Promise<string> {
  return writeAdapter(dir, { modules: [`base_model.model.model.layers.0.${evil}.q_proj`, 'base_model.model.model.layers.1.self_attn.q_proj'] });
}

type Output = 'text' | 'csv' | 'markdown' | 'json' | 'resize-report.md' | 'scan csv';
const OUTPUTS: readonly Output[] = ['text', 'csv', 'markdown', 'json', 'resize-report.md', 'scan csv'];

function invocation(output: Output, dir: string, weights: string): Invocation {
  switch (output) {
    case 'text':
      return { args: ['inspect', dir], expect: 'answer', check: streams(false) };
    case 'csv':
    case 'markdown':
    case 'json':
      return { args: ['inspect', dir, `--${output}`], expect: 'answer', ...(output === 'json' ? { json: true } : {}), check: streams(output === 'markdown') };
    case 'resize-report.md': {
      const out = join(dir, 'out');
      return {
        args: ['resize', weights, '--out', out, '--method', 'fixed', '--param', '1'],
        expect: 'answer',
        check: async (context) => {
          const streamed = streams(false)(context);
          if (streamed) return streamed;
          for (const name of await readdir(out)) {
            if (name.endsWith('.safetensors')) continue;
            const why = rawIn(await readFile(join(out, name), 'utf8'), name, name.endsWith('.md'));
            if (why) return why;
          }
          return undefined;
        },
      };
    }
    case 'scan csv': {
      const out = join(dir, 'features.csv');
      return {
        args: ['scan', join(dir, 'zoo'), '--out', out, '--quiet'],
        expect: 'answer',
        check: async (context) => streams(false)(context) ?? rawIn(await readFile(out, 'utf8'), 'features.csv', false),
      };
    }
  }
}

/** Every kind in one module path (the oracle names the character it finds). */
const ALL_EVIL = Object.values(EVIL).join('.');

const nameCases: FuzzCase[] = [['ESC, BEL, bidi and HTML', ALL_EVIL] as const].flatMap(([kind, evil]) =>
  OUTPUTS.map((output): FuzzCase => ({
    category: 'output injection',
    name: `${kind} in a tensor name, ${output}`,
    async prepare(dir) {
      if (output === 'scan csv') {
        await mkdir(join(dir, 'zoo', `a-${evil.replace(/[/\\]/g, '')}`), { recursive: true });
        const weights = await evilAdapter(join(dir, 'zoo', `a-${evil.replace(/[/\\]/g, '')}`), evil);
        return invocation(output, dir, weights);
      }
      return invocation(output, dir, await evilAdapter(dir, evil));
    },
  })),
);

const otherCases: FuzzCase[] = [
  {
    category: 'output injection',
    name: 'escapes and bidi in metadata, text report',
    async prepare(dir) {
      await writeAdapter(dir, { metadata: { note: `${EVIL.esc}${EVIL.bidi}${EVIL.html}`, [EVIL.esc]: EVIL.bel } });
      return { args: ['inspect', dir], expect: 'answer', check: streams(false) };
    },
  },
  {
    category: 'output injection',
    name: 'escapes and HTML in metadata, --markdown',
    async prepare(dir) {
      await writeAdapter(dir, { metadata: { note: `${EVIL.esc}${EVIL.bidi}${EVIL.html}` } });
      return { args: ['inspect', dir, '--markdown'], expect: 'answer', check: streams(true) };
    },
  },
  {
    category: 'output injection',
    name: 'escapes in a refused file’s name and contents (error message)',
    async prepare(dir) {
      const file = join(dir, `${EVIL.esc}${EVIL.bidi}.safetensors`);
      await writeFile(file, rawFile(`{"${EVIL.bel}":${EVIL.esc}`, 8));
      return { args: ['inspect', file], expect: 'refuse', check: streams(false) };
    },
  },
  {
    category: 'output injection',
    name: 'escapes in a config warning',
    async prepare(dir) {
      await writeAdapter(dir, { config: { peft_type: 'LORA', r: 2, lora_alpha: 4, rank_pattern: { [`(${EVIL.esc})+${EVIL.bidi}`]: 1 } } });
      return { args: ['inspect', dir], expect: 'answer', check: streams(false) };
    },
  },
];

export const INJECTION_CASES: readonly FuzzCase[] = [...nameCases, ...otherCases];
