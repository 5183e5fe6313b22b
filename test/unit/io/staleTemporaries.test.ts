import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../../src/core/io/atomicWrite';
import { removeDir, tempDir } from '../../helpers/fixtures';

const ATOMIC_WRITE = join(__dirname, '..', '..', '..', 'src', 'core', 'io', 'atomicWrite.js');

/** The pid of a process that has ended (a child run to completion). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('a write killed with SIGKILL leaves a temporary that the next write into that folder removes', async () => {
  const dir = await tempDir();
  try {
    const target = join(dir, 'adapter_model.safetensors');
    // The child writes a first chunk, says so, then waits forever mid-write.
    const script = `require(${JSON.stringify(ATOMIC_WRITE)}).writeAtomic(${JSON.stringify(target)}, async (write) => {
      await write(new Uint8Array(4096).fill(9));
      process.stdout.write('mid-write\\n');
      setInterval(() => {}, 1000);
      await new Promise(() => {});
    });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    child.stdout.setEncoding('utf8');
    while (!said.includes('mid-write\n')) said += String((await once(child.stdout, 'data'))[0]);
    const left = await readdir(dir);
    assert.equal(left.length, 1);
    assert.match(left[0], new RegExp(`^\\.adapter_model\\.safetensors\\.${child.pid}-[0-9a-f]{12}\\.tmp$`));
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    await writeFileAtomic(target, 'done');
    assert.deepEqual(await readdir(dir), ['adapter_model.safetensors']);
    assert.equal(await readFile(target, 'utf8'), 'done');
  } finally {
    await removeDir(dir);
  }
});

test('only our own temporaries of writers that are gone are removed; everything else is left alone', async () => {
  const dir = await tempDir();
  try {
    const dead = deadPid();
    // A live writer: a child that stays until the end of the test.
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const stale = [`.report.md.${dead}-0123456789ab.tmp`, `.adapter_config.json.${dead}-abcdefabcdef.bak`, '.old.safetensors.0123456789ab.tmp'];
      const kept = [
        `.report.md.${live.pid}-0123456789ab.tmp`,
        `.report.md.${dead}-0123456789AB.tmp`,
        `report.md.${dead}-0123456789ab.tmp`,
        `.report.md.${dead}-0123456789ab.tmp.user`,
        '.recent.safetensors.0123456789ab.tmp',
        'notes.tmp',
      ];
      for (const name of [...stale, ...kept]) await writeFile(join(dir, name), 'x');
      // The earlier naming has no pid: removed only when older than a day.
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
      await utimes(join(dir, '.old.safetensors.0123456789ab.tmp'), twoDaysAgo, twoDaysAgo);
      // A symbolic link with our exact naming is not a file we wrote.
      await symlink(join(dir, 'notes.tmp'), join(dir, `.link.${dead}-0123456789ab.tmp`));
      kept.push(`.link.${dead}-0123456789ab.tmp`);
      await writeFileAtomic(join(dir, 'out.txt'), 'new');
      assert.deepEqual((await readdir(dir)).sort(), [...kept, 'out.txt'].sort());
    } finally {
      live.kill();
    }
  } finally {
    await removeDir(dir);
  }
});
