import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, MODEL_FILE, renderManifest } from '../../src/core/predict/predictor/manifest';
import { ridgeManifest } from '../helpers/predictorManifest';
import { linkToDevZero, makeFifo, releaseFifo } from '../helpers/specialFiles';
import { writeAdapter } from './adapter';
import type { FuzzCase, Invocation } from './types';

/**
 * Files that are not what their names say (FIFOs, links to /dev/zero, a folder named
 * `.safetensors`, a path through a regular file), outputs that cannot be written, leftovers of
 * a killed run, and two writers of one output. Nothing blocks, nothing reads forever, a failed
 * write leaves nothing behind.
 */

type Kind = 'fifo' | 'zero';

/** Makes `path` a FIFO or a link to /dev/zero; returns what releases a reader stuck on it. */
async function special(kind: Kind, path: string): Promise<() => void> {
  if (kind === 'zero') {
    await linkToDevZero(path);
    return () => undefined;
  }
  makeFifo(path);
  return () => releaseFifo(path);
}

const KINDS: readonly [Kind, string][] = [
  ['fifo', 'a FIFO'],
  ['zero', 'a link to /dev/zero'],
];

function sidecars(kind: Kind, label: string): FuzzCase[] {
  return [
    {
      category: 'file system',
      name: `x.safetensors that is ${label}`,
      async prepare(dir) {
        const release = await special(kind, join(dir, 'x.safetensors'));
        return { args: ['inspect', join(dir, 'x.safetensors'), '--json'], json: true, expect: 'refuse', release };
      },
    },
    {
      category: 'file system',
      name: `adapter_model.safetensors in a folder that is ${label}`,
      async prepare(dir) {
        const release = await special(kind, join(dir, 'adapter_model.safetensors'));
        return { args: ['inspect', dir, '--json'], json: true, expect: 'refuse', release };
      },
    },
    {
      category: 'file system',
      name: `adapter_config.json that is ${label}`,
      async prepare(dir) {
        await writeAdapter(dir, { config: null });
        const release = await special(kind, join(dir, 'adapter_config.json'));
        return { args: ['inspect', dir, '--json'], json: true, expect: 'either', release };
      },
    },
    {
      category: 'file system',
      name: `trainer_state.json that is ${label}`,
      async prepare(dir) {
        for (const step of [10, 20]) {
          await mkdir(join(dir, `checkpoint-${step}`));
          await writeAdapter(join(dir, `checkpoint-${step}`), { seed: step });
        }
        const release = await special(kind, join(dir, 'checkpoint-10', 'trainer_state.json'));
        return { args: ['checkpoints', dir, '--json'], json: true, expect: 'either', release };
      },
    },
    {
      category: 'file system',
      name: `predictor manifest.json that is ${label}`,
      async prepare(dir) {
        await writeAdapter(dir);
        await mkdir(join(dir, 'predictor'));
        await writeFile(join(dir, 'predictor', MODEL_FILE), new Uint8Array(16));
        const release = await special(kind, join(dir, 'predictor', MANIFEST_FILE));
        return { args: ['predict', dir, '--predictor', join(dir, 'predictor'), '--json'], json: true, expect: 'refuse', release };
      },
    },
    {
      category: 'file system',
      name: `predictor model.onnx that is ${label}`,
      async prepare(dir) {
        await writeAdapter(dir);
        await mkdir(join(dir, 'predictor'));
        const modules = [0, 1].map((l) => ({ name: `model.layers.${l}.self_attn.q_proj`, shape: [8, 6] as const }));
        await writeFile(join(dir, 'predictor', MANIFEST_FILE), renderManifest(ridgeManifest(modules, 'rank-ridge')));
        const release = await special(kind, join(dir, 'predictor', MODEL_FILE));
        return { args: ['predict', dir, '--predictor', join(dir, 'predictor'), '--json'], json: true, expect: 'refuse', release };
      },
    },
  ];
}

const simple = (name: string, prepare: (dir: string) => Promise<Invocation>): FuzzCase => ({ category: 'file system', name, prepare });

