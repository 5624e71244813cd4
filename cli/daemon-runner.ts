import { exitOnUnhandled } from '../lib/crash-policy.js';
import type { Logger } from '../lib/log.js';

/**
 * Starts a daemon and keeps it until SIGTERM/SIGINT, then stops it cleanly. An
 * error nobody handled is logged to `log` and ends the process with a non-zero
 * status (lib/crash-policy.ts: systemd restarts it).
 */
export async function runUntilSignal(start: () => Promise<{ stop(): Promise<void> }>, log: Logger): Promise<void> {
  exitOnUnhandled(log);
  const d = await start();
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      d.stop().then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
