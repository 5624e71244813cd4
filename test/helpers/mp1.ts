import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { mp1ConfigSchema, type Mp1Config } from '../../agent/mp1/config.js';
import { Mp1Schemas, type Mp1Api } from '../../agent/mp1/schemas.js';
import { Mp1Server, type Mp1ServerOptions } from '../../agent/mp1/server.js';
import { createLogger } from '../../lib/log.js';
import { freePort } from './net.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OPENAPI: Record<Mp1Api, { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { responses: Record<string, unknown> } }> = {
  mec_service_mgmt: JSON.parse(readFileSync(join(ROOT, 'agent/mp1/openapi/MecServiceMgmtApi.json'), 'utf8')),
  mec_app_support: JSON.parse(readFileSync(join(ROOT, 'agent/mp1/openapi/MecAppSupportApi.json'), 'utf8')),
};

export const schemas = new Mp1Schemas();

/** Asserts value is a valid `name` of the api's OpenAPI components. */
export function assertSchema(api: Mp1Api, name: string, value: unknown): void {
  const errs = schemas.check(api, name, value);
  assert.deepEqual(errs, [], `${name}: ${JSON.stringify(value).slice(0, 400)}`);
}

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
const gs032 = addFormats(new Ajv({ allErrors: true, strict: false }));
for (const f of ['uint8', 'uint16', 'uint32']) gs032.addFormat(f, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });

/** Asserts value against ETSI's GS MEC 032-2 conformance-test schema, e.g. 'SAQ/ServiceInfo'. */
export function assertConformance(schema: string, value: unknown): void {
  const [dir, name] = schema.split('/');
  const file = join(ROOT, 'test/fixtures/etsi-gs032p2/SRV', dir, 'schemas', `${name}.schema.json`);
  const v = gs032.getSchema(file) ?? (gs032.addSchema(JSON.parse(readFileSync(file, 'utf8')), file), gs032.getSchema(file)!);
  assert.ok(v(value), `${schema}: ${JSON.stringify(v.errors)} in ${JSON.stringify(value).slice(0, 400)}`);
}

export function etsiPayload(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'test/fixtures/etsi-gs032p2/SRV', path), 'utf8')) as Record<string, unknown>;
}

/**
 * Validates a response against what the OpenAPI document says the operation
 * answers with that status: the (array of) component schema, or ProblemDetails.
 */
