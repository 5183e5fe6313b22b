import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { KroneckerSidePayload } from '../../../src/protocol/payloads';
import { structureFacts } from '../../../webview/model/structureFacts';
import { Rng } from '../../helpers/random';
import { layerRow } from './fakeLayers';

test("a LoKr's largest rank names the cap that binds: a side's shape when its dim is larger, never min(m, n) when that is not it", () => {
  const rng = Rng.fresh();
  for (let round = 0; round < 200; round++) {
    const side = (): KroneckerSidePayload => {
      const [rows, cols] = [rng.int(1, 12), rng.int(1, 12)];
      const full = rng.next() < 0.4;
      return { rows, cols, rank: full ? Math.min(rows, cols) : rng.int(1, 16), full };
    };
    const [w1, w2] = [side(), side()];
    const [m, n] = [w1.rows * w2.rows, w1.cols * w2.cols];
    // The core's bound (structure.ts): each side's rank capped by its shape, the product by min(m, n).
    const [r1, r2] = [Math.min(w1.rank, w1.rows, w1.cols), Math.min(w2.rank, w2.rows, w2.cols)];
    const maxRank = Math.min(m, n, r1 * r2);
    const row = layerRow(0, { rows: m, cols: n, structure: { algorithm: 'LoKr', maxRank, kronecker: { w1, w2 } } });
    const text = structureFacts(row).find(([k]) => k === 'Largest rank')?.[1] ?? assert.fail('no largest rank');
    const at = `${rng.tag} round ${round}: ${JSON.stringify({ w1, w2 })} → ${text}`;
    assert.ok(text.startsWith(`${maxRank} = rank(W1)·rank(W2) = ${r1}·${r2}`), at);
    assert.ok(!text.includes('min(m, n)'), at);
    for (const [name, w] of [
      ['W1', w1],
      ['W2', w2],
    ] as const) {
      const capped = Math.min(w.rows, w.cols) < w.rank;
      assert.equal(text.includes(`${name}'s dim ${w.rank} is capped by its ${w.rows}×${w.cols} shape`), capped, at);
    }
  }
});
