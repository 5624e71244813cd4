import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/context.js';
import { umecAsync as umec } from '../helpers/procs.js';
import { freePort } from '../helpers/net.js';
import { sshdAvailable, startSshd, type TestSshd } from '../helpers/sshd.js';
import { writeTree } from '../helpers/tree.js';


describe('umec roster commands against a real sshd', { skip: sshdAvailable() ? false : 'needs root and openssh-server', timeout: 120_000 }, () => {
  let sshd: TestSshd;
  let work: { dir: string; cleanup: () => Promise<void> };
  let roster: string;
  before(async () => {
    [sshd, work] = await Promise.all([startSshd(), tempDir('umec-roster-cli-')]);
    const dead = await freePort();
    roster = join(work.dir, 'roster.yaml');
    await writeTree(work.dir, {
      'roster.yaml': [
        'roster_defaults:', '  host: 127.0.0.1', `  port: ${sshd.port}`, '  user: root', `  priv: ${sshd.clientKey}`,
        `  known_hosts: ${sshd.knownHosts}`, `  thin_dir: ${work.dir}/thin`,
        'edge-1:', '  grains: {role: camera}', 'edge-2:', '  grains: {role: gateway}', 'down-1:', `  port: ${dead}`, '',
      ].join('\n'),
      'bad.yaml': 'edge-1:\n  host: a\n  port: twenty-two\n',
      'states/web.sls': `${work.dir}/out/{{ grains.id }}.txt:\n  file.managed:\n    - makedirs: true\n    - contents: "{{ pillar.msg }} {{ grains.role }}"\n`,
      'pillar.yaml': 'msg: hi\n',
    });
  });
  after(async () => { await sshd?.stop(); await work?.cleanup(); });

  test('roster ping --json has the shape of umec ping and exit 0 when all answer', async () => {
    const r = await umec(['roster', 'ping', 'edge-*', '-r', roster, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { jid: string; returns: Record<string, unknown>; missing: string[] };
    assert.match(out.jid, /^\d{20}$/);
    assert.deepEqual(out.returns, { 'edge-1': true, 'edge-2': true });
    assert.deepEqual(out.missing, []);
  });

  test('a host that cannot be reached fails the command (exit 1) and is named in the output', async () => {
    const r = await umec(['roster', 'ping', '*', '-r', roster]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /down-1:\n {4}\[SSH_UNREACHABLE\] cannot reach 127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /edge-1:\n {4}True/);
    assert.match(r.stdout, /# of agents targeted: 3/);
    assert.match(r.stdout, /# of failed agents: 1/);
  });

  test('grain targets use the roster grains; roster run prints the command output', async () => {
    const r = await umec(['roster', 'run', '-G', 'role:gateway', '-r', roster, '--', 'echo', 'from', 'gateway']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^edge-2:\n {4}from gateway\n/);
    assert.doesNotMatch(r.stdout, /edge-1:/);
  });

  test('roster apply --test then apply, with pillar; JSON returns are state results keyed as Salt does', async () => {
    const base = ['roster', 'apply', '-L', 'edge-1,edge-2', 'web', '-r', roster, '--state-root', join(work.dir, 'states'), '--pillar', join(work.dir, 'pillar.yaml'), '--json'];
    const dry = await umec([...base, '--test']);
    assert.equal(dry.code, 0, dry.stderr);
    const key = `file_|-${work.dir}/out/edge-1.txt_|-${work.dir}/out/edge-1.txt_|-managed`;
    const dryRet = (JSON.parse(dry.stdout) as { returns: Record<string, Record<string, { result: unknown }>> }).returns['edge-1'];
    assert.equal(dryRet[key].result, null);
    const real = await umec(base);
    assert.equal(real.code, 0, real.stderr);
    const ret = (JSON.parse(real.stdout) as { returns: Record<string, Record<string, { result: unknown; changes: unknown }>> }).returns['edge-1'];
    assert.equal(ret[key].result, true);
    assert.ok(Object.keys(ret[key].changes as object).length);
  });

  test('usage errors exit 2: nothing matched, a bad roster names file, line and field', async () => {
    const none = await umec(['roster', 'ping', 'nope-*', '-r', roster]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No roster entry .* matched/);
    const bad = await umec(['roster', 'ping', '*', '-r', join(work.dir, 'bad.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.yaml:3: edge-1\.port must be integer \[ROSTER\]/);
  });
});
