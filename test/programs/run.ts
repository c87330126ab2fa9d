// Running bin/tsemu-user as a child process, the way a user does. bin/tsemu-user runs the
// compiled dist/ (npm's prepare step builds it; `npm run build` after changing src/: tsc, then the
// one-file bundle of the guest thread, which `npx tsc -p .` alone leaves stale and unused).
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { RUN_LIMIT_MS } from '../support/limits.js';

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
export function tsemu(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeout?: number; uid?: number } = {}): RunResult {
  const r = spawnSync(process.execPath, [TSEMU, ...args], {
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}),
    env: opts.env ?? {},
    input: opts.input ?? '',
    cwd: opts.cwd ?? ROOT,
    timeout: opts.timeout ?? RUN_LIMIT_MS,
    // A guest stuck with threads on workers may not end on SIGTERM: a run over its limit must.
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr.toString() };
}

/**
 * tsemu() without blocking the test worker's event loop: vitest's worker must answer its main
 * process while a file's tests run, and a file of long synchronous runs stalls it past vitest's
 * RPC timeout ("Timeout calling onTaskUpdate"). Files with many or long runs use this one.
 */
export function tsemuAsync(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string; timeout?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSEMU, ...args], { env: opts.env ?? {}, cwd: opts.cwd ?? ROOT });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => { /* the guest may exit without reading its input */ });
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeout ?? RUN_LIMIT_MS);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
  });
}
