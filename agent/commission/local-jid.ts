import { randomInt } from 'node:crypto';
import { backoffDelay } from '../../lib/retry.js';

/**
 * A jid for a job the agent starts itself (schedule, commissioning), in the
 * master's format YYYYMMDDhhmmssffffff; the last six digits are random so two
 * agents firing in the same second do not collide.
 */
export function localJid(now = new Date()): string {
  return now.toISOString().slice(0, 19).replace(/\D/g, '') + String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Seconds before retry `attempt` (1-based): doubling from min to max, with jitter so a fleet spreads out. */
export function backoffSeconds(attempt: number, min: number, max: number, random = Math.random): number {
  return backoffDelay(attempt, { base: min, max }, random);
}
