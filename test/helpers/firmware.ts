import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { stringify } from 'yaml';
import { createBundle, signBundle } from '../../firmware/bundle.js';
import { createBootEnv } from '../../firmware/bootenv/index.js';
import { nextBoot, parseBootView } from '../../firmware/boot-control.js';
import { firmwareSettings, type FirmwareSettings } from '../../firmware/config.js';
import { generateSigningKey, loadSigningKey } from '../../firmware/keys.js';
import { createFirmwareEngine, type FirmwareEngineDeps } from '../../firmware/index.js';
import { RecordingPowerDriver } from '../../firmware/power.js';
import { ProcessRunner } from '../../states/drivers/exec.js';
import { validateConfig } from '../../lib/config.js';
import { firmwareSettingsSchema } from '../../firmware/config.js';
import { createPublicKey } from 'node:crypto';
import type { SlotName } from '../../firmware/types.js';

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export interface Box {
  dir: string;
  settings: FirmwareSettings;
  /** The raw firmware: section (to write into agent.yaml or pass to a child). */
  raw: Record<string, unknown>;
  power: RecordingPowerDriver;
  powerLog: string;
  /** Content of slot A as shipped (the good image the box runs). */
  oldImage: Buffer;
  keyFile: string;
}

/**
 * A box in a directory: two file slots (A holds the running image), a boot env
 * (U-Boot env file driven by the real fw_setenv, grubenv by grub-editenv, or a
 * plain file), a kernel command line and a boot id the simulated bootloader
 * rewrites, a keyring with one trusted key.
 */
export async function makeBox(dir: string, o: { bootenv?: 'uboot' | 'grub' | 'file'; health?: Record<string, unknown>; slotB?: string; bootTries?: number; streaming?: boolean } = {}): Promise<Box> {
  const kind = o.bootenv ?? 'uboot';
  const keyring = join(dir, 'keyring');
  execFileSync('mkdir', ['-p', keyring]);
  const { key, pub } = await generateSigningKey(join(dir, 'vendor'));
  execFileSync('cp', [pub, keyring]);
  const oldImage = randomBytes(64 * 1024);
  await writeFile(join(dir, 'slotA'), oldImage);
  const bootenv = kind === 'uboot' ? { driver: 'uboot', env_file: join(dir, 'uboot.env'), env_size: 0x4000, redundant: true }
    : kind === 'grub' ? { driver: 'grub', grubenv: join(dir, 'grubenv') } : { driver: 'file', path: join(dir, 'bootenv') };
  const raw = {
    compatible: 'umec-test-board',
    slots: { A: { device: join(dir, 'slotA') }, B: { device: o.slotB ?? join(dir, 'slotB') } },
    bootenv,
    boot_tries: o.bootTries ?? 1,
    keyring,
    journal_dir: join(dir, 'journal'),
    booted: { cmdline: join(dir, 'cmdline') },
    boot_id_file: join(dir, 'boot_id'),
    health: o.health ?? { commands: ['true'], master_within: 0 },
    download: { retries: 4, timeout: 5 },
    ...(o.streaming ? { verify_before_write: false } : {}),
  };
  const settings = firmwareSettings(validateConfig(raw, firmwareSettingsSchema, 'test'), { dataDir: dir });
  if (kind === 'uboot') {
    // a factory-fresh env: what the board's default environment holds
    await writeFile(join(dir, 'uboot.env'), Buffer.alloc(0x8000));
    await writeFile(join(dir, 'uboot.defaults'), 'bootcmd=run umec_boot\n');
    execFileSync('fw_setenv', ['-c', await ubootConfig(dir), '-f', join(dir, 'uboot.defaults'), 'BOOT_ORDER', 'A B'], { stdio: 'pipe' });
    execFileSync('fw_setenv', ['-c', await ubootConfig(dir), 'BOOT_A_LEFT', '3']);
    execFileSync('fw_setenv', ['-c', await ubootConfig(dir), 'BOOT_B_LEFT', '0']);
  } else {
    const env = createBootEnv(settings.bootenv, new ProcessRunner(), dir);
    await env.write({ BOOT_ORDER: 'A B', BOOT_A_LEFT: '3', BOOT_B_LEFT: '0' });
  }
  await writeFile(join(dir, 'cmdline'), 'console=ttyS0 umec.slot=A rootwait\n');
  await writeFile(join(dir, 'boot_id'), `${randomBytes(16).toString('hex')}\n`);
  const powerLog = join(dir, 'power.log');
  return { dir, settings, raw, power: new RecordingPowerDriver(powerLog), powerLog, oldImage, keyFile: key };
}

async function ubootConfig(dir: string): Promise<string> {
  const f = join(dir, 'test-fw_env.config');
  await writeFile(f, `${join(dir, 'uboot.env')} 0x0 0x4000\n${join(dir, 'uboot.env')} 0x4000 0x4000\n`);
  return f;
}

export function engineFor(box: Box, deps: Partial<FirmwareEngineDeps> = {}) {
  return createFirmwareEngine(box.settings, { power: box.power, ...deps });
}

/** Makes and signs a bundle with `image` for slot class rootfs. */
export async function makeBundle(box: Box, image: Buffer, o: { version?: string; compatible?: string; name?: string; sign?: boolean; key?: string } = {}): Promise<string> {
  const name = o.name ?? `bundle-${o.version ?? '2.0.0'}`;
  const img = join(box.dir, `${name}.img`);
  await writeFile(img, image);
  const m = join(box.dir, `${name}.yaml`);
  await writeFile(m, stringify({ compatible: o.compatible ?? 'umec-test-board', version: o.version ?? '2.0.0', images: [{ slot: 'rootfs', file: `${name}.img` }] }));
  const out = join(box.dir, `${name}.umb`);
  await createBundle(m, out);
  if (o.sign !== false) {
    const k = await loadSigningKey(o.key ?? box.keyFile);
    await signBundle(out, k, createPublicKey(k));
  }
  return out;
}

/**
 * What the bootloader does at power-on (the U-Boot script in firmware/README.md):
 * the first slot in BOOT_ORDER with tries left, its counter decremented, booted
 * with umec.slot=<slot>; a new boot id. Returns the slot booted.
 */
export async function simulateBoot(box: Box): Promise<SlotName> {
  const env = createBootEnv(box.settings.bootenv, new ProcessRunner(), join(box.dir, 'bootsim'));
  const view = parseBootView(await env.read());
  let slot = nextBoot(view);
  if (!slot) {
    // nothing left anywhere: the loader resets the counters and tries the order again
    await env.write({ BOOT_A_LEFT: '3', BOOT_B_LEFT: '3' });
    slot = view.order[0]!;
  }
  await env.write({ [`BOOT_${slot}_LEFT`]: String(Math.max(0, view.left[slot] - 1)) });
  await writeFile(box.settings.booted.cmdline, `console=ttyS0 umec.slot=${slot} rootwait\n`);
  await writeFile(box.settings.boot_id_file, `${randomBytes(16).toString('hex')}\n`);
  return slot;
}

export async function slotBytes(box: Box, s: SlotName): Promise<Buffer> {
  return readFile(box.settings.slots[s].device).catch(() => Buffer.alloc(0));
}
