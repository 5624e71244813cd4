import type { Request } from 'got';
import { UmecError } from '../lib/errors.js';
import { backoffDelay, sleep } from '../lib/retry.js';

export interface DownloadOptions {
  /** Attempts after the first one, each resuming where the last stopped. */
  retries: number;
  /** Seconds without progress (connect, first byte, between chunks) before an attempt counts as failed. */
  timeout: number;
  signal?: AbortSignal;
  /** Called before each retry (attempt number, bytes so far, the error). */
  onRetry?: (attempt: number, offset: number, err: Error) => void;
  /** Base backoff in ms (doubles per failed attempt, capped at 30 s). */
  backoffMs?: number;
  /** The whole size, once the first response tells it. */
  onSize?: (bytes: number) => void;
}


/** Status codes a retry may fix. */
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The bytes of an http(s) URL as a stream of chunks that survives cut
 * connections: after an error it asks again with `Range: bytes=N-` (and
 * If-Range on the ETag or Last-Modified, so a changed file starts over rather
 * than being spliced), backing off between attempts. Nothing is buffered
 * beyond the chunk in hand.
 */
export async function* httpChunks(url: string, o: DownloadOptions): AsyncGenerator<Buffer> {
  // got (and its HTTP stack) is loaded only when something is downloaded
  const { default: got, HTTPError } = await import('got');
  let offset = 0;
  let validator: string | undefined;
  let failures = 0;
  for (;;) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      if (validator) headers['if-range'] = validator;
    }
    let req: Request | undefined;
    try {
      req = got.stream(url, {
        headers, retry: { limit: 0 }, decompress: false, signal: o.signal,
        timeout: { lookup: o.timeout * 1000, connect: o.timeout * 1000, secureConnect: o.timeout * 1000, socket: o.timeout * 1000, response: o.timeout * 1000 },
      });
      const res = await new Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
        req!.once('response', resolve);
        req!.once('error', reject);
      });
      let skip = 0;
      if (offset > 0) {
        if (res.statusCode === 206) {
          const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
          if (!m || Number(m[1]) !== offset) throw new UmecError('FW_DOWNLOAD', { url, reason: `server resumed at ${m?.[1] ?? '?'} instead of ${offset}` });
        } else {
          // the server ignored the range (or the file changed: If-Range): read past what we have
          skip = offset;
          if (validator && res.headers.etag !== undefined && `${res.headers.etag}` !== validator) {
            throw new UmecError('FW_DOWNLOAD', { url, reason: 'the file changed on the server during the download' });
          }
        }
      } else {
        validator = (res.headers.etag as string | undefined) ?? (res.headers['last-modified'] as string | undefined);
        const len = Number(res.headers['content-length']);
        if (res.statusCode === 200 && Number.isSafeInteger(len)) o.onSize?.(len);
      }
      for await (const raw of req) {
        let chunk = raw as Buffer;
        if (skip > 0) {
          if (chunk.length <= skip) { skip -= chunk.length; continue; }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        offset += chunk.length;
        failures = 0;
        yield chunk;
      }
      return;
    } catch (e) {
      req?.destroy();
      if (o.signal?.aborted) throw o.signal.reason instanceof Error ? o.signal.reason : new Error('cancelled');
      if (e instanceof UmecError) throw e;
      const status = e instanceof HTTPError ? e.response.statusCode : undefined;
      if (status !== undefined && !RETRY_STATUS.has(status)) throw new UmecError('FW_DOWNLOAD', { url, reason: `HTTP ${status}` });
      if (failures >= o.retries) {
        throw new UmecError('FW_DOWNLOAD', { url, reason: `${(e as Error).message} (gave up after ${failures + 1} attempts, ${offset} bytes received)` });
      }
      failures++;
      o.onRetry?.(failures, offset, e as Error);
      await sleep(backoffDelay(failures, { base: o.backoffMs ?? 500, max: 30_000 }), o.signal);
    }
  }
}
