import type { Socket } from 'zeromq';
import { UmecError } from '../lib/errors.js';
import { LogThrottle } from '../lib/log-throttle.js';
import type { Logger } from '../lib/log.js';

/** ZAP domains: the publish socket admits accepted keys only, the request socket any key not rejected. */
export const PUB_DOMAIN = 'umec-pub';
export const RET_DOMAIN = 'umec-ret';

/**
 * libzmq's per-connection I/O batch buffers default to 8 KB each way; with
 * thousands of agents that dominates the master's memory (measured: ~19 KB
 * per agent saved at 1 KB). Draft options 101/102 (ZMQ_IN/OUT_BATCH_SIZE),
 * not named by zeromq.js, hence the protected setter.
 */
export function smallBatches(sock: object): void {
  const set = (sock as { setInt32Option?: (opt: number, v: number) => void }).setInt32Option;
  try {
    set?.call(sock, 101, 1024);
    set?.call(sock, 102, 1024);
  } catch { /* a libzmq without draft options keeps its defaults */ }
}

export async function bindOrExplain(sock: { bind(ep: string): Promise<void> }, endpoint: string): Promise<void> {
  try {
    await sock.bind(endpoint);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? 'address already in use (another master running?)' : String((e as Error).message);
    throw new UmecError('LISTEN', { endpoint, reason, code });
  }
}

/**
 * Logs CURVE handshakes that fail before ZAP is asked (the client's box does not open with this
 * master's key: its master_pubkey is another key), at most once a minute per socket with the
 * count. libzmq's monitor names only the listening endpoint here, not the client's address;
 * refusals by key policy are logged per source address by the ZAP handler.
 */
export function watchHandshakes(sock: Socket, what: string, log: Logger, fingerprint: string, throttle = new LogThrottle(60_000)): void {
  let count = 0;
  sock.events.on('handshake:error:protocol', (e) => {
    count++;
    if (!throttle.hit(e.address).log) return;
    log.warn({ socket: what, endpoint: e.address, error: e.error.code, refused: count, master_fingerprint: fingerprint },
      `${count} CURVE handshake(s) refused on ${what} ${e.address} since the last report: clients whose master_pubkey is not this master's key?`);
    count = 0;
  });
}
