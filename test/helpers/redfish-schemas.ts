import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** DMTF's Redfish schema bundle, kept in the repository (test/fixtures/redfish; DMTF's licence beside it). */
export const REDFISH_SPECS = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/redfish');

type Json = Record<string, unknown>;

/**
 * Unversioned schemas list every older version in an anyOf; the bundle holds only the
 * newest one, so branches pointing at files that are absent are dropped (not stubbed
 * with {}, which would make every link pass). Where such an anyOf is a link to another
 * resource (it offers idRef), only idRef is kept: this service never expands links,
 * and it keeps ajv from compiling the whole 7 MB bundle for one ServiceRoot.
 */
function dropMissingBranches(node: unknown, have: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => dropMissingBranches(n, have));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'anyOf' && Array.isArray(v)) {
      // a link to another resource: responses carry links only ($expand is not supported), so it must be an idRef
      const isLink = v.some((b: Json) => typeof b?.$ref === 'string' && (b.$ref).endsWith('odata-v4.json#/definitions/idRef'));
      out[k] = v.filter((b: Json) => typeof b?.$ref !== 'string' || (b.$ref).startsWith('#')
        || (have.has((b.$ref).split('#')[0]) && !(isLink && /\.v\d+_\d+_\d+\.json#/.test(b.$ref))))
        .map((b) => dropMissingBranches(b, have));
    } else out[k] = dropMissingBranches(v, have);
  }
  return out;
}

/**
 * Every schema of the bundle, loaded once; each @odata.type is compiled on first use.
 * `validate(body)` picks the schema from the body's own @odata.type.
 */
export class RedfishSchemas {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(dir = join(REDFISH_SPECS, 'json-schema')) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    // registered under their file names: odata-v4.json carries the $id of odata.v4_0_5.json
    const docs = files.filter((f) => !f.startsWith('redfish-schema')).map((f) => {
      const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json;
      d.$id = `http://redfish.dmtf.org/schemas/v1/${f}`;
      delete d.$schema;
      return d;
    });
    const have = new Set(docs.map((d) => String(d.$id)));
    const pruned = docs.map((d) => dropMissingBranches(d, have) as Json);
    for (const d of pruned) this.ajv.addSchema(d);
    // what is still missing are SNIA Swordfish schemas (Storage, Volume): out of a µMEC's scope, accepted as is
    const missing = new Map<string, Json>();
    const collect = (n: unknown): void => {
      if (Array.isArray(n)) { n.forEach(collect); return; }
      if (!n || typeof n !== 'object') return;
      for (const [k, v] of Object.entries(n as Json)) {
        const [file, frag] = typeof v === 'string' ? v.split('#') : [];
        if (k === '$ref' && file && !have.has(file)) {
          const defs = missing.get(file) ?? {};
          const name = /^\/definitions\/(\w+)$/.exec(frag ?? '')?.[1];
          if (name) defs[name] = {};
          missing.set(file, defs);
        }
        else collect(v);
      }
    };
    pruned.forEach(collect);
    for (const [id, definitions] of missing) this.ajv.addSchema({ $id: id, definitions });
  }

  /** `#ComputerSystem.v1_27_0.ComputerSystem` → the definition in ComputerSystem.v1_27_0.json. */
  schemaRef(odataType: string): string {
    const m = /^#([A-Za-z0-9]+)(?:\.(v\d+_\d+_\d+))?\.([A-Za-z0-9]+)$/.exec(odataType);
    if (!m) throw new Error(`not a Redfish @odata.type: ${odataType}`);
    const file = m[2] ? `${m[1]}.${m[2]}` : m[1];
    return `http://redfish.dmtf.org/schemas/v1/${file}.json#/definitions/${m[3]}`;
  }

  validator(ref: string): ValidateFunction {
    let v = this.compiled.get(ref);
    if (!v) {
      v = this.ajv.getSchema(ref);
      if (!v) throw new Error(`no schema ${ref} in the DMTF bundle`);
      this.compiled.set(ref, v);
    }
    return v;
  }

  /** Throws with every ajv error when `body` does not match the schema of its @odata.type (or the error schema). */
  validate(body: unknown, where = ''): void {
    const b = body as Json;
    const ref = b && typeof b === 'object' && 'error' in b && !('@odata.type' in b)
      ? 'http://redfish.dmtf.org/schemas/v1/redfish-error.v1_0_2.json#/definitions/RedfishError'
      : this.schemaRef(String(b?.['@odata.type']));
    const v = this.validator(ref);
    if (!v(body)) {
      throw new Error(`${where} does not validate against ${ref}:\n${JSON.stringify(v.errors, null, 1).slice(0, 4000)}\n${JSON.stringify(body, null, 1).slice(0, 3000)}`);
    }
  }
}
