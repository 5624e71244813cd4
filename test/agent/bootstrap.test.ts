import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentConfigSchema, type AgentConfig } from '../../agent/config.js';
import { resolveBootstrap, scrubBootstrapFile } from '../../agent/commission/bootstrap.js';
import { backoffSeconds, localJid } from '../../agent/commission/local-jid.js';
import { validateConfig } from '../../lib/config.js';
import { UmecError } from '../../lib/errors.js';
import { tempDir } from '../helpers/context.js';
import { writeTree } from '../helpers/tree.js';

const PUB_A = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';
const PUB_B = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';

function cfg(dir: string, extra: Record<string, unknown> = {}): AgentConfig {
  const c = validateConfig<AgentConfig & { master?: string[] }>({ id: 'box', data_dir: join(dir, 'data'), bootstrap: { file: join(dir, 'boot.yaml') }, ...extra }, agentConfigSchema, 'agent.yaml');
  return { ...c, master: (c.master ?? [undefined]) };
}

test('bootstrap settings: agent.yaml, then the boot file, then the environment; saved for the next boot; nothing read once commissioned', async () => {
  const { dir, cleanup } = await tempDir('umec-boot-');
  try {
    await writeTree(dir, { 'boot.yaml': `master: [file-a:4506, file-b:4506]\nmaster_pubkey: '${PUB_A}'\ntoken: umec_00000000_${'x'.repeat(43)}\ngrains: {site: north}\n` });
    const env = { UMEC_MASTER: 'env:4506', UMEC_MASTER_PUBKEY: PUB_B, UMEC_TOKEN: 'from-the-env-0123456' };
    const fromFile = await resolveBootstrap(cfg(dir), { env });
    assert.deepEqual(fromFile.config.master, ['file-a:4506', 'file-b:4506']);
    assert.equal(fromFile.config.master_pubkey, PUB_A);
    assert.equal(fromFile.tokenFrom, 'file');
    assert.equal(fromFile.commission, true);
    assert.deepEqual(fromFile.presetGrains, { site: 'north' });
    const saved = readFileSync(join(dir, 'data', 'bootstrap.json'), 'utf8');
    assert.ok(!saved.includes('umec_00000000'), 'the token is not saved');

    const fromConfig = await resolveBootstrap(cfg(dir, { master: 'conf:1', master_pubkey: PUB_B }), { env });
    assert.deepEqual(fromConfig.config.master, ['conf:1']);
    assert.equal(fromConfig.config.master_pubkey, PUB_B);

    // the file's token is blanked: the environment's is next
    await scrubBootstrapFile(join(dir, 'boot.yaml'), 'blank');
    assert.match(readFileSync(join(dir, 'boot.yaml'), 'utf8'), /^token: ""$/m);
    assert.match(readFileSync(join(dir, 'boot.yaml'), 'utf8'), /site: north/);
    assert.equal((await resolveBootstrap(cfg(dir), { env })).tokenFrom, 'env');
    await scrubBootstrapFile(join(dir, 'boot.yaml'), 'remove');
    assert.ok(!existsSync(join(dir, 'boot.yaml')));
    await scrubBootstrapFile(join(dir, 'boot.yaml'), 'remove');

    // file gone, no environment: what the first boot saved still finds the master
    const later = await resolveBootstrap(cfg(dir), { env: {} });
    assert.deepEqual(later.config.master, ['file-a:4506', 'file-b:4506']);
    assert.equal(later.commission, true, 'not commissioned yet: keeps trying');
    assert.equal(later.token, undefined);

    await writeTree(dir, { 'data/commissioned': '{}', 'boot.yaml': `token: umec_11111111_${'y'.repeat(43)}\n` });
    const done = await resolveBootstrap(cfg(dir), { env });
    assert.equal(done.commission, false);
    assert.equal(done.token, undefined, 'a commissioned box never reads a token again');
  } finally { await cleanup(); }
});

test('bootstrap: no master anywhere, bad boot file, bad env key and bad schedule are clear errors; an agent without bootstrap sources does not commission', async () => {
  const { dir, cleanup } = await tempDir('umec-boot-');
  try {
    await assert.rejects(resolveBootstrap(cfg(dir), { env: {}, configFile: '/etc/umec/agent.yaml' }),
      (e: UmecError) => e.code === 'CONFIG' && /master and master_pubkey are required: set in \/etc\/umec\/agent\.yaml, in the bootstrap file .*boot\.yaml, or as UMEC_MASTER/.test(e.message));
    const plain = await resolveBootstrap(cfg(dir, { master: 'm:1', master_pubkey: PUB_A }), { env: {} });
    assert.equal(plain.commission, false);
    await writeTree(dir, { 'boot.yaml': `master: m:1\nmaster_pubkey: short\ntokn: x\n` });
    await assert.rejects(resolveBootstrap(cfg(dir), { env: {} }), (e: UmecError) => /boot\.yaml:2: master_pubkey must match pattern/.test(e.message) && /boot\.yaml:3: tokn unknown key/.test(e.message));
    await writeTree(dir, { 'boot.yaml': 'master: [unclosed\n' });
    await assert.rejects(resolveBootstrap(cfg(dir), { env: {} }), /boot\.yaml:\d+/);
    await writeTree(dir, { 'boot.yaml': '' });
    await assert.rejects(resolveBootstrap(cfg(dir), { env: { UMEC_MASTER: 'm:1', UMEC_MASTER_PUBKEY: 'nope' } }), /UMEC_MASTER_PUBKEY: not a Z85 CURVE public key/);
    await assert.rejects(resolveBootstrap(cfg(dir, { master: 'm:1', master_pubkey: PUB_A, schedule: { hourly: { cron: '* * *', function: 'apply' } } }), { env: {}, configFile: 'a.yaml' }),
      /a\.yaml: schedule\.hourly\.cron "\* \* \*" is not a cron expression/);
  } finally { await cleanup(); }
});

test('local jids have the master format; backoff doubles to its maximum with jitter', () => {
  assert.match(localJid(new Date('2026-03-04T05:06:07Z')), /^20260304050607\d{6}$/);
  assert.equal(backoffSeconds(1, 2, 60, () => 0.5), 2);
  assert.equal(backoffSeconds(3, 2, 60, () => 0.5), 8);
  assert.equal(backoffSeconds(20, 2, 60, () => 0.5), 60);
  assert.equal(backoffSeconds(20, 2, 60, () => 0), 45);
});
