import { httpStatusOf, redfishMessageOf, type UmecError } from '../../lib/errors.js';
import { Base } from './registry.js';
import { baseMessage, type RedfishMessage } from './messages.js';

/** An HTTP error answered with a Redfish error body (redfish-error.v1_0_2). */
export class RedfishHttpError extends Error {
  constructor(readonly status: number, readonly messages: RedfishMessage[], readonly headers: Record<string, string> = {}) {
    super(messages[0]?.Message ?? `HTTP ${status}`);
    this.name = 'RedfishHttpError';
  }

  body(): Record<string, unknown> {
    // one message: its id is the code; several: GeneralError, details in ExtendedInfo (DSP0266 "Error responses")
    const head = this.messages.length === 1 ? this.messages[0] : baseMessage('GeneralError');
    return { error: { code: head.MessageId, message: head.Message, '@Message.ExtendedInfo': this.messages } };
  }
}

export const notFound = (uri: string) => new RedfishHttpError(404, [baseMessage('ResourceMissingAtURI', [uri])]);
export const noSession = () => new RedfishHttpError(401, [baseMessage('NoValidSession')], { 'WWW-Authenticate': 'Basic realm="umec Redfish"' });
export const forbidden = () => new RedfishHttpError(403, [baseMessage('InsufficientPrivilege')]);
export const badRequest = (...messages: RedfishMessage[]) => new RedfishHttpError(400, messages);
export const methodNotAllowed = (allow: string[]) => new RedfishHttpError(405, [baseMessage('OperationNotAllowed')], { Allow: allow.join(', ') });

/**
 * A umec error answered through the one table in lib/errors.ts: its kind's status and Base message
 * (whose one argument, if any, is the request URI); umec's own message travels in Oem.
 */
export function fromUmecError(e: UmecError, uri: string): RedfishHttpError {
  const id = redfishMessageOf(e.code);
  const m = baseMessage(id, Base.messages[id].args ? [uri] : []);
  return new RedfishHttpError(httpStatusOf(e.code), [{ ...m, Oem: { umec: { Code: e.code, Reason: e.message } } }]);
}
