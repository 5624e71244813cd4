import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { byId, stateTree } from '../helpers/tree.js';

test('templates see grains, pillar, opts and salt[pillar.get]; macros import from the tree', async () => {
  const t = await stateTree({
    'macros.jinja': '{% macro greet(who) %}hello {{ who }}{% endmacro %}',
    'main.sls': `{% from 'macros.jinja' import greet %}
{{OUT}}/motd:
  file.managed:
    - contents: "{{ greet(grains.id) }} on {{ grains.os }}; port {{ salt['pillar.get']('web:port', 80) }}; env {{ opts.saltenv }}; {{ pillar.get('missing', 'dflt') }}"
{% for app in pillar.web.apps %}
{{OUT}}/{{ app }}:
  file.directory: []
{% endfor %}
`,
  });
  try {
    const results = await t.apply(['main'], { pillar: { web: { port: 8080, apps: ['cam', 'gw'] } } });
    assert.ok(Object.values(results).every((r) => r.result === true), JSON.stringify(results));
    assert.equal(await readFile(`${t.out}/motd`, 'utf8'), 'hello edge-1 on Debian; port 8080; env base; dflt\n');
    assert.ok(existsSync(`${t.out}/cam`) && existsSync(`${t.out}/gw`));
  } finally { await t.cleanup(); }
});

test('dotted names resolve to a.sls or a/init.sls; relative includes; included states run first', async () => {
  const t = await stateTree({
    'apps/camera/init.sls': 'include:\n  - .config\n  - ..common\ncamera:\n  test.nop: []\n',
    'apps/camera/config.sls': 'camera-config:\n  test.nop: []\n',
    'apps/common.sls': 'apps-common:\n  test.nop: []\n',
  });
  try {
    const ids = byId(await t.apply(['apps.camera']));
    assert.deepEqual(Object.values(ids).sort((a, b) => a.__run_num__ - b.__run_num__).map((r) => `${r.__sls__}/${r.__id__}`),
      ['apps.camera.config/camera-config', 'apps.common/apps-common', 'apps.camera/camera']);
  } finally { await t.cleanup(); }
});

test('extend: appends requisites and replaces arguments of an included state', async () => {
  const t = await stateTree({
    'base.sls': '{{OUT}}/app.conf:\n  file.managed:\n    - contents: v1\nreload:\n  test.nop: []\n',
    'main.sls': `include:
  - base
extend:
  {{OUT}}/app.conf:
    file.managed:
      - contents: v2
      - watch_in:
        - test: reload
`,
  });
  try {
    const ids = byId(await t.apply(['main']));
    assert.equal(await readFile(`${t.out}/app.conf`, 'utf8'), 'v2\n');
    assert.equal(ids.reload.comment, 'Watch statement fired.');
  } finally { await t.cleanup(); }
});

test('the same SLS included twice is loaded once', async () => {
  const t = await stateTree({
    'a.sls': 'include:\n  - c\na:\n  test.nop: []\n',
    'b.sls': 'include:\n  - c\nb:\n  test.nop: []\n',
    'c.sls': 'c:\n  test.nop: []\n',
  });
  try {
    assert.equal(Object.keys(await t.apply(['a', 'b'])).length, 3);
  } finally { await t.cleanup(); }
});

test('highstate: top.sls targets by glob, list, grain and compound', async () => {
  const t = await stateTree({
    'top.sls': `base:
  '*':
    - common
  'edge-*':
    - edge
  'core-*':
    - core
  'L@edge-1,edge-2':
    - match: compound
    - listed
  'os:Debian':
    - match: grain
    - debian
  'role:camera':
    - match: grain
    - camera
  'G@os:Debian and not L@edge-1':
    - match: compound
    - never
  'edge-* and (G@role:gateway or G@os:Debian)':
    - match: compound
    - compound
`,
    ...Object.fromEntries(['common', 'edge', 'core', 'listed', 'debian', 'camera', 'never', 'compound']
      .map((n) => [`${n}.sls`, `${n}-state:\n  test.nop: []\n`])),
  });
  try {
    const sls = new Set(Object.values(await t.apply(undefined, { grains: { role: ['gateway'] } })).map((r) => r.__sls__));
    assert.deepEqual([...sls].sort(), ['common', 'compound', 'debian', 'edge', 'listed']);
  } finally { await t.cleanup(); }
});

test('highstate with no matching target is an error, not an empty success', async () => {
  const t = await stateTree({ 'top.sls': "base:\n  'nobody':\n    - x\n", 'x.sls': 'x:\n  test.nop: []\n' });
  try {
    const problems = await t.problems(undefined);
    assert.equal(problems[0].code, 'NOTHING_MATCHED');
  } finally { await t.cleanup(); }
});

test('test mode predicts changes with result None and changes nothing on disk', async () => {
  const t = await stateTree({ 'main.sls': `
{{OUT}}/new.conf:
  file.managed:
    - contents: hello
    - mode: '0600'
{{OUT}}/dir:
  file.directory: []
touch-it:
  cmd.run:
    - name: touch {{OUT}}/touched
` });
  try {
    const ids = byId(await t.apply(['main'], { test: true }));
    for (const r of Object.values(ids)) assert.equal(r.result, null, `${r.__id__}: ${r.comment}`);
    assert.deepEqual(ids[`${t.out}/new.conf`].changes, { diff: 'New file', mode: '0600' });
    assert.ok(!existsSync(`${t.out}/new.conf`) && !existsSync(`${t.out}/dir`) && !existsSync(`${t.out}/touched`));
  } finally { await t.cleanup(); }
});

test('idempotent: a second apply reports no changes', async () => {
  const t = await stateTree({ 'main.sls': `
{{OUT}}/etc:
  file.directory:
    - mode: '0750'
{{OUT}}/etc/app.conf:
  file.managed:
    - contents: port=80
    - mode: 640
{{OUT}}/current:
  file.symlink:
    - target: {{OUT}}/etc/app.conf
{{OUT}}/etc/hosts.allow:
  file.append:
    - text:
      - 'sshd: 10.0.0.0/8'
{{OUT}}/marker:
  cmd.run:
    - name: touch {{OUT}}/marker
    - creates: {{OUT}}/marker
` });
  try {
    const first = await t.apply(['main']);
    assert.ok(Object.values(first).every((r) => r.result === true && Object.keys(r.changes).length > 0), JSON.stringify(first, null, 1));
    const second = await t.apply(['main']);
    for (const r of Object.values(second)) {
      assert.equal(r.result, true);
      assert.deepEqual(r.changes, {}, `${r.__id__} changed again: ${JSON.stringify(r.changes)}`);
    }
    const third = await t.apply(['main'], { test: true });
    assert.ok(Object.values(third).every((r) => r.result === true), 'test mode on a compliant box predicts nothing');
  } finally { await t.cleanup(); }
});
