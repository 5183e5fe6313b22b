import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { abbreviate, elideMiddle, shortLabels } from '../../../webview/model/shortLabels';
import { Rng } from '../../helpers/random';

/** Whether `label` (without its ellipsis) can be read off `name` left to right: nothing is made up. */
function isSubsequence(label: string, name: string): boolean {
  let j = 0;
  for (const ch of label.replace('…', '')) {
    j = name.indexOf(ch, j);
    if (j < 0) return false;
    j++;
  }
  return true;
}

const numbers = (text: string) => text.match(/\d+/g) ?? [];

test('kohya block names keep the part that differs, not their shared prefix', () => {
  const names = [
    'lora_te_text_model_encoder_layers_9',
    'lora_te_text_model_encoder_layers_10',
    'lora_unet_down_blocks_0_attentions_1',
    'lora_unet_down_blocks_0_attentions_1_transformer_blocks_0',
    'lora_unet_down_blocks_2_resnets_0',
    'lora_unet_mid_block_attentions_0',
    'lora_unet_up_blocks_3_attentions_2_transformer_blocks_0_ff_net_0',
  ];
  assert.deepEqual(shortLabels(names, 20), [
    'ttme_layers_9',
    'ttme_layers_10',
    'udb0_attentions_1',
    'udb0_a1_t_blocks_0',
    'udb2_resnets_0',
    'umb_attentions_0',
    'uub3_a2_tb0_ff_net_0',
  ]);
});

test('PEFT layers read as their number; short module types stay whole; a lone name keeps its text', () => {
  assert.deepEqual(shortLabels(['layers.0', 'layers.1', 'layers.31'], 14), ['0', '1', '31']);
  assert.deepEqual(shortLabels(['self_attn.q_proj', 'mlp.down_proj'], 18), ['self_attn.q_proj', 'mlp.down_proj']);
  assert.deepEqual(shortLabels(['layers.3'], 14), ['layers.3']);
  // A name that is all prefix of the others keeps its last token rather than going blank.
  assert.deepEqual(shortLabels(['a.b', 'a.b.c'], 10), ['b', 'b.c']);
});

test('abbreviation cuts leading words to initials, indices joined to them', () => {
  assert.equal(abbreviate('unet_down_blocks_0_attentions_1_transformer_blocks_0', 6), 'udb0_a1_tb0');
  assert.equal(abbreviate('unet_down_blocks_0_attentions_1', 0), 'unet_down_blocks_0_attentions_1');
  assert.equal(abbreviate('double_blocks.12.img_attn.qkv', 1), 'd_blocks.12.img_attn.qkv');
});

test('middle elision keeps the end (the index) and fits the limit', () => {
  assert.equal(elideMiddle('transformer_blocks_17', 30), 'transformer_blocks_17');
  const cut = elideMiddle('transformer_blocks_17', 12);
  assert.ok(cut.length <= 12 && cut.endsWith('17') && cut.includes('…'), cut);
  assert.ok(elideMiddle('abcdefghijklmnopqrstuvwxyz', 8).length <= 8);
});

const WORDS = ['down', 'up', 'blocks', 'attentions', 'transformer', 'resnets', 'ff', 'net', 'self', 'attn', 'mlp', 'encoder', 'layers', 'x', 'single', 'double'];

function randomName(rng: Rng, prefix: string): string {
  const segments: string[] = [];
  const count = rng.int(1, 4);
  for (let s = 0; s < count; s++) {
    const words = Array.from({ length: rng.int(1, 2) }, () => WORDS[rng.int(0, WORDS.length - 1)]);
    segments.push(`${words.join('_')}${rng.next() < 0.8 ? `_${rng.int(0, 40)}` : ''}`);
  }
  return `${prefix}${segments.join(rng.next() < 0.5 ? '_' : '.')}`;
}

test('random name sets: labels fit, are read off their names, keep the last indices of their names, and label a repeated name alike', () => {
  const rng = Rng.fresh();
  for (let trial = 0; trial < 300; trial++) {
    const prefix = rng.next() < 0.7 ? `${WORDS[rng.int(0, WORDS.length - 1)]}_${rng.next() < 0.5 ? 'model.' : ''}` : '';
    const names = Array.from({ length: rng.int(1, 40) }, () => randomName(rng, prefix));
    const max = rng.int(6, 24);
    const labels = shortLabels(names, max);
    const byName = new Map<string, string>();
    names.forEach((name, i) => {
      const label = labels[i];
      const where = `${JSON.stringify(name)} → ${JSON.stringify(label)} (max ${max}) ${rng.tag}`;
      assert.ok(label.length <= max, where);
      assert.ok(label.length > 0, where);
      assert.ok(isSubsequence(label, name), where);
      // Only the shared leading tokens may take indices with them: the label's are the name's last ones.
      if (!label.includes('…')) {
        const all = numbers(name);
        assert.deepEqual(numbers(label), all.slice(all.length - numbers(label).length), where);
        if (numbers(prefix).length === 0 && new Set(names).size === 1) assert.deepEqual(numbers(label), all, where);
      }
      assert.equal(byName.get(name) ?? label, label, where);
      byName.set(name, label);
    });
  }
});
