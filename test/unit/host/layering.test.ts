import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

const HOST = join(__dirname, '..', '..', '..', '..', 'src', 'host');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))));
  return nested.flat();
}

test('the extension host shares logic with the CLI through the core, never by importing the CLI', async () => {
  const files = await sources(HOST);
  assert.ok(files.length > 20, `${files.length} host sources`);
  const offenders: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (/from '(?:\.\.\/)+cli\//.test(text)) offenders.push(file);
  }
  assert.deepEqual(offenders, []);
});
