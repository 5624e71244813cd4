import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { UmecError } from '../lib/errors.js';
import type { CommandRunner, ServiceDriver } from '../lib/drivers.js';
import { BootControl, nextBoot, other } from './boot-control.js';
import type { FirmwareSettings } from './config.js';
import { installStrategy } from './install-sources.js';
import { FINAL_PHASES, INSTALLER_PHASES, UpdateJournal, type JournalRecord, type JournalUpdate } from './journal.js';
import { loadKeyring } from './keys.js';
import { acquireLock } from './lock.js';
import { incompatibility } from './manifest.js';
import type {
  FirmwareEngine, FirmwareStatus, InstallOptions, InstallProgress, InstallResult, PowerDriver, SlotName, UpdatePhase,
} from './types.js';
import { Serial } from '../lib/serial.js';

type Log = { info(o: object, msg?: string): void; warn(o: object, msg?: string): void; error(o: object, msg?: string): void };

/** Test seams: called at points where a test may stop (kill -9) the installer. */
export interface EngineHooks {
  /** After the journal says `phase`, before the step takes effect. */
  afterJournal?(phase: UpdatePhase): void | Promise<void>;
  /** After each chunk written to a slot. */
  afterWrite?(bytes: number): void | Promise<void>;
}

export interface FirmwareDeps {
  power: PowerDriver;
  exec: CommandRunner;
  /** For health.services; absent means those checks fail with a clear reason. */
  services?: ServiceDriver;
  /** The agent's "reached the master within ms" predicate for health.master_within. */
  masterConnected?: (withinMs: number, signal?: AbortSignal) => Promise<boolean>;
  grains?: Record<string, unknown>;
  log?: Log;
  hooks?: EngineHooks;
}

const nowIso = () => new Date().toISOString();
/** Resume may re-issue a reset that was lost (process killed before it) this many times per update. */
const MAX_RESUME_RESETS = 2;

/**
 * The A/B update engine. Every step is journaled before it takes effect;
 * resume() brings the box to a consistent state after a restart or reboot.
 */
export class AbFirmwareEngine implements FirmwareEngine {
  readonly journal: UpdateJournal;
  readonly boot: BootControl;
  private installing = false;
  private readonly queue = new Serial();
  private readonly log: Log;

  constructor(readonly settings: FirmwareSettings, readonly bootControl: BootControl, private readonly deps: FirmwareDeps) {
    this.journal = new UpdateJournal(settings.journal_dir);
    this.boot = bootControl;
    this.log = deps.log ?? { info() {}, warn() {}, error() {} };
  }

  /** The slot the box runs now, from the kernel command line the bootloader wrote. */
  async booted(): Promise<SlotName> {
    const { cmdline, param } = this.settings.booted;
    let text: string;
    try { text = await readFile(cmdline, 'utf8'); } catch (e) {
      throw new UmecError('FW_STATE', { reason: `cannot read ${cmdline} to tell the booted slot: ${(e as Error).message}` });
    }
    const m = new RegExp(`(?:^|\\s)${param.replace(/\./g, '\\.')}=([AB])(?:\\s|$)`).exec(text);
    if (!m) throw new UmecError('FW_STATE', { reason: `${cmdline} has no ${param}=A|B: the bootloader must pass the slot it booted` });
    return m[1] as SlotName;
  }

  private async bootId(): Promise<string> {
    try { return (await readFile(this.settings.boot_id_file, 'utf8')).trim(); } catch (e) {
      throw new UmecError('FW_STATE', { reason: `cannot read boot id ${this.settings.boot_id_file}: ${(e as Error).message}` });
    }
  }

  /** One state-changing operation at a time in this process; the lock file keeps other processes out. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      const release = await acquireLock(this.settings.journal_dir);
      try { return await fn(); } finally { await release(); }
    };
    return this.queue.run(run);
  }

  /** Journals `j` (atomic, fsynced), then lets a test stop here. */
  private async step(j: JournalRecord): Promise<JournalRecord> {
    if (j.update) j.update.updatedAt = nowIso();
    await this.journal.write(j);
    this.log.info({ phase: j.phase, update: j.update?.id, target: j.update?.target }, 'firmware update step');
    await this.deps.hooks?.afterJournal?.(j.phase);
    return j;
  }

