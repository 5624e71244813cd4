import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { UmecEvent } from '../../lib/messages.js';
import { loadOrCreateKeyPair } from '../../lib/keypair.js';
import { TokenStore } from '../../master/enrol/tokens.js';
import { tempDir } from '../helpers/context.js';
import { freePort } from '../helpers/net.js';
import { killAll, stop, umec, umecProc, until, type Proc } from '../helpers/procs.js';
import { writeTree } from '../helpers/tree.js';

const STATES = {
  'states/top.sls': "base:\n  '*':\n    - web\n",
  'states/web.sls': '@DIR@/out/{{ grains.id }}.txt:\n  file.managed:\n    - makedirs: true\n    - contents: "role={{ grains.role | default(\'none\') }}"\n',
  'pillar/top.sls': "base:\n  '*':\n    - common\n",
  'pillar/common.sls': 'x: 1\n',
};

interface Setup { dir: string; cfg: string; retPort: number; pubPort: number; procs: Proc[]; cleanup: () => Promise<void> }

async function setup(prefix: string, masterExtra = ''): Promise<Setup> {
  const { dir, cleanup } = await tempDir(prefix);
  const [pubPort, retPort] = [await freePort(), await freePort()];
  const files: Record<string, string> = {};
  for (const [k, v] of Object.entries(STATES)) files[k] = v.replaceAll('@DIR@', dir);
  files['master.yaml'] = `data_dir: ${dir}/m\nstate_root: ${dir}/states\npillar_root: ${dir}/pillar\ninterface: 127.0.0.1\npublish_port: ${pubPort}\nreturn_port: ${retPort}\ntimeout: 5\n${masterExtra}`;
  await writeTree(dir, files);
  return { dir, cfg: join(dir, 'master.yaml'), retPort, pubPort, procs: [], cleanup };
}

function startMaster(s: Setup): Proc {
  return umecProc(['master', 'start', '--config', s.cfg], s.procs);
}

/** `umec events --json` running in the background; the parsed events so far. */
function watchEvents(s: Setup): () => UmecEvent[] {
  const p = umecProc(['events', '--json', '--config', s.cfg], s.procs);
  return () => p.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as UmecEvent);
}

/** An agent whose master and token come only from a bootstrap file. */
async function bootAgent(s: Setup, id: string, boot: Record<string, unknown> | undefined, extra = ''): Promise<{ cfg: string; bootFile: string }> {
  const bootFile = join(s.dir, `boot-${id}`, 'umec-bootstrap.yaml');
  await writeTree(s.dir, {
    [`${id}.yaml`]: `id: ${id}\ndata_dir: ${s.dir}/${id}\nacceptance_wait_time: 0.3\nrequest_timeout: 1\nreconnect_max: 1\nbootstrap:\n  file: ${bootFile}\n  retry_min: 0.2\n  retry_max: 1\n${extra}`,
    ...(boot ? { [`boot-${id}/umec-bootstrap.yaml`]: `# written by the factory\n${Object.entries(boot).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n')}\n` } : {}),
  });
  return { cfg: join(s.dir, `${id}.yaml`), bootFile };
}

const waitSocket = (s: Setup) => until('master control socket', () => existsSync(join(s.dir, 'm', 'master.sock')));
const masterKey = (s: Setup) => umec(['key', 'master', '--config', s.cfg]).stdout.trim();

