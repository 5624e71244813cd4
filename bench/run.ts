/**
 * `npm run bench`: runs every section and prints one table of medians.
 * UMEC_BENCH_ONLY=states,fleet runs only the named sections.
 */
import { appsRows } from './apps.js';
import { firmwareRows } from './firmware.js';
import { formulaRows } from './formulas.js';
import { commissionRows } from './commission.js';
import { faultRows } from './faults.js';
import { fleetRows } from './fleet.js';
import { jinjaRows } from './jinja.js';
import { rosterRows } from './roster.js';
import { mp1Rows } from './mp1.js';
import type { Row, Section } from './section.js';
import { redfishRows } from './redfish.js';
import { cacheRows } from './cache.js';
import { scaleRows } from './scale.js';
import { stateRows } from './states.js';

const SECTIONS: Array<[string, () => Promise<Section>]> = [
  ['states', stateRows],
  ['scale', scaleRows],
  ['cache', cacheRows],
  ['jinja', jinjaRows],
  ['formulas', formulaRows],
  ['fleet', fleetRows],
  ['roster', rosterRows],
  ['apps', appsRows],
  ['firmware', firmwareRows],
  ['commission', commissionRows],
  ['mp1', mp1Rows],
  ['redfish', redfishRows],
  ['faults', faultRows],
];

function printTable(rows: Row[]): void {
  const w = Math.max(9, ...rows.map((r) => r.name.length));
  const tw = Math.max(9, ...rows.map((r) => r.target.length));
  console.log(`${'benchmark'.padEnd(w)}  ${'median'.padStart(10)}  ${'target'.padEnd(tw)}  notes`);
  console.log(`${'-'.repeat(w)}  ${'-'.repeat(10)}  ${'-'.repeat(tw)}  -----`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(w)}  ${`${r.median.toFixed(1)} ${r.unit}`.padStart(10)}  ${r.target.padEnd(tw)}  ${r.extra ?? ''}`);
  }
}

async function main(): Promise<void> {
  const only = process.env.UMEC_BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  const all: Section = { rows: [], notes: [], skipped: [] };
  for (const [name, run] of SECTIONS) {
    if (only && !only.includes(name)) continue;
    try {
      const s = await run();
      all.rows.push(...s.rows); all.notes.push(...s.notes); all.skipped.push(...s.skipped);
    } catch (err) {
      all.notes.push(`${name}: ${(err as Error).stack ?? String(err)}`);
    }
  }
  printTable(all.rows);
  if (all.skipped.length) {
    console.log('\nskipped:');
    for (const n of all.skipped) console.log(`  - ${n}`);
  }
  if (all.notes.length) {
    console.log('\nproblems:');
    for (const n of all.notes) console.log(`  - ${n}`);
    process.exitCode = 1;
  }
}

await main();
