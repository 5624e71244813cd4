import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAgentConfig } from '../../agent/config.js';
import { resolveBootstrap } from '../../agent/commission/bootstrap.js';
import { loadMasterConfig } from '../../master/config.js';
import { tempDir } from '../helpers/context.js';
import { umec } from '../helpers/procs.js';

function hasSystemdAnalyze(): boolean {
  return spawnSync('systemd-analyze', ['--version']).status === 0;
}

test('agent and master install write hardened units and default configs under a root, idempotently, never overwriting a config', async () => {
  const { dir, cleanup } = await tempDir('umec-install-');
  try {
    const pub = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';
    const first = umec(['agent', 'install', '--root', dir, '--master', '10.0.0.5:4506', '--master-pubkey', pub, '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual((JSON.parse(first.stdout) as { steps: { action: string }[] }).steps.map((s) => s.action), ['created', 'created']);
    const unitPath = join(dir, 'etc/systemd/system/umec-agent.service');
    const unit = readFileSync(unitPath, 'utf8');
    assert.match(unit, /^ExecStart=\S+ \S+run\.js agent start --config \/etc\/umec\/agent\.yaml$/m);
    assert.match(unit, /^Restart=always$/m);
    assert.match(unit, /^PrivateTmp=yes$/m);
    assert.match(unit, /^StandardError=journal$/m);
    assert.match(unit, /^WantedBy=multi-user.target$/m);
    assert.equal(statSync(join(dir, 'etc/umec/agent.yaml')).mode & 0o777, 0o600);
    assert.ok(statSync(join(dir, 'var/lib/umec/agent')).isDirectory());

    // the default config is a valid agent.yaml
    const cfg = await loadAgentConfig(join(dir, 'etc/umec/agent.yaml'));
    const boot = await resolveBootstrap({ ...cfg, data_dir: join(dir, 'var/lib/umec/agent') }, { env: {} });
    assert.deepEqual(boot.config.master, ['10.0.0.5:4506']);
    assert.equal(cfg.bootstrap.file, '/boot/umec-bootstrap.yaml');

    // again: nothing changes; an operator's edit to the config is kept, a changed unit is put back
    await writeFile(join(dir, 'etc/umec/agent.yaml'), 'master: edited:4506\n');
    await writeFile(unitPath, unit.replace('Restart=always', 'Restart=no'));
    const second = JSON.parse(umec(['agent', 'install', '--root', dir, '--json']).stdout) as { steps: { action: string }[] };
    assert.deepEqual(second.steps.map((s) => s.action), ['updated', 'kept']);
    assert.equal(readFileSync(join(dir, 'etc/umec/agent.yaml'), 'utf8'), 'master: edited:4506\n');
    assert.equal(readFileSync(unitPath, 'utf8'), unit);
    const third = JSON.parse(umec(['agent', 'install', '--root', dir, '--json']).stdout) as { steps: { action: string }[]; ran: string[] };
    assert.deepEqual(third.steps.map((s) => s.action), ['unchanged', 'kept']);
    assert.deepEqual(third.ran, [], 'systemctl is not run under a --root');

    assert.equal(umec(['agent', 'install', '--confined', '--root', join(dir, 'c')]).code, 0);
    const confined = readFileSync(join(dir, 'c/etc/systemd/system/umec-agent.service'), 'utf8');
    assert.match(confined, /^NoNewPrivileges=yes$/m);
    assert.match(confined, /^ProtectSystem=strict$/m);

    const m = umec(['master', 'install', '--root', dir, '--json']);
    assert.equal(m.code, 0, m.stderr);
    const munit = readFileSync(join(dir, 'etc/systemd/system/umec-master.service'), 'utf8');
    for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'ReadWritePaths=-/var/lib/umec/master', 'PrivateTmp=yes', 'ProtectHome=yes', 'Restart=always']) {
      assert.match(munit, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
    const mc = await loadMasterConfig(join(dir, 'etc/umec/master.yaml'));
    assert.equal(mc.data_dir, '/var/lib/umec/master');
    if (hasSystemdAnalyze()) {
      const v = spawnSync('systemd-analyze', ['verify', join(dir, 'etc/systemd/system/umec-master.service'), unitPath], { encoding: 'utf8' });
      assert.equal(v.status, 0, v.stderr);
    }
    const bad = umec(['agent', 'install', '--root', 'relative']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--root must be an absolute path/);
  } finally {
    await cleanup();
  }
});
