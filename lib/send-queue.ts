import { Serial } from './serial.js';

/**
 * ZeroMQ (v6) allows one send in progress per socket; concurrent callers
 * queue here, in order. A failed send rejects its caller only.
 */
export class SendQueue {
  private readonly serial = new Serial();

  constructor(private readonly sock: { send(frames: (string | Buffer)[]): Promise<void> }) {}

  send(frames: (string | Buffer)[]): Promise<void> {
    return this.serial.run(() => this.sock.send(frames));
  }
}
