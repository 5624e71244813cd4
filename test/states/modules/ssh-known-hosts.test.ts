import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { RootFiles } from '../../../states/drivers/root-files.js';
import { LocalSshDriver } from '../../../states/drivers/ssh-files.js';
import { fingerprint } from '../../../states/modules/ssh/authkeys.js';
import { matchedLineNumbers, parseOpensshOutput, sshKnownHostsModule } from '../../../states/modules/ssh/known-hosts.js';
import { stateCaller } from '../../helpers/call-state.js';
import { tempDir } from '../../helpers/context.js';
import { keygen, sshdAvailable, startSshd } from '../../helpers/sshd.js';

const run = promisify(execFile);
// Skipped only off the test machine: the keyscan case needs root and a private sshd; npm test installs
// openssh-server and runs as root, so CI never skips (check-skips.mjs fails if it does).
const skipSshd = sshdAvailable() ? false : 'needs root and openssh-server (npm test installs it)';

/** A root with user `buser` (uid 4301, home /custom/buser, as in the users formula's pillar). */
async function withRoot(fn: (env: { root: string; dir: string; state: ReturnType<typeof stateCaller> }) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-knownhosts-');
  const root = join(dir, 'root');
  try {
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'custom/buser'), { recursive: true });
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nbuser:x:4301:4302::/custom/buser:/bin/sh\n');
    const ssh = new LocalSshDriver(new ProcessRunner(), new RootFiles(root));
    await fn({ root, dir, state: stateCaller(sshKnownHostsModule, { ssh }) });
  } finally { await cleanup(); }
}

test('the users formula\'s entry: Salt\'s return, a hashed line, known_hosts.old, the user\'s 0600 file', async () => {
  await withRoot(async ({ root, state }) => {
    const r = await state('present', { name: 'importanthost', user: 'buser', enc: 'ssh-rsa', key: 'PUBLICKEY' });
    assert.deepEqual(r, { name: 'importanthost', result: true,
      changes: { old: null, new: [{ hostname: 'importanthost', enc: 'ssh-rsa', key: 'PUBLICKEY' }] },
      comment: "importanthost's key saved to .ssh/known_hosts (key: PUBLICKEY)" });
    const file = join(root, 'custom/buser/.ssh/known_hosts');
    assert.match(await readFile(file, 'utf8'), /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-rsa PUBLICKEY\n$/);
    assert.equal(await readFile(`${file}.old`, 'utf8'), 'importanthost ssh-rsa PUBLICKEY\n');
    const st = await stat(file);
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o600, 4301, 4302]);
    assert.deepEqual((await stat(join(root, 'custom/buser/.ssh'))).mode & 0o777, 0o700);
    assert.deepEqual(await state('absent', { name: 'notimportanthost', user: 'buser' }),
      { name: 'notimportanthost', result: true, changes: {}, comment: 'Host is already absent' });
  });
});

test('a real key is found again (hashed) and not rewritten; absent removes it with ssh-keygen -R', async () => {
  await withRoot(async ({ root, dir, state }) => {
    keygen(join(dir, 'hk'));
    const [, key] = (await readFile(join(dir, 'hk.pub'), 'utf8')).trim().split(/\s+/);
    const args = { name: 'git.example.com', user: 'buser', enc: 'ssh-ed25519', key: key };
    const predicted = await state('present', args, true);
    assert.deepEqual(predicted, { name: 'git.example.com', result: null,
      changes: { old: null, new: [{ hostname: 'git.example.com', enc: 'ssh-ed25519', key }] },
      comment: 'Key for git.example.com is set to be added to .ssh/known_hosts' });
    assert.equal((await state('present', args)).result, true);
    const file = join(root, 'custom/buser/.ssh/known_hosts');
    const text = await readFile(file, 'utf8');
    const again = await state('present', args);
    assert.deepEqual(again, { name: 'git.example.com', result: true, changes: {}, comment: 'git.example.com already exists in .ssh/known_hosts' });
    assert.equal((await state('present', args, true)).comment, 'Host git.example.com is already in .ssh/known_hosts');
    assert.equal(await readFile(file, 'utf8'), text);
    const gonePredicted = await state('absent', { name: 'git.example.com', user: 'buser' }, true);
    assert.equal(gonePredicted.result, null);
    const gone = await state('absent', { name: 'git.example.com', user: 'buser' });
    assert.equal(gone.result, true);
    assert.deepEqual(gone.changes, gonePredicted.changes);
    assert.match(gone.comment, /updated/);
    assert.equal(await readFile(file, 'utf8'), '');
  });
});

