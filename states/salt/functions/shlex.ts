/** Python's shlex.split (POSIX mode), which Salt's cmd.run applies when python_shell is off. */
export function splitShell(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { if (has) { out.push(cur); cur = ''; has = false; } i++; continue; }
    has = true;
    if (c === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) throw new Error('No closing quotation');
      cur += s.slice(i + 1, j); i = j + 1; continue;
    }
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length && '\\"$`\n'.includes(s[i + 1])) { cur += s[i + 1]; i += 2; continue; }
        cur += s[i]; i++;
      }
      if (i >= s.length) throw new Error('No closing quotation');
      i++; continue;
    }
    if (c === '\\') {
      if (i + 1 >= s.length) throw new Error('No escaped character');
      cur += s[i + 1]; i += 2; continue;
    }
    cur += c; i++;
  }
  if (has) out.push(cur);
  return out;
}
