import type { PowerDriver, ResetKind } from '../../firmware/types.js';

/** Records resets instead of rebooting the test machine. */
export class RecordingPower implements PowerDriver {
  readonly resets: ResetKind[] = [];
  async reset(kind: ResetKind): Promise<void> { this.resets.push(kind); }
}