  async status(): Promise<FirmwareStatus> {
    const [j, booted, view] = await Promise.all([this.journal.read(), this.booted(), this.boot.view()]);
    const next = nextBoot(view);
    const s: FirmwareStatus = {
      booted,
      phase: j.phase,
      slots: (['A', 'B'] as SlotName[]).map((name) => ({
        name,
        device: this.settings.slots[name].device,
        ...(j.slots[name].version !== undefined ? { version: j.slots[name].version } : {}),
        state: j.slots[name].state,
        booted: booted === name,
        next: next === name,
      })),
    };
    if (j.update) {
      const { id, source, version, target, startedAt, updatedAt, message } = j.update;
      s.update = { id, source, target, startedAt, updatedAt, ...(version !== undefined ? { version } : {}), ...(message !== undefined ? { message } : {}) };
    }
    return s;
  }

  install(source: string, opts: InstallOptions = {}): Promise<InstallResult> {
    if (this.installing) return Promise.reject(new UmecError('FW_BUSY', { reason: 'an update is already being installed' }));
    this.installing = true;
    return this.exclusive(() => this.doInstall(source, opts)).finally(() => { this.installing = false; });
  }

  private async doInstall(source: string, opts: InstallOptions): Promise<InstallResult> {
    let j = await this.recoverInstaller(await this.journal.read());
    if (!FINAL_PHASES.has(j.phase)) {
      throw new UmecError('FW_BUSY', { reason: `update ${j.update?.id} (${j.update?.version ?? j.update?.source}) is ${j.phase}; commit or roll back first` });
    }
    const booted = await this.booted();
    const target = other(booted);
    const reboot = opts.reboot !== false;
    const id = randomUUID();
    const strategy = installStrategy(source, this.settings, id);
    const update: JournalUpdate = {
      id, source, target, from: booted, startedAt: nowIso(), updatedAt: nowIso(), bootId: await this.bootId(), reboot,
      ...(strategy.staged ? { staged: strategy.staged } : {}),
    };
    const progress = (phase: UpdatePhase, bytesDone: number, bytesTotal?: number, base = 0, span = 0, message?: string) => {
      const p: InstallProgress = { phase, bytesDone, ...(bytesTotal !== undefined ? { bytesTotal } : {}) };
      if (bytesTotal) p.percent = Math.min(100, Math.round((base + (span * bytesDone) / bytesTotal) * 10) / 10);
      else if (span === 0 && bytesTotal !== undefined) p.percent = base;
      if (message) p.message = message;
      opts.onProgress?.(p);
    };
    // the running slot is the fallback: it boots, so it is good unless a trial said otherwise
    const slots = j.slots[booted].state === 'unknown' ? { ...j.slots, [booted]: { ...j.slots[booted], state: 'good' as const } } : j.slots;
    j = await this.step({ ...j, phase: strategy.firstPhase, update, slots });
    let wroteSlot = false;
    try {
      const keyring = await loadKeyring(this.settings.keyring);
      const slotClasses = ['rootfs', ...Object.keys(this.settings.slots[target].extra)];
      const { manifest, images } = await strategy.install({
        source, target, settings: this.settings, keyring, signal: opts.signal, progress, log: this.log,
        check: (m) => incompatibility(m, { compatible: this.settings.compatible, grains: this.deps.grains, slotClasses }),
        afterWrite: (n) => this.deps.hooks?.afterWrite?.(n),
        enter: async (phase, version) => {
          if (phase === 'verifying') { j = await this.step({ ...j, phase }); return; }
          const u = version !== undefined ? { ...j.update!, version } : j.update!;
          j = await this.step({ ...j, phase, update: u, slots: { ...j.slots, [target]: { state: 'unknown' } } });
          wroteSlot = true;
        },
      });
      const total = images.reduce((a, i) => a + i.size, 0);
      j = await this.step({ ...j, phase: 'written', update: { ...j.update!, version: manifest.version }, slots: { ...j.slots, [target]: { state: 'unknown', version: manifest.version } } });
      j = await this.step({ ...j, phase: 'rebooting' });
      await this.boot.arm(target, this.settings.boot_tries);
      if (update.staged) await rm(update.staged, { force: true });
      progress('rebooting', total, total, 100, 0, reboot ? 'rebooting into the new slot' : 'the next boot tries the new slot');
      if (reboot && opts.rebootDelay) {
        // the journal says rebooting: if this process dies before the timer, resume() resets instead
        setTimeout(() => {
          this.deps.power.reset('GracefulRestart').catch((e: unknown) => this.log.error({ err: e }, 'reboot into the new slot failed; resume at the next start retries it'));
        }, opts.rebootDelay * 1000);
      } else if (reboot) await this.deps.power.reset('GracefulRestart');
      return { id, version: manifest.version, target, phase: 'rebooting' };
    } catch (e) {
      const message = (e as Error).message;
      const failed = { ...j, phase: 'failed' as const, update: { ...j.update!, message } };
      if (wroteSlot) failed.slots = { ...j.slots, [target]: { state: 'bad' as const } };
      // the boot env is armed only after 'rebooting' is journaled; make sure it points at the running slot
      if (j.phase === 'rebooting') await this.boot.fallback(booted, target).catch(() => undefined);
      await this.step(failed);
      if (update.staged) await rm(update.staged, { force: true }).catch(() => undefined);
      progress('failed', 0, undefined, 0, 0, message);
      throw e;
    }
  }

