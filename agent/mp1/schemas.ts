import { fromSchema } from '@openapi-contrib/openapi-schema-to-json-schema';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import appSupportApi from './openapi/MecAppSupportApi.json' with { type: 'json' };
import serviceMgmtApi from './openapi/MecServiceMgmtApi.json' with { type: 'json' };

/** The two MEC 011 v2.1.1 APIs (ETSI forge OpenAPI 3.0, shipped beside this file). */
export type Mp1Api = 'mec_service_mgmt' | 'mec_app_support';

const APIS: Record<Mp1Api, { components: { schemas: Record<string, object> } }> = {
  mec_service_mgmt: serviceMgmtApi,
  mec_app_support: appSupportApi,
};

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on .default
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

const UINT = { uint8: 0xff, uint16: 0xffff, uint32: 0xffffffff } as const;

export interface SchemaError { field: string; message: string }

/**
 * Validators for the components.schemas of the MEC 011 OpenAPI documents: each
 * schema goes through the OpenAPI→JSON Schema conversion (nullable, OpenAPI-only
 * keywords) and is compiled once, on first use.
 */
export class Mp1Schemas {
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(this.ajv);
    for (const [f, max] of Object.entries(UINT)) {
      this.ajv.addFormat(f, { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 && n <= max });
    }
    for (const [api, doc] of Object.entries(APIS)) {
      const schemas: Record<string, unknown> = {};
      for (const [name, s] of Object.entries(doc.components.schemas)) {
        const { $schema: _drop, ...converted } = fromSchema(s as never, { cloneSchema: true }) as Record<string, unknown>;
        schemas[name] = converted;
      }
      this.ajv.addSchema({ $id: `urn:umec:${api}`, components: { schemas } });
    }
  }

  validator(api: Mp1Api, name: string): ValidateFunction {
    const key = `${api}#${name}`;
    let v = this.cache.get(key);
    if (!v) {
      if (!(name in APIS[api].components.schemas)) throw new Error(`no schema ${name} in ${api}`);
      v = this.ajv.compile({ $ref: `urn:umec:${api}#/components/schemas/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` });
      this.cache.set(key, v);
    }
    return v;
  }

  /** Problems of value against api's schema `name` ([] when valid). */
  check(api: Mp1Api, name: string, value: unknown): SchemaError[] {
    const v = this.validator(api, name);
    return v(value) ? [] : describe(v.errors ?? []);
  }
}

function describe(errors: ErrorObject[]): SchemaError[] {
  return errors.map((e) => {
    const field = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(body)';
    const extra = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})`
        : e.keyword === 'additionalProperties' ? ` ${String((e.params as { additionalProperty: string }).additionalProperty)}` : '';
    return { field, message: `${e.message ?? 'invalid'}${extra}` };
  });
}

/** One line naming each offending field, for a ProblemDetails detail. */
export function formatSchemaErrors(errs: SchemaError[]): string {
  return errs.slice(0, 5).map((e) => `${e.field}: ${e.message}`).join('; ');
}
