import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('resize writes a PEFT folder with its report; --dry-run writes nothing; --json prints the plan', async () => {
  const dir = await tempDir();
  try {
    const out = join(dir, 'small');
    const dry = run('resize', corpusPath('peft-tinygpt2'), '--method', 'fixed', '--param', '1', '--dry-run', '--json');
    assert.equal(dry.status, 0, dry.stderr);
    const plan = (JSON.parse(dry.stdout) as { plan: { layers: { kept: number }[] }; files: string[] }).plan;
    assert.ok(plan.layers.length > 0 && plan.layers.every((l) => l.kept === 1));
    const r = run('resize', corpusPath('peft-tinygpt2'), '--out', out, '--method', 'budget-rank', '--param', '8', '--quiet');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /written: .*adapter_model\.safetensors/);
    const report = await readFile(join(out, 'resize-report.md'), 'utf8');
    assert.match(report, /budget: total rank 8/);
    const again = run('resize', corpusPath('peft-tinygpt2'), '--out', out, '--method', 'auto');
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already exist/);
  } finally {
    await removeDir(dir);
  }
});

test('usage and input errors exit 2 with a specific message', () => {
  const cases: [string[], RegExp][] = [
    [['resize', corpusPath('peft-tinygpt2')], /needs --out/],
    [['resize', corpusPath('peft-tinygpt2'), '--dry-run', '--method', 'sv_fro'], /needs --param/],
    [['resize', corpusPath('peft-tinygpt2'), '--dry-run', '--method', 'energy', '--param', '2'], /energy level/],
    [['resize', corpusPath('peft-tinygpt2'), '--dry-run', '--format', 'mlx'], /--format takes one of/],
    [['resize', corpusPath('peft-tinygpt2'), '--dry-run', '--method', 'budget-rank', '--param', '2'], /cannot keep one component/],
  ];
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
  }
});
