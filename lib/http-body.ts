import type { FastifyInstance } from 'fastify';
import { UmecError } from './errors.js';

/** Limits on a JSON request body, where it crosses into a daemon. */
export interface BodyLimits {
  /** Largest body, bytes (fastify answers 413 beyond it before reading more). */
  maxBytes: number;
  /** Deepest nesting of arrays and objects; `[]` and `{}` are depth 1. */
  maxDepth: number;
}

/**
 * The deepest nesting of `[` / `{` in JSON text, or Infinity once it passes `stopAt`.
 * A linear scan with no recursion: it must itself survive the bodies it guards
 * against. Brackets inside strings do not count; the text need not be valid JSON
 * (the parser that runs after it says what else is wrong).
 */
export function jsonDepth(text: string, stopAt = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) { max = depth; if (max > stopAt) return Infinity; }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * Replaces the JSON body parser of a fastify instance with fastify's own (which
 * also refuses `__proto__` / `constructor.prototype` keys) behind a depth check,
 * and sets the instance's size limit. A body nested deeper than `maxDepth` is a
 * USAGE error (400 on every API, through lib/errors) before it is parsed: deep
 * values break JSON.stringify, recursive validators and every later reader.
 * Call it on the root instance before routes are registered.
 */
export function limitJsonBodies(app: FastifyInstance, limits: BodyLimits): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: limits.maxBytes }, (req, body, done) => {
    const text = body as string;
    if (jsonDepth(text, limits.maxDepth) > limits.maxDepth) {
      done(new UmecError('USAGE', { reason: `the request body is nested deeper than ${limits.maxDepth} levels` }), undefined);
      return;
    }
    void parse(req, text, done);
  });
}
