import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { StateEngine } from '../states/engine.js';
import { builtinModules, linuxDrivers } from '../states/modules/index.js';
import { LocalSlsSource } from '../states/sls/tree.js';
import { writeTree } from '../test/helpers/tree.js';

const BIN = fileURLToPath(new URL('../../cli/bin/run.js', import.meta.url));
const grains = { id: 'bench-box', os: 'Debian', cpuarch: 'aarch64' };

import { median, timeIt } from './proc.js';
import type { Row, Section } from './section.js';



/** 1,000 states of the kinds a fleet uses, with templating and requisites. */
function bigSls(out: string): string {
  const lines = ['{% set base = "' + out + '" %}'];
  for (let i = 0; i < 1000; i++) {
    switch (i % 4) {
      case 0:
        lines.push(`conf-${i}:`, '  file.managed:', `    - name: {{ base }}/conf-${i}`, `    - contents: "host {{ grains.id }} item ${i}"`, "    - mode: '0644'");
        break;
      case 1:
        lines.push(`dir-${i}:`, '  file.directory:', `    - name: {{ base }}/dir-${i}`, '    - makedirs: true', '    - require:', `      - file: conf-${i - 1}`);
        break;
      case 2:
        lines.push(`cmd-${i}:`, '  cmd.run:', `    - name: echo ${i}`, `    - creates: {{ base }}/conf-${i - 2}`, '    - onchanges:', `      - file: conf-${i - 2}`);
        break;
      default:
        lines.push(`svc-${i}:`, '  service.running:', `    - name: app-${i}`, '    - enable: true', '    - watch:', `      - file: conf-${i - 3}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function twentyFiles(out: string): string {
  return Array.from({ length: 20 }, (_, i) =>
    `${out}/f${i}.conf:\n  file.managed:\n    - contents: "value ${i} for {{ grains.id }}"\n    - mode: '0640'\n`).join('');
}

/** Issue 2 rows: the state engine and local apply. */
export async function stateRows(): Promise<Section> {
  const dir = await mkdtemp(join(tmpdir(), 'umec-bench-'));
  const rows: Row[] = [];
  try {
    const root = join(dir, 'tree');
    const out = join(dir, 'out');
    await writeTree(root, {
      'big.sls': bigSls(out), 'twenty.sls': twentyFiles(out),
      'top.sls': "base:\n  '*':\n    - small\n",
      'small.sls': `${out}/small/a:\n  file.managed:\n    - contents: a {{ grains.id }}\n    - makedirs: true\n${out}/small/b:\n  file.directory: []\n${out}/small/link:\n  file.symlink:\n    - target: ${out}/small/a\nhello:\n  test.nop: []\n`,
    });
    const drivers = linuxDrivers();
    const planOnce = async () => {
      const engine = new StateEngine({ modules: builtinModules(), drivers });
      const plan = await engine.plan({ source: new LocalSlsSource(root), sls: ['big'], grains, pillar: {} });
      if (plan.chunks.length !== 1000) throw new Error(`expected 1000 chunks, got ${plan.chunks.length}`);
    };
    await planOnce(); // warm the JIT the way a long-running agent is
    rows.push({ name: 'render+validate+plan 1,000-state SLS', median: await timeIt(15, planOnce), unit: 'ms', target: '< 300 ms' });
    const coldPlan = spawnSync(process.execPath, ['-e', `
      const t0 = performance.now();
      const { StateEngine } = await import(${JSON.stringify(new URL('../states/engine.js', import.meta.url).href)});
      const { builtinModules, linuxDrivers } = await import(${JSON.stringify(new URL('../states/modules/index.js', import.meta.url).href)});
      const { LocalSlsSource } = await import(${JSON.stringify(new URL('../states/sls/tree.js', import.meta.url).href)});
      const t1 = performance.now();
      await new StateEngine({ modules: builtinModules(), drivers: linuxDrivers() }).plan({ source: new LocalSlsSource(${JSON.stringify(root)}), sls: ['big'], grains: ${JSON.stringify(grains)}, pillar: {} });
      console.log(performance.now() - t1);`], { encoding: 'utf8', input: '' });
    rows.push({ name: '  same, first plan in a fresh process', median: Number(coldPlan.stdout.trim()), unit: 'ms', target: '(info)' });

    const engine = new StateEngine({ modules: builtinModules(), drivers });
    const req = { source: new LocalSlsSource(root), sls: ['twenty'], grains, pillar: {} };
    const fresh = async () => { await rm(out, { recursive: true, force: true }); await (await import('node:fs/promises')).mkdir(out, { recursive: true }); };
    const firstRun = await timeIt(15, async () => { await engine.apply(req); }, fresh);
    rows.push({ name: 'local apply 20 file.managed, first run', median: firstRun, unit: 'ms', target: '(info)' });
    await engine.apply(req);
    const noop = await timeIt(15, async () => {
      const r = await engine.apply(req);
      if (Object.values(r).some((x) => Object.keys(x.changes).length)) throw new Error('no-op run changed something');
    });
    rows.push({ name: 'local apply 20 file.managed, no-op run', median: noop, unit: 'ms', target: '< 100 ms' });

    const cacheDir = join(dir, 'cache');
    for (const [label, extra] of [['', []], [', grains collected (no cache)', ['--refresh-grains']]] as const) {
    const cli = ['state', 'apply', '--local', '--state-root', root, '--json', '--cachedir', cacheDir, ...extra];
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      const r = existsSync('/usr/bin/time')
        ? spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...cli], { encoding: 'utf8' })
        : spawnSync(process.execPath, [BIN, ...cli], { encoding: 'utf8' });
      times.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`umec failed: ${r.stderr}`);
      const kb = Number(r.stderr.trim().split('\n').pop());
      if (kb) rss.push(kb / 1024);
    }
    rows.push({ name: `umec state apply --local (4 states), whole process${label}`, median: median(times), unit: 'ms',
      target: label ? '(info)' : '< 300 ms', extra: rss.length ? `peak RSS ${median(rss).toFixed(0)} MB` : undefined });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { rows, notes: [], skipped: [] };
}

