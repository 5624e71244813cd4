import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { byId, stateTree } from '../helpers/tree.js';

async function run(sls: string, o: { test?: boolean } = {}) {
  const t = await stateTree({ 'main.sls': sls });
  try {
    const results = await t.apply(['main'], o);
    return { results, ids: byId(results), out: t.out };
  } finally {
    await t.cleanup();
  }
}

test('require: a state runs after what it requires, even when defined first', async () => {
  const { ids } = await run(`
a:
  test.nop:
    - require:
      - test: b
b:
  test.nop: []
`);
  assert.ok(ids.b.__run_num__ < ids.a.__run_num__);
  assert.equal(ids.a.result, true);
});

test('require: a failed requisite stops the dependent and says which one failed', async () => {
  const { ids } = await run(`
broken:
  test.fail_without_changes: []
dependent:
  test.succeed_with_changes:
    - require:
      - test: broken
chained:
  test.nop:
    - require:
      - dependent
`);
  assert.equal(ids.dependent.result, false);
  assert.match(ids.dependent.comment, /One or more requisite failed: main\.broken/);
  assert.deepEqual(ids.dependent.changes, {});
  assert.equal(ids.chained.result, false, 'failure propagates down the chain');
  assert.match(ids.chained.comment, /main\.dependent/);
});

test('require_in: the target requires the declaring state', async () => {
  const { ids } = await run(`
late:
  test.nop: []
early:
  test.fail_without_changes:
    - require_in:
      - test: late
`);
  assert.equal(ids.late.result, false);
  assert.ok(ids.early.__run_num__ < ids.late.__run_num__);
});

test('require_any: runs when at least one requisite succeeded', async () => {
  const { ids } = await run(`
bad:
  test.fail_without_changes: []
good:
  test.nop: []
either:
  test.nop:
    - require_any:
      - test: bad
      - test: good
`);
  assert.equal(ids.either.result, true);
});

test('require sls: depends on every state of an SLS', async () => {
  const t = await stateTree({
    'main.sls': 'include:\n  - other\nx:\n  test.nop:\n    - require:\n      - sls: other\n',
    'other.sls': 'o1:\n  test.nop: []\no2:\n  test.fail_without_changes: []\n',
  });
  try {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.x.result, false);
    assert.match(ids.x.comment, /other\.o2/);
  } finally { await t.cleanup(); }
});

test('watch: a change in the watched state calls the watch handler', async () => {
  const { ids } = await run(`
changed:
  test.succeed_with_changes: []
unchanged:
  test.nop: []
watcher:
  test.nop:
    - watch:
      - test: changed
quiet:
  test.nop:
    - watch:
      - test: unchanged
`);
  assert.equal(ids.watcher.comment, 'Watch statement fired.');
  assert.equal(ids.quiet.comment, 'Success!');
});

test('watch_in and watch failure propagation', async () => {
  const { ids } = await run(`
svc:
  test.nop: []
conf:
  test.succeed_with_changes:
    - watch_in:
      - test: svc
failing:
  test.fail_with_changes:
    - watch_in:
      - test: svc2
svc2:
  test.nop: []
`);
  assert.equal(ids.svc.comment, 'Watch statement fired.');
  assert.equal(ids.svc2.result, false);
  assert.match(ids.svc2.comment, /requisite failed/);
});

test('watch on a real service state restarts it through the driver', async () => {
  const t = await stateTree({ 'main.sls': `
{{OUT}}/nginx.conf:
  file.managed:
    - contents: worker_processes 2;
nginx:
  service.running:
    - watch:
      - file: {{OUT}}/nginx.conf
` });
  try {
    const { FakeServiceDriver } = await import('../doubles/fake-service.js');
    const svc = new FakeServiceDriver({ nginx: { exists: true, active: true, enabled: true } } as never);
    (t.engine as unknown as { deps: { drivers: { service: unknown } } }).deps.drivers.service = svc;
    const first = byId(await t.apply(['main']));
    assert.equal(first.nginx.result, true);
    assert.ok(svc.calls.some(([verb]) => verb === 'restart'), JSON.stringify(svc.calls));
    svc.calls.length = 0;
    const second = byId(await t.apply(['main']));
    assert.deepEqual(second.nginx.changes, {});
    assert.ok(!svc.calls.some(([verb]) => verb === 'restart'), 'no restart without a change');
  } finally { await t.cleanup(); }
});

