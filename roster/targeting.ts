import { UmecError } from '../lib/errors.js';
import type { TargetType } from '../lib/messages.js';
import { matchTarget } from '../states/match.js';
import type { Roster, RosterEntry } from './roster-file.js';

/** Roster entries a target names: ids by glob, list or regex; -G and -C use the roster's static grains. */
export function selectTargets(roster: Roster, tgt: string, type: TargetType): RosterEntry[] {
  const out: RosterEntry[] = [];
  for (const e of roster.entries.values()) {
    try {
      if (matchTarget(tgt, type, { id: e.id, grains: e.grains, pillar: {} })) out.push(e);
    } catch (err) {
      if (err instanceof UmecError) throw err;
      throw new UmecError('TARGET_SYNTAX', { target: tgt, reason: (err as Error).message });
    }
  }
  return out;
}
