/**
 * Interfaces of the drivers behind the system-configuration state modules (cron, locale,
 * timezone, sysctl, host, ssh_auth, ssh_known_hosts). The implementations live in their own
 * files and take a root directory or a command runner, so tests point them at temp roots.
 */

/** A user's crontab, read and installed through the `crontab` command. */
export interface CrontabDriver {
  /** The crontab as `crontab -l` prints it, without crontab's own header; '' when the user has none. */
  read(user: string): Promise<string>;
  /** Installs `text` as the user's crontab (crontab checks its syntax); throws with crontab's error. */
  write(user: string, text: string): Promise<void>;
}

/** The hosts file (Salt's `hosts.file`, /etc/hosts). */
export interface HostsDriver {
  /** Its text; undefined when the file does not exist. */
  read(): Promise<string | undefined>;
  /** Replaces its content (created when missing, as Salt's hosts module does). */
  write(text: string): Promise<void>;
}

/** Kernel parameters: their configuration files and the live values (`sysctl -n`/`sysctl -w`). */
export interface SysctlDriver {
  /** Salt's default config: /etc/sysctl.d/99-salt.conf when systemd runs the box, else /etc/sysctl.conf. */
  defaultConfig(): Promise<string>;
  /** A config file's text (an absolute system path); undefined when it does not exist. */
  readConfig(path: string): Promise<string | undefined>;
  writeConfig(path: string, text: string): Promise<void>;
  /** The live value as `sysctl -n NAME` prints it; undefined when the kernel has no such key. */
  get(name: string): Promise<string | undefined>;
  /** Sets the live value (`sysctl -w NAME=value`); throws `sysctl -w failed: <sysctl's message>`. */
  assign(name: string, value: string): Promise<void>;
}

export type HwClock = 'UTC' | 'localtime';

/** The system time zone (/etc/localtime, /etc/timezone) and the hardware clock's mode. */
export interface TimezoneDriver {
  /** Whether /etc/localtime has the zone file's bytes (Salt's zone_compare); throws for an unknown zone. */
  zoneCompare(zone: string): Promise<boolean>;
  getHwclock(): Promise<HwClock>;
  setZone(zone: string): Promise<void>;
  /** False when the tool refused (Salt's set_hwclock result). */
  setHwclock(clock: HwClock): Promise<boolean>;
}

/** Locales: compiled ones, /etc/locale.gen, and the system locale (localectl or /etc/default/locale). */
export interface LocaleDriver {
  /** What `locale -a` lists. */
  available(): Promise<string[]>;
  /** Text of /usr/share/i18n/SUPPORTED; undefined when missing. */
  supported(): Promise<string | undefined>;
  /** A config file's text (absolute system path); undefined when missing. */
  read(path: string): Promise<string | undefined>;
  /** Replaces a config file's text (Salt's file.replace; it keeps the old text as `path.bak`). */
  write(path: string, text: string, backup?: string): Promise<void>;
  /** `locale-gen LOCALE` (Debian's compiles all of /etc/locale.gen), else `localedef`; false when it failed. */
  generate(locale: string, localedef: { input: string; charmap: string; name: string }): Promise<boolean>;
  /** Whether systemd runs the box: the system locale then goes through localectl. */
  booted(): Promise<boolean>;
  /** `localectl status`: the System Locale variables. */
  localectlLocale(): Promise<Record<string, string>>;
  /** `localectl set-locale K=V ...`; false when it failed. */
  localectlSet(vars: Record<string, string>): Promise<boolean>;
  /** `update-locale` without arguments (regenerates /etc/default/locale); throws when there is none. */
  updateLocale(): Promise<void>;
}

/** A user's SSH files (authorized_keys, known_hosts) and OpenSSH's key tools. */
export interface SshDriver {
  /** Home, uid and gid of an account (getpwnam); undefined when there is no such user. */
  account(user: string): Promise<{ home: string; uid: number; gid: number } | undefined>;
  /** A file's text (absolute system path); undefined when missing. */
  read(path: string): Promise<string | undefined>;
  /** Replaces an existing file's text in place (owner and mode stay). */
  write(path: string, text: string): Promise<void>;
  /** Writes a new file with this owner and mode. */
  create(path: string, text: string, mode: number, owner?: { uid: number; gid: number }): Promise<void>;
  isDir(path: string): Promise<boolean>;
  /** Creates a directory (and its parents) with this owner and mode. */
  mkdir(path: string, mode: number, owner?: { uid: number; gid: number }): Promise<void>;
  /** The file's permission bits; undefined when missing. */
  mode(path: string): Promise<number | undefined>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, owner: { uid: number; gid: number }): Promise<void>;
  /** Runs ssh-keygen or ssh-keyscan; `file` arguments are absolute system paths. */
  tool(cmd: 'ssh-keygen' | 'ssh-keyscan', args: string[], opts?: { files?: number[] }): Promise<{ code: number | null; stdout: string; stderr: string }>;
}
