import { execFileSync } from 'node:child_process';

/** Runs a python3 script with JSON on stdin and parses the JSON it prints (the oracle for YAML/JSON text). */
export function python<T>(script: string, input: unknown): T {
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(input), maxBuffer: 64 << 20 }).toString()) as T;
}