export function assertResponse(api: Mp1Api, method: string, path: string, status: number, body: unknown): void {
  const doc = OPENAPI[api];
  const template = Object.keys(doc.paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
  assert.ok(template, `${path} is not a path of ${api}`);
  const op = doc.paths[template][method.toLowerCase()];
  assert.ok(op, `${method} ${template} is not an operation of ${api}`);
  let resp = op.responses[String(status)] as { $ref?: string; content?: Record<string, { schema: Record<string, unknown> }> } | undefined;
  // a few error statuses the standard forgot for an operation (400 on confirm_ready's bad body) still carry ProblemDetails
  if (!resp && status >= 400) { assertSchema(api, 'ProblemDetails', body); return; }
  assert.ok(resp, `${method} ${template} does not define status ${status}`);
  if (resp.$ref) resp = doc.components.responses[resp.$ref.split('/').pop()!] as typeof resp;
  const content = resp.content?.['application/json'] ?? resp.content?.['application/problem+json'];
  if (!content) { assert.ok(body === undefined || body === '', `${method} ${template} ${status} has no body`); return; }
  const s = content.schema as { $ref?: string; type?: string; items?: { $ref: string } };
  const name = (ref: string) => ref.split('/').pop()!;
  if (s.$ref) assertSchema(api, name(s.$ref), body);
  else if (s.type === 'array' && s.items?.$ref) {
    assert.ok(Array.isArray(body), `${method} ${template}: expected an array`);
    for (const x of body as unknown[]) assertSchema(api, name(s.items.$ref), x);
  } else assert.fail(`unhandled response schema ${JSON.stringify(s)}`);
}

export interface Res { status: number; headers: Headers; body: any }

/** A running Mp1 server in a temp data dir, with helpers to call it as an app would. */
export class Mp1Harness {
  private constructor(readonly server: Mp1Server, readonly dir: string, readonly opts: Mp1ServerOptions) {}

  static async start(o: { dir?: string; config?: Partial<Mp1Config>; now?: () => number; bodyLimits?: Mp1ServerOptions['bodyLimits']; server?: Partial<Mp1ServerOptions> } = {}): Promise<Mp1Harness> {
    const dir = o.dir ?? await mkdtemp(join(tmpdir(), 'umec-mp1-'));
    const config = defaultConfig({ port: await freePort(), ...o.config });
    const opts: Mp1ServerOptions = {
      config, dataDir: dir, log: createLogger({ name: 'mp1-test', level: 'fatal' }), now: o.now, nftMode: 'check',
      timingCaps: undefined, bodyLimits: o.bodyLimits, ...o.server,
    };
    const server = await Mp1Server.open(opts);
    await server.listen();
    return new Mp1Harness(server, dir, opts);
  }

  get base(): string { return this.server.baseUrl; }

  async token(app: string): Promise<string> {
    const id = await this.server.ensure(app);
    const r = await fetch(`${this.base}/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id.clientId, client_secret: id.clientSecret }),
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { access_token: string }).access_token;
  }

  /** One Mp1 call; the response is checked against the OpenAPI operation before it is returned. */
  async call(token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
    const r = await fetch(`${this.base}${path}`, {
      method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    const parsed = text ? JSON.parse(text) : undefined;
    const [, api, rest] = /^\/(mec_service_mgmt|mec_app_support)\/v1(\/[^?]*)/.exec(path) ?? [];
    if (api) {
      if (r.status >= 400) assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      if (r.status !== 401 && r.status !== 429 && r.status !== 415) assertResponse(api as Mp1Api, method, rest, r.status, parsed);
      else { assertSchema(api as Mp1Api, 'ProblemDetails', parsed); assert.equal(parsed.status, r.status); }
    }
    return { status: r.status, headers: r.headers, body: parsed };
  }

  async stop(): Promise<void> { await this.server.close(); }
  async cleanup(): Promise<void> { await this.server.close().catch(() => undefined); await rm(this.dir, { recursive: true, force: true }); }
}

export function defaultConfig(over: Partial<Mp1Config> = {}): Mp1Config {
  const ajv = new Ajv({ useDefaults: true, strict: false });
  // the tests' callback servers listen on 127.0.0.1, which callbacks may reach only when the operator allows it
  const c = { bind: '127.0.0.1', ...over, notify: { allow: ['127.0.0.1'], ...over.notify } } as Record<string, unknown>;
  assert.ok(ajv.validate(mp1ConfigSchema, c), JSON.stringify(ajv.errors));
  return c as unknown as Mp1Config;
}

/** A real HTTP server on 127.0.0.1 recording the notifications POSTed to it. */
export class CallbackServer {
  readonly received: Array<{ path: string; body: any; at: number }> = [];
  private waiters: Array<() => void> = [];
  /** Status to answer with; tests of retries set it to 500. */
  status = 204;
  private constructor(private readonly srv: Server, readonly url: string) {}

  static async start(): Promise<CallbackServer> {
    const port = await freePort();
    // eslint-disable-next-line prefer-const -- assigned after the server that closes over it
    let self: CallbackServer;
    const srv = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.statusCode = self.status;
        res.end();
        if (self.status >= 300) { self.failed++; return; }
        self.received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now() });
        for (const w of self.waiters.splice(0)) w();
      });
    });
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r()));
    self = new CallbackServer(srv, `http://127.0.0.1:${port}`);
    return self;
  }

  failed = 0;

  async waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} notifications, got ${this.received.length}`);
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
  }

  close(): Promise<void> { return new Promise((r) => { this.srv.closeAllConnections(); this.srv.close(() => r()); }); }
}
