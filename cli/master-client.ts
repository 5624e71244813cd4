import { connect } from 'node:net';
import { Flags } from '@oclif/core';
import { UmecError } from '../lib/errors.js';
import { readJsonLines, writeJsonLine } from '../lib/jsonl.js';

export const configFlag = {
  config: Flags.string({ char: 'c', description: 'master config file', env: 'UMEC_CONFIG', default: '/etc/umec/master.yaml' }),
};

export interface ControlLine { type: string; [k: string]: unknown }

/** Talks to the running master over its local control socket. */
export class MasterClient {
  private constructor(private readonly path: string) {}

  static async fromConfig(file: string): Promise<MasterClient> {
    const { masterSocketPath } = await import('./master-socket.js');
    return new MasterClient(await masterSocketPath(file));
  }

  /** Sends one request; calls onLine for every reply line; resolves when the master closes. */
  stream(request: Record<string, unknown>, onLine: (l: ControlLine) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const sock = connect(this.path);
      sock.once('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? new UmecError('USAGE', { reason: `the master is not running (no control socket at ${this.path})` })
          : e);
      });
      sock.once('connect', () => writeJsonLine(sock, request));
      readJsonLines(sock, (m) => {
        const l = m as ControlLine;
        if (l.type === 'error') reject(new UmecError('USAGE', { reason: String(l.message) }));
        else onLine(l);
      }, () => undefined);
      sock.once('close', () => resolve());
    });
  }

  async call(request: Record<string, unknown>): Promise<unknown> {
    let result: unknown;
    await this.stream(request, (l) => { if (l.type === 'result') result = l.result; });
    return result;
  }
}
