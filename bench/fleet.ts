/**
 * Issue 3 benchmark rows: a master process with thousands of simulated
 * agents (ping and no-op apply latency, master memory per agent), then real
 * agent processes (idle RSS, whole CLI command time against Salt's figures).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { HostReply, HostRequest } from './agent-host.js';
import {
  control, cpuSec, freePort, median, openFilesLimit, rssKb, runJob, sleep, startChild, stopChild, timedRun, track, trackDir, untrackDir,
  type Child, type JobResult,
} from './proc.js';

import type { Row, Section } from './section.js';

const BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
const HOST = fileURLToPath(new URL('./agent-host.js', import.meta.url));
/** Fleet sizes; UMEC_BENCH_FLEET_NS=10,100 for a quick run. */
const SIM_NS = process.env.UMEC_BENCH_FLEET_NS ? process.env.UMEC_BENCH_FLEET_NS.split(',').map(Number) : [10, 100, 1000, 5000];
const PING_REPS: Record<number, number> = { 10: 7, 100: 7, 1000: 5, 5000: 3 };
const APPLY_REPS: Record<number, number> = { 10: 5, 100: 5, 1000: 3, 5000: 1 };
/** An apply round starts only while the fleet part is younger than this. */
const APPLY_BUDGET_MS = 5 * 60_000;
const SALT = { ping20: 2200, apply20: 11_000 };
const REAL_AGENTS = 20;

const fmtN = (n: number) => n.toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

function benchSls(out: string): string {
  return Array.from({ length: 20 }, (_, i) =>
    `bench-f${i}:\n  file.managed:\n    - name: ${out}/{{ grains.id }}/f${i}\n    - contents: "bench file ${i} of {{ grains.id }}"\n    - makedirs: true\n`).join('');
}

/** Every return succeeded and (for a no-op run) reported no changes. Returns a problem, or undefined. */
function checkApply(r: JobResult, n: number, noop: boolean): string | undefined {
  if (r.targets.length !== n) return `${r.targets.length} targets, expected ${n}`;
  if (r.missing.length) return `${r.missing.length} of ${n} did not return (e.g. ${r.missing.slice(0, 3).join(', ')})`;
  let failed = 0;
  let changed = 0;
  let firstProblem = '';
  for (const x of r.returns.values()) {
    const results = x.ret as Record<string, { result: unknown; changes: Record<string, unknown> }>;
    if (!x.success || !results || typeof results !== 'object' || Array.isArray(results)) {
      failed++;
      firstProblem ||= `${x.id}: ${JSON.stringify(x.ret).slice(0, 200)}`;
      continue;
    }
    if (Object.keys(results).length !== 20) { failed++; firstProblem ||= `${x.id}: ${Object.keys(results).length} states`; }
    if (noop && Object.values(results).some((s) => Object.keys(s.changes ?? {}).length)) changed++;
  }
  if (failed) return `${failed} of ${n} failed; first: ${firstProblem}`;
  if (changed) return `${changed} of ${n} reported changes on the no-op run`;
  return undefined;
}

interface Master { child: Child; config: string; sock: string; dataDir: string; pubkey: string; publishPort: number; returnPort: number }

async function startMaster(dir: string, stateRoot: string, pillarRoot: string): Promise<Master> {
  const dataDir = join(dir, 'data');
  const publishPort = await freePort();
  let returnPort = await freePort();
  while (returnPort === publishPort) returnPort = await freePort();
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'master.yaml');
  // JSON is YAML
  await writeFile(config, JSON.stringify({
    data_dir: dataDir, state_root: stateRoot, pillar_root: pillarRoot, interface: '127.0.0.1',
    publish_port: publishPort, return_port: returnPort, autosign_grains: { bench: ['yes'] }, log_level: 'warn', timeout: 30,
  }, null, 2));
  const child = startChild(process.execPath, [BIN, 'master', 'start', '--config', config]);
  const sock = join(dataDir, 'master.sock');
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`master exited with ${child.proc.exitCode}: ${child.stderr()}`);
    try {
      let info: Record<string, unknown> | undefined;
      await control(sock, { op: 'master.info' }, 2000, (l) => { if (l.type === 'result') info = l.result as Record<string, unknown>; });
      if (info?.pubkey) return { child, config, sock, dataDir, pubkey: String(info.pubkey), publishPort, returnPort };
    } catch { /* not up yet */ }
    if (Date.now() > until) throw new Error(`master did not come up within 20 s: ${child.stderr()}`);
    await sleep(100);
  }
}

