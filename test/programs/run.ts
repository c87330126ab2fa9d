// Running bin/tsemu-user as a child process, the way a user does. bin/tsemu-user runs the
// compiled dist/ (npm's prepare step builds it; `npx tsc -p .` after changing src/).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const TSEMU = path.join(ROOT, 'bin/tsemu-user');
export const FIXTURES = path.join(ROOT, 'fixtures');

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Run tsemu-user with `args`, exactly `env` as its environment, `input` (or nothing) on stdin. */
export function tsemu(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeout?: number } = {}): RunResult {
  const r = spawnSync(process.execPath, [TSEMU, ...args], {
    env: opts.env ?? {},
    input: opts.input ?? '',
    cwd: opts.cwd ?? ROOT,
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString() };
}
