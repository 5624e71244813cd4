import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PillarCompiler } from '../../master/pillar.js';
import { tempDir } from '../helpers/context.js';
import { writeTree } from '../helpers/tree.js';

async function withPillar(files: Record<string, string>, fn: (p: PillarCompiler) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-pillar-');
  try {
    await writeTree(dir, files);
    await fn(new PillarCompiler(dir));
  } finally { await cleanup(); }
}

const TREE = {
  'top.sls': `base:
  '*':
    - common
  'agent-a':
    - secrets.a
  'agent-b':
    - secrets.b
  'os:Debian':
    - match: grain
    - debian
  'G@role:camera and agent-*':
    - match: compound
    - camera
  'agent-a or agent-b':
    - match: compound
    - site
`,
  'common/init.sls': `include:
  - .users
common:
  ntp: pool.ntp.org
  users:
    admin:
      shell: /bin/bash
`,
  'common/users.sls': `common:
  users:
    admin: {shell: /bin/sh, uid: 1000}
    ops: {uid: 1001}
`,
  'secrets/a.sls': 'a_secret: alpha\nshared: {from_a: 1}\n',
  'secrets/b.sls': 'b_secret: beta\nshared: {from_b: 2}\n',
  'debian.sls': `pkgmgr: apt
motd: "{{ grains.host }} runs {{ grains.os }}, ntp {{ pillar.common.ntp }}, {{ opts.id }}"
{% if grains.role == 'camera' %}
camera_driver: uvc
{% endif %}
`,
  'camera.sls': 'camera: {fps: 30}\n',
  'site.sls': 'common:\n  ntp: ntp.site.local\n',
};

test('each agent gets only the pillar its top.sls targets assign; A never sees B', async () => {
  await withPillar(TREE, async (p) => {
    const a = await p.compile('agent-a', { os: 'Arch', host: 'a' });
    const b = await p.compile('agent-b', { os: 'Arch', host: 'b' });
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
    assert.equal(a.pillar.a_secret, 'alpha');
    assert.equal(b.pillar.b_secret, 'beta');
    assert.ok(!('b_secret' in a.pillar) && !JSON.stringify(a.pillar).includes('beta') && !JSON.stringify(a.pillar).includes('from_b'));
    assert.ok(!('a_secret' in b.pillar) && !JSON.stringify(b.pillar).includes('alpha'));
    assert.deepEqual(a.pillar.shared, { from_a: 1 });
    const other = await p.compile('core-1', { os: 'Arch' });
    assert.deepEqual(Object.keys(other.pillar), ['common']);
  });
});

test('grain and compound targets; Jinja sees grains, opts and the pillar compiled so far', async () => {
  await withPillar(TREE, async (p) => {
    const cam = await p.compile('agent-a', { os: 'Debian', host: 'cam1', role: 'camera' });
    assert.deepEqual(cam.errors, []);
    assert.equal(cam.pillar.pkgmgr, 'apt');
    assert.equal(cam.pillar.motd, 'cam1 runs Debian, ntp pool.ntp.org, agent-a');
    assert.equal(cam.pillar.camera_driver, 'uvc');
    assert.deepEqual(cam.pillar.camera, { fps: 30 });

    const gw = await p.compile('agent-b', { os: 'Debian', host: 'gw1', role: 'gateway' });
    assert.equal(gw.pillar.pkgmgr, 'apt');
    assert.ok(!('camera' in gw.pillar) && !('camera_driver' in gw.pillar));

    const camOtherId = await p.compile('core-1', { os: 'Arch', role: 'camera' });
    assert.ok(!('camera' in camOtherId.pillar), 'compound needs both the grain and the id glob');
  });
});

test('includes merge before the including file, and later top-file entries win with nested mappings merged', async () => {
  await withPillar(TREE, async (p) => {
    const { pillar, errors } = await p.compile('agent-a', { os: 'Arch' });
    assert.deepEqual(errors, []);
    assert.deepEqual(pillar.common, {
      ntp: 'ntp.site.local', // site.sls comes later in top.sls
      users: { admin: { shell: '/bin/bash', uid: 1000 }, ops: { uid: 1001 } },
    });
    assert.ok(!('include' in pillar));
    const core = await p.compile('core-1', { os: 'Arch' });
    assert.equal((core.pillar.common as { ntp: string }).ntp, 'pool.ntp.org');
  });
});

test('include with key nests the included data; include cycles stop', async () => {
  await withPillar({
    'top.sls': "base:\n  '*':\n    - a\n",
    'a.sls': 'include:\n  - b: {key: "nested:here"}\n  - a\nmine: 1\n',
    'b.sls': 'include:\n  - a\nfrom_b: 2\n',
  }, async (p) => {
    const { pillar, errors } = await p.compile('x', {});
    assert.deepEqual(errors, []);
    assert.deepEqual(pillar, { nested: { here: { from_b: 2 } }, mine: 1 });
  });
});

test('a YAML error in one pillar SLS is reported with file and line; the rest still compiles', async () => {
  await withPillar({
    'top.sls': "base:\n  '*':\n    - good\n    - broken\n    - missing\n    - later\n",
    'good.sls': 'good: yes\n',
    'broken.sls': 'fine: 1\nother: 2\nbad: x: y\nalso: 3\n',
    'later.sls': 'later: {{ grains.n + 1 }}\n',
  }, async (p) => {
    const { pillar, errors } = await p.compile('x', { n: 41 });
    assert.deepEqual(pillar, { good: true, later: 42 });
    assert.ok(!('_errors' in pillar));
    const yaml = errors.find((e) => e.code === 'YAML_SYNTAX');
    assert.ok(yaml, JSON.stringify(errors));
    assert.match(yaml.file!, /broken\.sls$/);
    assert.equal(yaml.line, 3);
    const missing = errors.find((e) => e.code === 'SLS_NOT_FOUND');
    assert.match(missing?.message ?? '', /missing/);
    assert.ok(errors.every((e) => e.code === 'YAML_SYNTAX' || e.code === 'SLS_NOT_FOUND'), JSON.stringify(errors));
  });
});

test('a template error is reported at its line; the file contributes nothing', async () => {
  await withPillar({
    'top.sls': "base:\n  '*':\n    - t\n    - ok\n",
    't.sls': 'a: 1\nb: {{ 1 | nosuchfilter }}\n',
    'ok.sls': 'ok: true\n',
  }, async (p) => {
    const { pillar, errors } = await p.compile('x', {});
    assert.deepEqual(pillar, { ok: true });
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'TEMPLATE');
    assert.match(errors[0].file!, /t\.sls$/);
    assert.equal(errors[0].line, 2);
  });
});

test('no top.sls gives an empty pillar and no errors', async () => {
  await withPillar({ 'common.sls': 'a: 1\n' }, async (p) => {
    assert.deepEqual(await p.compile('x', {}), { pillar: {}, errors: [] });
  });
});
