import { randomUUID } from 'node:crypto';
import { etagOf, SMGMT, type Mp1Context } from './context.js';
import { badRequest, Mp1Problem, notFound } from './problem.js';
import { formatSchemaErrors } from './schemas.js';

export type ServiceInfo = Record<string, unknown> & {
  serInstanceId: string; serName: string; version: string; state: 'ACTIVE' | 'INACTIVE';
  serCategory?: { href: string; id: string; name: string; version: string };
  transportInfo: Record<string, unknown>; serializer: string; scopeOfLocality?: string; consumedLocalOnly?: boolean; isLocal?: boolean;
};
interface ServiceRow { app: string; rev: number; info: ServiceInfo }
interface SubRow { app: string; sub: Subscription }
type Subscription = {
  subscriptionType: string; callbackReference: string; _links: { self: { href: string } };
  filteringCriteria?: { serInstanceIds?: string[]; serNames?: string[]; serCategories?: Array<{ id: string }>; states?: string[]; isLocal?: boolean };
};
// MEC 011 v2.1.1 names the link's type `rel`; ETSI's conformance tests (GS MEC 032-2) read `subscriptionType`: give both
const SUB_LINK = { rel: 'SerAvailabilityNotificationSubscription', subscriptionType: 'SerAvailabilityNotificationSubscription' };
type ChangeType = 'ADDED' | 'REMOVED' | 'STATE_CHANGED' | 'ATTRIBUTES_CHANGED';

export interface ServiceFilter {
  serInstanceIds?: string[]; serNames?: string[]; serCategoryId?: string;
  consumedLocalOnly?: boolean; isLocal?: boolean; scopeOfLocality?: string;
}

const LOCALITIES = ['MEC_SYSTEM', 'MEC_HOST', 'NFVI_POP', 'ZONE', 'ZONE_GROUP', 'NFVI_NODE'];

function list(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const xs = (Array.isArray(v) ? v : [v]).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
  return xs;
}

function bool(name: string, v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === true) return true;
  if (v === 'false' || v === false) return false;
  throw badRequest(`query parameter ${name} must be true or false, got ${JSON.stringify(v)}`);
}

/** The discovery filters of MEC 011 7.3.3.1/8.2.6.3.1 from a query string; 400 on a bad one. */
export function parseServiceFilter(q: Record<string, unknown>): ServiceFilter {
  const f: ServiceFilter = {
    serInstanceIds: list(q.ser_instance_id), serNames: list(q.ser_name),
    serCategoryId: q.ser_category_id === undefined ? undefined : String(q.ser_category_id),
    consumedLocalOnly: bool('consumed_local_only', q.consumed_local_only), isLocal: bool('is_local', q.is_local),
    scopeOfLocality: q.scope_of_locality === undefined ? undefined : String(q.scope_of_locality),
  };
  const exclusive = (['ser_instance_id', 'ser_name', 'ser_category_id'] as const).filter((k) => q[k] !== undefined);
  if (exclusive.length > 1) throw badRequest(`use only one of ser_instance_id, ser_name, ser_category_id (got ${exclusive.join(', ')})`);
  if (f.scopeOfLocality !== undefined && !LOCALITIES.includes(f.scopeOfLocality)) throw badRequest(`scope_of_locality must be one of ${LOCALITIES.join(', ')}`);
  return f;
}

function matches(s: ServiceInfo, f: ServiceFilter): boolean {
  return (!f.serInstanceIds || f.serInstanceIds.includes(s.serInstanceId))
    && (!f.serNames || f.serNames.includes(s.serName))
    && (f.serCategoryId === undefined || s.serCategory?.id === f.serCategoryId)
    && (f.consumedLocalOnly === undefined || s.consumedLocalOnly === f.consumedLocalOnly)
    && (f.isLocal === undefined || s.isLocal === f.isLocal)
    && (f.scopeOfLocality === undefined || s.scopeOfLocality === f.scopeOfLocality);
}

function subMatches(sub: Subscription, s: ServiceInfo): boolean {
  const c = sub.filteringCriteria;
  if (!c) return true;
  return (!c.serInstanceIds || c.serInstanceIds.includes(s.serInstanceId))
    && (!c.serNames || c.serNames.includes(s.serName))
    && (!c.serCategories || c.serCategories.some((k) => k.id === s.serCategory?.id))
    && (!c.states || c.states.includes(s.state))
    && (c.isLocal === undefined || c.isLocal === s.isLocal);
}

