// Salt's compile accepts what it cannot run (unknown state functions, unknown arguments) and
// only the apply of that chunk fails; these tests pin umec to Salt 3006's documented and
// source-level behaviour (salt/state.py: compile_high_data, requisite_in, verify_data, _run_check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Plan } from '../../states/compile.js';
import type { LowChunk } from '../../states/types.js';
import { byId, stateTree } from '../helpers/tree.js';

const chunk = (plan: Plan, id: string, name?: string): LowChunk => {
  const c = plan.chunks.find((x) => x.id === id && (name === undefined || x.name === name));
  assert.ok(c, `no chunk ${id} ${name ?? ''} in ${plan.chunks.map((x) => `${x.id}/${x.name}`).join(', ')}`);
  return c;
};
const edges = (plan: Plan, c: LowChunk) => c.requisites.map((r) => `${r.kind} ${plan.byKey.get(r.target)!.id}/${plan.byKey.get(r.target)!.name}`).sort();

async function withTree<T>(files: Record<string, string>, fn: (t: Awaited<ReturnType<typeof stateTree>>) => Promise<T>): Promise<T> {
  const t = await stateTree(files);
  try { return await fn(t); } finally { await t.cleanup(); }
}

test('an unknown state module compiles (with a warning) and fails only its chunk at apply, with Salt\'s comment', async () => {
  await withTree({ 'main.sls': 'ok:\n  test.nop: []\nmissing:\n  nosuchmod.present:\n    - bogus: 1\nafter:\n  test.nop:\n    - require:\n      - nosuchmod: missing\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.equal(plan.chunks.length, 3);
    const w = plan.warnings!.find((p) => p.code === 'UNKNOWN_MODULE');
    assert.ok(w, JSON.stringify(plan.warnings));
    assert.equal(w.stateId, 'missing');
    assert.equal(w.line, 4);
    assert.deepEqual(chunk(plan, 'missing').saltArgs, { bogus: 1 });
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.ok.result, true);
    assert.equal(ids.missing.result, false);
    assert.equal(ids.missing.comment, "State 'nosuchmod.present' was not found in SLS 'main'\nReason: 'nosuchmod.present' is not available.");
    assert.equal(ids.after.result, false);
    assert.match(ids.after.comment, /One or more requisite failed: main\.missing/);
  });
});

test('an unknown function of a known module fails the same way at apply', async () => {
  await withTree({ 'main.sls': 'x:\n  file.manged:\n    - name: /tmp/x\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.equal(plan.warnings![0].code, 'UNKNOWN_FUNCTION');
    const ids = byId(await t.apply(['main'], { test: true }));
    assert.equal(ids.x.result, false);
    assert.match(ids.x.comment, /^State 'file\.manged' was not found in SLS 'main'\nReason: 'file\.manged' is not available\.$/);
  });
});

test('an argument the function does not take is kept in the plan, dropped at apply with Salt\'s warning', async () => {
  await withTree({ 'main.sls': '{{OUT}}/f:\n  file.managed:\n    - contents: hi\n    - bogus_arg: 3\n' }, async (t) => {
    const plan = await t.plan(['main']);
    const c = chunk(plan, `${t.out}/f`);
    assert.equal(c.saltArgs!.bogus_arg, 3);
    assert.ok(plan.warnings!.some((w) => w.field === 'bogus_arg' && /unknown argument 'bogus_arg'/.test(w.message)));
    const r = byId(await t.apply(['main']))[`${t.out}/f`];
    assert.equal(r.result, true);
    assert.deepEqual(r.warnings, ["'bogus_arg' is an invalid keyword argument for 'file.managed'"]);
    assert.equal(readFileSync(`${t.out}/f`, 'utf8'), 'hi\n');
  });
});

test('a wrong argument value or a missing parameter fails the chunk at apply, not the run', async () => {
  await withTree({ 'main.sls': 'a:\n  file.symlink:\n    - name: {{OUT}}/l\nb:\n  file.managed:\n    - name: {{OUT}}/m\n    - makedirs: sometimes\nc:\n  file.managed:\n    - name: {{OUT}}/c\n    - contents: x\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(plan.warnings!.map((w) => [w.stateId, w.field]).sort(), [['a', 'target'], ['b', 'makedirs']]);
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.a.result, false);
    assert.equal(ids.a.comment, 'Missing parameter target for state file.symlink');
    assert.equal(ids.b.result, false);
    assert.match(ids.b.comment, /makedirs.*boolean/);
    assert.equal(ids.c.result, true);
    assert.ok(existsSync(`${t.out}/c`));
  });
});

