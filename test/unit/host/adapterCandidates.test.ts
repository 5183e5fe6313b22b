import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { adapterCandidates, explorerOrder, MAX_DEPTH, MAX_OFFERED, pickOrder } from '../../../src/host/subspace/adapterCandidates';
import { Rng } from '../../helpers/random';

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

test('the picker offers adapter weights by name, shallow first, and not base models, other files or deep folders', () => {
  const rng = Rng.fresh();
  const adapters = [
    'runs/a/adapter_model.safetensors',
    'qwen-lora.gguf',
    'sd/te_lokr.safetensors',
    'old/adapter_model.bin',
    'x/pytorch_lora_weights.safetensors',
    'a/b/c/d/e/f/my_lora.pt',
  ];
  const others = ['base/model.safetensors', 'runs/a/adapter_config.json', 'notes/lora.md', 'runs/a/optimizer.pt', `${'d/'.repeat(MAX_DEPTH + 1)}adapter_model.safetensors`];
  const offered = adapterCandidates(shuffled(rng, [...adapters, ...others]), (p) => p);
  assert.deepEqual(
    offered,
    ['qwen-lora.gguf', 'old/adapter_model.bin', 'sd/te_lokr.safetensors', 'x/pytorch_lora_weights.safetensors', 'runs/a/adapter_model.safetensors', 'a/b/c/d/e/f/my_lora.pt'],
    rng.tag,
  );
});

test('the offer is capped', () => {
  const many = Array.from({ length: MAX_OFFERED + 50 }, (_, i) => `r${i}/adapter_model.safetensors`);
  assert.equal(adapterCandidates(many, (p) => p).length, MAX_OFFERED);
});

test('the picking order survives selection changes reported in list order', () => {
  const rng = Rng.fresh();
  const items = Array.from({ length: 8 }, (_, i) => `item${i}`);
  for (let round = 0; round < 50; round++) {
    // The user toggles items one at a time; the list reports its selection in list order.
    let order: string[] = [];
    const expected: string[] = [];
    for (let step = 0; step < 12; step++) {
      const item = items[rng.int(0, items.length - 1)];
      const at = expected.indexOf(item);
      if (at >= 0) expected.splice(at, 1);
      else expected.push(item);
      const listOrder = items.filter((i) => expected.includes(i));
      order = pickOrder(order, listOrder);
      assert.deepEqual(order, expected, `${rng.tag} round ${round} step ${step}`);
    }
  }
});

test('an explorer multi-select keeps the selection order; code passes A then the others', () => {
  const same = (a: string, b: string) => a === b;
  // Right-clicking the second of three selected items: A is still the first selected.
  assert.deepEqual(explorerOrder('b', ['a', 'b', 'c'], same), ['a', 'b', 'c']);
  assert.deepEqual(explorerOrder('c', ['c', 'a'], same), ['c', 'a']);
  assert.deepEqual(explorerOrder('a', [], same), ['a']);
  assert.deepEqual(explorerOrder('a', ['b', 'c'], same), ['a', 'b', 'c']);
  assert.deepEqual(explorerOrder(undefined, [], same), []);
  assert.deepEqual(explorerOrder('a', ['a', 'a', 'b'], same), ['a', 'b']);
});
