import { createServer, type Server } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { freePort } from './net.js';

export interface ServerLog { ranges: Array<string | undefined>; statuses: number[] }

/**
 * A real HTTP server on 127.0.0.1 serving files with Range support. Response i
 * is cut (socket destroyed) after cutAt[i] bytes of body, when given;
 * `ignoreRange` answers every request with the whole file.
 */
export async function bundleServer(files: Record<string, string>, o: { cutAt?: number[]; ignoreRange?: boolean } = {}):
  Promise<{ url: (name: string) => string; log: ServerLog; close: () => Promise<void> }> {
  const log: ServerLog = { ranges: [], statuses: [] };
  let n = 0;
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    const file = files[name];
    log.ranges.push(req.headers.range);
    if (!file) { log.statuses.push(404); res.writeHead(404).end('not found'); return; }
    const size = statSync(file).size;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const etag = `"${size}"`;
    if (m && !o.ignoreRange && (!req.headers['if-range'] || req.headers['if-range'] === etag)) {
      start = Number(m[1]);
      res.writeHead(206, { 'content-length': size - start, 'content-range': `bytes ${start}-${size - 1}/${size}`, etag, 'accept-ranges': 'bytes' });
      log.statuses.push(206);
    } else {
      res.writeHead(200, { 'content-length': size, etag, 'accept-ranges': o.ignoreRange ? 'none' : 'bytes' });
      log.statuses.push(200);
    }
    const stream = createReadStream(file, { start });
    const limit = o.cutAt?.[n++];
    if (limit !== undefined) {
      let sent = 0;
      if (limit === 0) { res.flushHeaders(); res.socket?.destroy(); stream.destroy(); return; }
      stream.on('data', (c) => {
        const chunk = c as Buffer;
        if (sent + chunk.length >= limit) {
          res.write(chunk.subarray(0, limit - sent), () => res.socket?.destroy());
          stream.destroy();
          return;
        }
        sent += chunk.length;
        if (!res.write(chunk)) { stream.pause(); res.once('drain', () => stream.resume()); }
      });
      stream.on('end', () => res.end());
    } else {
      stream.pipe(res);
    }
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    log,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
