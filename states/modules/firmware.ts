import { isTreeUrl } from '../file-client.js';
import type { FirmwarePort, StateArgs, StateContext, StateModule, StateReturn } from '../types.js';

type FirmwareStatus = Awaited<ReturnType<FirmwarePort['status']>>;

const ret = (name: string, result: boolean | null, comment: string, changes: Record<string, unknown> = {}): StateReturn => ({ name, result, changes, comment });

function running(s: FirmwareStatus): { slot: string; version?: string; good: boolean } {
  const b = s.slots.find((x) => x.booted)!;
  return { slot: b.name, version: b.version, good: b.state === 'good' };
}

/**
 * firmware.updated: the box runs `version` from the bundle `name` (http(s) URL
 * or umec:// file in the state tree). Installs into the inactive slot and
 * reboots; after the reboot the agent health-checks and commits or rolls back.
 * A version that was rolled back on this box is not retried unless `force`.
 */
async function updated(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const version = String(args.version);
  const engine: FirmwarePort | undefined = ctx.drivers.firmware;
  if (!engine) return ret(name, false, 'This box takes no firmware updates: agent.yaml has no firmware: section');
  const s = await engine.status();
  const cur = running(s);
  if (cur.version === version && (cur.good || s.phase === 'committed')) return ret(name, true, `Firmware ${version} is running (slot ${cur.slot})`);
  const u = s.update;
  if (u && ['downloading', 'verifying', 'writing', 'written', 'rebooting', 'booted-trying', 'health-checking'].includes(s.phase)) {
    const same = u.version === version || u.source === name;
    return ret(name, same ? null : false, `Firmware update ${u.version ?? u.source} is ${s.phase} (slot ${u.target}); ${same ? 'it will be committed or rolled back after its health checks' : 'wait for it to finish before another'}`);
  }
  if (u && s.phase === 'rolled-back' && (u.version === version) && args.force !== true) {
    return ret(name, false, `Firmware ${version} was rolled back on this box (${u.message ?? 'no reason recorded'}); set force: True to try it again`);
  }
  const target = cur.slot === 'A' ? 'B' : 'A';
  const reboot = args.reboot !== false;
  const changes = { version: { old: cur.version ?? 'unknown', new: version }, slot: target, reboot };
  if (ctx.test) return ret(name, null, `Firmware ${version} would be installed from ${name} into slot ${target}${reboot ? ' and the box rebooted' : ''}`, changes);
  const source = isTreeUrl(name) ? ctx.files.describe(name) : name;
  const r = await engine.install(source, { reboot, rebootDelay: Number(args.reboot_delay) });
  if (r.version !== version) {
    return ret(name, false, `The bundle holds version ${r.version}, not ${version}; it was written to slot ${r.target} and is on trial: roll it back with umec firmware rollback`, { ...changes, version: { old: cur.version ?? 'unknown', new: r.version } });
  }
  return ret(name, true, `Firmware ${version} written to slot ${r.target}; ${reboot ? 'rebooting into it' : 'the next boot tries it'}, then health checks decide commit or rollback`, changes);
}

export const firmwareModule: StateModule = {
  name: 'firmware',
  functions: {
    updated: {
      schema: {
        type: 'object',
        properties: {
          version: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'number' }] },
          reboot: { type: 'boolean', default: true },
          force: { type: 'boolean', default: false },
          /** Seconds between the install and the reboot, so the agent can report the result first. */
          reboot_delay: { type: 'number', minimum: 0, maximum: 3600, default: 5 },
        },
        required: ['version'],
        additionalProperties: false,
      },
      run: updated,
    },
  },
};
