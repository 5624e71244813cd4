import type { TargetType } from '../lib/messages.js';
import type { MasterCore } from './core.js';
import { resolveTarget } from './targeting.js';

export interface BoxMp1Services {
  /** Services registered on the box's Mp1, as its agent last reported them; null when the agent runs no Mp1 server. */
  services: Array<Record<string, unknown>> | null;
  lastSeen: number;
}

/** The Mp1 services of every targeted box, from the mp1_services grain agents report (no job: answers for boxes that are down too). */
export function mp1Services(core: MasterCore, tgt: string, type: TargetType): Record<string, BoxMp1Services> {
  const out: Record<string, BoxMp1Services> = {};
  for (const id of resolveTarget(tgt, type, core.keys.list().accepted, (id) => core.targetGrains(id))) {
    const a = core.agents.get(id);
    const s = a?.grains.mp1_services;
    out[id] = { services: Array.isArray(s) ? s as Array<Record<string, unknown>> : null, lastSeen: a?.lastSeen ?? 0 };
  }
  return out;
}
