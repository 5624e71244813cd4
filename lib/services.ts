/** A part of a daemon with a lifetime: started once, stopped once. */
export interface Service {
  /** What the logs and errors call it. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts services in order and stops them in reverse. If one fails to start, it and the ones
 * already started are stopped again (a half-started daemon must not keep the process alive; so a
 * service's stop() copes with a partial start) and the error is rethrown. stop() is idempotent and stops every service even when one of them fails.
 */
export class ServiceGroup {
  private started: Service[] = [];

  constructor(private readonly services: readonly Service[], private readonly onStopError: (name: string, e: unknown) => void = () => undefined) {}

  async start(): Promise<void> {
    for (const s of this.services) {
      try {
        await s.start();
      } catch (e) {
        // the failed one too: whatever it opened before failing must not keep the process alive
        this.started.push(s);
        await this.stop();
        throw e;
      }
      this.started.push(s);
    }
  }

  async stop(): Promise<void> {
    const running = this.started.reverse();
    this.started = [];
    for (const s of running) {
      try { await s.stop(); } catch (e) { this.onStopError(s.name, e); }
    }
  }
}

/** A service from two functions (for parts that are not classes of their own). */
export const service = (name: string, start: () => Promise<void> | void, stop: () => Promise<void> | void = () => undefined): Service => ({
  name, start: async () => { await start(); }, stop: async () => { await stop(); },
});