test('null for an optional argument means its default', async () => {
  await withTree({ 'main.sls': '{{OUT}}/f:\n  file.managed:\n    - contents: x\n    - mode: null\n    - user: ~\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(plan.warnings, []);
    assert.equal(chunk(plan, `${t.out}/f`).saltArgs!.mode, null, 'the plan keeps what was written');
    const r = byId(await t.apply(['main']))[`${t.out}/f`];
    assert.equal(r.result, true, r.comment);
  });
});

test('an argument item holding a two-key mapping gives both arguments (Salt updates the chunk with the whole mapping)', async () => {
  await withTree({ 'main.sls': 'x:\n  file.managed:\n    - name: {{OUT}}/two\n      contents: both\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(plan.warnings, []);
    const c = chunk(plan, 'x');
    assert.equal(c.name, `${t.out}/two`);
    assert.equal(c.saltArgs!.contents, 'both');
    await t.apply(['main']);
    assert.equal(readFileSync(`${t.out}/two`, 'utf8'), 'both\n');
  });
});

test('the short form `id: module.function` is a state without arguments', async () => {
  await withTree({ 'main.sls': 'x: test.succeed_with_changes\n' }, async (t) => {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.x.result, true);
    assert.deepEqual(Object.keys(ids.x.changes), ['testing']);
  });
});

test('onlyif/unless: lists of commands, and a boolean (a "bad type" to Salt, which then runs the state)', async () => {
  await withTree({ 'main.sls': [
    'all_true:\n  test.succeed_with_changes:\n    - onlyif:\n      - "true"\n      - "test 1 -eq 1"\n',
    'one_false:\n  test.succeed_with_changes:\n    - onlyif:\n      - "true"\n      - "false"\n',
    'unless_all_true:\n  test.succeed_with_changes:\n    - unless:\n      - "true"\n      - "true"\n',
    'unless_one_false:\n  test.succeed_with_changes:\n    - unless:\n      - "true"\n      - "false"\n',
    'bool_true:\n  test.succeed_with_changes:\n    - onlyif: true\n',
    'bool_false:\n  test.succeed_with_changes:\n    - onlyif: false\n',
    'unless_string:\n  test.succeed_with_changes:\n    - unless: "test -d /"\n',
  ].join('') }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(plan.warnings, []);
    assert.equal(chunk(plan, 'bool_true').saltArgs!.onlyif, true);
    const ids = byId(await t.apply(['main']));
    const ran = (id: string) => Object.keys(ids[id].changes).length > 0;
    assert.ok(ran('all_true'));
    assert.ok(!ran('one_false'));
    assert.equal(ids.one_false.comment, 'onlyif condition is false');
    assert.equal(ids.one_false.result, true);
    assert.ok(!ran('unless_all_true'));
    assert.equal(ids.unless_all_true.comment, 'unless condition is true');
    assert.ok(ran('unless_one_false'));
    assert.ok(ran('bool_true'));
    assert.ok(ran('bool_false'), 'Salt runs the state when onlyif is not a command');
    assert.ok(!ran('unless_string'));
  });
});

test('names: strings and mappings of a name to its own arguments and requisites', async () => {
  await withTree({ 'main.sls': 'files:\n  file.managed:\n    - contents: default\n    - names:\n      - {{OUT}}/a\n      - {{OUT}}/b:\n        - contents: own\n        - require:\n          - test: marker\n      - {{OUT}}/a\nmarker:\n  test.nop: []\n' }, async (t) => {
    const plan = await t.plan(['main']);
    const files = plan.chunks.filter((c) => c.id === 'files');
    assert.deepEqual(files.map((c) => c.name), [`${t.out}/a`, `${t.out}/b`], 'duplicate names collapse');
    assert.equal(chunk(plan, 'files', `${t.out}/b`).saltArgs!.contents, 'own');
    assert.deepEqual(edges(plan, chunk(plan, 'files', `${t.out}/a`)), []);
    assert.deepEqual(edges(plan, chunk(plan, 'files', `${t.out}/b`)), ['require marker/marker']);
    await t.apply(['main']);
    assert.equal(readFileSync(`${t.out}/a`, 'utf8'), 'default\n');
    assert.equal(readFileSync(`${t.out}/b`, 'utf8'), 'own\n');
  });
});

