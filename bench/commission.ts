/**
 * Issue 9 benchmark rows: time for a fresh agent process to commission
 * itself (bootstrap file → token → accepted → highstate → marker), the
 * quickstart wall time, schedule latency (cron tick → job started → return in
 * the job cache) and what idle schedules cost the master.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../lib/log.js';
import { Scheduler } from '../lib/scheduler.js';
import { control, freePort, median, sleep, startChild, stopChild, timedRun, trackDir, untrackDir, type Child, type ControlLine } from './proc.js';
import type { Row, Section } from './section.js';

const BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
const REPS = 5;

async function waitFile(p: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(p)) {
    if (Date.now() > end) throw new Error(`${p} did not appear within ${ms} ms`);
    await sleep(20);
  }
}

interface Ev { tag: string; ts: string; data: Record<string, unknown>; at: number }

/** Streams master events into a list, with the local arrival time. */
function eventLog(sock: string): { events: Ev[]; stop: () => void } {
  const events: Ev[] = [];
  let stopped = false;
  void control(sock, { op: 'events' }, 3_600_000, (l: ControlLine) => {
    if (!stopped && l.type === 'event') events.push({ ...(l.event as Omit<Ev, 'at'>), at: performance.now() });
  }).catch(() => undefined);
  return { events, stop: () => { stopped = true; } };
}

