import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, MessageReader, PREFIX, type ToThin } from '../../roster/protocol.js';

test('messages and raw blobs survive any split of the byte stream; shell noise is set aside', () => {
  const blob = Buffer.from([0, 10, 255, 10, 13, 65]);
  const stream = Buffer.concat([
    Buffer.from('Welcome to the box\n'),
    Buffer.from(encode({ t: 'bye' })),
    Buffer.from(encode({ t: 'blob', hash: 'h1', size: blob.length })), blob,
    Buffer.from(encode({ t: 'blob', hash: 'empty', size: 0 })),
    Buffer.from(encode({ t: 'bye' })),
  ]);
  for (let step = 1; step <= stream.length; step++) {
    const got: Array<{ m: ToThin; body?: Buffer }> = [];
    const noise: string[] = [];
    const r = new MessageReader<ToThin>({ message: (m, body) => got.push({ m, body }), noise: (l) => noise.push(l) });
    for (let i = 0; i < stream.length; i += step) r.push(stream.subarray(i, i + step));
    assert.deepEqual(got.map((g) => g.m.t), ['bye', 'blob', 'blob', 'bye']);
    assert.deepEqual(got[1].body, blob);
    assert.equal(got[2].body!.length, 0);
    assert.deepEqual(noise, ['Welcome to the box']);
  }
  assert.ok(encode({ t: 'bye' }).startsWith(PREFIX));
});
