import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProcessRunner } from '../../../states/drivers/exec.js';
import { RootFiles } from '../../../states/drivers/root-files.js';
import { LocalSshDriver } from '../../../states/drivers/ssh-files.js';
import { fingerprint, parseName, validateKeys } from '../../../states/modules/ssh/authkeys.js';
import { sshAuthModule } from '../../../states/modules/ssh/auth.js';
import { stateCaller } from '../../helpers/call-state.js';
import { tempDir } from '../../helpers/context.js';
import { keygen, sshdAvailable, startSshd } from '../../helpers/sshd.js';

const run = promisify(execFile);
const skipSshd = sshdAvailable() ? false : 'needs root and openssh-server (npm test installs it)';

async function pubKey(dir: string, name: string): Promise<{ type: string; blob: string; comment: string; file: string }> {
  const file = join(dir, name);
  keygen(file);
  const [type, blob, comment] = (await readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/);
  return { type: type, blob: blob, comment: comment, file };
}

/** A root with a user `alice` (uid 4242) whose home is /home/alice; the driver works inside it. */
async function withRoot(fn: (env: { root: string; state: ReturnType<typeof stateCaller>; dir: string }) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir('umec-sshauth-');
  const root = join(dir, 'root');
  try {
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'home/alice'), { recursive: true });
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:4242:4243:Alice:/home/alice:/bin/sh\n');
    const ssh = new LocalSshDriver(new ProcessRunner(), new RootFiles(root));
    await fn({ root, dir, state: stateCaller(sshAuthModule, { ssh }) });
  } finally { await cleanup(); }
}

test('present adds a key Salt\'s way (new .ssh 0700 and file 0600 owned by the user), then changes nothing', async () => {
  await withRoot(async ({ root, dir, state }) => {
    const k = await pubKey(dir, 'k1');
    const predicted = await state('present', { name: k.blob, user: 'alice', enc: k.type, comment: 'alice@box' }, true);
    assert.deepEqual(predicted, { name: k.blob, result: null, changes: { [k.blob]: 'New' }, comment: `Key ${k.blob} for user alice is set to be added` });
    const r = await state('present', { name: k.blob, user: 'alice', enc: k.type, comment: 'alice@box' });
    assert.deepEqual(r, { name: k.blob, result: true, changes: { [k.blob]: 'New' }, comment: `The authorized host key ${k.blob} for user alice was added` });
    const file = join(root, 'home/alice/.ssh/authorized_keys');
    assert.equal(await readFile(file, 'utf8'), `ssh-ed25519 ${k.blob} alice@box\n`);
    const st = await stat(file);
    assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o600, 4242, 4243]);
    const d = await stat(join(root, 'home/alice/.ssh'));
    assert.deepEqual([d.mode & 0o777, d.uid], [0o700, 4242]);
    const again = await state('present', { name: k.blob, user: 'alice', enc: k.type, comment: 'alice@box' });
    assert.deepEqual(again, { name: k.blob, result: true, changes: {}, comment: `The authorized host key ${k.blob} is already present for user alice` });
    assert.deepEqual(await state('present', { name: k.blob, user: 'alice', enc: k.type, comment: 'alice@box' }, true), again);
  });
});

test('a full line as name sets type, options and comment; a changed line replaces the key in place', async () => {
  await withRoot(async ({ root, dir, state }) => {
    const k1 = await pubKey(dir, 'k1');
    const k2 = await pubKey(dir, 'k2');
    const file = join(root, 'home/alice/.ssh/authorized_keys');
    await mkdir(join(root, 'home/alice/.ssh'));
    await writeFile(file, `# keep me\n\nssh-ed25519 ${k1.blob} old\nssh-ed25519 ${k2.blob} other`);
    const r = await state('present', { name: `no-pty,from="10.0.0.0/8" ssh-ed25519 ${k1.blob} new comment`, user: 'alice' });
    assert.deepEqual(r.changes, { [k1.blob]: 'Updated' });
    assert.equal(r.comment, `The authorized host key ${k1.blob} for user alice was updated`);
    // Salt rewrites the file: empty lines dropped, every line ends with a newline.
    assert.equal(await readFile(file, 'utf8'), `# keep me\nno-pty,from="10.0.0.0/8" ssh-ed25519 ${k1.blob} new comment\nssh-ed25519 ${k2.blob} other\n`);
    const opts = await state('present', { name: k1.blob, user: 'alice', enc: 'ed25519', comment: 'new comment', options: ['no-pty', 'from="10.0.0.0/8"'] });
    assert.deepEqual(opts.changes, {});
  });
});

