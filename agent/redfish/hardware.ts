import { hostname } from 'node:os';
import * as si from 'systeminformation';
import { sysfsSensors, type SensorReading } from './sysfs.js';

export interface SystemInventory {
  manufacturer?: string;
  model?: string;
  serial?: string;
  uuid?: string;
  biosVersion?: string;
  cpu: { packages?: number; cores?: number; logical?: number; model?: string };
  memoryGiB?: number;
}

export interface NetInterface {
  id: string;
  mac?: string;
  ipv4?: { address: string; mask: string };
  ipv6?: string;
  up: boolean;
  speedMbps?: number;
  mtu?: number;
}

/** What the Redfish resources read from the box. */
export interface HardwareSource {
  inventory(): Promise<SystemInventory>;
  sensors(): Promise<SensorReading[]>;
  interfaces(): Promise<NetInterface[]>;
  hostname(): string;
}

/** Firmware placeholders vendors leave in DMI: the same as no value. */
const PLACEHOLDER = /^(|-|none|n\/a|not specified|default string|to be filled by o\.e\.m\.|system serial number|0+|unknown)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const present = (s: string | undefined) => (s && !PLACEHOLDER.test(s.trim()) ? s.trim() : undefined);

function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Readings from systeminformation and sysfs. Inventory is read once; sensors and
 * interfaces at most every `maxAgeMs`, concurrent requests sharing one read.
 */
export class LinuxHardware implements HardwareSource {
  private inv?: Promise<SystemInventory>;
  private cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(private readonly o: { sysfsRoot?: string; maxAgeMs?: number } = {}) {}

  hostname(): string { return hostname(); }

  inventory(): Promise<SystemInventory> {
    this.inv ??= Promise.all([si.system(), si.bios(), si.cpu(), si.mem()]).then(([sys, bios, cpu, mem]) => strip({
      manufacturer: present(sys.manufacturer), model: present(sys.model), serial: present(sys.serial),
      uuid: UUID.test(sys.uuid ?? '') ? sys.uuid.toLowerCase() : undefined,
      biosVersion: present(bios.version),
      cpu: strip({ packages: cpu.processors || undefined, cores: cpu.physicalCores || undefined, logical: cpu.cores || undefined,
        model: present(`${cpu.manufacturer} ${cpu.brand}`.trim()) }),
      memoryGiB: mem.total > 0 ? Math.round((mem.total / 2 ** 30) * 100) / 100 : undefined,
    }));
    return this.inv;
  }

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const c = this.cache.get(key);
    const now = Date.now();
    if (c && now - c.at < (this.o.maxAgeMs ?? 1000)) return c.value as Promise<T>;
    const value = read();
    this.cache.set(key, { at: now, value });
    value.catch(() => this.cache.delete(key));
    return value;
  }

  sensors(): Promise<SensorReading[]> {
    return this.cached('sensors', async () => {
      const [fromSysfs, load, mem, disks] = await Promise.all([
        sysfsSensors(this.o.sysfsRoot), si.currentLoad(), si.mem(), si.fsSize()]);
      const out = [...fromSysfs];
      if (Number.isFinite(load.currentLoad)) {
        out.push({ id: 'CPUUtilization', name: 'CPU utilization', type: 'Percent', units: '%', reading: round(load.currentLoad), context: 'CPU', source: 'systeminformation currentLoad' });
      }
      if (mem.total > 0) {
        out.push({ id: 'MemoryUtilization', name: 'Memory utilization', type: 'Percent', units: '%', reading: round((mem.active / mem.total) * 100), context: 'Memory', source: 'systeminformation mem' });
      }
      for (const d of disks.filter((x) => x.fs.startsWith('/dev/') && Number.isFinite(x.use))) {
        const id = `Disk${d.mount === '/' ? 'Root' : d.mount.replace(/[^A-Za-z0-9]+/g, '_')}Usage`;
        out.push({ id, name: `Disk usage ${d.mount}`, type: 'Percent', units: '%', reading: round(d.use), context: 'StorageDevice', source: `systeminformation fsSize ${d.fs}` });
      }
      return out;
    });
  }

  interfaces(): Promise<NetInterface[]> {
    return this.cached('net', async () => {
      const list = await si.networkInterfaces();
      return (Array.isArray(list) ? list : [list]).filter((n) => !n.internal).map((n) => strip({
        id: n.iface,
        mac: /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(n.mac) ? n.mac.toUpperCase() : undefined,
        ipv4: n.ip4 ? { address: n.ip4, mask: n.ip4subnet } : undefined,
        ipv6: n.ip6 || undefined,
        up: n.operstate === 'up',
        speedMbps: n.speed && n.speed > 0 ? n.speed : undefined,
        mtu: n.mtu || undefined,
      }));
    });
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
