import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadAgentConfig } from '../agent/config.js';
import { resolveBootstrap } from '../agent/commission/bootstrap.js';
import { AgentDaemon } from '../agent/daemon.js';
import { UmecError } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/log.js';
import type { UmecEvent } from '../lib/messages.js';
import { loadMasterConfig } from '../master/config.js';
import { MasterDaemon } from '../master/daemon.js';
import type { ReturnRecord } from '../master/jobcache/store.js';

const AGENT_ID = 'quickstart-box';

/** The example state tree shipped in the repo, found upward from this module (dist/cli, dist/bundle, or the sources). */
export function exampleTree(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const t = join(dir, 'states', 'example-tree');
    if (existsSync(join(t, 'top.sls'))) return t;
    dir = dirname(dir);
  }
  throw new UmecError('USAGE', { reason: 'cannot find states/example-tree next to this umec (run it from a checkout)' });
}

async function loopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Quickstart {
  root: string;
  masterConfig: string;
  agentId: string;
  jid: string;
  success: boolean;
  ret: ReturnRecord | undefined;
  /** Stops agent and master and removes the temporary directory (unless kept). */
  stop(): Promise<void>;
}

/**
 * A master and one agent in this process on 127.0.0.1 with temporary data
 * directories: the agent is enrolled with a one-time token from a bootstrap
 * file, commissions itself (highstate of the example tree) and the result is
 * read back from the master's job cache.
 */
export async function startQuickstart(o: { keep?: boolean; log?: Logger; timeoutMs?: number } = {}): Promise<Quickstart> {
  const log = o.log ?? createLogger({ name: 'quickstart', level: 'warn' });
  const root = await mkdtemp(join(tmpdir(), 'umec-quickstart-'));
  let master: MasterDaemon | undefined;
  let agent: AgentDaemon | undefined;
  const stop = async () => {
    await agent?.stop().catch(() => undefined);
    await master?.stop().catch(() => undefined);
    if (!o.keep) await rm(root, { recursive: true, force: true });
  };
  try {
    const tree = exampleTree();
    const pillar = parse(await readFile(join(tree, 'pillar.yaml'), 'utf8')) as { demo: Record<string, unknown> };
    pillar.demo.root = join(root, 'demo');
    await mkdir(join(root, 'pillar'), { recursive: true });
    await writeFile(join(root, 'pillar', 'top.sls'), "base:\n  '*':\n    - demo\n");
    await writeFile(join(root, 'pillar', 'demo.sls'), stringify(pillar));
    const [publish, ret] = [await loopbackPort(), await loopbackPort()];
    const masterFile = join(root, 'master.yaml');
    await writeFile(masterFile, stringify({
      data_dir: join(root, 'master'), state_root: tree, pillar_root: join(root, 'pillar'),
      interface: '127.0.0.1', publish_port: publish, return_port: ret === publish ? await loopbackPort() : ret, timeout: 30, log_level: 'warn',
    }));
    const mc = await loadMasterConfig(masterFile);
    master = await MasterDaemon.start(mc, log);
    const core = master.core;
    const outcome = new Promise<UmecEvent>((resolve) => {
      const off = core.events.subscribe((ev) => {
        if (ev.tag === `umec/agent/${AGENT_ID}/commissioned` || ev.tag === `umec/agent/${AGENT_ID}/commission/failed`) { off(); resolve(ev); }
      });
    });
    const { token } = await core.tokens.create({ ttlSeconds: 600, uses: 1, grains: { role: 'quickstart' }, comment: 'umec quickstart' });
    const bootFile = join(root, 'boot', 'umec-bootstrap.yaml');
    await mkdir(dirname(bootFile), { recursive: true });
    await writeFile(bootFile, stringify({ master: `127.0.0.1:${mc.return_port}`, master_pubkey: core.pair.publicKey, token }), { mode: 0o600 });
    const agentFile = join(root, 'agent.yaml');
    await writeFile(agentFile, stringify({
      id: AGENT_ID, data_dir: join(root, 'agent'), log_level: 'warn', acceptance_wait_time: 1, request_timeout: 10,
      bootstrap: { file: bootFile, retry_min: 1, retry_max: 5 },
    }));
    const boot = await resolveBootstrap(await loadAgentConfig(agentFile), { configFile: agentFile, env: {} });
    agent = new AgentDaemon(boot.config, log, { bootstrap: boot });
    await agent.start();
    let timer: NodeJS.Timeout | undefined;
    const ev = await Promise.race([outcome, new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new UmecError('USAGE', { reason: 'the quickstart agent did not commission within the time allowed' })), o.timeoutMs ?? 120_000);
    })]).finally(() => clearTimeout(timer));
    const jid = String(ev.data.jid);
    const job = await core.store.getJob(jid);
    return { root, masterConfig: masterFile, agentId: AGENT_ID, jid, success: ev.data.success === true, ret: job?.returns.find((r) => r.id === AGENT_ID), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
