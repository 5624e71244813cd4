import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';

export type Grains = Record<string, unknown>;

const OS_FAMILY: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Debian', raspbian: 'Debian', centos: 'RedHat', rhel: 'RedHat', fedora: 'RedHat',
  rocky: 'RedHat', almalinux: 'RedHat', alpine: 'Alpine', arch: 'Arch', opensuse: 'Suse', sles: 'Suse',
};

async function machineId(): Promise<string | undefined> {
  for (const p of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try { return (await readFile(p, 'utf8')).trim() || undefined; } catch { /* try next */ }
  }
  return undefined;
}

const known = (v: string | undefined): string | undefined =>
  v && !/^(|-|Default string|To be filled by O\.E\.M\.|System Serial Number|None)$/i.test(v.trim()) ? v.trim() : undefined;

/**
 * Salt-style grains of this machine from systeminformation (config overrides
 * such as static grains and id are applied by the caller). A fact the hardware
 * doesn't report is left out.
 */
export async function machineGrains(): Promise<Grains> {
  // loaded here, not at import: a cached-grains run never needs it
  const { default: si } = await import('systeminformation');
  const [os, system, cpu, mem, mid] = await Promise.all([si.osInfo(), si.system(), si.cpu(), si.mem(), machineId()]);
  // node's own view of addresses: as accurate as si.networkInterfaces() and without its sysfs walk
  const addrs = Object.entries(networkInterfaces()).flatMap(([iface, list]) => (list ?? []).map((a) => ({ iface, ...a })));
  const distro = (os.distro || os.platform).split(' ')[0] ?? os.platform;
  const idLower = distro.toLowerCase();
  const g: Grains = {
    id: hostname(),
    host: os.hostname.split('.')[0],
    fqdn: os.fqdn || os.hostname,
    kernel: os.platform === 'linux' ? 'Linux' : os.platform,
    kernelrelease: os.kernel,
    os: distro,
    os_family: OS_FAMILY[idLower] ?? distro,
    osrelease: os.release,
    osmajorrelease: Number.parseInt(os.release, 10) || undefined,
    oscodename: os.codename || undefined,
    osarch: os.arch,
    cpuarch: os.arch === 'x64' ? 'x86_64' : os.arch === 'arm64' ? 'aarch64' : os.arch,
    cpu_model: `${cpu.manufacturer} ${cpu.brand}`.trim(),
    num_cpus: cpu.cores,
    mem_total: Math.round(mem.total / 1024 / 1024),
    manufacturer: known(system.manufacturer),
    productname: known(system.model),
    serialnumber: known(system.serial),
    uuid: known(system.uuid),
    machine_id: mid,
    virtual: system.virtual ? (system.virtualHost || 'virtual') : 'physical',
    ipv4: addrs.filter((a) => a.family === 'IPv4').map((a) => a.address),
    ipv6: addrs.filter((a) => a.family === 'IPv6').map((a) => a.address.split('%')[0]),
    hwaddr_interfaces: Object.fromEntries(addrs.map((a) => [a.iface, a.mac])),
  };
  for (const k of Object.keys(g)) if (g[k] === undefined) delete g[k];
  return g;
}
