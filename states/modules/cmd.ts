import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { constants } from 'node:os';
import type { ExecResult, StateArgs, StateContext, StateFunction, StateModule, StateReturn } from '../types.js';

type EnvValue = string | number | boolean;

const envValue = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };

const runSchema = {
  type: 'object',
  properties: {
    cwd: { type: 'string' },
    env: {
      anyOf: [
        { type: 'object', additionalProperties: envValue },
        { type: 'array', items: { type: 'object', additionalProperties: envValue, minProperties: 1, maxProperties: 1 } },
      ],
    },
    timeout: { type: 'number', exclusiveMinimum: 0 },
    creates: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    runas: { type: 'string' },
    shell: { type: 'string', default: '/bin/sh' },
    stateful: { type: 'boolean', default: false },
    success_retcodes: { type: 'array', items: { type: 'integer' }, default: [0] },
  },
  additionalProperties: false,
};

interface CmdArgs {
  name: string;
  cwd?: string;
  env?: Record<string, EnvValue> | Record<string, EnvValue>[];
  timeout?: number;
  creates?: string | string[];
  runas?: string;
  shell?: string;
  stateful?: boolean;
  success_retcodes?: number[];
}

function normalizeEnv(env: CmdArgs['env']): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  const merged = Array.isArray(env) ? Object.assign({}, ...env) as Record<string, EnvValue> : env;
  return Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, String(v)]));
}

function retcodeOf(r: ExecResult): number {
  if (r.code !== null) return r.code;
  const signum = r.signal ? constants.signals[r.signal as NodeJS.Signals] : undefined;
  return signum ? 128 + signum : 1;
}

/** POSIX-shell-like word splitting, enough for `key=value key2='quoted value'` lines. */
function shlexSplit(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null; else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c; inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i]; inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = ''; inWord = false;
    } else {
      word += c; inWord = true;
    }
  }
  if (quote) throw new Error('unterminated quote');
  if (inWord) words.push(word);
  return words;
}

function isTrue(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return typeof v === 'string' && ['yes', 'true', '1', 'on', 'y'].includes(v.trim().toLowerCase());
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const data: unknown = JSON.parse(text);
    return data !== null && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** Salt's stateful-script protocol: stdout is a JSON object, or its last line is `changed=yes comment='...'`. */
function reinterpret(ret: StateReturn, out: Record<string, unknown>): StateReturn {
  const stdout = String(out.stdout ?? '');
  if (!stdout) return { ...ret, changes: {}, comment: String(out.stderr ?? '') || ret.comment };
  const lastNl = stdout.lastIndexOf('\n');
  const lastLine = stdout.slice(lastNl + 1);
  let data = parseJsonObject(stdout);
  const rest = data ? '' : stdout.slice(0, Math.max(lastNl, 0));
  data ??= parseJsonObject(lastLine);
  if (!data) {
    try {
      data = {};
      for (const item of shlexSplit(lastLine)) {
        const eq = item.indexOf('=');
        if (eq < 1) throw new Error(item);
        data[item.slice(0, eq)] = item.slice(eq + 1);
      }
    } catch {
      return { ...ret, result: false, changes: out,
        comment: 'Failed parsing script output! Stdout must be JSON or a line of name=value pairs.' };
    }
  }
  const { changed = 'no', comment, ...extra } = data;
  const changes = isTrue(changed) ? { ...out, ...extra, stdout: rest } : {};
  return { ...ret, changes, comment: comment === undefined ? ret.comment : String(comment) };
}

async function execute(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const a = args as unknown as CmdArgs;
  const ret: StateReturn = { name: a.name, result: false, changes: {}, comment: '' };
  const shell = a.shell ?? '/bin/sh';
  const successCodes = a.success_retcodes ?? [0];

  if (a.cwd !== undefined && !(await stat(a.cwd).then((s) => s.isDirectory(), () => false))) {
    return { ...ret, comment: `Desired working directory "${a.cwd}" is not available` };
  }
  if (ctx.test) return { ...ret, result: null, comment: `Command "${a.name}" would have been executed` };

  let res: ExecResult;
  try {
    const opts = { cwd: a.cwd, env: normalizeEnv(a.env), timeout: a.timeout, runas: a.runas };
    res = shell === '/bin/sh'
      ? await ctx.drivers.exec.run(a.name, { ...opts, shell: true })
      : await ctx.drivers.exec.run([shell, '-c', a.name], opts);
  } catch (e) {
    return { ...ret, comment: `Command "${a.name}" could not be started: ${e instanceof Error ? e.message : String(e)}` };
  }

  const retcode = retcodeOf(res);
  const changes = { ...(res.pid !== undefined ? { pid: res.pid } : {}), retcode, stdout: res.stdout.trimEnd(), stderr: res.stderr.trimEnd() };
  if (res.timedOut) {
    return { ...ret, changes, comment: `Command "${a.name}" timed out after ${a.timeout} seconds` };
  }
  const done: StateReturn = { ...ret, result: successCodes.includes(retcode), changes, comment: `Command "${a.name}" run` };
  return a.stateful ? reinterpret(done, changes) : done;
}

function createsExist(args: StateArgs): boolean {
  const creates = (args as unknown as CmdArgs).creates;
  if (creates === undefined) return false;
  const paths = Array.isArray(creates) ? creates : [creates];
  return paths.length > 0 && paths.every((p) => existsSync(p));
}

async function run(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  if (createsExist(args)) return { name: args.name, result: true, changes: {}, comment: 'All files in creates exist' };
  return execute(args, ctx);
}

const runFunction: StateFunction = { schema: runSchema, run, modWatch: run };

const waitFunction: StateFunction = {
  schema: runSchema,
  run: async (args) => ({
    name: args.name, result: true, changes: {},
    comment: `Command "${args.name}" only runs when a watched state changes`,
  }),
  modWatch: run,
};

export const cmdModule: StateModule = {
  name: 'cmd',
  functions: { run: runFunction, wait: waitFunction },
};
