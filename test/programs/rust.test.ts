// Rust: libtest programs cross-built with Debian's rustc 1.63 and its arm64 std
// (fixtures/build-rust.sh), static and dynamic, run under tsemu-user and compared with what
// qemu-aarch64-static recorded. libtest runs the tests on 2 threads of its own and the tests
// spawn more (channels, Mutex, Condvar, Barrier, RwLock, scoped threads, park, a panic caught at
// join) and one runs the binary itself again with std::process::Command.
//
// libtest prints a test's line when it finishes, so the order varies from run to run, and the
// summary ends with the run's duration: both sides are compared as the sorted result lines plus
// the other lines in order with the duration taken out. Every test checks its own answer; a
// wrong one is a FAILED line and a different summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const SYSROOT = '/usr/aarch64-linux-gnu';
// What build-rust.sh recorded with (TEST_ARGS there).
const ARGS = ['--test-threads=2'];

/** libtest's output without what varies between correct runs: result order and the duration. */
function libtestResult(stdout: string): { results: string[]; rest: string[] } {
  const lines = stdout.split('\n');
  const isResult = (l: string) => /^test \S+ \.\.\. /.test(l);
  return {
    results: lines.filter(isResult).sort(),
    rest: lines.filter((l) => !isResult(l)).map((l) => l.replace(/; finished in [0-9.]+s$/, '')),
  };
}

describe('Rust libtest programs (fixtures/rust, built by fixtures/build-rust.sh)', () => {
  it('the comparison sees a failed or missing test', () => {
    const want = fs.readFileSync(path.join(FIXTURES, 'expected/rust_threads.stdout'), 'utf8');
    const failed = want.replace('test mutex_counter ... ok', 'test mutex_counter ... FAILED');
    const missing = want.replace('test park_and_unpark ... ok\n', '');
    expect(libtestResult(failed)).not.toEqual(libtestResult(want));
    expect(libtestResult(missing)).not.toEqual(libtestResult(want));
    expect(libtestResult(want).results).toHaveLength(15);
  });

  for (const kind of ['static', 'dynamic']) {
    const lacking = kind === 'dynamic' ? needs('sysroot') : undefined;
    const bin = `bin/rust_threads.${kind}`;
    it.skipIf(lacking)(titled(`${bin} ${ARGS.join(' ')}`, lacking), async () => {
      const want = fs.readFileSync(path.join(FIXTURES, 'expected/rust_threads.stdout'), 'utf8');
      const wantStatus = Number(fs.readFileSync(path.join(FIXTURES, 'expected/rust_threads.status'), 'utf8').trim());
      const r = await tsemuAsync(['-L', SYSROOT, bin, ...ARGS], { cwd: FIXTURES });
      const stderrTail = r.stderr.split('\n').slice(-12).join('\n');
      expect({ status: r.status, ...libtestResult(r.stdout.toString()) }, `stderr (last lines):\n${stderrTail}`)
        .toEqual({ status: wantStatus, ...libtestResult(want) });
    }, PROGRAM_TEST_MS);
  }
});
