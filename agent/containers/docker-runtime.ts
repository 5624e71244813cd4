import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { UmecError } from '../../lib/errors.js';
import type { ContainerInfo, ContainerRuntime, ContainerSpec, Health, ImageInfo } from '../../states/containers/runtime.js';

interface ApiError extends Error { statusCode?: number; code?: string; json?: { message?: string } | string | null; reason?: string }

function apiMessage(e: ApiError): string {
  const j = e.json;
  const m = typeof j === 'string' ? j : j?.message;
  // without a JSON body (Podman's load errors) the detail is only in the message
  return String(m ?? e.message.replace(/^\(HTTP code \d+\)\s*[^-]*-\s*/, '') ?? e.reason).trim();
}

const SECOND = 1e9;

/** Docker Engine API create body for a spec: every capability dropped, the listed ones given back. */
export function createBody(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  }
  const hc = spec.healthcheck;
  return {
    name: spec.name,
    Image: spec.image,
    Cmd: spec.command,
    Entrypoint: spec.entrypoint,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    User: spec.user,
    ExposedPorts: exposed,
    Healthcheck: hc ? {
      Test: hc.test, Interval: hc.interval * SECOND, Timeout: hc.timeout * SECOND, Retries: hc.retries, StartPeriod: hc.start_period * SECOND,
    } : undefined,
    HostConfig: {
      PortBindings: bindings,
      Binds: spec.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ':ro' : ''}`),
      RestartPolicy: { Name: spec.restart === 'no' ? '' : spec.restart },
      Memory: spec.memory,
      NanoCpus: spec.cpus ? Math.round(spec.cpus * SECOND) : undefined,
      NetworkMode: spec.network_mode,
      ReadonlyRootfs: spec.read_only,
      CapDrop: ['ALL'],
      CapAdd: spec.cap_add,
    },
  };
}

function health(s: Dockerode.ContainerInspectInfo['State'] & { Healthcheck?: { Status?: string } }): Health {
  const st = s.Health?.Status ?? s.Healthcheck?.Status;
  return st === 'healthy' || st === 'unhealthy' || st === 'starting' ? st : 'none';
}

function info(i: Dockerode.ContainerInspectInfo): ContainerInfo {
  return {
    id: i.Id, name: i.Name.replace(/^\//, ''), imageId: i.Image, labels: i.Config.Labels ?? {},
    running: i.State.Running, status: i.State.Status, exitCode: i.State.ExitCode,
    health: i.Config.Healthcheck?.Test?.length && i.Config.Healthcheck.Test[0] !== 'NONE' ? health(i.State) : 'none',
  };
}

/**
 * The Docker Engine API over a unix socket, as Docker and `podman system
 * service` serve it. dockerode is loaded on first use, not at agent start.
 */
export class DockerRuntime implements ContainerRuntime {
  private client?: Promise<Dockerode>;
  private podman?: Promise<boolean>;

  constructor(private readonly socketPath: string) {}

  get endpoint(): string { return `unix://${this.socketPath}`; }

  private docker(): Promise<Dockerode> {
    this.client ??= import('dockerode').then(({ default: D }) => new D({ socketPath: this.socketPath, timeout: 0 }));
    return this.client;
  }

  /** Turns transport and API failures into errors that say what is wrong. */
  private fail(e: unknown, ctx: { image?: string; container?: string; ports?: string } = {}): never {
    const err = e as ApiError;
    if (err instanceof UmecError) throw err;
    const code = err.code ?? '';
    if (['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK'].includes(code)) {
      const why = code === 'EACCES' ? 'permission denied on the socket'
        : 'socket missing or nobody listening (is docker or `podman system service` running? containers.socket in agent.yaml)';
      throw new UmecError('CONTAINER_RUNTIME', { endpoint: this.endpoint, reason: why, code });
    }
    const msg = apiMessage(err);
    if (/no space left on device/i.test(msg)) {
      const line = msg.split('\n').find((l) => /no space left on device/i.test(l))!.replace(/^\s*\*\s*/, '').trim();
      throw new UmecError('OUT_OF_DISK', { what: ctx.image ?? ctx.container ?? this.endpoint, reason: line });
    }
    if (/address already in use|port is already allocated/i.test(msg) && ctx.container) {
      throw new UmecError('PORT_IN_USE', { container: ctx.container, port: ctx.ports ?? '?', reason: msg });
    }
    if (ctx.image && (err.statusCode === 404 || /not found|unknown|manifest|pinging container registry|dial tcp|lookup|no such host|connection refused|unauthorized|denied/i.test(msg))) {
      throw new UmecError('IMAGE_NOT_FOUND', { image: ctx.image, reason: `not found or registry unreachable: ${msg}` });
    }
    if (ctx.container) throw new UmecError('CONTAINER_FAILED', { container: ctx.container, reason: msg });
    throw new UmecError('CONTAINER_RUNTIME', { endpoint: this.endpoint, reason: msg });
  }

  async inspectContainer(name: string): Promise<ContainerInfo | undefined> {
    try {
      return info(await (await this.docker()).getContainer(name).inspect());
    } catch (e) {
      if ((e as ApiError).statusCode === 404) return undefined;
      return this.fail(e, { container: name });
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    const d = await this.docker();
    let list: Dockerode.ContainerInfo[];
    try {
      list = await d.listContainers({ all: true, filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
    } catch (e) { return this.fail(e); }
    const found = await Promise.all(list.map((c) => this.inspectContainer(c.Id)));
    return found.filter((c): c is ContainerInfo => c !== undefined);
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const i = await (await this.docker()).getImage(ref).inspect();
      return { id: i.Id.startsWith('sha256:') ? i.Id : `sha256:${i.Id}`, tags: i.RepoTags ?? [] };
    } catch (e) {
      if ((e as ApiError).statusCode === 404) return undefined;
      return this.fail(e, { image: ref });
    }
  }

  async pullImage(ref: string): Promise<void> {
    const d = await this.docker();
    try {
      const stream = await d.pull(ref);
      await new Promise<void>((res, rej) => d.modem.followProgress(stream, (err: Error | null, out: { error?: string; errorDetail?: { message?: string } }[]) => {
        const bad = out?.find((o) => o.error || o.errorDetail);
        if (err) rej(err); else if (bad) rej(Object.assign(new Error(bad.errorDetail?.message ?? bad.error), { statusCode: 500 })); else res();
      }));
    } catch (e) { this.fail(e, { image: ref }); }
    if (!(await this.inspectImage(ref))) throw new UmecError('IMAGE_NOT_FOUND', { image: ref, reason: 'the pull finished but the image is not there' });
  }

  async loadImage(archive: Readable, what = 'image tarball'): Promise<void> {
    const d = await this.docker();
    try {
      const res = await d.loadImage(archive);
      // the body reports errors in-band as JSON lines
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(Buffer.from(c as Buffer));
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /"error(?:Detail)?"\s*:\s*(?:\{\s*"message"\s*:\s*)?"([^"]+)"/.exec(text);
      if (m) throw Object.assign(new Error(m[1]), { statusCode: 500 });
    } catch (e) { this.fail(e, { image: what }); }
  }

  async tagImage(id: string, ref: string): Promise<void> {
    const i = ref.lastIndexOf(':');
    const [repo, tag] = i > ref.lastIndexOf('/') ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, 'latest'];
    try { await (await this.docker()).getImage(id).tag({ repo, tag }); } catch (e) { this.fail(e, { image: ref }); }
  }

  async removeImage(ref: string): Promise<void> {
    try { await (await this.docker()).getImage(ref).remove(); } catch (e) {
      if ((e as ApiError).statusCode !== 404) this.fail(e, { image: ref });
    }
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      return (await (await this.docker()).createContainer(createBody(spec))).id;
    } catch (e) { return this.fail(e, { container: spec.name, image: (e as ApiError).statusCode === 404 ? spec.image : undefined, ports: portList(spec) }); }
  }

  async startContainer(name: string, spec?: ContainerSpec): Promise<void> {
    try { await (await this.docker()).getContainer(name).start(); } catch (e) {
      if ((e as ApiError).statusCode !== 304) this.fail(e, { container: name, ports: spec ? portList(spec) : undefined });
    }
  }

  async stopContainer(name: string, timeoutSec: number): Promise<void> {
    try { await (await this.docker()).getContainer(name).stop({ t: timeoutSec }); } catch (e) {
      const s = (e as ApiError).statusCode;
      if (s !== 304 && s !== 404) this.fail(e, { container: name });
    }
  }

  async removeContainer(name: string): Promise<void> {
    try { await (await this.docker()).getContainer(name).remove({ force: true, v: true }); } catch (e) {
      if ((e as ApiError).statusCode !== 404) this.fail(e, { container: name });
    }
  }

  async renameContainer(name: string, to: string): Promise<void> {
    try { await (await this.docker()).getContainer(name).rename({ name: to }); } catch (e) { this.fail(e, { container: name }); }
  }

  async probeHealth(name: string): Promise<ContainerInfo | undefined> {
    const cur = await this.inspectContainer(name);
    if (!cur || cur.health === 'none' || !cur.running || !(await this.isPodman())) return cur;
    // Podman leaves health check scheduling to systemd timers; without them, run one check now
    const d = await this.docker();
    await new Promise<void>((res) => d.modem.dial({
      path: `/v4.0.0/libpod/containers/${encodeURIComponent(name)}/healthcheck?`, method: 'GET',
      statusCodes: { 200: true, 404: true, 409: true, 500: true },
    }, () => res()));
    return this.inspectContainer(name);
  }

  private isPodman(): Promise<boolean> {
    this.podman ??= this.docker().then((d) => d.version()).then(
      (v) => (v.Components ?? []).some((c: { Name?: string }) => /podman/i.test(c.Name ?? '')), () => false);
    return this.podman;
  }
}

function portList(spec: ContainerSpec): string {
  return spec.ports.map((p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}`).join(', ') || '-';
}
