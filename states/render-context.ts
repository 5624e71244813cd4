export interface RenderContext {
  grains: Record<string, unknown>;
  pillar: Record<string, unknown>;
  opts: Record<string, unknown>;
  [k: string]: unknown;
}

/** Salt's colon-delimited lookup (`a:b:0`); `dflt` when any step is missing. */
export function traverse(data: unknown, key: string, dflt: unknown, delimiter = ':'): unknown {
  let cur: unknown = data;
  for (const part of String(key).split(delimiter)) {
    if (cur === null || typeof cur !== 'object') return dflt;
    if (Array.isArray(cur)) {
      const i = Number(part);
      if (!Number.isInteger(i) || i >= cur.length) return dflt;
      cur = cur[i];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, part)) return dflt;
      cur = (cur as Record<string, unknown>)[part];
    }
  }
  return cur === undefined ? dflt : cur;
}