test('runtime options stay in the plan: check_cmd, reload_modules, order, failhard, retry', async () => {
  await withTree({ 'main.sls': 'x:\n  test.succeed_with_changes:\n    - check_cmd: "false"\n    - reload_modules: true\n    - order: 1\n    - failhard: 0\n    - retry:\n        attempts: 3\n        interval: 0\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(plan.warnings, []);
    const c = chunk(plan, 'x');
    assert.deepEqual(c.saltArgs, { check_cmd: 'false', reload_modules: true, order: 1, failhard: 0, retry: { attempts: 3, interval: 0 } });
    assert.equal(c.failhard, false, 'failhard is read with Python truthiness');
    assert.deepEqual(c.checkCmd, ['false']);
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.x.result, false);
    assert.equal(ids.x.comment, 'check_cmd determined the state failed');
  });
});

test('retry: the state is called again until its result is the wanted one', async () => {
  // fails until the second call has created the marker
  await withTree({ 'main.sls': 'x:\n  cmd.run:\n    - name: "if [ -e {{OUT}}/seen ]; then exit 0; else touch {{OUT}}/seen; exit 1; fi"\n    - retry:\n        attempts: 3\n        interval: 0\n' }, async (t) => {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.x.result, true);
    assert.match(ids.x.comment, /Attempt 1: Returned a result of "True"/);
  });
});

test('requisite forms: by module and ID or name, bare ID, sls, globs', async () => {
  await withTree({
    'main.sls': 'include:\n  - other\n'
      + 'web_pkg:\n  pkg.installed:\n    - name: nginx\n'
      + 'by_name:\n  test.nop:\n    - require:\n      - pkg: nginx\n'
      + 'by_bare_id:\n  test.nop:\n    - require:\n      - web_pkg\n'
      + 'by_sls:\n  test.nop:\n    - require:\n      - sls: oth*\n'
      + 'by_glob:\n  test.nop:\n    - watch:\n      - test: o/*\n'
      + 'dotted:\n  test.nop:\n    - require:\n      - pkg.installed: web_pkg\n',
    'other.sls': 'o/1:\n  test.nop: []\no/2:\n  test.nop: []\n',
  }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(edges(plan, chunk(plan, 'by_name')), ['require web_pkg/nginx']);
    assert.deepEqual(edges(plan, chunk(plan, 'by_bare_id')), ['require web_pkg/nginx']);
    assert.deepEqual(edges(plan, chunk(plan, 'by_sls')), ['require o/1/o/1', 'require o/2/o/2']);
    assert.deepEqual(edges(plan, chunk(plan, 'by_glob')), ['watch o/1/o/1', 'watch o/2/o/2'], 'a * matches / as in fnmatch');
    assert.deepEqual(edges(plan, chunk(plan, 'dotted')), ['require web_pkg/nginx']);
    assert.ok(plan.warnings!.some((w) => w.stateId === 'dotted' && /dots/.test(w.message)));
  });
});

test('*_in: the target gets the requisite, found by ID, by a name argument, or as one mapping', async () => {
  await withTree({ 'main.sls': 'svc:\n  service.running:\n    - name: nginx\nconf:\n  file.managed:\n    - name: {{OUT}}/c\n    - contents: x\n    - watch_in:\n      - service: nginx\nother:\n  test.nop:\n    - require_in:\n        service: svc\nbare:\n  test.nop:\n    - require_in:\n      - svc\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(edges(plan, chunk(plan, 'svc')), ['require bare/bare', 'require other/other', `watch conf/${t.out}/c`]);
  });
});

test('a requisite to nothing compiles with a warning and fails its chunk at apply with Salt\'s comment', async () => {
  await withTree({ 'main.sls': 'x:\n  test.nop:\n    - require:\n      - file: /etc/nowhere\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.equal(plan.warnings![0].code, 'REQUISITE_MISSING');
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.x.result, false);
    assert.equal(ids.x.comment, 'The following requisites were not found:\n                   require:\n                       file: /etc/nowhere\n');
  });
});