  /** An installer phase in the journal while we hold the lock: that installer died. */
  private async recoverInstaller(j: JournalRecord): Promise<JournalRecord> {
    if (!INSTALLER_PHASES.has(j.phase) || !j.update) return j;
    const u = j.update;
    const booted = await this.booted();
    const torn = j.phase === 'writing';
    const message = `interrupted while ${j.phase} (the installer stopped); slot ${u.target} ${torn ? 'is incomplete' : 'was not armed'}`;
    const view = await this.boot.view();
    if (nextBoot(view) !== booted) await this.boot.fallback(booted, u.target);
    if (u.staged) await rm(u.staged, { force: true }).catch(() => undefined);
    this.log.warn({ update: u.id, phase: j.phase }, message);
    return this.step({ ...j, phase: 'failed', update: { ...u, message }, slots: torn ? { ...j.slots, [u.target]: { state: 'bad' } } : j.slots });
  }

  /**
   * After a restart or reboot: finish what the journal says was under way.
   * Runs the health checks of a trial boot and commits or rolls back.
   */
  resume(o: { signal?: AbortSignal } = {}): Promise<FirmwareStatus> {
    return this.exclusive(async () => {
      let j = await this.recoverInstaller(await this.journal.read());
      const booted = await this.booted();
      const u = j.update;
      if (!u || j.phase === 'idle' || j.phase === 'failed') {
        if (j.slots[booted].state === 'good') await this.boot.refresh(booted);
        return this.status();
      }
      const sameBoot = (await this.bootId()) === u.bootId;
      switch (j.phase) {
        case 'committed':
          // the commit may have stopped between the journal and the boot env: finish it
          await this.boot.commit(u.target);
          if (booted === u.target) await this.boot.refresh(booted);
          else if ((u.resumeResets ?? 0) < MAX_RESUME_RESETS) {
            // power was lost before the boot env knew of the commit and the trial counter sent us back: boot the committed slot
            this.log.warn({ update: u.id }, `update committed to slot ${u.target}, but slot ${booted} booted; rebooting into ${u.target}`);
            await this.step({ ...j, update: { ...u, resumeResets: (u.resumeResets ?? 0) + 1 } });
            await this.deps.power.reset('GracefulRestart');
          } else this.log.error({ update: u.id }, `update committed to slot ${u.target}, but the box keeps booting slot ${booted}`);
          return this.status();
        case 'rolled-back':
          if (booted === u.target) await this.finishRollback(j, u);
          else if (j.slots[booted].state === 'good' || booted === u.from) await this.boot.refresh(booted);
          return this.status();
        case 'rebooting':
          if (sameBoot) {
            // killed between arming and the reset: arm again and reset, a bounded number of times
            await this.boot.arm(u.target, this.settings.boot_tries);
            if (u.reboot && (u.resumeResets ?? 0) < MAX_RESUME_RESETS) {
              await this.step({ ...j, update: { ...u, resumeResets: (u.resumeResets ?? 0) + 1 } });
              await this.deps.power.reset('GracefulRestart');
            }
            return this.status();
          }
          break;
        default:
          break;
      }
      if (booted !== u.target) {
        const message = `slot ${u.target} did not come up (boot counter exhausted or reset before commit); running slot ${booted} again`;
        await this.step({ ...j, phase: 'rolled-back', update: { ...u, message }, slots: { ...j.slots, [u.target]: { state: 'bad', ...(j.slots[u.target].version ? { version: j.slots[u.target].version } : {}) } } });
        await this.boot.fallback(booted, u.target);
        return this.status();
      }
      j = await this.step({ ...j, phase: 'booted-trying', update: { ...u, bootId: await this.bootId() } });
      j = await this.step({ ...j, phase: 'health-checking' });
      const failure = await this.health(o.signal);
      if (failure === undefined) {
        await this.doCommit(j, 'health checks passed');
        return this.status();
      }
      await this.doRollback(j, `health check failed: ${failure}`);
      return this.status();
    });
  }

