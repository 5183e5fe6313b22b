import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { hoverMarkdown, type HoverLabels } from '../../../src/host/hover/hoverMarkdown';
import { ModuleIndex, type IndexedAdapter, type ModuleStats } from '../../../src/host/hover/moduleIndex';
import { placeOf } from '../../../src/core/adapter/place';

function stats(name: string, frobenius: number | null, rank = 8): ModuleStats {
  return {
    name,
    moduleType: placeOf(name).moduleType,
    rank,
    alpha: 16,
    scale: 2,
    frobenius,
    effectiveRank: frobenius === null ? null : frobenius / 2,
    energyRank: frobenius === null ? null : 3,
    singularValues: frobenius === null ? null : new Float64Array([frobenius, 0.5, 0.25, 0.125, 0.0625, 0.03]),
  };
}

function adapter(file: string, layers: number, frob = (i: number) => i + 1): IndexedAdapter {
  const modules: ModuleStats[] = [];
  for (let i = 0; i < layers; i++) {
    modules.push(stats(`model.layers.${i}.self_attn.q_proj`, frob(i)), stats(`model.layers.${i}.self_attn.v_proj`, frob(i) * 10));
  }
  return { file, modules };
}

const labels: HoverLabels = { energyRank: 'r95', openLink: (f) => `command:loraLens.openInLens?${encodeURIComponent(JSON.stringify([f]))}`, fileLabel: (f) => f };

test('a full path matches one module; its hover shows the numbers and the link', () => {
  const index = new ModuleIndex();
  index.set(adapter('/a/adapter_model.safetensors', 4));
  const match = index.match('base_model.model.model.layers.2.self_attn.q_proj');
  assert.ok(match);
  assert.equal(match.adapters.length, 1);
  assert.equal(match.adapters[0].modules.length, 1);
  const md = hoverMarkdown(match, labels);
  assert.match(md, /\| rank \| 8 \|/);
  assert.match(md, /\| ‖ΔW‖_F \| 3 \|/);
  assert.match(md, /\| r95 \| 3 \|/);
  assert.match(md, /\| top σ \| 3, 0\.5000, 0\.2500, 0\.1250, 0\.06250, … \|/);
  assert.match(md, /\[Open in LoRA Lens\]\(command:loraLens\.openInLens\?/);
});

test('a short name summarizes every layer: min, median and max', () => {
  const index = new ModuleIndex();
  index.set(adapter('/a/adapter_model.safetensors', 5));
  const match = index.match('q_proj');
  assert.ok(match);
  assert.equal(match.adapters[0].modules.length, 5);
  const md = hoverMarkdown(match, labels);
  assert.match(md, /5 modules/);
  assert.match(md, /\| ‖ΔW‖_F \| 1 \| 3 \| 5 \|/);
});

test('words that name nothing match nothing; pending modules say so', () => {
  const index = new ModuleIndex();
  index.set({ file: '/b/x.safetensors', modules: [stats('model.layers.0.mlp.up_proj', null)] });
  assert.equal(index.match('print'), null);
  assert.equal(index.match('down_proj'), null);
  const match = index.match('mlp.up_proj');
  assert.ok(match);
  assert.match(hoverMarkdown(match, labels), /analysis pending/);
});

test('the most recent adapter comes first, and setting an adapter again replaces it', () => {
  const index = new ModuleIndex();
  index.set(adapter('/a/adapter_model.safetensors', 2));
  index.set(adapter('/b/adapter_model.safetensors', 2));
  assert.deepEqual(
    index.match('q_proj')?.adapters.map((a) => a.adapter.file),
    ['/b/adapter_model.safetensors', '/a/adapter_model.safetensors'],
  );
  index.set(adapter('/a/adapter_model.safetensors', 3));
  assert.deepEqual(
    index.match('q_proj')?.adapters.map((a) => a.adapter.file),
    ['/a/adapter_model.safetensors', '/b/adapter_model.safetensors'],
  );
  assert.equal(index.match('q_proj')?.adapters[0].modules.length, 3);
  index.delete('/a/adapter_model.safetensors');
  assert.equal(index.match('q_proj')?.adapters.length, 1);
});

test('names from files cannot break out of the table or make Markdown', () => {
  const index = new ModuleIndex();
  index.set({ file: '/c/a|b`.safetensors', modules: [stats('layer`x|y.q_proj', 1)] });
  const md = hoverMarkdown(index.match('q_proj') ?? assert.fail('no match'), labels);
  assert.ok(md.includes('layer\\`x\\|y.q\\_proj'), md);
  assert.ok(md.includes('/c/a\\|b\\`.safetensors'), md);
});
