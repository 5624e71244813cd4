/** Salt's "nested" outputter: mappings under `----------`, multi-line strings indented. */
export function nested(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (value === null || value === undefined) return [`${pad}None`];
  if (Array.isArray(value)) {
    return value.flatMap((v) => (v !== null && typeof v === 'object' ? nested(v, indent + 2) : [`${pad}- ${fmtScalar(v)}`]));
  }
  if (typeof value === 'object') {
    const out = [`${pad}----------`];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push(`${pad}${k}:`);
      out.push(...nested(v, indent + 4));
    }
    return out;
  }
  return String(fmtScalar(value)).split('\n').map((l) => `${pad}${l}`);
}

function fmtScalar(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}
