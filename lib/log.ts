import { pino, type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Keys whose values never reach a log line. */
export const REDACT = ['secret', 'secretKey', 'token', 'password', 'passwd', '*.secret', '*.secretKey', '*.token', '*.password', '*.passwd'];

/** One readable line per record for a terminal; JSON stays the format everywhere else. */
function humanStream(out: NodeJS.WritableStream): { write(s: string): void } {
  return {
    write(line: string) {
      const { level, time, msg, pid: _p, hostname: _h, name, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const t = new Date(Number(time)).toISOString().slice(11, 23);
      const extra = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      out.write(`${t} ${(LEVELS[Number(level)] ?? level)} ${name ? `[${String(name)}] ` : ''}${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`);
    },
  };
}

/** Logs to stderr: structured JSON when stderr is not a terminal. */
export function createLogger(o: { name: string; level?: string; stream?: NodeJS.WritableStream }): Logger {
  const out = o.stream ?? process.stderr;
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  const opts = { name: o.name, level: o.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } };
  return tty ? pino(opts, humanStream(out)) : pino(opts, out as never);
}
