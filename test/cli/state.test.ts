import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { writeTree } from '../helpers/tree.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/run.js', import.meta.url));

function umec(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, UMEC_STATE_ROOT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function tree(files: Record<string, string>) {
  const { dir, cleanup } = await tempDir('umec-cli-');
  const out = join(dir, 'out');
  await writeTree(join(dir, 'tree'), Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.replaceAll('{{OUT}}', out)])));
  return { root: join(dir, 'tree'), out, cleanup };
}

const GOOD = {
  'top.sls': "base:\n  '*':\n    - web\n",
  'web.sls': '{{OUT}}/index.html:\n  file.managed:\n    - contents: hello {{ grains.id }} {{ pillar.port }}\n    - makedirs: true\nok:\n  test.nop: []\n',
  'broken.sls': 'bad:\n  test.fail_without_changes: []\ngood:\n  test.nop: []\n',
  'typo.sls': 'x:\n  file.managed:\n    - name: /tmp/x\n    - names: 7\n',
  'badarg.sls': 'x:\n  file.managed:\n    - name: {{OUT}}/x\n    - mode: [1]\ny:\n  test.succeed_with_changes: []\n',
};

test('state apply --local --json: highstate, {"local": {key: result}}, exit 0; second run changes nothing', async () => {
  const t = await tree(GOOD);
  try {
    const pillar = join(t.root, '..', 'pillar.yaml');
    await writeTree(join(t.root, '..'), { 'pillar.yaml': 'port: 8080\n' });
    const r = umec(['state', 'apply', '--local', '--state-root', t.root, '--pillar', pillar, '--id', 'box-9', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { local: Record<string, { result: boolean; changes: object; __run_num__: number }> };
    const key = `file_|-${t.out}/index.html_|-${t.out}/index.html_|-managed`;
    assert.equal(json.local[key].result, true);
    assert.ok(existsSync(`${t.out}/index.html`));
    const again = JSON.parse(umec(['state', 'apply', '--local', '--state-root', t.root, '--pillar', pillar, '--id', 'box-9', '--json']).stdout) as typeof json;
    assert.deepEqual(again.local[key].changes, {});
  } finally { await t.cleanup(); }
});

test('state apply: exit 1 when a state fails; human output has the Salt-style summary without colour off a TTY', async () => {
  const t = await tree(GOOD);
  try {
    const r = umec(['state', 'apply', 'broken', '--local', '--state-root', t.root]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /ID: bad\n\s+Function: test\.fail_without_changes\n\s+Result: False/);
    assert.match(r.stdout, /Succeeded: 1\nFailed: {4}1\n-+\nTotal states run: {5}2/);
    assert.doesNotMatch(r.stdout, /\x1b\[/);  
  } finally { await t.cleanup(); }
});

test('state apply: exit 2 on a render/validation error, naming file, line and field; nothing runs', async () => {
  const t = await tree(GOOD);
  try {
    const r = umec(['state', 'apply', 'typo', 'web', '--local', '--state-root', t.root]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /typo\.sls:4:7: state 'x', field 'names': 'names' must be a list \[ARG_INVALID\]/);
    assert.ok(!existsSync(`${t.out}/index.html`));
  } finally { await t.cleanup(); }
});

test('state apply: an argument of the wrong type fails that state (Salt compiles it), the others run; state show warns with file, line and field', async () => {
  const t = await tree(GOOD);
  try {
    const shown = umec(['state', 'show', 'badarg', '--state-root', t.root, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stderr, /badarg\.sls:4:7: state 'x', field 'mode': argument 'mode' has the wrong type or form \[ARG_INVALID\]/);
    const r = umec(['state', 'apply', 'badarg', '--local', '--state-root', t.root, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const res = Object.values((JSON.parse(r.stdout) as { local: Record<string, { __id__: string; result: unknown; comment: string }> }).local);
    const x = res.find((v) => v.__id__ === 'x')!;
    assert.equal(x.result, false);
    assert.match(x.comment, /mode/);
    assert.equal(res.find((v) => v.__id__ === 'y')!.result, true);
    assert.ok(!existsSync(`${t.out}/x`));
  } finally { await t.cleanup(); }
});

test('state apply --test: result None, nothing written, exit 0', async () => {
  const t = await tree(GOOD);
  try {
    // pillar.port must exist: Salt renders with StrictUndefined
    await writeTree(join(t.root, '..'), { 'pillar.yaml': 'port: 8080\n' });
    const r = umec(['state', 'apply', 'web', '--local', '--test', '--state-root', t.root, '--pillar', join(t.root, '..', 'pillar.yaml'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const results = Object.values((JSON.parse(r.stdout) as { local: Record<string, { result: unknown }> }).local);
    assert.ok(results.some((x) => x.result === null));
    assert.ok(!existsSync(`${t.out}/index.html`));
  } finally { await t.cleanup(); }
});

test('state apply: usage errors exit 2 (missing --local, unreadable pillar file)', async () => {
  const t = await tree(GOOD);
  try {
    assert.equal(umec(['state', 'apply', 'web', '--state-root', t.root]).code, 2);
    const r = umec(['state', 'apply', 'web', '--local', '--state-root', t.root, '--pillar', '/nonexistent.yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nonexistent\.yaml/);
  } finally { await t.cleanup(); }
});

test('state show: prints the ordered plan with requisites and runs nothing', async () => {
  const t = await tree({ 'a.sls': 'second:\n  cmd.run:\n    - name: touch {{OUT}}/ran\n    - require:\n      - test: first\nfirst:\n  test.nop: []\n' });
  try {
    const r = umec(['state', 'show', 'a', '--state-root', t.root, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { __id__: string; line: number }[];
    assert.deepEqual(plan.map((c) => c.__id__), ['first', 'second']);
    assert.equal(plan[1].line, 2);
    const human = umec(['state', 'show', 'a', '--state-root', t.root]);
    assert.match(human.stdout, /cmd\.run .*\(require test: first\)/);
    assert.ok(!existsSync(`${t.out}/ran`));
  } finally { await t.cleanup(); }
});
