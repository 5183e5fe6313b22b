import { strict as assert } from 'node:assert';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTensorSource } from '../../../src/core/container/open';
import { PickleError, type PickleErrorCode } from '../../../src/core/pickle/errors';
import { PICKLE_LIMITS } from '../../../src/core/pickle/limits';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { le, PickleWriter } from '../../helpers/pickleWriter';
import { torchSaveLegacy, zipStored } from '../../helpers/torchSave';

const enc = (s: string): number[] => Array.from(new TextEncoder().encode(s));
const str = (s: string): number[] => [0x8c, enc(s).length, ...enc(s)];

/** A pickle that would run `touch <sentinel>` if it were loaded with pickle.load. */
function hostilePickles(sentinel: string): Record<string, { bytes: Uint8Array; code: PickleErrorCode; names: RegExp }> {
  const command = `touch ${sentinel}`;
  const reduceCall = (module: string, name: string): Uint8Array => new PickleWriter().proto(2).global(module, name).str(command).tuple(1).reduce().stop().bytes();
  const stackGlobal = (module: string, name: string): Uint8Array =>
    new PickleWriter()
      .proto(4)
      .raw(...str(module), 0x94, ...str(name), 0x94, 0x93, 0x94, ...str(command), 0x94, 0x85, 0x94, 0x52, 0x94, 0x2e)
      .bytes();
  // A valid-looking state dict whose tensor's storage is computed by a forbidden call.
  const nested = new PickleWriter().proto(2).emptyDict().str('w').global('torch._utils', '_rebuild_tensor_v2').mark();
  nested.global('builtins', 'getattr').global('os', 'path').str('join').tuple(2).reduce();
  return {
    'os.system via __reduce__ (posix)': { bytes: reduceCall('posix', 'system'), code: 'FORBIDDEN_GLOBAL', names: /posix\.system/ },
    'os.system via __reduce__ (nt)': { bytes: reduceCall('nt', 'system'), code: 'FORBIDDEN_GLOBAL', names: /nt\.system/ },
    'builtins.eval via STACK_GLOBAL': { bytes: stackGlobal('builtins', 'eval'), code: 'FORBIDDEN_GLOBAL', names: /builtins\.eval/ },
    '__builtin__.__import__': { bytes: reduceCall('__builtin__', '__import__'), code: 'FORBIDDEN_GLOBAL', names: /__builtin__\.__import__/ },
    'builtins.exec': { bytes: reduceCall('builtins', 'exec'), code: 'FORBIDDEN_GLOBAL', names: /builtins\.exec/ },
    'a forbidden call nested in a tensor': { bytes: nested.bytes(), code: 'FORBIDDEN_GLOBAL', names: /builtins\.getattr/ },
    'torch.load itself': { bytes: reduceCall('torch', 'load'), code: 'FORBIDDEN_GLOBAL', names: /torch\.load/ },
    'INST os system': { bytes: Uint8Array.from([0x80, 2, 0x28, ...str(command), 0x69, ...enc('os\nsystem\n'), 0x2e]), code: 'FORBIDDEN_OPCODE', names: /INST/ },
    'OBJ on an allowed class': {
      bytes: new PickleWriter().proto(2).mark().global('collections', 'OrderedDict').raw(0x6f, 0x2e).bytes(),
      code: 'FORBIDDEN_OPCODE',
      names: /OBJ/,
    },
    'NEWOBJ on an allowed class': {
      bytes: new PickleWriter().proto(2).global('collections', 'OrderedDict').tuple(0).raw(0x81, 0x2e).bytes(),
      code: 'FORBIDDEN_OPCODE',
      names: /NEWOBJ/,
    },
    'EXT1 (copyreg extension registry)': { bytes: Uint8Array.from([0x80, 2, 0x82, 1, 0x2e]), code: 'FORBIDDEN_OPCODE', names: /EXT1/ },
    'BUILD on a class (__setstate__ trick)': {
      bytes: new PickleWriter().proto(2).global('torch', 'FloatStorage').emptyDict().build().stop().bytes(),
      code: 'FORBIDDEN_OPCODE',
      names: /BUILD on torch\.FloatStorage/,
    },
    'REDUCE on a storage class': {
      bytes: new PickleWriter().proto(2).global('torch', 'FloatStorage').tuple(0).reduce().stop().bytes(),
      code: 'MALFORMED_PICKLE',
      names: /torch\.FloatStorage is not callable/,
    },
    'STACK_GLOBAL on a non-string': {
      bytes: Uint8Array.from([0x80, 4, 0x4b, 1, ...str('system'), 0x93, 0x2e]),
      code: 'MALFORMED_PICKLE',
      names: /STACK_GLOBAL on int and str/,
    },
    'memo read before written': { bytes: Uint8Array.from([0x80, 2, 0x68, 7, 0x2e]), code: 'MALFORMED_PICKLE', names: /memo entry 7/ },
    'memo past its bound': {
      bytes: Uint8Array.from([0x80, 4, 0x4e, ...new Array<number>(PICKLE_LIMITS.memoEntries + 1).fill(0x94), 0x2e]),
      code: 'LIMIT_EXCEEDED',
      names: /memo grows past/,
    },
    'stack past its bound': {
      bytes: Uint8Array.from([0x80, 2, ...new Array<number>(PICKLE_LIMITS.stackItems + 1).fill(0x4e), 0x2e]),
      code: 'LIMIT_EXCEEDED',
      names: /stack grows past/,
    },
    'MARKs nested past their bound': {
      bytes: Uint8Array.from([0x80, 2, ...new Array<number>(PICKLE_LIMITS.markDepth + 1).fill(0x28), 0x2e]),
      code: 'LIMIT_EXCEEDED',
      names: /MARKs nest deeper/,
    },
    'a string of 4 GiB': { bytes: Uint8Array.from([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff, 0x2e]), code: 'LIMIT_EXCEEDED', names: /4294967295 bytes/ },
    'a bomb of lists nested 100 deep, each holding its inner list twice': { bytes: listBomb(100), code: 'LIMIT_EXCEEDED', names: /nest deeper than 64/ },
    'a whole pickled module (persistent id of kind module)': {
      bytes: new PickleWriter().proto(2).str('module').str('Net').str('source').tuple(3).persid().stop().bytes(),
      code: 'NOT_A_STATE_DICT',
      names: /"module"/,
    },
  };
}

