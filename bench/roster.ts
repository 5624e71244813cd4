/**
 * Issue 4 rows: umec roster (whole CLI process) against 10 roster ids on one
 * local sshd, next to a plain `ssh host true` loop and Ansible doing the same
 * 20 file copies, measured in the same run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KnownHosts } from '../roster/known-hosts.js';
import { SshSession } from '../roster/ssh-session.js';
import { sshdAvailable, startSshd, type TestSshd } from '../test/helpers/sshd.js';
import { writeTree } from '../test/helpers/tree.js';
import { timeIt, timedRun } from './proc.js';
import type { Row, Section } from './section.js';

const BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
const IDS = Array.from({ length: 10 }, (_, i) => `edge-${String(i + 1).padStart(2, '0')}`);
const SALT_SSH = { first: 19_000, warm: 23_500 };
const ANSIBLE_ISSUE = { first: 87_000, second: 94_000 };


function ensureAnsible(): string | undefined {
  const find = () => spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).stdout.trim() || undefined;
  if (find() || process.getuid?.() !== 0) return find();
  spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core'],
    { stdio: 'ignore', timeout: 300_000 });
  return find();
}

const BENCH_USER = 'umec-bench';

/**
 * The same warm apply and ssh loop as a user whose login shell reads no rc
 * file: what umec itself costs, without this machine's root ~/.bashrc.
 */
