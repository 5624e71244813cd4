/**
 * ZeroMQ (v6) allows one send in progress per socket; concurrent callers
 * queue here, in order. A failed send rejects its caller only.
 */
export class SendQueue {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly sock: { send(frames: (string | Buffer)[]): Promise<void> }) {}

  send(frames: (string | Buffer)[]): Promise<void> {
    const p = this.tail.then(() => this.sock.send(frames));
    this.tail = p.catch(() => undefined);
    return p;
  }
}