/** A child process hosting simulated agents (or raw ZeroMQ clients). */
class Host {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  count = 0;
  private waiting?: { resolve: (m: HostReply) => void; reject: (e: Error) => void };

  constructor() {
    this.proc = fork(HOST, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    this.exited = track(this.proc);
    this.proc.on('message', (m: HostReply) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (m.op === 'error') w?.reject(new Error(`agent host: ${m.message}`));
      else w?.resolve(m);
    });
    void this.exited.then((code) => this.waiting?.reject(new Error(`agent host exited with ${code}`)));
  }

  ask(m: HostRequest, timeoutMs: number): Promise<HostReply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.waiting = undefined; reject(new Error(`agent host: no answer to ${m.op} within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting = { resolve: (r) => { clearTimeout(t); resolve(r); }, reject: (e) => { clearTimeout(t); reject(e); } };
      this.proc.send(m);
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.connected) await this.ask({ op: 'stop' }, 15_000).catch(() => undefined);
    await stopChild(this.proc, this.exited, 5000);
  }
}

/** Hands `ids` to hosts with room (capacity each), starting new hosts as needed; runs `op` on each share at once. */
async function spread(hosts: Host[], ids: string[], capacity: number, op: (h: Host, share: string[]) => Promise<void>): Promise<void> {
  const jobs: Promise<void>[] = [];
  let rest = [...ids];
  while (rest.length) {
    let h = hosts.find((x) => x.count < capacity);
    if (!h) { h = new Host(); hosts.push(h); }
    const share = rest.slice(0, capacity - h.count);
    rest = rest.slice(share.length);
    h.count += share.length;
    jobs.push(op(h, share));
  }
  await Promise.all(jobs);
}

/** Raw ZeroMQ (no CURVE, no auth, no JSON, no job cache): publish one message, wait for N replies. */
async function rawZmq(ns: number[], capacity: number, deadline: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const { Publisher, Router } = await import('zeromq');
  const pub = new Publisher({ linger: 0, sendHighWaterMark: 100_000 });
  const router = new Router({ linger: 0, receiveHighWaterMark: 100_000 });
  const hosts: Host[] = [];
  try {
    const [pp, rp] = [await freePort(), await freePort()];
    await pub.bind(`tcp://127.0.0.1:${pp}`);
    await router.bind(`tcp://127.0.0.1:${rp}`);
    let round = 0;
    let want = '';
    let got = new Set<string>();
    let all: (() => void) | undefined;
    let n = 0;
    void (async () => {
      try {
        for await (const [, id, payload] of router) {
          if (payload.toString() !== want) continue;
          got.add(id.toString());
          if (got.size >= n) all?.();
        }
      } catch { /* closed */ }
    })();
    const roundTrip = async (waitMs: number): Promise<number | undefined> => {
      want = `r${++round}`;
      got = new Set();
      const t0 = performance.now();
      const done = new Promise<void>((r) => { all = r; });
      await pub.send(['job', want]);
      const ok = await Promise.race([done.then(() => true), sleep(waitMs).then(() => false)]);
      return ok ? performance.now() - t0 : undefined;
    };
    let have = 0;
    for (const target of ns) {
      if (Date.now() > deadline) break;
      const ids = Array.from({ length: target - have }, (_, i) => `raw-${have + i}`);
      await spread(hosts, ids, capacity, async (h, share) => { await h.ask({ op: 'raw', pub: `tcp://127.0.0.1:${pp}`, router: `tcp://127.0.0.1:${rp}`, ids: share }, 60_000); });
      have = n = target;
      // slow joiners: wait until every subscriber hears a publication
      let joined = false;
      for (let i = 0; i < 50 && !joined; i++) joined = (await roundTrip(500)) !== undefined;
      if (!joined) break;
      const xs: number[] = [];
      for (let i = 0; i < 5; i++) { const ms = await roundTrip(5000); if (ms !== undefined) xs.push(ms); }
      if (xs.length) out.set(target, median(xs));
    }
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    pub.close();
    router.close();
  }
  return out;
}

/** CPU seconds the master and the agent hosts spend from now on, per run, as a note. */
function cpuMeter(m: Master, hosts: Host[]): (runs: number) => string {
  const pids = hosts.map((h) => h.proc.pid);
  const m0 = cpuSec(m.child.proc.pid);
  const h0 = pids.reduce<number>((a, p) => a + cpuSec(p), 0);
  return (runs) => {
    const mc = (cpuSec(m.child.proc.pid) - m0) / runs;
    const hc = (pids.reduce<number>((a, p) => a + cpuSec(p), 0) - h0) / runs;
    return `CPU per run: master ${mc.toFixed(2)} s, agents ${hc.toFixed(2)} s (${pids.length} process${pids.length > 1 ? 'es' : ''})`;
  };
}

/** The issue 3 rows, and notes on anything that failed or was skipped. */
export async function fleetRows(): Promise<Section> {
  const rows: Row[] = [];
  const problems: string[] = [];
  /** Rows left out on purpose (time), not failures. */
  const skipped: string[] = [];
  const t0 = Date.now();
  const limit = openFilesLimit();
  // each simulated agent holds 4 descriptors in its host (2 socket mailboxes, 2 TCP), the master 2 per agent
  const capacity = Math.max(100, Math.min(2500, Math.floor((limit.soft - 1000) / 4)));
  const maxN = Math.floor((limit.soft - 1000) / 2);
  const ns = SIM_NS.filter((n) => n <= maxN);
  if (ns.length < SIM_NS.length) problems.push(`open files limit ${limit.soft} (hard ${limit.hard}) lets the master hold only ~${fmtN(maxN)} agents; skipped N > that`);

  const base = trackDir(await mkdtemp('/tmp/umec-fleet-bench-'));
  // agent data dirs stand for each box's own disk: on tmpfs when there is one, so fsyncs there do not queue up behind the master's
  const agentRoot = trackDir(existsSync('/dev/shm') ? await mkdtemp('/dev/shm/umec-fleet-agents-') : join(base, 'agents'));
  const stateRoot = join(base, 'states');
  const pillarRoot = join(base, 'pillar');
  const out = join(base, 'out');
  await mkdir(stateRoot, { recursive: true });
  await mkdir(pillarRoot, { recursive: true });
  await mkdir(out, { recursive: true });
  await writeFile(join(stateRoot, 'top.sls'), "base:\n  '*':\n    - bench\n");
  await writeFile(join(stateRoot, 'bench.sls'), benchSls(out));

  let master: Master | undefined;
  const hosts: Host[] = [];
  let hostsUsed = 0;
  const realAgents: Child[] = [];
  try {
    // raw ZeroMQ first, in hosts of its own (they hold descriptors the agents will need)
    let raw = new Map<number, number>();
    try { raw = await rawZmq(ns, capacity, t0 + 60_000); } catch (e) { problems.push(`raw ZeroMQ comparison failed: ${(e as Error).message}`); }

    // ---- rows 1-3: simulated agents against a master process. The largest fleet gets a fresh
    // master, so its memory holds connected agents only, not the job returns of earlier rounds
    // (the master keeps finished jobs in memory for 10 minutes).
    let rss0 = 0;
    let have = 0;
    let memory: { n: number; connected: number; afterPings: number; base: number } | undefined;
    for (const n of ns) {
      if (!master || (n === ns.at(-1) && have > 0 && ns.length > 1)) {
        await Promise.all(hosts.splice(0).map((h) => h.stop()));
        if (master) await stopChild(master.child.proc, master.child.exited);
        master = await startMaster(join(base, `master-sim-${n}`), stateRoot, pillarRoot);
        await sleep(1000);
        rss0 = rssKb(master.child.proc.pid!);
        have = 0;
      }
      const ms = master;
      const ids = Array.from({ length: n - have }, (_, i) => `sim-${String(have + i).padStart(5, '0')}`);
      let startMs = 0;
      let startFailed = 0;
      await spread(hosts, ids, capacity, async (h, share) => {
        hostsUsed = Math.max(hostsUsed, hosts.length);
        const r = await h.ask({ op: 'agents', master: `127.0.0.1:${ms.returnPort}`, master_pubkey: ms.pubkey, root: agentRoot, ids: share }, 300_000);
        if (r.op === 'agents') { startMs = Math.max(startMs, r.ms); startFailed += r.failed.length; }
      });
      const added = n - have;
      have = n;
      if (startFailed) problems.push(`N=${fmtN(n)}: ${startFailed} simulated agents did not get ready within 60 s`);
      // every agent has been accepted and said hello; give the publish-socket handshakes a moment
      await sleep(3000);
      const connectedRss = rssKb(ms.child.proc.pid!);
      // a subscriber that has just connected misses publications until its subscription reaches the master: ping until all answer
      let warm: JobResult | undefined;
      for (let i = 0; i < 4; i++) {
        warm = await runJob(ms.sock, { fun: 'ping', args: {}, tgt: '*', tgt_type: 'glob', timeout: 30 }, 120_000);
        if (!warm.missing.length && warm.returns.size === n) break;
        await sleep(2000);
      }
      if (!warm || warm.missing.length || warm.returns.size !== n) {
        problems.push(`N=${fmtN(n)}: after 4 warm-up pings (30 s timeout each) ${warm?.returns.size ?? 0} of ${n} answered; stopped here`);
        break;
      }
      const xs: number[] = [];
      let short = '';
      const cpu = cpuMeter(ms, hosts);
      for (let i = 0; i < (PING_REPS[n] ?? 3); i++) {
        const r = await runJob(ms.sock, { fun: 'ping', args: {}, tgt: '*', tgt_type: 'glob', timeout: 30 }, 120_000);
        xs.push(r.ms);
        if (r.missing.length || r.returns.size !== n) short ||= `run ${i + 1}: ${r.returns.size}/${n} returned, ${r.missing.length} missing`;
      }
      const pingTarget = n === 1000 ? '< 1 s' : n === 5000 ? '< 3 s' : '(info)';
      const pingMed = median(xs);
      const ok = n === 1000 ? pingMed < 1000 : n === 5000 ? pingMed < 3000 : undefined;
      rows.push({
        name: `fleet: ping '*' → ${fmtN(n)} simulated agents, all returned`, median: pingMed, unit: 'ms', target: pingTarget,
        extra: [short || `${n}/${n} returned every run`, `${xs.length} runs`, `warm-up ${(warm.ms / 1000).toFixed(1)} s`,
          raw.has(n) ? `raw ZeroMQ pub→${fmtN(n)} replies ${raw.get(n)!.toFixed(1)} ms` : '',
          cpu(xs.length), added >= 100 ? `${fmtN(added)} agents started in ${(startMs / 1000).toFixed(1)} s` : '', ok === undefined ? '' : verdict(ok)].filter(Boolean).join('; '),
      });
      if (short) problems.push(`ping N=${fmtN(n)}: ${short}`);
      memory = { n, connected: connectedRss, afterPings: rssKb(ms.child.proc.pid!), base: rss0 };

      // ---- row 2: 20-state no-op apply
      if (n >= 5000 || Date.now() - t0 > APPLY_BUDGET_MS) {
        skipped.push(`no-op apply at N=${fmtN(n)} (${n >= 5000
          ? 'time: its converging run alone takes ~2 min of agent CPU on this 2-core machine'
          : `time budget: the fleet part had already run ${((Date.now() - t0) / 1000).toFixed(0)} s`})`);
        continue;
      }
      const applyReq = { fun: 'apply', args: {}, tgt: '*', tgt_type: 'glob', timeout: n >= 1000 ? 300 : 60 };
      // the converging run writes 20 files per agent; 100 agents per job, one job after the other, so the
      // agents' fixed 10 s request timeouts hold on 2 cores (not `batch`: its refills can crash the master, see notes)
      const converge: JobResult = { ms: 0, targets: [], returns: new Map(), missing: [] };
      for (let i = 0; i < n; i += 100) {
        const slice = Array.from({ length: Math.min(100, n - i) }, (_, k) => `sim-${String(i + k).padStart(5, '0')}`);
        const r = await runJob(ms.sock, { ...applyReq, tgt: slice.join(','), tgt_type: 'list' }, 600_000);
        converge.ms += r.ms;
        converge.targets.push(...r.targets);
        converge.missing.push(...r.missing);
        for (const [k, v] of r.returns) converge.returns.set(k, v);
      }
      const cp = checkApply(converge, n, false);
      if (cp) { problems.push(`apply N=${fmtN(n)}, converging run: ${cp}`); continue; }
      const ys: number[] = [];
      let bad = '';
      const applyCpu = cpuMeter(ms, hosts);
      for (let i = 0; i < (APPLY_REPS[n] ?? 1); i++) {
        const r = await runJob(ms.sock, applyReq, 600_000);
        ys.push(r.ms);
        bad ||= checkApply(r, n, true) ?? '';
      }
      if (bad) problems.push(`apply N=${fmtN(n)}, no-op run: ${bad}`);
      rows.push({
        name: `fleet: no-op apply 20 file.managed → ${fmtN(n)} simulated agents`, median: median(ys), unit: 'ms', target: '(info)',
        extra: [bad ? `FAILED: ${bad.slice(0, 60)}` : 'all succeeded, no changes', `${ys.length} run${ys.length > 1 ? 's' : ''}`, applyCpu(ys.length),
          `converging run ${(converge.ms / 1000).toFixed(1)} s${n > 100 ? ' (100 agents per job)' : ''}`].join('; '),
      });
    }

    // ---- row 3: master memory
    if (memory) {
      const perAgent = (memory.connected - memory.base) / memory.n;
      rows.push({ name: `fleet: master RSS with ${fmtN(memory.n)} connected agents`, median: memory.connected / 1024, unit: 'MB', target: '(info)',
        extra: `${(memory.base / 1024).toFixed(1)} MB with 0 agents; ${(memory.afterPings / 1024).toFixed(1)} MB after the pings above` });
      rows.push({ name: '  master RSS per connected agent', median: perAgent, unit: 'KB', target: '< 20 KB',
        extra: `(RSS at ${fmtN(memory.n)} − RSS at 0) / ${fmtN(memory.n)}; ${verdict(perAgent < 20)}` });
    }
    await Promise.all(hosts.splice(0).map((h) => h.stop()));
    if (master) await stopChild(master.child.proc, master.child.exited);
    master = undefined;

    // ---- rows 4-5: real agent processes
    master = await startMaster(join(base, 'master-real'), stateRoot, pillarRoot);
    const m = master;
    const startAgent = async (i: number): Promise<Child> => {
      const id = `real-${String(i).padStart(2, '0')}`;
      const dir = join(base, 'real-agents', id);
      await mkdir(dir, { recursive: true });
      const cfg = join(dir, 'agent.yaml');
      await writeFile(cfg, JSON.stringify({
        id, master: `127.0.0.1:${m.returnPort}`, master_pubkey: m.pubkey, data_dir: join(dir, 'data'),
        grains: { bench: 'yes' }, log_level: 'warn', acceptance_wait_time: 1, reconnect_max: 5,
      }, null, 2));
      const c = startChild(process.execPath, [BIN, 'agent', 'start', '--config', cfg]);
      realAgents.push(c);
      return c;
    };
    const waitAnswering = async (tgt: string, tgt_type: string, n: number, ms: number): Promise<number> => {
      const until = Date.now() + ms;
      let got = 0;
      while (Date.now() < until) {
        const r = await runJob(m.sock, { fun: 'ping', args: {}, tgt, tgt_type, timeout: 2 }, 30_000).catch(() => undefined);
        got = r?.returns.size ?? 0;
        if (got === n && !r!.missing.length) return got;
        await sleep(300);
      }
      return got;
    };
    const first = await startAgent(0);
    if ((await waitAnswering('real-00', 'list', 1, 60_000)) !== 1) throw new Error(`the real agent did not answer a ping within 60 s: ${first.stderr()}`);
    await sleep(2000);
    const agentRss = rssKb(first.proc.pid!) / 1024;
    rows.push({ name: 'agent process idle RSS (umec agent start, grains collected)', median: agentRss, unit: 'MB', target: '< 50 MB', extra: verdict(agentRss < 50) });

    for (let i = 1; i < REAL_AGENTS; i++) await startAgent(i);
    const answering = await waitAnswering('*', 'glob', REAL_AGENTS, 120_000);
    if (answering !== REAL_AGENTS) throw new Error(`only ${answering} of ${REAL_AGENTS} real agents answered within 120 s`);
    const cli = async (args: string[], reps: number, check: (r: Awaited<ReturnType<typeof timedRun>>) => string | undefined) => {
      const xs: number[] = [];
      let bad = '';
      for (let i = 0; i < reps; i++) {
        const r = await timedRun(process.execPath, [BIN, ...args, '--config', m.config], 120_000);
        xs.push(r.ms);
        bad ||= check(r) ?? '';
      }
      return { ms: median(xs), bad };
    };
    const summaryOk = (r: Awaited<ReturnType<typeof timedRun>>): string | undefined => {
      if (r.code !== 0) return `exit ${r.code}: ${(r.stderr || r.stdout).slice(-300)}`;
      if (!r.stdout.includes(`# of agents returned: ${REAL_AGENTS}`)) return `summary does not show ${REAL_AGENTS} returns`;
      return undefined;
    };
    const ping = await cli(['ping', '*'], 5, summaryOk);
    if (ping.bad) problems.push(`umec ping with ${REAL_AGENTS} agents: ${ping.bad}`);
    rows.push({
      name: `umec ping '*' → ${REAL_AGENTS} agent processes, whole CLI process`, median: ping.ms, unit: 'ms', target: '≥ 10× Salt',
      extra: `Salt 2.2 s → ${(SALT.ping20 / ping.ms).toFixed(1)}× faster; ${ping.bad ? 'FAILED' : verdict(SALT.ping20 / ping.ms >= 10)}`,
    });
    const converge = await timedRun(process.execPath, [BIN, 'apply', '*', '--config', m.config], 180_000);
    if (converge.code !== 0) throw new Error(`converging umec apply failed (exit ${converge.code}): ${(converge.stderr || converge.stdout).slice(-500)}`);
    const apply = await cli(['apply', '*'], 5, (r) => {
      const s = summaryOk(r);
      if (s) return s;
      if (/changed=/.test(r.stdout)) return 'the no-op run reported changes';
      const succeeded = r.stdout.match(/Succeeded: 20\b/g)?.length ?? 0;
      return succeeded === REAL_AGENTS ? undefined : `${succeeded} of ${REAL_AGENTS} agents report Succeeded: 20`;
    });
    if (apply.bad) problems.push(`umec apply with ${REAL_AGENTS} agents: ${apply.bad}`);
    rows.push({
      name: `umec apply '*' (20 file.managed, no-op) → ${REAL_AGENTS} agents, whole CLI`, median: apply.ms, unit: 'ms', target: '≥ 10× Salt',
      extra: `Salt 11 s → ${(SALT.apply20 / apply.ms).toFixed(1)}× faster; converging run ${(converge.ms / 1000).toFixed(1)} s; ${apply.bad ? 'FAILED' : verdict(SALT.apply20 / apply.ms >= 10)}`,
    });
  } catch (e) {
    problems.push(`fleet benchmark stopped: ${(e as Error).message}${master ? `\n    master stderr: ${master.child.stderr().slice(-1500)}` : ''}`);
  } finally {
    await Promise.all(realAgents.map((c) => stopChild(c.proc, c.exited, 5000)));
    await Promise.all(hosts.map((h) => h.stop()));
    if (master) await stopChild(master.child.proc, master.child.exited);
    await rm(base, { recursive: true, force: true });
    await rm(agentRoot, { recursive: true, force: true });
    untrackDir(base);
    untrackDir(agentRoot);
  }
  rows.push({ name: 'fleet: whole fleet part (setup, all rows above, teardown)', median: (Date.now() - t0) / 1000, unit: 's', target: '(info)',
    extra: `open files limit ${limit.soft}; simulated agents in ${hostsUsed} host process(es) of ≤ ${fmtN(capacity)}` });
  return { rows, notes: problems, skipped };
}
