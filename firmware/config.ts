import type { FromSchema } from 'json-schema-to-ts';
import { isAbsolute, join, resolve } from 'node:path';

/** How the engine finds and changes the boot environment. */
export type BootEnvSettings =
  | { driver: 'uboot'; config?: string; env_file?: string; env_size: number; redundant: boolean; defaults_file?: string }
  | { driver: 'grub'; grubenv: string }
  | { driver: 'file'; path: string };

export interface HealthCommand { run: string; timeout: number }

export interface FirmwareSettings {
  /** Board name a bundle's manifest must name in `compatible`. */
  compatible: string;
  slots: Record<'A' | 'B', { device: string; extra: Record<string, string> }>;
  bootenv: BootEnvSettings;
  /** Boots a freshly written slot gets before the bootloader falls back. */
  boot_tries: number;
  /** Tries a committed slot gets (the counter resets on every good boot). */
  good_tries: number;
  /** Directory of trusted ed25519 public keys (*.pub, PEM). */
  keyring: string;
  /** Journal and slot records; default <agent data_dir>/firmware. */
  journal_dir: string;
  /** Where downloads are staged and verified before they reach a slot; default <journal_dir>/staging. */
  staging_dir: string;
  /** Where the running slot is read from: the kernel command line parameter the bootloader sets. */
  booted: { cmdline: string; param: string };
  /** Changes on every boot: tells a reboot from a process restart. */
  boot_id_file: string;
  health: {
    commands: HealthCommand[];
    services: string[];
    /** Seconds the agent has to reach its master after a trial boot; 0: not checked. */
    master_within: number;
  };
  download: { retries: number; timeout: number };
  /**
   * true (default): the whole bundle is verified (signature, sizes, every
   * sha256; downloads staged on disk) before a byte is written to the slot.
   * false: one pass, images stream onto the slot as they are hashed (no
   * staging space); signature, compatibility and size are still checked
   * first, a hash mismatch is found at the image's end and the slot is
   * marked bad, never booted.
   */
  verify_before_write: boolean;
}

const path = { type: 'string', minLength: 1 } as const;
const slot = {
  type: 'object',
  properties: {
    device: path,
    extra: { type: 'object', additionalProperties: path, default: {} },
  },
  required: ['device'],
  additionalProperties: false,
} as const;

/** JSON schema of the `firmware:` section of agent.yaml (defaults that depend on data_dir are filled by firmwareSettings). */
export const firmwareSettingsSchema = {
  type: 'object',
  properties: {
    compatible: { type: 'string', minLength: 1 },
    slots: {
      type: 'object',
      properties: { A: slot, B: slot },
      required: ['A', 'B'],
      additionalProperties: false,
    },
    bootenv: {
      type: 'object',
      properties: {
        driver: { enum: ['uboot', 'grub', 'file'] },
        config: path,
        env_file: path,
        env_size: { type: 'integer', minimum: 512, default: 0x4000 },
        redundant: { type: 'boolean', default: false },
        defaults_file: path,
        grubenv: path,
        path,
      },
      required: ['driver'],
      additionalProperties: false,
      allOf: [
        { if: { properties: { driver: { const: 'uboot' } } }, then: { anyOf: [{ required: ['config'] }, { required: ['env_file'] }] } },
        { if: { properties: { driver: { const: 'grub' } } }, then: { properties: { grubenv: { default: '/boot/grub/grubenv' } } } },
        { if: { properties: { driver: { const: 'file' } } }, then: { required: ['path'] } },
      ],
    },
    boot_tries: { type: 'integer', minimum: 1, maximum: 9, default: 1 },
    good_tries: { type: 'integer', minimum: 1, maximum: 9, default: 3 },
    keyring: { ...path, default: '/etc/umec/keyring' },
    journal_dir: path,
    staging_dir: path,
    booted: {
      type: 'object',
      properties: { cmdline: { ...path, default: '/proc/cmdline' }, param: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', default: 'umec.slot' } },
      additionalProperties: false,
      default: {},
    },
    boot_id_file: { ...path, default: '/proc/sys/kernel/random/boot_id' },
    health: {
      type: 'object',
      properties: {
        commands: {
          type: 'array',
          items: {
            anyOf: [
              { type: 'string', minLength: 1 },
              { type: 'object', properties: { run: { type: 'string', minLength: 1 }, timeout: { type: 'number', exclusiveMinimum: 0 } }, required: ['run'], additionalProperties: false },
            ],
          },
          default: [],
        },
        services: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
        master_within: { type: 'number', minimum: 0, default: 300 },
      },
      additionalProperties: false,
      default: {},
    },
    verify_before_write: { type: 'boolean', default: true },
    download: {
      type: 'object',
      properties: {
        retries: { type: 'integer', minimum: 0, default: 5 },
        timeout: { type: 'number', exclusiveMinimum: 0, default: 30 },
      },
      additionalProperties: false,
      default: {},
    },
  },
  required: ['compatible', 'slots', 'bootenv'],
  additionalProperties: false,
} as const;

/** The `firmware:` section as validated (defaults filled in). */
type RawSettings = FromSchema<typeof firmwareSettingsSchema>;

/**
 * The engine's settings from a validated `firmware:` section: paths made
 * absolute (relative to the config file's directory), the journal under the
 * agent's data_dir unless given.
 */
export function firmwareSettings(raw: unknown, o: { dataDir: string; baseDir?: string }): FirmwareSettings {
  const r = raw as RawSettings;
  const base = o.baseDir ?? process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const journal = abs(r.journal_dir ?? join(o.dataDir, 'firmware'));
  const be = r.bootenv as BootEnvSettings & Record<string, unknown>;
  const bootenv: BootEnvSettings = be.driver === 'uboot'
    ? { driver: 'uboot', env_size: be.env_size, redundant: be.redundant,
      ...(be.config ? { config: abs(be.config) } : {}), ...(be.env_file ? { env_file: abs(be.env_file) } : {}),
      ...(be.defaults_file ? { defaults_file: abs(be.defaults_file) } : {}) }
    : be.driver === 'grub' ? { driver: 'grub', grubenv: abs(be.grubenv) } : { driver: 'file', path: abs(be.path) };
  const slotOf = (s: { device: string; extra?: Record<string, string> }) => ({
    device: abs(s.device), extra: Object.fromEntries(Object.entries(s.extra ?? {}).map(([k, v]) => [k, abs(v)])),
  });
  return Object.freeze({
    ...r,
    slots: { A: slotOf(r.slots.A), B: slotOf(r.slots.B) },
    bootenv,
    keyring: abs(r.keyring),
    journal_dir: journal,
    staging_dir: abs(r.staging_dir ?? join(journal, 'staging')),
    booted: { cmdline: abs(r.booted.cmdline), param: r.booted.param },
    boot_id_file: abs(r.boot_id_file),
    health: {
      services: r.health.services, master_within: r.health.master_within,
      commands: r.health.commands.map((c) => (typeof c === 'string' ? { run: c, timeout: 60 } : { run: c.run, timeout: c.timeout ?? 60 })),
    },
  });
}
