import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RosterCompiler } from '../../roster/compile.js';
import { KnownHosts } from '../../roster/known-hosts.js';
import type { RosterEntry } from '../../roster/roster-file.js';
import { runRoster, type RosterJob } from '../../roster/runner.js';
import { loadThinBundle, type ThinBundle } from '../../roster/thin-bundle.js';
import { StateEngine } from '../../states/engine.js';
import { builtinModules, linuxDrivers } from '../../states/modules/index.js';
import { tempDir } from '../helpers/context.js';
import { sshdAvailable, startSshd, type TestSshd } from '../helpers/sshd.js';
import { writeTree } from '../helpers/tree.js';

// Skipped only off the test machine: the attack needs root (a second uid) and a private sshd;
// npm test installs openssh-server and runs as root, so CI never skips (check-skips.mjs fails if it does).
const skip = sshdAvailable() ? false : 'needs root and openssh-server (npm test installs it)';
const ATTACKER = 'umec-attacker';
const LEGIT = 'setting=legit\n';
const EVIL = 'setting=attacker\n';

/**
 * Finding 1 of issue 15: thin_dir defaults to /var/tmp/.umec_<user>, which any
 * local user can create first. Here a second uid really does it, plants content
 * and swaps trees; root's next `roster apply` must refuse and write nothing of it.
 */
