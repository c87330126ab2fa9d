// Signals from outside: a guest waiting in a sleep or spinning without system calls gets the
// host signals a person or another process sends — its handler runs, an ignored signal does
// nothing, one left at the default action ends it — exactly as the same binary does under
// qemu-aarch64 (which passes host signals to the guest), run side by side.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, TSEMU } from './run.js';
import { HOST_TOOLS, needs, titled } from '../support/requires.js';
import { RUN_LIMIT_MS, PROGRAM_TEST_MS } from '../support/limits.js';

const QEMU = HOST_TOOLS.qemu.probe;
const lacking = needs('qemu');
const BIN = path.join(FIXTURES, 'bin/signals.static');

interface Outcome { stdout: string; status: number | null; signal: NodeJS.Signals | null }

/** Start `cmd`, wait for its "ready" line, send `signals` one after another, collect how it ends. */
function runAndSignal(cmd: string[], signals: NodeJS.Signals[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: {} });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out; stdout ${stdout} stderr ${stderr}`)); }, RUN_LIMIT_MS);
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!sent && stdout.includes('ready\n')) {
        sent = true;
        // A moment for the guest to be inside its wait, then the signals, spaced out.
        signals.forEach((s, i) => setTimeout(() => child.kill(s), 200 + 300 * i));
      }
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ stdout, status, signal });
    });
  });
}

const cases: [string, string, NodeJS.Signals[]][] = [
  ['SIGTERM to a handler, in a sleep', 'sleep', ['SIGTERM']],
  ['SIGINT to a handler, while spinning without system calls', 'spin', ['SIGINT']],
  ['SIGWINCH to a handler', 'sleep', ['SIGWINCH']],
  ['SIGHUP ignored, then SIGTERM', 'sleep', ['SIGHUP', 'SIGTERM']],
  ['SIGUSR2 at its default action: death by it', 'sleep', ['SIGUSR2']],
  // Node's own default for SIGUSR1 would start its inspector: tsemu must still die by it.
  ['SIGUSR1 at its default action: death by it', 'sleep', ['SIGUSR1']],
  ['SIGALRM at its default action while spinning', 'spin', ['SIGALRM']],
];

describe.skipIf(lacking)(titled('host signals reach the guest as under qemu-aarch64', lacking), () => {
  for (const [name, how, signals] of cases) {
    it(name, async () => {
      const [want, got] = await Promise.all([
        runAndSignal([QEMU, BIN, how], signals),
        runAndSignal([process.execPath, TSEMU, BIN, how], signals),
      ]);
      expect(want.stdout.startsWith('ready\n')).toBe(true);
      expect(got).toEqual(want);
    }, PROGRAM_TEST_MS);
  }
});
