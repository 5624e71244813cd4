import { UmecError } from '../../lib/errors.js';
import { fetchImage, imageTarget, type ImageSource } from './images.js';
import { MANAGED_LABEL, planContainer, SPEC_LABEL, specHash, type ContainerPlan, type UpdateStrategy } from './plan.js';
import type { ContainerInfo, ContainerRuntime, ContainerSpec } from './runtime.js';
import { sleep } from '../../lib/retry.js';

export interface ConvergeOptions {
  test: boolean;
  strategy: UpdateStrategy;
  /** Seconds an updated container has to become healthy before it is rolled back. */
  grace: number;
  /** Seconds a stopping container gets before it is killed. */
  stopTimeout: number;
  image: ImageSource;
  /** Env vars left out of the spec hash (a label stands for them). */
  unhashedEnv?: readonly string[];
}

export interface ConvergeResult {
  plan: ContainerPlan;
  /** For the state's changes; empty when nothing changed. */
  changes: Record<string, unknown>;
  comment: string;
}

const RETIRED = '.umec-previous';

/** The name of the container kept aside during an update. */
export function retiredName(name: string): string { return `${name}${RETIRED}`; }

function failure(name: string, c: ContainerInfo | undefined): string | undefined {
  if (!c) return 'disappeared';
  if (!c.running) return `exited (${c.status}, code ${c.exitCode})`;
  if (c.health === 'unhealthy') return 'failed its health check';
  return undefined;
}

/**
 * Health within the grace period: healthy passes, unhealthy or exited fails.
 * A container without a health check passes if it is still running after a
 * short settle time; one still starting when the grace period ends fails.
 */
export async function verifyHealthy(rt: ContainerRuntime, name: string, graceSec: number, hasCheck: boolean, intervalSec = 1): Promise<string | undefined> {
  const until = Date.now() + graceSec * 1000;
  const settle = Date.now() + Math.min(graceSec, 1) * 1000;
  const every = Math.max(100, Math.min(1000, intervalSec * 1000));
  for (;;) {
    const c = await rt.probeHealth(name);
    const bad = failure(name, c);
    if (bad) return bad;
    if (c!.health === 'healthy') return undefined;
    if (!hasCheck && Date.now() >= settle) return undefined;
    if (Date.now() >= until) return `not healthy within the grace period of ${graceSec}s (health: ${c!.health})`;
    await sleep(hasCheck ? every : 100);
  }
}

/** Brings one container to its spec: plan, then carry out the plan's steps. */
export async function convergeContainer(rt: ContainerRuntime, desired: ContainerSpec, o: ConvergeOptions): Promise<ConvergeResult> {
  const hash = specHash(desired, o.unhashedEnv);
  const spec: ContainerSpec = { ...desired, labels: { ...desired.labels, [MANAGED_LABEL]: 'true', [SPEC_LABEL]: hash } };
  const name = spec.name;
  const old = retiredName(name);
  const [found, target] = await Promise.all([rt.inspectContainer(name), imageTarget(rt, spec.image, o.image)]);
  let current = found;
  // an update interrupted after the old container was set aside (agent killed, power lost): put it back first
  let restored = false;
  if (!current) {
    const left = await rt.inspectContainer(old);
    if (left) {
      if (!o.test) await rt.renameContainer(old, name);
      current = { ...left, name };
      restored = true;
    }
  }
  const plan = planContainer(current, hash, target.id, target.local, o.strategy);
  if (plan.action === 'none') {
    return restored
      ? { plan, changes: { [name]: 'restored' }, comment: `Container ${name} ${o.test ? 'would be' : 'was'} restored from an interrupted update` }
      : { plan, changes: {}, comment: `Container ${name} is up to date` };
  }
  const changes: Record<string, unknown> = plan.action === 'update'
    ? { [name]: { changed: plan.why, ...(plan.why.includes('image') ? { old_image: current!.imageId, new_image: target.id ?? spec.image } : {}) } }
    : { [name]: plan.action === 'create' ? 'created' : restored ? 'restored' : 'started' };
  if (o.test) return { plan, changes, comment: `Container ${name} would be ${plan.action === 'update' ? `updated (${plan.why.join(', ')})` : changes[name]}` };

  let retired = false;
  let fetched: string | undefined;
  const restore = async (): Promise<void> => {
    if (!retired) return;
    await rt.removeContainer(name);
    await rt.renameContainer(old, name);
    if (current!.running) await rt.startContainer(name);
  };
  for (const step of plan.steps) {
    try {
      switch (step) {
        case 'fetch-image': fetched = await fetchImage(rt, spec.image, o.image, target); break;
        case 'retire':
          await rt.removeContainer(old);
          await rt.stopContainer(name, o.stopTimeout);
          await rt.renameContainer(name, old);
          retired = true;
          break;
        case 'create': await rt.createContainer(spec); break;
        case 'start':
          await rt.startContainer(name, spec);
          if (plan.action !== 'update') {
            const now = await rt.inspectContainer(name);
            const bad = now && !now.running ? failure(name, now) : undefined;
            if (bad) throw new UmecError('CONTAINER_FAILED', { container: name, reason: bad });
          }
          break;
        case 'verify': {
          const bad = await verifyHealthy(rt, name, o.grace, !!spec.healthcheck, spec.healthcheck?.interval);
          if (bad) {
            await restore();
            throw new UmecError('CONTAINER_FAILED', {
              container: name, reason: `${bad} after the update; rolled back to the previous container (image ${current!.imageId})`,
            });
          }
          break;
        }
        // the new container has passed: from here on nothing rolls back to the old one
        case 'discard': retired = false; await rt.removeContainer(old); break;
      }
    } catch (e) {
      // an update that failed before its verdict puts the previous container back
      if (step !== 'verify' && retired) {
        await restore().catch(() => undefined);
        if (e instanceof UmecError) throw new UmecError(e.code, { ...e.details, reason: `${String(e.details.reason ?? e.message)}; rolled back to the previous container` });
      }
      throw e;
    }
  }
  const how = plan.action === 'update' ? `updated (${plan.why.join(', ')})` : String(changes[name]);
  return { plan, changes, comment: `Container ${name} ${how}${fetched ? `; image ${spec.image} ${fetched}` : ''}` };
}
