import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ReadingType = 'Temperature' | 'Rotational' | 'Power' | 'Voltage' | 'Current' | 'Percent';
export type PhysicalContext = 'CPU' | 'SystemBoard' | 'Fan' | 'Memory' | 'StorageDevice' | 'PowerSupply';

export interface SensorReading {
  /** URL-safe and stable: the Sensor's Id. */
  id: string;
  name: string;
  type: ReadingType;
  units: 'Cel' | 'RPM' | 'W' | 'V' | 'A' | '%';
  reading: number;
  context: PhysicalContext;
  /** Where the value was read (sysfs path or systeminformation call), for Description. */
  source: string;
}

const text = (p: string) => readFile(p, 'utf8').then((s) => s.trim(), () => undefined);
const entries = (p: string) => readdir(p).catch(() => [] as string[]);

const CPU_HINT = /cpu|core|package|soc|k10temp|coretemp|x86_pkg|tctl|tdie/i;

async function number(p: string): Promise<number | undefined> {
  const s = await text(p);
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** /sys/class/thermal/thermal_zone*: temp in millidegrees Celsius, type names the zone. */
async function thermalZones(root: string): Promise<SensorReading[]> {
  const dir = join(root, 'class/thermal');
  const out: SensorReading[] = [];
  for (const zone of (await entries(dir)).filter((z) => /^thermal_zone\d+$/.test(z)).sort()) {
    const milli = await number(join(dir, zone, 'temp'));
    if (milli === undefined) continue;
    const type = (await text(join(dir, zone, 'type'))) || zone;
    out.push({
      id: zone, name: `${type} temperature`, type: 'Temperature', units: 'Cel', reading: milli / 1000,
      context: CPU_HINT.test(type) ? 'CPU' : 'SystemBoard', source: join(dir, zone, 'temp'),
    });
  }
  return out;
}

const HWMON: Record<string, { type: ReadingType; units: SensorReading['units']; scale: number }> = {
  temp: { type: 'Temperature', units: 'Cel', scale: 1000 },
  fan: { type: 'Rotational', units: 'RPM', scale: 1 },
  power: { type: 'Power', units: 'W', scale: 1e6 },
  in: { type: 'Voltage', units: 'V', scale: 1000 },
  curr: { type: 'Current', units: 'A', scale: 1000 },
};

/** /sys/class/hwmon/hwmon*: <kind><n>_input in the hwmon ABI units (m°C, RPM, µW, mV, mA). */
async function hwmon(root: string): Promise<SensorReading[]> {
  const dir = join(root, 'class/hwmon');
  const out: SensorReading[] = [];
  for (const dev of (await entries(dir)).filter((d) => /^hwmon\d+$/.test(d)).sort()) {
    const chip = (await text(join(dir, dev, 'name'))) || dev;
    for (const f of (await entries(join(dir, dev))).sort()) {
      const m = /^(temp|fan|power|in|curr)(\d+)_input$/.exec(f);
      if (!m) continue;
      const raw = await number(join(dir, dev, f));
      if (raw === undefined) continue;
      const kind = HWMON[m[1]];
      const label = (await text(join(dir, dev, `${m[1]}${m[2]}_label`))) || `${chip} ${m[1]}${m[2]}`;
      const context: PhysicalContext = m[1] === 'fan' ? 'Fan' : CPU_HINT.test(`${chip} ${label}`) ? 'CPU'
        : m[1] === 'power' || m[1] === 'curr' || m[1] === 'in' ? 'PowerSupply' : 'SystemBoard';
      out.push({ id: `${dev}_${m[1]}${m[2]}`, name: label, type: kind.type, units: kind.units, reading: raw / kind.scale, context, source: join(dir, dev, f) });
    }
  }
  return out;
}

/** Every reading the kernel exposes; a sensor the hardware lacks is simply not in the list. */
export async function sysfsSensors(root = '/sys'): Promise<SensorReading[]> {
  const [a, b] = await Promise.all([thermalZones(root), hwmon(root)]);
  return [...a, ...b];
}
