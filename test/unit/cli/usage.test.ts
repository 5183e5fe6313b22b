import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { runCli } from './runCli';

/** A usage error: exit 2, one line on stderr naming the command and its help, nothing on stdout. */
function usage(args: readonly string[], expected: RegExp): string {
  const r = runCli(args);
  assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, expected);
  if (args[0] && !args[0].startsWith('-') && args[0] !== 'frobnicate') assert.match(r.stderr, new RegExp(`^lora-lens: ${args[0]}\\b.*\\(see lora-lens ${args[0]} --help\\)$`, 'm'));
  assert.doesNotMatch(r.stderr, /ERR_PARSE_ARGS|\n\s+at /);
  return r.stderr;
}

test('unknown options, missing values and bad choices are said in plain words, exit 2', () => {
  usage(['resize', 'x', '--out', 'y', '--frobnicate'], /resize: unknown option --frobnicate/);
  usage(['scan', 'x', '--out'], /scan: --out needs a value/);
  usage(['resize', 'x', '--out', 'y', '--param'], /--param needs a value/);
  usage(['inspect', '--json=yes'], /--json takes no value/);
  usage(['resize', 'x', '--out', 'y', '--format', 'onnx'], /--format takes one of peft, kohya, same \(got "onnx"\)/);
  usage(['resize', 'x', '--out', 'y', '--dtype', 'f8'], /--dtype takes one of F32, F16, BF16 \(got "f8"\)/);
  usage(['inspect', '--backend', 'gpu'], /--backend takes one of auto, js, onnxruntime/);
  usage(['compare', 'a', 'b', '--k', 'many'], /--k takes a whole number of at least 1 \(got "many"\)/);
  usage(['make-zoo'], /make-zoo takes one folder \(got 0\)/);
  usage(['frobnicate'], /unknown command "frobnicate".*see lora-lens --help/);
});

test('resize speaks of --method and --param, never of the internal method spelling', () => {
  const budget = usage(['resize', 'x', '--out', 'y', '--method', 'budget-rank', '--param', '0.5'], /--param 0\.5 does not fit --method budget-rank: .*whole number.*total rank/);
  assert.doesNotMatch(budget, /budget:rank|rank method/);
  usage(['resize', 'x', '--out', 'y', '--method', 'fixed'], /--method fixed needs --param \(e\.g\. --param 8\): the rank every module keeps/);
  usage(['resize', 'x', '--out', 'y', '--method', 'sv_fro', '--param', '2'], /--param 2 does not fit --method sv_fro: .*\(0, 1\]/);
  usage(['resize', 'x', '--out', 'y', '--method', 'auto', '--param', '2'], /--method auto takes no --param/);
  usage(['resize', 'x', '--out', 'y', '--method', 'energy', '--param', '1:2'], /--param takes one number/);
});
