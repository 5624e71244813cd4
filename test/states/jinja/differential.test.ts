/**
 * Issue 13's differential test: every case of test/fixtures/jinja rendered by Python Jinja2
 * (the oracle, Debian's python3-jinja2) and by umec's engine must give the same text byte for
 * byte, or for a case where Jinja2 raises, an error of the same Python exception kind.
 * Cases in known-differences.txt are expected to differ; one that passes fails the test so the
 * list only shrinks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOutcome, matches, readKnown, runOracle, type Oracle } from '../../oracle/corpus.js';
import { renderInChildren } from '../../oracle/run-cases.js';

let oracle: Oracle | undefined;
let oracleError: Error | undefined;
try {
  oracle = runOracle();
} catch (e) {
  oracleError = e as Error;
}

test('the Jinja2 oracle (python3-jinja2) renders the corpus', () => {
  if (oracleError) throw oracleError;
  assert.ok(oracle!.cases.length >= 300, `only ${oracle!.cases.length} cases`);
});

if (oracle) {
  const known = readKnown();
  const names = new Set(oracle.cases.map((c) => c.name));
  // rendered in child processes up front: an engine bug that loops forever fails its case
  // instead of hanging the suite
  const outcomes = await renderInChildren(oracle, 'umec');

  test('known-differences.txt names only cases of the corpus', () => {
    const stale = [...known.keys()].filter((n) => !names.has(n));
    assert.deepEqual(stale, [], 'remove these lines from test/fixtures/jinja/known-differences.txt');
  });

  for (const [i, c] of oracle.cases.entries()) {
    test(c.name, () => {
      const got = outcomes[i];
      const ok = matches(c.expected, got);
      const reason = known.get(c.name);
      if (reason !== undefined) {
        assert.ok(!ok, `${c.name} now matches Jinja2: remove it from test/fixtures/jinja/known-differences.txt (was: ${reason})`);
        return;
      }
      if (!ok) {
        assert.fail(`${c.name} differs from Python Jinja2\n--- template\n${c.files['main.jinja']}--- Jinja2\n${describeOutcome(c.expected)}\n--- umec\n${describeOutcome(got)}`);
      }
    });
  }
}
