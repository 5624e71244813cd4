import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MANAGER_ID, type RedfishDeps } from '../context.js';
import { RedfishHttpError } from '../errors.js';
import { baseMessage } from '../messages.js';
import { collection, link, TYPES, V1 } from '../odata.js';
import { resource, type Body } from '../resource.js';
import type { SensorReading } from '../sysfs.js';

export function chassisRoutes(app: FastifyInstance, deps: RedfishDeps): void {
  const id = deps.systemId;
  const ch = `${V1}/Chassis/${id}`;
  const found = (req: FastifyRequest) => {
    const want = (req.params as { id: string }).id;
    if (want !== id) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['Chassis', want])]);
  };
  const sensorUri = (s: SensorReading) => `${ch}/Sensors/${s.id}`;

  resource(app, `${V1}/Chassis`, { get: async () => collection(TYPES.ChassisCollection, `${V1}/Chassis`, 'Chassis Collection', [ch]) });

  resource(app, `${V1}/Chassis/:id`, {
    get: async (req) => {
      found(req);
      const inv = await deps.hardware.inventory();
      return {
        '@odata.id': ch, '@odata.type': TYPES.Chassis, Id: id, Name: `µMEC ${id} enclosure`, ChassisType: 'StandAlone',
        ...(inv.manufacturer && { Manufacturer: inv.manufacturer }),
        ...(inv.model && { Model: inv.model }),
        ...(inv.serial && { SerialNumber: inv.serial }),
        PowerState: 'On', Status: { State: 'Enabled', Health: 'OK' },
        Sensors: link(`${ch}/Sensors`), EnvironmentMetrics: link(`${ch}/EnvironmentMetrics`),
        Links: { ComputerSystems: [link(`${V1}/Systems/${id}`)], ManagedBy: [link(`${V1}/Managers/${MANAGER_ID}`)] },
      };
    },
  });

  resource(app, `${V1}/Chassis/:id/Sensors`, {
    get: async (req) => {
      found(req);
      return collection(TYPES.SensorCollection, `${ch}/Sensors`, 'Sensors', (await deps.hardware.sensors()).map(sensorUri));
    },
  });

  resource(app, `${V1}/Chassis/:id/Sensors/:sensor`, {
    get: async (req) => {
      found(req);
      const sid = (req.params as { sensor: string }).sensor;
      const s = (await deps.hardware.sensors()).find((x) => x.id === sid);
      if (!s) throw new RedfishHttpError(404, [baseMessage('ResourceNotFound', ['Sensor', sid])]);
      return {
        '@odata.id': sensorUri(s), '@odata.type': TYPES.Sensor, Id: s.id, Name: s.name, Description: `read from ${s.source}`,
        ReadingType: s.type, ReadingUnits: s.units, Reading: s.reading, PhysicalContext: s.context,
        // no thresholds are known for these readings, so no Health is claimed
        Status: { State: 'Enabled' },
      };
    },
  });

  resource(app, `${V1}/Chassis/:id/EnvironmentMetrics`, {
    get: async (req) => {
      found(req);
      const sensors = await deps.hardware.sensors();
      const body: Body = { '@odata.id': `${ch}/EnvironmentMetrics`, '@odata.type': TYPES.EnvironmentMetrics, Id: 'EnvironmentMetrics', Name: 'Chassis environment' };
      // the hottest board (else CPU) temperature, total power: only what the box measures
      const temps = sensors.filter((s) => s.type === 'Temperature');
      const temp = temps.filter((s) => s.context === 'SystemBoard').sort((a, b) => b.reading - a.reading)[0]
        ?? temps.sort((a, b) => b.reading - a.reading)[0];
      if (temp) body.TemperatureCelsius = { DataSourceUri: sensorUri(temp), Reading: temp.reading };
      const power = sensors.filter((s) => s.type === 'Power');
      if (power.length) body.PowerWatts = { Reading: Math.round(power.reduce((n, s) => n + s.reading, 0) * 1000) / 1000, ...(power.length === 1 && { DataSourceUri: sensorUri(power[0]) }) };
      return body;
    },
  });
}