/** Only http(s) callbacks: the agent must never be told to post to a file: or other scheme. */
export function checkCallback(url: string): void {
  let u: URL;
  try { u = new URL(url); } catch { throw badRequest(`callbackReference: ${JSON.stringify(url)} is not a URL`); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw badRequest('callbackReference: only http and https callbacks are supported');
}

/**
 * The MEC service registry (mec_service_mgmt): services by serInstanceId, each
 * owned by the app instance that registered it, and service availability
 * subscriptions with their notifications.
 */
export class ServiceRegistry {
  /** Called after every change of the registry (for the agent's grains). */
  onChange: () => void = () => undefined;

  /** serInstanceIds by serName: discovery by name (the common query) without a scan of the registry. */
  private readonly byName = new Map<string, Set<string>>();

  constructor(private readonly c: Mp1Context, private readonly o: { transports: () => Array<Record<string, unknown>>; tokenEndpoint: string }) {
    for (const [id, r] of this.rows) this.index(id, r.info.serName);
  }

  private index(id: string, name: string): void {
    let ids = this.byName.get(name);
    if (!ids) { ids = new Set(); this.byName.set(name, ids); }
    ids.add(id);
  }

  private unindex(id: string, name: string): void {
    const ids = this.byName.get(name);
    ids?.delete(id);
    if (ids?.size === 0) this.byName.delete(name);
  }

  private get rows() { return this.c.registry.table<ServiceRow>('service'); }
  private get subs() { return this.c.registry.table<SubRow>('svcsub'); }

  serviceUrl(id: string): string { return `${this.c.baseUrl}${SMGMT}/services/${encodeURIComponent(id)}`; }
  subUrl(app: string, id: string): string { return `${this.c.baseUrl}${SMGMT}/applications/${encodeURIComponent(app)}/subscriptions/${encodeURIComponent(id)}`; }

  query(f: ServiceFilter, app?: string): ServiceInfo[] {
    if (app !== undefined && !this.c.identities.get(app)) throw notFound(`app instance ${app}`);
    const out: ServiceInfo[] = [];
    const rows = this.rows;
    if (f.serNames || f.serInstanceIds) {
      const ids = f.serInstanceIds ?? f.serNames!.flatMap((n) => [...(this.byName.get(n) ?? [])]);
      for (const id of new Set(ids)) {
        const r = rows.get(id);
        if (r && (app === undefined || r.app === app) && matches(r.info, f)) out.push(r.info);
      }
      return out;
    }
    for (const r of rows.values()) if ((app === undefined || r.app === app) && matches(r.info, f)) out.push(r.info);
    return out;
  }

  get(id: string, app?: string): { info: ServiceInfo; etag: string } {
    const r = this.rows.get(id);
    if (!r || (app !== undefined && r.app !== app)) throw notFound(`service ${id}${app !== undefined ? ` of app instance ${app}` : ''}`);
    return { info: r.info, etag: etagOf(r.rev) };
  }

  /** Summary of every registered service, for the master's view of the box. */
  summary(): Array<Record<string, unknown>> {
    return [...this.rows.values()].map((r) => ({
      serInstanceId: r.info.serInstanceId, serName: r.info.serName, version: r.info.version, state: r.info.state,
      appInstanceId: r.app, ...(r.info.serCategory ? { serCategory: r.info.serCategory.name } : {}),
      transport: (r.info.transportInfo as { type?: string }).type,
    }));
  }

  private complete(body: Record<string, unknown>, id: string): ServiceInfo {
    const { transportId, ...rest } = body;
    const info = { ...rest, serInstanceId: id } as ServiceInfo;
    if (transportId !== undefined) {
      const t = this.o.transports().find((x) => x.id === transportId);
      if (!t) throw badRequest(`transportId ${JSON.stringify(transportId)} is not a transport this platform offers (GET /transports)`);
      info.transportInfo = t;
    }
    const ti = info.transportInfo as { security?: { oAuth2Info?: unknown } };
    // a service without its own token endpoint is protected by the platform's
    if (!ti.security?.oAuth2Info) info.transportInfo = { ...ti, security: { ...ti.security, oAuth2Info: { grantTypes: ['OAUTH2_CLIENT_CREDENTIALS'], tokenEndpoint: this.o.tokenEndpoint } } };
    info.scopeOfLocality ??= 'MEC_HOST';
    info.isLocal ??= true;
    info.consumedLocalOnly ??= true;
    return info;
  }

  async register(app: string, body: unknown): Promise<{ info: ServiceInfo; etag: string; location: string }> {
    const errs = this.c.schemas.check('mec_service_mgmt', 'ServiceInfo.Post', body);
    if (errs.length) throw badRequest(`ServiceInfo: ${formatSchemaErrors(errs)}`);
    const info = this.complete(body as Record<string, unknown>, randomUUID());
    const row: ServiceRow = { app, rev: 1, info };
    const done = this.c.registry.write('service', info.serInstanceId, row);
    this.index(info.serInstanceId, info.serName);
    await done;
    this.changed(info, 'ADDED');
    return { info, etag: etagOf(1), location: `${this.c.baseUrl}${SMGMT}/applications/${encodeURIComponent(app)}/services/${encodeURIComponent(info.serInstanceId)}` };
  }

  async update(app: string, id: string, body: unknown, ifMatch?: string): Promise<{ info: ServiceInfo; etag: string }> {
    const cur = this.rows.get(id);
    if (!cur || cur.app !== app) throw notFound(`service ${id} of app instance ${app}`);
    if (ifMatch !== undefined && !ifMatchOk(ifMatch, etagOf(cur.rev))) throw new Mp1Problem(412, `If-Match ${ifMatch} does not match the service's current ETag ${etagOf(cur.rev)}`);
    const errs = this.c.schemas.check('mec_service_mgmt', 'ServiceInfo', body);
    if (errs.length) throw badRequest(`ServiceInfo: ${formatSchemaErrors(errs)}`);
    const b = body as Record<string, unknown>;
    if (b.serInstanceId !== undefined && b.serInstanceId !== id) throw badRequest(`serInstanceId ${JSON.stringify(b.serInstanceId)} does not match the resource (${id}); it cannot be changed`);
    const info = this.complete(b, id);
    if (JSON.stringify(info) === JSON.stringify(cur.info)) return { info: cur.info, etag: etagOf(cur.rev) };
    const onlyState = JSON.stringify({ ...info, state: cur.info.state }) === JSON.stringify(cur.info);
    const row: ServiceRow = { app, rev: cur.rev + 1, info };
    const done = this.c.registry.write('service', id, row);
    this.unindex(id, cur.info.serName);
    this.index(id, info.serName);
    await done;
    this.changed(info, onlyState ? 'STATE_CHANGED' : 'ATTRIBUTES_CHANGED');
    return { info, etag: etagOf(row.rev) };
  }

  async remove(app: string, id: string): Promise<void> {
    const cur = this.rows.get(id);
    if (!cur || cur.app !== app) throw notFound(`service ${id} of app instance ${app}`);
    const done = this.c.registry.write('service', id, undefined);
    this.unindex(id, cur.info.serName);
    await done;
    this.changed(cur.info, 'REMOVED');
  }

  private changed(info: ServiceInfo, changeType: ChangeType): void {
    for (const [id, s] of this.subs) {
      if (!subMatches(s.sub, info)) continue;
      this.c.notifier.send(id, s.sub.callbackReference, {
        notificationType: 'SerAvailabilityNotification',
        serviceReferences: [{ link: { href: this.serviceUrl(info.serInstanceId) }, serName: info.serName, serInstanceId: info.serInstanceId, state: info.state, changeType }],
        _links: { subscription: { href: this.subUrl(s.app, id) } },
      } as { notificationType: string });
    }
    this.onChange();
  }

  listSubscriptions(app: string): Record<string, unknown> {
    const subscriptions = [...this.subs].filter(([, s]) => s.app === app).map(([id]) => ({ href: this.subUrl(app, id), ...SUB_LINK }));
    return { _links: { self: { href: `${this.c.baseUrl}${SMGMT}/applications/${encodeURIComponent(app)}/subscriptions` }, subscriptions } };
  }

  getSubscription(app: string, id: string): Subscription {
    const s = this.subs.get(id);
    if (!s || s.app !== app) throw notFound(`subscription ${id} of app instance ${app}`);
    return s.sub;
  }

  async subscribe(app: string, body: unknown): Promise<{ sub: Subscription; location: string }> {
    const b = (body && typeof body === 'object' && !Array.isArray(body) ? { _links: { self: { href: 'urn:umec:assigned-by-the-platform' } }, ...body } : body) as Subscription;
    const errs = this.c.schemas.check('mec_service_mgmt', 'SerAvailabilityNotificationSubscription', b);
    if (errs.length) throw badRequest(`SerAvailabilityNotificationSubscription: ${formatSchemaErrors(errs)}`);
    if (b.subscriptionType !== 'SerAvailabilityNotificationSubscription') throw badRequest('subscriptionType must be SerAvailabilityNotificationSubscription');
    checkCallback(b.callbackReference);
    const denied = await this.c.notifier.checkCallback(b.callbackReference);
    if (denied) throw badRequest(denied);
    const id = randomUUID();
    const location = this.subUrl(app, id);
    const sub: Subscription = { ...b, _links: { self: { href: location } } };
    await this.c.registry.write('svcsub', id, { app, sub } satisfies SubRow);
    return { sub, location };
  }

  async unsubscribe(app: string, id: string): Promise<void> {
    this.getSubscription(app, id);
    await this.c.registry.write('svcsub', id, undefined);
  }

  /** Everything of an app instance that goes away with it. */
  async removeApp(app: string): Promise<void> {
    for (const [id, r] of [...this.rows]) if (r.app === app) await this.remove(app, id);
    for (const [id, s] of [...this.subs]) if (s.app === app) await this.c.registry.write('svcsub', id, undefined);
  }
}

/** RFC 9110 If-Match: "*" or a list of (strong) ETags. */
export function ifMatchOk(header: string, etag: string): boolean {
  return header.split(',').map((s) => s.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etag);
}
