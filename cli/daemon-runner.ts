/** Starts a daemon and keeps it until SIGTERM/SIGINT, then stops it cleanly. */
export async function runUntilSignal(d: { start(): Promise<void>; stop(): Promise<void> }): Promise<void> {
  await d.start();
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
