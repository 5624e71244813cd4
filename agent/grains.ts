import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import si from 'systeminformation';

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
 * Salt-style grains of this machine from systeminformation, with the static
 * grains from config on top. A fact the hardware doesn't report is left out.
 */
export async function collectGrains(opts: { id?: string; static?: Grains } = {}): Promise<Grains> {
  const [os, system, cpu, mem, ifaces, mid] = await Promise.all([
    si.osInfo(), si.system(), si.cpu(), si.mem(), si.networkInterfaces(), machineId(),
  ]);
  const list = Array.isArray(ifaces) ? ifaces : [ifaces];
  const distro = (os.distro || os.platform).split(' ')[0] ?? os.platform;
  const idLower = distro.toLowerCase();
  const g: Grains = {
    id: opts.id ?? hostname(),
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
    ipv4: list.flatMap((i) => (i.ip4 ? [i.ip4] : [])),
    ipv6: list.flatMap((i) => (i.ip6 ? [i.ip6.split('%')[0]] : [])),
    hwaddr_interfaces: Object.fromEntries(list.filter((i) => i.mac).map((i) => [i.iface, i.mac])),
  };
  for (const k of Object.keys(g)) if (g[k] === undefined) delete g[k];
  return { ...g, ...(opts.static ?? {}) };
}
