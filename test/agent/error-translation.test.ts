import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCodes, ErrorKinds, errorKind, exitCodeOf, httpStatusOf, mp1ProblemTypeOf, redfishMessageOf, updateFailureOf,
  UmecError, type ErrorCode, type ErrorKind,
} from '../../lib/errors.js';
import { fromUmecError as mp1Problem } from '../../agent/mp1/problem.js';
import { fromUmecError as redfishError } from '../../agent/redfish/errors.js';
import { Base } from '../../agent/redfish/registry.js';
import { RedfishSchemas } from '../helpers/redfish-schemas.js';

const codes = Object.keys(ErrorCodes) as ErrorCode[];
const kinds = Object.keys(ErrorKinds) as ErrorKind[];

test('every kind has an exit code, an error HTTP status, a Redfish Base message taking at most the URI, and its own Mp1 type', () => {
  const types = new Set<string>();
  for (const k of kinds) {
    const row = ErrorKinds[k];
    assert.ok(row.exit === 1 || row.exit === 2, k);
    assert.ok(row.http >= 400 && row.http < 600, k);
    const msg = Base.messages[row.redfish];
    assert.ok(msg, `${k}: ${row.redfish} is not in the Base registry`);
    assert.ok(msg.args <= 1, `${k}: ${row.redfish} takes ${msg.args} arguments`);
    assert.match(row.mp1, /^urn:umec:problem:[a-z]+$/);
    types.add(row.mp1);
  }
  assert.equal(types.size, kinds.length, 'two kinds share an Mp1 problem type');
});

test('codes map through their kind; an unlisted code is the user\'s input', () => {
  assert.equal(errorKind('YAML_SYNTAX'), 'input');
  assert.deepEqual([exitCodeOf('YAML_SYNTAX'), httpStatusOf('YAML_SYNTAX'), redfishMessageOf('YAML_SYNTAX'), mp1ProblemTypeOf('YAML_SYNTAX')],
    [2, 400, 'GeneralError', 'urn:umec:problem:input']);
  assert.deepEqual([exitCodeOf('REDFISH_ACCOUNT_EXISTS'), httpStatusOf('REDFISH_ACCOUNT_EXISTS'), redfishMessageOf('REDFISH_ACCOUNT_EXISTS')], [2, 409, 'ResourceInUse']);
  assert.deepEqual([exitCodeOf('FW_DOWNLOAD'), httpStatusOf('FW_DOWNLOAD'), redfishMessageOf('FW_DOWNLOAD')], [1, 502, 'OperationFailed']);
  assert.deepEqual([httpStatusOf('OUT_OF_DISK'), redfishMessageOf('OUT_OF_DISK'), mp1ProblemTypeOf('OUT_OF_DISK')], [507, 'ResourceExhaustion', 'urn:umec:problem:nospace']);
  for (const c of codes) assert.ok(kinds.includes(errorKind(c)), c);
});

test('a failed firmware install names its stage from the code: transfer, verification, or apply', async () => {
  const missing = await readFile(join(tmpdir(), `umec-no-such-image-${process.pid}.bundle`)).catch((e: unknown) => e);
  assert.equal(updateFailureOf(missing), 'TransferFailed');
  assert.equal(updateFailureOf(new UmecError('FW_DOWNLOAD', { url: 'http://x/', reason: 'HTTP 404' })), 'TransferFailed');
  for (const c of ['FW_BUNDLE', 'FW_SIGNATURE', 'FW_INCOMPATIBLE'] as const) {
    assert.equal(updateFailureOf(new UmecError(c, { bundle: 'b', reason: 'r' })), 'VerificationFailed', c);
  }
  assert.equal(updateFailureOf(new UmecError('FW_SLOT', { slot: 'B', device: '/dev/x', reason: 'EIO' })), 'ApplyFailed');
  assert.equal(updateFailureOf(new Error('anything else')), 'ApplyFailed');
  // a plain object that only looks like an error with a code is not trusted
  assert.equal(updateFailureOf({ code: 'FW_DOWNLOAD' }), 'ApplyFailed');
});

test('Redfish answers every kind with a DMTF-valid error body carrying the kind\'s status and message', () => {
  const schemas = new RedfishSchemas();
  const sample: Record<ErrorKind, UmecError> = {
    input: new UmecError('USAGE', { reason: 'bad field' }),
    auth: new UmecError('SSH_AUTH', { user: 'u', host: 'h', port: 22, methods: 'publickey' }),
    forbidden: new UmecError('SSH_SUDO', { host: 'h', reason: 'no' }),
    notfound: new UmecError('APP_NOT_FOUND', { app: 'a', version: '1' }),
    conflict: new UmecError('FW_BUSY', { reason: 'an update is running' }),
    failed: new UmecError('FW_SLOT', { slot: 'B', device: '/dev/x', reason: 'EIO' }),
    upstream: new UmecError('FW_DOWNLOAD', { url: 'http://x/', reason: 'HTTP 500' }),
    unavailable: new UmecError('CONTAINER_RUNTIME', { endpoint: '/run/podman.sock', reason: 'down' }),
    nospace: new UmecError('OUT_OF_DISK', { what: 'slot B', reason: 'ENOSPC' }),
    io: new UmecError('IO', { path: '/var/lib/umec', reason: 'mkdir failed', errno: 'ENOTDIR', hint: 'a part of the path is a file' }),
  };
  for (const k of kinds) {
    const e = sample[k];
    assert.equal(errorKind(e.code), k);
    const r = redfishError(e, '/redfish/v1/UpdateService');
    assert.equal(r.status, ErrorKinds[k].http, k);
    const body = r.body() as { error: { code: string; '@Message.ExtendedInfo': Array<{ MessageArgs: string[]; Oem: { umec: { Code: string; Reason: string } } }> } };
    schemas.validate(body, k);
    assert.equal(body.error.code, `${Base.prefix}.${ErrorKinds[k].redfish}`);
    const info = body.error['@Message.ExtendedInfo'][0];
    assert.deepEqual(info.MessageArgs, Base.messages[ErrorKinds[k].redfish].args ? ['/redfish/v1/UpdateService'] : []);
    assert.deepEqual(info.Oem.umec, { Code: e.code, Reason: e.message });
  }
});

test('Mp1 answers a umec error with a ProblemDetails of the kind\'s status, type and the error\'s message', () => {
  const p = mp1Problem(new UmecError('APP_EXISTS', { app: 'web', version: '2' }));
  assert.deepEqual(p.body('http://box/mec_service_mgmt/v1/services'), {
    type: 'urn:umec:problem:conflict', title: 'Conflict', status: 409,
    detail: 'app web version 2 is already on-boarded with different content; give it a new version',
    instance: 'http://box/mec_service_mgmt/v1/services',
  });
  assert.equal(mp1Problem(new UmecError('CONTAINER_RUNTIME', { endpoint: 'e', reason: 'r' })).body('i').title, 'Service Unavailable');
});
