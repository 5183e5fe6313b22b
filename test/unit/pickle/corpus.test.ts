import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { openTensorSource } from '../../../src/core/container/open';
import { buildReport } from '../../../src/core/report/report';
import { reportText } from '../../../src/core/report/text';
import { corpusPath } from '../../helpers/fixtures';

/**
 * The corpus's real PEFT 0.6.1 pickle (a zip torch.save under the `adapter_model/` prefix). The
 * expected offsets, sizes and sums were found independently with Python's zipfile and struct
 * (member data start = local header offset + 30 + name + extra length; values unpacked '<f')
 * and its data.pkl listed with pickletools: two FloatStorages '0' (360) and '1' (80).
 */
const EXPECTED = [
  { name: 'base_model.model.conv2d.lora_A.weight', shape: [8, 5, 3, 3], start: 640, end: 2080, sum: 0.6756433349219151, squares: 2.704083221778823, last: 0.09741443395614624 },
  { name: 'base_model.model.conv2d.lora_B.weight', shape: [10, 8, 1, 1], start: 2176, end: 2496, sum: 2.71428290521726, squares: 3.3604470321142625, last: -0.35310080647468567 },
];

test('corpus PEFT pickle: tensors at the offsets, shapes and values Python finds', async () => {
  const source = await openTensorSource(corpusPath('pickle-peft-regression-lora_conv2d', 'adapter_model.bin'));
  try {
    assert.equal(source.container, 'pytorch-zip');
    assert.deepEqual(
      source.header.tensors.map((t) => ({ name: t.name, shape: t.shape, start: t.start, end: t.end, dtype: t.dtype })),
      EXPECTED.map((e) => ({ name: e.name, shape: e.shape, start: e.start, end: e.end, dtype: 'F32' })),
    );
    for (const e of EXPECTED) {
      const values = await source.readFloat64(e.name);
      const sum = values.reduce((a, b) => a + b, 0);
      const squares = values.reduce((a, b) => a + b * b, 0);
      assert.ok(Math.abs(sum - e.sum) < 1e-12 && Math.abs(squares - e.squares) < 1e-12, `${e.name}: ${sum}, ${squares}`);
      assert.equal(values[values.length - 1], e.last);
    }
  } finally {
    await source.close();
  }
});

test('corpus PEFT pickle: the folder opens as a PEFT conv adapter of rank 8 and analyses', async () => {
  const { adapter, file } = await openAdapter(corpusPath('pickle-peft-regression-lora_conv2d'));
  try {
    assert.equal(file.container, 'pytorch-zip');
    assert.equal(adapter.format, 'peft');
    assert.equal(adapter.modules.length, 1);
    const [m] = adapter.modules;
    assert.equal(m.name, 'conv2d');
    assert.equal(m.rank, 8);
    assert.deepEqual(m.shape, [10, 45]);
    assert.equal(m.scale, 1);
    const text = reportText(buildReport(adapter, null));
    assert.match(text, /container {3}PyTorch checkpoint \(torch\.save zip archive/);
    assert.equal(buildReport(adapter, null).container, 'pytorch-zip');
    const report = await analyzeAdapter({ adapter, file });
    assert.equal(report.modules.length, 1);
    const [result] = report.modules;
    assert.ok(result.status === 'ok', JSON.stringify(result));
    assert.equal(result.singularValues.length, 8);
  } finally {
    await file.close();
  }
});
