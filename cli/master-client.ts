import { connect } from 'node:net';
import { reportedError, UmecError } from '../lib/errors.js';
import { readJsonLines, writeJsonLine } from '../lib/jsonl.js';
import type { ControlArgs, ControlInput, ControlLine, ControlOp, ControlResponse, StreamOp, UnaryOp } from '../master/control-ops.js';


/** The one client of the master's control socket (master/control-ops.ts says what each operation takes and answers). */
// One overload per operation, so an argument is checked against that operation's types only
// (a generic signature makes the compiler expand every operation's types at each call).
type Overloads<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type ControlCall = Overloads<{ [K in UnaryOp]: (op: K, ...req: ControlArgs<K>) => Promise<ControlResponse<K>> }[UnaryOp]>;
type ControlStream = Overloads<{ [K in StreamOp]: (op: K, req: ControlInput<K>, onLine: (l: ControlLine<K>) => void) => Promise<void> }[StreamOp]>;

export class MasterClient {
  /** Set when the deadline ended a request before the master did. */
  timedOut = false;

  private constructor(private readonly path: string, private readonly deadlineMs?: number) {}

  /**
   * The same client with its own deadline: a request the master has not finished within `ms` is
   * cut off (a stream then ends as if the master had closed; `timedOut` tells). The CLI's wait is
   * bounded whatever the master does, even when it is stopped.
   */
  withDeadline(ms: number | undefined): MasterClient {
    return new MasterClient(this.path, ms);
  }

  static async fromConfig(file: string): Promise<MasterClient> {
    const { masterSocketPath } = await import('./master-socket.js');
    return new MasterClient(await masterSocketPath(file));
  }

  /** Sends one request; calls onLine for every reply line; resolves when the master closes. */
  private send(op: ControlOp, req: object | undefined, onLine: (l: { type: string; [k: string]: unknown }) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.path);
      sock.once('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? new UmecError('USAGE', { reason: `the master is not running (no control socket at ${this.path})` })
          : e);
      });
      sock.once('connect', () => writeJsonLine(sock, { ...(req ?? {}), op }));
      readJsonLines(sock, (m) => {
        const l = m as { type: string; [k: string]: unknown };
        // the master's error keeps its code (and so its kind and exit code) on this side
        if (l.type === 'error') reject(reportedError(l.code, l.message));
        else onLine(l);
      }, () => undefined);
      const timer = this.deadlineMs === undefined ? undefined : setTimeout(() => { this.timedOut = true; sock.destroy(); }, this.deadlineMs);
      sock.once('close', () => { clearTimeout(timer); resolve(); });
    });
  }

  /** A streamed operation: every line the master sends, until it closes the connection. */
  readonly stream: ControlStream = ((op: StreamOp, req: object, onLine: (l: unknown) => void) => this.send(op, req, onLine)) as ControlStream;

  /** A unary operation: its one result. */
  readonly call: ControlCall = (async (op: UnaryOp, req?: object) => {
    let result: unknown;
    let got = false;
    await this.send(op, req, (l) => { if (l.type === 'result') { result = l.result; got = true; } });
    if (!got) throw new UmecError('USAGE', { reason: this.timedOut ? `the master did not answer ${op} within ${this.deadlineMs! / 1000} s` : `the master closed the connection without answering ${op}` });
    return result;
  }) as ControlCall;
}
