import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileModule } from '../../../states/modules/file/index.js';
import { StateRegistry } from '../../../states/registry.js';
import type { StateArgs, StateReturn } from '../../../states/types.js';
import { makeContext, tempDir } from '../../helpers/context.js';

const registry = new StateRegistry([fileModule]);

async function withDir(fn: (p: (f: string) => string, state: (fun: string, args: StateArgs, test?: boolean) => Promise<StateReturn>, root: string) => Promise<void>) {
  const t = await tempDir('umec-file-edit-');
  const state = async (fun: string, args: StateArgs, testMode = false): Promise<StateReturn> => {
    const { name, ...own } = args;
    const { args: valid, errors } = registry.validate('file', fun, own);
    assert.deepEqual(errors, []);
    return fileModule.functions[fun].run({ ...valid, name }, makeContext({ root: t.dir, test: testMode }));
  };
  try { await fn((f) => join(t.dir, f), state, t.dir); } finally { await t.cleanup(); }
}

const PAM = '# PAM\n\n# Standard Un*x authentication.\n@include common-auth\n\naccount    required     pam_nologin.so\n';

// ---------------------------------------------------------------- file.replace

test('replace: Salt defaults, a backref edit with a .bak backup, then no change on the second run', async () => {
  assert.deepEqual(registry.validate('file', 'replace', { pattern: 'a', repl: 'b' }).args, {
    pattern: 'a', repl: 'b', count: 0, flags: 8, bufsize: 1, append_if_not_found: false, prepend_if_not_found: false,
    backup: '.bak', show_changes: true, ignore_if_missing: false, backslash_literal: false,
  });
  await withDir(async (p, state) => {
    const f = p('sshd');
    await writeFile(f, PAM);
    await chmod(f, 0o640);
    const args = { name: f, pattern: '^(@include common-auth)$', repl: 'auth  pam_x.so\n\\1' };
    const dry = await state('replace', args, true);
    assert.equal(dry.result, null);
    assert.equal(dry.comment, 'Changes would have been made');
    assert.equal(await readFile(f, 'utf8'), PAM);
    const r = await state('replace', args);
    assert.equal(r.result, true);
    assert.equal(r.comment, 'Changes were made');
    assert.deepEqual(r.changes, { diff: '--- \n+++ \n@@ -1,6 +1,7 @@\n # PAM\n \n # Standard Un*x authentication.\n+auth  pam_x.so\n @include common-auth\n \n account    required     pam_nologin.so\n' });
    assert.equal(await readFile(f, 'utf8'), PAM.replace('@include common-auth', 'auth  pam_x.so\n@include common-auth'));
    assert.equal(await readFile(`${f}.bak`, 'utf8'), PAM);
    assert.equal((await stat(f)).mode & 0o7777, 0o640);
    assert.deepEqual(dry.changes, r.changes);
    // the pattern still matches the new text; the result is the same text twice over only
    // if the pattern is idempotent, which this one is not: Salt would apply it again too
    const twice = await state('replace', { name: f, pattern: '^@include common-auth$', repl: '@include common-auth' });
    assert.deepEqual([twice.result, twice.changes, twice.comment], [true, {}, 'No changes needed to be made']);
  });
});

test('replace: append_if_not_found adds the line once, prepend puts not_found_content first', async () => {
  await withDir(async (p, state) => {
    const f = p('sudoers');
    await writeFile(f, 'Defaults env_reset\n@includedir /etc/sudoers.d');
    const args = { name: f, pattern: '^#includedir.*$', repl: '#includedir /etc/sudoers.d', append_if_not_found: true, backup: false };
    const r = await state('replace', args);
    assert.equal(r.comment, 'Changes were made');
    assert.equal(await readFile(f, 'utf8'), 'Defaults env_reset\n@includedir /etc/sudoers.d\n#includedir /etc/sudoers.d\n');
    assert.equal(existsSync(`${f}.bak`), false);
    const again = await state('replace', args);
    assert.deepEqual([again.result, again.changes], [true, {}]);
    const pre = { name: f, pattern: '^x=1$', repl: 'x=1', prepend_if_not_found: true, not_found_content: '# head', show_changes: false };
    const r2 = await state('replace', pre);
    assert.deepEqual(r2.changes, { diff: true });
    assert.ok((await readFile(f, 'utf8')).startsWith('# head\nDefaults'));
    assert.deepEqual((await state('replace', pre)).changes, {});
  });
});

test('replace: count, flags as names, through a symlink; missing files and bad patterns fail with Salt\'s words', async () => {
  await withDir(async (p, state) => {
    const f = p('conf');
    await writeFile(f, 'Key=a\nkey=b\nKEY=c\n');
    await symlink(f, p('link'));
    const r = await state('replace', { name: p('link'), pattern: 'key=', repl: 'k=', flags: ['IGNORECASE', 'MULTILINE'], count: 2 });
    assert.equal(r.result, true);
    assert.equal(await readFile(f, 'utf8'), 'k=a\nk=b\nKEY=c\n');
    assert.ok(existsSync(`${f}.bak`));
    const missing = await state('replace', { name: p('nope'), pattern: 'a', repl: 'b' });
    assert.deepEqual([missing.result, missing.comment], [false, `${p('nope')}: file not found`]);
    const ignored = await state('replace', { name: p('nope'), pattern: 'a', repl: 'b', ignore_if_missing: true });
    assert.deepEqual([ignored.result, ignored.comment], [true, 'No changes needed to be made']);
    const rel = await state('replace', { name: 'rel', pattern: 'a', repl: 'b' });
    assert.equal(rel.comment, 'Specified file rel is not an absolute path');
    const bad = await state('replace', { name: f, pattern: '(?>x)', repl: 'b' });
    assert.equal(bad.result, false);
    assert.match(bad.comment, /atomic group/);
  });
});

