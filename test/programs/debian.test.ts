// Real Debian arm64 programs (bash, coreutils, python3.11, lua5.4, sqlite3, gzip, xz) from a root built out of
// Debian's arm64 packages by fixtures/fetch-debian-root.sh, run under tsemu-user -L root. The
// expected stdout and exit status of each case in fixtures/debian-cases.json were recorded under
// qemu-aarch64-static -L root (fetch-debian-root.sh --record); a case marked "live" is run under
// qemu here as well, because its output depends on the machine (file owner, the file system's
// block counts).
//
// How qemu recorded the cases, and why that is a fair reference: qemu-user without binfmt_misc
// cannot execve an arm64 program, the host kernel runs what the guest execs. So in the bash cases
// the commands bash starts (seq, sort, sha256sum, ...) were the host's amd64 coreutils of the same
// Debian release; their output does not depend on the architecture. In the python case the
// recording started sys.executable's children as `qemu-aarch64-static -L root sys.executable`
// (see fetch-debian-root.sh), so parent and child were both the arm64 python. Under tsemu every
// program, parent or child, is the arm64 one from the root, with no binfmt_misc involved.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, lutimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, TSEMU } from './run';
import { HOST_TOOLS, needs, titled } from '../support/requires.js';
import { RUN_LIMIT_MS, PROGRAM_TEST_MS } from '../support/limits.js';

const debianRoot = join(FIXTURES, 'debian', 'root');
const noQemu = needs('qemu');

interface DebianCase {
  name: string;
  /** args[0] is the program's path inside the root. */
  args: string[];
  env: Record<string, string>;
  stdout?: string;
  status?: number;
  /** Compared with qemu-aarch64-static when the test runs instead of a recorded result. */
  live?: boolean;
  /** stdout is binary (compressed data), recorded as base64. */
  binary?: boolean;
}

const cases: DebianCase[] = JSON.parse(readFileSync(join(FIXTURES, 'debian-cases.json'), 'utf8'));

interface Ran { stdout: string; stdoutBase64: string; stderr: string; status: number | null; signal: NodeJS.Signals | null; error?: Error; ms: number }

/** Run a command to its end. Asynchronous: a long spawnSync would stall vitest's worker RPC. */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    // stdin is /dev/null, as when the cases were recorded: with Node's default stdin (a
    // socketpair) Debian's bash believes sshd started it and reads ~/.bashrc.
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_LIMIT_MS });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const done = (status: number | null, signal: NodeJS.Signals | null, error?: Error) => resolve({
      stdout: Buffer.concat(out).toString('utf8'), stdoutBase64: Buffer.concat(out).toString('base64'), stderr: Buffer.concat(err).toString('utf8'),
      status, signal, error, ms: Date.now() - t0,
    });
    child.on('error', (e) => done(null, null, e));
    child.on('close', (status, signal) => done(status, signal));
  });
}

/** A directory whose listing is the same on every run: fixed names, sizes, modes and times. */
function buildListingDir(dir: string): void {
  const t = (iso: string) => new Date(iso);
  writeFileSync(join(dir, 'a.txt'), 'hello\n');
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho run\n');
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'inner'), 'x'.repeat(5000));
  symlinkSync('a.txt', join(dir, 'link'));
  chmodSync(join(dir, 'a.txt'), 0o644);
  chmodSync(join(dir, 'empty'), 0o600);
  chmodSync(join(dir, 'run.sh'), 0o755);
  chmodSync(join(dir, 'd'), 0o750);
  chmodSync(join(dir, 'd', 'inner'), 0o444);
  utimesSync(join(dir, 'a.txt'), t('2001-09-09T01:46:40Z'), t('2001-09-09T01:46:40Z'));
  utimesSync(join(dir, 'empty'), t('1999-12-31T23:59:59Z'), t('1999-12-31T23:59:59Z'));
  utimesSync(join(dir, 'run.sh'), t('2020-02-29T12:00:00Z'), t('2020-02-29T12:00:00Z'));
  utimesSync(join(dir, 'd', 'inner'), t('2010-06-15T08:30:00Z'), t('2010-06-15T08:30:00Z'));
  utimesSync(join(dir, 'd'), t('2015-01-01T00:00:00Z'), t('2015-01-01T00:00:00Z'));
  lutimesSync(join(dir, 'link'), t('2012-12-21T11:11:00Z'), t('2012-12-21T11:11:00Z'));
}

