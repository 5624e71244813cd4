const TAG = /\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}/g;

/**
 * Maps a line of rendered SLS back to the template line it came from, when
 * exactly one template line can have produced it (static text equal, template
 * expressions matching anything). Lines made only of `{% %}` tags produce no
 * output and are never candidates. Undefined when ambiguous or unknown.
 */
export function templateLineMap(source: string, rendered: string): (renderedLine: number) => number | undefined {
  const srcLines = source.split('\n');
  const outLines = rendered.split('\n');
  const patterns = srcLines.map((l) => {
    const stripped = l.replace(/\{%.*?%\}|\{#.*?#\}/g, '').trim();
    if (stripped === '' && l.trim() !== '') return undefined; // a tag-only line
    const parts = l.trimEnd().split(TAG).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('.*?')}$`);
  });
  return (line) => {
    const text = outLines[line - 1]?.trimEnd();
    if (text === undefined) return undefined;
    let found: number | undefined;
    for (let i = 0; i < patterns.length; i++) {
      if (!patterns[i]?.test(text)) continue;
      if (found !== undefined) return undefined;
      found = i + 1;
    }
    return found;
  };
}
