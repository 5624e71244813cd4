import { UmecError } from '../lib/errors.js';
import type { JobFun } from '../lib/messages.js';
import type { RosterCompiler } from './compile.js';
import type { KnownHosts } from './known-hosts.js';
import { callThin, ThinMissing, type HostReturn } from './remote-call.js';
import type { RosterEntry } from './roster-file.js';
import { SshSession } from './ssh-session.js';
import type { ThinBundle } from './thin-bundle.js';
import { uploadThin, type UploadHooks } from './upload.js';

export interface RosterJob {
  fun: JobFun;
  args: { cmd?: string[] };
  compiler?: RosterCompiler;
  test?: boolean;
  refreshGrains?: boolean;
}

export interface RosterRunOptions {
  bundle: ThinBundle;
  /** The known_hosts an entry is checked against (entries may name different files). */
  knownHosts: (entry: RosterEntry) => KnownHosts;
  acceptNew?: boolean;
  /** Hosts worked on at once (salt-ssh's --max-procs). */
  maxProcs: number;
  /** Seconds one host may take once connected. */
  timeoutSec: number;
  onReturn?: (id: string, r: HostReturn) => void;
  upload?: UploadHooks;
}

export interface HostStats { uploaded: number }

/** SSH-level failures carry retcode 255, as ssh itself uses. */
export function failureReturn(e: unknown): HostReturn {
  const msg = e instanceof UmecError ? `[${e.code}] ${e.message}` : `[SSH_REMOTE] ${(e as Error).message}`;
  return { ret: msg, retcode: 255, success: false };
}

/** One host: one connection; the bundle is uploaded only when thin_dir lacks it. */
export async function runOnHost(entry: RosterEntry, job: RosterJob, o: RosterRunOptions, stats?: HostStats): Promise<HostReturn> {
  const session = await SshSession.connect(entry, { knownHosts: o.knownHosts(entry), acceptNew: o.acceptNew });
  try {
    const call = { fun: job.fun, args: job.args, compiler: job.compiler, test: job.test, refreshGrains: job.refreshGrains };
    let loginUid: number | undefined;
    try {
      return await callThin(session, o.bundle, call, o.timeoutSec);
    } catch (e) {
      if (!(e instanceof ThinMissing)) throw e;
      loginUid = e.uid;
    }
    const bytes = await uploadThin(session, o.bundle, entry.thin_dir, { ...o.upload, loginUid });
    if (stats) stats.uploaded += bytes;
    const r = await callThin(session, o.bundle, call, o.timeoutSec).catch((e: unknown) => {
      if (e instanceof ThinMissing) throw new UmecError('SSH_UPLOAD', { what: 'the thin bundle', host: entry.host, path: entry.thin_dir, reason: `still ${e.message} after upload` });
      throw e;
    });
    return r;
  } finally {
    session.close();
  }
}

/**
 * Runs a job on every entry, at most maxProcs at a time. A host's failure
 * becomes its return; it never stops the others.
 */
export async function runRoster(entries: RosterEntry[], job: RosterJob, o: RosterRunOptions): Promise<{ returns: Map<string, HostReturn>; uploaded: number }> {
  const returns = new Map<string, HostReturn>();
  const stats: HostStats = { uploaded: 0 };
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++];
      const r = await runOnHost(entry, job, o, stats).catch(failureReturn);
      returns.set(entry.id, r);
      o.onReturn?.(entry.id, r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.maxProcs, entries.length)) }, worker));
  return { returns, uploaded: stats.uploaded };
}