function createToken(s: Setup, args: string[] = []): string {
  const r = umec(['token', 'create', '--config', s.cfg, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

function jobs(s: Setup): { jid: string; user?: string; returned: number }[] {
  return JSON.parse(umec(['job', 'list', '--json', '--config', s.cfg]).stdout) as { jid: string; user?: string; returned: number }[];
}

test('first boot from a bootstrap file: token accepts the key, highstate applied with preset grains, marker written, token blanked and never logged; a restart does not commission again', { timeout: 120_000 }, async () => {
  const s = await setup('umec-commission-');
  try {
    startMaster(s);
    await waitSocket(s);
    const events = watchEvents(s);
    // the operator makes the token and the box's bootstrap file in one go
    const { cfg, bootFile } = await bootAgent(s, 'box1', undefined);
    const refused = umec(['token', 'create', '--bootstrap', bootFile, '--config', s.cfg]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot write the bootstrap file .*boot-box1\/umec-bootstrap\.yaml: ENOENT/);
    assert.equal((JSON.parse(umec(['token', 'list', '--json', '--config', s.cfg]).stdout) as unknown[]).length, 0, 'no token made');
    await writeTree(s.dir, { 'boot-box1/.keep': '' });
    const token = createToken(s, ['--grains', 'role=camera', '--ttl', '1h', '--bootstrap', bootFile, '--master-address', `127.0.0.1:${s.retPort}`]);
    assert.match(token, /^umec_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(bootFile).mode & 0o777, 0o600);
    assert.equal((parse(readFileSync(bootFile, 'utf8')) as { master_pubkey: string }).master_pubkey, masterKey(s));
    const agent = umecProc(['agent', 'start', '--config', cfg], s.procs);

    const done = await until('commissioned event', () => events().find((e) => e.tag === 'umec/agent/box1/commissioned'), 40_000);
    assert.equal(done.data.success, true);
    assert.equal(done.data.failed, 0);
    assert.equal(done.data.states, 1);
    const accepted = events().find((e) => e.tag === 'umec/key/box1/accepted');
    assert.equal(accepted?.data.by, 'token');
    assert.deepEqual(accepted?.data.grains, { role: 'camera' });
    assert.equal(readFileSync(join(s.dir, 'out', 'box1.txt'), 'utf8'), 'role=camera\n', 'highstate ran with the grain the token preset');
    const marker = await until('marker', () => (existsSync(join(s.dir, 'box1', 'commissioned')) ? JSON.parse(readFileSync(join(s.dir, 'box1', 'commissioned'), 'utf8')) as { jid: string } : undefined));
    assert.equal(marker.jid, done.data.jid);

    // the commissioning job is in the job cache like any other job
    const shown = JSON.parse(umec(['job', 'show', String(done.data.jid), '--json', '--config', s.cfg]).stdout) as { job: { user: string }; returns: Record<string, unknown> };
    assert.ok(shown.returns.box1);

    // the token is gone from the boot partition, the rest of the file kept
    const boot = parse(readFileSync(bootFile, 'utf8')) as Record<string, unknown>;
    assert.equal(boot.token, '', agent.err());
    assert.equal(boot.master, `127.0.0.1:${s.retPort}`);
    assert.match(readFileSync(bootFile, 'utf8'), /# umec bootstrap: copy to the box's boot partition/);
    const list = JSON.parse(umec(['token', 'list', '--json', '--config', s.cfg]).stdout) as { status: string; used_by: string[]; hash?: string }[];
    assert.equal(list[0].status, 'used');
    assert.deepEqual(list[0].used_by, ['box1']);
    assert.equal(list[0].hash, undefined);
    assert.ok(!readFileSync(join(s.dir, 'm', 'tokens.json'), 'utf8').includes(token.split('_')[2]), 'only the hash is stored');

    // restart, even with the bootstrap file gone: no second commissioning, still managed
    assert.equal(await stop(agent), 0);
    const { rm } = await import('node:fs/promises');
    await rm(bootFile);
    const before = jobs(s).filter((j) => j.user?.startsWith('commission')).length;
    assert.equal(before, 1);
    const again = umecProc(['agent', 'start', '--config', cfg], s.procs);
    await until('agent back', () => umec(['ping', 'box1', '--config', s.cfg, '-t', '2']).code === 0 || undefined, 30_000, 300);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(jobs(s).filter((j) => j.user?.startsWith('commission')).length, 1, 'no second commissioning job');
    assert.equal(events().filter((e) => e.tag === 'umec/agent/box1/commissioned').length, 1);
    assert.equal(await stop(again), 0);

    const logs = [...s.procs.map((p) => p.err() + p.out())].join('\n');
    assert.ok(!logs.includes(token), 'the token never appears in logs or events');
    assert.ok(!JSON.stringify(events()).includes(token));
  } finally {
    killAll(s.procs);
    await s.cleanup();
  }
});

test('bad, expired and reused tokens leave the key pending and say why (events, key list); the agent keeps trying and an operator accept lets it commission', { timeout: 120_000 }, async () => {
  const s = await setup('umec-commission-bad-');
  try {
    startMaster(s);
    await waitSocket(s);
    const events = watchEvents(s);
    const pub = masterKey(s);
    const master = `127.0.0.1:${s.retPort}`;
    const good = createToken(s);
    const expired = createToken(s, ['--ttl', '1s']);
    await new Promise((r) => setTimeout(r, 1200));
    const cases: Array<[string, string, RegExp]> = [
      ['wrong', `umec_${good.split('_')[1]}_${'A'.repeat(43)}`, /invalid token/],
      ['late', expired, /token [0-9a-f]{8} expired at /],
      ['first', good, /./],
      ['second', good, /token [0-9a-f]{8} already used \(by first\)/],
    ];
    for (const [id, token] of cases) {
      const { cfg } = await bootAgent(s, id, { master, master_pubkey: pub, token });
      umecProc(['agent', 'start', '--config', cfg], s.procs);
      if (id === 'first') await until('first commissioned', () => events().find((e) => e.tag === 'umec/agent/first/commissioned'), 40_000);
    }
    for (const [id, , why] of cases.filter(([id]) => id !== 'first')) {
      // every attempt is an event with its reason
      await until(`two refused attempts of ${id}`, () => events().filter((e) => e.tag === `umec/key/${id}/pending` && why.test(String(e.data.reason))).length >= 2 || undefined, 30_000);
    }
    const keys = umec(['key', 'list', '--config', s.cfg]).stdout;
    assert.match(keys, /Accepted Keys:\nfirst\n/);
    // an operator arriving later still sees the attempts
    const late = umecProc(['events', '--recent', '1000', '--config', s.cfg], s.procs);
    await until('recent events replayed', () => /umec\/key\/second\/pending \{"id":"second","reason":"token [0-9a-f]{8} already used \(by first\)"\}/.test(late.out()) || undefined, 10_000);
    late.proc.kill('SIGTERM');
    assert.match(keys, /late {2}\(token [0-9a-f]{8} expired at/);
    assert.match(keys, /second {2}\(token [0-9a-f]{8} already used \(by first\)\)/);
    assert.match(keys, /wrong {2}\(invalid token\)/);
    assert.ok(!existsSync(join(s.dir, 'out', 'second.txt')), 'nothing applied on a box with a refused token');

    // an operator accepts one by hand: it goes on to commission
    assert.equal(umec(['key', 'accept', 'late', '--config', s.cfg]).code, 0);
    await until('late commissioned', () => events().find((e) => e.tag === 'umec/agent/late/commissioned'), 40_000);
    // the agent writes its marker after the master's event (after the ack): wait for it, as for box1
    await until('late marker', () => (existsSync(join(s.dir, 'late', 'commissioned')) ? true : undefined), 10_000);
    assert.doesNotMatch(umec(['key', 'list', '--config', s.cfg]).stdout, /late {2}\(/);

    // revoking: list shows it
    const id = good.split('_')[1];
    assert.match(umec(['token', 'revoke', id, '--config', s.cfg]).stdout, new RegExp(`Token ${id} revoked`));
    assert.match(umec(['token', 'list', '--config', s.cfg]).stdout, new RegExp(`${id}\\trevoked`));
    assert.equal(umec(['token', 'revoke', 'ffffffff', '--config', s.cfg]).code, 1);
    assert.equal(umec(['token', 'create', '--ttl', '3 weeks', '--config', s.cfg]).code, 2);
    assert.match(umec(['token', 'create', '--grains', 'nokey', '--config', s.cfg]).stderr, /--grains takes key=value/);
    for (const t of [good, expired]) assert.ok(!s.procs.some((p) => p.err().includes(t) || p.out().includes(t)), 'tokens never logged');
  } finally {
    killAll(s.procs);
    await s.cleanup();
  }
});

test('master unreachable at first: the agent retries with backoff and commissions once the master is up', { timeout: 120_000 }, async () => {
  const s = await setup('umec-commission-late-');
  try {
    // the master's key and a token exist before the master runs (as when a box is prepared in advance)
    const pair = await loadOrCreateKeyPair(join(s.dir, 'm', 'pki'), 'master');
    const store = await TokenStore.open(join(s.dir, 'm'));
    const { token } = await store.create({ ttlSeconds: 3600, uses: 1 });
    // from the environment this time, not a file
    const { cfg } = await bootAgent(s, 'early', undefined);
    const env = { ...process.env, UMEC_MASTER: `127.0.0.1:${s.retPort}`, UMEC_MASTER_PUBKEY: pair.publicKey, UMEC_TOKEN: token };
    const agent = umecProc(['agent', 'start', '--config', cfg], s.procs, env);
    await until('two unreachable attempts logged', () => (agent.err().match(/commissioning: master not reachable/g) ?? []).length >= 2 || undefined, 30_000);
    assert.ok(!existsSync(join(s.dir, 'early', 'commissioned')));
    startMaster(s);
    await until('marker', () => existsSync(join(s.dir, 'early', 'commissioned')) || undefined, 40_000);
    assert.equal(readFileSync(join(s.dir, 'out', 'early.txt'), 'utf8'), 'role=none\n');
    assert.ok(!agent.err().includes(token));
    // what the environment gave is kept for the next boot
    const saved = JSON.parse(readFileSync(join(s.dir, 'early', 'bootstrap.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(saved.master, [`127.0.0.1:${s.retPort}`]);
    assert.equal(JSON.stringify(saved).includes(token), false);
  } finally {
    killAll(s.procs);
    await s.cleanup();
  }
});

test('schedules in master.yaml and agent.yaml fire on seconds-level cron and land in the job cache; umec schedule list shows them', { timeout: 120_000 }, async () => {
  const s = await setup('umec-schedule-', "schedule:\n  fleet-ping:\n    cron: '*/1 * * * * *'\n    function: ping\n    target: '*'\n  nightly-drift:\n    cron: '0 3 * * *'\n    function: apply\n    args: {test: true}\n    splay: 600\n");
  try {
    startMaster(s);
    await waitSocket(s);
    await until('a tick with no agent', () => {
      const l = JSON.parse(umec(['schedule', 'list', '--json', '--config', s.cfg]).stdout) as { name: string; last?: { skipped?: string } }[];
      return l.find((x) => x.name === 'fleet-ping')?.last?.skipped;
    }, 10_000, 300);
    assert.equal(jobs(s).length, 0, 'no empty jobs while nothing matches');
    const token = createToken(s);
    const { cfg } = await bootAgent(s, 'sch', { master: `127.0.0.1:${s.retPort}`, master_pubkey: masterKey(s), token },
      "schedule:\n  local-grains:\n    cron: '*/2 * * * * *'\n    function: grains\n");
    umecProc(['agent', 'start', '--config', cfg], s.procs);
    await until('returns of both schedules in the job cache', () => {
      const j = jobs(s);
      return (j.some((x) => x.user === 'schedule:fleet-ping' && x.returned === 1) && j.some((x) => x.user === 'schedule:local-grains' && x.returned === 1)) || undefined;
    }, 40_000, 500);
    const local = jobs(s).find((x) => x.user === 'schedule:local-grains')!;
    const shown = JSON.parse(umec(['job', 'show', local.jid, '--json', '--config', s.cfg]).stdout) as { returns: Record<string, { id: string }> };
    assert.equal(shown.returns.sch.id, 'sch', 'the agent-local grains job returned its grains');
    const list = JSON.parse(umec(['schedule', 'list', '--json', '--config', s.cfg]).stdout) as { name: string; runs: number; next?: string; last?: { jid?: string } }[];
    const ping = list.find((x) => x.name === 'fleet-ping')!;
    assert.ok(ping.runs >= 1 && ping.last?.jid);
    const nightly = list.find((x) => x.name === 'nightly-drift')!;
    assert.match(nightly.next ?? '', /T\d\d:00:00/);
    assert.equal(nightly.runs, 0);
    const agentList = umec(['schedule', 'list', '--agent-config', cfg]);
    assert.match(agentList.stdout, /local-grains\t\*\/2 \* \* \* \* \*\t0s\t\d{4}-/);

    // a bad cron expression fails at start naming file and entry
    await writeTree(s.dir, { 'bad.yaml': `data_dir: ${s.dir}/m2\nschedule:\n  x:\n    cron: '61 * * * *'\n    function: ping\n  y:\n    cron: '* * * * *'\n    function: nope\n` });
    const bad = umec(['master', 'start', '--config', join(s.dir, 'bad.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.yaml:\d+: schedule\.y\.function must be one of ping, apply, run, grains/);
    await writeTree(s.dir, { 'bad2.yaml': `data_dir: ${s.dir}/m2\nschedule:\n  x:\n    cron: '61 * * * *'\n    function: ping\n` });
    assert.match(umec(['master', 'start', '--config', join(s.dir, 'bad2.yaml')]).stderr, /schedule\.x\.cron "61 \* \* \* \*" is not a cron expression \(minute/);
  } finally {
    killAll(s.procs);
    await s.cleanup();
  }
});

test('a failing highstate is reported on every attempt and retried with backoff; once the tree is fixed the box commissions', { timeout: 120_000 }, async () => {
  const s = await setup('umec-commission-retry-');
  try {
    await writeTree(s.dir, { 'states/web.sls': 'broken:\n  cmd.run:\n    - name: "false"\n' });
    startMaster(s);
    await waitSocket(s);
    const events = watchEvents(s);
    const token = createToken(s);
    const { cfg } = await bootAgent(s, 'flaky', { master: `127.0.0.1:${s.retPort}`, master_pubkey: masterKey(s), token });
    const agent = umecProc(['agent', 'start', '--config', cfg], s.procs);
    const failed = await until('two failed attempts', () => {
      const f = events().filter((e) => e.tag === 'umec/agent/flaky/commission/failed');
      return f.length >= 2 ? f : undefined;
    }, 40_000);
    assert.deepEqual(failed.map((e) => e.data.attempt).slice(0, 2), [1, 2]);
    assert.equal(failed[0].data.failed, 1);
    assert.match(umec(['key', 'list', '--config', s.cfg]).stdout, /Accepted Keys:\nflaky\n/);
    assert.ok(!existsSync(join(s.dir, 'flaky', 'commissioned')));
    assert.match(agent.err(), /commissioning: highstate failed; retrying/);
    // each attempt is a job of its own in the job cache
    assert.ok(jobs(s).filter((j) => j.user === 'commission:highstate').length >= 2);
    await writeTree(s.dir, { 'states/web.sls': STATES['states/web.sls'].replaceAll('@DIR@', s.dir) });
    const ok = await until('commissioned after the fix', () => events().find((e) => e.tag === 'umec/agent/flaky/commissioned'), 40_000);
    assert.ok(Number(ok.data.attempt) >= 2);
    // the master's event can arrive before the agent has written its marker (after the master's ack)
    await until('the commissioned marker', () => existsSync(join(s.dir, 'flaky', 'commissioned')), 10_000);
    assert.ok(existsSync(join(s.dir, 'flaky', 'commissioned')));
  } finally {
    killAll(s.procs);
    await s.cleanup();
  }
});
