// `go test -exec bin/tsemu-user`: how a Go project's CI runs its tests for another architecture.
// The go tool cross-builds the package's test binary for linux/arm64 and runs it under
// tsemu-user; the verdicts are the Go tests' own (fixtures/gotest: goroutines, parallel
// subtests, timers, a benchmark). A second run sets WORDCOUNT_BREAK, which makes one test fail
// on purpose: the failure must reach go test's exit status and its report.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, TSEMU } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('go');

interface Ran { status: number | null; out: string }

/** go test of fixtures/gotest with tsemu-user as its -exec, asynchronously (it takes a while). */
function goTest(extraEnv: Record<string, string>): Promise<Ran> {
  const cache = path.join(FIXTURES, 'build', 'go-cache');
  const child = spawn('go', ['test', '-count=1', '-v', '-bench=Count', '-benchtime=200x', '-exec', TSEMU, '.'], {
    cwd: path.join(FIXTURES, 'gotest'), stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, GOARCH: 'arm64', GOOS: 'linux', CGO_ENABLED: '0', GOCACHE: cache, GOPATH: path.join(cache, 'gopath'),
      GOFLAGS: '-trimpath', ...extraEnv,
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d; });
  child.stderr.on('data', (d: Buffer) => { out += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), PROGRAM_TEST_MS - 10_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, out }); });
  });
}

const TESTS = ['TestCount', 'TestTop', 'TestTop/one', 'TestTop/ties_alphabetical', 'TestTop/more_than_there_are',
  'TestCountMany', 'TestTimer', 'TestBreakable'];

describe.skipIf(lacking)(titled('go test -exec bin/tsemu-user (GOARCH=arm64, CGO_ENABLED=0)', lacking), () => {
  it('every test of fixtures/gotest passes, and the benchmark runs', async () => {
    const r = await goTest({});
    for (const t of TESTS) expect(r.out, r.out).toMatch(new RegExp(`--- PASS: ${t} \\(`));
    expect(r.out).toMatch(/^BenchmarkCount\S*\s+200\s+\d+(\.\d+)? ns\/op/m);
    expect(r.out).toMatch(/^ok\s+wordcount\s/m);
    expect(r.status, r.out).toBe(0);
  }, PROGRAM_TEST_MS);

  it('a failing test fails go test', async () => {
    const r = await goTest({ WORDCOUNT_BREAK: '1' });
    expect(r.out, r.out).toMatch(/broken on purpose\n--- FAIL: TestBreakable \(/);
    expect(r.out).toMatch(/--- PASS: TestCountMany \(/);
    expect(r.out).toMatch(/^FAIL\s+wordcount\s/m);
    expect(r.status, r.out).toBe(1);
  }, PROGRAM_TEST_MS);
});
