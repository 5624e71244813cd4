/** umec's Jinja2 engine: the public API (see states/jinja/environment.ts). */
export { Environment, Template, type EnvironmentOptions } from './environment.js';
export { TemplateModule, Macro, LoopContext } from './runtime.js';
export * from './values.js';
export * from './errors.js';
export * from './api.js';
