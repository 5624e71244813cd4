import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './net.js';
import { killAll, stop, umec, umecProc, until, type Proc } from './procs.js';
import { writeTree } from './tree.js';

/**
 * A master and agents as real `umec` processes on 127.0.0.1 (for fault injection: kill -9,
 * damaged files, restarts). Everything lives under `dir`; `close()` kills what is left.
 */
export class ProcFleet {
  readonly procs: Proc[] = [];
  master?: Proc;
  readonly agents = new Map<string, Proc>();
  pub = '';
  private constructor(readonly dir: string, readonly pubPort: number, readonly retPort: number) {}

  static async create(dir: string, files: Record<string, string> = {}): Promise<ProcFleet> {
    const [pubPort, retPort] = [await freePort(), await freePort()];
    const f = new ProcFleet(dir, pubPort, retPort);
    await writeTree(dir, {
      'master.yaml': `data_dir: ${dir}/m\nstate_root: ${dir}/states\npillar_root: ${dir}/pillar\ninterface: 127.0.0.1\npublish_port: ${pubPort}\nreturn_port: ${retPort}\ntimeout: 5\n`,
      'states/top.sls': "base:\n  '*':\n    - nothing\n",
      'states/nothing.sls': 'nothing:\n  test.succeed_without_changes: []\n',
      'pillar/top.sls': 'base: {}\n',
      ...files,
    });
    return f;
  }

  get cfg(): string { return join(this.dir, 'master.yaml'); }
  get masterData(): string { return join(this.dir, 'm'); }

  /** `umec ARGS --config master.yaml`. */
  cli(args: string[], timeout = 60_000) {
    const t = Date.now();
    const r = umec([...args, '--config', this.cfg], process.env, timeout);
    if (process.env.FAULT_TRACE) console.error(`${new Date().toISOString()} ${Date.now() - t}ms umec ${args.join(' ')} -> ${r.code}`);
    return r;
  }

  async startMaster(): Promise<Proc> {
    this.master = umecProc(['master', 'start', '--config', this.cfg], this.procs);
    const m = this.master;
    await until('the master control socket', () => existsSync(join(this.masterData, 'master.sock')) || m.proc.exitCode !== null || undefined);
    if (m.proc.exitCode !== null) throw new Error(`master exited: ${m.err()}`);
    this.pub ||= this.cli(['key', 'master']).stdout.trim();
    return m;
  }

  async stopMaster(): Promise<void> {
    if (this.master) await stop(this.master);
    this.master = undefined;
  }

  /** Writes `<id>.yaml` (extra YAML lines appended) and starts the agent. */
  async startAgent(id: string, extra = '', pub = this.pub): Promise<Proc> {
    await writeTree(this.dir, {
      [`${id}.yaml`]: `id: ${id}\nmaster: 127.0.0.1:${this.retPort}\nmaster_pubkey: '${pub}'\ndata_dir: ${this.dir}/${id}\nacceptance_wait_time: 0.5\nreconnect_max: 1\nrequest_timeout: 2\n${extra}`,
    });
    const p = umecProc(['agent', 'start', '--config', join(this.dir, `${id}.yaml`)], this.procs);
    this.agents.set(id, p);
    return p;
  }

  keys(): { pending: string[]; accepted: string[]; rejected: string[] } {
    return JSON.parse(this.cli(['key', 'list', '--json']).stdout) as { pending: string[]; accepted: string[]; rejected: string[] };
  }

  /** Waits until the id's key file is in `state` on the master (written before the master answers the agent). */
  waitKey(id: string, state: 'pending' | 'accepted' | 'rejected', ms = 20_000): Promise<true> {
    return until(`${id} ${state} on the master`, () => existsSync(join(this.masterData, 'pki', 'agents', state, id)) || undefined, ms, 50);
  }

  /** Pings until the agent answers: it is accepted, greeted and subscribed. */
  waitAnswers(id: string, ms = 30_000): Promise<true> {
    return until(`${id} answering a ping`, () => {
      const r = this.cli(['ping', id, '--json', '-t', '2']);
      return r.code === 0 && (JSON.parse(r.stdout) as { returns: Record<string, unknown> }).returns[id] === true || undefined;
    }, ms, 200);
  }

  close(): void { killAll(this.procs); }
}