  /** The reason the box is unhealthy, or undefined. */
  private async health(signal?: AbortSignal): Promise<string | undefined> {
    const h = this.settings.health;
    for (const c of h.commands) {
      const r = await this.deps.exec.run(c.run, { shell: true, timeout: c.timeout, signal });
      if (r.timedOut) return `command ${JSON.stringify(c.run)} timed out after ${c.timeout} s`;
      if (r.code !== 0) return `command ${JSON.stringify(c.run)} exited ${r.code ?? r.signal}${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 200)}` : ''}`;
    }
    for (const name of h.services) {
      if (!this.deps.services) return `service ${name} cannot be checked (no service driver)`;
      const s = await this.deps.services.status(name);
      if (!s.exists) return `service ${name} does not exist`;
      if (!s.active) return `service ${name} is not active`;
    }
    if (h.master_within > 0 && this.deps.masterConnected) {
      if (!(await this.deps.masterConnected(h.master_within * 1000, signal))) return `agent did not reach its master within ${h.master_within} s`;
    }
    return undefined;
  }

  private async doCommit(j: JournalRecord, message: string): Promise<void> {
    const u = j.update!;
    await this.step({ ...j, phase: 'committed', update: { ...u, message }, slots: { ...j.slots, [u.target]: { state: 'good', ...(u.version ? { version: u.version } : {}) } } });
    await this.boot.commit(u.target);
  }

  private async doRollback(j: JournalRecord, message: string): Promise<void> {
    const u = j.update!;
    const wasGood = j.phase === 'committed';
    const slots = wasGood ? j.slots : { ...j.slots, [u.target]: { ...j.slots[u.target], state: 'bad' as const } };
    const next = await this.step({ ...j, phase: 'rolled-back', update: { ...u, message }, slots });
    await this.finishRollback(next, next.update!);
  }

  /** Boot env back to the previous slot, then reset into it (bounded, so a dead fallback slot cannot loop us). */
  private async finishRollback(j: JournalRecord, u: JournalUpdate): Promise<void> {
    await this.boot.fallback(u.from, j.slots[u.target].state === 'bad' ? u.target : undefined);
    if ((u.resumeResets ?? 0) >= MAX_RESUME_RESETS) {
      this.log.error({ update: u.id }, `rolled back to slot ${u.from}, but the box keeps booting slot ${u.target}`);
      return;
    }
    await this.step({ ...j, update: { ...u, resumeResets: (u.resumeResets ?? 0) + 1 } });
    await this.deps.power.reset('GracefulRestart');
  }

  commit(): Promise<FirmwareStatus> {
    return this.exclusive(async () => {
      const j = await this.journal.read();
      const booted = await this.booted();
      if (j.phase === 'committed') return this.status();
      if ((j.phase !== 'booted-trying' && j.phase !== 'health-checking' && j.phase !== 'rebooting') || !j.update || booted !== j.update.target) {
        throw new UmecError('FW_STATE', { reason: `nothing to commit: phase is ${j.phase}${j.update ? `, update targets slot ${j.update.target}` : ''}, slot ${booted} is running` });
      }
      await this.doCommit(j, 'committed by the operator');
      return this.status();
    });
  }

  rollback(): Promise<FirmwareStatus> {
    return this.exclusive(async () => {
      const j = await this.journal.read();
      const booted = await this.booted();
      const u = j.update;
      if (u && j.phase === 'rebooting' && booted !== u.target) {
        // armed but not booted yet: disarm, nothing to reset
        await this.step({ ...j, phase: 'rolled-back', update: { ...u, message: 'cancelled by the operator before the reboot' }, slots: { ...j.slots, [u.target]: { ...j.slots[u.target], state: 'bad' } } });
        await this.boot.fallback(booted, u.target);
        return this.status();
      }
      if (u && booted === u.target && (j.phase === 'booted-trying' || j.phase === 'health-checking' || j.phase === 'rebooting')) {
        await this.doRollback(j, 'rolled back by the operator');
        return this.status();
      }
      if (u && booted === u.target && j.phase === 'committed') {
        if (j.slots[u.from].state !== 'good') throw new UmecError('FW_STATE', { reason: `cannot roll back: slot ${u.from} is not known good` });
        await this.doRollback(j, `rolled back by the operator to slot ${u.from}`);
        return this.status();
      }
      throw new UmecError('FW_STATE', { reason: `nothing to roll back: phase is ${j.phase}, slot ${booted} is running` });
    });
  }
}
