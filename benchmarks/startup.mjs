// Start-up cases for `npm run bench`: short processes, where the cost of starting (and of
// forking) is most of the time, as in a configure script or a test suite. Each case runs
// natively where the host has an equivalent, under qemu-aarch64-static and under tsemu, the
// runners alternating within each repetition so that a change in machine load falls on all of
// them alike; the median of the repetitions is kept. Outputs must agree.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The cases, given the repository root; a case whose files are missing is left out, saying why. */
function cases(repoRoot) {
  const fx = join(repoRoot, 'fixtures');
  const root = join(fx, 'debian', 'root');
  const forks = 'for i in $(seq 1 20); do x=$(echo $i); done; echo $x';
  // 64 processes in one pipeline: seq and 63 cats, each one exec'd from the guest's PATH.
  const pipeline = `seq 1000 ${'| cat '.repeat(63)}| wc -l`;
  return [
    // What any Node program pays before its first line: the floor for tsemu's own start-up.
    { name: 'bare node -e 0', guest: null, native: [process.execPath, '-e', '0'], needs: [] },
    { name: 'static hello', guest: [join(fx, 'bin', 'hello.static')], native: null, needs: [join(fx, 'bin', 'hello.static')] },
    { name: 'dynamic hello', guest: ['-L', root, join(fx, 'bin', 'hello.dynamic')], native: null, needs: [join(root, 'lib', 'ld-linux-aarch64.so.1')] },
    { name: 'python3 -c pass', guest: ['-L', root, join(root, 'usr/bin/python3.11'), '-c', 'pass'], native: ['python3', '-c', 'pass'], needs: [join(root, 'usr/bin/python3.11')] },
    // The same with tsemu's translation cache filled by an earlier (untimed) run. The other
    // cases run with no cache at all (no HOME in their environment): first runs.
    { name: 'python3 -c pass, cached', guest: ['-L', root, join(root, 'usr/bin/python3.11'), '-c', 'pass'], native: ['python3', '-c', 'pass'], needs: [join(root, 'usr/bin/python3.11')], cached: true },
    { name: 'bash, 20 forks', guest: ['-L', root, join(root, 'usr/bin/bash'), '-c', forks], native: ['bash', '-c', forks], needs: [join(root, 'usr/bin/bash')] },
    { name: 'pipeline of 64', guest: ['-L', root, join(root, 'usr/bin/bash'), '-c', pipeline], native: ['bash', '-c', pipeline], needs: [join(root, 'usr/bin/bash')] },
  ].map((c) => ({ ...c, missing: c.needs.find((f) => !existsSync(f)) }));
}

function timeOnce(file, args, timeoutSec, env = {}) {
  const start = process.hrtime.bigint();
  // env -i as a person's clean run would be; PATH for the guest's own lookups.
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutSec * 1000, env: { PATH: '/usr/bin:/bin', ...env } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error || r.signal || r.status !== 0) return { error: r.error?.message ?? (r.signal ? `killed by ${r.signal}` : `exit ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`) };
  return { seconds, output: r.stdout };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/** Runs every case `reps` times per runner; returns the rows for the table and the failures. */
export function runStartup(repoRoot, { reps = 3, timeout = 600, runners = ['native', 'qemu', 'tsemu'] } = {}) {
  const tsemu = [process.execPath, join(repoRoot, 'bin', 'tsemu-user')];
  const rows = [];
  const notes = [];
  for (const c of cases(repoRoot)) {
    if (c.missing) { notes.push(`${c.name}: left out, ${c.missing} is missing (npm test fetches it)`); continue; }
    const how = {
      native: c.native ? [c.native[0], c.native.slice(1)] : null,
      // qemu-user takes the guest's own -L (sysroot) too.
      qemu: c.guest ? ['qemu-aarch64-static', c.guest] : null,
      tsemu: c.guest ? [tsemu[0], [tsemu[1], ...c.guest]] : null,
    };
    const times = { native: [], qemu: [], tsemu: [] };
    const res = {};
    const cacheDir = c.cached ? mkdtempSync(join(tmpdir(), 'tsemu-bench-cache-')) : null;
    const env = (r) => (cacheDir && r === 'tsemu' ? { XDG_CACHE_HOME: cacheDir } : {});
    if (cacheDir && how.tsemu && runners.includes('tsemu')) timeOnce(how.tsemu[0], how.tsemu[1], timeout, env('tsemu'));
    for (let i = 0; i < reps; i++) {
      for (const r of runners) {
        if (!how[r] || res[r]?.error) continue;
        process.stderr.write(`running  ${c.name} (${r}, ${i + 1}/${reps})... `);
        const t = timeOnce(how[r][0], how[r][1], timeout, env(r));
        process.stderr.write(t.error ? `FAILED: ${t.error}\n` : `${t.seconds.toFixed(2)}s\n`);
        if (t.error) { res[r] = t; continue; }
        if (res[r] && res[r].output !== t.output) { res[r] = { error: 'output differs between repetitions' }; continue; }
        res[r] = t;
        times[r].push(t.seconds);
      }
    }
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    const ok = runners.filter((r) => res[r] && !res[r].error);
    for (const r of runners) {
      if (res[r]?.error) notes.push(`${c.name}: ${r} FAILED (${res[r].error})`);
      else if (res[r] && ok.length && res[r].output !== res[ok.find((x) => x !== 'native') ?? ok[0]].output) {
        notes.push(`${c.name}: MISMATCH ${r}`);
        res[r].error = 'mismatch';
      }
    }
    const med = (r) => (res[r] && !res[r].error ? median(times[r]) : null);
    rows.push({ name: c.name, native: med('native'), qemu: med('qemu'), tsemu: med('tsemu') });
  }
  return { rows, notes };
}

/** Peak resident set size in MiB (GNU time's %M), median of `reps` runs; null where a run fails. */
function peakMiB(file, args, reps) {
  const xs = [];
  for (let i = 0; i < reps; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kib %M', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
    const m = /peak-rss-kib (\d+)/.exec(r.stderr ?? '');
    if (r.status !== 0 || !m) return null;
    xs.push(Number(m[1]) / 1024);
  }
  return median(xs);
}

/** Peak RSS of the static hello under qemu and tsemu next to a bare `node -e 0`; null without GNU time. */
export function startupMemory(repoRoot, { reps = 3 } = {}) {
  if (!existsSync('/usr/bin/time')) return null;
  const hello = join(repoRoot, 'fixtures', 'bin', 'hello.static');
  return {
    node: peakMiB(process.execPath, ['-e', '0'], reps),
    qemu: peakMiB('qemu-aarch64-static', [hello], reps),
    tsemu: peakMiB(process.execPath, [join(repoRoot, 'bin', 'tsemu-user'), hello], reps),
  };
}
