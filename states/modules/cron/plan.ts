import { NO_ID, type CronJob, type CronTab, type SpecialJob } from './tab.js';

/**
 * Pure crontab edits with the outcomes of Salt's cron execution module (set_job, set_special,
 * rm_job, rm_special, set_env, rm_env): each takes the current tab and returns the outcome and
 * the tab to install (the same tab when nothing changes). Matching by command and
 * SALT_CRON_IDENTIFIER follows salt.modules.cron._cron_matched.
 */

export type SetOutcome = 'present' | 'new' | 'updated';
export type RmOutcome = 'absent' | 'removed';
export interface Planned<T> { status: T; tab: CronTab }

/** Picks a number in [lo, hi]; injected so a test can fix "random" fields. */
export type Pick = (lo: number, hi: number) => number;
export const randomPick: Pick = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));

type Job = Omit<CronJob, 'identifier'> & { identifier: string | null };
type Special = Omit<SpecialJob, 'identifier'> & { identifier: string | null };

function cronId(c: { identifier: string | null }): string {
  return c.identifier ? c.identifier : NO_ID;
}

/** salt.modules.cron._cron_matched: same identifier, or same command where the line has none. */
export function cronMatched(cron: { cmd: string; identifier: string | null }, cmd: string, identifier: string | null): boolean {
  let cid = cronId(cron);
  const eid = identifier ? identifier : NO_ID;
  if (cron.cmd !== cmd && cid === NO_ID && eid === NO_ID) return false;
  if (cron.cmd === cmd && cid === NO_ID) cid = eid;
  return eid === cid;
}

/** salt.modules.cron._needs_change: None means "keep"; "random" only replaces "*". */
function needsChange(old: unknown, want: unknown): boolean {
  if (old === want) return false;
  if (want === 'random') return old === '*';
  return want !== null;
}

const RANGES: Record<'minute' | 'hour' | 'month' | 'dayweek', [number, number]> = {
  minute: [0, 59], hour: [0, 23], month: [1, 12], dayweek: [0, 6],
};

/** salt.modules.cron._get_cron_date_time: resolves "random" and "lo:hi" for a new line. */
function resolveTimes(j: Job, pick: Pick): Job {
  const out = { ...j };
  for (const f of ['minute', 'hour', 'month', 'dayweek'] as const) {
    const v = j[f];
    const range = v.split(':');
    if (v === 'random') out[f] = String(pick(...RANGES[f]));
    else if (range.length === 2 && range.every((x) => /^\s*[-+]?\d+\s*$/.test(x))) {
      const [a, b] = range.map(Number) as [number, number];
      out[f] = String(pick(Math.min(a, b), Math.max(a, b)));
    }
  }
  if (j.daymonth === 'random') {
    const max = ['1', '3', '5', '7', '8', '10', '12'].includes(out.month) ? 31 : ['4', '6', '9', '11'].includes(out.month) ? 30 : 28;
    out.daymonth = String(pick(1, max));
  }
  return out;
}

const TIME_FIELDS = ['minute', 'hour', 'daymonth', 'month', 'dayweek'] as const;

/** Salt keeps the old value of every field that does not need a change. */
function keepOld<T>(old: T, want: T): T {
  return needsChange(old, want) ? want : old;
}

/** The identifier the replacement line gets (salt.modules.cron.set_job/set_special). */
function replacementId(cron: { cmd: string; identifier: string | null }, cmd: string, identifier: string | null): { cmd: string; identifier: string | null } {
  let cid: string | null = cronId(cron);
  let newCmd = cmd;
  if (!needsChange(cron.cmd, cmd)) {
    newCmd = cron.cmd;
    if (cid === NO_ID) {
      if (identifier) cid = identifier;
      if (cid === NO_ID && cron.identifier === null) cid = null;
    }
  }
  const id = !cid || !needsChange(cid, identifier) ? cid : identifier;
  return { cmd: newCmd, identifier: id };
}

