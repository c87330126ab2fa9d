// Start-up cases for `npm run bench`: short processes, where the cost of starting (and of
// forking) is most of the time, as in a configure script or a test suite. Each case runs
// natively where the host has an equivalent, under qemu-aarch64-static and under tsemu, the
// runners alternating within each repetition so that a change in machine load falls on all of
// them alike; the median of the repetitions is kept. Outputs must agree.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The cases, given the repository root; a case whose files are missing is left out, saying why. */
function cases(repoRoot) {
  const fx = join(repoRoot, 'fixtures');
  const root = join(fx, 'debian', 'root');
  const forks = 'for i in $(seq 1 20); do x=$(echo $i); done; echo $x';
  return [
    { name: 'static hello', guest: [join(fx, 'bin', 'hello.static')], native: null, needs: [join(fx, 'bin', 'hello.static')] },
    { name: 'dynamic hello', guest: ['-L', root, join(fx, 'bin', 'hello.dynamic')], native: null, needs: [join(root, 'lib', 'ld-linux-aarch64.so.1')] },
    { name: 'python3 -c pass', guest: ['-L', root, join(root, 'usr/bin/python3.11'), '-c', 'pass'], native: ['python3', '-c', 'pass'], needs: [join(root, 'usr/bin/python3.11')] },
    { name: 'bash, 20 forks', guest: ['-L', root, join(root, 'usr/bin/bash'), '-c', forks], native: ['bash', '-c', forks], needs: [join(root, 'usr/bin/bash')] },
  ].map((c) => ({ ...c, missing: c.needs.find((f) => !existsSync(f)) }));
}

function timeOnce(file, args, timeoutSec) {
  const start = process.hrtime.bigint();
  // env -i as a person's clean run would be; PATH for the guest's own lookups.
  const r = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutSec * 1000, env: { PATH: '/usr/bin:/bin' } });
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
      qemu: ['qemu-aarch64-static', c.guest],
      tsemu: [tsemu[0], [tsemu[1], ...c.guest]],
    };
    const times = { native: [], qemu: [], tsemu: [] };
    const res = {};
    for (let i = 0; i < reps; i++) {
      for (const r of runners) {
        if (!how[r] || res[r]?.error) continue;
        process.stderr.write(`running  ${c.name} (${r}, ${i + 1}/${reps})... `);
        const t = timeOnce(how[r][0], how[r][1], timeout);
        process.stderr.write(t.error ? `FAILED: ${t.error}\n` : `${t.seconds.toFixed(2)}s\n`);
        if (t.error) { res[r] = t; continue; }
        if (res[r] && res[r].output !== t.output) { res[r] = { error: 'output differs between repetitions' }; continue; }
        res[r] = t;
        times[r].push(t.seconds);
      }
    }
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
