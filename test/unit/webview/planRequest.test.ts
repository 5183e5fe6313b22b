import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { RankMethodPayload, RankPlanPayload } from '../../../src/protocol/resizePayloads';
import { PlanRequest } from '../../../webview/state/planRequest';

interface Asked {
  readonly method: RankMethodPayload;
  readonly signal: AbortSignal;
  resolve(plan: RankPlanPayload): void;
  reject(error: Error): void;
}

function plan(description: string): RankPlanPayload {
  const one = (v: number) => Int32Array.of(v);
  return { description, indices: one(0), rank: one(8), kept: one(4), relativeError: Float64Array.of(0.1), overallRelativeError: 0.1, paramsBefore: 16, paramsAfter: 8, missing: 0 };
}

function harness() {
  const asked: Asked[] = [];
  let changes = 0;
  const request = new PlanRequest(
    (method, signal) =>
      new Promise<RankPlanPayload>((resolve, reject) => {
        asked.push({ method, signal, resolve, reject });
      }),
    () => changes++,
  );
  return { asked, request, changes: () => changes };
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const energy: RankMethodPayload = { kind: 'energy', level: 0.95 };
const fixed: RankMethodPayload = { kind: 'fixed', rank: 2 };

test('one request per method and results; a newer one aborts the older, whose late answer is dropped', async () => {
  const { asked, request, changes } = harness();
  request.want(energy, 'a:10');
  request.want(energy, 'a:10');
  assert.equal(asked.length, 1);
  assert.deepEqual(request.current, { kind: 'waiting' });
  request.want(energy, 'a:20');
  assert.equal(asked.length, 2);
  assert.equal(asked[0].signal.aborted, true);
  asked[0].resolve(plan('stale'));
  await settle();
  assert.equal(changes(), 0);
  asked[1].resolve(plan('fresh'));
  await settle();
  assert.equal(changes(), 1);
  assert.equal(request.current.kind === 'ready' && request.current.plan.description, 'fresh');
  // More results under the same method: the plan shown stays until the next one arrives.
  request.want(energy, 'a:30');
  assert.equal(request.current.kind, 'ready');
  // Another method: the old plan is not shown for it.
  request.want(fixed, 'a:30');
  assert.deepEqual(request.current, { kind: 'waiting' });
  assert.deepEqual(asked[3].method, fixed);
});

test('a refused request shows its message; no method or no results asks nothing', async () => {
  const { asked, request } = harness();
  request.want(fixed, 'a:5');
  asked[0].reject(new Error('budget too small'));
  await settle();
  assert.deepEqual(request.current, { kind: 'failed', message: 'budget too small' });
  request.want(null, 'a:5');
  assert.deepEqual(request.current, { kind: 'none' });
  assert.equal(asked.length, 1);
  const abort = new Error('cancelled');
  abort.name = 'AbortError';
  request.want(energy, 'a:6');
  asked[1].reject(abort);
  await settle();
  assert.deepEqual(request.current, { kind: 'waiting' }, 'an abort is not a failure');
  request.dispose();
  assert.equal(asked[1].signal.aborted, true);
});
