import { chmod, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { UmecError } from '../lib/errors.js';
import { readJsonLines, writeJsonLine } from '../lib/jsonl.js';
import type { Logger } from '../lib/log.js';
import { JOB_FUNS, type JobRequest, type TargetType } from '../lib/messages.js';
import type { MasterCore } from './core.js';
import type { RolloutStop } from './jobs.js';
import { mp1Services } from './mp1.js';

const TARGET_TYPES: TargetType[] = ['glob', 'list', 'grain', 'grain_pcre', 'pcre', 'pillar', 'compound'];

/**
 * The local socket the `umec` CLI talks to (in data_dir, mode 0600: whoever
 * can read the master's keys can drive it, nobody else). One request per
 * connection; replies are JSON lines, streamed for jobs and events.
 */
export class ControlServer {
  private server?: Server;
  private readonly open = new Set<Socket>();

  constructor(private readonly path: string, private readonly core: MasterCore, private readonly log: Logger) {}

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
      this.dispatch(sock, m as Record<string, unknown>).catch((e: unknown) => {
        const err = e instanceof UmecError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String((e as Error).message ?? e) };
        if (!(e instanceof UmecError)) this.log.error({ err: e }, 'control request failed');
        writeJsonLine(sock, { type: 'error', ...err });
        sock.end();
      });
    }, () => { writeJsonLine(sock, { type: 'error', code: 'USAGE', message: 'request is not JSON' }); sock.end(); });
  }

  private async dispatch(sock: Socket, m: Record<string, unknown>): Promise<void> {
    const reply = (body: unknown) => { writeJsonLine(sock, { type: 'result', result: body }); sock.end(); };
    const c = this.core;
    switch (m.op) {
      case 'master.info': return reply(c.info());
      case 'key.list': return reply({ ...c.keys.list(), notes: Object.fromEntries(c.enrolNotes) });
      case 'token.create': {
        const grains = (m.grains ?? {}) as Record<string, string>;
        if (typeof grains !== 'object' || Object.values(grains).some((v) => typeof v !== 'string')) throw new UmecError('USAGE', { reason: 'grains must map names to strings' });
        const r = await c.tokens.create({ ttlSeconds: Number(m.ttl_seconds ?? 86_400), uses: Number(m.uses ?? 1), grains, comment: typeof m.comment === 'string' ? m.comment : undefined });
        c.events.fire(`umec/token/${r.record.id}/created`, { id: r.record.id, expires: r.record.expires, uses: r.record.uses, grains: r.record.grains });
        return reply({ ...r, master: c.info() });
      }
      case 'token.list': return reply(c.tokens.list());
      case 'token.revoke': {
        const ok = await c.tokens.revoke(String(m.id ?? ''));
        if (ok) c.events.fire(`umec/token/${String(m.id).split('_')[1] ?? String(m.id)}/revoked`, {});
        return reply({ revoked: ok });
      }
      case 'schedule.list': return reply(c.schedules());
      case 'key.finger': return reply(c.fingerprints());
      case 'key.accept': return reply(await c.changeKeys('accepted', m.id as string | undefined, m.all === true, m.include_rejected === true));
      case 'key.reject': return reply(await c.changeKeys('rejected', m.id as string | undefined, m.all === true, false));
      case 'key.delete': return reply(await c.deleteKey(String(m.id)));
      case 'app.onboard': {
        if (typeof m.path !== 'string' || !m.path.startsWith('/')) throw new UmecError('USAGE', { reason: 'app.onboard needs an absolute package path' });
        const r = await c.apps.onboard(m.path);
        if (r.status === 'onboarded') c.events.fire(`umec/app/${r.app.name}/onboarded`, { name: r.app.name, version: r.app.version, digest: r.app.digest });
        return reply(r);
      }
      case 'app.list': return reply(c.apps.list());
      case 'job.list': return reply(await c.store.listJobs({ limit: Number(m.limit ?? 50) }));
      case 'job.show': return reply((await c.store.getJob(String(m.jid))) ?? null);
      case 'mp1.services': {
        if (typeof m.tgt !== 'string' || !m.tgt) throw new UmecError('USAGE', { reason: 'a target is required' });
        if (!TARGET_TYPES.includes(m.tgt_type as TargetType)) throw new UmecError('USAGE', { reason: `unknown target type ${JSON.stringify(m.tgt_type)}` });
        return reply(mp1Services(c, m.tgt, m.tgt_type as TargetType));
      }
      case 'events': {
        // a slow reader's buffer grows; one that stops reading for good is cut off rather than held in memory
        // the latest events first (umec events --recent N), then live ones; nothing lost in between (same tick)
        for (const ev of c.events.recent(Number(m.recent ?? 0) || 0)) writeJsonLine(sock, { type: 'event', event: ev });
        const off = c.events.subscribe((ev) => {
          writeJsonLine(sock, { type: 'event', event: ev });
          if (sock.writableLength > 64 * 1024 * 1024) sock.destroy();
        });
        sock.on('close', off);
        writeJsonLine(sock, { type: 'subscribed' });
        return;
      }
      case 'job.start': {
        const req = parseJobRequest(m.request);
        const job = await c.startJob(req);
        writeJsonLine(sock, { type: 'job', jid: job.jid, targets: job.targets });
        job.on('return', (r) => writeJsonLine(sock, { type: 'return', ret: r }));
        job.once('done', ({ missing, stopped }: { missing: string[]; stopped?: RolloutStop }) => { writeJsonLine(sock, { type: 'done', missing, ...(stopped ? { stopped } : {}) }); sock.end(); });
        return;
      }
      default:
        throw new UmecError('USAGE', { reason: `unknown control operation ${JSON.stringify(m.op)}` });
    }
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((res) => (this.server ? this.server.close(() => res()) : res()));
    // event streams and waiting job clients would otherwise hold the shutdown open
    for (const s of this.open) s.destroy();
    await closed;
    await unlink(this.path).catch(() => undefined);
  }
}

export function parseJobRequest(r: unknown): JobRequest {
  const q = (r ?? {}) as Partial<JobRequest>;
  const bad = (reason: string): never => { throw new UmecError('USAGE', { reason }); };
  if (!JOB_FUNS.includes(q.fun as never)) bad(`unknown function ${JSON.stringify(q.fun)}`);
  if (typeof q.tgt !== 'string' || !q.tgt) bad('a target is required');
  if (!TARGET_TYPES.includes(q.tgt_type as TargetType)) bad(`unknown target type ${JSON.stringify(q.tgt_type)}`);
  const args = (q.args ?? {});
  if (q.fun === 'run' && (!Array.isArray(args.cmd) || !args.cmd.length || !args.cmd.every((a) => typeof a === 'string'))) bad('run needs a command');
  if (args.sls !== undefined && (!Array.isArray(args.sls) || !args.sls.every((s) => typeof s === 'string'))) bad('sls must be a list of names');
  if (q.timeout !== undefined && !(Number(q.timeout) > 0 && Number(q.timeout) <= 86_400)) bad('timeout must be between 0 and 86400 seconds');
  if (q.batch !== undefined && !/^\d+%?$/.test(String(q.batch))) bad(`batch must be a count or a percentage, got ${JSON.stringify(q.batch)}`);
  if (q.max_failures !== undefined && !/^\d+%?$/.test(String(q.max_failures))) bad(`max-failures must be a count or a percentage, got ${JSON.stringify(q.max_failures)}`);
  return { fun: q.fun!, tgt: q.tgt!, tgt_type: q.tgt_type!, args, timeout: q.timeout, batch: q.batch, ...(q.max_failures !== undefined ? { max_failures: String(q.max_failures) } : {}) };
}
