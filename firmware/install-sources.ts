import { mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UmecError } from '../lib/errors.js';
import { checkImageHeader, fileChunks, inspectBundle, inspectBundleFile, type BundleImage, type InspectedBundle } from './bundle.js';
import type { FirmwareSettings } from './config.js';
import { httpChunks } from './download.js';
import type { Keyring } from './keys.js';
import { SlotSink } from './slot-sink.js';
import { copyToSlot, deviceCapacity } from './slot-writer.js';
import type { SlotName, UpdatePhase } from './types.js';

type Log = { warn(o: object, msg?: string): void };
export type Progress = (phase: UpdatePhase, done: number, total?: number, base?: number, span?: number, message?: string) => void;

/** What an install strategy gets from the engine: the checked inputs and the journal, as steps. */
export interface InstallContext {
  source: string;
  target: SlotName;
  settings: FirmwareSettings;
  keyring: Keyring;
  /** Why a manifest does not fit this box, or undefined. */
  check: (m: InspectedBundle['manifest']) => string | undefined;
  signal?: AbortSignal;
  progress: Progress;
  log: Log;
  /** Journals the phase ('writing' marks the target slot incomplete; from then on a failure marks it bad). */
  enter(phase: 'verifying' | 'writing', version?: string): Promise<void>;
  afterWrite?(bytes: number): void | Promise<void>;
}

/** One way of getting a bundle from its source onto the target slot, every step through the same journal. */
export interface InstallStrategy {
  readonly name: 'stream' | 'download' | 'file';
  /** The phase the journal records when the install starts. */
  readonly firstPhase: 'downloading' | 'verifying';
  /** The bundle's copy on disk while it installs (removed when the install ends either way). */
  readonly staged?: string;
  /** Verifies the bundle and writes its images to the target slot; the manifest it installed. */
  install(c: InstallContext): Promise<InspectedBundle>;
}

export const isUrl = (source: string) => /^https?:\/\//i.test(source);
const deviceOf = (s: FirmwareSettings, target: SlotName, slot: string) => (slot === 'rootfs' ? s.slots[target].device : s.slots[target].extra[slot]);

/** The strategy for a source: streamed in one pass unless the settings ask to verify before writing; then a URL is staged first. */
export function installStrategy(source: string, settings: FirmwareSettings, updateId: string): InstallStrategy {
  if (!settings.verify_before_write) return streamInstall(source);
  return isUrl(source) ? downloadInstall(join(settings.staging_dir, `${updateId}.umb`)) : fileInstall();
}

const download = (c: InstallContext, onSize?: (n: number) => void) => httpChunks(c.source, {
  retries: c.settings.download.retries, timeout: c.settings.download.timeout, signal: c.signal, onSize,
  onRetry: (attempt, offset, err) => {
    c.log.warn({ attempt, offset, err: err.message }, 'download interrupted; resuming');
    c.progress('downloading', offset, undefined, 0, 0, `retry ${attempt} from byte ${offset}: ${err.message}`);
  },
});

/** One pass: each image goes to its device while the bundle is read and hashed (verify_before_write off). */
export function streamInstall(source: string): InstallStrategy {
  return {
    name: 'stream', firstPhase: isUrl(source) ? 'downloading' : 'verifying',
    async install(c) {
      let size: number | undefined;
      let imagesTotal: number | undefined;
      let wrote = false;
      const sink = new SlotSink({
        device: (img) => deviceOf(c.settings, c.target, img.slot),
        beforeFirstWrite: async () => { await c.enter('writing'); wrote = true; },
        onBytes: async (n) => { c.progress('writing', n, imagesTotal, 0, 100); await c.afterWrite?.(n); },
      });
      const chunks = isUrl(c.source) ? download(c, (n) => { size = n; }) : (async function* () {
        try { size = (await stat(c.source)).size; } catch (e) { throw new UmecError('FW_BUNDLE', { bundle: c.source, reason: `cannot read: ${(e as Error).message}` }); }
        yield* fileChunks(c.source);
      })();
      try {
        const inspected = await inspectBundle(chunks, {
          label: c.source, keyring: c.keyring, signal: c.signal, image: sink, totalSize: () => size,
          check: (m) => { const why = c.check(m); if (!why) imagesTotal = m.images.reduce((a, i) => a + i.size, 0); return why; },
        });
        await sink.finish();
        return inspected;
      } catch (e) {
        await sink.abort();
        throw e instanceof UmecError || !wrote ? e : new UmecError('FW_SLOT', { slot: c.target, device: c.settings.slots[c.target].device, reason: (e as Error).message });
      }
    },
  };
}

/** Download to the staging file while verifying, then write the verified copy (verify_before_write, URL). */
export function downloadInstall(staged: string): InstallStrategy {
  return {
    name: 'download', firstPhase: 'downloading', staged,
    async install(c) {
      await mkdir(c.settings.staging_dir, { recursive: true });
      const fh = await open(staged, 'w');
      let inspected: InspectedBundle;
      try {
        const chunks = download(c);
        const tee = async function* (): AsyncGenerator<Buffer> {
          for await (const chunk of chunks) { await fh.write(chunk); yield chunk; }
        };
        // a download's length is unknown until the bundle is read
        inspected = await inspectBundle(tee(), { label: c.source, keyring: c.keyring, check: c.check, signal: c.signal, onBytes: (n) => c.progress('downloading', n, undefined, 0, 50) });
        await fh.sync();
      } finally {
        await fh.close();
      }
      await c.enter('verifying');
      await writeImages(c, staged, inspected);
      return inspected;
    },
  };
}

/** Verify the local bundle, then write it (verify_before_write, a file on the box). */
export function fileInstall(): InstallStrategy {
  return {
    name: 'file', firstPhase: 'verifying',
    async install(c) {
      const inspected = await inspectBundleFile(c.source, { keyring: c.keyring, check: c.check, signal: c.signal, onBytes: (n) => c.progress('verifying', n, undefined, 0, 0) });
      await writeImages(c, c.source, inspected);
      return inspected;
    },
  };
}

/** Second pass of a verified bundle on disk: each image onto its device, hashed again as written. */
async function writeImages(c: InstallContext, bundleFile: string, { manifest, images }: { manifest: InspectedBundle['manifest']; images: BundleImage[] }): Promise<void> {
  const total = images.reduce((a, i) => a + i.size, 0);
  const devices = images.map((img) => deviceOf(c.settings, c.target, img.slot));
  for (const [i, img] of images.entries()) {
    const cap = await deviceCapacity(devices[i]);
    if (cap !== undefined && cap < img.size) {
      throw new UmecError('FW_SLOT', { slot: c.target, device: devices[i], reason: `image ${img.file} is ${img.size} bytes, the device holds ${cap}` });
    }
  }
  c.progress('verifying', total, total, 50, 0);
  await c.enter('writing', manifest.version);
  const src = await open(bundleFile, 'r');
  try { for (const img of images) await checkImageHeader(src, img, c.source); } finally { await src.close(); }
  let before = 0;
  for (const [i, img] of images.entries()) {
    try {
      await copyToSlot(bundleFile, img.offset, img.size, devices[i], img.sha256, {
        signal: c.signal,
        onBytes: async (n) => { c.progress('writing', before + n, total, 50, 50); await c.afterWrite?.(before + n); },
      });
    } catch (e) {
      if (e instanceof UmecError) throw e;
      throw new UmecError('FW_SLOT', { slot: c.target, device: devices[i], reason: (e as Error).message });
    }
    before += img.size;
  }
}
