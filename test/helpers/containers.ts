import { DockerRuntime } from '../../agent/containers/docker-runtime.js';
import type { ContainerRuntime } from '../../states/containers/runtime.js';

/** The real runtime with every call recorded (name only), to prove what was and was not done. */
export function recordingRuntime(socket: string): { rt: ContainerRuntime; calls: string[] } {
  const real = new DockerRuntime(socket);
  const calls: string[] = [];
  const rt = new Proxy(real, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r) as unknown;
      if (typeof v !== 'function') return v;
      return (...a: unknown[]) => { calls.push(String(p)); return (v as (...x: unknown[]) => unknown).apply(t, a); };
    },
  });
  return { rt, calls };
}
