import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { CONTROL_OPS, PRIVILEGES, privilegeOf, type ControlOp } from '../../master/control-ops.js';
import { controlHandlers } from '../../master/control.js';
import { writeCamPackage } from '../helpers/app-package.js';
import { startMaster, type Fleet } from '../helpers/fleet.js';

type Line = { type: string; [k: string]: unknown };

/** One request over the master's real control socket; the reply lines until the master closes (or `until` says enough). */
function ask(path: string, request: unknown, until: (l: Line) => boolean = () => false): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const lines: Line[] = [];
    let buf = '';
    const sock = createConnection(path);
    sock.setEncoding('utf8');
    sock.once('error', reject);
    sock.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const l = JSON.parse(buf.slice(0, i)) as Line;
        buf = buf.slice(i + 1);
        lines.push(l);
        if (until(l)) sock.destroy();
      }
    });
    sock.once('close', () => resolve(lines));
    sock.write(`${typeof request === 'string' ? request : JSON.stringify(request)}\n`);
  });
}

interface Ctx { f: Fleet; pkg: string; token?: string; jid?: string }
interface Case {
  /** A request the operation takes (without op), built when its turn comes. */
  good: (c: Ctx) => Record<string, unknown>;
  /** Requests it refuses, each with what the error must say (the field by name). */
  bad: Array<[Record<string, unknown>, RegExp]>;
}

const JOB = { fun: 'ping', tgt: 'box1', tgt_type: 'list', args: {} };

// in this order: token.revoke revokes the token token.create made, job.show shows the job job.start ran
const CASES: Record<ControlOp, Case> = {
  'master.info': { good: () => ({}), bad: [[{ verbose: true }, /master\.info: verbose is not a known field/]] },
  'key.list': { good: () => ({}), bad: [[{ state: 'pending' }, /state is not a known field/]] },
  'key.finger': { good: () => ({}), bad: [[{ id: 'box1' }, /id is not a known field/]] },
  'key.accept': {
    good: () => ({ id: 'box1' }),
    bad: [[{ id: 7 }, /key\.accept: id must be an agent id \(got 7\)/], [{ all: 'yes' }, /all must be boolean/]],
  },
  'key.reject': { good: () => ({ id: 'nobody' }), bad: [[{ all: true, include_rejected: true }, /include_rejected is not a known field/]] },
  'key.delete': { good: () => ({ id: 'nobody' }), bad: [[{}, /key\.delete: id is required/], [{ id: '' }, /id must be an agent id/]] },
  'key.grains': {
    good: () => ({ id: 'box1', set: { role: 'db' } }),
    bad: [[{}, /key\.grains: id is required/], [{ id: 'box1', set: { role: 1 } }, /set\.role must be string/], [{ id: 'box1', unset: 'role' }, /unset must be a list of grain names/]],
  },
  'token.create': {
    good: () => ({ uses: 2, grains: { role: 'camera' }, comment: 'control test' }),
    bad: [
      [{ uses: 0 }, /uses must be a whole number of uses \(got 0\)/],
      [{ grains: { role: 1 } }, /grains\.role must be string/],
      [{ ttl_seconds: 'a day' }, /ttl_seconds must be a number of seconds/],
    ],
  },
  'token.list': { good: () => ({}), bad: [[{ all: true }, /all is not a known field/]] },
  'token.revoke': { good: (c) => ({ id: c.token! }), bad: [[{}, /id is required/], [{ id: '' }, /id must be a token or token id/]] },
  'schedule.list': { good: () => ({}), bad: [[{ name: 'x' }, /name is not a known field/]] },
  'app.onboard': { good: (c) => ({ path: c.pkg }), bad: [[{ path: 'cam-1.0' }, /path must be an absolute package path/], [{}, /path is required/]] },
  'app.allow': {
    good: () => ({ name: 'cam', allow: ['cap:NET_ADMIN'] }),
    bad: [[{}, /app\.allow: name is required/], [{ name: 'Cam!' }, /name must be an app name/], [{ name: 'cam', allow: 'x' }, /allow must be a list of exceptions/]],
  },
  'app.list': { good: () => ({}), bad: [[{ name: 'cam' }, /name is not a known field/]] },
  'job.start': {
    good: () => ({ request: JOB }),
    bad: [
      [{}, /job\.start: request is required/],
      [{ request: { ...JOB, fun: 'reboot' } }, /request\.fun must be one of ping, apply, run, grains/],
      [{ request: { ...JOB, fun: 'run' } }, /request\.args\.cmd is required/],
      [{ request: { fun: 'run', tgt: '*', tgt_type: 'glob' } }, /request\.args(\.cmd)? is required/],
      [{ request: { ...JOB, fun: 'run', args: { cmd: [] } } }, /request\.args\.cmd must be a command/],
      [{ request: { ...JOB, batch: 'lots' } }, /request\.batch must be a count or a percentage \(got "lots"\)/],
      [{ request: { ...JOB, timeout: 0 } }, /request\.timeout must be between 0 and 86400 seconds/],
      [{ request: { ...JOB, tgt_type: 'regex' } }, /request\.tgt_type must be one of glob, list/],
    ],
  },
  'job.list': { good: () => ({ limit: 5 }), bad: [[{ limit: 0 }, /limit must be a positive whole number/], [{ limit: 'all' }, /limit must be/]] },
  'job.show': { good: (c) => ({ jid: c.jid! }), bad: [[{}, /job\.show: jid is required/]] },
  'mp1.services': {
    good: () => ({ tgt: 'box*' }),
    bad: [[{ tgt: '' }, /tgt must be a target/], [{ tgt: '*', tgt_type: 'regex' }, /tgt_type must be one of glob/]],
  },
  events: { good: () => ({ recent: 3 }), bad: [[{ recent: -1 }, /recent must be a count of recent events/]] },
};

