import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadConfig } from '../lib/config.js';
import { UmecError } from '../lib/errors.js';
import { ENTRY_DEFAULTS, rosterSchema, type RawEntry } from './schema.js';

/** One box reached over SSH, with roster_defaults and built-in defaults applied. */
export interface RosterEntry {
  id: string;
  host: string;
  port: number;
  user: string;
  priv?: string;
  passwd?: string;
  sudo: boolean;
  sudo_user?: string;
  /** Connect timeout, seconds. */
  timeout: number;
  grains: Record<string, unknown>;
  thin_dir: string;
  known_hosts: string;
  node: string;
}

export interface Roster {
  file: string;
  entries: Map<string, RosterEntry>;
}

export function expandHome(p: string, base: string): string {
  if (p === '~' || p.startsWith('~/')) return join(homedir(), p.slice(1));
  return isAbsolute(p) ? p : resolve(base, p);
}

/** Salt's default thin_dir is per user under /var/tmp, so two users never share one. */
export function defaultThinDir(user: string): string {
  return `/var/tmp/.umec_${user.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/**
 * Loads and validates a roster file. Errors name the file, line, entry and
 * field. Relative key and known_hosts paths are relative to the roster file.
 */
export async function loadRoster(file: string, overrides: { knownHosts?: string } = {}): Promise<Roster> {
  let raw: Record<string, RawEntry>;
  try {
    raw = await loadConfig<Record<string, RawEntry>>(file, rosterSchema);
  } catch (e) {
    if (e instanceof UmecError && e.code === 'CONFIG') throw new UmecError('ROSTER', e.details);
    throw e;
  }
  const base = dirname(resolve(file));
  const defaults = raw.roster_defaults ?? {};
  const entries = new Map<string, RosterEntry>();
  for (const [id, own] of Object.entries(raw)) {
    if (id === 'roster_defaults') continue;
    const e = { ...ENTRY_DEFAULTS, ...defaults, ...own };
    if (!e.host) throw new UmecError('ROSTER', { file, reason: `${id}.host is required (in the entry or in roster_defaults)` });
    const user = e.user ?? userInfo().username;
    entries.set(id, {
      id, host: e.host, port: e.port, user,
      priv: e.priv ? expandHome(e.priv, base) : undefined,
      passwd: e.passwd, sudo: e.sudo, sudo_user: e.sudo_user, timeout: e.timeout,
      grains: { ...(defaults.grains ?? {}), ...(own.grains ?? {}) },
      thin_dir: e.thin_dir ?? defaultThinDir(user),
      known_hosts: expandHome(overrides.knownHosts ?? e.known_hosts ?? '~/.ssh/known_hosts', base),
      node: e.node,
    });
  }
  return { file, entries };
}
