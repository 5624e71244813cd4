import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/context.js';
import { freePort } from '../helpers/net.js';
import { writeTree } from '../helpers/tree.js';

const BIN = fileURLToPath(new URL('../../../cli/bin/run.js', import.meta.url));

function umec(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}


async function until<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('operator flow with real processes: master, two agents, keys, ping/run/apply/grains, job cache, events, clean SIGTERM', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = await tempDir('umec-fleet-cli-');
  const procs: ChildProcess[] = [];
  try {
    const [pubPort, retPort] = [await freePort(), await freePort()];
    await writeTree(dir, {
      'master.yaml': `data_dir: ${dir}/m\nstate_root: ${dir}/states\npillar_root: ${dir}/pillar\ninterface: 127.0.0.1\npublish_port: ${pubPort}\nreturn_port: ${retPort}\ntimeout: 5\n`,
      'states/top.sls': "base:\n  '*':\n    - web\n",
      'states/web.sls': `${dir}/out/{{ grains.id }}.txt:\n  file.managed:\n    - makedirs: true\n    - contents: "{{ pillar.msg }}"\n`,
      'pillar/top.sls': "base:\n  'b1':\n    - b1\n  'b2':\n    - b2\n",
      'pillar/b1.sls': 'msg: for b1 only\n',
      'pillar/b2.sls': 'msg: for b2 only\n',
    });
    const cfg = join(dir, 'master.yaml');
    const master = spawn(process.execPath, [BIN, 'master', 'start', '--config', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(master);
    let masterLog = '';
    master.stderr.on('data', (d: Buffer) => { masterLog += d.toString(); });
    await until('master control socket', () => existsSync(join(dir, 'm', 'master.sock')));
    const pub = umec(['key', 'master', '--config', cfg]).stdout.trim();
    assert.equal(pub.length, 40);
    for (const id of ['b1', 'b2']) {
      await writeTree(dir, { [`${id}.yaml`]: `id: ${id}\nmaster: 127.0.0.1:${retPort}\nmaster_pubkey: '${pub}'\ndata_dir: ${dir}/${id}\nacceptance_wait_time: 0.3\ngrains:\n  role: ${id === 'b1' ? 'camera' : 'gateway'}\n` });
      procs.push(spawn(process.execPath, [BIN, 'agent', 'start', '--config', join(dir, `${id}.yaml`)], { stdio: 'ignore' }));
    }
    const events = spawn(process.execPath, [BIN, 'events', '--json', '--config', cfg], { stdio: ['ignore', 'pipe', 'ignore'] });
    procs.push(events);
    let eventLog = '';
    events.stdout.on('data', (d: Buffer) => { eventLog += d.toString(); });

    await until('pending keys', () => { const k = JSON.parse(umec(['key', 'list', '--json', '--config', cfg]).stdout) as { pending: string[] }; return k.pending.length === 2 || undefined; });
    const finger = JSON.parse(umec(['key', 'finger', 'b1', '--json', '--config', cfg]).stdout) as { agents: { b1: { state: string; fingerprint: string } } };
    const { fingerprint } = await import('../../lib/z85.js');
    assert.deepEqual(finger.agents.b1, { state: 'pending', fingerprint: fingerprint(readFileSync(join(dir, 'b1', 'pki', 'agent.pub'), 'utf8').trim()) });
    assert.equal(umec(['ping', '*', '--config', cfg, '-t', '2']).code, 2, 'no accepted agent: nothing matched');
    assert.match(umec(['key', 'accept', 'b1', '--config', cfg]).stdout, /Key for agent b1 accepted/);
    assert.equal(umec(['key', 'accept', '--all', '--config', cfg]).code, 0);

    const ping = await until('both agents answering', () => {
      const r = umec(['ping', '*', '--json', '--config', cfg, '-t', '3']);
      return r.code === 0 ? JSON.parse(r.stdout) as { jid: string; returns: Record<string, unknown>; missing: string[] } : undefined;
    }, 20_000);
    assert.deepEqual(ping.returns, { b1: true, b2: true });
    assert.deepEqual(ping.missing, []);

    const run = umec(['run', '-G', 'role:camera', '--config', cfg, '--', 'echo', 'hello']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^b1:\n {4}hello\n/);
    assert.doesNotMatch(run.stdout, /b2:/);

    const apply = umec(['apply', '-C', 'b* and not G@role:nothing', '--json', '--config', cfg]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.equal(readFileSync(join(dir, 'out', 'b1.txt'), 'utf8'), 'for b1 only\n');
    assert.equal(readFileSync(join(dir, 'out', 'b2.txt'), 'utf8'), 'for b2 only\n');

    const human = umec(['apply', 'b2', '--config', cfg]);
    assert.match(human.stdout, /Summary for b2\n-+\nSucceeded: 1\nFailed: {4}0/);
    assert.match(human.stdout, /# of agents returned: 1/);

    const terse = umec(['apply', 'b2', '--state-output', 'terse', '--config', cfg]);
    assert.match(terse.stdout, /Name: .*b2\.txt - Function: file\.managed - Result: Clean/);

    const grains = JSON.parse(umec(['grains', '-L', 'b1', '--json', '--config', cfg]).stdout) as { returns: { b1: { role: string; id: string } } };
    assert.equal(grains.returns.b1.role, 'camera');

    const jobs = JSON.parse(umec(['job', 'list', '--json', '--config', cfg]).stdout) as { jid: string; fun: string }[];
    assert.ok(jobs.some((j) => j.jid === ping.jid));
    const shown = JSON.parse(umec(['job', 'show', ping.jid, '--json', '--config', cfg]).stdout) as { returns: Record<string, unknown> };
    assert.deepEqual(shown.returns, { b1: true, b2: true });

    const bad = umec(['ping', '-C', 'G@os:Debian and (', '--config', cfg]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad target expression/);

    await until('job events', () => /umec\/job\/\d+\/ret\/b1/.test(eventLog) && /umec\/key\/b2\/accepted/.test(eventLog) || undefined);

    master.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => master.once('exit', r));
    assert.equal(code, 0);
    assert.match(masterLog, /"msg":"master stopped"/);
    assert.ok(!existsSync(join(dir, 'm', 'master.sock')), 'control socket removed on shutdown');
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await cleanup();
  }
});

test('a bad master config fails at once naming file, line and field', async () => {
  const { dir, cleanup } = await tempDir('umec-badcfg-');
  try {
    await writeTree(dir, { 'm.yaml': 'data_dir: /tmp/x\npublish_port: 99999\nretrun_port: 1\n' });
    const r = umec(['master', 'start', '--config', join(dir, 'm.yaml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /m\.yaml:2: publish_port must be <= 65535/);
    assert.match(r.stderr, /m\.yaml:3: retrun_port unknown key/);
  } finally { await cleanup(); }
});
