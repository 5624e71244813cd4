import type { ClientChannel } from 'ssh2';
import { CompileError, formatProblem, UmecError } from '../lib/errors.js';
import type { JobFun } from '../lib/messages.js';
import { encode, MessageReader, PREFIX, type FromThin, type ToThin } from './protocol.js';
import type { RosterCompiler } from './compile.js';
import type { RosterEntry } from './roster-file.js';
import type { SshSession } from './ssh-session.js';
import type { ThinBundle } from './thin-bundle.js';

export interface HostCall {
  fun: JobFun;
  args: { cmd?: string[] };
  compiler?: RosterCompiler;
  test?: boolean;
  refreshGrains?: boolean;
}

export interface HostReturn { ret: unknown; retcode: number; success: boolean }

/** What the launcher found before node ran: the caller uploads the bundle and calls again. */
export class ThinMissing extends Error {
  /** The login user's uid on the box (from `id -u`), which thin_dir must belong to. */
  constructor(message: string, readonly uid?: number) { super(message); }
}

const SUDO_PROMPT = 'umec-sudo-password:';

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const launcherLine = (m: FromThin): string => shq(`${PREFIX}${JSON.stringify(m)}`);

/**
 * Run by node before the bundle: refuses an old node, and a bundle whose
 * checksum is not the one its name promises (a damaged or tampered file).
 * The bytes checked are the bytes run: they are copied into a fresh private
 * directory (mkdtemp, mode 0700) and imported from there, so no one can
 * swap the file between the check and the import. The copy is removed once
 * the module is loaded.
 */
export const VERIFY_AND_LOAD = [
  'const [, b, , , s, u] = process.argv;',
  `const say = (m) => console.log(${JSON.stringify(PREFIX)} + JSON.stringify(m));`,
  "if (+process.versions.node.split('.')[0] < 20) { say({ t: 'error', message: 'node ' + process.version + ' is too old (>= 20 needed)' }); process.exit(4); }",
  "const fs = require('fs'), path = require('path');",
  "const data = fs.readFileSync(b);",
  "if (require('crypto').createHash('sha256').update(data).digest('hex') !== s) { say({ t: 'corrupt', uid: +u }); process.exit(5); }",
  "const d = fs.mkdtempSync(path.join(require('os').tmpdir(), 'umec-thin-'));",
  "const f = path.join(d, 'umec-thin.mjs');",
  "fs.writeFileSync(f, data, { flag: 'wx', mode: 0o600 });",
  "import(require('url').pathToFileURL(f).href).finally(() => fs.rmSync(d, { recursive: true, force: true }));",
].join(' ');

/**
 * The one command run per host: finds node, checks the bundle is in
 * thin_dir, and runs it through the checksum check (through sudo when the
 * roster says so).
 */
export function launcherCommand(entry: RosterEntry, bundle: ThinBundle): string {
  const sudo = !entry.sudo ? '' : [
    'sudo', entry.passwd !== undefined ? `-S -p ${shq(SUDO_PROMPT)}` : '-n',
    entry.sudo_user ? `-u ${shq(entry.sudo_user)}` : '', '--',
  ].filter(Boolean).join(' ') + ' ';
  return [
    `T=${shq(entry.thin_dir)}`,
    `B="$T/${bundle.remoteName}"`,
    `N=$(command -v ${shq(entry.node)}) || { printf '%s\\n' ${launcherLine({ t: 'nonode', path: entry.node })}; exit 0; }`,
    'U=$(id -u)',
    `[ -f "$B" ] || { printf ${shq(`${PREFIX}{"t":"missing","uid":%s}\\n`)} "$U"; exit 0; }`,
    `exec ${sudo}"$N" -e ${shq(VERIFY_AND_LOAD)} "$B" serve "$T" ${bundle.sha256} "$U"`,
  ].join('; ');
}

function classifyExit(entry: RosterEntry, code: number | null, stderr: string): UmecError {
  const host = entry.host;
  const err = stderr.trim().split('\n').slice(-5).join(' | ');
  if (entry.sudo && /sudo: (a password is required|a terminal is required)/.test(stderr)) return new UmecError('SSH_SUDO', { host, reason: 'a password is required (set passwd in the roster, or NOPASSWD in sudoers)' });
  if (entry.sudo && /not in the sudoers file|not allowed to execute|may not run sudo/.test(stderr)) return new UmecError('SSH_SUDO', { host, reason: `${entry.user} may not run node as ${entry.sudo_user ?? 'root'}` });
  if (entry.sudo && /incorrect password|Sorry, try again/.test(stderr)) return new UmecError('SSH_SUDO', { host, reason: 'the password was refused' });
  if (entry.sudo && /sudo: (command )?not found/.test(stderr)) return new UmecError('SSH_SUDO', { host, reason: 'sudo is not installed' });
  if (/SyntaxError|ERR_UNKNOWN_BUILTIN_MODULE|Unexpected token/.test(stderr)) return new UmecError('SSH_NO_NODE', { host, reason: `node failed to load the bundle: ${err}` });
  return new UmecError('SSH_REMOTE', { host, reason: `exited with code ${code ?? 'none'} before it answered${err ? `: ${err}` : ''}` });
}

