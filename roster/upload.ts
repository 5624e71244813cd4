import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats as SftpStats } from 'ssh2';
import { UmecError } from '../lib/errors.js';
import type { SshSession } from './ssh-session.js';
import type { ThinBundle } from './thin-bundle.js';

const CHUNK = 32 * 1024;
const IN_FLIGHT = 16;

export interface UploadHooks {
  /** Called after each chunk is acknowledged by the server (tests cut the link here). */
  onBytes?: (sent: number, total: number, session: SshSession) => void;
  /** The login user's uid on the box (the launcher's `id -u`): thin_dir must be its or root's. */
  loginUid?: number;
}

type Call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void) => Promise<T>;

/** An SFTP request as a promise that also fails when the connection drops. */
const caller = (session: SshSession): Call => (fn) =>
  session.guard(new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as never)))));

async function mkdirs(call: Call, sftp: SFTPWrapper, dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const p = `/${parts.slice(0, i).join('/')}`;
    const exists = await call<unknown>((cb) => sftp.stat(p, cb)).then(() => true, () => false);
    if (!exists) {
      await call<void>((cb) => sftp.mkdir(p, { mode: 0o700 }, cb)).catch(async (e) => {
        // another run may have made it meanwhile
        if (!(await call<unknown>((cb) => sftp.stat(p, cb)).then(() => true, () => false))) throw e;
      });
    }
  }
}

/**
 * Uploads the thin bundle into thin_dir atomically: written to a temporary
 * name, fsynced, then renamed to its checksum name. A cut link leaves at most
 * a temporary file (removed by the next upload), never a half bundle under
 * the name the launcher runs.
 */
export async function uploadThin(session: SshSession, bundle: ThinBundle, thinDir: string, hooks: UploadHooks = {}): Promise<number> {
  const host = session.entry.host;
  const final = posix.join(thinDir, bundle.remoteName);
  try {
    const call = caller(session);
    const sftp = await session.sftp();
    await mkdirs(call, sftp, thinDir);
    await checkThinDir(call, sftp, thinDir, hooks.loginUid, session);
    await removeStale(call, sftp, thinDir, bundle.remoteName);
    const tmp = posix.join(thinDir, `.${bundle.remoteName}.${randomBytes(6).toString('hex')}.part`);
    const local = await open(bundle.path, 'r');
    const handle = await call<Buffer>((cb) => sftp.open(tmp, 'wx', { mode: 0o600 }, cb));
    try {
      let sent = 0;
      const offsets: number[] = [];
      for (let off = 0; off < bundle.size; off += CHUNK) offsets.push(off);
      const writeAt = async (off: number) => {
        const len = Math.min(CHUNK, bundle.size - off);
        const buf = Buffer.alloc(len);
        await local.read(buf, 0, len, off);
        await call<void>((cb) => sftp.write(handle, buf, 0, len, off, cb));
        sent += len;
        hooks.onBytes?.(sent, bundle.size, session);
      };
      let next = 0;
      await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
        while (next < offsets.length) await writeAt(offsets[next++]);
      }));
      await call<void>((cb) => sftp.ext_openssh_fsync(handle, cb)).catch(() => { /* server without fsync@openssh.com */ });
    } finally {
      await local.close();
      await call<void>((cb) => sftp.close(handle, cb)).catch(() => {});
    }
    await call<void>((cb) => sftp.ext_openssh_rename(tmp, final, cb)).catch(() => call<void>((cb) => sftp.rename(tmp, final, cb)));
    return bundle.size;
  } catch (e) {
    if (e instanceof UmecError) throw e;
    throw new UmecError('SSH_UPLOAD', { what: 'the thin bundle', host, path: final, reason: (e as Error).message });
  }
}

/**
 * Refuses to write into a thin_dir another local user could control: it must be
 * a real directory (no symlink) of the login user or root, writable by no group
 * or other. (The thin re-checks it, with its parents, before it uses anything.)
 */
async function checkThinDir(call: Call, sftp: SFTPWrapper, thinDir: string, loginUid: number | undefined, session: SshSession): Promise<void> {
  const st = await call<SftpStats>((cb) => sftp.lstat(thinDir, cb));
  const owners = loginUid === undefined || loginUid === 0 ? 'root' : `uid ${loginUid} or root`;
  const reason = st.isSymbolicLink() ? 'is a symbolic link'
    : !st.isDirectory() ? 'is not a directory'
      : st.uid !== 0 && st.uid !== loginUid ? `is owned by uid ${st.uid}, not by ${owners}`
        : st.mode & 0o022 ? `is writable by group or others (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')})` : undefined;
  if (reason) throw new UmecError('SSH_THIN_DIR', { host: session.entry.host, path: thinDir, reason, user: session.entry.user });
}

/** Earlier bundles, and temporary files left by cut uploads (old enough not to be another run's). */
async function removeStale(call: Call, sftp: SFTPWrapper, thinDir: string, keep: string): Promise<void> {
  const list = await call<Array<{ filename: string; attrs: { mtime: number } }>>((cb) => sftp.readdir(thinDir, cb)).catch(() => []);
  const old = Date.now() / 1000 - 600;
  await Promise.all(list
    .filter((f) => f.filename !== keep && (/^umec-thin-[0-9a-f]{16}\.mjs$/.test(f.filename)
      || (/^\.umec-thin-.*\.part$/.test(f.filename) && f.attrs.mtime < old)))
    .map((f) => call<void>((cb) => sftp.unlink(posix.join(thinDir, f.filename), cb)).catch(() => {})));
}
