/**
 * The thin bundle's entry: what runs on a box reached over SSH. Built by
 * esbuild into one self-contained file that needs only node; it runs the same
 * job code and the same state executor as the agent.
 *   node -e LAUNCHER umec-thin-<sha>.mjs serve THIN_DIR SHA256 (see remote-call.ts)
 */
import { cachedMachineGrains } from '../../states/grains-cache.js';
import { runJob } from '../../states/job-runner.js';
import { TreeCache } from '../../states/tree-cache.js';
import { chunkKey, type Plan } from '../../states/compile.js';
import { StateEngine } from '../../states/engine.js';
import { builtinModules, linuxDrivers } from '../../states/modules/index.js';
import { LocalSlsSource } from '../../states/sls/tree.js';
import type { LowChunk } from '../../states/types.js';
import { UnsafePathError, assertPrivateDir } from '../../lib/private-path.js';
import { encode, MessageReader, PROTOCOL_VERSION, type FromThin, type ToThin } from '../protocol.js';

const send = (m: FromThin): void => { process.stdout.write(encode(m)); };

type Waiter = { t: ToThin['t']; resolve: (m: { msg: ToThin; body?: Buffer }) => void };

/** Messages from the controller, awaited by type in protocol order. */
class Inbox {
  private readonly queue: Array<{ msg: ToThin; body?: Buffer }> = [];
  private waiter: Waiter | undefined;
  private closed = false;

  constructor() {
    const reader = new MessageReader<ToThin>({ message: (msg, body) => this.deliver({ msg, body }) });
    process.stdin.on('data', (c: Buffer) => reader.push(c));
    process.stdin.on('end', () => { this.closed = true; if (this.waiter) process.exit(3); });
  }

  private deliver(m: { msg: ToThin; body?: Buffer }): void {
    if (m.msg.t === 'bye') process.exit(0);
    if (this.waiter && this.waiter.t === m.msg.t) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(m);
    } else this.queue.push(m);
  }

  next<T extends ToThin['t']>(t: T): Promise<{ msg: Extract<ToThin, { t: T }>; body?: Buffer }> {
    const i = this.queue.findIndex((m) => m.msg.t === t);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as { msg: Extract<ToThin, { t: T }>; body?: Buffer });
    if (this.closed) process.exit(3);
    return new Promise((resolve) => { this.waiter = { t, resolve: resolve as Waiter['resolve'] }; });
  }
}

function rebuildPlan(chunks: LowChunk[]): Plan {
  const byKey = new Map<string, LowChunk>();
  for (const c of chunks) byKey.set(c.key || chunkKey(c.module, c.id, c.name, c.fun), c);
  return { chunks, byKey };
}

async function serve(thinDir: string, owners: number[]): Promise<void> {
  // thin_dir defaults to /var/tmp/.umec_<user>, which any local user can create first:
  // nothing in it is used unless only the login user (or root) can have put it there
  if (!(await assertPrivateDir(thinDir, owners))) throw new UnsafePathError(thinDir, 'does not exist');
  const inbox = new Inbox();
  send({ t: 'hello', version: PROTOCOL_VERSION, node: process.version, uid: process.getuid?.() ?? -1 });
  const { msg: start } = await inbox.next('start');
  const drivers = linuxDrivers();
  const grainsOf = async (): Promise<Record<string, unknown>> => ({
    ...(await cachedMachineGrains({ cacheDir: thinDir, refresh: start.refreshGrains, owners })), ...start.grains, id: start.id,
  });
  if (start.fun !== 'apply') {
    const grains = start.fun === 'grains' ? await grainsOf() : {};
    const r = await runJob({ jid: '', fun: start.fun, args: start.args } as Parameters<typeof runJob>[0], {
      grains: () => grains, exec: drivers.exec,
      tree: () => Promise.reject(new Error('no tree')), pillar: () => Promise.resolve({}), engine: () => Promise.reject(new Error('no engine')),
    });
    send({ t: 'result', ret: r.ret, retcode: r.retcode, success: r.success });
    return;
  }
  const grains = await grainsOf();
  send({ t: 'grains', grains });
  const { msg: plan } = await inbox.next('plan');
  const cache = new TreeCache(thinDir, { owners });
  const treeDir = await cache.materialize(plan.manifest, async (hashes, put) => {
    send({ t: 'need', hashes });
    for (let left = hashes.length; left > 0; left--) {
      const { msg, body } = await inbox.next('blob');
      await put(msg.hash, body ?? Buffer.alloc(0));
    }
  });
  const engine = new StateEngine({ modules: builtinModules(), drivers });
  const results = await engine.execute(rebuildPlan(plan.chunks as LowChunk[]), {
    source: new LocalSlsSource(treeDir), grains, pillar: plan.pillar, opts: plan.opts, test: plan.test,
  });
  const ok = Object.values(results).every((r) => r.result !== false);
  send({ t: 'result', ret: results, retcode: ok ? 0 : 1, success: ok });
}

async function main(): Promise<void> {
  // the launcher has checked node's version and this file's checksum, and runs a private copy
  const [mode, thinDir, , loginUid] = process.argv.slice(2);
  if (mode !== 'serve' || !thinDir || !/^\d+$/.test(loginUid ?? '')) {
    process.stderr.write('usage: node -e LAUNCHER umec-thin.mjs serve THIN_DIR SHA256 LOGIN_UID\n');
    process.exit(2);
  }
  await serve(thinDir, [Number(loginUid)]);
  process.exit(0);
}

main().catch((e: Error) => {
  if (e instanceof UnsafePathError) send({ t: 'unsafe', path: e.path, reason: e.reason });
  else send({ t: 'error', message: e.stack ?? e.message });
  process.exit(1);
});
