import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startMaster } from '../helpers/fleet.js';
import { umecAsync as umec } from '../helpers/procs.js';

/** Runs the CLI without blocking this process (the master answers it from here). */

test('umec key grains sets what the master trusts; umec app allow grants and revokes package exceptions', async () => {
  const f = await startMaster();
  try {
    await f.startAccepted({ edge1: { os: 'Debian', role: 'claimed' } });
    const cfg = join(f.root, 'master.yaml');
    await writeFile(cfg, `data_dir: ${f.masterConfig.data_dir}\n`);
    const set = await umec(['key', 'grains', 'edge1', 'role=db', 'site=north', '--config', cfg, '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(JSON.parse(set.stdout), { id: 'edge1', grains: { role: 'db', site: 'north', id: 'edge1' } });
    const unset = await umec(['key', 'grains', 'edge1', '--unset', 'site', '--config', cfg]);
    assert.equal(unset.code, 0, unset.stderr);
    assert.equal(unset.stdout, 'id: edge1\nrole: db\n');
    const bad = await umec(['key', 'grains', 'edge1', 'role', '--config', cfg]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /a grain takes key=value, got "role"/);
    const nobody = await umec(['key', 'grains', 'ghost', 'role=db', '--config', cfg]);
    assert.notEqual(nobody.code, 0);
    assert.match(nobody.stderr, /no accepted key for agent ghost/);

    const allow = await umec(['app', 'allow', 'cam', 'cap:NET_ADMIN', 'host_path:/dev/video0', '--config', cfg]);
    assert.equal(allow.code, 0, allow.stderr);
    assert.equal(allow.stdout, 'cam may: cap:NET_ADMIN host_path:/dev/video0\n');
    const revoke = await umec(['app', 'allow', 'cam', '--revoke', 'cap:NET_ADMIN', '--revoke', 'host_path:/dev/video0', '--config', cfg]);
    assert.equal(revoke.stdout, 'cam has no exceptions to the package policy\n');
  } finally {
    await f.stopAll();
  }
});