/** L0 = []; L(k+1) = [L(k), L(k)] by memo reference: 2^depth paths, `depth` containers. */
function listBomb(depth: number): Uint8Array {
  const w = new PickleWriter().proto(2).raw(0x5d).put();
  for (let k = 1; k <= depth; k++)
    w.raw(0x5d)
      .put()
      .mark()
      .raw(0x68, k - 1, 0x68, k - 1, 0x65);
  // Every level is left on the stack: POP_MARK drops them, BINGET brings back the outermost.
  return Uint8Array.from([0x80, 2, 0x28, ...w.bytes().subarray(2), 0x31, 0x68, depth, 0x2e]);
}

test('hostile pickles are refused with a typed error naming the global, opcode or limit, and nothing runs', async () => {
  const dir = await tempDir();
  try {
    const sentinel = join(dir, 'pwned');
    for (const [what, { bytes, code, names }] of Object.entries(hostilePickles(sentinel))) {
      // The megabyte-long limit cases run once; legacy parsing re-reads its head as it grows.
      const containers = bytes.length > 100_000 ? (['zip'] as const) : (['zip', 'legacy'] as const);
      for (const container of containers) {
        const file = container === 'zip' ? zipStored([{ name: 'archive/data.pkl', data: bytes }]) : legacyWith(bytes);
        const path = join(dir, `${container}.bin`);
        await writeFile(path, file);
        await assert.rejects(
          openTensorSource(path),
          (error: unknown) => {
            assert.ok(error instanceof PickleError, `${what} (${container}): ${String(error)}`);
            assert.equal(error.code, code, `${what} (${container}): ${error.message}`);
            assert.match(error.message, names, `${what} (${container})`);
            return true;
          },
          `${what} (${container})`,
        );
      }
      assert.equal(existsSync(sentinel), false, what);
    }
  } finally {
    await removeDir(dir);
  }
});

/** A legacy checkpoint whose main pickle is `main` (the magic, protocol and sys info before it are valid). */
function legacyWith(main: Uint8Array): Uint8Array {
  const valid = torchSaveLegacy([], []);
  const head = new PickleWriter().proto(2).long(0x1950a86a20f9469cfc6cn).stop().bytes();
  const protocol = new PickleWriter().proto(2).int(1001).stop().bytes();
  const info = new PickleWriter().proto(2).emptyDict().stop().bytes();
  const keys = new PickleWriter().proto(2).raw(0x5d).stop().bytes();
  assert.ok(valid.length > 0);
  return Uint8Array.from([...head, ...protocol, ...info, ...main, ...keys, ...le(0, 0)]);
}
