/**
 * Pure parts of salt.modules.linux_sysctl: reading a sysctl config file (show) and the edit
 * persist() makes to it. Salt writes `name = value` lines; values with whitespace are
 * compared and written with single tabs, as /proc/sys prints multi-value parameters.
 */

/** What Salt writes into a config file it has to create. */
export const NEW_CONFIG = '#\n# Kernel sysctl configuration\n#\n';

/** Lines with their line ends (Python readlines). */
const readLines = (text: string): string[] => (text === '' ? [] : text.split(/(?<=\n)/));

/** sysctl.show(config_file): the names and values a config file sets. */
export function showConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readLines(text)) {
    if (line.startsWith('#') || !line.includes('=')) continue;
    const sep = line.includes(' = ') ? ' = ' : '=';
    const at = line.indexOf(sep);
    out.set(line.slice(0, at).trim(), line.slice(at + sep.length).trimStart());
  }
  return out;
}

export type PersistPlan =
  /** The config already holds the value; the live value may still differ. */
  | { kind: 'configured'; value: string }
  /** The config must be (re)written with `text`; then the live value is set to `value`. */
  | { kind: 'write'; text: string; value: string };

/**
 * The edit sysctl.persist makes to the config text (NEW_CONFIG when the file is missing).
 * `value` is Python's str() of the state's value; a string value with spaces is tabbed as
 * soon as the file has an assignment line (Salt does it inside its line loop).
 */
export function planPersist(text: string | undefined, name: string, value: string, valueIsString: boolean): PersistPlan {
  const lines: string[] = [];
  let v = value;
  let edited = false;
  for (const line of readLines(text ?? NEW_CONFIG)) {
    if (line.startsWith('#') || !line.includes('=')) { lines.push(line); continue; }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq).trim();
    let cur = line.slice(eq + 1).trim();
    if (cur.includes(' ')) cur = cur.replace(/\s+/g, '\t');
    if (valueIsString && v.includes(' ')) v = v.replace(/\s+/g, '\t');
    if (key !== name) { lines.push(line); continue; }
    if (cur === v) return { kind: 'configured', value: v };
    lines.push(`${name} = ${v}\n`);
    edited = true;
  }
  if (!edited) lines.push(`${name} = ${v}\n`);
  return { kind: 'write', text: lines.join(''), value: v };
}
