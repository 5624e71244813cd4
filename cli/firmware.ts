import { agentConfigFlag, jsonFlag, UmecCommand } from './base-command.js';
import type { FirmwareStatus, InstallProgress } from '../firmware/types.js';

export const configFlag = {
  ...agentConfigFlag('agent config file (its firmware: and power: sections)'),
  ...jsonFlag,
};

/** The firmware engine of this box, from agent.yaml (loaded on demand). */
export async function localEngine(configFile: string) {
  const [{ loadAgentConfig }, fw, { UmecError }, { ProcessRunner }, { SystemdServiceDriver }] = await Promise.all([
    import('../agent/config.js'), import('../firmware/index.js'), import('../lib/errors.js'), import('../lib/exec.js'),
    import('../states/drivers/systemd.js')]);
  const config = await loadAgentConfig(configFile);
  if (!config.firmware) throw new UmecError('CONFIG', { file: configFile, reason: 'no firmware: section; this box takes no firmware updates' });
  const exec = new ProcessRunner();
  return fw.createFirmwareEngine(config.firmware, {
    power: fw.createPowerDriver(config.power, exec), exec, services: new SystemdServiceDriver(exec), grains: { ...config.grains, id: config.id },
  });
}

export function formatStatus(s: FirmwareStatus): string {
  const lines = [`booted slot ${s.booted}, phase ${s.phase}`];
  for (const slot of s.slots) {
    const marks = [slot.booted ? 'booted' : '', slot.next ? 'next' : ''].filter(Boolean).join(', ');
    lines.push(`  ${slot.name}  ${(slot.version ?? '-').padEnd(16)} ${slot.state.padEnd(7)} ${slot.device}${marks ? `  (${marks})` : ''}`);
  }
  if (s.update) {
    const u = s.update;
    lines.push(`update ${u.id}: ${u.version ?? '?'} from ${u.source} into slot ${u.target}, started ${u.startedAt}, last step ${u.updatedAt}`);
    if (u.message) lines.push(`  ${u.message}`);
  }
  return lines.join('\n');
}

/** One line per phase change and every ~5 % on a terminal-ish stream. */
export function progressPrinter(out: NodeJS.WritableStream): (p: InstallProgress) => void {
  let lastPhase = '';
  let lastPct = -10;
  return (p) => {
    const pct = p.percent ?? -1;
    if (p.phase === lastPhase && pct - lastPct < 5 && !p.message) return;
    lastPhase = p.phase; lastPct = pct;
    out.write(`${p.phase}${pct >= 0 ? ` ${pct.toFixed(0)}%` : ''} ${p.bytesDone} bytes${p.message ? `: ${p.message}` : ''}\n`);
  };
}

/** commit / rollback / resume: one engine call on the box, then its status as text or --json. */
export function statusActionCommand(summary: string, action: (engine: Awaited<ReturnType<typeof localEngine>>) => Promise<FirmwareStatus>) {
  return class extends UmecCommand {
    static summary = summary;
    static flags = configFlag;

    async run(): Promise<void> {
      const { flags } = await this.parse(this.constructor as never) as unknown as { flags: { config: string; json: boolean } };
      const s = await action(await localEngine(flags.config));
      process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
    }
  };
}
