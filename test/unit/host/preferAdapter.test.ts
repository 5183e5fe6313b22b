import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { placeOf } from '../../../src/core/adapter/place';
import { hoverMarkdown, type HoverLabels } from '../../../src/host/hover/hoverMarkdown';
import { ModuleIndex, type IndexedAdapter, type ModuleStats } from '../../../src/host/hover/moduleIndex';
import { preferAdapter, type HoverContext } from '../../../src/host/hover/preferAdapter';
import { Rng } from '../../helpers/random';

const ROOT = join('/', 'ws');
const LLAMA = join(ROOT, 'runs', 'llama3-8b-lora', 'adapter_model.safetensors');
const SDXL = join(ROOT, 'runs', 'sd-text-encoder', 'te_lokr.safetensors');
const QWEN = join(ROOT, 'qwen', 'adapter_model.safetensors');

function stats(rng: Rng, name: string): ModuleStats {
  const frobenius = 0.5 + rng.next();
  return {
    name,
    moduleType: placeOf(name).moduleType,
    rank: 8,
    alpha: 16,
    scale: 2,
    frobenius,
    effectiveRank: 3,
    energyRank: 4,
    singularValues: new Float64Array([frobenius, 0.1]),
  };
}

function adapter(rng: Rng, file: string, baseModel: string | null): IndexedAdapter {
  const modules = Array.from({ length: 3 }, (_, i) => stats(rng, `model.layers.${i}.self_attn.q_proj`));
  return { file, modules, baseModel };
}

/** Three adapters with q_proj, added in a random order (the index lists the most recent first). */
function indexOf(rng: Rng): ModuleIndex {
  const all = [adapter(rng, LLAMA, 'meta-llama/Meta-Llama-3-8B'), adapter(rng, SDXL, null), adapter(rng, QWEN, 'Qwen/Qwen2.5-0.5B')];
  const index = new ModuleIndex();
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  for (const a of all) index.set(a);
  return index;
}

const labels: HoverLabels = {
  energyRank: 'r95',
  openLink: (f) => `command:loraLens.openInLens?${encodeURIComponent(JSON.stringify([f]))}`,
  fileLabel: (f) =>
    f
      .slice(ROOT.length + 1)
      .split('\\')
      .join('/'),
};

function context(documentPath: string | null, text: string): HoverContext {
  return { documentPath, text, workspaceRoot: ROOT };
}

function shownFor(rng: Rng, ctx: HoverContext): string {
  const match = indexOf(rng).match('q_proj') ?? assert.fail('no match');
  return preferAdapter(match.adapters, ctx).shown.adapter.file;
}

test('the adapter whose path the file names is shown: relative to the file, to the workspace, absolute, or its folder in quotes', () => {
  const rng = Rng.fresh();
  const script = join(ROOT, 'scripts', 'train.py');
  const cases: [string, string][] = [
    [`model = PeftModel.from_pretrained(base, "../runs/llama3-8b-lora")`, LLAMA],
    [`adapter: runs/sd-text-encoder/te_lokr.safetensors`, SDXL],
    [`path = "${QWEN.split('\\').join('/')}"`, QWEN],
    [`load('llama3-8b-lora')`, LLAMA],
  ];
  for (const [text, want] of cases) assert.equal(shownFor(rng, context(script, text)), want, `${rng.tag}: ${text}`);
});

test('a config beside the adapter shows that adapter, even when the text names another', () => {
  const rng = Rng.fresh();
  const config = join(ROOT, 'qwen', 'adapter_config.json');
  assert.equal(shownFor(rng, context(config, '{"base_model_name_or_path": "meta-llama/Meta-Llama-3-8B"}')), QWEN, `${rng.tag}`);
});

test('a base model named in the file picks the adapter trained on it (any case); otherwise the nearest folder', () => {
  const rng = Rng.fresh();
  const notes = join(ROOT, 'notes', 'eval.md');
  assert.equal(shownFor(rng, context(notes, 'We fine-tuned qwen/qwen2.5-0.5b on the q_proj only.')), QWEN, `${rng.tag}`);
  assert.equal(shownFor(rng, context(join(ROOT, 'runs', 'sd-text-encoder', 'sub', 'x.py'), 'q_proj')), SDXL, `${rng.tag}`);
  assert.equal(shownFor(rng, context(join(ROOT, 'qwen', 'eval', 'x.py'), 'q_proj')), QWEN, `${rng.tag}`);
});

