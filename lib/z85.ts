import { createHash } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Z85 (ZeroMQ RFC 32), the text form of CURVE keys. */
export function z85Decode(s: string): Buffer {
  if (s.length % 5 !== 0) throw new Error('Z85 text length must be a multiple of 5');
  const out = Buffer.alloc((s.length / 5) * 4);
  for (let i = 0, j = 0; i < s.length; i += 5, j += 4) {
    let v = 0;
    for (let k = 0; k < 5; k++) {
      const d = DECODE.get(s[i + k]);
      if (d === undefined) throw new Error(`invalid Z85 character ${JSON.stringify(s[i + k])}`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new Error('invalid Z85 group');
    out.writeUInt32BE(v, j);
  }
  return out;
}

export function z85Encode(b: Uint8Array): string {
  if (b.length % 4 !== 0) throw new Error('Z85 input length must be a multiple of 4');
  let s = '';
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < b.length; i += 4) {
    let v = view.readUInt32BE(i);
    const chunk: string[] = [];
    for (let k = 0; k < 5; k++) { chunk.unshift(ALPHABET[v % 85]); v = Math.floor(v / 85); }
    s += chunk.join('');
  }
  return s;
}

export const isCurveKey = (s: unknown): s is string => typeof s === 'string' && s.length === 40 && [...s].every((c) => DECODE.has(c));

/** What an operator compares between box and master: sha256 of the raw key, colon-separated hex (like salt-key -F). */
export function fingerprint(keyZ85: string): string {
  return createHash('sha256').update(z85Decode(keyZ85)).digest('hex').match(/../g)!.join(':');
}
