import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../lib/config.js';
import { isCurveKey } from '../../lib/z85.js';
import { isNotFound, UmecError } from '../../lib/errors.js';
import { fsyncDir, writeFileAtomic } from '../../lib/fs-atomic.js';
import { JsonStore } from '../../lib/json-store.js';
import { checkScheduleCron } from '../../lib/schedule-check.js';
import type { AgentConfig } from '../config.js';
import { bootstrapFileSchema } from './settings.js';

type BootstrapFile = FromSchema<typeof bootstrapFileSchema>;

/** What the agent keeps in data_dir once commissioning has begun: the bootstrap file may be gone by the next boot. */
export interface SavedBootstrap { master?: string[]; master_pubkey?: string; grains?: Record<string, unknown>; started_at: string }

export interface Bootstrap {
  /** The agent config with master and master_pubkey filled in from the bootstrap sources. */
  config: AgentConfig;
  /** Commissioning still to do (first boot, or a first boot that has not finished). */
  commission: boolean;
  token?: string;
  /** Where the token came from: only a file is blanked after use. */
  tokenFrom?: 'config' | 'file' | 'env';
  /** Grains the master preset through the token, kept across restarts. */
  presetGrains: Record<string, unknown>;
  markerPath: string;
  savedPath: string;
}

export const MARKER = 'commissioned';
const SAVED = 'bootstrap.json';

async function exists(p: string): Promise<boolean> {
  try { await stat(p); return true; } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

function savedStore(path: string): JsonStore<SavedBootstrap> {
  return new JsonStore<SavedBootstrap>(path, { what: 'saved bootstrap', hint: 'remove it to read the bootstrap file again', indent: 0 });
}

const readSaved = (path: string): Promise<SavedBootstrap | undefined> => savedStore(path).read();

/** Merges into data_dir/bootstrap.json (atomically). */
export async function saveBootstrap(path: string, patch: Partial<SavedBootstrap>): Promise<void> {
  const cur = (await readSaved(path)) ?? { started_at: new Date().toISOString() };
  await savedStore(path).write({ ...cur, ...patch });
}

const list = (m: string | string[] | undefined) => (m === undefined ? undefined : (Array.isArray(m) ? m : m.split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * Bootstrap settings, each looked up in order: agent.yaml, the bootstrap
 * file on the boot partition, the environment (UMEC_MASTER, comma-separated;
 * UMEC_MASTER_PUBKEY; UMEC_TOKEN), and what an earlier boot saved in
 * data_dir. Once the commissioned marker exists, the bootstrap file and
 * token are not read at all: a reboot never commissions again.
 */
export async function resolveBootstrap(config: AgentConfig, o: { env?: NodeJS.ProcessEnv; configFile?: string } = {}): Promise<Bootstrap> {
  const env = o.env ?? process.env;
  const configFile = o.configFile ?? 'agent.yaml';
  const b = config.bootstrap;
  checkScheduleCron(configFile, config.schedule ?? {});
  const markerPath = join(config.data_dir, MARKER);
  const savedPath = join(config.data_dir, SAVED);
  const commissioned = await exists(markerPath);
  const saved = await readSaved(savedPath);
  const file = !commissioned && b.commission !== false && (await exists(b.file))
    ? await loadConfig<BootstrapFile>(b.file, bootstrapFileSchema) : undefined;

  // loadAgentConfig turns an absent master into [undefined]
  const fromConfig = [config.master as string[] | string | undefined].flat().filter((m): m is string => typeof m === 'string');
  const master = [fromConfig.length ? fromConfig : undefined, list(file?.master), list(env.UMEC_MASTER), saved?.master].find((m) => m?.length);
  const master_pubkey = config.master_pubkey ?? file?.master_pubkey ?? (env.UMEC_MASTER_PUBKEY || undefined) ?? saved?.master_pubkey;
  const missing = [!master && 'master', !master_pubkey && 'master_pubkey'].filter(Boolean);
  if (missing.length) {
    throw new UmecError('CONFIG', { file: configFile, reason: `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required: set in ${configFile}, in the bootstrap file ${b.file}, or as ${missing.map((m) => (m === 'master' ? 'UMEC_MASTER' : 'UMEC_MASTER_PUBKEY')).join(' / ')}` });
  }
  let token: string | undefined;
  let tokenFrom: Bootstrap['tokenFrom'];
  if (!commissioned && b.commission !== false) {
    if (b.token) [token, tokenFrom] = [b.token, 'config'];
    else if (file?.token) [token, tokenFrom] = [file.token, 'file'];
    else if (env.UMEC_TOKEN) [token, tokenFrom] = [env.UMEC_TOKEN, 'env'];
  }
  const commission = !commissioned && (b.commission === true || (b.commission === 'auto' && Boolean(token || file || saved || env.UMEC_MASTER)));
  if (!isCurveKey(master_pubkey)) throw new UmecError('CONFIG', { file: 'UMEC_MASTER_PUBKEY', reason: 'not a Z85 CURVE public key (40 characters, as umec key master prints it)' });
  const full: AgentConfig = Object.freeze({ ...config, master: Object.freeze([...master!]) as string[], master_pubkey });
  if (commission && !saved) {
    await mkdir(config.data_dir, { recursive: true, mode: 0o700 });
    await saveBootstrap(savedPath, { master: full.master, master_pubkey, grains: file?.grains ?? {}, started_at: new Date().toISOString() });
  }
  const presetGrains = { ...(file?.grains ?? {}), ...(saved?.grains ?? {}) };
  return { config: full, commission, token, tokenFrom, presetGrains, markerPath, savedPath };
}

/**
 * After the key is accepted: the bootstrap file's token is blanked (or the
 * file removed), atomically, so a copy of the boot partition no longer holds it.
 */
export async function scrubBootstrapFile(path: string, how: 'blank' | 'remove'): Promise<void> {
  if (how === 'remove') {
    try { await unlink(path); } catch (e) { if (!isNotFound(e)) throw e; return; }
    await fsyncDir(dirname(path));
    return;
  }
  let text: string;
  try { text = await readFile(path, 'utf8'); } catch (e) { if (isNotFound(e)) return; throw e; }
  const doc = parseDocument(text);
  if (!doc.get('token')) return;
  // keeps the operator's comments and the other settings
  doc.set('token', '');
  await writeFileAtomic(path, doc.toString());
}
