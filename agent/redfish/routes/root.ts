import type { FastifyInstance } from 'fastify';
import type { RedfishDeps } from '../context.js';
import { link, namespaces, TYPES, V1 } from '../odata.js';
import { otherMethods, resource } from '../resource.js';

/** Top-level singletons: ServiceRoot links and the odata service document list them. */
const SERVICES: Array<[string, string]> = [
  ['Systems', `${V1}/Systems`], ['Chassis', `${V1}/Chassis`], ['Managers', `${V1}/Managers`],
  ['UpdateService', `${V1}/UpdateService`], ['TaskService', `${V1}/TaskService`],
  ['SessionService', `${V1}/SessionService`], ['AccountService', `${V1}/AccountService`],
];

/** The CSDL document: one reference per schema namespace this service answers with. */
export function metadataXml(): string {
  const refs = Object.values(TYPES).map((t) => {
    const [ns, ...versioned] = namespaces(t);
    const includes = [ns, ...versioned].map((n) => `    <edmx:Include Namespace="${n}"/>`).join('\n');
    return `  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/${ns}_v1.xml">\n${includes}\n  </edmx:Reference>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
${refs.join('\n')}
  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/RedfishExtensions_v1.xml">
    <edmx:Include Namespace="RedfishExtensions.v1_0_0" Alias="Redfish"/>
  </edmx:Reference>
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">
      <EntityContainer Name="Service" Extends="ServiceRoot.v1_20_0.ServiceContainer"/>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;
}

export function rootRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  resource(app, '/redfish', { public: true, get: async () => ({ v1: `${V1}/` }) });

  resource(app, V1, {
    public: true,
    get: async () => ({
      '@odata.id': `${V1}/`, '@odata.type': TYPES.ServiceRoot, Id: 'RootService', Name: 'umec agent Redfish service',
      RedfishVersion: '1.21.0', UUID: deps.settings.get().uuid, Product: 'umec agent', Vendor: 'umec',
      ProtocolFeaturesSupported: {
        ExpandQuery: { ExpandAll: false, Levels: false, Links: false, NoLinks: false },
        FilterQuery: false, SelectQuery: false, OnlyMemberQuery: false, ExcerptQuery: false,
        DeepOperations: { DeepPATCH: false, DeepPOST: false },
      },
      // ServiceRoot calls the TaskService link "Tasks"
      ...Object.fromEntries(SERVICES.map(([k, v]) => [k === 'TaskService' ? 'Tasks' : k, link(v)])),
      Links: { Sessions: link(`${V1}/SessionService/Sessions`) },
    }),
  });

  app.route({
    // the CSDL and the OData service document are readable without credentials (DSP0266 "Service root")
    method: 'GET', url: `${V1}/$metadata`, config: { privilege: 'Login', public: true },
    handler: async (_req, reply) => reply.type('application/xml; charset=utf-8').send(metadataXml()),
  });
  otherMethods(app, `${V1}/$metadata`, ['GET', 'HEAD']);

  resource(app, `${V1}/odata`, {
    public: true,
    get: async () => ({
      '@odata.context': `${V1}/$metadata`,
      value: [{ name: 'Service', kind: 'Singleton', url: `${V1}/` },
        ...SERVICES.map(([name, url]) => ({ name, kind: 'Singleton', url })),
        { name: 'Sessions', kind: 'Singleton', url: `${V1}/SessionService/Sessions` }],
    }),
  });
}
