#!/usr/bin/env node
// Fails (exit 1) when the test run skipped a test that test/skip-allowlist.txt does not name.
// Allowlist lines: `<test name> | <why it may be skipped>`; blank lines and # comments ignored.
import { readFileSync, existsSync } from 'node:fs';

const [skippedFile = 'dist/skipped.jsonl', allowFile = 'test/skip-allowlist.txt'] = process.argv.slice(2);
const skipped = existsSync(skippedFile)
  ? readFileSync(skippedFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
  : [];
const allowed = new Map();
for (const [i, line] of readFileSync(allowFile, 'utf8').split('\n').entries()) {
  const t = line.trim();
  if (!t || t.startsWith('#')) continue;
  const bar = t.lastIndexOf(' | ');
  if (bar < 0 || !t.slice(bar + 3).trim()) {
    console.error(`${allowFile}:${i + 1}: an entry needs "<test name> | <reason>"`);
    process.exit(2);
  }
  allowed.set(t.slice(0, bar).trim(), t.slice(bar + 3).trim());
}
const unexplained = skipped.filter((s) => !allowed.has(s.name));
for (const s of skipped) {
  const why = allowed.get(s.name);
  console.log(`${why ? 'allowed skip' : 'SKIPPED'}: ${s.name} (${s.file})${why ? ` — ${why}` : s.reason ? ` — ${s.reason}` : ''}`);
}
if (unexplained.length > 0) {
  console.error(`check-skips: ${unexplained.length} skipped test(s) not in ${allowFile}; a skipped test fails CI unless the allowlist gives its reason`);
  process.exit(1);
}
