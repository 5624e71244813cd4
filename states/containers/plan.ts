import { createHash } from 'node:crypto';
import type { ContainerInfo, ContainerSpec } from './runtime.js';

/** Label holding the hash of the spec a container was created from. */
export const SPEC_LABEL = 'umec.spec';
export const MANAGED_LABEL = 'umec.managed';
/** Labels that describe a container without being part of what it is (a new app version alone recreates nothing). */
export const UNHASHED_LABELS = new Set([SPEC_LABEL, 'umec.app-version']);

export type UpdateStrategy = 'download-then-kill' | 'kill-then-download';

/**
 * fetch-image: pull or load the image; retire: stop the old container and keep it aside
 * (for rollback); create/start: the new container; verify: health within the grace period,
 * rolling back to the retired container on failure; discard: remove the retired container.
 */
export type Step = 'fetch-image' | 'retire' | 'create' | 'start' | 'verify' | 'discard';

export interface ContainerPlan {
  action: 'none' | 'start' | 'create' | 'update';
  /** What differs, for the state's changes: 'image', 'config', 'stopped'. */
  why: string[];
  steps: Step[];
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/**
 * Stable hash of a spec (key order and absent keys do not matter). `unhashedEnv`: env vars
 * tracked by a label of their own instead (secrets that a dry run cannot know).
 */
export function specHash(spec: ContainerSpec, unhashedEnv: readonly string[] = []): string {
  const { labels, env, ...rest } = spec;
  const own = Object.fromEntries(Object.entries(labels).filter(([k]) => !UNHASHED_LABELS.has(k)));
  const hashedEnv = Object.fromEntries(Object.entries(env).filter(([k]) => !unhashedEnv.includes(k)));
  return createHash('sha256').update(JSON.stringify(canonical({ ...rest, env: hashedEnv, labels: own }))).digest('hex').slice(0, 32);
}

/**
 * What to do to get from the current container to the desired one. Pure.
 * `targetImageId` is the id the desired image has locally (or will have, from a
 * tarball's manifest); undefined when it is not on the box yet.
 */
export function planContainer(current: ContainerInfo | undefined, desiredHash: string, targetImageId: string | undefined,
  imageLocal: boolean, strategy: UpdateStrategy): ContainerPlan {
  const fetch: Step[] = imageLocal ? [] : ['fetch-image'];
  if (!current) return { action: 'create', why: [], steps: [...fetch, 'create', 'start'] };
  const why: string[] = [];
  if (targetImageId === undefined || targetImageId !== current.imageId) why.push('image');
  if (current.labels[SPEC_LABEL] !== desiredHash) why.push('config');
  if (!why.length) return current.running ? { action: 'none', why, steps: [] } : { action: 'start', why: ['stopped'], steps: ['start'] };
  const swap: Step[] = strategy === 'kill-then-download' ? ['retire', ...fetch] : [...fetch, 'retire'];
  return { action: 'update', why, steps: [...swap, 'create', 'start', 'verify', 'discard'] };
}