test('extend finds its target by a name argument and merges requisites', async () => {
  await withTree({ 'main.sls': 'include:\n  - base\nextend:\n  /etc/app.conf:\n    file:\n      - require:\n        - test: first\nfirst:\n  test.nop: []\n', 'base.sls': 'app_conf:\n  file.managed:\n    - name: /etc/app.conf\n    - contents: x\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(edges(plan, chunk(plan, 'app_conf')), ['require first/first']);
  });
});

test('use copies the other state\'s arguments (onlyif included), not its name or requisites', async () => {
  await withTree({ 'main.sls': 'tpl:\n  file.managed:\n    - name: {{OUT}}/t\n    - contents: shared\n    - onlyif: "true"\n    - require:\n      - test: m\nm:\n  test.nop: []\nuser:\n  file.managed:\n    - name: {{OUT}}/u\n    - use:\n      - file: tpl\n' }, async (t) => {
    const plan = await t.plan(['main']);
    const u = chunk(plan, 'user');
    assert.equal(u.name, `${t.out}/u`);
    assert.equal(u.saltArgs!.contents, 'shared');
    assert.equal(u.saltArgs!.onlyif, 'true');
    assert.deepEqual(edges(plan, u), []);
  });
});

test('dry run: a file.managed whose parent a required file.directory creates predicts None with the change', async () => {
  await withTree({ 'main.sls': 'dir:\n  file.directory:\n    - name: {{OUT}}/new/conf.d\n    - makedirs: true\nfile:\n  file.managed:\n    - name: {{OUT}}/new/conf.d/app.conf\n    - contents: hello\n    - require:\n      - file: dir\n' }, async (t) => {
    const ids = byId(await t.apply(['main'], { test: true }));
    assert.equal(ids.dir.result, null);
    assert.equal(ids.file.result, null, ids.file.comment);
    assert.match(ids.file.comment, /is set to be changed/);
    assert.ok(ids.file.changes.diff !== undefined);
    assert.ok(!existsSync(`${t.out}/new`), 'a dry run changes nothing');
  });
});

test('a requisite given twice in one state keeps the last list (Salt\'s chunk.update); an extend adds to it', async () => {
  await withTree({ 'main.sls': 'include:\n  - ext\ndir:\n  test.nop: []\npkg:\n  test.nop: []\nlate:\n  test.nop: []\nx:\n  test.nop:\n    - require:\n      - test: dir\n    - require:\n      - test: pkg\n', 'ext.sls': 'extend:\n  x:\n    test:\n      - require:\n        - test: late\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(edges(plan, chunk(plan, 'x')), ['require late/late', 'require pkg/pkg']);
  });
});

test('prereq: what the target requires runs before the target is test-run, so the prediction sees it done (Salt\'s order)', async () => {
  // the directory the target writes into is created by a state the target requires; the prereq
  // holder is defined first, as in the users formula
  await withTree({ 'main.sls': 'holder:\n  test.succeed_with_changes:\n    - prereq:\n      - file: target\ndir:\n  file.directory:\n    - name: {{OUT}}/d\ntarget:\n  file.managed:\n    - name: {{OUT}}/d/f\n    - contents: x\n    - require:\n      - file: dir\n' }, async (t) => {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.holder.result, true, ids.holder.comment);
    assert.equal(ids.target.result, true, ids.target.comment);
    assert.ok(ids.dir.__run_num__ < ids.holder.__run_num__ && ids.holder.__run_num__ < ids.target.__run_num__,
      `run order dir < holder < target: ${ids.dir.__run_num__} ${ids.holder.__run_num__} ${ids.target.__run_num__}`);
  });
});

test('exclude: states of an excluded SLS or ID leave the run', async () => {
  await withTree({ 'main.sls': 'include:\n  - a\n  - b\nexclude:\n  - sls: b\n  - id: a2\nm:\n  test.nop: []\n', 'a.sls': 'a1:\n  test.nop: []\na2:\n  test.nop: []\n', 'b.sls': 'b1:\n  test.nop: []\n' }, async (t) => {
    const plan = await t.plan(['main']);
    assert.deepEqual(plan.chunks.map((c) => c.id).sort(), ['a1', 'm']);
  });
});
