import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { RosterCompiler } from '../../roster/compile.js';
import { KnownHosts } from '../../roster/known-hosts.js';
import type { RosterEntry } from '../../roster/roster-file.js';
import { runRoster, type RosterJob, type RosterRunOptions } from '../../roster/runner.js';
import { loadThinBundle, type ThinBundle } from '../../roster/thin-bundle.js';
import { StateEngine } from '../../states/engine.js';
import { builtinModules, linuxDrivers } from '../../states/modules/index.js';
import type { RunResults } from '../../states/types.js';
import { tempDir } from '../helpers/context.js';
import { freePort } from '../helpers/net.js';
import { keygen, sshdAvailable, startSshd, type TestSshd } from '../helpers/sshd.js';
import { writeTree } from '../helpers/tree.js';

const skip = sshdAvailable() ? false : 'needs root and openssh-server (npm test installs it)';
const NOSUDO_USER = 'umec-nosudo';
const PASSWORD = 'correct horse battery';

describe('roster over a real OpenSSH server', { skip, timeout: 180_000 }, () => {
  let sshd: TestSshd;
  let bundle: ThinBundle;
  let work: { dir: string; cleanup: () => Promise<void> };
  let n = 0;

  before(async () => {
    [sshd, bundle, work] = await Promise.all([startSshd(), loadThinBundle(), tempDir('umec-roster-ssh-')]);
  });
  after(async () => {
    await sshd?.stop();
    await work?.cleanup();
  });

  /** An entry on the test sshd; every call gets its own thin_dir unless one is given. */
  const entry = (id: string, o: Partial<RosterEntry> = {}): RosterEntry => ({
    id, host: '127.0.0.1', port: sshd.port, user: 'root', priv: sshd.clientKey, sudo: false, timeout: 5, grains: {},
    thin_dir: join(work.dir, `thin-${n++}`), known_hosts: sshd.knownHosts, node: 'node', ...o,
  });
  const opts = (o: Partial<RosterRunOptions> = {}): RosterRunOptions => ({
    bundle, knownHosts: (e) => new KnownHosts(e.known_hosts), maxProcs: 25, timeoutSec: 60, ...o,
  });
  const run = (entries: RosterEntry[], job: RosterJob, o: Partial<RosterRunOptions> = {}) => runRoster(entries, job, opts(o));

  test('ping: the first run uploads the bundle once per thin_dir, the next run uploads nothing', async () => {
    const thin = join(work.dir, 'thin-shared');
    const ids = ['edge-1', 'edge-2', 'edge-3'].map((id) => entry(id, { thin_dir: thin }));
    const first = await run(ids.slice(0, 1), { fun: 'ping', args: {} });
    assert.deepEqual(first.returns.get('edge-1'), { ret: true, retcode: 0, success: true });
    assert.equal(first.uploaded, bundle.size);
    assert.ok(existsSync(join(thin, bundle.remoteName)));
    const second = await run(ids, { fun: 'ping', args: {} });
    assert.equal(second.uploaded, 0);
    assert.deepEqual([...second.returns.keys()].sort(), ['edge-1', 'edge-2', 'edge-3']);
    for (const r of second.returns.values()) assert.equal(r.ret, true);
  });

  test('run: output and exit code of the command come back as the agent returns them', async () => {
    const r = await run([entry('edge-1')], { fun: 'run', args: { cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'] } });
    assert.deepEqual(r.returns.get('edge-1'), { ret: 'out\nerr', retcode: 3, success: false });
  });

  describe('apply', () => {
    let root: string;
    let out: string;
    before(async () => {
      root = join(work.dir, 'tree');
      out = join(work.dir, 'out');
      await writeTree(root, {
        'web.sls': [
          `${out}/{{ grains.id }}/app.conf:`, '  file.managed:', '    - source: umec://files/app.conf', '    - template: jinja', '    - makedirs: true',
          `${out}/{{ grains.id }}/motd:`, '  file.managed:', '    - contents: "{{ pillar.msg }} on {{ grains.id }}"',
          '    - require:', `      - file: ${out}/{{ grains.id }}/app.conf`,
          'restart:', '  cmd.run:', `    - name: echo restarted >> ${out}/{{ grains.id }}/log`,
          '    - onchanges:', `      - file: ${out}/{{ grains.id }}/app.conf`,
        ].join('\n'),
        'files/app.conf': 'role={{ grains.role }} host={{ grains.id }}\n',
        'files/unused.bin': 'never shipped\n',
        'broken.sls': 'x:\n  file.managed:\n    - name: /tmp/x\n    - names: 7\n',
        'failing.sls': 'nope:\n  cmd.run:\n    - name: "false"\n',
      });
    });
    const compiler = (o: { test?: boolean; sls?: string[] } = {}) => new RosterCompiler(
      new StateEngine({ modules: builtinModules(), drivers: linuxDrivers() }),
      { stateRoot: root, sls: o.sls ?? ['web'], test: !!o.test, pillarFor: async (id) => ({ msg: `hello ${id}` }) },
    );
    const changed = (r: unknown) => Object.values(r as RunResults).filter((x) => Object.keys(x.changes).length).length;

    test('changes on the first run, nothing on the second; only the referenced files travel, by hash', async () => {
      const thin = join(work.dir, 'thin-apply');
      const hosts = [entry('cam-1', { thin_dir: thin, grains: { role: 'camera' } }), entry('cam-2', { thin_dir: thin, grains: { role: 'gateway' } })];
      const first = await run(hosts, { fun: 'apply', args: {}, compiler: compiler() });
      for (const id of ['cam-1', 'cam-2']) {
        const r = first.returns.get(id)!;
        assert.equal(r.success, true, JSON.stringify(r.ret));
        assert.equal(changed(r.ret), 3);
      }
      assert.equal(readFileSync(join(out, 'cam-1/app.conf'), 'utf8'), 'role=camera host=cam-1\n');
      assert.equal(readFileSync(join(out, 'cam-2/motd'), 'utf8'), 'hello cam-2 on cam-2\n');
      const blobs = readdirSync(join(thin, 'files'));
      assert.equal(blobs.length, 1, 'only files/app.conf is shipped');
      const second = await run(hosts, { fun: 'apply', args: {}, compiler: compiler() });
      for (const r of second.returns.values()) {
        assert.equal(r.success, true);
        assert.equal(changed(r.ret), 0);
      }
      assert.equal(readFileSync(join(out, 'cam-1/log'), 'utf8'), 'restarted\n');
    });

    test('test mode predicts changes (result None) and changes nothing', async () => {
      const host = entry('cam-3', { grains: { role: 'camera' } });
      await run([host], { fun: 'apply', args: {}, compiler: compiler() });
      await writeFile(join(root, 'files/app.conf'), 'role={{ grains.role }} host={{ grains.id }} v2\n');
      try {
        const r = (await run([host], { fun: 'apply', args: {}, compiler: compiler({ test: true }), test: true })).returns.get('cam-3')!;
        const conf = Object.values(r.ret as RunResults).find((x) => x.name.endsWith('cam-3/app.conf'))!;
        assert.equal(conf.result, null);
        assert.match(String((conf.changes as { diff?: string }).diff), /\+role=camera host=cam-3 v2/);
        assert.equal(readFileSync(join(out, 'cam-3/app.conf'), 'utf8'), 'role=camera host=cam-3\n');
      } finally {
        await writeFile(join(root, 'files/app.conf'), 'role={{ grains.role }} host={{ grains.id }}\n');
      }
    });

    test('a state tree error is reported for the host (retcode 2) and nothing runs', async () => {
      const r = (await run([entry('cam-4')], { fun: 'apply', args: {}, compiler: compiler({ sls: ['broken'] }) })).returns.get('cam-4')!;
      assert.equal(r.retcode, 2);
      assert.match(String((r.ret as string[])[0]), /broken\.sls:4/);
    });

    test('a failing state fails the host with retcode 1 and its comment', async () => {
      const r = (await run([entry('cam-5')], { fun: 'apply', args: {}, compiler: compiler({ sls: ['failing'] }) })).returns.get('cam-5')!;
      assert.equal(r.retcode, 1);
      const only = Object.values(r.ret as RunResults)[0];
      assert.equal(only.result, false);
    });
  });

  test('an upload cut half way leaves no bundle under its real name; the next run uploads again and works', async () => {
    const thin = join(work.dir, 'thin-cut');
    const cut = await run([entry('edge-1', { thin_dir: thin })], { fun: 'ping', args: {} }, {
      upload: { onBytes: (sent, total, session) => { if (sent > total / 3) session.destroy(); } },
    });
    const r = cut.returns.get('edge-1')!;
    assert.equal(r.success, false);
    assert.match(String(r.ret), /SSH_UPLOAD|SSH_REMOTE/);
    assert.ok(!existsSync(join(thin, bundle.remoteName)), 'a half bundle must never carry the real name');
    const again = await run([entry('edge-1', { thin_dir: thin })], { fun: 'ping', args: {} });
    assert.equal(again.returns.get('edge-1')!.ret, true);
    assert.equal(again.uploaded, bundle.size);
  });

  test('a bundle damaged in thin_dir fails its checksum and is replaced', async () => {
    const thin = join(work.dir, 'thin-damaged');
    await run([entry('edge-1', { thin_dir: thin })], { fun: 'ping', args: {} });
    await writeFile(join(thin, bundle.remoteName), 'console.log("tampered")\n');
    const r = await run([entry('edge-1', { thin_dir: thin })], { fun: 'ping', args: {} });
    assert.equal(r.returns.get('edge-1')!.ret, true);
    assert.equal(r.uploaded, bundle.size);
  });

  describe('host keys', () => {
    test('an unknown host is refused; --accept-new records its key and the next run matches it', async () => {
      const kh = join(work.dir, 'kh-new');
      const refused = (await run([entry('edge-1', { known_hosts: kh })], { fun: 'ping', args: {} })).returns.get('edge-1')!;
      assert.equal(refused.retcode, 255);
      assert.match(String(refused.ret), /SSH_HOST_UNKNOWN.*not in .*kh-new.*SHA256:/);
      assert.ok(!existsSync(kh));
      const accepted = await run([entry('edge-1', { known_hosts: kh })], { fun: 'ping', args: {} }, { acceptNew: true });
      assert.equal(accepted.returns.get('edge-1')!.ret, true);
      assert.equal(readFileSync(kh, 'utf8').trim(), sshd.hostKeyLine);
      const again = await run([entry('edge-1', { known_hosts: kh })], { fun: 'ping', args: {} });
      assert.equal(again.returns.get('edge-1')!.ret, true);
    });

    test('a changed host key is refused, even with --accept-new, naming the file and line', async () => {
      const kh = join(work.dir, 'kh-changed');
      keygen(join(work.dir, 'other_host'));
      const [type, key] = readFileSync(join(work.dir, 'other_host.pub'), 'utf8').split(/\s+/);
      await writeFile(kh, `# fleet\n[127.0.0.1]:${sshd.port} ${type} ${key}\n`);
      const r = (await run([entry('edge-1', { known_hosts: kh })], { fun: 'ping', args: {} }, { acceptNew: true })).returns.get('edge-1')!;
      assert.equal(r.retcode, 255);
      assert.match(String(r.ret), /SSH_HOST_CHANGED.*HAS CHANGED: .*kh-changed:2/);
      assert.equal(readFileSync(kh, 'utf8').split('\n').length, 3, 'known_hosts is left as it was');
    });
  });

  test('connection failures are per host and never stop the others', async () => {
    const closedPort = await freePort();
    const silent: Server = createServer(() => { /* accepts, never speaks */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const silentPort = (silent.address() as { port: number }).port;
    keygen(join(work.dir, 'stranger'));
    try {
      const r = await run([
        entry('ok'),
        entry('unreachable', { port: closedPort }),
        entry('silent', { port: silentPort, timeout: 1 }),
        entry('badkey', { priv: join(work.dir, 'stranger') }),
        entry('nokeyfile', { priv: join(work.dir, 'missing-key') }),
        entry('nonode', { node: '/nonexistent/node' }),
      ], { fun: 'ping', args: {} });
      assert.equal(r.returns.get('ok')!.ret, true);
      const msg = (id: string) => String(r.returns.get(id)!.ret);
      assert.match(msg('unreachable'), /^\[SSH_UNREACHABLE\] cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
      assert.match(msg('silent'), /^\[SSH_TIMEOUT\] no answer from 127\.0\.0\.1:\d+ within 1 s/);
      assert.match(msg('badkey'), /^\[SSH_AUTH\] authentication as root refused/);
      assert.match(msg('nokeyfile'), /^\[SSH_AUTH\].*cannot read .*missing-key/);
      assert.match(msg('nonode'), /^\[SSH_NO_NODE\] no usable node on 127\.0\.0\.1 \(\/nonexistent\/node is not on the PATH/);
      for (const id of ['unreachable', 'silent', 'badkey', 'nokeyfile', 'nonode']) assert.equal(r.returns.get(id)!.retcode, 255);
    } finally {
      silent.close();
    }
  });

  describe('sudo', () => {
    let made = false;
    before(() => {
      try { execFileSync('id', [NOSUDO_USER], { stdio: 'ignore' }); } catch {
        // '*' rather than a locked '!' password: sshd refuses locked accounts even for key logins
        execFileSync('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', '-p', '*', NOSUDO_USER]);
        made = true;
      }
      execFileSync('chpasswd', { input: `${NOSUDO_USER}:${PASSWORD}\n` });
    });
    after(async () => {
      if (!made) return;
      // the user's last sshd session may still be closing
      for (let i = 0; i < 50; i++) {
        try { execFileSync('userdel', [NOSUDO_USER], { stdio: 'ignore' }); return; } catch { await new Promise((r) => setTimeout(r, 100)); }
      }
      execFileSync('userdel', ['-f', NOSUDO_USER]);
    });

    test('password login (passwd in the roster) works, and a wrong password is refused as auth', async () => {
      const thin = `/var/tmp/.umec-test-passwd-${process.pid}`;
      after(() => rmSync(thin, { recursive: true, force: true }));
      const ok = await run([entry('edge-1', { user: NOSUDO_USER, priv: undefined, passwd: PASSWORD, thin_dir: thin })], { fun: 'run', args: { cmd: ['id', '-un'] } });
      assert.deepEqual(ok.returns.get('edge-1'), { ret: NOSUDO_USER, retcode: 0, success: true });
      const bad = (await run([entry('edge-1', { user: NOSUDO_USER, priv: undefined, passwd: 'wrong', thin_dir: thin })], { fun: 'ping', args: {} })).returns.get('edge-1')!;
      assert.match(String(bad.ret), /^\[SSH_AUTH\] authentication as umec-nosudo refused .*tried: password/);
    });

    test('sudo runs the thin as root', async () => {
      const r = await run([entry('edge-1', { sudo: true })], { fun: 'run', args: { cmd: ['id', '-u'] } });
      assert.deepEqual(r.returns.get('edge-1'), { ret: '0', retcode: 0, success: true });
    });

    test('an unprivileged user runs without sudo, and sudo refused is a clear per-host error', async () => {
      const thin = `/var/tmp/.umec-test-nosudo-${process.pid}`;
      after(() => rmSync(thin, { recursive: true, force: true }));
      const plain = await run([entry('edge-1', { user: NOSUDO_USER, thin_dir: thin })], { fun: 'run', args: { cmd: ['id', '-un'] } });
      assert.deepEqual(plain.returns.get('edge-1'), { ret: NOSUDO_USER, retcode: 0, success: true });
      const r = (await run([entry('edge-1', { user: NOSUDO_USER, thin_dir: thin, sudo: true })], { fun: 'ping', args: {} })).returns.get('edge-1')!;
      assert.equal(r.retcode, 255);
      assert.match(String(r.ret), /^\[SSH_SUDO\] sudo refused on 127\.0\.0\.1/);
    });
  });
});
