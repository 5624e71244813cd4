import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MANAGER_ID, type RedfishDeps } from '../context.js';
import { RedfishHttpError } from '../errors.js';
import { baseMessage } from '../messages.js';
import { collection, link, TYPES, V1 } from '../odata.js';
import { resource } from '../resource.js';

/** `+02:00` for the local zone now. */
function offset(d: Date): string {
  const m = -d.getTimezoneOffset();
  const a = Math.abs(m);
  return `${m < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function localIso(d: Date): string {
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  return `${local}${offset(d)}`;
}

/** The agent itself is the box's manager: there is no BMC on a µMEC. */
export function managerRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  const mgr = `${V1}/Managers/${MANAGER_ID}`;
  const found = (req: FastifyRequest) => {
    const want = (req.params as { id: string }).id;
    if (want !== MANAGER_ID) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['Manager', want])]);
  };

  resource(app, `${V1}/Managers`, { get: async () => collection(TYPES.ManagerCollection, `${V1}/Managers`, 'Manager Collection', [mgr]) });

  resource(app, `${V1}/Managers/:id`, {
    get: async (req) => {
      found(req);
      const now = new Date();
      return {
        '@odata.id': mgr, '@odata.type': TYPES.Manager, Id: MANAGER_ID, Name: 'umec agent', ManagerType: 'Service',
        Description: 'The umec agent: states, firmware updates and this Redfish service', FirmwareVersion: deps.version,
        ServiceEntryPointUUID: deps.settings.get().uuid,
        DateTime: localIso(now), DateTimeLocalOffset: offset(now),
        PowerState: 'On', Status: { State: 'Enabled', Health: 'OK' },
        NetworkProtocol: link(`${mgr}/NetworkProtocol`),
        Links: { ManagerForServers: [link(`${V1}/Systems/${deps.systemId}`)], ManagerForChassis: [link(`${V1}/Chassis/${deps.systemId}`)] },
      };
    },
  });

  resource(app, `${V1}/Managers/:id/NetworkProtocol`, {
    get: async (req) => {
      found(req);
      return {
        '@odata.id': `${mgr}/NetworkProtocol`, '@odata.type': TYPES.ManagerNetworkProtocol, Id: 'NetworkProtocol', Name: 'Agent network protocols',
        HostName: await deps.hostname.get(),
        HTTPS: { ProtocolEnabled: deps.protocol.https !== undefined, ...(deps.protocol.https !== undefined && { Port: deps.protocol.https }) },
        HTTP: { ProtocolEnabled: deps.protocol.http !== undefined, ...(deps.protocol.http !== undefined && { Port: deps.protocol.http }) },
        Status: { State: 'Enabled', Health: 'OK' },
      };
    },
  });
}
