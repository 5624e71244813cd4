import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AptPkgDriver, parseAptPolicy, parseDpkgQuery } from '../../../states/drivers/apt.js';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import type { CommandRunner, ExecOptions, ExecResult } from '../../../states/types.js';

type Reply = Partial<ExecResult>;

/** Records every command and answers from a queue (default: success with no output). */
class RecordingRunner implements CommandRunner {
  readonly calls: Array<{ cmd: string | string[]; opts: ExecOptions | undefined }> = [];
  constructor(private readonly replies: Reply[] = []) {}
  async run(cmd: string | string[], opts?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ cmd, opts });
    const r = this.replies.shift() ?? {};
    return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...r };
  }
}

const DPKG_FMT = '${Package}\t${db:Status-Abbrev}\t${Version}\n';

const DPKG_OUTPUT = [
  'bash\tii \t5.2.15-2+b8',
  'nginx\trc \t1.22.1-9',
  'vim\tun \t',
  'curl\thi \t7.88.1-10+deb12u5',
  'broken\tiU \t1.0-1',
  'halfconf\tiF \t2.0',
  'reinst\tiiR\t3.0',
  '',
].join('\n');

const POLICY_OUTPUT = `bash:
  Installed: 5.2.15-2+b8
  Candidate: 5.2.15-2+b13
  Version table:
     5.2.15-2+b13 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
 *** 5.2.15-2+b8 100
        100 /var/lib/dpkg/status
mail-transport-agent:
  Installed: (none)
  Candidate: (none)
  Version table:
nginx:
  Installed: (none)
  Candidate: 1.22.1-9+deb12u1
  Version table:
     1.22.1-9+deb12u1 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
libc6:i386:
  Installed: (none)
  Candidate: 2.36-9+deb12u7
  Version table:
     2.36-9+deb12u7 500
        500 http://deb.debian.org/debian bookworm/main i386 Packages
`;

test('parseDpkgQuery counts only installed, error-free packages (ii, held hi) as installed', () => {
  const m = parseDpkgQuery(DPKG_OUTPUT);
  assert.deepEqual([...m.entries()].sort(), [['bash', '5.2.15-2+b8'], ['curl', '7.88.1-10+deb12u5']]);
});

test('parseAptPolicy reads Candidate lines, treats (none) as absent and keeps arch-qualified headers', () => {
  const m = parseAptPolicy(POLICY_OUTPUT);
  assert.deepEqual(Object.fromEntries(m), {
    bash: '5.2.15-2+b13', nginx: '1.22.1-9+deb12u1', 'libc6:i386': '2.36-9+deb12u7',
  });
});

test('installed() runs one dpkg-query with the exact argv and maps versions', async () => {
  const runner = new RecordingRunner([{ stdout: DPKG_OUTPUT }]);
  const m = await new AptPkgDriver(runner).installed(['bash', 'nginx', 'vim', 'curl']);
  assert.equal(runner.calls.length, 1);
  assert.deepEqual(runner.calls[0].cmd, ['dpkg-query', '-W', '-f', DPKG_FMT, 'bash', 'nginx', 'vim', 'curl']);
  assert.equal(runner.calls[0].opts?.shell, undefined);
  assert.equal(runner.calls[0].opts?.env?.LC_ALL, 'C');
  assert.deepEqual(Object.fromEntries(m), { bash: '5.2.15-2+b8', curl: '7.88.1-10+deb12u5' });
});

test('installed() treats dpkg-query exit 1 with "no packages found matching" as absent, not an error', async () => {
  const runner = new RecordingRunner([{
    code: 1, stdout: 'bash\tii \t5.2.15-2+b8\n', stderr: 'dpkg-query: no packages found matching nosuch\n',
  }]);
  const m = await new AptPkgDriver(runner).installed(['bash', 'nosuch']);
  assert.deepEqual(Object.fromEntries(m), { bash: '5.2.15-2+b8' });
});

test('installed() throws with command and stderr when dpkg-query fails for another reason', async () => {
  const runner = new RecordingRunner([{ code: 2, stderr: 'dpkg-query: error: parsing file /var/lib/dpkg/status near line 5\n' }]);
  await assert.rejects(new AptPkgDriver(runner).installed(['bash']),
    (e: Error) => e.message.includes('dpkg-query -W') && e.message.includes('parsing file /var/lib/dpkg/status'));
});

test('installed() and candidates() with no names run nothing', async () => {
  const runner = new RecordingRunner();
  const d = new AptPkgDriver(runner);
  assert.equal((await d.installed([])).size, 0);
  assert.equal((await d.candidates([], false)).size, 0);
  assert.equal(runner.calls.length, 0);
});

test('candidates() runs apt-cache policy with the names and parses candidates', async () => {
  const runner = new RecordingRunner([{ stdout: POLICY_OUTPUT }]);
  const m = await new AptPkgDriver(runner).candidates(['bash', 'nginx', 'mail-transport-agent', 'nosuch'], false);
  assert.deepEqual(runner.calls.map((c) => c.cmd), [['apt-cache', 'policy', 'bash', 'nginx', 'mail-transport-agent', 'nosuch']]);
  assert.equal(runner.calls[0].opts?.env?.LC_ALL, 'C');
  assert.deepEqual(Object.fromEntries(m), { bash: '5.2.15-2+b13', nginx: '1.22.1-9+deb12u1' });
});

