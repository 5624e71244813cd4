import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { ShadowUserDriver } from '../../../states/drivers/shadow.js';
import { fileModule } from '../../../states/modules/file/index.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const registry = new StateRegistry([fileModule]);
const users = new ShadowUserDriver({ runner: new ProcessRunner() });

async function withDir(fn: (p: (...f: string[]) => string, run: (a: StateArgs, t?: boolean) => Promise<StateReturn>) => Promise<void>) {
  const t = await tempDir('umec-managed-args-');
  const run = async (args: StateArgs, testMode = false) => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('file', 'managed', own);
    assert.deepEqual(errors, []);
    return fileModule.functions.managed.run({ ...valid, name }, makeContext({ root: t.dir, test: testMode, drivers: { users } }));
  };
  try { await fn((...f) => join(t.dir, ...f), run); } finally { await t.cleanup(); }
}

const modeOf = async (p: string) => (await stat(p)).mode & 0o7777;

test('managed check_cmd: the new content is checked in a temporary file; a failing check leaves the file alone', async () => {
  await withDir(async (p, run) => {
    const f = p('sudoers');
    await writeFile(f, 'old\n');
    const bad = await run({ name: f, contents: 'bad line', check_cmd: 'grep -q good' });
    assert.deepEqual([bad.result, bad.changes, bad.comment], [false, {}, 'check_cmd execution failed']);
    assert.equal(await readFile(f, 'utf8'), 'old\n');
    const noisy = await run({ name: f, contents: 'bad line', check_cmd: 'sh -c \'echo out; echo err >&2; exit 3\' --' });
    assert.equal(noisy.comment, 'check_cmd execution failed\nout\nerr');
    const good = await run({ name: f, contents: 'good line', check_cmd: 'grep -q good', tmp_ext: '.tmp' });
    assert.equal(good.result, true);
    assert.equal(await readFile(f, 'utf8'), 'good line\n');
    const same = await run({ name: f, contents: 'good line', check_cmd: 'false' });
    assert.deepEqual([same.result, same.changes], [true, {}], 'no change: the check does not run');
  });
});

test('managed makedirs: parents get dir_mode, or the file mode with execute bits; show_diff false hides the diff', async () => {
  await withDir(async (p, run) => {
    const r = await run({ name: p('a', 'b', 'f'), contents: 'x', makedirs: true, mode: '0640' });
    assert.equal(r.result, true);
    assert.deepEqual([await modeOf(p('a')), await modeOf(p('a', 'b')), await modeOf(p('a', 'b', 'f'))], [0o750, 0o750, 0o640]);
    await run({ name: p('c', 'd', 'f'), contents: 'x', makedirs: true, mode: '0644', dir_mode: '0700', user: 'root', group: 'root' });
    assert.deepEqual([await modeOf(p('c')), await modeOf(p('c', 'd'))], [0o700, 0o700]);
    const hidden = await run({ name: p('c', 'd', 'f'), contents: 'y', show_diff: false });
    assert.deepEqual(hidden.changes, { diff: '<show_changes=False>' });
    assert.ok(existsSync(p('c', 'd', 'f')));
  });
});

test('managed accepts the arguments formulas pass for remote sources (source_hash, skip_verify, backup) and null context', () => {
  assert.deepEqual(registry.validate('file', 'managed', { source_hash: 'sha256=abc', skip_verify: true, backup: 'minion', context: null, defaults: null }).errors, []);
});
