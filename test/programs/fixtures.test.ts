// Whole programs: every case in fixtures/cases.json (format in fixtures/README.md), every binary
// of it, run under tsemu-user with exactly the case's arguments and environment and stdin from
// /dev/null (or the case's `stdin`), compared byte for byte with what qemu-aarch64 recorded.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

interface Case {
  name: string;
  binaries: string[];
  args: string[];
  env: Record<string, string>;
  stdin?: string;
  stdout: string;
  status: string;
  /** A Go program too big to commit (fixtures/build-go.sh): built here from this folder. */
  build?: string;
}

const SYSROOT = '/usr/aarch64-linux-gnu';
const noSysroot = needs('sysroot');
// cases.json: C and assembly (fixtures/build.sh); go-cases.json: Go (fixtures/build-go.sh).
const cases: Case[] = ['cases.json', 'go-cases.json']
  .flatMap((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as Case[]);

const noGo = needs('go');

/**
 * Build a case's Go program as build-go.sh does (its output was recorded from that build), with
 * a build cache kept under fixtures/build. Asynchronous: a minute of spawnSync would stall
 * vitest's worker RPC.
 */
function buildGo(c: Case): Promise<void> {
  const cache = path.join(FIXTURES, 'build', 'go-cache');
  const child = spawn('go', ['build', '-ldflags=-s -w -buildid=', '-o', path.join(FIXTURES, c.binaries[0]), '.'], {
    cwd: path.join(FIXTURES, c.build!), stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GOARCH: 'arm64', GOOS: 'linux', CGO_ENABLED: '0', GOFLAGS: '-trimpath', GOCACHE: cache, GOPATH: path.join(cache, 'gopath') },
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve() : reject(new Error(`go build of fixtures/${c.build} failed: ${err.trim()}`))));
  });
}

/** The first line where two outputs differ, with a little context, for the failure message. */
function firstDifference(want: string, got: string): string {
  const a = want.split('\n');
  const b = got.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      return `first difference at stdout line ${i + 1}:\n  expected: ${JSON.stringify(a[i] ?? '<end of output>')}\n` +
        `  actual:   ${JSON.stringify(b[i] ?? '<end of output>')}`;
    }
  }
  return 'stdout identical';
}

describe('fixtures/cases.json and go-cases.json under tsemu-user', () => {
  beforeAll(async () => {
    if (noGo) return;
    for (const c of cases) if (c.build) await buildGo(c);
  }, 600_000);

  for (const c of cases) {
    for (const bin of c.binaries) {
      const lacking = bin.endsWith('.dynamic') ? noSysroot : c.build ? noGo : undefined;
      it.skipIf(lacking)(titled(`${c.name}: ${bin}`, lacking), async () => {
        const want = fs.readFileSync(path.join(FIXTURES, c.stdout));
        const wantStatus = Number(fs.readFileSync(path.join(FIXTURES, c.status), 'utf8').trim());
        const r = await tsemuAsync(['-L', SYSROOT, bin, ...c.args], { env: c.env, input: c.stdin ?? '', cwd: FIXTURES });
        const got = r.stdout;
        const stderrTail = r.stderr.split('\n').slice(-6).join('\n');
        const context = `${bin} ${c.args.join(' ')}\n` +
          `status ${r.status ?? `killed by ${r.signal}`} (expected ${wantStatus})\n` +
          `${firstDifference(want.toString('latin1'), got.toString('latin1'))}\nstderr (last lines):\n${stderrTail}`;
        // Compared as one object so a failure shows the status and a diff of the output together.
        expect({ status: r.status, stdout: got.toString('latin1') }, context)
          .toEqual({ status: wantStatus, stdout: want.toString('latin1') });
        // The guest's stderr is the guest's: a warning of Node's never belongs there (go_pipes
        // got 75 about descriptors the socket worker's net.Socket had closed).
        expect(r.stderr, context).not.toMatch(/\(node:\d+\) \w*Warning/);
      }, PROGRAM_TEST_MS);
    }
  }
});