test('absent removes the key by its blob whatever its comment; test mode predicts it; a missing key is no change', async () => {
  await withRoot(async ({ root, dir, state }) => {
    const k1 = await pubKey(dir, 'k1');
    const k2 = await pubKey(dir, 'k2');
    await state('present', { name: `ssh-ed25519 ${k1.blob} one`, user: 'alice' });
    await state('present', { name: `ssh-ed25519 ${k2.blob} two`, user: 'alice' });
    const predicted = await state('absent', { name: `ssh-ed25519 ${k1.blob} whatever`, user: 'alice' }, true);
    assert.deepEqual(predicted, { name: `ssh-ed25519 ${k1.blob} whatever`, result: null, changes: { [k1.blob]: 'Removed' }, comment: `Key ${k1.blob} for user alice is set for removal` });
    const r = await state('absent', { name: `ssh-ed25519 ${k1.blob} whatever`, user: 'alice' });
    assert.deepEqual(r, { name: `ssh-ed25519 ${k1.blob} whatever`, result: true, changes: { [k1.blob]: 'Removed' }, comment: 'Key removed' });
    assert.equal(await readFile(join(root, 'home/alice/.ssh/authorized_keys'), 'utf8'), `ssh-ed25519 ${k2.blob} two\n`);
    // Salt's recorded return for a key that is not there (users formula).
    assert.deepEqual(await state('absent', { name: 'PUBLICKEY_TO_BE_REMOVED', user: 'alice' }),
      { name: 'PUBLICKEY_TO_BE_REMOVED', result: true, changes: {}, comment: 'Key not present' });
    assert.equal((await state('absent', { name: k1.blob, user: 'alice' }, true)).comment, 'Key is already absent');
  });
});

test('Salt\'s failures: a key that is not base64, an unknown user, a missing source', async () => {
  await withRoot(async ({ state }) => {
    // The users formula's pillar.example, as Salt 3006 answered it.
    assert.deepEqual(await state('present', { name: 'PUBLICKEY', user: 'alice' }),
      { name: 'PUBLICKEY', result: false, changes: {}, comment: 'Invalid public ssh key, most likely has spaces or invalid syntax' });
    const r = await state('present', { name: 'users_ssh_auth_source_buser_0', user: 'alice', source: 'salt://keys/buser.id_rsa.pub' });
    assert.deepEqual(r, { name: 'users_ssh_auth_source_buser_0', result: false, changes: {}, comment: 'Failed to add the ssh key. Source file salt://keys/buser.id_rsa.pub is missing' });
    const nobody = await state('present', { name: 'AAAAC3NzaC1lZDI1NTE5AAAAIA==', user: 'nobody-here' });
    assert.equal(nobody.result, false);
    assert.match(nobody.comment, /User 'nobody-here' does not exist/);
  });
});

test('pure parts: fingerprints as Salt computes them (= ssh-keygen -l), parsing names and files', async () => {
  const { dir, cleanup } = await tempDir('umec-fp-');
  try {
    const k = await pubKey(dir, 'k');
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${k.file}.pub`]);
    const b64 = stdout.split(/\s+/)[1].replace(/^SHA256:/, '');
    const hex = Buffer.from(`${b64}=`, 'base64').toString('hex').match(/../g)!.join(':');
    assert.equal(fingerprint(k.blob), hex);
    assert.equal(fingerprint('PUBLICKEY'), undefined);
    assert.deepEqual(parseName('command="x",no-pty ssh-rsa AAAA a b', { enc: 'ssh-rsa', comment: '', options: [] }, true),
      { key: 'AAAA', enc: 'ssh-rsa', comment: 'a b', options: ['command="x"', 'no-pty'] });
    assert.deepEqual([...validateKeys(`# c\n\nssh-ed25519 ${k.blob}\nbogus line\n`).keys()], [k.blob]);
  } finally { await cleanup(); }
});

test('a real sshd login: allowed after present, refused after absent', { skip: skipSshd, timeout: 60_000 }, async () => {
  const sshd = await startSshd();
  try {
    const pub = (await readFile(`${sshd.clientKey}.pub`, 'utf8')).trim();
    const keys = join(sshd.dir, 'authorized_keys');
    await writeFile(keys, '');
    const login = () => run('ssh', ['-i', sshd.clientKey, '-p', String(sshd.port), '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHosts}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', 'root@127.0.0.1', 'echo', 'in']).then((r) => r.stdout.trim(), () => 'refused');
    assert.equal(await login(), 'refused');
    const state = stateCaller(sshAuthModule, { ssh: new LocalSshDriver(new ProcessRunner()) });
    // config is absolute: the private sshd's AuthorizedKeysFile, for the real root account.
    const r = await state('present', { name: pub, user: 'root', config: keys });
    assert.equal(r.result, true, r.comment);
    assert.equal(await login(), 'in');
    const gone = await state('absent', { name: pub, user: 'root', config: keys });
    assert.equal(gone.comment, 'Key removed');
    assert.equal(await login(), 'refused');
  } finally { await sshd.stop(); }
});
