import type { Socket } from 'node:net';

/** Newline-delimited JSON over a stream socket: the local control protocol of the master. */
export function readJsonLines(sock: Socket, onMessage: (m: unknown) => void, onBad: (line: string) => void): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      let m: unknown;
      try { m = JSON.parse(line); } catch { onBad(line); continue; }
      onMessage(m);
    }
    if (buf.length > 16 * 1024 * 1024) { onBad(buf.slice(0, 80)); sock.destroy(); }
  });
}

export function writeJsonLine(sock: Socket, m: unknown): boolean {
  if (sock.destroyed) return false;
  return sock.write(`${JSON.stringify(m)}\n`);
}
