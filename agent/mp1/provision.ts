import { join } from 'node:path';
import { UmecError } from '../../lib/errors.js';
import { checkDnsRule } from './app-support.js';
import type { DnsRule } from './dns.js';
import { IdentityStore } from './identities.js';
import { Mp1Schemas } from './schemas.js';
import { checkTrafficRule, type TrafficRule } from './traffic.js';

/** Checks the DNS and traffic rules of a rules file (`dnsRules:` and `trafficRules:` lists, MEC 011 DnsRule/TrafficRule). */
export function checkRulesFile(file: string, doc: Record<string, unknown>): { dnsRules: DnsRule[]; trafficRules: TrafficRule[] } {
  const schemas = new Mp1Schemas();
  const bad = (field: string, reason: string): never => { throw new UmecError('CONFIG', { file, reason: `${field}: ${reason}` }); };
  for (const k of Object.keys(doc)) if (k !== 'dnsRules' && k !== 'trafficRules') bad(k, 'unknown key (expected dnsRules, trafficRules)');
  const lists = { dnsRules: doc.dnsRules ?? [], trafficRules: doc.trafficRules ?? [] };
  for (const [k, name, more] of [['dnsRules', 'DnsRule', checkDnsRule], ['trafficRules', 'TrafficRule', checkTrafficRule]] as const) {
    const xs = lists[k];
    if (!Array.isArray(xs)) bad(k, 'must be a list');
    const ids = new Set<string>();
    (xs as unknown[]).forEach((r, i) => {
      const errs = schemas.check('mec_app_support', name, r);
      if (errs.length) bad(`${k}[${i}].${errs[0].field}`, errs[0].message);
      const extra = (more as (x: unknown) => string[])(r);
      if (extra.length) bad(`${k}[${i}]`, extra[0]);
      const id = String((r as Record<string, unknown>)[k === 'dnsRules' ? 'dnsRuleId' : 'trafficRuleId']);
      if (ids.has(id)) bad(`${k}[${i}]`, `duplicate id ${id}`);
      ids.add(id);
    });
  }
  return lists as { dnsRules: DnsRule[]; trafficRules: TrafficRule[] };
}

/**
 * Provisions an app instance's Mp1 identity in an agent's data dir, as app
 * deployment does through the running server; the running agent picks it up
 * at the app's first token request.
 */
export async function provisionApp(dataDir: string, appInstanceId: string, o: { appName?: string; appVersion?: string; rotate?: boolean; rules?: { dnsRules: DnsRule[]; trafficRules: TrafficRule[] } }) {
  const store = await IdentityStore.open(join(dataDir, 'mp1'));
  if (store.get(appInstanceId)) {
    if (!o.rotate) throw new UmecError('USAGE', { reason: `app instance ${appInstanceId} already has credentials; --rotate issues new ones (the old ones stop working)` });
    return { identity: await store.rotate(appInstanceId), created: false };
  }
  return store.ensure(appInstanceId, { appName: o.appName, appVersion: o.appVersion, ...(o.rules ?? {}) });
}
