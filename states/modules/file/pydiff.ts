import { structuredPatch } from 'diff';

/** Python's `str.splitlines(True)` for '\n'-separated text: lines keep their endings. */
export function splitKeepEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

const range = (start: number, len: number): string => {
  // difflib's _format_range_unified: "3" for one line, "2,0" (the line before) for none
  if (len === 1) return String(start);
  return `${len === 0 ? start - 1 : start},${len}`;
};

/**
 * `''.join(difflib.unified_diff(old, new))` on the two texts' lines, which is what Salt's
 * file.replace/blockreplace/comment put in `changes.diff`: "--- \n+++ \n" headers, three lines of
 * context, and lines printed as they are (a last line without a newline runs into the next).
 */
export function pyUnifiedDiff(oldText: string, newText: string): string {
  if (oldText === newText) return '';
  const patch = structuredPatch('', '', oldText, newText, '', '', { context: 3 });
  if (patch.hunks.length === 0) return '';
  const out: string[] = ['--- \n+++ \n'];
  for (const h of patch.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n`);
    const lines = h.lines;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.startsWith('\\')) continue;
      out.push(lines[i + 1]?.startsWith('\\') ? l : `${l}\n`);
    }
  }
  return out.join('');
}
