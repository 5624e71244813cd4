/**
 * Stable error codes for umec. Every error a user can see carries one of these
 * codes; the message template is filled from the error's details.
 */
export const ErrorCodes = {
  SLS_NOT_FOUND: 'SLS {sls} not found under {root} (looked for {tried})',
  SLS_READ: 'cannot read {file}: {reason}',
  TEMPLATE: 'template error: {reason}',
  YAML_SYNTAX: 'YAML syntax error: {reason}',
  SLS_NOT_MAPPING: 'an SLS file must be a mapping of state IDs, got {got}',
  STATE_NOT_MAPPING: 'state {id} must be a mapping of module.function to arguments, got {got}',
  ID_CONFLICT: 'ID {id} is defined both in {other} and here',
  UNKNOWN_MODULE: 'state module {module} does not exist (known: {known})',
  UNKNOWN_FUNCTION: 'function {module}.{fun} does not exist (known: {known})',
  NO_FUNCTION: 'no function given for module {module}',
  TWO_FUNCTIONS: 'module {module} is given two functions ({funs}) in one state ID',
  ARG_FORMAT: 'arguments must be a list of single-key mappings ("- key: value"), got {got}',
  ARG_INVALID: '{reason}',
  REQUISITE_FORMAT: '{req}: {reason}',
  REQUISITE_MISSING: '{req} points at {target}, which is not defined in this run',
  REQUISITE_CYCLE: 'requisite cycle: {cycle}',
  INCLUDE_FORMAT: 'include must be a list of SLS names, got {got}',
  EXTEND_MISSING: 'extend names ID {id}, which is not defined in this run',
  TOP_FORMAT: 'top file: {reason}',
  TARGET_SYNTAX: 'bad target expression {target}: {reason}',
  TOO_MANY_STATES: 'the run has more than {max} states (max_states); split it or raise the limit',
  SLS_TOO_BIG: 'rendered SLS {sls} is {size} bytes, more than {max} (max_sls_bytes)',
  JOB_INTERRUPTED: 'interrupted ({reason}) after {done} of {total} states; not run from {next} on',
  NO_TOP: 'no SLS given and no top.sls under {root}',
  NOTHING_MATCHED: 'no states in top.sls match this machine ({id})',
  USE_MISSING: 'use points at {target}, which is not defined in this run',
  FILE_SOURCE: 'source {source}: {reason}',
  CONFIG: '{file}: {reason}',
  LISTEN: 'cannot listen on {endpoint}: {reason}',
  USAGE: '{reason}',
  IO: '{path}: {reason} ({errno}); {hint}',
  /** A fault in umec itself (a bug), reported by another umec process. */
  INTERNAL: 'internal error: {reason}',
  /** A store of the master that cannot be used: damaged, or closed while the master stops. */
  STORE: '{file}: {reason}',
  // roster (SSH transport)
  ROSTER: '{file}: {reason}',
  SSH_UNREACHABLE: 'cannot reach {host}:{port}: {reason}',
  SSH_TIMEOUT: 'no answer from {host}:{port} within {seconds} s ({stage})',
  SSH_AUTH: 'authentication as {user} refused by {host}:{port} (tried: {methods})',
  SSH_HOST_UNKNOWN: 'host key of {host}:{port} is not in {file} ({fingerprint}); refusing to connect (pass --accept-new to record it)',
  SSH_HOST_CHANGED: 'HOST KEY OF {host}:{port} HAS CHANGED: {file}:{line} has {expected}, the host offers {fingerprint}; refusing to connect (someone may be intercepting the connection, or the host was reinstalled: remove the old key from {file} if you know why)',
  SSH_HOST_REVOKED: 'host key of {host}:{port} ({fingerprint}) is marked @revoked in {file}:{line}; refusing to connect',
  SSH_NO_NODE: 'no usable node on {host} ({reason}); umec needs Node.js >= 20 on the box',
  SSH_SUDO: 'sudo refused on {host}: {reason}',
  SSH_UPLOAD: 'upload of {what} to {host}:{path} failed: {reason}',
  SSH_REMOTE: 'the remote side on {host} failed: {reason}',
  SSH_THIN_DIR: 'refusing thin_dir on {host}: {path} {reason}; another local user could control what runs there (remove it, or set thin_dir in the roster to a directory only {user} can write)',
  // container apps (issue 7)
  CONTAINER_RUNTIME: 'container runtime at {endpoint}: {reason}',
  IMAGE_NOT_FOUND: 'image {image}: {reason}',
  PORT_IN_USE: 'container {container}: host port {port} is already in use ({reason})',
  OUT_OF_DISK: '{what}: out of disk space ({reason})',
  CONTAINER_FAILED: 'container {container}: {reason}',
  APP_PACKAGE: '{file}: {reason}',
  APP_NOT_FOUND: 'app {app} {version} is not on-boarded on the master',
  APP_EXISTS: 'app {app} version {version} is already on-boarded with different content; give it a new version',
  // firmware (issue 5): bundles, keys, downloads, slots, the update journal
  FW_BUNDLE: 'firmware bundle {bundle}: {reason}',
  FW_SIGNATURE: 'firmware bundle {bundle}: {reason}',
  FW_INCOMPATIBLE: 'firmware bundle {bundle} does not fit this box: {reason}',
  FW_DOWNLOAD: 'cannot download {url}: {reason}',
  FW_BUSY: 'firmware update refused: {reason}',
  FW_SLOT: 'cannot write slot {slot} ({device}): {reason}',
  FW_STATE: 'firmware: {reason}',
  FW_KEY: 'key {file}: {reason}',
  // redfish (agent/redfish)
  REDFISH_ACCOUNTS: 'Redfish accounts file {file}: {reason}',
  REDFISH_ACCOUNT: 'Redfish account {username}: {reason}',
  REDFISH_ACCOUNT_EXISTS: 'Redfish account {username}: already exists',
  REDFISH_TLS: 'Redfish TLS {file}: {reason}',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/**
 * What kind of failure a code is, and so everything a front end answers it with: the CLI exit code,
 * the HTTP status, the Redfish Base message (DSP0268; its one argument, where it has one, is the
 * request URI) and the Mp1 problem type (RFC 9457 ProblemDetails.type). Input errors (the default: a
 * code not listed in KIND_OF is the user's input) exit 2, like a render error. This is the one table
 * every front end translates through; add a kind here, never a string comparison in a route.
 */
export const ErrorKinds = {
  input: { exit: 2, http: 400, redfish: 'GeneralError', mp1: 'urn:umec:problem:input' },
  auth: { exit: 2, http: 401, redfish: 'NoValidSession', mp1: 'urn:umec:problem:auth' },
  forbidden: { exit: 2, http: 403, redfish: 'InsufficientPrivilege', mp1: 'urn:umec:problem:forbidden' },
  notfound: { exit: 2, http: 404, redfish: 'ResourceMissingAtURI', mp1: 'urn:umec:problem:notfound' },
  conflict: { exit: 2, http: 409, redfish: 'ResourceInUse', mp1: 'urn:umec:problem:conflict' },
  failed: { exit: 1, http: 500, redfish: 'InternalError', mp1: 'urn:umec:problem:failed' },
  upstream: { exit: 1, http: 502, redfish: 'OperationFailed', mp1: 'urn:umec:problem:upstream' },
  unavailable: { exit: 1, http: 503, redfish: 'ServiceDisabled', mp1: 'urn:umec:problem:unavailable' },
  nospace: { exit: 1, http: 507, redfish: 'ResourceExhaustion', mp1: 'urn:umec:problem:nospace' },
  /** The filesystem refused (permissions, a file where a directory should be, read-only): not the user's input, not a bug. */
  io: { exit: 1, http: 500, redfish: 'InternalError', mp1: 'urn:umec:problem:io' },
} as const;
export type ErrorKind = keyof typeof ErrorKinds;

const KIND_OF: Partial<Record<ErrorCode, ErrorKind>> = {
  APP_NOT_FOUND: 'notfound', IMAGE_NOT_FOUND: 'notfound',
  APP_EXISTS: 'conflict', FW_BUSY: 'conflict', PORT_IN_USE: 'conflict', REDFISH_ACCOUNT_EXISTS: 'conflict',
  LISTEN: 'unavailable', SSH_UNREACHABLE: 'unavailable', SSH_TIMEOUT: 'unavailable', CONTAINER_RUNTIME: 'unavailable',
  FW_DOWNLOAD: 'upstream', SSH_REMOTE: 'upstream',
  SSH_AUTH: 'auth', SSH_HOST_UNKNOWN: 'forbidden', SSH_HOST_CHANGED: 'forbidden', SSH_HOST_REVOKED: 'forbidden', SSH_SUDO: 'forbidden',
  SSH_NO_NODE: 'failed', SSH_UPLOAD: 'failed', SSH_THIN_DIR: 'forbidden', CONTAINER_FAILED: 'failed', FW_SLOT: 'failed', FW_STATE: 'conflict',
  OUT_OF_DISK: 'nospace', IO: 'io', JOB_INTERRUPTED: 'unavailable', INTERNAL: 'failed', STORE: 'unavailable',
};

export const errorKind = (code: ErrorCode): ErrorKind => KIND_OF[code] ?? 'input';
/** The `umec` exit code for an error of this code. */
export const exitCodeOf = (code: ErrorCode): number => ErrorKinds[errorKind(code)].exit;
/** The HTTP status an API answers an error of this code with. */
export const httpStatusOf = (code: ErrorCode): number => ErrorKinds[errorKind(code)].http;
/** The Redfish Base registry message id an error of this code is answered with. */
export const redfishMessageOf = (code: ErrorCode) => ErrorKinds[errorKind(code)].redfish;
/** The Mp1 ProblemDetails type an error of this code is answered with. */
export const mp1ProblemTypeOf = (code: ErrorCode) => ErrorKinds[errorKind(code)].mp1;

/**
 * The Redfish Update registry message a failed firmware install reports, by the stage the failing
 * code belongs to: getting the image, checking it, or (anything else) writing it.
 */
const UPDATE_FAILURE: Partial<Record<ErrorCode, 'TransferFailed' | 'VerificationFailed'>> = {
  FW_DOWNLOAD: 'TransferFailed',
  FW_BUNDLE: 'VerificationFailed', FW_SIGNATURE: 'VerificationFailed', FW_INCOMPATIBLE: 'VerificationFailed',
};
export function updateFailureOf(e: unknown): 'TransferFailed' | 'VerificationFailed' | 'ApplyFailed' {
  // a local image that is not there failed to transfer, like a download that failed
  if (isNotFound(e)) return 'TransferFailed';
  return (e instanceof UmecError && UPDATE_FAILURE[e.code]) || 'ApplyFailed';
}

/** What to do about each filesystem error umec names as [IO] (others stay what they are). */
const IO_HINTS: Record<string, string> = {
  ENOSPC: 'the filesystem is full: free space on it (or move the data directory to a larger one)',
  EDQUOT: 'the disk quota of this user is used up: free space or raise the quota',
  EACCES: 'permission denied: run as the user that owns it, or fix its owner and mode',
  EPERM: 'operation not permitted: run as the user that owns it, or fix its owner and mode',
  ENOTDIR: 'a part of the path is a file where a directory should be: move the file away or fix the path in the config',
  EISDIR: 'it is a directory where a file should be: move the directory away',
  EROFS: 'the filesystem is mounted read-only',
  EMFILE: 'too many open files: raise the open-files limit (LimitNOFILE)',
};

/**
 * A filesystem error as an [IO] UmecError that keeps its code, the path and what to do about it
 * (ENOSPC, EACCES, ENOTDIR, ...); undefined for anything else, which stays what it is.
 */
export function ioError(e: unknown, path?: string): UmecError | undefined {
  if (e instanceof UmecError) return undefined;
  const err = e as NodeJS.ErrnoException | undefined;
  const errno = err?.code;
  if (!errno || !Object.hasOwn(IO_HINTS, errno)) return undefined;
  const where = path ?? err.path ?? '(unknown path)';
  const dest = (err as { dest?: string }).dest;
  const reason = `${err.syscall ? `${err.syscall} failed` : 'failed'}${dest ? ` (to ${dest})` : ''}`;
  return new UmecError('IO', { path: where, reason, errno, hint: IO_HINTS[errno] });
}

/** True for a missing file or directory (the one place that knows ENOENT). */
export const isNotFound = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export function formatMessage(code: ErrorCode, details: Record<string, unknown>): string {
  return ErrorCodes[code].replace(/\{(\w+)\}/g, (_m, k: string) =>
    details[k] === undefined ? `{${k}}` : String(details[k]));
}

export class UmecError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, details: Record<string, unknown> = {}, message = formatMessage(code, details)) {
    super(message);
    this.code = code;
    this.details = details;
    this.name = 'UmecError';
  }
}

