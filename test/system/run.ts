// Running bin/tsemu-system (and qemu-system-aarch64, the reference) as child processes.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { RUN_LIMIT_MS } from '../support/limits.js';

export const ROOT = path.resolve(__dirname, '../..');
export const SYSTEM_FIXTURES = path.join(ROOT, 'fixtures/system');

export interface SystemRun { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function tsemuSystem(args: string[], env: Record<string, string> = {}, input = ''): SystemRun {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/tsemu-system'), ...args], {
    env, input, cwd: ROOT, timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 2 ** 20,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** The same machine under Debian's qemu-system-aarch64 (serial on stdout, no network ROM). */
export function qemuSystem(args: string[], input = ''): SystemRun {
  const r = spawnSync('qemu-system-aarch64', ['-M', 'virt', '-cpu', 'cortex-a57', '-nographic', '-nic', 'none',
    '-monitor', 'none', '-serial', 'stdio', ...args], { input, timeout: RUN_LIMIT_MS, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, stdout: r.stdout.toString().replace(/\r/g, ''), stderr: r.stderr.toString() };
}
