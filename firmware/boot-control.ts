import type { BootEnv } from './bootenv/types.js';
import type { SlotName } from './types.js';

/**
 * The A/B contract with the bootloader (the scheme RAUC uses): BOOT_ORDER lists
 * the slots by priority, BOOT_<slot>_LEFT counts the boots a slot has left.
 * At every boot the bootloader takes the first slot in BOOT_ORDER with tries
 * left, decrements its counter and boots it with `umec.slot=<slot>` on the
 * kernel command line. A trial slot gets few tries, so a slot that never comes
 * up to commit falls back to the other by itself.
 */
export const SLOTS: readonly SlotName[] = ['A', 'B'];
export const other = (s: SlotName): SlotName => (s === 'A' ? 'B' : 'A');
const left = (s: SlotName) => `BOOT_${s}_LEFT`;

export interface BootView { order: SlotName[]; left: Record<SlotName, number> }

export function parseBootView(env: Record<string, string>): BootView {
  const order = (env.BOOT_ORDER ?? '').split(/\s+/).filter((s): s is SlotName => s === 'A' || s === 'B');
  for (const s of SLOTS) if (!order.includes(s)) order.push(s);
  const n = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : 0);
  return { order, left: { A: n(env[left('A')]), B: n(env[left('B')]) } };
}

/** The slot the bootloader will pick at the next boot (undefined: no tries left anywhere). */
export function nextBoot(v: BootView): SlotName | undefined {
  return v.order.find((s) => v.left[s] > 0);
}

export class BootControl {
  constructor(readonly env: BootEnv, private readonly goodTries: number) {}

  async view(): Promise<BootView> { return parseBootView(await this.env.read()); }

  /** Next boot tries `target` (with `tries` boots); the running slot stays as the fallback. */
  async arm(target: SlotName, tries: number): Promise<void> {
    await this.env.write({ BOOT_ORDER: `${target} ${other(target)}`, [left(target)]: String(tries), [left(other(target))]: String(this.goodTries) });
  }

  /** `slot` is good: first in line with its full count; the other stays the fallback. */
  async commit(slot: SlotName): Promise<void> {
    const v = await this.view();
    if (v.order[0] === slot && v.left[slot] === this.goodTries) return;
    await this.env.write({ BOOT_ORDER: `${slot} ${other(slot)}`, [left(slot)]: String(this.goodTries) });
  }

  /** Boot `slot` from now on and never `bad` (its counter at 0). */
  async fallback(slot: SlotName, bad: SlotName | undefined): Promise<void> {
    const v = await this.view();
    const want: Record<string, string> = { BOOT_ORDER: `${slot} ${other(slot)}`, [left(slot)]: String(this.goodTries) };
    if (bad) want[left(bad)] = '0';
    if (v.order[0] === slot && v.left[slot] === this.goodTries && (!bad || v.left[bad] === 0)) return;
    await this.env.write(want);
  }

  /** After a good boot of a committed slot: give it its full count back (the bootloader took one). */
  async refresh(slot: SlotName): Promise<void> {
    const v = await this.view();
    if (v.order[0] === slot && v.left[slot] === this.goodTries) return;
    if (v.order[0] !== slot) return;
    await this.env.write({ [left(slot)]: String(this.goodTries) });
  }
}
