import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/context.js';
import { makeBox, simulateBoot } from '../helpers/firmware.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/run.js', import.meta.url));

function umec(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('umec firmware: keygen, bundle create/sign/verify, then status/install/resume/rollback on a box from agent.yaml', async () => {
  const { dir, cleanup } = await tempDir('umec-fwcli-');
  try {
    const box = await makeBox(join(dir, 'box'));
    // vendor side
    let r = umec(['firmware', 'keygen', join(dir, 'rel'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const key = JSON.parse(r.stdout) as { id: string; key: string; pub: string };
    assert.equal(umec(['firmware', 'keygen', join(dir, 'rel')]).code, 2, 'an existing key is never replaced');
    await cp(key.pub, join(box.settings.keyring, 'rel.pub'));
    const img = randomBytes(123_456);
    await mkdir(join(dir, 'build'));
    await writeFile(join(dir, 'build', 'rootfs.img'), img);
    await writeFile(join(dir, 'build', 'manifest.yaml'), 'compatible: umec-test-board\nversion: 7.1.0\nimages:\n  - slot: rootfs\n    file: rootfs.img\n');
    const bundle = join(dir, 'edge-7.1.0.umb');
    r = umec(['firmware', 'bundle', 'create', '--manifest', join(dir, 'build', 'manifest.yaml'), '--out', bundle]);
    assert.equal(r.code, 0, r.stderr);
    r = umec(['firmware', 'bundle', 'verify', '--keyring', box.settings.keyring, bundle]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /is not signed \(umec firmware bundle sign --key KEY\) \[FW_SIGNATURE\]/);
    r = umec(['firmware', 'bundle', 'sign', '--key', key.key, bundle]);
    assert.equal(r.code, 0, r.stderr);
    r = umec(['firmware', 'bundle', 'verify', '--keyring', box.settings.keyring, bundle, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { key: string }).key, key.id);

    // box side: agent.yaml with firmware: and power: sections
    const agentYaml = join(dir, 'agent.yaml');
    await writeFile(agentYaml, stringify({
      master: '127.0.0.1', master_pubkey: 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID', data_dir: join(dir, 'data'),
      firmware: box.raw, power: { driver: 'recording', record_file: box.powerLog },
    }));
    r = umec(['firmware', 'status', '-c', agentYaml, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { booted: string; phase: string }).phase, 'idle');
    r = umec(['firmware', 'install', '-c', agentYaml, bundle, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ...JSON.parse(r.stdout), version: '7.1.0', target: 'B', phase: 'rebooting' });
    assert.match(r.stderr, /verifying .*\nwriting/);
    assert.equal((await readFile(box.powerLog, 'utf8')).trim().split('\n').length, 1);
    r = umec(['firmware', 'install', '-c', agentYaml, bundle]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /firmware update refused: update .* \(7\.1\.0\) is rebooting; commit or roll back first \[FW_BUSY\]/);

    await simulateBoot(box);
    r = umec(['firmware', 'resume', '-c', agentYaml]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /booted slot B, phase committed\n {2}A {2}-\s+good .*\n {2}B {2}7\.1\.0\s+good .*\(booted, next\)/);
    r = umec(['firmware', 'rollback', '-c', agentYaml]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /phase rolled-back/);
    assert.equal(await simulateBoot(box), 'A');
    r = umec(['firmware', 'commit', '-c', agentYaml]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing to commit/);

    // a config error names the file, line and field
    await writeFile(agentYaml, (await readFile(agentYaml, 'utf8')).replace('driver: uboot', 'driver: lilo'));
    r = umec(['firmware', 'status', '-c', agentYaml]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /agent\.yaml:\d+: firmware\.bootenv\.driver must be one of uboot, grub, file/);
  } finally {
    await cleanup();
  }
});