test('candidates() with refresh runs apt-get update -q first', async () => {
  const runner = new RecordingRunner([{}, { stdout: POLICY_OUTPUT }]);
  await new AptPkgDriver(runner).candidates(['nginx'], true);
  assert.deepEqual(runner.calls.map((c) => c.cmd), [['apt-get', 'update', '-q'], ['apt-cache', 'policy', 'nginx']]);
});

test('candidates() throws when apt-get update fails, naming the command and the stderr tail', async () => {
  const runner = new RecordingRunner([{ code: 100, stderr: 'W: some warning\nE: Could not get lock /var/lib/apt/lists/lock\n' }]);
  await assert.rejects(new AptPkgDriver(runner).candidates(['nginx'], true),
    (e: Error) => e.message.includes('apt-get update -q') && e.message.includes('exited with code 100')
      && e.message.includes('E: Could not get lock'));
  assert.equal(runner.calls.length, 1);
});

test('install() builds the apt-get install argv with confold/confdef, name=version pins and a noninteractive env', async () => {
  const runner = new RecordingRunner();
  await new AptPkgDriver(runner).install([{ name: 'nginx' }, { name: 'curl', version: '7.88.1-10' }], { refresh: false });
  assert.equal(runner.calls.length, 1);
  assert.deepEqual(runner.calls[0].cmd, ['apt-get', 'install', '-y', '-q',
    '-o', 'DPkg::Options::=--force-confold', '-o', 'DPkg::Options::=--force-confdef', 'nginx', 'curl=7.88.1-10']);
  assert.deepEqual(runner.calls[0].opts?.env, {
    DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', APT_LISTBUGS_FRONTEND: 'none',
  });
});

test('install() with refresh runs apt-get update before installing', async () => {
  const runner = new RecordingRunner();
  await new AptPkgDriver(runner).install([{ name: 'nginx' }], { refresh: true });
  assert.deepEqual(runner.calls.map((c) => (c.cmd as string[]).slice(0, 2)), [['apt-get', 'update'], ['apt-get', 'install']]);
});

test('install() throws on a non-zero exit with the command and the last stderr lines', async () => {
  const runner = new RecordingRunner([{ code: 100, stderr: 'Reading package lists...\nE: Unable to locate package nosuch\n' }]);
  await assert.rejects(new AptPkgDriver(runner).install([{ name: 'nosuch' }], { refresh: false }),
    (e: Error) => e.message.startsWith('apt-get install -y -q') && e.message.includes('E: Unable to locate package nosuch'));
});

test('remove() uses apt-get remove, or apt-get purge when purging', async () => {
  const runner = new RecordingRunner();
  const d = new AptPkgDriver(runner);
  await d.remove(['nginx', 'curl'], { purge: false });
  await d.remove(['nginx'], { purge: true });
  assert.deepEqual(runner.calls.map((c) => c.cmd), [
    ['apt-get', 'remove', '-y', '-q', 'nginx', 'curl'],
    ['apt-get', 'purge', '-y', '-q', 'nginx'],
  ]);
  assert.equal(runner.calls[0].opts?.env?.DEBIAN_FRONTEND, 'noninteractive');
});

test('remove() throws with the command when apt-get fails', async () => {
  const runner = new RecordingRunner([{ code: 100, stderr: 'E: Sub-process /usr/bin/dpkg returned an error code (1)\n' }]);
  await assert.rejects(new AptPkgDriver(runner).remove(['nginx'], { purge: true }),
    /apt-get purge -y -q nginx exited with code 100: E: Sub-process/);
});

test('a runner that cannot spawn the command surfaces as an error naming it', async () => {
  const runner: CommandRunner = { run: async () => { throw new Error('spawn dpkg-query ENOENT'); } };
  await assert.rejects(new AptPkgDriver(runner).installed(['bash']), {
    message: "dpkg-query -W -f '${Package}\\t${db:Status-Abbrev}\\t${Version}\\n' bash could not be run: spawn dpkg-query ENOENT",
  });
});

test('real dpkg-query: dpkg and bash are installed, a made-up name is absent', async (t) => {
  const probe = await new ProcessRunner().run(['sh', '-c', 'command -v dpkg-query']).catch(() => undefined);
  if (!probe || probe.code !== 0) { t.skip('dpkg-query not available (not Debian)'); return; }
  const m = await new AptPkgDriver(new ProcessRunner()).installed(['dpkg', 'bash', 'umec-surely-absent-pkg-zz9']);
  assert.match(m.get('dpkg') ?? '', /^\d/);
  assert.match(m.get('bash') ?? '', /^\d/);
  assert.equal(m.has('umec-surely-absent-pkg-zz9'), false);
});