test('generic folder names and short strings are not taken as a reference', () => {
  const rng = Rng.fresh();
  const index = new ModuleIndex();
  const a = join(ROOT, 'x', 'lora', 'adapter_model.safetensors');
  const b = join(ROOT, 'y', 'other', 'adapter_model.safetensors');
  index.set(adapter(rng, a, null));
  index.set(adapter(rng, b, null));
  const match = index.match('q_proj') ?? assert.fail('no match');
  // "lora" appears, but it is not a path to either; with no document path the most recent wins.
  const shown = preferAdapter(match.adapters, { documentPath: null, text: 'path = "lora"', workspaceRoot: null });
  assert.equal(shown.shown.adapter.file, b, `${rng.tag}`);
  assert.equal(shown.reason, 'the most recently opened');
});

test('the hover shows one adapter, says which and why, and links every other one', () => {
  const rng = Rng.fresh();
  const match = indexOf(rng).match('q_proj') ?? assert.fail('no match');
  const md = hoverMarkdown(match, labels, context(join(ROOT, 'scripts', 'train.py'), 'base = "Qwen/Qwen2.5-0.5B"'));
  assert.equal(md.match(/\*\*LoRA Lens\*\*/g)?.length, 1, md);
  assert.ok(md.includes('**LoRA Lens** · qwen/adapter\\_model.safetensors'), md);
  assert.match(md, /_Shown: qwen\/adapter\\_model\.safetensors, its base model Qwen\/Qwen2\.5-0\.5B is named in this file\._/);
  const also = md.slice(md.indexOf('Also in:'), md.indexOf('\n'));
  assert.ok(md.startsWith('_Shown: '), md);
  for (const other of [LLAMA, SDXL]) assert.ok(also.includes(`(command:loraLens.openInLens?${encodeURIComponent(JSON.stringify([other]))})`), `${rng.tag}: ${also}`);
  assert.ok(!also.includes(encodeURIComponent(JSON.stringify([QWEN]))), also);
});

test('a base model from a file cannot make Markdown in the reason', () => {
  const rng = Rng.fresh();
  const index = new ModuleIndex();
  const evil = '[x](command:evil)*';
  index.set(adapter(rng, LLAMA, evil));
  index.set(adapter(rng, QWEN, null));
  const md = hoverMarkdown(index.match('q_proj') ?? assert.fail('no match'), labels, context(join(ROOT, 'a.md'), `uses ${evil}`));
  assert.ok(!md.includes('](command:evil)'), md);
  assert.ok(md.includes('\\[x\\]'), md);
});

test('a path is named only up to a segment boundary: runs/lora is not named by runs/lora-v2/…', () => {
  const rng = Rng.fresh();
  const index = new ModuleIndex();
  const v1 = join(ROOT, 'runs', 'lora', 'adapter_model.safetensors');
  const near = join(ROOT, 'scripts', 'tuned', 'adapter_model.safetensors');
  // Added in a random order, so the index's order (the tie-break) says nothing.
  for (const file of rng.next() < 0.5 ? [v1, near] : [near, v1]) index.set(adapter(rng, file, null));
  const match = index.match('q_proj') ?? assert.fail('no match');
  const script = join(ROOT, 'scripts', 'train.py');
  const shown = (text: string) => preferAdapter(match.adapters, context(script, text)).shown.adapter.file;
  const root = ROOT.split('\\').join('/');
  // Texts naming other runs whose paths begin with runs/lora: the nearest adapter is shown.
  for (const text of [`load("runs/lora-v2/adapter_model.safetensors")`, `path = ${root}/runs/lora-v2`, `see runs/lora.v2 for it`, `myruns/lora_b`, `"../runs/lora2"`]) {
    assert.equal(shown(text), near, `${rng.tag}: ${text}`);
  }
  // Texts naming runs/lora itself.
  for (const text of [`the first run is in runs/lora.`, `load("${root}/runs/lora")`, `(runs/lora)`, `../runs/lora/adapter_model.safetensors`, `runs/lora`]) {
    assert.equal(shown(text), v1, `${rng.tag}: ${text}`);
  }
});
