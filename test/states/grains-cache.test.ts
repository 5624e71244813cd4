import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedMachineGrains } from '../../states/grains-cache.js';
import { tempDir } from '../helpers/context.js';

const forged = (): string => JSON.stringify({
  bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), at: Date.now(), grains: { os: 'Forged', kernel: 'Forged' },
});

test('a fresh private grains.json is used; one open to others, a symlink or another uid\'s is collected again', async (t) => {
  const { dir, cleanup } = await tempDir('umec-grains-cache-');
  t.after(cleanup);
  const file = join(dir, 'grains.json');
  writeFileSync(file, forged(), { mode: 0o600 });
  assert.equal((await cachedMachineGrains({ cacheDir: dir })).os, 'Forged', 'the cache of its own owner is believed');

  writeFileSync(file, forged());
  chmodSync(file, 0o666);
  assert.notEqual((await cachedMachineGrains({ cacheDir: dir })).os, 'Forged');

  writeFileSync(join(dir, 'elsewhere.json'), forged(), { mode: 0o600 });
  rmSync(file);
  symlinkSync(join(dir, 'elsewhere.json'), file);
  assert.notEqual((await cachedMachineGrains({ cacheDir: dir })).os, 'Forged');

  if (process.getuid?.() === 0) {
    rmSync(file, { force: true });
    writeFileSync(file, forged(), { mode: 0o600 });
    chownSync(file, 4242, 4242);
    assert.notEqual((await cachedMachineGrains({ cacheDir: dir })).os, 'Forged');
  }
});
