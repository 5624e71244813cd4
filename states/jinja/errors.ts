/**
 * Errors raised while compiling or rendering a template. `kind` is the Python exception
 * name Jinja2 would raise (TemplateSyntaxError, UndefinedError, TypeError, ...), so the
 * differential test can check both engines fail the same way. The engine fills in
 * `filename` and `lineno` as the error passes out of the node that raised it.
 */
export type JinjaErrorKind =
  | 'TemplateSyntaxError' | 'TemplateNotFound' | 'UndefinedError' | 'TemplateRuntimeError'
  | 'TypeError' | 'ValueError' | 'KeyError' | 'IndexError' | 'AttributeError' | 'ZeroDivisionError' | 'OverflowError' | 'MemoryError'
  | 'FilterArgumentError' | 'RuntimeError' | 'AssertionError'
  | 'NotProvided'; // a Python method, filter, test or salt function umec does not provide

export class JinjaError extends Error {
  filename?: string;
  lineno?: number;
  constructor(readonly kind: JinjaErrorKind, message: string, where?: { filename?: string; lineno?: number }) {
    super(message);
    this.name = kind;
    this.filename = where?.filename;
    this.lineno = where?.lineno;
  }
}

export const typeError = (msg: string): JinjaError => new JinjaError('TypeError', msg);
export const valueError = (msg: string): JinjaError => new JinjaError('ValueError', msg);
export const notProvided = (what: string): JinjaError => new JinjaError('NotProvided', `${what} is not provided`);