describe('Debian arm64 programs with a root from Debian packages', () => {
  let listingDir = '';
  const timings: string[] = [];

  beforeAll(() => {
    listingDir = mkdtempSync(join(tmpdir(), 'tsemu-debian-ls-'));
    buildListingDir(listingDir);
  });
  afterAll(() => {
    rmSync(listingDir, { recursive: true, force: true });
    if (timings.length) console.log(`debian cases under tsemu:\n${timings.join('\n')}`);
  });

  it('the root is present (fixtures/fetch-debian-root.sh builds it; npm test runs it)', () => {
    expect(existsSync(join(debianRoot, 'lib', 'ld-linux-aarch64.so.1')), `missing ${debianRoot}: run fixtures/fetch-debian-root.sh`).toBe(true);
  });

  for (const c of cases) {
    const lacking = c.live ? noQemu : undefined;
    it.skipIf(lacking)(titled(c.name, lacking), async () => {
      const args = c.args.map((a) => a.replaceAll('{dir}', listingDir));
      const argv = [debianRoot + args[0], ...args.slice(1)];
      let expected = { stdout: c.stdout, status: c.status };
      if (c.live) {
        const q = await run(HOST_TOOLS.qemu.probe, ['-L', debianRoot, ...argv], c.env);
        expect(q.error, 'this case needs qemu-aarch64-static as its reference').toBeUndefined();
        // The reference itself must have worked: bash ran ls on the directory built above.
        expect(q.status, q.stderr).toBe(0);
        expect(q.stdout).toContain('link -> a.txt');
        expected = { stdout: q.stdout, status: q.status };
      }
      const r = await run(process.execPath, [TSEMU, '-L', debianRoot, ...argv], c.env);
      timings.push(`  ${(r.ms / 1000).toFixed(1).padStart(5)} s  ${c.name}`);
      expect(r.signal, r.stderr).toBeNull();
      expect(c.binary ? r.stdoutBase64 : r.stdout).toBe(expected.stdout);
      expect(r.status, r.stderr).toBe(expected.status);
    }, PROGRAM_TEST_MS);
  }
});

// File offsets shared the way Linux shares them: with the host process that handed tsemu a
// descriptor, and between a guest and its forked children. Each command redirects into a file
// through a host shell (or through bash under tsemu) and the file's contents are compared with
// what Linux gives. These are not recorded under qemu: qemu-user cannot execve an arm64 program
// without binfmt_misc (bash's `/bin/echo` would be the host's), so the expectation is Linux's
// documented behaviour (fork(2): the child's descriptors refer to the same open file
// descriptions, sharing the offset; a shell's `(a; b) > f` appends b after a).
describe('Debian programs: file offsets shared with the host and across fork', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tsemu-debian-off-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { PATH: '/usr/bin:/bin', LANG: 'C' };

  it('coreutils cat into an inherited stdout (copy_file_range) moves the host offset', async () => {
    // cat copies with copy_file_range when stdout is a regular file. The outer shell's
    // `echo tail` goes on from where cat's output ended, as on Linux.
    writeFileSync(join(dir, 'y'), 'b\n');
    const out = join(dir, 'out');
    const r = await run('/bin/sh', ['-c', '(echo hdr; "$@"; echo tail) > "$OUT"', 'sh',
      process.execPath, TSEMU, '-L', debianRoot, debianRoot + '/bin/cat', join(dir, 'y')], { ...env, OUT: out });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('hdr\nb\ntail\n');
  }, PROGRAM_TEST_MS);

  it('bash: a command group redirected once, with forked and exec\'d children writing in turn', async () => {
    // Every child (the subshell, /bin/echo after fork and exec, the grandchild of the
    // subshell) writes through the description bash opened for the group; on Linux each
    // write lands after the previous one: "a b c d e f".
    const f = join(dir, 'x');
    const r = await run(process.execPath, [TSEMU, '-L', debianRoot, debianRoot + '/bin/bash', '-c',
      `{ echo a; /bin/echo b; echo c; (echo d; /bin/echo e); echo f; } > ${f}; cat ${f}`], env);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('a\nb\nc\nd\ne\nf\n');
  }, PROGRAM_TEST_MS);
  it('a forked child keeps the guest\'s environment (NODE_EXTRA_CA_CERTS too, which tsemu drops from its own forked Node)', async () => {
    // Command substitution and a subshell are forks; printenv after them is exec'd in the child.
    const r = await run(process.execPath, [TSEMU, '-L', debianRoot, debianRoot + '/bin/bash', '-c',
      'v=$(printenv NODE_EXTRA_CA_CERTS); echo "$v"; (printenv NODE_EXTRA_CA_CERTS; printenv TSEMU_TEST_MARK)'],
      { ...env, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem', TSEMU_TEST_MARK: 'kept' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('/nonexistent/ca.pem\n/nonexistent/ca.pem\nkept\n');
  }, PROGRAM_TEST_MS);
});
