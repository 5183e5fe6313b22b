import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkCommand } from '../../../src/cli/check';
import type { CheckArgs } from '../../../src/cli/checkArgs';
import { CHECK_SOURCES } from '../../../src/core/check/sources';
import { runCheck, type CheckProgress } from '../../../src/core/check/runCheck';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { child, peftAdapter } from './cliFixtures';

test('runCheck reports each module of each file as it is analysed, and the policy-chosen backend finds what the default one does', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    await peftAdapter(rng, child(dir, 'a'));
    await peftAdapter(rng, child(dir, 'b'), { nan: true });
    const events: CheckProgress[] = [];
    const checks = await runCheck([dir], { compute: { backend: 'auto', device: 'auto' }, onProgress: (p) => events.push(p) }, CHECK_SOURCES);
    assert.equal(checks.length, 2);
    for (const c of checks) {
      const mine = events.filter((e) => e.path === c.path);
      assert.deepEqual(
        mine.map((e) => [e.done, e.total]),
        [
          [1, 2],
          [2, 2],
        ],
      );
    }
    assert.equal(events.length, 4);
    const plain = await runCheck([dir], {}, CHECK_SOURCES);
    assert.deepEqual(
      checks.map((c) => c.findings.map((f) => f.code)),
      plain.map((c) => c.findings.map((f) => f.code)),
    );
  } finally {
    await removeDir(dir);
  }
});

/** Runs `body` with process.stderr taken for a terminal whose writes are collected. */
async function onTerminal<T>(body: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const stderr = process.stderr;
  const wasTty = Object.getOwnPropertyDescriptor(stderr, 'isTTY');
  const write = stderr.write.bind(stderr);
  let written = '';
  Object.defineProperty(stderr, 'isTTY', { value: true, configurable: true });
  stderr.write = ((chunk: string | Uint8Array) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof stderr.write;
  try {
    return { result: await body(), stderr: written };
  } finally {
    stderr.write = write;
    if (wasTty) Object.defineProperty(stderr, 'isTTY', wasTty);
    else delete (stderr as { isTTY?: boolean }).isTTY;
  }
}

test('lora-lens check draws its progress on a terminal stderr, erases it when done, and keeps it out of the --json output', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'a'));
    const args: CheckArgs = { command: 'check', paths: [adapter], output: 'json', failOn: 'error' };
    const { result, stderr } = await onTerminal(() => checkCommand(args));
    assert.match(stderr, /\rchecking adapter_model\.safetensors: 2\/2 modules/);
    assert.ok(stderr.endsWith('\r\u001b[K'), JSON.stringify(stderr));
    assert.doesNotMatch(result.text, /checking/);
    assert.equal((JSON.parse(result.text) as { files: unknown[] }).files.length, 1);
  } finally {
    await removeDir(dir);
  }
});
