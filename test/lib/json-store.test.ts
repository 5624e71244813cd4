import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonStore } from '../../lib/json-store.js';
import type { UmecError } from '../../lib/errors.js';
import { tempDir } from '../helpers/context.js';

interface Doc { n: number }
const check = (v: unknown): Doc => {
  if (typeof (v as Partial<Doc> | null)?.n !== 'number') throw new Error('"n" is not a number');
  return v as Doc;
};

test('json-store: absent reads as undefined; a write is whole, 0600, in a parent it makes, and leaves no temp file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'sub', 'doc.json');
    const s = new JsonStore<Doc>(file, { what: 'test doc', check });
    assert.equal(await s.read(), undefined);
    await Promise.all(Array.from({ length: 20 }, (_, n) => s.write({ n })));
    const got = await s.read();
    assert.ok(got && got.n >= 0 && got.n < 20, 'one of the writes, never a mix');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'sub'))).mode & 0o777, 0o700);
    assert.deepEqual((await readdir(join(dir, 'sub'))).sort(), ['doc.json']);
    assert.equal(await readFile(file, 'utf8'), `${JSON.stringify(got, null, 2)}\n`);
  } finally { await cleanup(); }
});

test('json-store: a damaged file is refused by default, names the file and why, and is left in place', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'doc.json');
    const s = new JsonStore<Doc>(file, { what: 'test doc', check, hint: 'restore it' });
    await writeFile(file, '{"n": ');
    await assert.rejects(s.read(), (e: UmecError) => e.code === 'CONFIG'
      && e.message.startsWith(`${file}: damaged test doc (not JSON: `) && e.message.endsWith('; restore it'));
    await writeFile(file, '{"n": "x"}');
    await assert.rejects(s.read(), (e: UmecError) => e.message === `${file}: damaged test doc ("n" is not a number); restore it`);
    assert.equal(await readFile(file, 'utf8'), '{"n": "x"}', 'never overwritten nor moved');
    assert.deepEqual(await readdir(dir), ['doc.json']);
  } finally { await cleanup(); }
});

test('json-store: under "reset" a damaged file is kept aside as NAME.damaged-TIME and reads as absent', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'doc.json');
    const told: string[] = [];
    const s = new JsonStore<Doc>(file, { what: 'test doc', check, onDamaged: 'reset', onReset: (aside, why) => told.push(aside, why) });
    await writeFile(file, '[1, 2');
    assert.equal(await s.read(), undefined);
    const names = await readdir(dir);
    assert.equal(names.length, 1);
    assert.match(names[0], /^doc\.json\.damaged-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    assert.equal(await readFile(join(dir, names[0]), 'utf8'), '[1, 2', 'the damaged content is kept for a human');
    assert.equal(told[0], join(dir, names[0]));
    assert.match(told[1], /^not JSON: /);
    await s.write({ n: 1 });
    assert.deepEqual(await s.read(), { n: 1 });
  } finally { await cleanup(); }
});

test('json-store: a file that cannot be read (not damage) is an error under either policy; the code is the caller\'s', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'doc.json');
    await mkdir(file);
    for (const onDamaged of ['refuse', 'reset'] as const) {
      await assert.rejects(new JsonStore<Doc>(file, { code: 'REDFISH_ACCOUNTS', onDamaged }).read(),
        (e: UmecError) => e.code === 'REDFISH_ACCOUNTS' && e.message.includes(file) && /EISDIR/.test(e.message));
    }
    assert.ok((await stat(file)).isDirectory(), 'nothing was moved');
  } finally { await cleanup(); }
});
