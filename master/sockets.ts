import { UmecError } from '../lib/errors.js';

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
