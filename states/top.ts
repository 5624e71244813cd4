import { isMap, isSeq, type Node, type Pair } from 'yaml';
import { problem, UmecError, type Problem } from '../lib/errors.js';
import { matchTarget, type MatchSubject, type MatchType } from './match.js';
import type { SlsLoader } from './sls/loader.js';
import type { SlsFile } from './sls/tree.js';

const MATCH_TYPES: Record<string, MatchType> = {
  glob: 'glob', list: 'list', grain: 'grain', grain_pcre: 'grain_pcre', pcre: 'pcre', pillar: 'pillar', compound: 'compound',
};

/**
 * SLS names that top.sls assigns to this box in environment `env`, in top-file
 * order, without duplicates.
 */
export async function highstateSls(top: SlsFile, loader: SlsLoader, subject: MatchSubject, env = 'base'):
  Promise<{ sls: string[]; problems: Problem[] }> {
  const src = await loader.parseFile(top);
  if (!src) return { sls: [], problems: [] }; // the loader recorded why
  const problems: Problem[] = [];
  const bad = (node: unknown, reason: string) => problems.push(problem('TOP_FORMAT', { reason }, src.pos(node)));
  const root = src.root;
  if (!isMap(root)) { bad(root, 'top.sls must map environments to targets'); return { sls: [], problems }; }
  const envPair = (root.items as Pair<Node, Node>[]).find((p) => src.toJS(p.key) === env);
  if (!envPair) return { sls: [], problems };
  if (!isMap(envPair.value)) { bad(envPair.value, `environment ${env} must map targets to lists of SLS names`); return { sls: [], problems }; }
  const out: string[] = [];
  for (const tp of envPair.value.items as Pair<Node, Node>[]) {
    const target = String(src.toJS(tp.key));
    if (!isSeq(tp.value)) { bad(tp.value ?? tp.key, `target '${target}' must have a list of SLS names`); continue; }
    let type: MatchType = 'glob';
    const names: string[] = [];
    for (const item of tp.value.items as Node[]) {
      const v = src.toJS(item);
      if (typeof v === 'string') { names.push(v); continue; }
      if (v && typeof v === 'object' && !Array.isArray(v) && 'match' in v) {
        const t = MATCH_TYPES[String((v).match)];
        if (!t) { bad(item, `unknown match type '${String((v).match)}' (known: ${Object.keys(MATCH_TYPES).join(', ')})`); continue; }
        type = t;
        continue;
      }
      bad(item, `items under '${target}' must be SLS names or "match: TYPE"`);
    }
    let matched = false;
    try {
      matched = matchTarget(target, type, subject);
    } catch (e) {
      if (!(e instanceof UmecError)) throw e;
      problems.push(problem(e.code, e.details, src.pos(tp.key)));
    }
    if (matched) for (const n of names) if (!out.includes(n)) out.push(n);
  }
  return { sls: out, problems };
}
