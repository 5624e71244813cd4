/**
 * Python's fnmatch.fnmatchcase (POSIX: case-sensitive), which Salt uses to match requisite
 * targets and SLS names: `*` and `?` match any character, `/` included; `[seq]` and `[!seq]`
 * are character classes; an unclosed `[` is a literal.
 */
const cache = new Map<string, RegExp>();

export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function fnmatchRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let out = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i++];
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      let j = i;
      if (j < n && pattern[j] === '!') j++;
      if (j < n && pattern[j] === ']') j++;
      while (j < n && pattern[j] !== ']') j++;
      if (j >= n) out += '\\[';
      else {
        let stuff = pattern.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (stuff[0] === '!') stuff = `^${stuff.slice(1)}`;
        else if (stuff[0] === '^') stuff = `\\${stuff}`;
        out += `[${stuff}]`;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  re = new RegExp(`^(?:${out})$`, 'u');
  if (cache.size > 4096) cache.clear();
  cache.set(pattern, re);
  return re;
}

export function fnmatch(name: string, pattern: string): boolean {
  if (!hasGlob(pattern)) return name === pattern;
  return fnmatchRegExp(pattern).test(name);
}
