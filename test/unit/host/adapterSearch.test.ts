import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { adapterIn, findAdaptersNear } from '../../../src/host/hover/adapterSearch';
import { removeDir, tempDir } from '../../helpers/fixtures';

test('an adapter folder is known by its weights name, or by a config beside a .safetensors', () => {
  assert.equal(adapterIn('/d', ['README.md', 'adapter_model.safetensors']), join('/d', 'adapter_model.safetensors'));
  assert.equal(adapterIn('/d', ['adapter_config.json', 'my_lora.safetensors', 'model.safetensors']), join('/d', 'my_lora.safetensors'));
  assert.equal(adapterIn('/d', ['model.safetensors']), null);
  assert.equal(adapterIn('/d', ['adapter_config.json']), null);
});

test('the search finds adapters in every readable container, safetensors first, never Trainer state', () => {
  assert.equal(adapterIn('/d', ['adapter_model.bin', 'README.md']), join('/d', 'adapter_model.bin'));
  assert.equal(adapterIn('/d', ['adapter_model.bin', 'adapter_model.safetensors']), join('/d', 'adapter_model.safetensors'));
  assert.equal(adapterIn('/d', ['adapter_config.json', 'Qwen-F16-LoRA.gguf']), join('/d', 'Qwen-F16-LoRA.gguf'));
  assert.equal(adapterIn('/d', ['adapter_config.json', 'my_lora.pt', 'training_args.bin', 'optimizer.pt']), join('/d', 'my_lora.pt'));
  assert.equal(adapterIn('/d', ['adapter_config.json', 'training_args.bin', 'optimizer.pt']), null);
  assert.equal(adapterIn('/d', ['adapter_config.json', 'my_lora.gguf', 'lora.safetensors']), join('/d', 'lora.safetensors'));
});

test('adapters beside, above and one folder below the document are found, nearest first, not outside the root', async () => {
  const root = await tempDir();
  try {
    await mkdir(join(root, 'ws', 'src', 'pkg'), { recursive: true });
    await mkdir(join(root, 'ws', 'outputs', 'lora'), { recursive: true });
    await writeFile(join(root, 'ws', 'outputs', 'lora', 'adapter_model.safetensors'), '');
    await writeFile(join(root, 'ws', 'src', 'adapters.safetensors'), '');
    await writeFile(join(root, 'adapter_model.safetensors'), '');
    const found = await findAdaptersNear(join(root, 'ws', 'src', 'pkg'), join(root, 'ws'));
    assert.deepEqual(found, [join(root, 'ws', 'src', 'adapters.safetensors'), join(root, 'ws', 'outputs', 'lora', 'adapter_model.safetensors')]);
  } finally {
    await removeDir(root);
  }
});
