import type { PkgDriver, PkgSpec, StateArgs, StateContext, StateModule, StateReturn } from '../types.js';

/** A version given in YAML may arrive as a number (`version: 1.2`). */
const versionSchema = { anyOf: [{ type: 'string' }, { type: 'number' }] };

/** Salt's `pkgs`: a list of names, or single-key mappings `name: version`. */
const pkgsWithVersions = {
  type: 'array',
  items: {
    anyOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object', minProperties: 1, maxProperties: 1,
        additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] },
      },
    ],
  },
};

const pkgNames = { type: 'array', items: { type: 'string', minLength: 1 } };

function errMsg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function normVersion(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** The packages a state names: `pkgs` when given (non-empty), else `name` (+ `version`). */
export function wantedPkgs(args: StateArgs): PkgSpec[] {
  const list = args.pkgs as unknown[] | undefined;
  const specs: PkgSpec[] = [];
  if (Array.isArray(list) && list.length > 0) {
    for (const item of list) {
      if (typeof item === 'string') specs.push({ name: item });
      else if (item && typeof item === 'object') {
        const [[name, v]] = Object.entries(item as Record<string, unknown>) as [[string, unknown]];
        const version = normVersion(v);
        specs.push(version === undefined ? { name } : { name, version });
      }
    }
  } else {
    const version = normVersion(args.version);
    specs.push(version === undefined ? { name: args.name } : { name: args.name, version });
  }
  // The last mention of a name wins.
  const byName = new Map<string, PkgSpec>();
  for (const s of specs) byName.set(s.name, s);
  return [...byName.values()];
}

/** Whether an installed version fulfils the wanted one: any version, exact, or `1.2*` prefix. */
export function satisfies(installed: string | undefined, wanted: string | undefined): boolean {
  if (installed === undefined) return false;
  if (wanted === undefined) return true;
  if (wanted.endsWith('*')) return installed.startsWith(wanted.slice(0, -1));
  return installed === wanted;
}

function label(s: PkgSpec): string {
  return s.version === undefined ? s.name : `${s.name}=${s.version}`;
}

/** {pkg: {old, new}} for every package whose installed version differs between two queries. */
function diffVersions(names: string[], before: Map<string, string>, after: Map<string, string>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const n of names) {
    const o = before.get(n) ?? '';
    const v = after.get(n) ?? '';
    if (o !== v) changes[n] = { old: o, new: v };
  }
  return changes;
}

/** Changes after a failed driver call, best effort (the query may fail too). */
async function changesAfterFailure(driver: PkgDriver, names: string[], before: Map<string, string>): Promise<Record<string, unknown>> {
  try {
    return diffVersions(names, before, await driver.installed(names));
  } catch {
    return {};
  }
}

function ret(name: string, result: boolean | null, comment: string, changes: Record<string, unknown> = {}): StateReturn {
  return { name, result, changes, comment };
}

interface InstallJob {
  name: string;
  names: string[];
  before: Map<string, string>;
  targets: PkgSpec[];
  /** Whether the version installed afterwards fulfils a target's version. */
  ok: (installed: string | undefined, wanted: string | undefined) => boolean;
}

/** Verbs for the comments: "Failed to {attempt}", "failed to {outcome}", "were {success}". */
interface InstallWording { attempt: string; outcome: string; success: string }

/** Installs the job's targets, then reports the version changes and any target left unfulfilled. */
async function installTargets(driver: PkgDriver, job: InstallJob, say: InstallWording): Promise<StateReturn> {
  const { name, names, before, targets } = job;
  try {
    await driver.install(targets, { refresh: false });
  } catch (e) {
    return ret(name, false, `Failed to ${say.attempt} ${targets.map(label).join(', ')}: ${errMsg(e)}`,
      await changesAfterFailure(driver, names, before));
  }
  let after: Map<string, string>;
  try {
    after = await driver.installed(names);
  } catch (e) {
    return ret(name, false, `Installed ${targets.map(label).join(', ')} but could not query the result: ${errMsg(e)}`);
  }
  const changes = diffVersions(names, before, after);
  const failed = targets.filter((t) => !job.ok(after.get(t.name), t.version));
  if (failed.length > 0) {
    const detail = failed.map((t) => `${label(t)} (installed: ${after.get(t.name) ?? 'none'})`).join(', ');
    return ret(name, false, `The following packages failed to ${say.outcome}: ${detail}`, changes);
  }
  return ret(name, true, `The following packages were ${say.success}: ${targets.map(label).join(', ')}`, changes);
}

async function installed(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const specs = wantedPkgs(args);
  const ops = specs.filter((s) => s.version !== undefined && /^[<>=!~]/.test(s.version));
  if (ops.length > 0) {
    return ret(name, false, `Version comparison operators are not supported, give an exact version (or a trailing * wildcard): ${ops.map(label).join(', ')}`);
  }
  const driver = ctx.drivers.pkg;
  const names = specs.map((s) => s.name);
  const refresh = args.refresh === true;
  let before: Map<string, string>;
  let targets: PkgSpec[];
  let cands: Map<string, string>;
  try {
    before = await driver.installed(names);
    targets = specs.filter((s) => !satisfies(before.get(s.name), s.version));
    if (targets.length === 0) return ret(name, true, 'All specified packages are already installed');
    // Refreshing the package database changes the system: not in test mode.
    cands = await driver.candidates(targets.map((t) => t.name), refresh && !ctx.test);
  } catch (e) {
    return ret(name, false, `Failed to query packages: ${errMsg(e)}`);
  }

  const unknown = targets.filter((t) => !cands.has(t.name)).map((t) => t.name);
  if (unknown.length > 0) {
    if (ctx.test && refresh) {
      return ret(name, null, `The package database would be refreshed first; in the current database no installable version was found for: ${unknown.join(', ')}`);
    }
    return ret(name, false, `No installable version of the following packages was found by the package manager (unknown package name or missing repository): ${unknown.join(', ')}`);
  }

  if (ctx.test) {
    const predicted: Record<string, unknown> = {};
    for (const t of targets) predicted[t.name] = { old: before.get(t.name) ?? '', new: t.version ?? cands.get(t.name)! };
    return ret(name, null, `The following packages would be installed/updated: ${targets.map(label).join(', ')}`, predicted);
  }

  return installTargets(driver, { name, names, before, targets, ok: satisfies },
    { attempt: 'install', outcome: 'install/update', success: 'installed/updated' });
}

