/**
 * A child process of the benchmark that hosts many simulated agents (real
 * AgentDaemon instances, each with its own sockets, key and data_dir), or
 * many raw ZeroMQ clients for the comparison row. One process can hold only
 * ~4,500 agents: each takes 4 file descriptors (2 socket mailboxes, 2 TCP
 * connections) and the hard limit of open files here is 20,000, so the
 * benchmark spreads larger fleets over several hosts. Driven over the fork
 * IPC channel; exits when told to or when the parent goes away.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { context, Dealer, Subscriber } from 'zeromq';
import { AgentDaemon } from '../agent/daemon.js';
import { agentConfigSchema, type AgentConfig } from '../agent/config.js';
import { validateConfig } from '../lib/config.js';
import { createLogger } from '../lib/log.js';

// the default context allows 1,023 sockets; must be raised before the first socket exists
context.maxSockets = Math.min(20_000, context.maxSocketsLimit);

export type HostRequest =
  | { op: 'agents'; master: string; master_pubkey: string; root: string; ids: string[] }
  | { op: 'raw'; pub: string; router: string; ids: string[] }
  | { op: 'stop' };

export type HostReply =
  | { op: 'agents'; ready: number; failed: string[]; ms: number }
  | { op: 'raw'; count: number }
  | { op: 'stopped' }
  | { op: 'error'; message: string };

const log = createLogger({ name: 'bench-agent', level: 'silent' });
const agents: AgentDaemon[] = [];
const raw: { sub: Subscriber; dealer: Dealer }[] = [];
const send = (m: HostReply) => process.send?.(m);

function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let t: NodeJS.Timeout;
  return Promise.race([p.finally(() => clearTimeout(t)), new Promise<'timeout'>((r) => { t = setTimeout(() => r('timeout'), ms); })]);
}

/** Starts agents with at most `window` of them still on their way to ready. */
async function startAgents(m: Extract<HostRequest, { op: 'agents' }>): Promise<void> {
  const t0 = Date.now();
  const failed: string[] = [];
  let ready = 0;
  const queue = [...m.ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        const dataDir = join(m.root, id);
        await mkdir(dataDir, { recursive: true });
        const config = validateConfig<AgentConfig>({
          id, master: [m.master], master_pubkey: m.master_pubkey, data_dir: dataDir,
          log_level: 'warn', acceptance_wait_time: 1, reconnect_max: 5,
        }, agentConfigSchema, 'agent.yaml');
        // grains given here: no grain collection for simulated agents
        const a = new AgentDaemon(config, log, { grains: { bench: 'yes', id } });
        agents.push(a);
        await a.start();
        if ((await within(a.ready, 60_000)) === 'timeout') failed.push(id);
        else ready++;
      } catch {
        failed.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: 200 }, worker));
  send({ op: 'agents', ready, failed, ms: Date.now() - t0 });
}

/** Raw clients: a SUB that hears the publication and a DEALER that answers it, no CURVE, no JSON work. */
function startRaw(m: Extract<HostRequest, { op: 'raw' }>): void {
  for (const id of m.ids) {
    const sub = new Subscriber({ linger: 0 });
    const dealer = new Dealer({ linger: 0, routingId: id });
    sub.connect(m.pub);
    sub.subscribe('job');
    dealer.connect(m.router);
    raw.push({ sub, dealer });
    void (async () => {
      try {
        for await (const [, payload] of sub) await dealer.send([id, payload]);
      } catch { /* closed */ }
    })();
  }
  send({ op: 'raw', count: m.ids.length });
}

async function stopAll(): Promise<void> {
  await within(Promise.all(agents.map((a) => a.stop().catch(() => undefined))), 10_000);
  for (const r of raw) { r.sub.close(); r.dealer.close(); }
}

process.on('disconnect', () => process.exit(0));
process.on('message', (m: HostRequest) => {
  const run = async () => {
    if (m.op === 'agents') await startAgents(m);
    else if (m.op === 'raw') startRaw(m);
    else if (m.op === 'stop') {
      await stopAll();
      send({ op: 'stopped' });
      setTimeout(() => process.exit(0), 50);
    }
  };
  run().catch((e: unknown) => send({ op: 'error', message: String((e as Error).message ?? e) }));
});
