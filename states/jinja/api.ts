import type { Kwargs, Value } from './values.js';

/** What a filter or test sees of the environment that calls it. */
export interface EvalEnv {
  /** StrictUndefined (Salt's default) or Jinja2's lenient Undefined. */
  readonly strictUndefined: boolean;
  callFilter(name: string, value: Value, args: Value[], kwargs: Kwargs): Value;
  callTest(name: string, value: Value, args: Value[], kwargs: Kwargs): boolean;
  /** Whether a filter / test of that name exists (the `filter` and `test` tests). */
  hasFilter?(name: string): boolean;
  hasTest?(name: string): boolean;
}

export type FilterFn = (env: EvalEnv, value: Value, args: Value[], kwargs: Kwargs) => Value;
export type TestFn = (env: EvalEnv, value: Value, args: Value[], kwargs: Kwargs) => boolean;

/** Where `import`, `from ... import`, `include` and `import_yaml` find templates. */
export interface TemplateLoader {
  /**
   * `name` as written in the template; undefined when there is no such template.
   * `parent` is the name of the template that imports/includes/extends it (undefined for
   * the top template or one made with fromString), for loaders that resolve relative names.
   */
  getSource(name: string, parent?: string): { source: string; filename: string; globals?: Record<string, Value> } | undefined;
}
