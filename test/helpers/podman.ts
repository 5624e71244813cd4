import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BUSYBOX = '/usr/bin/busybox';
const APPLETS = ['sh', 'sleep', 'httpd', 'echo', 'cat', 'env', 'nc', 'wget', 'ls', 'true', 'false', 'test', 'mkdir', 'touch', 'rm'];

/** Why Podman cannot be used here, or undefined when it can. */
export function podmanMissing(): string | undefined {
  for (const bin of ['/usr/bin/podman', '/usr/sbin/runc', BUSYBOX]) if (!existsSync(bin)) return `${bin} is not installed (scripts/system-deps.sh)`;
  if (process.getuid?.() !== 0) return 'the private Podman service needs root';
  return undefined;
}

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode === 200); });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

/**
 * A private Podman API service (`podman system service`) on a unix socket in a
 * temp dir, with its own containers.conf, storage and run dirs, so tests never
 * touch the machine's containers. Debian's podman 4.3 needs runc, cgroupfs,
 * file events and explicit ulimits on this kind of host.
 */
export class PrivatePodman {
  socket!: string;
  private dir!: string;
  private proc?: ChildProcess;
  private env!: NodeJS.ProcessEnv;

  /** `storageLimit` (e.g. '1m'): image storage on a tmpfs of that size, to run out of disk on purpose. */
  static async start(o: { storageLimit?: string } = {}): Promise<PrivatePodman> {
    const p = new PrivatePodman();
    await p.boot(o.storageLimit);
    return p;
  }

  private limited = false;

  private async boot(storageLimit?: string): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'umec-podman-'));
    await chmod(this.dir, 0o755);
    const d = this.dir;
    if (storageLimit) {
      await mkdir(join(d, 'root'));
      await run('mount', ['-t', 'tmpfs', '-o', `size=${storageLimit}`, 'tmpfs', join(d, 'root')]);
      this.limited = true;
    }
    await writeFile(join(d, 'containers.conf'), [
      '[containers]', 'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]',
      '[engine]', 'runtime = "runc"', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"',
      `events_logfile_path = "${d}/events.log"`, `tmp_dir = "${d}/tmp"`, `volume_path = "${d}/volumes"`, `static_dir = "${d}/root/libpod"`, '',
    ].join('\n'));
    await writeFile(join(d, 'storage.conf'), ['[storage]', 'driver = "overlay"', `graphroot = "${d}/root"`, `runroot = "${d}/run"`, ''].join('\n'));
    this.env = { ...process.env, CONTAINERS_CONF: join(d, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(d, 'storage.conf') };
    this.socket = join(d, 'podman.sock');
    this.proc = spawn('podman', ['system', 'service', '--time=0', `unix://${this.socket}`], { env: this.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.proc.stderr!.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000); });
    const until = Date.now() + 20_000;
    while (!(await ping(this.socket))) {
      if (this.proc.exitCode !== null) throw new Error(`podman system service exited: ${stderr}`);
      if (Date.now() > until) throw new Error(`podman system service did not answer on ${this.socket}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs the podman CLI against the same private storage. */
  async podman(...args: string[]): Promise<string> {
    try {
      return (await run('podman', args, { env: this.env, maxBuffer: 64 * 1024 * 1024 })).stdout;
    } catch (e) {
      throw new Error(`podman ${args.join(' ')}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`, { cause: e });
    }
  }

  private rootfsTar?: Promise<string>;

  /** A busybox-static root filesystem tarball (built once). */
  private rootfs(): Promise<string> {
    this.rootfsTar ??= (async () => {
      const root = join(this.dir, 'rootfs');
      await mkdir(join(root, 'bin'), { recursive: true });
      await mkdir(join(root, 'tmp'), { recursive: true });
      await mkdir(join(root, 'www'), { recursive: true });
      await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
      for (const a of APPLETS) await symlink('busybox', join(root, 'bin', a));
      await writeFile(join(root, 'www', 'index.html'), 'hello from busybox\n');
      const tar = join(this.dir, 'rootfs.tar');
      await run('tar', ['-C', root, '-cf', tar, '.']);
      return tar;
    })();
    return this.rootfsTar;
  }

  /**
   * Builds an image offline by importing the busybox rootfs; `marker` makes a
   * distinct image id (it becomes a label), so two versions of an app differ.
   */
  async buildImage(ref: string, o: { cmd?: string[]; marker?: string } = {}): Promise<string> {
    const changes = [`CMD ${JSON.stringify(o.cmd ?? ['/bin/sleep', '3600'])}`, `LABEL umec.test.marker=${o.marker ?? ref}`, 'ENV PATH=/bin'];
    const out = await this.podman('import', ...changes.flatMap((c) => ['--change', c]), await this.rootfs(), ref);
    return out.trim().split('\n').pop()!.replace(/^sha256:/, '');
  }

  /** `podman save` (docker-archive) of an image to a tarball. */
  async saveImage(ref: string, file: string): Promise<void> {
    await this.podman('save', '--format', 'docker-archive', '-o', file, ref);
  }

  async stop(): Promise<void> {
    await this.podman('rm', '-af', '-t', '0').catch(() => undefined);
    await this.podman('rmi', '-af').catch(() => undefined);
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    }
    await run('umount', ['-R', join(this.dir, 'root', 'overlay')]).catch(() => undefined);
    if (this.limited) await run('umount', ['-R', join(this.dir, 'root')]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
