import { httpStatusOf, mp1ProblemTypeOf, type UmecError } from '../../lib/errors.js';

/** Titles of the statuses Mp1 answers with (RFC 9457 ProblemDetails). */
const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
  412: 'Precondition Failed', 414: 'URI Too Long', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 507: 'Insufficient Storage',
};

export interface ProblemDetails { type?: string; title?: string; status: number; detail: string; instance?: string }

/** An Mp1 request that fails with a ProblemDetails body. */
export class Mp1Problem extends Error {
  constructor(readonly status: number, readonly detail: string, readonly headers: Record<string, string> = {}, readonly type = 'about:blank') {
    super(detail);
    this.name = 'Mp1Problem';
  }

  body(instance: string): ProblemDetails {
    return { type: this.type, title: TITLES[this.status] ?? 'Error', status: this.status, detail: this.detail, instance };
  }
}

/** A umec error answered through the one table in lib/errors.ts: its kind's status and problem type. */
export const fromUmecError = (e: UmecError) => new Mp1Problem(httpStatusOf(e.code), e.message, {}, mp1ProblemTypeOf(e.code));

export const badRequest = (detail: string) => new Mp1Problem(400, detail);
export const notFound = (what: string) => new Mp1Problem(404, `${what} does not exist`);
export const forbidden = (detail: string) => new Mp1Problem(403, detail);
export const conflict = (detail: string) => new Mp1Problem(409, detail);
