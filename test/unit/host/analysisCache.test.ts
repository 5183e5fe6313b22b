import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Batcher } from '../../../src/host/analysis/batcher';
import { ResultCache } from '../../../src/host/analysis/resultCache';

test('the cache hits for an unchanged stamp and drops a changed file', () => {
  const cache = new ResultCache<string>();
  let changes = 0;
  cache.onDidChange(() => changes++);
  cache.set({ path: '/a', size: 10, mtimeMs: 1 }, 'first');
  assert.equal(cache.get({ path: '/a', size: 10, mtimeMs: 1 }), 'first');
  assert.equal(cache.get({ path: '/a', size: 10, mtimeMs: 2 }), undefined);
  assert.equal(cache.get({ path: '/a', size: 10, mtimeMs: 1 }), undefined);
  assert.equal(changes, 2);
});

test('the least recently used entry goes first when the cache is full', () => {
  const cache = new ResultCache<number>(2);
  const stamp = (path: string) => ({ path, size: 1, mtimeMs: 1 });
  cache.set(stamp('/a'), 1);
  cache.set(stamp('/b'), 2);
  cache.get(stamp('/a'));
  cache.set(stamp('/c'), 3);
  assert.deepEqual(cache.values(), [1, 3]);
  cache.clear();
  assert.equal(cache.size, 0);
});

test('the batcher hands on items together after the interval, and at once on flush', async () => {
  const batches: number[][] = [];
  const batcher = new Batcher<number>((items) => batches.push(items), 20);
  batcher.push(1);
  batcher.push(2);
  assert.deepEqual(batches, []);
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(batches, [[1, 2]]);
  batcher.push(3);
  batcher.flush();
  assert.deepEqual(batches, [[1, 2], [3]]);
  batcher.push(4);
  batcher.dispose();
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(batches.length, 2);
});
