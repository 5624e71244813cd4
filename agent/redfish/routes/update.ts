import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { InstallProgress, SlotStatus } from '../../../firmware/types.js';
import type { RedfishDeps } from '../context.js';
import { RedfishHttpError, badRequest } from '../errors.js';
import { baseMessage, updateMessage, type RedfishMessage } from '../messages.js';
import { collection, link, TYPES, V1 } from '../odata.js';
import { resource } from '../resource.js';
import type { Task } from '../tasks.js';
import { UmecError, updateFailureOf } from '../../../lib/errors.js';

const US = `${V1}/UpdateService`;
const INV = `${US}/FirmwareInventory`;
export const PROTOCOLS = ['HTTP', 'HTTPS', 'FILE'] as const;
/** Engine phases in which a new update may start. */
const FINISHED: readonly string[] = ['idle', 'committed', 'rolled-back', 'failed'];
const slotId = (s: SlotStatus) => `Slot${s.name}`;

/** ImageURI (+ TransferProtocol when the URI has no scheme) → what FirmwareEngine.install takes. */
export function imageSource(uri: string, protocol?: string): { source: string } | { error: RedfishMessage } {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  const proto = protocol?.toLowerCase() ?? scheme ?? (isAbsolute(uri) ? 'file' : undefined);
  if (!proto) return { error: baseMessage('ActionParameterValueFormatError', [uri, 'ImageURI', 'UpdateService.SimpleUpdate']) };
  if (!['http', 'https', 'file'].includes(proto)) return { error: baseMessage('ActionParameterNotSupported', ['ImageURI', 'UpdateService.SimpleUpdate']) };
  if (scheme && protocol && scheme !== proto) {
    return { error: baseMessage('ActionParameterValueFormatError', [uri, 'ImageURI', 'UpdateService.SimpleUpdate']) };
  }
  if (proto === 'file') {
    const path = scheme === 'file' ? fileURLToPath(uri) : uri;
    return isAbsolute(path) ? { source: path } : { error: baseMessage('ActionParameterValueFormatError', [uri, 'ImageURI', 'UpdateService.SimpleUpdate']) };
  }
  const withScheme = scheme ? uri : `${proto}://${uri}`;
  try { new URL(withScheme); } catch { return { error: baseMessage('ActionParameterValueFormatError', [uri, 'ImageURI', 'UpdateService.SimpleUpdate']) }; }
  return { source: withScheme };
}

/** Task messages for each engine phase, from the Update registry. */
function phaseMessage(p: InstallProgress, image: string, target: string): RedfishMessage | undefined {
  switch (p.phase) {
    case 'downloading': return updateMessage('TransferringToComponent', [image, target]);
    case 'verifying': return updateMessage('VerifyingAtComponent', [image, target]);
    case 'writing': return updateMessage('InstallingOnComponent', [image, target]);
    case 'written': case 'rebooting': return updateMessage('AwaitToActivate', [image, target]);
    default: return undefined;
  }
}

