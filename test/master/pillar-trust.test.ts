import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { curveKeyPair, Dealer } from 'zeromq';
import { seal, sharedKey } from '../../lib/wire.js';
import { sleep, startMaster, type Fleet } from '../helpers/fleet.js';

// pillar targeted by grain, both in top.sls and inside a template: Salt warns this is only safe with grains the master trusts
const PILLAR: Record<string, string> = {
  'top.sls': `base:
  '*':
    - common
  'role:db':
    - match: grain
    - db
`,
  'common.sls': `outdir: "@OUT@"
{% if grains.get('role') == 'db' %}
replica_key: db-replica-key
{% endif %}
`,
  'db.sls': 'db_password: s3cret-db-password\n',
};

const STATES: Record<string, string> = {
  'dump/init.sls': `{{ pillar.outdir }}/{{ grains.id }}/pillar.json:
  file.managed:
    - contents: '{{ pillar | tojson }}'
    - makedirs: true
`,
};

type Pair = { publicKey: string; secretKey: string };

/** One request on a fresh CURVE connection to the master's request socket; the reply body. */
async function ask(f: Fleet, pair: Pair, frames: Buffer[]): Promise<Record<string, unknown>> {
  const sock = new Dealer({ curveServerKey: f.master.core.pair.publicKey, curvePublicKey: pair.publicKey, curveSecretKey: pair.secretKey, linger: 0 });
  try {
    sock.connect(`tcp://127.0.0.1:${f.masterConfig.return_port}`);
    await sock.send(frames);
    const reply = await Promise.race([sock.receive(), sleep(5000).then(() => undefined)]);
    assert.ok(reply, 'the master answered');
    return JSON.parse(reply[0].toString('utf8')) as Record<string, unknown>;
  } finally { sock.close(); }
}

async function agentPair(f: Fleet, id: string): Promise<Pair> {
  const dir = join(f.agentDir(id), 'pki');
  const [publicKey, secretKey] = await Promise.all(['agent.pub', 'agent.key'].map(async (n) => (await readFile(join(dir, n), 'utf8')).trim()));
  return { publicKey, secretKey };
}

const macKey = (f: Fleet, pair: Pair) => sharedKey(pair.secretKey, f.master.core.pair.publicKey);

test('pillar targets only grains the master trusts: an agent claiming role:db over real ZeroMQ does not get the db pillar', async () => {
  const f = await startMaster({ states: STATES, pillar: PILLAR });
  try {
    // the attacker: an accepted agent that claims the db role in every hello
    await f.startAccepted({ liar: { role: 'db', os: 'Debian' }, ops: { role: 'db', os: 'Debian' } });
    assert.equal(f.master.core.agents.get('liar')?.grains.role, 'db', 'the claimed grain reached the master');

    // its pillar asked for directly on the wire...
    const liar = await agentPair(f, 'liar');
    const direct = await ask(f, liar, seal(macKey(f, liar), 'pillar', 'liar', {}));
    assert.deepEqual(direct.errors, []);
    assert.deepEqual(direct.pillar, { outdir: f.out });
    // ...and through a real apply on the box
    const r = await f.runJob({ fun: 'apply', args: { sls: ['dump'] }, tgt: 'liar', tgt_type: 'glob' });
    assert.equal(r.returns.get('liar')?.success, true, JSON.stringify(r.returns.get('liar')?.ret));
    const seen = await readFile(join(f.out, 'liar', 'pillar.json'), 'utf8');
    assert.doesNotMatch(seen, /s3cret|replica/);

    // the legitimate db box: an admin sets its role on the master, and it gets its pillar
    const grains = await f.master.core.updateTrustedGrains('ops', { role: 'db' }, []);
    assert.deepEqual(grains, { role: 'db', id: 'ops' });
    await f.waitEvent((e) => e.tag === 'umec/agent/ops/grains', 'the grains event');
    const ok = await f.runJob({ fun: 'apply', args: { sls: ['dump'] }, tgt: 'ops', tgt_type: 'glob' });
    assert.equal(ok.returns.get('ops')?.success, true, JSON.stringify(ok.returns.get('ops')?.ret));
    assert.deepEqual(JSON.parse(await readFile(join(f.out, 'ops', 'pillar.json'), 'utf8')),
      { outdir: f.out, replica_key: 'db-replica-key', db_password: 's3cret-db-password' });

    // a box enrolled with a token that presets role=db is trusted with it too; the preset follows its key only
    const { token } = await f.master.core.tokens.create({ ttlSeconds: 600, uses: 1, grains: { role: 'db' } });
    const boxed = curveKeyPair();
    const kr = await ask(f, boxed, seal(macKey(f, boxed), 'key_request', 'db-token', { pubkey: boxed.publicKey, grains: {}, token }));
    assert.equal(kr.status, 'accepted');
    const tokenPillar = await ask(f, boxed, seal(macKey(f, boxed), 'pillar', 'db-token', {}));
    assert.equal((tokenPillar.pillar as Record<string, unknown>).db_password, 's3cret-db-password');
    assert.deepEqual(f.master.core.trustedGrains('db-token'), { role: 'db', id: 'db-token' });

    // job targeting sees the trusted grains over the claimed ones
    await f.master.core.updateTrustedGrains('liar', { role: 'web' }, []);
    const db = await f.runJob({ fun: 'ping', args: {}, tgt: 'role:db', tgt_type: 'grain', timeout: 2 });
    assert.deepEqual(db.targets, ['db-token', 'ops']);

    // deleting a key drops what was set for it: a new key for the same id starts from nothing
    await f.master.core.deleteKey('ops');
    assert.deepEqual(f.master.core.trustedGrains('ops'), { id: 'ops' });
    await assert.rejects(f.master.core.updateTrustedGrains('ops', { role: 'db' }, []), /no accepted key for agent ops/);
    await assert.rejects(f.master.core.updateTrustedGrains('liar', { id: 'ops' }, []), /the id grain is the agent id/);
  } finally {
    await f.stopAll();
  }
});

test('trusted grains survive a master restart', async () => {
  const f = await startMaster({ pillar: PILLAR });
  try {
    await f.startAccepted({ keep: { os: 'Debian' } });
    await f.master.core.updateTrustedGrains('keep', { role: 'db', site: 'north' }, []);
    await f.master.core.updateTrustedGrains('keep', {}, ['site']);
    await f.restartMaster();
    assert.deepEqual(f.master.core.trustedGrains('keep'), { role: 'db', id: 'keep' });
    const { pillar } = await f.master.core.pillar.compile('keep', f.master.core.trustedGrains('keep'));
    assert.equal(pillar.db_password, 's3cret-db-password');
  } finally {
    await f.stopAll();
  }
});