test('onchanges: runs only when a target changed; not run otherwise', async () => {
  const { ids } = await run(`
changed:
  test.succeed_with_changes: []
same:
  test.nop: []
on-change:
  test.succeed_with_changes:
    - onchanges:
      - test: changed
no-change:
  test.succeed_with_changes:
    - onchanges:
      - test: same
`);
  assert.equal(ids['on-change'].comment, 'Success!');
  assert.deepEqual(ids['no-change'].changes, {});
  assert.equal(ids['no-change'].result, true);
  assert.match(ids['no-change'].comment, /none of the onchanges reqs changed/);
});

test('onchanges_in: declared on the changing state', async () => {
  const { ids } = await run(`
reload:
  test.succeed_with_changes: []
conf:
  test.succeed_with_changes:
    - onchanges_in:
      - test: reload
idle:
  test.nop:
    - onchanges_in:
      - test: reload2
reload2:
  test.succeed_with_changes: []
`);
  assert.equal(ids.reload.comment, 'Success!');
  assert.match(ids.reload2.comment, /none of the onchanges reqs changed/);
});

test('onfail: runs only when a target failed, and does not fail itself', async () => {
  const { ids } = await run(`
bad:
  test.fail_without_changes: []
good:
  test.nop: []
recover:
  test.succeed_with_changes:
    - onfail:
      - test: bad
not-needed:
  test.succeed_with_changes:
    - onfail:
      - test: good
all-failed:
  test.nop:
    - onfail_all:
      - test: bad
      - test: good
`);
  assert.equal(ids.recover.result, true);
  assert.notDeepEqual(ids.recover.changes, {});
  assert.equal(ids['not-needed'].result, true);
  assert.deepEqual(ids['not-needed'].changes, {});
  assert.match(ids['not-needed'].comment, /onfail req did not change/);
  assert.match(ids['all-failed'].comment, /onfail req did not change/);
});

test('onfail_in: declared on the failing state', async () => {
  const { ids } = await run(`
cleanup:
  test.succeed_with_changes: []
risky:
  test.fail_without_changes:
    - onfail_in:
      - test: cleanup
`);
  assert.equal(ids.cleanup.comment, 'Success!');
  assert.ok(ids.risky.__run_num__ < ids.cleanup.__run_num__);
});

test('prereq: runs before the target only when the target is about to change', async () => {
  const t = await stateTree({ 'main.sls': `
{{OUT}}/app.conf:
  file.managed:
    - contents: v2
stop-app:
  cmd.run:
    - name: echo stopped > {{OUT}}/stopped
    - prereq:
      - file: {{OUT}}/app.conf
` });
  try {
    const first = byId(await t.apply(['main']));
    assert.equal(first['stop-app'].result, true);
    assert.ok(first['stop-app'].__run_num__ < first[`${t.out}/app.conf`].__run_num__);
    assert.ok(existsSync(`${t.out}/stopped`));
    const second = byId(await t.apply(['main']));
    assert.equal(second['stop-app'].comment, 'No changes detected');
    assert.deepEqual(second['stop-app'].changes, {});
  } finally { await t.cleanup(); }
});

test('prereq_in: a failing pre-step blocks the change', async () => {
  const t = await stateTree({ 'main.sls': `
{{OUT}}/app.conf:
  file.managed:
    - contents: v2
    - prereq_in:
      - cmd: drain
drain:
  cmd.run:
    - name: exit 3
` });
  try {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.drain.result, false);
    assert.equal(ids[`${t.out}/app.conf`].result, false);
    assert.ok(!existsSync(`${t.out}/app.conf`), 'the prereq target did not run');
  } finally { await t.cleanup(); }
});

test('use and use_in copy arguments from another state', async () => {
  const t = await stateTree({ 'main.sls': `
base-conf:
  file.managed:
    - name: {{OUT}}/a
    - contents: shared
    - mode: '0600'
other-conf:
  file.managed:
    - name: {{OUT}}/b
    - use:
      - file: base-conf
third:
  file.managed:
    - name: {{OUT}}/c
giver:
  file.managed:
    - name: {{OUT}}/d
    - contents: given
    - use_in:
      - file: third
` });
  try {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids['other-conf'].result, true, ids['other-conf'].comment);
    const { readFile, stat } = await import('node:fs/promises');
    assert.equal(await readFile(`${t.out}/b`, 'utf8'), 'shared\n');
    assert.equal((await stat(`${t.out}/b`)).mode & 0o777, 0o600);
    assert.equal(await readFile(`${t.out}/c`, 'utf8'), 'given\n');
  } finally { await t.cleanup(); }
});

