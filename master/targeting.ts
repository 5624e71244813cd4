import { UmecError } from '../lib/errors.js';
import type { TargetType } from '../lib/messages.js';
import { matchTarget } from '../states/match.js';

/**
 * Accepted agent ids a target expression matches, from each agent's grains
 * (`grainsOf`: what it reported, with what the master trusts over it). An agent
 * that never reported grains still matches id-only targets.
 */
export function resolveTarget(tgt: string, type: TargetType, accepted: string[], grainsOf: (id: string) => Record<string, unknown>): string[] {
  if (type === 'list') {
    const wanted = new Set(tgt.split(',').map((s) => s.trim()).filter(Boolean));
    return accepted.filter((id) => wanted.has(id));
  }
  if (type === 'compound') {
    // validate the expression once, so a syntax error is reported even with no agents
    matchTarget(tgt, 'compound', { id: '', grains: {}, pillar: {} });
  } else if ((type === 'grain' || type === 'grain_pcre' || type === 'pillar') && !tgt.includes(':')) {
    throw new UmecError('TARGET_SYNTAX', { target: tgt, reason: 'expected key:value' });
  } else if (type === 'pcre') {
    try { new RegExp(tgt); } catch (e) { throw new UmecError('TARGET_SYNTAX', { target: tgt, reason: (e as Error).message }); }
  }
  return accepted.filter((id) => matchTarget(tgt, type, { id, grains: grainsOf(id), pillar: {} }));
}
