import type { Logger } from './log.js';

/** Exit status of a daemon that met an error nobody handled (EX_SOFTWARE, sysexits.h). */
export const CRASH_EXIT = 70;

/**
 * What a daemon (agent, master) does with an error no code handled: an
 * `uncaughtException` or an `unhandledRejection`. It logs the error as fatal
 * (pino, one JSON line) and exits with CRASH_EXIT at once, so that systemd
 * (Restart=always) starts a fresh process.
 *
 * Why not log and keep going: after such an error the process's state is
 * unknown (a queue whose flush died, a lock never released, a half-applied
 * change), and a daemon that limps on answers wrongly for as long as it runs.
 * Exiting is safe because whatever a daemon acknowledged is on disk already
 * (lib/fs-atomic, lib/append-log), and a restart costs seconds.
 *
 * Returns a function that removes the handlers (for tests of one process).
 */
export function exitOnUnhandled(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  const die = (err: unknown, origin: string) => {
    try {
      log.fatal({ err, origin }, `unhandled error (${origin}); exiting so the service manager restarts the daemon`);
      log.flush?.();
    } finally {
      exit(CRASH_EXIT);
    }
  };
  const onException = (err: Error, origin: string) => die(err, origin);
  const onRejection = (reason: unknown) => die(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