test('listen: the watch handler runs once at the end, recorded as a listener result', async () => {
  const { results, ids } = await run(`
svc:
  test.nop:
    - listen:
      - test: conf
conf:
  test.succeed_with_changes: []
after:
  test.nop: []
`);
  const key = 'test_|-listener_svc_|-svc_|-mod_watch';
  assert.ok(results[key], Object.keys(results).join(', '));
  assert.equal(results[key].comment, 'Watch statement fired.');
  assert.ok(results[key].__run_num__ > ids.after.__run_num__, 'listener runs after every other state');
  assert.ok(ids.svc.__run_num__ < ids.conf.__run_num__, 'listen does not reorder');
});

test('listen_in: no change, no listener', async () => {
  const { results } = await run(`
svc:
  test.nop: []
conf:
  test.nop:
    - listen_in:
      - test: svc
`);
  assert.equal(Object.keys(results).length, 2);
});

test('order: numbers and first run before unordered states, last after all', async () => {
  const { ids } = await run(`
plain:
  test.nop: []
at-end:
  test.nop:
    - order: last
numbered:
  test.nop:
    - order: 5
at-start:
  test.nop:
    - order: first
`);
  const order = Object.values(ids).sort((a, b) => a.__run_num__ - b.__run_num__).map((r) => r.__id__);
  assert.deepEqual(order, ['at-start', 'numbered', 'plain', 'at-end']);
});

test('failhard: a failure stops the run; nothing after it runs', async () => {
  const t = await stateTree({ 'main.sls': `
first:
  test.fail_without_changes:
    - failhard: true
later:
  cmd.run:
    - name: touch {{OUT}}/ran
` });
  try {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.first.result, false);
    assert.equal(ids.later, undefined);
    assert.ok(!existsSync(`${t.out}/ran`));
  } finally { await t.cleanup(); }
});

test('onlyif and unless gate any state', async () => {
  const { ids } = await run(`
gated-off:
  test.succeed_with_changes:
    - onlyif: 'false'
gated-on:
  test.succeed_with_changes:
    - onlyif: 'true'
skipped:
  test.succeed_with_changes:
    - unless:
      - 'true'
`);
  assert.equal(ids['gated-off'].comment, 'onlyif condition is false');
  assert.equal(ids['gated-on'].comment, 'Success!');
  assert.equal(ids.skipped.comment, 'unless condition is true');
});

test('result structure: Salt key format and every field', async () => {
  const { results } = await run(`
thing:
  test.succeed_with_changes:
    - name: display-name
`);
  const key = 'test_|-thing_|-display-name_|-succeed_with_changes';
  const r = results[key];
  assert.ok(r, Object.keys(results).join(','));
  assert.deepEqual(Object.keys(r).sort(), ['__id__', '__run_num__', '__sls__', 'changes', 'comment', 'duration', 'name', 'result', 'start_time'].sort());
  assert.equal(r.__sls__, 'main');
  assert.equal(r.name, 'display-name');
  assert.match(r.start_time, /^\d\d:\d\d:\d\d\.\d{6}$/);
  assert.equal(typeof r.duration, 'number');
});

test('names expands one declaration into several states', async () => {
  const { results } = await run(`
dirs:
  test.nop:
    - names:
      - one
      - two
      - three: []
`);
  assert.deepEqual(Object.keys(results), ['test_|-dirs_|-one_|-nop', 'test_|-dirs_|-two_|-nop', 'test_|-dirs_|-three_|-nop']);
});

test('a module that throws gives result false with the message; the run goes on', async () => {
  const boom = {
    name: 'boom',
    functions: { now: { schema: { type: 'object' }, async run(): Promise<never> { throw new Error('kaboom'); } } },
  };
  const t = await stateTree({ 'main.sls': 'x:\n  boom.now: []\ny:\n  test.nop: []\n' }, [boom]);
  try {
    const ids = byId(await t.apply(['main']));
    assert.equal(ids.x.result, false);
    assert.match(ids.x.comment, /kaboom/);
    assert.equal(ids.y.result, true);
  } finally { await t.cleanup(); }
});