async function latest(args: StateArgs, ctx: StateContext): Promise<StateReturn> {
  const name = args.name;
  const names = wantedPkgs(args).map((s) => s.name);
  const driver = ctx.drivers.pkg;
  const refresh = args.refresh === true;
  let before: Map<string, string>;
  let cands: Map<string, string>;
  try {
    before = await driver.installed(names);
    cands = await driver.candidates(names, refresh && !ctx.test);
  } catch (e) {
    return ret(name, false, `Failed to query packages: ${errMsg(e)}`);
  }

  // No candidate but installed: nothing newer to get (e.g. installed from a local .deb).
  const unknown = names.filter((n) => !cands.has(n) && !before.has(n));
  if (unknown.length > 0) {
    if (ctx.test && refresh) {
      return ret(name, null, `The package database would be refreshed first; in the current database no information was found for: ${unknown.join(', ')}`);
    }
    return ret(name, false, `No information found for the following packages (unknown package name or missing repository): ${unknown.join(', ')}`);
  }
  const targets: PkgSpec[] = names
    .filter((n) => cands.has(n) && cands.get(n) !== before.get(n))
    .map((n) => ({ name: n, version: cands.get(n)! }));
  if (targets.length === 0) {
    return ret(name, true, names.length === 1 ? `Package ${names[0]} is already up-to-date` : `All packages are up-to-date (${names.join(', ')})`);
  }

  if (ctx.test) {
    const predicted: Record<string, unknown> = {};
    for (const t of targets) predicted[t.name] = { old: before.get(t.name) ?? '', new: t.version! };
    return ret(name, null, `The following packages would be installed/upgraded: ${targets.map(label).join(', ')}`, predicted);
  }

  return installTargets(driver, { name, names, before, targets, ok: (installed, wanted) => installed === wanted },
    { attempt: 'install/upgrade', outcome: 'install/upgrade', success: 'successfully installed/upgraded' });
}

function removeFn(purge: boolean) {
  const verb = purge ? 'purged' : 'removed';
  return async (args: StateArgs, ctx: StateContext): Promise<StateReturn> => {
    const name = args.name;
    const names = wantedPkgs(args).map((s) => s.name);
    const driver = ctx.drivers.pkg;
    let before: Map<string, string>;
    try {
      before = await driver.installed(names);
    } catch (e) {
      return ret(name, false, `Failed to query packages: ${errMsg(e)}`);
    }
    const targets = names.filter((n) => before.has(n));
    if (targets.length === 0) return ret(name, true, 'None of the targeted packages are installed');

    if (ctx.test) {
      const predicted: Record<string, unknown> = {};
      for (const t of targets) predicted[t] = { old: before.get(t)!, new: '' };
      return ret(name, null, `The following packages will be ${verb}: ${targets.join(', ')}`, predicted);
    }

    try {
      await driver.remove(targets, { purge });
    } catch (e) {
      return ret(name, false, `Failed to ${purge ? 'purge' : 'remove'} ${targets.join(', ')}: ${errMsg(e)}`,
        await changesAfterFailure(driver, names, before));
    }
    let after: Map<string, string>;
    try {
      after = await driver.installed(names);
    } catch (e) {
      return ret(name, false, `${verb} ${targets.join(', ')} but could not query the result: ${errMsg(e)}`);
    }
    const changes = diffVersions(names, before, after);
    const still = targets.filter((t) => after.has(t));
    if (still.length > 0) return ret(name, false, `The following packages were not ${verb}: ${still.join(', ')}`, changes);
    return ret(name, true, `All targeted packages were ${verb}.`, changes);
  };
}

export const pkgModule: StateModule = {
  name: 'pkg',
  functions: {
    installed: {
      schema: {
        type: 'object',
        properties: {
          version: versionSchema,
          pkgs: pkgsWithVersions,
          refresh: { type: 'boolean', default: false },
          // Salt reloads its execution modules after installing; umec's functions need no reload,
          // and Salt's return does not change with it, so it is accepted and has no effect
          reload_modules: { type: 'boolean', default: false },
        },
        additionalProperties: false,
      },
      run: installed,
    },
    latest: {
      schema: {
        type: 'object',
        properties: {
          pkgs: pkgNames,
          refresh: { type: 'boolean', default: false },
          reload_modules: { type: 'boolean', default: false },
        },
        additionalProperties: false,
      },
      run: latest,
    },
    removed: {
      schema: { type: 'object', properties: { pkgs: pkgsWithVersions }, additionalProperties: false },
      run: removeFn(false),
    },
    purged: {
      schema: { type: 'object', properties: { pkgs: pkgsWithVersions }, additionalProperties: false },
      run: removeFn(true),
    },
  },
};
