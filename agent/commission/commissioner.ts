import { writeFileAtomic } from '../../lib/fs-atomic.js';
import type { Logger } from '../../lib/log.js';
import type { JobArgs, JobFun, ReturnMessage } from '../../lib/messages.js';
import { sleep } from '../../lib/retry.js';
import type { AcceptancePolicy } from '../master-link.js';
import { type Bootstrap, saveBootstrap, scrubBootstrapFile } from './bootstrap.js';
import { backoffSeconds } from './local-jid.js';

export interface CommissionerDeps {
  bootstrap: Bootstrap;
  log: Logger;
  /** Runs a job the agent starts itself and delivers it to the master's job cache. */
  runLocal(kind: 'commission', name: string, fun: JobFun, args: JobArgs, attempt: number): Promise<ReturnMessage>;
  /** The grains the master preset through the token (already merged into the saved bootstrap). */
  addGrains(preset: Record<string, unknown>): void;
  /** The master in use, recorded in the marker. */
  master(): string;
  running(): boolean;
}

/**
 * First boot: enrolment with the token, then the highstate as a job of its own (in the master's
 * job cache), then the commissioned marker once the master has the result. A failure is reported
 * and retried with backoff.
 */
export class Commissioner {
  constructor(private readonly d: CommissionerDeps) {}

  /** How the key request goes while commissioning: with the token, logged, backing off. */
  acceptance(): AcceptancePolicy {
    const b = this.d.bootstrap;
    return {
      ...(b.token ? { token: b.token } : {}),
      commissioning: { retryMin: b.config.bootstrap.retry_min, retryMax: b.config.bootstrap.retry_max },
      onAccepted: (body) => this.onAccepted(body),
    };
  }

  /** Keeps the grains a token preset, and takes the token off the boot partition. */
  private async onAccepted(body: Record<string, unknown>): Promise<void> {
    const { bootstrap: boot, log } = this.d;
    const preset = body.grains && typeof body.grains === 'object' ? body.grains as Record<string, unknown> : undefined;
    if (preset && Object.keys(preset).length) {
      await saveBootstrap(boot.savedPath, { grains: { ...boot.presetGrains, ...preset } });
      this.d.addGrains(preset);
    }
    if (boot.tokenFrom === 'file') {
      await scrubBootstrapFile(boot.config.bootstrap.file, boot.config.bootstrap.after_use)
        .then(() => log.info({ file: boot.config.bootstrap.file, how: boot.config.bootstrap.after_use }, 'enrolment token taken off the bootstrap file'))
        .catch((e: unknown) => log.error({ err: e, file: boot.config.bootstrap.file }, 'could not blank the token in the bootstrap file'));
    } else if (boot.tokenFrom === 'config') {
      log.warn('the enrolment token stays in agent.yaml; remove it (a bootstrap file is blanked automatically)');
    }
    log.info({ id: boot.config.id }, 'commissioning: key accepted');
  }

  /** Key accepted: applies the highstate until it succeeds; true once the marker is written. */
  async run(): Promise<boolean> {
    const b = this.d.bootstrap;
    for (let attempt = 1; this.d.running(); attempt++) {
      const ret = await this.d.runLocal('commission', 'highstate', 'apply', {}, attempt);
      if (!this.d.running()) return false;
      if (ret.success) {
        await writeFileAtomic(b.markerPath, `${JSON.stringify({ commissioned_at: new Date().toISOString(), jid: ret.jid, master: this.d.master() })}\n`, { mode: 0o644 });
        this.d.log.info({ jid: ret.jid, attempt }, 'commissioned');
        return true;
      }
      const wait = backoffSeconds(attempt, b.config.bootstrap.retry_min, b.config.bootstrap.retry_max);
      this.d.log.warn({ jid: ret.jid, attempt, retcode: ret.retcode, retry_in: Math.round(wait) }, 'commissioning: highstate failed; retrying');
      await sleep(wait * 1000);
    }
    return false;
  }
}
