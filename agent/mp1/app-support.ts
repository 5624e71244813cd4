import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { APPSUP, etagOf, type Mp1Context } from './context.js';
import { renderHosts, type DnsApplier, type DnsRule } from './dns.js';
import type { NftApplier } from './nft-applier.js';
import { badRequest, conflict, forbidden, Mp1Problem, notFound } from './problem.js';
import { formatSchemaErrors } from './schemas.js';
import { checkCallback, ifMatchOk } from './services.js';
import { checkTrafficRule, type TrafficRule } from './traffic.js';

interface AppRow { seeded: boolean; readyAt?: string; terminating?: { operationAction: string; deadline: string } }
interface RuleRow<T> { app: string; rev: number; rule: T }
type TermSub = { subscriptionType: string; callbackReference: string; appInstanceId: string; _links: { self: { href: string } } };

const HOSTNAME = /^(?=.{1,253}\.?$)(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** Problems with a DNS rule that the schema cannot see. */
export function checkDnsRule(r: DnsRule): string[] {
  const errs: string[] = [];
  if (!HOSTNAME.test(r.domainName) || r.domainName.startsWith('*.')) errs.push(`domainName: ${JSON.stringify(r.domainName)} is not a host name`);
  const fam = isIP(r.ipAddress);
  if (!fam) errs.push(`ipAddress: ${JSON.stringify(r.ipAddress)} is not an IP address`);
  else if ((fam === 4) !== (r.ipAddressType === 'IP_V4')) errs.push(`ipAddress: ${r.ipAddress} is not of ipAddressType ${r.ipAddressType}`);
  return errs;
}

/**
 * App support (mec_app_support): readiness and termination of app instances,
 * app termination subscriptions, and the app's DNS and traffic rules, which
 * the platform makes take effect (dnsmasq hosts file, nftables ruleset).
 */
export class AppSupport {
  private readonly waiting = new Map<string, () => void>();
  private rulesApplied: Promise<unknown> = Promise.resolve();

  /**
   * `ruleChanges`: the fields of its DNS and traffic rules an app may change from what its
   * package declared, by app instance id, app name, or `*` (agent.yaml mp1.rule_changes;
   * default: only `state`).
   */
  constructor(private readonly c: Mp1Context, private readonly o: { dns: DnsApplier; nft: NftApplier; ruleChanges?: Record<string, string[]> }) {}

  /** Refuses a change to any field the operator did not let this app change (403 naming the fields). */
  private checkChange(app: string, kind: 'DNS' | 'traffic', declared: object, next: object): void {
    const rc = this.o.ruleChanges ?? { '*': ['state'] };
    const name = this.c.identities.get(app)?.appName;
    const allowed = (Object.hasOwn(rc, app) ? rc[app] : name !== undefined && Object.hasOwn(rc, name) ? rc[name] : rc['*']) ?? ['state'];
    if (allowed.includes('*')) return;
    const a = declared as Record<string, unknown>;
    const b = next as Record<string, unknown>;
    const changed = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
    const refused = changed.filter((k) => !allowed.includes(k)).sort();
    if (refused.length) {
      throw forbidden(`${kind} rule fields ${refused.join(', ')} were declared by the app's package and this app may not change them `
        + `(it may change: ${allowed.join(', ') || 'nothing'}; an operator allows more with mp1.rule_changes in agent.yaml)`);
    }
  }

  /** The rule as the app's package declared it (its provisioning record), or the stored one for rules without a record. */
  private declared<T extends { dnsRuleId?: string; trafficRuleId?: string }>(app: string, kind: 'dnsRules' | 'trafficRules', id: string, stored: T): T {
    const list = (this.c.identities.get(app)?.[kind] ?? []) as T[];
    return list.find((r) => (kind === 'dnsRules' ? r.dnsRuleId : r.trafficRuleId) === id) ?? stored;
  }

  private get apps() { return this.c.registry.table<AppRow>('app'); }
  private get subs() { return this.c.registry.table<{ app: string; sub: TermSub }>('appsub'); }
  private get dns() { return this.c.registry.table<RuleRow<DnsRule>>('dns'); }
  private get traffic() { return this.c.registry.table<RuleRow<TrafficRule>>('traffic'); }

  private appUrl(app: string): string { return `${this.c.baseUrl}${APPSUP}/applications/${encodeURIComponent(app)}`; }

  /** Seeds an instance's rules from its provisioning record, once. */
  async ensureApp(app: string): Promise<void> {
    if (this.apps.get(app)?.seeded) return;
    const rec = this.c.identities.get(app);
    for (const r of (rec?.dnsRules ?? []) as DnsRule[]) await this.c.registry.write('dns', `${app}/${r.dnsRuleId}`, { app, rev: 1, rule: r });
    for (const r of (rec?.trafficRules ?? []) as TrafficRule[]) await this.c.registry.write('traffic', `${app}/${r.trafficRuleId}`, { app, rev: 1, rule: r });
    await this.c.registry.write('app', app, { ...this.apps.get(app), seeded: true });
    if (rec?.dnsRules?.length || rec?.trafficRules?.length) await this.applyRules();
  }

  isReady(app: string): boolean { return this.apps.get(app)?.readyAt !== undefined; }

  async confirmReady(app: string, body: unknown): Promise<void> {
    const errs = this.c.schemas.check('mec_app_support', 'AppReadyConfirmation', body);
    if (errs.length) throw badRequest(`AppReadyConfirmation: ${formatSchemaErrors(errs)}`);
    const cur = this.apps.get(app) ?? { seeded: false };
    if (cur.terminating) throw conflict(`app instance ${app} is being ${cur.terminating.operationAction === 'STOPPING' ? 'stopped' : 'terminated'}`);
    if (cur.readyAt) return;
    await this.c.registry.write('app', app, { ...cur, readyAt: new Date().toISOString() });
  }

  async confirmTermination(app: string, body: unknown): Promise<void> {
    const errs = this.c.schemas.check('mec_app_support', 'AppTerminationConfirmation', body);
    if (errs.length) throw badRequest(`AppTerminationConfirmation: ${formatSchemaErrors(errs)}`);
    const t = this.apps.get(app)?.terminating;
    if (!t) throw conflict(`no termination or stop of app instance ${app} is in progress`);
    const op = (body as { operationAction: string }).operationAction;
    if (op !== t.operationAction) throw conflict(`the platform is ${t.operationAction}, not ${op}, app instance ${app}`);
    this.waiting.get(app)?.();
  }

  /**
   * Tells the app's termination subscribers that it is being stopped or
   * terminated and waits until it confirms or maxGracefulTimeout passes.
   * Resolves true when the app confirmed.
   */
  async terminate(app: string, operationAction: 'STOPPING' | 'TERMINATING', maxGracefulTimeout: number): Promise<boolean> {
    const subs = [...this.subs].filter(([, s]) => s.app === app);
    const cur = this.apps.get(app) ?? { seeded: false };
    await this.c.registry.write('app', app, { ...cur, terminating: { operationAction, deadline: new Date(Date.now() + maxGracefulTimeout * 1000).toISOString() } });
    if (!subs.length || maxGracefulTimeout === 0) return false;
    const confirmed = new Promise<boolean>((res) => {
      const t = setTimeout(() => { this.waiting.delete(app); res(false); }, maxGracefulTimeout * 1000);
      this.waiting.set(app, () => { clearTimeout(t); this.waiting.delete(app); res(true); });
    });
    for (const [id, s] of subs) {
      this.c.notifier.send(id, s.sub.callbackReference, {
        notificationType: 'AppTerminationNotification', operationAction, maxGracefulTimeout,
        _links: { subscription: { href: `${this.appUrl(app)}/subscriptions/${id}` }, confirmTermination: { href: `${this.appUrl(app)}/confirm_termination` } },
      } as { notificationType: string });
    }
    return confirmed;
  }

  /** A stopped app that starts again is no longer being stopped (and must confirm ready again). */
  async restarted(app: string): Promise<void> {
    const cur = this.apps.get(app);
    if (cur?.terminating || cur?.readyAt) await this.c.registry.write('app', app, { seeded: cur.seeded });
  }

  listSubscriptions(app: string): Record<string, unknown> {
    const subscriptions = [...this.subs].filter(([, s]) => s.app === app).map(([id]) => ({ href: `${this.appUrl(app)}/subscriptions/${id}`, rel: 'AppTerminationNotificationSubscription', subscriptionType: 'AppTerminationNotificationSubscription' }));
    return { _links: { self: { href: `${this.appUrl(app)}/subscriptions` }, subscriptions } };
  }

  getSubscription(app: string, id: string): TermSub {
    const s = this.subs.get(id);
    if (!s || s.app !== app) throw notFound(`subscription ${id} of app instance ${app}`);
    return s.sub;
  }

  async subscribe(app: string, body: unknown): Promise<{ sub: TermSub; location: string }> {
    const b = (body && typeof body === 'object' && !Array.isArray(body) ? { _links: { self: { href: 'urn:umec:assigned-by-the-platform' } }, ...body } : body) as TermSub;
    const errs = this.c.schemas.check('mec_app_support', 'AppTerminationNotificationSubscription', b);
    if (errs.length) throw badRequest(`AppTerminationNotificationSubscription: ${formatSchemaErrors(errs)}`);
    if (b.subscriptionType !== 'AppTerminationNotificationSubscription') throw badRequest('subscriptionType must be AppTerminationNotificationSubscription');
    if (b.appInstanceId !== app) throw badRequest(`appInstanceId ${JSON.stringify(b.appInstanceId)} must be the app instance of the resource (${app})`);
    checkCallback(b.callbackReference);
    const denied = await this.c.notifier.checkCallback(b.callbackReference);
    if (denied) throw badRequest(denied);
    const id = randomUUID();
    const location = `${this.appUrl(app)}/subscriptions/${id}`;
    const sub: TermSub = { ...b, _links: { self: { href: location } } };
    await this.c.registry.write('appsub', id, { app, sub });
    return { sub, location };
  }

  async unsubscribe(app: string, id: string): Promise<void> {
    this.getSubscription(app, id);
    await this.c.registry.write('appsub', id, undefined);
  }

  listDns(app: string): DnsRule[] { return [...this.dns.values()].filter((r) => r.app === app).map((r) => r.rule); }
  listTraffic(app: string): TrafficRule[] { return [...this.traffic.values()].filter((r) => r.app === app).map((r) => r.rule); }

  getDns(app: string, id: string): { rule: DnsRule; etag: string } {
    const r = this.dns.get(`${app}/${id}`);
    if (!r) throw notFound(`DNS rule ${id} of app instance ${app}`);
    return { rule: r.rule, etag: etagOf(r.rev) };
  }

  getTraffic(app: string, id: string): { rule: TrafficRule; etag: string } {
    const r = this.traffic.get(`${app}/${id}`);
    if (!r) throw notFound(`traffic rule ${id} of app instance ${app}`);
    return { rule: r.rule, etag: etagOf(r.rev) };
  }

  async putDns(app: string, id: string, body: unknown, ifMatch?: string): Promise<{ rule: DnsRule; etag: string }> {
    const cur = this.getDns(app, id);
    if (ifMatch !== undefined && !ifMatchOk(ifMatch, cur.etag)) throw new Mp1Problem(412, `If-Match ${ifMatch} does not match the DNS rule's current ETag ${cur.etag}`);
    const errs = this.c.schemas.check('mec_app_support', 'DnsRule', body);
    if (errs.length) throw badRequest(`DnsRule: ${formatSchemaErrors(errs)}`);
    const rule = body as DnsRule;
    if (rule.dnsRuleId !== id) throw badRequest(`dnsRuleId ${JSON.stringify(rule.dnsRuleId)} does not match the resource (${id})`);
    const more = checkDnsRule(rule);
    if (more.length) throw badRequest(`DnsRule: ${more.join('; ')}`);
    this.checkChange(app, 'DNS', this.declared(app, 'dnsRules', id, cur.rule), rule);
    const rev = Number(cur.etag.slice(1, -1)) + (JSON.stringify(rule) === JSON.stringify(cur.rule) ? 0 : 1);
    await this.c.registry.write('dns', `${app}/${id}`, { app, rev, rule });
    await this.applyRules();
    return { rule, etag: etagOf(rev) };
  }

  async putTraffic(app: string, id: string, body: unknown, ifMatch?: string): Promise<{ rule: TrafficRule; etag: string }> {
    const cur = this.getTraffic(app, id);
    if (ifMatch !== undefined && !ifMatchOk(ifMatch, cur.etag)) throw new Mp1Problem(412, `If-Match ${ifMatch} does not match the traffic rule's current ETag ${cur.etag}`);
    const errs = this.c.schemas.check('mec_app_support', 'TrafficRule', body);
    if (errs.length) throw badRequest(`TrafficRule: ${formatSchemaErrors(errs)}`);
    const rule = body as TrafficRule;
    if (rule.trafficRuleId !== id) throw badRequest(`trafficRuleId ${JSON.stringify(rule.trafficRuleId)} does not match the resource (${id})`);
    const more = checkTrafficRule(rule);
    if (more.length) throw badRequest(`TrafficRule: ${more.join('; ')}`);
    this.checkChange(app, 'traffic', this.declared(app, 'trafficRules', id, cur.rule), rule);
    // nft must take the app's tables with the new rule before anything is stored
    const mine = [...this.traffic.values()].filter((r) => r.app === app).map((r) => (r.rule.trafficRuleId === id ? rule : r.rule));
    const refused = await this.o.nft.check(app, mine);
    if (refused) throw badRequest(`TrafficRule: nftables refuses the app's rules with this one: ${refused.split('\n')[0].slice(0, 300)}`);
    const rev = Number(cur.etag.slice(1, -1)) + (JSON.stringify(rule) === JSON.stringify(cur.rule) ? 0 : 1);
    await this.c.registry.write('traffic', `${app}/${id}`, { app, rev, rule });
    await this.applyRules();
    return { rule, etag: etagOf(rev) };
  }

  /** Renders both rule sets and hands them to dnsmasq and nftables, one application at a time. */
  applyRules(): Promise<void> {
    const step = async () => {
      const dns = renderHosts([...this.dns.values()].map((r) => ({ appInstanceId: r.app, rule: r.rule })));
      await this.o.dns.apply(dns);
      const r = await this.o.nft.apply([...this.traffic.values()].map((x) => ({ appInstanceId: x.app, rule: x.rule })));
      for (const f of r.failed ?? []) this.c.log.error({ app: f.app, error: f.error }, 'nft refused this app\'s traffic rules; its previous rules stay in force, other apps\' are loaded');
    };
    const p = this.rulesApplied.then(step, step);
    this.rulesApplied = p.catch((e: unknown) => this.c.log.error({ err: e }, 'cannot apply DNS/traffic rules'));
    return p;
  }

  async removeApp(app: string): Promise<void> {
    for (const [id, s] of [...this.subs]) if (s.app === app) await this.c.registry.write('appsub', id, undefined);
    let rules = false;
    for (const [k, r] of [...this.dns]) if (r.app === app) { await this.c.registry.write('dns', k, undefined); rules = true; }
    for (const [k, r] of [...this.traffic]) if (r.app === app) { await this.c.registry.write('traffic', k, undefined); rules = true; }
    await this.c.registry.write('app', app, undefined);
    if (rules) await this.applyRules();
  }
}