/**
 * Runs one job on a box over one exec channel: the thin sends grains, gets the
 * compiled plan, asks for the files it lacks by hash, and answers with the
 * same return an agent sends.
 */
export function callThin(session: SshSession, bundle: ThinBundle, call: HostCall, timeoutSec: number): Promise<HostReturn> {
  const entry = session.entry;
  const host = entry.host;
  return new Promise<HostReturn>((resolve, reject) => {
    let ch: ClientChannel | undefined;
    let settled = false;
    let stderr = '';
    let prompts = 0;
    const noise: string[] = [];
    const finish = (err: Error | undefined, ret?: HostReturn) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ch) ch.close();
      if (err) reject(err); else resolve(ret!);
    };
    const timer = setTimeout(() => finish(new UmecError('SSH_TIMEOUT', { host, port: entry.port, seconds: timeoutSec, stage: `running ${call.fun}` })), timeoutSec * 1000);
    const write = (m: ToThin, body?: Buffer) => {
      ch!.write(encode(m));
      if (body) ch!.write(body);
    };
    const sendStart = () => write({ t: 'start', fun: call.fun, id: entry.id, grains: entry.grains, args: call.args, refreshGrains: call.refreshGrains });
    const onMessage = async (m: FromThin): Promise<void> => {
      switch (m.t) {
        case 'missing': return finish(new ThinMissing(m.t, m.uid));
        case 'corrupt': return finish(new ThinMissing(m.t, m.uid));
        case 'unsafe': return finish(new UmecError('SSH_THIN_DIR', { host, path: m.path, reason: m.reason, user: entry.user }));
        case 'nonode': return finish(new UmecError('SSH_NO_NODE', { host, reason: `${m.path} is not on the PATH of ${entry.user}` }));
        case 'hello':
          if (entry.sudo && entry.passwd !== undefined) sendStart();
          return;
        case 'grains': {
          if (!call.compiler) return finish(new UmecError('SSH_REMOTE', { host, reason: 'sent grains unasked' }));
          try {
            const run = await call.compiler.compile(entry.id, m.grains);
            pending = run;
            write({ t: 'plan', chunks: run.chunks, pillar: run.pillar, opts: run.opts, test: !!call.test, manifest: run.manifest });
          } catch (e) {
            write({ t: 'bye' });
            if (e instanceof CompileError) return finish(undefined, { ret: e.problems.map(formatProblem), retcode: 2, success: false });
            return finish(undefined, { ret: [(e as Error).message], retcode: 1, success: false });
          }
          return;
        }
        case 'need':
          for (const h of m.hashes) {
            const data = await pending!.read(h);
            write({ t: 'blob', hash: h, size: data.length }, data);
          }
          return;
        case 'result': return finish(undefined, { ret: m.ret, retcode: m.retcode, success: m.success });
        case 'error':
          if (/too old/.test(m.message)) return finish(new UmecError('SSH_NO_NODE', { host, reason: m.message }));
          return finish(new UmecError('SSH_REMOTE', { host, reason: m.message }));
      }
    };
    let pending: Awaited<ReturnType<RosterCompiler['compile']>> | undefined;
    const reader = new MessageReader<FromThin>({
      message: (m) => { onMessage(m).catch((e: Error) => finish(new UmecError('SSH_REMOTE', { host, reason: e.message }))); },
      noise: (l) => { if (noise.length < 20) noise.push(l); },
    });
    session.exec(launcherCommand(entry, bundle)).then((channel) => {
      ch = channel;
      if (settled) { channel.close(); return; }
      channel.on('data', (d: Buffer) => reader.push(d));
      channel.stderr.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        if (entry.passwd !== undefined && stderr.endsWith(SUDO_PROMPT)) {
          if (++prompts > 1) return finish(new UmecError('SSH_SUDO', { host, reason: 'the password was refused' }));
          channel.write(`${entry.passwd}\n`);
          stderr = stderr.slice(0, -SUDO_PROMPT.length);
        }
      });
      channel.on('close', (code: number | null) => {
        if (!settled) finish(classifyExit(entry, code, [stderr, ...noise].join('\n')));
      });
      if (!(entry.sudo && entry.passwd !== undefined)) sendStart();
    }, (e: Error) => finish(new UmecError('SSH_REMOTE', { host, reason: `cannot open a channel: ${e.message}` })));
  });
}
