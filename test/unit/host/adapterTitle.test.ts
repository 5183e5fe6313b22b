import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { adapterTitle } from '../../../src/host/adapterTitle';

test('a panel title names the adapter by its folder and file, so two PEFT adapters differ', () => {
  const a = adapterTitle(join('/data', 'runs', 'llama-r16', 'adapter_model.safetensors'));
  const b = adapterTitle(join('/data', 'runs', 'llama-r64', 'adapter_model.safetensors'));
  assert.equal(a, 'llama-r16/adapter_model.safetensors');
  assert.notEqual(a, b);
  assert.equal(adapterTitle(join('/data', 'style_lokr.safetensors')), 'data/style_lokr.safetensors');
  assert.equal(adapterTitle('adapter.safetensors'), 'adapter.safetensors', 'no folder: the name alone');
  assert.equal(adapterTitle('/adapter.safetensors'), 'adapter.safetensors');
});
