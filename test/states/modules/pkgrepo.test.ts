import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDebLine, parseDebLine, pkgrepoModule } from '../../../states/modules/pkgrepo.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const registry = new StateRegistry([pkgrepoModule]);

interface Env { root: string; tree: string; refreshes: number; run(fun: string, a: StateArgs, test?: boolean): Promise<StateReturn> }

/** A system root with /etc/apt, a state tree holding a key; apt-get update is counted, not run. */
async function withRoot(fn: (e: Env) => Promise<void>) {
  const t = await tempDir('umec-pkgrepo-');
  const root = join(t.dir, 'root');
  const tree = join(t.dir, 'tree');
  await mkdir(join(root, 'etc/apt/sources.list.d'), { recursive: true });
  await writeFile(join(root, 'etc/apt/sources.list'), 'deb http://deb.debian.org/debian bookworm main\n');
  await mkdir(join(tree, 'docker'), { recursive: true });
  await writeFile(join(tree, 'docker', 'docker.asc'), '-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n');
  const env: Env = {
    root, tree, refreshes: 0,
    async run(fun, args, testMode = false) {
      const { name, ...own } = args;
      const { args: valid, errors } = registry.validate('pkgrepo', fun, own);
      assert.deepEqual(errors, []);
      const aptRepos = { root, refresh: async () => { env.refreshes++; } };
      return pkgrepoModule.functions[fun].run({ ...valid, name }, makeContext({ root: tree, test: testMode, drivers: { aptRepos } }));
    },
  };
  try { await fn(env); } finally { await t.cleanup(); }
}

test('deb lines parse and print back', () => {
  const d = parseDebLine('deb [arch=amd64 signed-by=/k.gpg] https://download.docker.com/linux/debian/ bookworm stable # docker')!;
  assert.deepEqual(d, { disabled: false, type: 'deb', options: ['arch=amd64', 'signed-by=/k.gpg'], uri: 'https://download.docker.com/linux/debian', dist: 'bookworm', comps: ['stable'], comment: 'docker' });
  assert.equal(formatDebLine(d), 'deb [arch=amd64 signed-by=/k.gpg] https://download.docker.com/linux/debian bookworm stable #docker');
  assert.equal(parseDebLine('# just a comment'), undefined);
});

test('managed writes the line to its file with the key, refreshes, and is idempotent', async () => {
  await withRoot(async (e) => {
    const line = 'deb [arch=amd64] https://download.docker.com/linux/debian bookworm stable';
    const args = { name: line, file: '/etc/apt/sources.list.d/docker.list', key_url: 'salt://docker/docker.asc', signedby: '/etc/apt/keyrings/docker.asc', clean_file: true, humanname: 'Docker' };
    const dry = await e.run('managed', args, true);
    assert.equal(dry.result, null);
    assert.deepEqual(dry.changes, { repo: line });
    assert.match(dry.comment, /^Package repo '.*' would be configured\./);
    assert.equal(existsSync(join(e.root, 'etc/apt/sources.list.d/docker.list')), false);
    const r = await e.run('managed', args);
    assert.deepEqual([r.result, r.changes, r.comment], [true, { repo: line }, `Configured package repo '${line}'`]);
    assert.equal(await readFile(join(e.root, 'etc/apt/sources.list.d/docker.list'), 'utf8'),
      'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable\n');
    assert.match(await readFile(join(e.root, 'etc/apt/keyrings/docker.asc'), 'utf8'), /BEGIN PGP PUBLIC KEY BLOCK/);
    assert.equal(e.refreshes, 1);
    const again = await e.run('managed', args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, `Package repo '${line}' already configured`]);
    assert.equal(e.refreshes, 1);
    const comps = await e.run('managed', { ...args, name: `${line} test`, refresh: false });
    assert.deepEqual(comps.changes, { line: {
      old: 'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable',
      new: 'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable test',
    } });
    assert.equal(e.refreshes, 1, 'refresh: false');
  });
});

test('absent removes the entry (and an emptied sources.list.d file); bad arguments fail with Salt\'s words', async () => {
  await withRoot(async (e) => {
    const line = 'deb http://repo.example/debian bookworm main';
    await e.run('managed', { name: line, file: '/etc/apt/sources.list.d/example.list', comments: ['managed by umec'] });
    assert.equal(await readFile(join(e.root, 'etc/apt/sources.list.d/example.list'), 'utf8'), `${line} #managed by umec\n`);
    const dry = await e.run('absent', { name: line }, true);
    assert.deepEqual([dry.result, dry.changes], [null, { repo: line }]);
    const r = await e.run('absent', { name: line });
    assert.deepEqual([r.result, r.changes, r.comment], [true, { repo: line }, `Removed repository ${line}`]);
    assert.equal(existsSync(join(e.root, 'etc/apt/sources.list.d/example.list')), false);
    assert.equal(await readFile(join(e.root, 'etc/apt/sources.list'), 'utf8'), 'deb http://deb.debian.org/debian bookworm main\n');
    assert.equal((await e.run('absent', { name: line })).comment, `Package repo ${line} is absent`);
    const both = await e.run('managed', { name: line, key_url: 'salt://docker/docker.asc', keyid: 'ABC' });
    assert.deepEqual([both.result, both.comment], [false, 'You may not use both "keyid"/"keyserver" and "key_url" argument.']);
  });
});
