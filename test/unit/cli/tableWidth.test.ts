import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { fitTable } from '../../../src/core/report/fitTable';
import { textTable } from '../../../src/cli/table';
import { corpusPath } from '../../helpers/fixtures';
import { runCli } from './runCli';

const SAMPLE = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460');
const NAME = /^roberta\.encoder\.layer\.\d+\.attention\.self\.(query|value)$/;

function tableLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('module '));
  return lines.slice(start, lines.indexOf('', start));
}

test('inspect fits its table to COLUMNS: full names always, columns and legend adapt', () => {
  const narrow = runCli(['inspect', SAMPLE, '--quiet'], { COLUMNS: '60' });
  const wide = runCli(['inspect', SAMPLE, '--quiet'], { COLUMNS: '160' });
  assert.equal(narrow.status, 0, narrow.stderr);
  assert.equal(wide.status, 0, wide.stderr);
  // The header lines hold the file's path as it is; the table and its legend fit.
  const body = (out: string) => out.split('\n').slice(out.split('\n').findIndex((l) => l.startsWith('module ')));
  for (const line of body(narrow.stdout)) assert.ok(line.length <= 60 || NAME.test(line), `too wide at 60: ${line}`);
  for (const line of body(wide.stdout)) assert.ok(line.length <= 160, `too wide at 160: ${line}`);
  const names = (out: string) =>
    tableLines(out)
      .map((l) => l.split(/\s+/)[0])
      .filter((n) => n.startsWith('roberta'));
  assert.deepEqual(names(narrow.stdout), names(wide.stdout));
  assert.equal(names(wide.stdout).length, 24);
  for (const name of names(narrow.stdout)) assert.match(name, NAME, 'never cut');
  // At 160 every module is one row with every column; at 60 names take their own line and columns give way.
  assert.equal(tableLines(wide.stdout).length, 25);
  assert.match(tableLines(wide.stdout)[0], /eff\.rank\s+stable\s+r95\s+util$/);
  assert.equal(tableLines(narrow.stdout).length, 49);
  assert.doesNotMatch(tableLines(narrow.stdout)[0], /stable/);
  assert.match(narrow.stdout, /Left out\s+at\s+this\s+width:\s+stable/);
  assert.doesNotMatch(wide.stdout, /Left out/);
  assert.match(wide.stdout, /^kind: the layer kind;/m);
  assert.match(wide.stdout, /util:\s+eff\.rank\s+\/\s+r/);
  assert.ok(narrow.stdout.split('\n').filter((l) => l.includes(': ') && l.includes(';')).length >= 3, 'the legend wraps at 60');
});

test('textTable never cuts a name, however long, and keeps the cells under their titles', () => {
  const long = `model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2.to_k.${'x'.repeat(40)}`;
  const rows = [
    [long, '1.0', '2'],
    ['short', '0.5', '3'],
  ];
  for (const width of [60, 160]) {
    const lines = textTable(['module', 'cosine', 'k'], rows, width);
    assert.ok(lines.includes(long) || lines.some((l) => l.startsWith(`${long} `)), `width ${width}`);
    const header = lines[0];
    for (const line of lines.slice(1).filter((l) => /\d$/.test(l))) assert.equal(line.length, header.length, `${width}: ${line}`);
    assert.ok(
      lines.every((l) => l === long || l.length <= width),
      `width ${width}`,
    );
  }
  const dropped = fitTable(
    'module',
    [
      { title: 'a', right: true, drop: 0 },
      { title: 'b', right: true },
    ],
    [['n', '1'.repeat(30), '2'.repeat(30)]],
    60,
  );
  assert.deepEqual(dropped.dropped, ['a']);
});
