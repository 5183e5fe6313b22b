import { strict as assert } from 'node:assert';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { runCli } from '../cli/runCli';

/**
 * An adapter whose tensor names, metadata and folder name are built to attack each output:
 * terminal escapes (ESC, BEL), bidirectional overrides and isolates, HTML, and a spreadsheet
 * formula. No output of the CLI may carry one of them raw.
 */
const HOSTILE_NAMES = [
  'model.layers.0.\u001b[31mred\u0007.q_proj',
  'model.layers.0.\u202eevil\u2066iso\u2069.v_proj',
  'model.layers.0.<img src=x onerror=alert(1)>.k_proj',
  "=cmd|' /C calc'!A0",
];

/** Code points no output may hold raw: controls other than the line break, format characters, separators, lone surrogates. */
const FORBIDDEN = /(?![\n\r])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

function factors(name: string, seed: number): FixtureTensor[] {
  const a = Array.from({ length: 8 }, (_, i) => Math.sin(seed + i) + 0.1);
  const b = Array.from({ length: 8 }, (_, i) => Math.cos(seed * 3 + i) - 0.2);
  return [
    { name: `base_model.model.${name}.lora_A.weight`, shape: [2, 4], values: a, dtype: 'F32' },
    { name: `base_model.model.${name}.lora_B.weight`, shape: [4, 2], values: b, dtype: 'F32' },
  ];
}

async function hostileAdapter(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFixture(
    dir,
    'adapter_model.safetensors',
    HOSTILE_NAMES.flatMap((n, i) => factors(n, i + 1)),
    { config: { peft_type: 'LORA', r: 2, lora_alpha: 4, base_model_name_or_path: '\u202e<img src=x onerror=alert(2)>\u001b]0;title\u0007' }, metadata: { format: 'pt' } },
  );
}

/** Every byte of an output: no raw control byte but LF and CR, then no forbidden code point once decoded. */
function assertInert(bytes: Buffer, where: string): void {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b < 0x20 && b !== 0x0a && b !== 0x0d) || b === 0x7f) assert.fail(`${where}: raw byte 0x${b.toString(16)} at ${i}`);
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const found = FORBIDDEN.exec(text);
  assert.equal(found, null, `${where}: raw U+${found?.[0].codePointAt(0)?.toString(16)} at ${found?.index}`);
}

