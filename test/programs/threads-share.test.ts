// Compiled code shared between guest threads (threads/code-share.ts): in threads_share.c the
// main thread runs a function hot (compiled to wasm), then a second thread runs it. The second
// thread must install the first's module rather than compile its own, as `-d cache` counts per
// thread slot; with sharing off (TSEMU_SHARE_CODE=0) the same count shows it compiling, which
// is what makes the check able to fail. The program checks that both threads get one answer.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run.js';

const BIN = 'bin/threads_share.static';
const WANT = fs.readFileSync(path.join(FIXTURES, 'expected', 'threads_share.stdout'), 'latin1');

/** Run it with -d cache: the second thread's counts (slot 1: the first worker started). */
async function secondThread(args: string[], env: Record<string, string> = {}): Promise<{ compiled: number; installed: number }> {
  const r = await tsemuAsync(['-d', 'cache', BIN, ...args], { cwd: FIXTURES, env });
  expect({ status: r.status, stdout: r.stdout.toString('latin1') }, r.stderr).toEqual({ status: 0, stdout: WANT });
  const m = /cache: thread slot 1: compiled (\d+) region modules, installed (\d+) compiled by other threads/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return { compiled: Number(m![1]), installed: Number(m![2]) };
}

describe('guest threads share compiled code', () => {
  it('a thread waiting while another compiles a hot function installs that module when it runs it', async () => {
    const shared = await secondThread([]);
    expect(shared.installed).toBeGreaterThan(0);
    expect(shared.compiled).toBe(0);
    const alone = await secondThread([], { TSEMU_SHARE_CODE: '0' });
    expect(alone).toMatchObject({ installed: 0 });
    expect(alone.compiled).toBeGreaterThan(0);
  }, 120_000);

  it('a thread started later begins with what was compiled before it (recorded translations)', async () => {
    // Modules made before the first clone are kept only while translations are recorded for
    // the on-disk cache: give it a cache directory of its own.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-share-'));
    try {
      const late = await secondThread(['late'], { XDG_CACHE_HOME: dir });
      expect(late.installed).toBeGreaterThan(0);
      expect(late.compiled).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