async function cleanShellRows(dir: string, tree: string, outUser: string, sshd: TestSshd, sshArgs: string[]): Promise<Row[]> {
  let made = false;
  if (spawnSync('id', [BENCH_USER], { stdio: 'ignore' }).status !== 0) {
    if (spawnSync('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', '-p', '*', BENCH_USER], { stdio: 'ignore' }).status !== 0) return [];
    made = true;
  }
  const thin = `/var/tmp/umec-bench-${process.pid}`;
  try {
    await mkdir(outUser, { recursive: true });
    spawnSync('chown', [BENCH_USER, outUser]);
    const roster = join(dir, 'roster-user.yaml');
    await writeTree(dir, {
      'roster-user.yaml': [
        'roster_defaults:', '  host: 127.0.0.1', `  port: ${sshd.port}`, `  user: ${BENCH_USER}`, `  priv: ${sshd.clientKey}`, `  known_hosts: ${sshd.knownHosts}`,
        ...IDS.flatMap((id) => [`${id}:`, `  thin_dir: ${thin}/${id}`]), '',
      ].join('\n'),
    });
    const apply = ['roster', 'apply', '*', 'twenty_user', '-r', roster, '--state-root', tree, '--json'];
    const umec = async () => {
      const r = await timedRun(process.execPath, [BIN, ...apply], 120_000);
      if (r.code !== 0) throw new Error(`umec as ${BENCH_USER} exited ${r.code}: ${r.stderr.slice(0, 500)} ${r.stdout.slice(0, 500)}`);
    };
    await umec();
    const warm = await timeIt(7, umec);
    const loop = await timeIt(5, async () => {
      for (const _ of IDS) spawnSync('ssh', [...sshArgs, `${BENCH_USER}@127.0.0.1`, 'true'], { stdio: 'ignore' });
    });
    return [
      { name: `  same warm apply as ${BENCH_USER} (login shell /bin/sh, no rc file)`, median: warm, unit: 'ms', target: '< 1500 ms',
        extra: `${(SALT_SSH.warm / warm).toFixed(0)}x salt-ssh; ${(warm / loop).toFixed(2)}x the plain ssh loop as the same user` },
      { name: `  plain ssh loop as ${BENCH_USER}`, median: loop, unit: 'ms', target: '(baseline)' },
    ];
  } finally {
    await rm(thin, { recursive: true, force: true });
    if (made) {
      for (let i = 0; i < 50 && spawnSync('userdel', [BENCH_USER], { stdio: 'ignore' }).status !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function rosterRows(): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const skipped: string[] = [];
  if (!sshdAvailable()) return { rows, notes, skipped: ['roster: needs root and openssh-server for a private sshd'] };
  const sshd = await startSshd();
  const dir = join(tmpdir(), `umec-bench-roster-${process.pid}`);
  try {
    const tree = join(dir, 'tree');
    const out = join(dir, 'out');
    const outUser = join(dir, 'out-user');
    const files: Record<string, string> = {};
    const twenty = (base: string) => Array.from({ length: 20 }, (_, i) => [`${base}/{{ grains.id }}/f${i}.conf:`, '  file.managed:',
      `    - source: umec://files/f${i}.conf`, '    - template: jinja', '    - makedirs: true', "    - mode: '0640'"].join('\n')).join('\n');
    for (let i = 0; i < 20; i++) files[`files/f${i}.conf`] = `setting ${i} = {{ grains.id }}\n`;
    await writeTree(tree, { ...files, 'twenty.sls': `${twenty(out)}\n`, 'twenty_user.sls': `${twenty(outUser)}\n` });
    const roster = join(dir, 'roster.yaml');
    await writeTree(dir, {
      'roster.yaml': [
        'roster_defaults:', '  host: 127.0.0.1', `  port: ${sshd.port}`, '  user: root', `  priv: ${sshd.clientKey}`, `  known_hosts: ${sshd.knownHosts}`,
        ...IDS.flatMap((id) => [`${id}:`, `  thin_dir: ${dir}/thin/${id}`]), '',
      ].join('\n'),
    });
    const umec = async (args: string[]) => {
      const r = await timedRun(process.execPath, [BIN, ...args], 120_000);
      if (r.code !== 0) throw new Error(`umec ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 500)} ${r.stdout.slice(0, 500)}`);
      return r;
    };
    const apply = ['roster', 'apply', '*', 'twenty', '-r', roster, '--state-root', tree, '--json'];
    const fresh = async () => { await rm(join(dir, 'thin'), { recursive: true, force: true }); await rm(out, { recursive: true, force: true }); };

    const first = await timeIt(3, async () => { await umec(apply); }, fresh);
    rows.push({ name: 'roster apply 20 file.managed on 10 ids, first run (bundle upload)', median: first, unit: 'ms', target: '(info)',
      extra: `salt-ssh ${SALT_SSH.first / 1000} s on this workload: ${(SALT_SSH.first / first).toFixed(0)}x faster` });
    let changedInWarm = 0;
    const warm = await timeIt(7, async () => {
      const r = await umec(apply);
      const ret = JSON.parse(r.stdout) as { returns: Record<string, Record<string, { changes: object }>> };
      for (const host of Object.values(ret.returns)) for (const s of Object.values(host)) if (Object.keys(s.changes).length) changedInWarm++;
    });
    if (changedInWarm) notes.push(`roster warm apply changed ${changedInWarm} states; expected none`);
    const ping = await timeIt(7, async () => { await umec(['roster', 'ping', '*', '-r', roster, '--json']); });

    // the same 10 connections with OpenSSH's own client, one after the other
    const sshArgs = ['-i', sshd.clientKey, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHosts}`, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
    const loop = await timeIt(5, async () => {
      for (const _ of IDS) {
        const r = spawnSync('ssh', [...sshArgs, 'root@127.0.0.1', 'true'], { stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`ssh true exited ${r.status}`);
      }
    });
    rows.push({ name: 'roster apply 20 file.managed on 10 ids, warm run (no changes)', median: warm, unit: 'ms', target: '< 1500 ms',
      extra: `${(SALT_SSH.warm / warm).toFixed(0)}x salt-ssh (${SALT_SSH.warm / 1000} s); ${(warm / loop).toFixed(2)}x the plain ssh loop (target <= 2x)` });
    rows.push({ name: 'roster ping 10 ids', median: ping, unit: 'ms', target: '(info)' });
    rows.push({ name: "plain `ssh host true` loop, 10 ids one after another", median: loop, unit: 'ms', target: '(baseline)' });
    rows.push(...await cleanShellRows(dir, tree, outUser, sshd, sshArgs));

    // where a connection's time goes on this machine
    const kh = new KnownHosts(sshd.knownHosts);
    const entry = { id: 'x', host: '127.0.0.1', port: sshd.port, user: 'root', priv: sshd.clientKey, sudo: false, timeout: 10, grains: {}, thin_dir: '', known_hosts: sshd.knownHosts, node: 'node' };
    const connect = await timeIt(9, async () => { (await SshSession.connect(entry, { knownHosts: kh })).close(); });
    const session = await SshSession.connect(entry, { knownHosts: kh });
    const execTrue = await timeIt(9, async () => {
      const ch = await session.exec('true');
      await new Promise((r) => ch.on('close', r).resume());
    });
    session.close();
    rows.push({ name: '  ssh2 connect + auth (one host)', median: connect, unit: 'ms', target: '(info)' });
    const rc = join(homedir(), '.bashrc');
    const bashrc = existsSync(rc) ? await timeIt(5, async () => { spawnSync('bash', ['-c', `source ${rc}`], { stdio: 'ignore' }); }) : 0;
    rows.push({ name: '  ssh2 exec `true` on an open connection', median: execTrue, unit: 'ms', target: '(info)',
      extra: bashrc ? `of which ~${bashrc.toFixed(0)} ms is ${rc} (bash sources it for every ssh command on this machine)` : '' });

    const ansible = ensureAnsible();
    if (!ansible) {
      skipped.push('Ansible rows: ansible-playbook not installable here');
    } else {
      const inv = join(dir, 'inventory.ini');
      const aout = join(dir, 'ansible-out');
      await mkdir(join(dir, 'afiles'), { recursive: true });
      const afiles = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`afiles/f${i}.conf`, `setting ${i} = {{ inventory_hostname }}\n`]));
      await writeTree(dir, {
        ...afiles,
        'inventory.ini': ['[edge]', ...IDS.map((id) => `${id} ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=root ansible_ssh_private_key_file=${sshd.clientKey}`),
          '[edge:vars]', `ansible_ssh_common_args='-o UserKnownHostsFile=${sshd.knownHosts} -o StrictHostKeyChecking=yes'`, 'ansible_python_interpreter=/usr/bin/python3', ''].join('\n'),
        'play.yml': ['- hosts: edge', '  tasks:',
          `    - file: {path: "${aout}/{{ inventory_hostname }}", state: directory}`,
          ...Array.from({ length: 20 }, (_, i) => `    - template: {src: "${dir}/afiles/f${i}.conf", dest: "${aout}/{{ inventory_hostname }}/f${i}.conf", mode: "0640"}`), ''].join('\n'),
      });
      const play = () => timedRun(ansible, ['-i', inv, '-f', '10', join(dir, 'play.yml')], 600_000);
      await rm(aout, { recursive: true, force: true });
      const a1 = await play();
      const a2 = await play();
      if (a1.code !== 0 || a2.code !== 0) notes.push(`ansible-playbook failed (${a1.code}, ${a2.code}): ${(a1.stdout + a1.stderr).slice(-800)}`);
      rows.push({ name: 'Ansible (same 20 files, 10 ids, forks 10), first run', median: a1.ms, unit: 'ms', target: '(baseline)',
        extra: `umec first run ${(a1.ms / first).toFixed(0)}x faster (issue measured ${ANSIBLE_ISSUE.first / 1000} s)` });
      rows.push({ name: 'Ansible, second run', median: a2.ms, unit: 'ms', target: '(baseline)',
        extra: `umec warm run ${(a2.ms / warm).toFixed(0)}x faster (target >= 50x)` });
    }
  } finally {
    await sshd.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, notes, skipped };
}
