import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSaltYamlMapping } from '../../cli/local.js';

test('--pillar and --grains files are read with Salt\'s YAML rules, errors name file, line and column', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'umec-pillarfile-'));
  try {
    const f = join(dir, 'pillar.yaml');
    await writeFile(f, 'enabled: no\nmode: 0644\nratio: 1.0\nwhen: 2024-01-02\nlist: [on, off, ~]\n');
    assert.deepEqual(await readSaltYamlMapping(f, 'pillar'), { enabled: false, mode: 644, ratio: 1, when: '2024-01-02', list: [true, false, null] });
    await writeFile(f, 'a: 1\nb:\n  c: 1\n  c: 2\n');
    await assert.rejects(readSaltYamlMapping(f, 'pillar'), (e: Error) => e.message.includes(`${f}:4:3`) && e.message.includes("found conflicting ID 'c'"));
    await writeFile(f, '- a\n');
    await assert.rejects(readSaltYamlMapping(f, 'pillar'), /pillar must be a mapping/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
