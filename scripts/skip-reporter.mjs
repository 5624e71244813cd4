// node:test reporter: writes one JSON line per skipped test ({file, name, reason}), so that
// scripts/check-skips.mjs can fail the run on a skip the allowlist does not name.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { skip, name, file } = event.data;
    if (skip === undefined || skip === false) continue;
    yield `${JSON.stringify({ file: file ?? '', name, reason: typeof skip === 'string' ? skip : '' })}\n`;
  }
}