describe('thin_dir prepared by another local user', { skip, timeout: 180_000 }, () => {
  let sshd: TestSshd;
  let bundle: ThinBundle;
  let work: { dir: string; cleanup: () => Promise<void> };
  let attacker: { uid: number; gid: number };
  let made = false;
  let root: string;
  let target: string;
  const dirs: string[] = [];

  before(async () => {
    [sshd, bundle, work] = await Promise.all([startSshd(), loadThinBundle(), tempDir('umec-thin-attack-')]);
    try { execFileSync('id', [ATTACKER], { stdio: 'ignore' }); } catch {
      execFileSync('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', ATTACKER]);
      made = true;
    }
    attacker = { uid: Number(execFileSync('id', ['-u', ATTACKER], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', ATTACKER], { encoding: 'utf8' })) };
    root = join(work.dir, 'tree');
    target = join(work.dir, 'out', 'root-owned.conf');
    await writeTree(root, {
      'app.sls': [`${target}:`, '  file.managed:', '    - source: umec://files/app.conf', '    - makedirs: true'].join('\n'),
      'files/app.conf': LEGIT,
    });
  });
  after(async () => {
    await sshd?.stop();
    await work?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    if (made) execFileSync('userdel', ['-f', ATTACKER], { stdio: 'ignore' });
  });

  /** A thin_dir under /var/tmp, where every local user may create entries, as the default is. */
  const thinDir = (name: string): string => {
    const d = `/var/tmp/.umec-test-${name}-${process.pid}`;
    dirs.push(d);
    rmSync(d, { recursive: true, force: true });
    return d;
  };
  /** Runs a shell script as the second local user (a real setuid, not a chown). */
  const asAttacker = (script: string, input?: Buffer): void => {
    execFileSync('sh', ['-c', script], { ...attacker, env: { PATH: process.env.PATH! }, input, cwd: '/' });
  };
  const compiler = () => new RosterCompiler(new StateEngine({ modules: builtinModules(), drivers: linuxDrivers() }),
    { stateRoot: root, sls: ['app'], test: false, pillarFor: async () => ({}) });
  const apply = async (thin: string) => {
    const entry: RosterEntry = {
      id: 'victim', host: '127.0.0.1', port: sshd.port, user: 'root', priv: sshd.clientKey, sudo: false, timeout: 5, grains: {},
      thin_dir: thin, known_hosts: sshd.knownHosts, node: 'node',
    };
    const job: RosterJob = { fun: 'apply', args: {}, compiler: compiler() };
    const r = await runRoster([entry], job, { bundle, knownHosts: (e) => new KnownHosts(e.known_hosts), maxProcs: 1, timeoutSec: 60 });
    return r.returns.get('victim')!;
  };
  const legitHash = createHash('sha256').update(LEGIT).digest('hex');
  /** The attacker's content under the name of the legitimate file's hash, in a tree of their own. */
  const plant = (thin: string, manifestHash: string) => [
    `mkdir -p ${thin}/files ${thin}/trees/${manifestHash}/files`,
    `printf '${EVIL.replace('\n', '\\n')}' > ${thin}/files/${legitHash}`,
    `printf '${EVIL.replace('\n', '\\n')}' > ${thin}/trees/${manifestHash}/files/app.conf`,
    `printf %s ${manifestHash} > ${thin}/trees/${manifestHash}/.complete`,
    `chmod -R a+rwX ${thin}/files ${thin}/trees`,
  ].join(' && ');
  const refused = (r: { ret: unknown; retcode: number; success: boolean }, thin: string, why: RegExp) => {
    assert.equal(r.success, false, JSON.stringify(r.ret));
    assert.equal(r.retcode, 255);
    assert.match(String(r.ret), /^\[SSH_THIN_DIR\] refusing thin_dir on 127\.0\.0\.1: /);
    assert.ok(String(r.ret).includes(thin), String(r.ret));
    assert.match(String(r.ret), why);
  };
  const neverEvil = () => {
    if (existsSync(target)) assert.notEqual(readFileSync(target, 'utf8'), EVIL, 'root wrote the attacker\'s content');
  };

  test('a thin_dir the other user created first is refused, before and after they swap a tree in it', async () => {
    const thin = thinDir('precreated');
    const manifest = (await compiler().compile('victim', {})).manifest;
    // the attacker creates the directory first, open to everyone, with their own blob and grains
    asAttacker(`mkdir -m 0777 ${thin} && ${plant(thin, manifest.hash)}`);
    asAttacker(`printf '{"bootId":"%s","at":%s,"grains":{"os":"Attacker"}}' "$(cat /proc/sys/kernel/random/boot_id)" "$(date +%s)000" > ${thin}/grains.json`);
    const first = await apply(thin);
    refused(first, thin, new RegExp(`is owned by uid ${attacker.uid}, not by root`));
    neverEvil();
    // the attacker keeps at it: swaps in a fresh tree (what they could do after a run that had succeeded)
    asAttacker(`rm -rf ${thin}/trees.old; mv ${thin}/trees ${thin}/trees.old 2>/dev/null; ${plant(thin, manifest.hash)}`);
    const second = await apply(thin);
    refused(second, thin, new RegExp(`is owned by uid ${attacker.uid}`));
    neverEvil();
  });

  test('the other user\'s directory holding the genuine bundle is refused by the thin itself', async () => {
    const thin = thinDir('withbundle');
    const manifest = (await compiler().compile('victim', {})).manifest;
    // the bundle is public: its checksum passes, so only the thin's own check stands in the way
    asAttacker(`mkdir -m 0777 ${thin} && cat > ${thin}/${bundle.remoteName} && ${plant(thin, manifest.hash)}`, readFileSync(bundle.path));
    const r = await apply(thin);
    refused(r, thin, new RegExp(`is owned by uid ${attacker.uid}, not by root`));
    neverEvil();
  });

  test('a symlink planted under the thin_dir name is refused', async () => {
    const thin = thinDir('symlink');
    const theirs = thinDir('symlink-target');
    const manifest = (await compiler().compile('victim', {})).manifest;
    asAttacker(`mkdir -m 0777 ${theirs} && ${plant(theirs, manifest.hash)} && ln -s ${theirs} ${thin}`);
    const r = await apply(thin);
    refused(r, thin, /is a symbolic link/);
    neverEvil();
  });

  test('the login user\'s own thin_dir left writable by others is refused, with what they planted in it', async () => {
    const thin = thinDir('open');
    const manifest = (await compiler().compile('victim', {})).manifest;
    execFileSync('mkdir', ['-m', '0777', thin]);
    chmodSync(thin, 0o777);
    asAttacker(plant(thin, manifest.hash));
    const r = await apply(thin);
    refused(r, thin, /is writable by group or others \(mode 0777\)/);
    neverEvil();
  });

  test('nothing lost for the legitimate user: a private thin_dir works, and a damaged blob is fetched again', async () => {
    const thin = thinDir('private');
    const first = await apply(thin);
    assert.equal(first.success, true, JSON.stringify(first.ret));
    assert.equal(readFileSync(target, 'utf8'), LEGIT);
    rmSync(target);
    // a blob changed in place (hard-linked into the tree too): re-hashed, found wrong, fetched again
    execFileSync('sh', ['-c', `printf 'damaged' > ${thin}/files/${legitHash}`]);
    const second = await apply(thin);
    assert.equal(second.success, true, JSON.stringify(second.ret));
    assert.equal(readFileSync(target, 'utf8'), LEGIT);
  });
});
