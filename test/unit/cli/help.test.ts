import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runCli } from './runCli';

const COMMANDS = ['inspect', 'info', 'compare', 'checkpoints', 'resize', 'scan', 'make-zoo', 'train-predictor', 'predict', 'check-invariance'];

test('lora-lens --help is a short overview: every command on one line, no option explained', () => {
  const r = runCli(['--help'], { COLUMNS: '100' });
  assert.equal(r.status, 0);
  for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c} +\\S`, 'm'), c);
  assert.doesNotMatch(r.stdout, /--keep-mixer|--dtype/);
  assert.ok(r.stdout.split('\n').length < 35, `${r.stdout.split('\n').length} lines`);
  assert.equal(runCli([], { COLUMNS: '100' }).stdout, r.stdout);
  assert.equal(runCli(['help'], { COLUMNS: '100' }).stdout, r.stdout);
});

test('each command has its own help, listing its options with what they do', () => {
  const helps = new Map(COMMANDS.map((c) => [c, runCli([c, '--help'], { COLUMNS: '100' })]));
  for (const [c, r] of helps) {
    assert.equal(r.status, 0, c);
    assert.match(r.stdout, new RegExp(`^lora-lens ${c}: `), c);
    assert.match(r.stdout, new RegExp(`^  lora-lens ${c} `, 'm'), c);
  }
  assert.equal(new Set([...helps.values()].map((r) => r.stdout)).size, COMMANDS.length, 'every help differs');
  const resize = helps.get('resize')?.stdout ?? '';
  for (const option of ['--out', '--method', '--param', '--format', '--dtype', '--keep-mixer', '--overwrite', '--dry-run', '--backend', '--device', '--quiet', '--progress'])
    assert.match(resize, new RegExp(`^  (-\\w, )?${option}\\b`, 'm'), option);
  assert.match(resize, /--keep-mixer +refuse to fold a MoSLoRA mixer/);
  for (const method of ['energy', 'above_mean', 'sv_ratio', 'sv_fro', 'sv_cumulative', 'fixed', 'budget-rank', 'budget-params'])
    assert.match(resize, new RegExp(`^  ${method} +\\S`, 'm'), method);
  const inspect = helps.get('inspect')?.stdout ?? '';
  for (const option of ['--json', '--csv', '--markdown', '--base', '--k', '--backend', '--device']) assert.match(inspect, new RegExp(`^ {2}${option}\\b`, 'm'), option);
  assert.doesNotMatch(inspect, /--keep-mixer|--dtype/);
  assert.doesNotMatch(helps.get('info')?.stdout ?? '', /--quiet|--base/);
  assert.match(helps.get('train-predictor')?.stdout ?? '', /^ {2}--model ridge\|logistic\|mlp\|glnet/m);
  assert.equal(runCli(['help', 'resize'], { COLUMNS: '100' }).stdout, resize);
});

test('help wraps at the width', () => {
  for (const width of [60, 160]) {
    const r = runCli(['resize', '--help'], { COLUMNS: String(width) });
    const long = r.stdout.split('\n').filter((l) => l.length > width);
    // Only a usage line or an option's own name may pass the width.
    assert.ok(
      long.every((l) => /^ {2}(lora-lens |--)/.test(l)),
      long.join('\n'),
    );
  }
});
