/**
 * Issue 13's formula rows: every SLS file of each shared Salt formula (the corpus beside the
 * repository, ../shared/salt-formulas, or UMEC_FORMULAS) rendered in one warm process by umec's
 * Salt renderer and by Python Jinja2 with a small Salt layer (bench/salt_formulas_render.py),
 * median ms per pass over the formula's files, and the ratio. Only files both render are timed;
 * the row says how many of them render to the same text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { machineGrains } from '../states/grains.js';
import { fromPy } from '../states/jinja/values.js';
import { TemplateRenderer } from '../states/render.js';
import { boxSaltDeps } from '../states/salt/functions/box-deps.js';
import { loadSaltYaml } from '../states/salt/yaml-load.js';
import { median } from './proc.js';
import type { Row, Section } from './section.js';

const RUNS = 15;
const SCRIPT = resolve('bench/salt_formulas_render.py');

function slsFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.sls')) out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

const readYaml = (path: string): Record<string, unknown> => (fromPy(loadSaltYaml(readFileSync(path, 'utf8'), { ordered: true })) ?? {}) as Record<string, unknown>;

export async function formulaRows(): Promise<Section> {
  const rows: Row[] = [];
  const corpus = resolve(process.env.UMEC_FORMULAS ?? '../shared/salt-formulas');
  if (!existsSync(join(corpus, 'grains.yaml'))) return { rows, notes: [], skipped: [`formulas: no corpus at ${corpus} (set UMEC_FORMULAS)`] };
  // the machine's grains under the corpus's static ones, as `state show --grains` gives them
  const grains = { ...await machineGrains(), ...readYaml(join(corpus, 'grains.yaml')) };
  const tmp = mkdtempSync(join(tmpdir(), 'umec-bench-formulas-'));
  const grainsFile = join(tmp, 'grains.json');
  writeFileSync(grainsFile, JSON.stringify(grains));
  const formulas = readdirSync(corpus).filter((f) => existsSync(join(corpus, f, 'pillar.yaml'))).sort();
  const ratios: number[] = [];
  for (const f of formulas) {
    const root = join(corpus, f);
    const pillar = readYaml(join(root, 'pillar.yaml'));
    const files = slsFiles(root);
    const python = (runs: number, which: string[]) => {
      const py = spawnSync('python3', [SCRIPT, root, grainsFile, String(runs), ...which], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (py.status !== 0) throw new Error(`formulas: ${f}: python side failed: ${py.stderr.trim()}`);
      return JSON.parse(py.stdout) as { median_ms: number; outputs: Record<string, string | { error: string }> };
    };
    const pyOut = python(0, files);
    const renderer = new TemplateRenderer(root, boxSaltDeps());
    const renderOne = (rel: string): string => {
      const sls = rel.slice(0, -4).replace(/\//g, '.').replace(/\.init$/, '');
      return renderer.render(readFileSync(join(root, rel), 'utf8'), rel, {
        grains, pillar, opts: { id: String(grains.id ?? 'box1'), saltenv: 'base', file_client: 'local' }, saltenv: 'base', sls,
      });
    };
    const both = files.filter((rel) => typeof pyOut.outputs[rel] === 'string' && (() => { try { renderOne(rel); return true; } catch { return false; } })());
    if (!both.length) continue;
    const same = both.filter((rel) => renderOne(rel) === pyOut.outputs[rel]).length;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // every file read as the renderer gets it from the file server, as Salt re-reads it
      const t0 = performance.now();
      for (const rel of both) renderOne(rel);
      times.push(performance.now() - t0);
    }
    const umec = median(times);
    const pyMs = python(RUNS, both).median_ms;
    ratios.push(umec / pyMs);
    rows.push({ name: `formula ${f}: ${both.length}/${files.length} SLS rendered, umec`, median: umec, unit: 'ms', target: '(info)',
      extra: `${(umec / pyMs).toFixed(2)}x Python Jinja2 ${pyMs.toFixed(2)} ms; same text ${same}/${both.length}` });
  }
  rmSync(tmp, { recursive: true, force: true });
  if (ratios.length) {
    rows.push({ name: `formulas: median ratio umec / Python Jinja2 over ${ratios.length}`, median: median(ratios), unit: 'x', target: '(info)' });
  }
  return { rows, notes: [], skipped: [] };
}