function cli(args: readonly string[]): Buffer {
  const r = runCli(args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  assertInert(Buffer.from(r.stderr, 'utf8'), `${args[0]} stderr`);
  return Buffer.from(r.stdout, 'utf8');
}

function csvRows(text: string): string[] {
  return text.split('\r\n').filter((l) => l !== '');
}

test('inspect: text, CSV, Markdown and JSON carry no raw control or bidi character, no HTML, no live formula', async () => {
  const dir = await tempDir();
  try {
    const adapter = join(dir, 'adapter');
    await hostileAdapter(adapter);
    const text = cli(['inspect', adapter, '--quiet']);
    assertInert(text, 'inspect text');
    assert.ok(text.toString().includes('\\u001b[31mred\\u0007'), 'controls show as escapes');
    assert.ok(text.toString().includes('\\u202eevil\\u2066iso\\u2069'), 'bidi characters show as escapes');

    const csv = cli(['inspect', adapter, '--csv', '--quiet']);
    assertInert(csv, 'inspect --csv');
    for (const row of csvRows(csv.toString()).slice(1)) assert.doesNotMatch(row, /^"?[=+\-@]/, `a formula starts a row: ${row}`);
    assert.ok(csvRows(csv.toString()).some((r) => r.startsWith(`"'=cmd|' /C calc'!A0"`) || r.startsWith(`'=cmd|' /C calc'!A0`)));

    const md = cli(['inspect', adapter, '--markdown', '--quiet']);
    assertInert(md, 'inspect --markdown');
    assert.doesNotMatch(md.toString(), /<img/i);
    assert.doesNotMatch(md.toString(), /<|>/, 'no raw angle bracket in Markdown');

    const json = cli(['inspect', adapter, '--json', '--quiet']);
    assertInert(json, 'inspect --json');
    const parsed = JSON.parse(json.toString()) as { modules: { name: string }[]; baseModel: string };
    assert.deepEqual(parsed.modules.map((m) => m.name).sort(), [...HOSTILE_NAMES].sort(), 'JSON keeps the names exactly');
    assert.ok(json.toString().includes('\\u202e'), 'bidi characters are escaped in JSON text');
  } finally {
    await removeDir(dir);
  }
});

test('resize: resize-report.md and resize-report.json carry no raw control or bidi character and no HTML', async () => {
  const dir = await tempDir();
  try {
    const adapter = join(dir, 'adapter');
    await hostileAdapter(adapter);
    const out = join(dir, 'small');
    assertInert(cli(['resize', adapter, '--out', out, '--method', 'fixed', '--param', '1', '--quiet']), 'resize stdout');
    const md = await readFile(join(out, 'resize-report.md'));
    assertInert(md, 'resize-report.md');
    assert.doesNotMatch(md.toString(), /<img/i);
    assert.doesNotMatch(md.toString(), /<|>/, 'no raw angle bracket in Markdown');
    const json = await readFile(join(out, 'resize-report.json'));
    assertInert(json, 'resize-report.json');
    const report = JSON.parse(json.toString()) as { plan: { layers: { name: string }[] } };
    assert.deepEqual(report.plan.layers.map((l) => l.name).sort(), [...HOSTILE_NAMES].sort());
    assertInert(cli(['resize', adapter, '--dry-run', '--method', 'fixed', '--param', '1', '--json', '--quiet']), 'resize --json');
  } finally {
    await removeDir(dir);
  }
});

test('scan: a CSV output carries no raw control or bidi character, and a formula-like key is guarded', async () => {
  const dir = await tempDir();
  try {
    const root = join(dir, 'runs');
    const key = "=cmd|' \u001b\u202e<img src=x>";
    await hostileAdapter(join(root, key));
    const out = join(dir, 'features.csv');
    assertInert(cli(['scan', root, '--out', out, '--quiet']), 'scan stdout');
    const csv = await readFile(out);
    assertInert(csv, 'scan CSV');
    const rows = csvRows(csv.toString());
    assert.equal(rows.length, 2, csv.toString());
    assert.ok(rows[1].startsWith(`"'=cmd|' \\u001b\\u202e<img src=x>"`) || rows[1].startsWith(`'=cmd`), rows[1]);
    for (const cell of rows[0].split(',')) assert.doesNotMatch(cell, /^"?[=+\-@]/, `a formula in the header: ${cell}`);
    // Resuming finds the row it wrote: the escaped key still names the same adapter.
    const again = runCli(['scan', root, '--out', out, '--quiet']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /1 rows \(0 added, 1 kept\)/);
    assertInert(Buffer.from(JSON.stringify(again)), 'scan rerun');
    const jsonl = join(dir, 'features.jsonl');
    assertInert(cli(['scan', root, '--out', jsonl, '--quiet']), 'scan stdout');
    assertInert(await readFile(jsonl), 'scan JSONL');
  } finally {
    await removeDir(dir);
  }
});

test('an adapter_config.json that links outside the adapter folder is not read, and a warning says so', async () => {
  const dir = await tempDir();
  try {
    const secret = join(dir, 'secret.json');
    await writeFile(secret, 'root:x:0:0:SECRET-CONTENT');
    const adapter = join(dir, 'adapter');
    await mkdir(adapter);
    await writeFixture(adapter, 'adapter_model.safetensors', factors('model.layers.0.q_proj', 1));
    await symlink(secret, join(adapter, 'adapter_config.json'));
    const r = runCli(['inspect', adapter, '--json', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /SECRET|root:x/, 'nothing of the linked file is quoted');
    const report = JSON.parse(r.stdout) as { warnings: string[]; configFile: string | null };
    assert.equal(report.configFile, null);
    assert.ok(
      report.warnings.some((w) => /adapter_config\.json links to a file outside the adapter folder; not read/.test(w)),
      report.warnings.join('\n'),
    );
    // A link that stays inside the folder is read as before.
    const inside = join(dir, 'inside');
    await mkdir(join(inside, 'configs'), { recursive: true });
    await writeFixture(inside, 'adapter_model.safetensors', factors('model.layers.0.q_proj', 1));
    await writeFile(join(inside, 'configs', 'a.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4 }));
    await symlink(join(inside, 'configs', 'a.json'), join(inside, 'adapter_config.json'));
    const ok = JSON.parse(runCli(['inspect', inside, '--json', '--quiet']).stdout) as { configFile: string | null; warnings: string[] };
    assert.notEqual(ok.configFile, null, ok.warnings.join('\n'));
  } finally {
    await removeDir(dir);
  }
});
