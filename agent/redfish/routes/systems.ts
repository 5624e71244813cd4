import type { FastifyInstance } from 'fastify';
import type { ResetKind } from '../../../firmware/types.js';
import { MANAGER_ID, type RedfishDeps } from '../context.js';
import { RedfishHttpError } from '../errors.js';
import { baseMessage } from '../messages.js';
import { collection, link, TYPES, V1 } from '../odata.js';
import { resource, type Body } from '../resource.js';

export const RESET_TYPES: ResetKind[] = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart'];
const HOSTNAME = '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$';

export function systemRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  const id = deps.systemId;
  const sys = `${V1}/Systems/${id}`;
  const found = (req: { params: unknown; url: string }) => {
    if ((req.params as { id: string }).id !== id) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['ComputerSystem', (req.params as { id: string }).id])]);
  };

  resource(app, `${V1}/Systems`, { get: async () => collection(TYPES.ComputerSystemCollection, `${V1}/Systems`, 'Computer System Collection', [sys]) });

  const system = async (): Promise<Body> => {
    const [inv, host, fw] = await Promise.all([deps.hardware.inventory(), deps.hostname.get(), deps.firmware?.status().catch(() => undefined)]);
    // on an A/B box the primary system firmware is the image in the booted slot (BiosVersion's long description allows it)
    const firmwareVersion = fw?.slots.find((x) => x.booted)?.version ?? inv.biosVersion;
    const assetTag = deps.settings.get().assetTag;
    return {
      '@odata.id': sys, '@odata.type': TYPES.ComputerSystem, Id: id, Name: `µMEC ${id}`,
      SystemType: 'Physical',
      ...(inv.manufacturer && { Manufacturer: inv.manufacturer }),
      ...(inv.model && { Model: inv.model }),
      ...(inv.serial && { SerialNumber: inv.serial }),
      ...(inv.uuid && { UUID: inv.uuid }),
      ...(firmwareVersion && { BiosVersion: firmwareVersion }),
      AssetTag: assetTag ?? null,
      HostName: host,
      PowerState: 'On',
      // Conditions replace the deprecated ProcessorSummary/MemorySummary Status (none are active here)
      Status: { State: 'Enabled', Health: 'OK', Conditions: [] },
      ProcessorSummary: {
        ...(inv.cpu.packages && { Count: inv.cpu.packages }),
        ...(inv.cpu.cores && { CoreCount: inv.cpu.cores }),
        ...(inv.cpu.logical && { LogicalProcessorCount: inv.cpu.logical }),
        ...(inv.cpu.model && { Model: inv.cpu.model }),
      },
      MemorySummary: { ...(inv.memoryGiB !== undefined && { TotalSystemMemoryGiB: inv.memoryGiB }) },
      // the box boots its A/B slots through the firmware engine; no one-time boot override here
      Boot: { BootSourceOverrideEnabled: 'Disabled', BootSourceOverrideTarget: 'None', 'BootSourceOverrideTarget@Redfish.AllowableValues': ['None'] },
      EthernetInterfaces: link(`${sys}/EthernetInterfaces`),
      Actions: {
        '#ComputerSystem.Reset': {
          target: `${sys}/Actions/ComputerSystem.Reset`,
          'ResetType@Redfish.AllowableValues': RESET_TYPES,
          '@Redfish.ActionInfo': `${sys}/ResetActionInfo`,
        },
      },
      Links: { Chassis: [link(`${V1}/Chassis/${id}`)], ManagedBy: [link(`${V1}/Managers/${MANAGER_ID}`)] },
    };
  };

  resource(app, `${V1}/Systems/:id`, {
    get: async (req) => { found(req); return system(); },
    patch: {
      privilege: 'ConfigureComponents',
      schema: {
        type: 'object', additionalProperties: false, minProperties: 1,
        properties: { AssetTag: { type: ['string', 'null'], maxLength: 64 }, HostName: { type: 'string', pattern: HOSTNAME } },
      },
      handler: async (req, body) => {
        found(req);
        if ('AssetTag' in body) await deps.settings.update({ assetTag: (body.AssetTag as string | null) ?? undefined });
        if (typeof body.HostName === 'string') await deps.hostname.set(body.HostName);
        return system();
      },
    },
  });

  resource(app, `${V1}/Systems/:id/Actions/ComputerSystem.Reset`, {
    post: {
      privilege: 'ConfigureComponents', action: 'ComputerSystem.Reset',
      schema: { type: 'object', additionalProperties: false, required: ['ResetType'], properties: { ResetType: { type: 'string', enum: RESET_TYPES } } },
      handler: async (req, body, reply) => {
        found(req);
        if (!deps.power) throw new RedfishHttpError(503, [baseMessage('ServiceDisabled', [`${sys}/Actions/ComputerSystem.Reset`])]);
        deps.log?.warn({ user: req.principal?.username, reset: body.ResetType }, 'Redfish reset requested');
        await deps.power.reset(body.ResetType as ResetKind);
        return reply.code(200).send({ '@Message.ExtendedInfo': [baseMessage('Success')] });
      },
    },
  });

  resource(app, `${V1}/Systems/:id/ResetActionInfo`, {
    get: async (req) => {
      found(req);
      return {
        '@odata.id': `${sys}/ResetActionInfo`, '@odata.type': TYPES.ActionInfo, Id: 'ResetActionInfo', Name: 'Reset Action Info',
        Parameters: [{ Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: RESET_TYPES }],
      };
    },
  });

  resource(app, `${sys}/EthernetInterfaces`, {
    get: async () => collection(TYPES.EthernetInterfaceCollection, `${sys}/EthernetInterfaces`, 'Ethernet Interfaces',
      (await deps.hardware.interfaces()).map((n) => `${sys}/EthernetInterfaces/${encodeURIComponent(n.id)}`)),
  });

  resource(app, `${sys}/EthernetInterfaces/:nic`, {
    get: async (req) => {
      const name = (req.params as { nic: string }).nic;
      const n = (await deps.hardware.interfaces()).find((x) => x.id === name);
      if (!n) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['EthernetInterface', name])]);
      return {
        '@odata.id': `${sys}/EthernetInterfaces/${encodeURIComponent(n.id)}`, '@odata.type': TYPES.EthernetInterface, Id: n.id, Name: `Interface ${n.id}`,
        InterfaceEnabled: true, LinkStatus: n.up ? 'LinkUp' : 'LinkDown',
        Status: { State: 'Enabled' },
        ...(n.mac && { MACAddress: n.mac, PermanentMACAddress: n.mac }),
        ...(n.speedMbps && { SpeedMbps: n.speedMbps }),
        ...(n.mtu && { MTUSize: n.mtu }),
        IPv4Addresses: n.ipv4 ? [{ Address: n.ipv4.address, SubnetMask: n.ipv4.mask }] : [],
        IPv6Addresses: n.ipv6 ? [{ Address: n.ipv6 }] : [],
      };
    },
  });
}