const paths: FuzzCase[] = [
  simple('a folder named x.safetensors', async (dir) => {
    await mkdir(join(dir, 'x.safetensors'));
    return { args: ['inspect', join(dir, 'x.safetensors'), '--json'], json: true, expect: 'refuse' };
  }),
  simple('a folder named adapter_model.safetensors inside the adapter folder', async (dir) => {
    await mkdir(join(dir, 'adapter_model.safetensors'));
    return { args: ['inspect', dir, '--json'], json: true, expect: 'refuse' };
  }),
  simple('a path through a regular file', async (dir) => {
    const weights = await writeAdapter(dir);
    return { args: ['inspect', join(weights, 'x.safetensors'), '--json'], json: true, expect: 'refuse' };
  }),
  simple('a missing path', async (dir) => ({ args: ['inspect', join(dir, 'missing', 'x.safetensors'), '--json'], json: true, expect: 'refuse' })),
  simple('resize --out through a regular file', async (dir) => {
    const weights = await writeAdapter(join(dir));
    await writeFile(join(dir, 'file'), 'x');
    return { args: ['resize', weights, '--out', join(dir, 'file', 'out'), '--method', 'fixed', '--param', '1', '--json'], json: true, expect: 'refuse' };
  }),
  simple('resize --out into a missing folder', async (dir) => {
    await mkdir(join(dir, 'a'));
    const weights = await writeAdapter(join(dir, 'a'));
    const out = join(dir, 'missing', 'deeper', 'out');
    return { args: ['resize', weights, '--out', out, '--method', 'fixed', '--param', '1', '--json'], json: true, expect: 'either', outputs: [out] };
  }),
  simple('resize --out onto an existing adapter without --overwrite', async (dir) => {
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'out'));
    const weights = await writeAdapter(join(dir, 'a'));
    await writeAdapter(join(dir, 'out'));
    const before = await readdir(join(dir, 'out'));
    return {
      args: ['resize', weights, '--out', join(dir, 'out'), '--method', 'fixed', '--param', '1', '--json'],
      json: true,
      expect: 'refuse',
      check: async () => {
        const after = await readdir(join(dir, 'out'));
        return after.length !== before.length ? `the refused run changed the output folder: ${after.join(', ')}` : undefined;
      },
    };
  }),
  simple('scan --out through a regular file', async (dir) => {
    await mkdir(join(dir, 'zoo', 'a'), { recursive: true });
    await writeAdapter(join(dir, 'zoo', 'a'));
    await writeFile(join(dir, 'file'), 'x');
    return { args: ['scan', join(dir, 'zoo'), '--out', join(dir, 'file', 'features.csv'), '--quiet'], expect: 'refuse' };
  }),
  simple('scan --out that is a FIFO', async (dir) => {
    await mkdir(join(dir, 'zoo', 'a'), { recursive: true });
    await writeAdapter(join(dir, 'zoo', 'a'));
    makeFifo(join(dir, 'features.csv'));
    return { args: ['scan', join(dir, 'zoo'), '--out', join(dir, 'features.csv'), '--quiet'], expect: 'refuse', release: () => releaseFifo(join(dir, 'features.csv')) };
  }),
  {
    category: 'file system',
    name: 'a stale temporary of a killed resize in the output folder',
    async prepare(dir) {
      await mkdir(join(dir, 'a'));
      await mkdir(join(dir, 'out'));
      const weights = await writeAdapter(join(dir, 'a'));
      // The names writes give their temporaries: hidden, beside the target, the writer's pid and 12 hex
      // digits; and the earlier naming without a pid, stale once a day old.
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      await writeFile(join(dir, 'out', `.adapter_model.safetensors.${deadPid}-0123456789ab.tmp`), new Uint8Array(64));
      const earlier = join(dir, 'out', '.adapter_config.json.0123456789ab.tmp');
      await writeFile(earlier, new Uint8Array(64));
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await utimes(earlier, twoDaysAgo, twoDaysAgo);
      return {
        args: ['resize', weights, '--out', join(dir, 'out'), '--method', 'fixed', '--param', '1', '--overwrite', '--json'],
        json: true,
        expect: 'answer',
        check: async () => {
          const left = (await readdir(join(dir, 'out'))).filter((n) => n.endsWith('.tmp'));
          return left.length > 0 ? `the stale temporary is still there: ${left.join(', ')}` : undefined;
        },
      };
    },
  },
  {
    category: 'file system',
    name: 'two scans into one --out at once',
    async prepare(dir) {
      const count = 6;
      for (let i = 0; i < count; i++) {
        await mkdir(join(dir, 'zoo', `a${i}`), { recursive: true });
        await writeAdapter(join(dir, 'zoo', `a${i}`), { seed: 100 + i });
      }
      const out = join(dir, 'features.csv');
      const args = ['scan', join(dir, 'zoo'), '--out', out, '--quiet'];
      return {
        args,
        alongside: [args],
        expect: 'either',
        check: async ({ run }) => {
          if (run.status !== 0) return undefined;
          const rows = (await readFile(out, 'utf8')).trim().split('\n').length - 1;
          return rows !== count ? `both scans succeeded but the output holds ${rows} rows of ${count}` : undefined;
        },
      };
    },
  },
];

export const FILE_SYSTEM_CASES: readonly FuzzCase[] = [...KINDS.flatMap(([kind, label]) => sidecars(kind, label)), ...paths];
