import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { describeMetadata } from '../../../src/core/adapter/metadata';
import { readHeader } from '../../../src/core/safetensors/reader';
import { corpusPath } from '../../helpers/fixtures';

test('kohya ss_* metadata of a real LyCORIS file: labelled, ordered, JSON values parsed', async () => {
  const header = await readHeader(corpusPath('lycoris-lokr-r4', 'smart_falcon_4_lokr.safetensors'));
  const entries = describeMetadata(header.metadata);
  assert.equal(entries.length, 61);
  assert.deepEqual(
    entries.slice(0, 4).map((e) => e.key),
    ['ss_sd_model_name', 'ss_network_module', 'ss_network_dim', 'ss_network_alpha'],
  );
  const args = entries.find((e) => e.key === 'ss_network_args');
  assert.equal(args?.label, 'network args');
  assert.deepEqual(args?.parsed, { conv_rank: '4', conv_alpha: '4', algo: 'lokr' });
  const dirs = entries.find((e) => e.key === 'ss_dataset_dirs')?.parsed as Record<string, { img_count: number }>;
  assert.equal(dirs['16_smf girl'].img_count, 43);
  // Plain strings that are not JSON objects stay strings.
  assert.equal(entries.find((e) => e.key === 'ss_learning_rate')?.parsed, undefined);
});

test('malformed and hostile metadata values never break anything', () => {
  const entries = describeMetadata({ ss_network_args: '{"conv_rank": 4,', software: '["x"]', weird: '{"__proto__": {"polluted": true}}', n: '17' });
  assert.equal(entries.find((e) => e.key === 'ss_network_args')?.parsed, undefined);
  assert.deepEqual(entries.find((e) => e.key === 'software')?.parsed, ['x']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(describeMetadata(null), []);
});