export function setJob(tab: CronTab, want: Job, pick: Pick = randomPick): Planned<SetOutcome> {
  const j: Job = { ...want };
  for (const f of TIME_FIELDS) j[f] = j[f].toLowerCase();
  for (const cron of tab.crons) {
    if (!cronMatched(cron, j.cmd, j.identifier)) continue;
    const tests: Array<[unknown, unknown]> = [
      [cron.comment, j.comment], [cron.commented, j.commented],
      [j.identifier, cron.identifier === null ? NO_ID : cron.identifier],
      ...TIME_FIELDS.map((f): [unknown, unknown] => [cron[f], j[f]]),
      [cron.cmd, j.cmd],
    ];
    if (!tests.some(([a, b]) => needsChange(a, b))) return { status: 'present', tab };
    const removed = rmJob(tab, j.cmd, cronId(cron)).tab;
    const next: Job = {
      minute: keepOld(cron.minute, j.minute), hour: keepOld(cron.hour, j.hour), daymonth: keepOld(cron.daymonth, j.daymonth),
      month: keepOld(cron.month, j.month), dayweek: keepOld(cron.dayweek, j.dayweek),
      commented: keepOld(cron.commented, j.commented), comment: keepOld(cron.comment, j.comment),
      ...replacementId(cron, j.cmd, j.identifier),
    };
    const r = setJob(removed, next, pick);
    return r.status === 'new' ? { status: 'updated', tab: r.tab } : r;
  }
  return { status: 'new', tab: { ...tab, crons: [...tab.crons, resolveTimes(j, pick)] } };
}

export function setSpecial(tab: CronTab, want: Special): Planned<SetOutcome> {
  for (const cron of tab.special) {
    if (!cronMatched(cron, want.cmd, want.identifier)) continue;
    const tests: Array<[unknown, unknown]> = [
      [cron.comment, want.comment], [cron.commented, want.commented],
      [want.identifier, cron.identifier === null ? NO_ID : cron.identifier],
      [cron.spec, want.spec], [cron.cmd, want.cmd],
    ];
    if (!tests.some(([a, b]) => needsChange(a, b))) return { status: 'present', tab };
    const removed = rmSpecial(tab, want.cmd, null, cronId(cron)).tab;
    const next: Special = {
      spec: keepOld(cron.spec, want.spec), commented: keepOld(cron.commented, want.commented),
      comment: keepOld(cron.comment, want.comment), ...replacementId(cron, want.cmd, want.identifier),
    };
    const r = setSpecial(removed, next);
    return r.status === 'new' ? { status: 'updated', tab: r.tab } : r;
  }
  return { status: 'new', tab: { ...tab, special: [...tab.special, { ...want }] } };
}

/** Removes the first timed job matching the command/identifier. */
export function rmJob(tab: CronTab, cmd: string, identifier: string | null): Planned<RmOutcome> {
  const i = tab.crons.findIndex((c) => cronMatched(c, cmd, identifier));
  if (i < 0) return { status: 'absent', tab };
  return { status: 'removed', tab: { ...tab, crons: tab.crons.filter((_, k) => k !== i) } };
}

/** Removes the first @special job matching the command/identifier (and `special`, when given). */
export function rmSpecial(tab: CronTab, cmd: string, special: string | null, identifier: string | null): Planned<RmOutcome> {
  const i = tab.special.findIndex((c) => cronMatched(c, cmd, identifier) && (special === null || c.spec === special));
  if (i < 0) return { status: 'absent', tab };
  return { status: 'removed', tab: { ...tab, special: tab.special.filter((_, k) => k !== i) } };
}

/**
 * Sets NAME=value; a changed value moves the line to the end of the environment block, as in Salt.
 * An empty value is written as NAME="" and that line counts as empty when read back (Salt compares
 * the raw `""` and rewrites it on every run).
 */
export function setEnv(tab: CronTab, name: string, value: string): Planned<SetOutcome> {
  const cur = tab.env.find((e) => e.name === name);
  const curValue = cur?.value === '""' || cur?.value === null ? '' : cur?.value;
  if (cur && curValue === value) return { status: 'present', tab };
  const env = cur ? rmEnv(tab, name).tab.env : tab.env;
  return { status: cur ? 'updated' : 'new', tab: { ...tab, env: [...env, { name, value }] } };
}

/** Removes NAME (its last occurrence, as salt.modules.cron.rm_env does). */
export function rmEnv(tab: CronTab, name: string): Planned<RmOutcome> {
  let i = -1;
  tab.env.forEach((e, k) => { if (e.name === name) i = k; });
  if (i < 0) return { status: 'absent', tab };
  return { status: 'removed', tab: { ...tab, env: tab.env.filter((_, k) => k !== i) } };
}
