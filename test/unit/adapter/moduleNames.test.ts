import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { detectFormat } from '../../../src/core/adapter/detect';
import type { GroupedKeys } from '../../../src/core/adapter/group';
import { openAdapter } from '../../../src/core/adapter/load';
import { kohyaName, kohyaPrefixOf, parseModuleName, PIPELINE_COMPONENTS } from '../../../src/core/adapter/moduleNames';
import { placeOf } from '../../../src/core/adapter/place';
import { baseModuleKey } from '../../../src/core/subspace/names';
import { indexKeys, lookupKeys } from '../../../src/host/hover/moduleKeys';
import { corpusPath } from '../../helpers/fixtures';

/** PEFT-style keys of these modules, grouped as the loader groups them. */
function peftGroup(modules: readonly string[]): GroupedKeys {
  return { modules: modules.map((module) => ({ module, scheme: 'peft' as const, parts: new Map(), conflicts: [] })), unclassified: [] };
}

/** True when a text naming `hovered` finds a module indexed under `indexed`. */
function hoverFinds(hovered: string, indexed: string): boolean {
  const keys = new Set(indexKeys(indexed, placeOf(indexed).moduleType));
  return lookupKeys(hovered).some((k) => keys.has(k));
}

test('every component of the name table is read alike by detection, base matching, resize and hover', () => {
  for (const { name: component, kohya } of PIPELINE_COMPONENTS) {
    const dotted = `${component}.down_blocks.0.attentions.1.to_q`;
    const flat = 'down_blocks_0_attentions_1_to_q';
    // Detection: PEFT-style keys under the component are a diffusers LoRA.
    assert.equal(detectFormat(peftGroup([dotted, `${component}.mid_block.proj_in`]), null, null), 'diffusers', component);
    // Base matching: the component is recognised in the dotted and in every kohya spelling.
    const key = baseModuleKey(dotted);
    assert.deepEqual([key.component, key.path], [component, flat], component);
    for (const prefix of kohya) assert.equal(baseModuleKey(`${prefix}${flat}`).key, key.key, prefix);
    assert.equal(baseModuleKey(`base_model.model.${dotted}`).key, key.key);
    // Resize: the kohya name written is read back as the same module, by base matching and hover.
    const written = kohyaName(dotted);
    assert.equal(written, `${kohya[0]}${flat}`);
    assert.equal(baseModuleKey(written).key, key.key, written);
    assert.deepEqual(kohyaPrefixOf(written), { prefix: kohya[0], component });
    for (const prefix of kohya) assert.ok(hoverFinds(`${prefix}${flat}`, dotted), `hover ${prefix}${flat} → ${dotted}`);
    assert.ok(hoverFinds(`${written}.lora_up.weight`, written), written);
  }
});

test('controlnet is a component for every reader', () => {
  const name = 'controlnet.controlnet_down_blocks.3';
  assert.equal(parseModuleName(name).component, 'controlnet');
  assert.equal(baseModuleKey(name).component, 'controlnet');
  assert.equal(detectFormat(peftGroup([name]), null, null), 'diffusers');
  assert.equal(baseModuleKey(kohyaName(name)).key, baseModuleKey(name).key);
  assert.ok(hoverFinds(kohyaName(name), name));
});

test('names without a component keep their path, and the readers still agree', () => {
  const name = 'model.layers.3.self_attn.q_proj';
  assert.deepEqual(parseModuleName(`base_model.model.${name}`), { component: null, path: name, spelling: 'plain' });
  assert.equal(detectFormat(peftGroup([name]), null, null), 'peft');
  assert.equal(kohyaName(name), 'lora_model_layers_3_self_attn_q_proj');
  assert.equal(baseModuleKey(name).loose, 'layers_3_self_attn_q_proj');
});

test('on the real corpus the readers agree on every module name', async () => {
  const manifest = await readFile(corpusPath('MANIFEST.tsv'), 'utf8');
  const files = manifest
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t')[1])
    .filter((file) => file.endsWith('.safetensors'));
  assert.ok(files.length >= 10, `${files.length} corpus adapters`);
  for (const file of files) {
    const opened = await openAdapter(corpusPath(...file.split('/')));
    try {
      const { adapter } = opened;
      // GPT-2's own `transformer.h.…` reads as a component too: the table goes by spelling alone.
      for (const m of adapter.modules) {
        const name = m.name.replace(/ \[[^\]]*\]$/, '');
        const parts = parseModuleName(name);
        const key = baseModuleKey(name);
        assert.equal(key.component, parts.component, `${file}: ${name}`);
        assert.equal(baseModuleKey(kohyaName(name)).key, key.key, `${file}: ${name} as ${kohyaName(name)}`);
        assert.ok(hoverFinds(name, name), `${file}: hover ${name}`);
        assert.ok(hoverFinds(kohyaName(name), name), `${file}: hover ${kohyaName(name)} → ${name}`);
        if (adapter.format === 'diffusers') assert.equal(parts.spelling, 'diffusers', `${file}: ${name}`);
        if (adapter.format === 'kohya' || adapter.format === 'lycoris') assert.equal(parts.spelling, 'kohya', `${file}: ${name}`);
      }
    } finally {
      await opened.file.close();
    }
  }
});
