import { chmod, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { formatMessage, ioError, UmecError } from '../lib/errors.js';
import { readJsonLines, writeJsonLine } from '../lib/jsonl.js';
import type { Logger } from '../lib/log.js';
import { jobRequestSchema, type JobRequest } from '../lib/messages.js';
import { compileValidator, type Validator } from '../lib/schema.js';
import { CONTROL_OPS, type ControlLine, type ControlOp, type ControlRequest, type ControlResponse, type StreamOp, type UnaryOp } from './control-ops.js';
import type { MasterCore } from './core.js';
import type { ReturnRecord } from './jobcache/store.js';
import type { RolloutStop } from './jobs.js';
import { mp1Services } from './mp1.js';

/** Where a streamed operation writes its lines; the stream ends when the handler calls end() or the client goes. */
export interface LineSink<L> {
  send(line: L): void;
  end(): void;
  onClose(fn: () => void): void;
}

/** One handler per operation of CONTROL_OPS: a missing or mistyped one does not compile. */
export type ControlHandlers =
  & { [K in UnaryOp]: (req: ControlRequest<K>) => Promise<ControlResponse<K>> | ControlResponse<K> }
  & { [K in StreamOp]: (req: ControlRequest<K>, out: LineSink<ControlLine<K>>) => Promise<void> | void };

/** What each control operation does, on the master core. */
export function controlHandlers(c: MasterCore): ControlHandlers {
  return {
    'master.info': () => c.info(),
    'key.list': () => ({ ...c.keys.list(), notes: Object.fromEntries(c.enrolNotes) }),
    'key.finger': () => c.fingerprints(),
    'key.accept': (q) => c.changeKeys('accepted', q.id, q.all, q.include_rejected),
    'key.reject': (q) => c.changeKeys('rejected', q.id, q.all, false),
    'key.delete': (q) => c.deleteKey(q.id),
    'key.grains': async (q) => ({ id: q.id, grains: await c.updateTrustedGrains(q.id, q.set, q.unset) }),
    'token.create': async (q) => {
      const r = await c.tokens.create({ ttlSeconds: q.ttl_seconds, uses: q.uses, grains: q.grains, comment: q.comment });
      c.events.fire(`umec/token/${r.record.id}/created`, { id: r.record.id, expires: r.record.expires, uses: r.record.uses, grains: r.record.grains });
      return { ...r, master: c.info() };
    },
    'token.list': () => c.tokens.list(),
    'token.revoke': async (q) => {
      const ok = await c.tokens.revoke(q.id);
      if (ok) c.events.fire(`umec/token/${q.id.split('_')[1] ?? q.id}/revoked`, {});
      return { revoked: ok };
    },
    'schedule.list': () => c.schedules(),
    'app.onboard': async (q) => {
      const r = await c.onboardApp(q.path);
      if (r.status === 'onboarded') c.events.fire(`umec/app/${r.app.name}/onboarded`, { name: r.app.name, version: r.app.version, digest: r.app.digest });
      return r;
    },
    'app.allow': async (q) => {
      const allowed = await c.appExceptions.update(q.name, q.allow, q.revoke);
      if (q.allow.length || q.revoke.length) c.events.fire(`umec/app/${q.name}/policy`, { name: q.name, allow: q.allow, revoke: q.revoke });
      return { name: q.name, allowed };
    },
    'app.list': () => c.apps.list(),
    'job.list': (q) => c.store.listJobs({ limit: q.limit }),
    'job.show': async (q) => (await c.store.getJob(q.jid)) ?? null,
    'mp1.services': (q) => mp1Services(c, q.tgt, q.tgt_type),
    events: (q, out) => {
      // the latest events first (umec events --recent N), then live ones; nothing lost in between (same tick)
      for (const event of c.events.recent(q.recent)) out.send({ type: 'event', event });
      out.onClose(c.events.subscribe((event) => out.send({ type: 'event', event })));
      out.send({ type: 'subscribed' });
    },
    'job.start': async (q, out) => {
      const job = await c.startJob(q.request);
      out.send({ type: 'job', jid: job.jid, targets: job.targets });
      job.on('return', (ret: ReturnRecord) => out.send({ type: 'return', ret }));
      job.once('done', ({ missing, stopped }: { missing: string[]; stopped?: RolloutStop }) => {
        out.send({ type: 'done', missing, ...(stopped ? { stopped } : {}) });
        out.end();
      });
    },
  };
}

/** Request validators, compiled on first use of each operation. */
class RequestCheck {
  private readonly compiled = new Map<string, Validator>();

  check(op: unknown, body: Record<string, unknown>): ControlOp {
    if (typeof op !== 'string' || !Object.hasOwn(CONTROL_OPS, op)) throw new UmecError('USAGE', { reason: `unknown control operation ${JSON.stringify(op)}` });
    const name = op as ControlOp;
    let v = this.compiled.get(name);
    if (!v) this.compiled.set(name, v = compileValidator(CONTROL_OPS[name].request));
    const problems = v(body);
    if (problems) throw new UmecError('USAGE', { reason: `${name}: ${problems.join('; ')}` });
    return name;
  }
}

/**
 * The local socket the `umec` CLI talks to (in data_dir, mode 0600: whoever
 * can read the master's keys can drive it, nobody else). One request per
 * connection; replies are JSON lines, streamed for jobs and events.
 */
export class ControlServer {
  private server?: Server;
  private readonly open = new Set<Socket>();
  private readonly requests = new RequestCheck();
  private readonly handlers: ControlHandlers;

  constructor(private readonly path: string, core: MasterCore, private readonly log: Logger, handlers = controlHandlers(core)) {
    this.handlers = handlers;
  }

  async start(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
    this.server = createServer((sock) => this.serve(sock));
    // the socket file is born 0600 (umask), so nobody else can connect even for an instant
    const old = process.umask(0o177);
    try {
      await new Promise<void>((res, rej) => { this.server!.once('error', rej); this.server!.listen(this.path, () => res()); });
    } finally {
      process.umask(old);
    }
    await chmod(this.path, 0o600);
  }

  private serve(sock: Socket): void {
    this.open.add(sock);
    sock.once('close', () => this.open.delete(sock));
    let handled = false;
    sock.on('error', () => undefined);
    readJsonLines(sock, (m) => {
      if (handled) return;
      handled = true;
      this.dispatch(sock, m).catch((caught: unknown) => {
        // a filesystem error keeps its own code ([IO] with path and hint), not INTERNAL
        const e = ioError(caught) ?? caught;
        const err = e instanceof UmecError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: formatMessage('INTERNAL', { reason: String((e as Error).message ?? e) }) };
        if (!(e instanceof UmecError)) this.log.error({ err: e }, 'control request failed');
        writeJsonLine(sock, { type: 'error', ...err });
        sock.end();
      });
    }, () => { writeJsonLine(sock, { type: 'error', code: 'USAGE', message: 'request is not JSON' }); sock.end(); });
  }

  private async dispatch(sock: Socket, m: unknown): Promise<void> {
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new UmecError('USAGE', { reason: 'a request must be a JSON object with an op' });
    const { op, ...body } = m as Record<string, unknown>;
    const name = this.requests.check(op, body);
    const handler = this.handlers[name] as (req: unknown, out?: LineSink<unknown>) => unknown;
    if (!('stream' in CONTROL_OPS[name])) {
      const result = await handler(body);
      writeJsonLine(sock, { type: 'result', result });
      sock.end();
      return;
    }
    await handler(body, {
      send: (l) => {
        writeJsonLine(sock, l);
        // a slow reader's buffer grows; one that stops reading for good is cut off rather than held in memory
        if (sock.writableLength > 64 * 1024 * 1024) sock.destroy();
      },
      end: () => sock.end(),
      onClose: (fn) => sock.once('close', fn),
    });
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
    // event streams and waiting job clients would otherwise hold the shutdown open
    for (const s of this.open) s.destroy();
    await closed;
    await unlink(this.path).catch(() => undefined);
  }
}

let jobRequestCheck: Validator | undefined;

/** A job request from elsewhere than the control socket (master.yaml schedules), checked against the same schema. */
export function parseJobRequest(r: unknown): JobRequest {
  const q = structuredClone(r);
  const problems = (jobRequestCheck ??= compileValidator(jobRequestSchema))(q);
  if (problems) throw new UmecError('USAGE', { reason: problems.join('; ') });
  return q as JobRequest;
}
