/**
 * PyYAML ignores indentation inside flow collections (its scanner unwinds indents only at flow
 * level 0), so it reads
 *
 *     acls: [[local, db0, connuser], [local, db1, localUser],
 *   [host, all, all, 127.0.0.1/32, md5]]
 *
 * which is exactly what Salt's `yaml` filter (PyYAML's dumper, 80 columns) writes when a long flow
 * list is rendered into an indented SLS line. YAML 1.2 and the `yaml` package require the wrapped
 * lines to be indented past the block around them. This returns the text with every line that
 * continues a flow collection indented one column past the bracket that opened it (values are
 * unchanged: leading blanks of flow continuation lines are folded away), or undefined when no
 * line needed it. Line numbers stay as they were.
 */
export function indentFlowContinuations(text: string): string | undefined {
  const lines = text.split('\n');
  let depth = 0;
  let quote: '' | "'" | '"' = '';
  let openIndent = 0;
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (depth > 0 || quote) {
      const indent = /^ */.exec(line)![0].length;
      if (line.trim() !== '' && indent <= openIndent) {
        line = ' '.repeat(openIndent + 1 - indent) + line;
        lines[i] = line;
        changed = true;
      }
      ({ depth, quote } = scanFlow(line, 0, depth, quote));
      continue;
    }
    const start = blockValueStart(line);
    if (start < 0) continue;
    openIndent = start;
    ({ depth, quote } = scanFlow(line, start, 0, ''));
  }
  return changed ? lines.join('\n') : undefined;
}

/** Where a flow collection opens on a block-context line ( `[`/`{` as a node's first character), or -1. */
function blockValueStart(line: string): number {
  let i = /^ */.exec(line)![0].length;
  const skipBlanks = () => { while (line[i] === ' ' || line[i] === '\t') i++; };
  // sequence entries and complex keys: "- - [", "? ["
  while ((line[i] === '-' || line[i] === '?') && (line[i + 1] === ' ' || line[i + 1] === undefined)) { i++; skipBlanks(); }
  const node = (): number => {
    // properties before the node: tags and anchors
    while (line[i] === '!' || line[i] === '&') { while (i < line.length && line[i] !== ' ') i++; skipBlanks(); }
    return line[i] === '[' || line[i] === '{' ? i : -1;
  };
  const direct = node();
  if (direct >= 0) return direct;
  // a mapping key, then ": " and the value
  let q = '';
  for (; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === q) q = ''; continue; }
    if ((c === '"' || c === "'") && (i === 0 || /[\s:]/.test(line[i - 1]) || line.slice(0, i).trim().replace(/^(- )+/, '') === '')) { q = c; continue; }
    if (c === '#' && (i === 0 || line[i - 1] === ' ')) return -1;
    if (c === ':' && (line[i + 1] === ' ' || line[i + 1] === undefined)) {
      i++;
      skipBlanks();
      return node();
    }
  }
  return -1;
}

/** Follows flow brackets and quoted scalars from `from` to the end of the line. */
function scanFlow(line: string, from: number, depth: number, quote: '' | "'" | '"'): { depth: number; quote: '' | "'" | '"' } {
  for (let i = from; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") { if (c === "'") { if (line[i + 1] === "'") i++; else quote = ''; } continue; }
    if (quote === '"') { if (c === '\\') i++; else if (c === '"') quote = ''; continue; }
    if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') { depth--; if (depth === 0) return { depth: 0, quote: '' }; }
    else if (c === '#' && (i === 0 || line[i - 1] === ' ')) break;
  }
  return { depth, quote };
}