export function updateRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  const enabled = deps.firmware !== undefined;

  resource(app, US, {
    get: async () => ({
      '@odata.id': US, '@odata.type': TYPES.UpdateService, Id: 'UpdateService', Name: 'Update Service',
      ServiceEnabled: enabled, Status: { State: enabled ? 'Enabled' : 'Disabled', ...(enabled && { Health: 'OK' }) },
      FirmwareInventory: link(INV),
      ...(enabled && {
        Actions: {
          '#UpdateService.SimpleUpdate': {
            target: `${US}/Actions/UpdateService.SimpleUpdate`,
            'TransferProtocol@Redfish.AllowableValues': PROTOCOLS,
            '@Redfish.ActionInfo': `${US}/SimpleUpdateActionInfo`,
            '@Redfish.OperationApplyTimeSupport': { '@odata.type': '#Settings.v1_4_0.OperationApplyTimeSupport', SupportedValues: ['Immediate', 'OnReset'] },
          },
        },
      }),
    }),
  });

  resource(app, `${US}/SimpleUpdateActionInfo`, {
    get: async () => ({
      '@odata.id': `${US}/SimpleUpdateActionInfo`, '@odata.type': TYPES.ActionInfo, Id: 'SimpleUpdateActionInfo', Name: 'Simple Update Action Info',
      Parameters: [
        { Name: 'ImageURI', Required: true, DataType: 'String' },
        { Name: 'TransferProtocol', Required: false, DataType: 'String', AllowableValues: [...PROTOCOLS] },
      ],
    }),
  });

  const slots = async () => (deps.firmware ? (await deps.firmware.status()).slots : []);

  resource(app, INV, { get: async () => collection(TYPES.SoftwareInventoryCollection, INV, 'Firmware Inventory', (await slots()).map((s) => `${INV}/${slotId(s)}`)) });

  resource(app, `${INV}/:slot`, {
    get: async (req) => {
      const want = (req.params as { slot: string }).slot;
      const s = (await slots()).find((x) => slotId(x) === want);
      if (!s) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['SoftwareInventory', want])]);
      return {
        '@odata.id': `${INV}/${slotId(s)}`, '@odata.type': TYPES.SoftwareInventory, Id: slotId(s),
        Name: `Firmware slot ${s.name}`, Description: `${s.booted ? 'running' : 'inactive'} A/B slot on ${s.device}${s.next ? ', boots next' : ''}`,
        ...(s.version !== undefined && { Version: s.version }),
        // an A/B update writes the slot the box is not running from
        Updateable: !s.booted,
        Status: { State: s.booted ? 'Enabled' : 'StandbySpare', ...(s.state !== 'unknown' && { Health: s.state === 'good' ? 'OK' : 'Critical' }) },
      };
    },
  });

  resource(app, `${US}/Actions/UpdateService.SimpleUpdate`, {
    post: {
      privilege: 'ConfigureComponents', action: 'UpdateService.SimpleUpdate',
      schema: {
        type: 'object', additionalProperties: false, required: ['ImageURI'],
        properties: {
          ImageURI: { type: 'string', minLength: 1, maxLength: 2048 },
          TransferProtocol: { type: 'string', enum: [...PROTOCOLS] },
          '@Redfish.OperationApplyTime': { type: 'string', enum: ['Immediate', 'OnReset'] },
        },
      },
      handler: async (req, body, reply) => {
        const engine = deps.firmware;
        if (!engine) throw new RedfishHttpError(503, [baseMessage('ServiceDisabled', [US])]);
        const image = body.ImageURI as string;
        const src = imageSource(image, body.TransferProtocol as string | undefined);
        if ('error' in src) throw badRequest(src.error);
        // one update at a time, and none while the last one waits for its reboot or health check
        const phase = (await engine.status()).phase;
        if (deps.tasks.running().some((t) => t.name.startsWith('SimpleUpdate')) || !FINISHED.includes(phase)) {
          // answered through the error table: FW_BUSY is a conflict (409, Base.ResourceInUse)
          throw new UmecError('FW_BUSY', { reason: FINISHED.includes(phase) ? 'an update is already running' : `the last update is ${phase}; commit or roll back first` });
        }
        const abort = new AbortController();
        const task = deps.tasks.create(`SimpleUpdate ${image}`, () => abort.abort());
        deps.log?.info({ user: req.principal?.username, task: task.id, image: src.source }, 'Redfish SimpleUpdate started');
        void runUpdate(deps, task, image, src.source, body['@Redfish.OperationApplyTime'] !== 'OnReset', abort.signal);
        const monitor = `${V1}/TaskService/TaskMonitors/${task.id}`;
        return reply.code(202).header('Location', monitor).send(taskBody(task));
      },
    },
  });
}

/** Seconds between a finished install and the reboot, so that a client polling the task sees it complete. */
export const REBOOT_DELAY = 5;

async function runUpdate(deps: RedfishDeps, task: Task, image: string, source: string, reboot: boolean, signal: AbortSignal): Promise<void> {
  const engine = deps.firmware!;
  let target = 'inactive slot';
  try {
    const st = await engine.status();
    const inactive = st.slots.find((s) => !s.booted);
    if (inactive) target = `Slot${inactive.name}`;
    deps.tasks.progress(task, 0, updateMessage('TargetDetermined', [target, image]));
    await engine.install(source, {
      signal, reboot, rebootDelay: reboot ? REBOOT_DELAY : undefined,
      onProgress: (p) => deps.tasks.progress(task, p.percent ?? task.percent, phaseMessage(p, image, target)),
    });
    // Immediate: the box reboots into the new slot shortly; OnReset: the next reset activates it
    deps.tasks.finish(task, 'Completed', reboot ? [updateMessage('UpdateSuccessful', [target, image])] : [updateMessage('AwaitToActivate', [image, target])]);
  } catch (e) {
    if (signal.aborted) { deps.tasks.finish(task, 'Cancelled'); return; }
    deps.log?.warn({ task: task.id, err: (e as Error).message }, 'Redfish SimpleUpdate failed');
    // the registry text stays as it is; the engine's own reason travels in Oem
    const m = { ...updateMessage(updateFailureOf(e), [image, target]), Oem: { umec: { Reason: (e as Error).message } } };
    deps.tasks.finish(task, 'Exception', [m]);
  }
}

export function taskBody(t: Task): Record<string, unknown> {
  return {
    '@odata.id': `${V1}/TaskService/Tasks/${t.id}`, '@odata.type': TYPES.Task, Id: t.id, Name: t.name,
    TaskState: t.state, TaskStatus: t.status, PercentComplete: t.percent, StartTime: t.start,
    ...(t.end && { EndTime: t.end }),
    TaskMonitor: `${V1}/TaskService/TaskMonitors/${t.id}`,
    Messages: t.messages,
  };
}