export const isErrorCode = (c: unknown): c is ErrorCode => typeof c === 'string' && Object.hasOwn(ErrorCodes, c);

/**
 * An error another umec process reported as {code, message} (the master's control socket): the same
 * code, so the same kind, exit code and HTTP status, with the message as sent; an unknown code is INTERNAL.
 */
export function reportedError(code: unknown, message: unknown): UmecError {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return isErrorCode(code) ? new UmecError(code, { reason: text }, text) : new UmecError('INTERNAL', { reason: text, code });
}

/** One problem in the user's input, pinned to its source position. */
export interface Problem {
  code: ErrorCode;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  stateId?: string;
  field?: string;
}

export function problem(code: ErrorCode, details: Record<string, unknown>,
  where: Partial<SourcePos> & { stateId?: string; field?: string } = {}): Problem {
  const p: Problem = { code, message: formatMessage(code, details) };
  if (where.file !== undefined) p.file = where.file;
  if (where.line !== undefined) p.line = where.line;
  if (where.column !== undefined) p.column = where.column;
  if (where.stateId !== undefined) p.stateId = where.stateId;
  if (where.field !== undefined) p.field = where.field;
  return p;
}

export function formatProblem(p: Problem): string {
  const loc = p.file ? `${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''}: ` : '';
  const id = p.stateId !== undefined ? `state '${p.stateId}'` : '';
  const field = p.field !== undefined ? `${id ? ', ' : ''}field '${p.field}'` : '';
  const ctx = id || field ? `${id}${field}: ` : '';
  return `${loc}${ctx}${p.message} [${p.code}]`;
}

/** Input that cannot be compiled into a run: nothing was executed. */
export class CompileError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
    this.name = 'CompileError';
  }
}