test('argument errors as Salt words them', async () => {
  await withRoot(async ({ state }) => {
    assert.equal((await state('present', { name: 'h', config: 'rel/known_hosts' })).comment, 'If not specifying a "user", specify an absolute "config".');
    assert.equal((await state('present', { name: 'h', user: 'buser', key: 'AAAA' })).comment, 'Required argument "enc" if using "key" argument.');
    // Salt refuses key together with fingerprint in test mode only; a real run saves the key
    assert.equal((await state('present', { name: 'h', user: 'buser', key: 'AAAA', fingerprint: 'aa', enc: 'ssh-rsa', hash_known_hosts: false }, true)).comment, 'Specify either "key" or "fingerprint", not both.');
    const both = await state('present', { name: 'h', user: 'buser', key: 'AAAA', fingerprint: 'aa', enc: 'ssh-rsa', hash_known_hosts: false });
    assert.deepEqual([both.result, both.comment], [true, "h's key saved to .ssh/known_hosts (key: AAAA)"]);
    assert.equal((await state('present', { name: 'h', user: 'buser', port: 2222 })).comment, 'argument port can not be used in conjunction with argument hash_known_hosts');
  });
});

test('ssh-keyscan of the private 127.0.0.1 sshd: fingerprint checked, written unhashed with its port, then usable by ssh', { skip: skipSshd, timeout: 60_000 }, async () => {
  const sshd = await startSshd();
  const { dir, cleanup } = await tempDir('umec-keyscan-');
  try {
    const [, , hostKey] = sshd.hostKeyLine.split(' ');
    const fp = fingerprint(hostKey);
    const known = join(dir, 'known_hosts');
    const state = stateCaller(sshKnownHostsModule, { ssh: new LocalSshDriver(new ProcessRunner()) });
    const base = { name: '127.0.0.1', user: 'root', config: known, port: sshd.port, hash_known_hosts: false, enc: 'ssh-ed25519', timeout: 5 };
    const wrong = await state('present', { ...base, fingerprint: fp!.replace(/^../, fp!.startsWith('00') ? '11' : '00') });
    assert.deepEqual([wrong.result, wrong.comment], [false, 'Remote host public keys found but none of their fingerprints match the one you have provided']);
    const r = await state('present', { ...base, fingerprint: fp });
    assert.equal(r.result, true, r.comment);
    assert.equal(r.comment, `127.0.0.1's key saved to ${known} (fingerprint: ${fp})`);
    assert.equal(await readFile(known, 'utf8'), `${sshd.hostKeyLine}\n`);
    assert.deepEqual((await state('present', { ...base, fingerprint: fp })).changes, {});
    assert.deepEqual((await state('present', base)).changes, {});
    const { stdout } = await run('ssh', ['-i', sshd.clientKey, '-p', String(sshd.port), '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${known}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', 'root@127.0.0.1', 'echo', 'verified']);
    assert.equal(stdout.trim(), 'verified');
  } finally {
    await sshd.stop();
    await cleanup();
  }
});

test('pure parts: ssh-keygen -F output', () => {
  const key = 'AAAAC3NzaC1lZDI1NTE5AAAAIA==';
  const out = `# Host h found: line 2\nh ssh-ed25519 ${key}\n# Host h found: line 5\nh ssh-rsa ${key}\n`;
  assert.deepEqual(matchedLineNumbers(out, 'ssh-rsa'), [5]);
  assert.deepEqual(matchedLineNumbers(out, null), []);
  assert.deepEqual(parseOpensshOutput(out, null).map((e) => e.enc), ['ssh-ed25519', 'ssh-rsa']);
});