async function waitEvent(events: Ev[], pred: (e: Ev) => boolean, ms: number, what: string): Promise<Ev> {
  const end = Date.now() + ms;
  for (;;) {
    const e = events.find(pred);
    if (e) return e;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function call(sock: string, request: Record<string, unknown>): Promise<unknown> {
  let result: unknown;
  await control(sock, request, 10_000, (l) => { if (l.type === 'result') result = l.result; });
  return result;
}

export async function commissionRows(): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const root = trackDir(await mkdtemp(join(tmpdir(), 'umec-bench-commission-')));
  const children: Child[] = [];
  try {
    const [pub, ret] = [await freePort(), await freePort()];
    await mkdir(join(root, 'states'), { recursive: true });
    await mkdir(join(root, 'pillar'), { recursive: true });
    await writeFile(join(root, 'states', 'top.sls'), "base:\n  '*':\n    - box\n");
    await writeFile(join(root, 'states', 'box.sls'), Array.from({ length: 10 }, (_, i) =>
      `f${i}:\n  file.managed:\n    - name: ${root}/out/{{ grains.id }}/f${i}\n    - contents: "file ${i} of {{ grains.id }}"\n    - makedirs: true\n`).join(''));
    await writeFile(join(root, 'pillar', 'top.sls'), "base: {}\n");
    await writeFile(join(root, 'master.yaml'), `data_dir: ${root}/m\nstate_root: ${root}/states\npillar_root: ${root}/pillar\ninterface: 127.0.0.1\npublish_port: ${pub}\nreturn_port: ${ret}\nlog_level: warn\n`
      + "schedule:\n  tick:\n    cron: '* * * * * *'\n    function: ping\n    target: 'sched-*'\n");
    const master = startChild(process.execPath, [BIN, 'master', 'start', '--config', join(root, 'master.yaml')]);
    children.push(master);
    const sock = join(root, 'm', 'master.sock');
    await waitFile(sock, 20_000);
    const { events, stop } = eventLog(sock);
    const info = await call(sock, { op: 'master.info' }) as { pubkey: string };

    // a fresh agent process each time: new data_dir, new key, new token
    const toAccepted: number[] = [];
    const toCommissioned: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const id = `fresh-${i}`;
      const { token } = await call(sock, { op: 'token.create', ttl_seconds: 600, uses: 1 }) as { token: string };
      const boot = join(root, `boot-${id}.yaml`);
      await writeFile(boot, `master: 127.0.0.1:${ret}\nmaster_pubkey: '${info.pubkey}'\ntoken: ${token}\n`);
      await writeFile(join(root, `${id}.yaml`), `id: ${id}\ndata_dir: ${root}/${id}\nlog_level: warn\nbootstrap:\n  file: ${boot}\n  retry_min: 0.5\n`);
      const t0 = performance.now();
      const agent = startChild(process.execPath, [BIN, 'agent', 'start', '--config', join(root, `${id}.yaml`)]);
      children.push(agent);
      const acc = await waitEvent(events, (e) => e.tag === `umec/key/${id}/accepted`, 60_000, `${id} accepted`);
      const done = await waitEvent(events, (e) => e.tag === `umec/agent/${id}/commissioned`, 60_000, `${id} commissioned`);
      await waitFile(join(root, id, 'commissioned'), 10_000);
      toAccepted.push(acc.at - t0);
      toCommissioned.push(performance.now() - t0);
      if (done.data.states !== 10) notes.push(`commission: ${id} ran ${String(done.data.states)} states, expected 10`);
      await stopChild(agent.proc, agent.exited);
    }
    rows.push({ name: 'commission: agent process start → key accepted (token)', median: median(toAccepted), unit: 'ms', target: '< 2000 ms', extra: `${REPS} fresh agents, each a new key and token` });
    rows.push({ name: 'commission: agent process start → commissioned (10-state highstate, marker)', median: median(toCommissioned), unit: 'ms', target: '< 5000 ms', extra: 'Salt: key accept by hand + first highstate, typically minutes' });

    // schedule latency: an agent matching the every-second ping
    await writeFile(join(root, 'sched.yaml'), `id: sched-1\ndata_dir: ${root}/sched\nlog_level: warn\nacceptance_wait_time: 0.2\nmaster: 127.0.0.1:${ret}\nmaster_pubkey: '${info.pubkey}'\n`);
    const sched = startChild(process.execPath, [BIN, 'agent', 'start', '--config', join(root, 'sched.yaml')]);
    children.push(sched);
    await waitEvent(events, (e) => e.tag === 'umec/key/sched-1/pending', 30_000, 'sched-1 key request');
    await call(sock, { op: 'key.accept', id: 'sched-1' });
    const from = events.length;
    await waitEvent(events, (e) => e.tag.endsWith('/ret/sched-1'), 30_000, 'first scheduled return');
    // skip the first ticks (subscription warming up), then sample
    await sleep(6_000);
    const lag: number[] = [];
    const e2e: number[] = [];
    for (const e of events.slice(from)) {
      if (!/^umec\/job\/\d+\/new$/.test(e.tag) || e.data.tgt !== 'sched-*') continue;
      const jid = String(e.data.jid);
      const r = events.find((x) => x.tag === `umec/job/${jid}/ret/sched-1`);
      const tick = Math.floor(Date.parse(e.ts) / 1000) * 1000;
      lag.push(Date.parse(e.ts) - tick);
      if (r) e2e.push(Date.parse(r.ts) - tick);
    }
    if (e2e.length < 3) notes.push(`schedule: only ${e2e.length} scheduled returns seen`);
    rows.push({ name: 'schedule: cron tick → job started (master)', median: median(lag), unit: 'ms', target: '< 50 ms', extra: `${lag.length} ticks of '* * * * * *'` });
    rows.push({ name: 'schedule: cron tick → return in job cache', median: median(e2e), unit: 'ms', target: '< 200 ms', extra: 'ping to one real agent process' });
    stop();
    for (const c of children) await stopChild(c.proc, c.exited);
  } catch (e) {
    notes.push(`commission: ${(e as Error).message}`);
  } finally {
    for (const c of children) await stopChild(c.proc, c.exited).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    untrackDir(root);
  }

  // idle schedules: what 1000 entries that do not fire cost (heap, CPU)
  const log = createLogger({ name: 'bench', level: 'silent' });
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const s = new Scheduler(log);
  for (let i = 0; i < 1000; i++) s.add(`s${i}`, { cron: `${i % 60} 3 * * *`, splay: 0, enabled: true }, async () => undefined);
  await s.start();
  global.gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(5_000);
  const c1 = process.cpuUsage(c0);
  const wall = (performance.now() - w0) / 1000;
  await s.stop();
  rows.push({ name: 'schedule: 1000 idle entries, CPU', median: (c1.user + c1.system) / 1000 / wall, unit: 'ms/s', target: '< 10 ms/s', extra: `heap ${((heap1 - heap0) / 1000 / 1024).toFixed(1)} KB per entry${global.gc ? '' : ' (no --expose-gc: heap approximate)'}` });

  // quickstart, the README's main job, end to end
  const qs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await timedRun(process.execPath, [BIN, 'quickstart', '--once', '--json'], 120_000);
    if (r.code !== 0) { notes.push(`quickstart exited ${r.code}: ${r.stderr.slice(-300)}`); break; }
    qs.push(r.ms);
  }
  if (qs.length) rows.push({ name: 'quickstart --once (master + agent + token + example tree)', median: median(qs), unit: 'ms', target: '< 10000 ms', extra: 'whole command, 3 runs' });
  return { rows, notes, skipped: [] };
}