test('every control operation has a privilege, a handler and a test case', () => {
  for (const op of Object.keys(CONTROL_OPS) as ControlOp[]) assert.ok(PRIVILEGES.includes(privilegeOf(op)), `${op} has a privilege`);
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(CONTROL_OPS).sort());
  // the handlers only need the core when called
  assert.deepEqual(Object.keys(controlHandlers({} as never)).sort(), Object.keys(CONTROL_OPS).sort());
  assert.equal(privilegeOf('job.start'), 'operate');
  assert.equal(privilegeOf('app.onboard'), 'apps');
  assert.equal(privilegeOf('key.accept'), 'admin');
  assert.equal(privilegeOf('job.list'), 'read');
});

test('every control operation takes a good request, answers in its schema, and refuses bad ones naming the field', async () => {
  const f = await startMaster();
  try {
    await f.startAccepted({ box1: { os: 'Debian' } });
    const pkg = await writeCamPackage(f.root);
    const ctx: Ctx = { f, pkg };
    const sock = join(f.masterConfig.data_dir, 'master.sock');
    const ajv = new Ajv({ strict: false, allErrors: true });

    for (const [op, c] of Object.entries(CASES) as Array<[ControlOp, Case]>) {
      const spec = CONTROL_OPS[op];
      for (const [bad, says] of c.bad) {
        const lines = await ask(sock, { op, ...bad });
        assert.equal(lines.length, 1, `${op} ${JSON.stringify(bad)}: one error line`);
        assert.equal(lines[0].type, 'error', `${op} ${JSON.stringify(bad)}: ${JSON.stringify(lines)}`);
        assert.equal(lines[0].code, 'USAGE');
        assert.match(String(lines[0].message), says, `${op} ${JSON.stringify(bad)}`);
      }
      const good = c.good(ctx);
      if ('stream' in spec) {
        const lines = await ask(sock, { op, ...good }, (l) => l.type === 'subscribed');
        const valid = ajv.compile(spec.lines);
        assert.ok(lines.length > 1, `${op}: ${JSON.stringify(lines)}`);
        for (const l of lines) assert.ok(valid(l), `${op} line ${JSON.stringify(l)}: ${ajv.errorsText(valid.errors)}`);
        if (op === 'job.start') {
          ctx.jid = String(lines[0].jid);
          assert.deepEqual(lines.map((l) => l.type), ['job', 'return', 'done']);
        }
      } else {
        const lines = await ask(sock, { op, ...good });
        assert.equal(lines.length, 1, `${op}: ${JSON.stringify(lines)}`);
        assert.equal(lines[0].type, 'result', `${op}: ${JSON.stringify(lines)}`);
        const valid = ajv.compile(spec.response);
        assert.ok(valid(lines[0].result), `${op} result ${JSON.stringify(lines[0].result)}: ${ajv.errorsText(valid.errors)}`);
        if (op === 'token.create') ctx.token = (lines[0].result as { token: string }).token;
      }
    }
    // what the good requests did
    const show = await ask(sock, { op: 'job.show', jid: ctx.jid });
    assert.equal((show[0].result as { returns: unknown[] }).returns.length, 1);
    const tokens = await ask(sock, { op: 'token.list' });
    assert.equal((tokens[0].result as Array<{ status: string }>)[0].status, 'revoked');
    assert.equal((await ask(sock, { op: 'app.list' }))[0].result instanceof Array, true);
  } finally {
    await f.stopAll();
  }
});

test('a request that is not an object with a known op is refused', async () => {
  const f = await startMaster();
  try {
    const sock = join(f.masterConfig.data_dir, 'master.sock');
    const cases: Array<[unknown, RegExp]> = [
      ['{not json', /request is not JSON/],
      [[1, 2], /a request must be a JSON object with an op/],
      [{ op: 'key.rotate' }, /unknown control operation "key\.rotate"/],
      [{ op: 'toString' }, /unknown control operation "toString"/],
      [{}, /unknown control operation undefined/],
    ];
    for (const [req, says] of cases) {
      const lines = await ask(sock, req);
      assert.equal(lines[0]?.type, 'error', JSON.stringify(req));
      assert.match(String(lines[0].message), says);
    }
  } finally {
    await f.stopAll();
  }
});