// ---------------------------------------------------------------- file.comment / uncomment

test('comment: comments matching lines with a backup, then reports them already commented', async () => {
  await withDir(async (p, state) => {
    const f = p('fstab');
    await writeFile(f, 'proc /proc\n/dev/sda1 /\n  /dev/sdb1 /data\n');
    const dry = await state('comment', { name: f, regex: '^/dev/sda1' }, true);
    assert.deepEqual([dry.result, dry.changes, dry.comment], [null, { [f]: 'updated' }, `File ${f} is set to be updated`]);
    const r = await state('comment', { name: f, regex: '^/dev/sda1' });
    assert.equal(r.result, true);
    assert.equal(r.comment, 'Commented lines successfully');
    assert.equal(r.changes.diff, '--- \n+++ \n@@ -1,3 +1,3 @@\n proc /proc\n-/dev/sda1 /\n+#/dev/sda1 /\n   /dev/sdb1 /data\n');
    assert.equal(await readFile(f, 'utf8'), 'proc /proc\n#/dev/sda1 /\n  /dev/sdb1 /data\n');
    assert.equal(await readFile(`${f}.bak`, 'utf8'), 'proc /proc\n/dev/sda1 /\n  /dev/sdb1 /data\n');
    const again = await state('comment', { name: f, regex: '^/dev/sda1' });
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'Pattern already commented']);
    const none = await state('comment', { name: f, regex: 'nothing' });
    assert.deepEqual([none.result, none.comment], [false, 'nothing: Pattern not found']);
    const ign = await state('comment', { name: f, regex: 'nothing', ignore_missing: true });
    assert.deepEqual([ign.result, ign.comment], [true, 'Pattern not found and ignore_missing set to True']);
  });
});

test('uncomment: strips the comment character with custom char, and is idempotent', async () => {
  await withDir(async (p, state) => {
    const f = p('php.ini');
    await writeFile(f, '[PHP]\n;  extension=gd\n;extension=zip\n');
    const r = await state('uncomment', { name: f, regex: 'extension=gd', char: ';', backup: false });
    assert.equal(r.comment, 'Uncommented lines successfully');
    assert.equal(await readFile(f, 'utf8'), '[PHP]\n  extension=gd\n;extension=zip\n');
    assert.equal(existsSync(`${f}.bak`), false);
    const again = await state('uncomment', { name: f, regex: 'extension=gd', char: ';' });
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'Pattern already uncommented']);
    const none = await state('uncomment', { name: f, regex: 'nope', char: ';' });
    assert.deepEqual([none.result, none.comment], [false, 'nope: Pattern not found']);
  });
});

// ---------------------------------------------------------------- file.blockreplace

test('blockreplace: appends the marked block, replaces its content later, and is idempotent', async () => {
  await withDir(async (p, state) => {
    const f = p('hosts');
    await writeFile(f, '127.0.0.1 localhost');
    const args = { name: f, marker_start: '# BEGIN umec', marker_end: '# END umec', content: '10.0.0.1 a\n10.0.0.2 b', append_if_not_found: true };
    const dry = await state('blockreplace', args, true);
    assert.deepEqual([dry.result, dry.comment], [null, 'Changes would be made']);
    const r = await state('blockreplace', args);
    assert.equal(r.comment, 'Changes were made');
    assert.deepEqual(r.changes, dry.changes);
    assert.equal(await readFile(f, 'utf8'), '127.0.0.1 localhost\n# BEGIN umec\n10.0.0.1 a\n10.0.0.2 b\n# END umec\n');
    assert.equal(await readFile(`${f}.bak`, 'utf8'), '127.0.0.1 localhost');
    const again = await state('blockreplace', args);
    assert.deepEqual([again.result, again.changes, again.comment], [true, {}, 'No changes needed to be made']);
    const changed = await state('blockreplace', { ...args, content: '10.0.0.3 c\n' });
    assert.equal(changed.changes.diff, '--- \n+++ \n@@ -1,5 +1,4 @@\n 127.0.0.1 localhost\n # BEGIN umec\n-10.0.0.1 a\n-10.0.0.2 b\n+10.0.0.3 c\n # END umec\n');
    assert.equal(await readFile(f, 'utf8'), '127.0.0.1 localhost\n# BEGIN umec\n10.0.0.3 c\n# END umec\n');
  });
});

test('blockreplace: prepend, missing markers and an unterminated block fail as Salt does', async () => {
  await withDir(async (p, state) => {
    const f = p('conf');
    await writeFile(f, 'a\n');
    const none = await state('blockreplace', { name: f, content: 'x' });
    assert.deepEqual([none.result, none.comment], [false, 'Encountered error managing block: Cannot edit marked block. Markers were not found. See the log for details.']);
    await state('blockreplace', { name: f, content: 'x', prepend_if_not_found: true });
    assert.equal(await readFile(f, 'utf8'), '#-- start managed zone --\nx\n#-- end managed zone --\na\n');
    await writeFile(f, '#-- start managed zone --\nx\n');
    const open = await state('blockreplace', { name: f, content: 'y' });
    assert.match(open.comment, /Unterminated marked block/);
  });
});

test('absent accepts and ignores the other arguments formulas pass (Salt: absent(name, **kwargs))', async () => {
  assert.deepEqual(registry.validate('file', 'absent', { mode: '0644', source: 'umec://x', template: 'jinja' }).errors, []);
  await withDir(async (p, state) => {
    await writeFile(p('x'), 'x');
    const r = await state('absent', { name: p('x'), mode: '0644', template: 'jinja' });
    assert.deepEqual([r.result, r.changes], [true, { removed: p('x') }]);
  });
});
