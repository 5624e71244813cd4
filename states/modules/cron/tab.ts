/**
 * A user crontab as Salt's cron execution module sees it: lines before Salt's marker are kept
 * as they are ("pre"); below it, environment lines, timed jobs and @special jobs, each job with
 * its comment and SALT_CRON_IDENTIFIER. parseTab/renderTab follow salt.modules.cron list_tab
 * and _render_tab, so a crontab Salt wrote reads back the same and is rewritten the same.
 */

export const TAG = '# Lines below here are managed by Salt, do not edit';
export const ID_MARK = 'SALT_CRON_IDENTIFIER';
export const NO_ID = 'NO ID SET';

export interface CronEnv { name: string; value: string | null }

interface JobBase {
  cmd: string;
  identifier: string | null;
  comment: string | null;
  commented: boolean;
}

export interface CronJob extends JobBase {
  minute: string; hour: string; daymonth: string; month: string; dayweek: string;
}

export interface SpecialJob extends JobBase { spec: string }

export interface CronTab {
  pre: string[];
  env: CronEnv[];
  crons: CronJob[];
  special: SpecialJob[];
}

/** Python's str() of a YAML scalar, which is what Salt compares and writes (1.0 reads as 1 here). */
export function pyStr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null || v === undefined) return 'None';
  return String(v);
}

/** salt.modules.cron.list_tab over the text of `crontab -l`. */
export function parseTab(text: string): CronTab {
  const tab: CronTab = { pre: [], env: [], crons: [], special: [] };
  let managed = false;
  let comment: string | null = null;
  let identifier: string | null = null;
  for (let line of splitLines(text)) {
    if (line === TAG) { managed = true; continue; }
    if (!managed) { tab.pre.push(line); continue; }
    let commented = false;
    if (line.startsWith('#DISABLED#')) { line = line.slice(10); commented = true; }
    if (line.startsWith('@')) {
      const comps = line.split(/\s+/).filter((c) => c !== '');
      if (comps.length < 2) continue;
      tab.special.push({ spec: comps[0], cmd: comps.slice(1).join(' '), identifier, comment, commented });
      identifier = null; comment = null;
    } else if (line.startsWith('#')) {
      let text = line.replace(/^[# ]+/, '');
      if (text.includes(ID_MARK)) {
        const parts = text.split(ID_MARK);
        text = parts[0].trimEnd();
        if (parts[1].length > 1) identifier = parts[1].slice(1);
      }
      comment = comment === null ? text : `${comment}\n${text}`;
    } else if (line.indexOf('=') > 0 && (!line.includes(' ') || line.indexOf('=') < line.indexOf(' '))) {
      const eq = line.indexOf('=');
      tab.env.push({ name: line.slice(0, eq), value: line.slice(eq + 1) });
    } else if (line.split(' ').length > 5) {
      const comps = line.split(' ');
      tab.crons.push({
        minute: comps[0], hour: comps[1], daymonth: comps[2], month: comps[3], dayweek: comps[4],
        cmd: comps.slice(5).join(' '), identifier, comment, commented,
      });
      identifier = null; comment = null;
    }
  }
  return tab;
}

/** Python's str.splitlines() for the line breaks a crontab can hold. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function commentLine(job: JobBase, special: boolean): string | undefined {
  if (job.comment === null && job.identifier === null) return undefined;
  let out = '#';
  if (job.comment) out += ` ${(special ? job.comment.trimEnd() : job.comment).replace(/\n/g, '\n# ')}`;
  if (job.identifier) out += ` ${ID_MARK}:${job.identifier}`;
  return out;
}

/** salt.modules.cron._render_tab: the text Salt installs. */
export function renderTab(tab: CronTab): string {
  const out: string[] = tab.pre.map((l) => `${l}\n`);
  if (out.length === 0 || out[out.length - 1] !== `${TAG}\n`) out.push(`${TAG}\n`);
  for (const e of tab.env) out.push(e.value === null || e.value === '' ? `${e.name}=""\n` : `${e.name}=${e.value}\n`);
  for (const c of tab.crons) {
    const com = commentLine(c, false);
    if (com !== undefined) out.push(`${com}\n`);
    out.push(`${c.commented ? '#DISABLED#' : ''}${c.minute} ${c.hour} ${c.daymonth} ${c.month} ${c.dayweek} ${c.cmd}\n`);
  }
  for (const s of tab.special) {
    const com = commentLine(s, true);
    if (com !== undefined) out.push(`${com}\n`);
    out.push(`${s.commented ? '#DISABLED#' : ''}${s.spec} ${s.cmd}\n`);
  }
  return out.join('');
}
