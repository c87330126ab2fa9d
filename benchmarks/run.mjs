#!/usr/bin/env node
// Benchmark harness: runs each benchmark natively, under qemu-aarch64-static and
// under tsemu, checks that all three print the same checksum, and prints the
// wall-time ratios. Plain Node ESM, no dependencies.
//
//   node benchmarks/run.mjs [--reps N] [--only NAME[,NAME]] [--scale S]
//                           [--runners native,qemu,tsemu] [--timeout SECONDS]
//
// --reps N     run each program N times and keep the best time (default 1); the
//              start-up cases keep the median of max(N, 3)
// --only       run only the named benchmarks (repeatable or comma separated);
//              `startup` names the start-up cases (benchmarks/startup.mjs), which
//              run after the others unless --only leaves them out; `parallel`
//              (parallel.c) runs with 1 thread and with 2 and prints the speed-up
// --scale S    multiply each benchmark's work by S (passed as argv[1]; default 1)
// --runners    which runners to use (default all three; native is always the
//              reference for the checksum when present)
// --timeout    seconds before one run is abandoned (default 600)
//
// Exit status: 0 when every run finished and all checksums agree, 1 otherwise
// (a MISMATCH or a failed run is reported in the table and the run goes on).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runStartup, startupMemory } from './startup.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);
const buildDir = join(benchDir, 'build');

const ALL_RUNNERS = ['native', 'qemu', 'tsemu'];

function usage(msg) {
  if (msg) console.error(`run.mjs: ${msg}`);
  console.error(
    'usage: node benchmarks/run.mjs [--reps N] [--only NAME[,NAME]] [--scale S] ' +
      '[--runners native,qemu,tsemu] [--timeout SECONDS]',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { reps: 1, only: [], scale: 1, runners: ALL_RUNNERS, timeout: 600 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--reps':
        opts.reps = Number.parseInt(value(), 10);
        if (!(opts.reps >= 1)) usage('--reps must be a positive integer');
        break;
      case '--only':
        opts.only.push(...value().split(',').filter(Boolean));
        break;
      case '--scale':
        opts.scale = Number(value());
        if (!(opts.scale > 0)) usage('--scale must be a positive number');
        break;
      case '--runners':
        opts.runners = value().split(',').filter(Boolean);
        for (const r of opts.runners) if (!ALL_RUNNERS.includes(r)) usage(`unknown runner ${r}`);
        break;
      case '--timeout':
        opts.timeout = Number(value());
        if (!(opts.timeout > 0)) usage('--timeout must be a positive number');
        break;
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  return opts;
}

// The command line for one runner on one benchmark.
function command(runner, name, args) {
  switch (runner) {
    case 'native':
      return [join(buildDir, `${name}.native`), args];
    case 'qemu':
      return ['qemu-aarch64-static', [join(buildDir, `${name}.arm64`), ...args]];
    case 'tsemu':
      return [
        process.execPath,
        [join(repoRoot, 'bin', 'tsemu-user'), join(buildDir, `${name}.arm64`), ...args],
      ];
  }
  throw new Error(`unknown runner ${runner}`);
}

// One line from a failed run's output: the first that names an error, else the last.
function summarize(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const line =
    lines.find((l) => /^\w*(Error|Exception)\b|\berror:/.test(l)) ??
    lines.find((l) => /error|abort|unimplemented|unsupported/i.test(l)) ??
    lines.at(-1) ??
    '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

// Run once; returns { seconds, output } or { error }.
function runOnce(runner, name, args, timeoutSec) {
  const [file, argv] = command(runner, name, args);
  const start = process.hrtime.bigint();
  const r = spawnSync(file, argv, {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutSec * 1000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error) {
    const why = r.error.code === 'ETIMEDOUT' ? `timed out after ${timeoutSec}s` : r.error.message;
    return { error: why };
  }
  if (r.signal) return { error: `killed by ${r.signal}` };
  if (r.status !== 0) {
    const why = summarize(r.stderr || r.stdout || '');
    return { error: `exit ${r.status}${why ? `: ${why}` : ''}` };
  }
  return { seconds, output: r.stdout.trim() };
}

// Best of `reps` runs; a run that fails ends the series. `extra`: arguments after the scale.
function runBest(runner, name, opts, extra = []) {
  if (runner === 'tsemu' && !existsSync(join(repoRoot, 'bin', 'tsemu-user'))) {
    return { error: 'bin/tsemu-user not found' };
  }
  let best = null;
  for (let i = 0; i < opts.reps; i++) {
    const r = runOnce(runner, name, [String(opts.scale), ...extra], opts.timeout);
    if (r.error) return r;
    if (best && r.output !== best.output) return { error: 'output differs between repetitions' };
    if (!best || r.seconds < best.seconds) best = r;
  }
  return best;
}

function geomean(values) {
  if (values.length === 0) return null;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

// The CPU benchmarks' table: times and ratios, with their geometric means.
function printTable(rows, opts, fmt) {
  const time = (r) => (!r ? '-' : r.error ? 'FAIL' : r.mismatch ? 'MISMATCH' : r.seconds.toFixed(2));
  const good = (r) => r && !r.error && !r.mismatch;
  const ratio = (a, b) => (good(a) && good(b) && b.seconds > 0 ? a.seconds / b.seconds : null);
  const header = ['bench', 'native s', 'qemu s', 'tsemu s', 'tsemu/qemu', 'tsemu/native'];
  const table = [header];
  const ratiosQ = [];
  const ratiosN = [];
  for (const { name, res } of rows) {
    const rq = ratio(res.tsemu, res.qemu);
    const rn = ratio(res.tsemu, res.native);
    if (rq !== null) ratiosQ.push(rq);
    if (rn !== null) ratiosN.push(rn);
    table.push([name, time(res.native), time(res.qemu), time(res.tsemu), fmt(rq), fmt(rn)]);
  }
  table.push(['geomean', '', '', '', fmt(geomean(ratiosQ)), fmt(geomean(ratiosN))]);
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log();
  console.log(`scale ${opts.scale}, best of ${opts.reps}, binaries in ${relative(process.cwd(), buildDir) || '.'}`);
  console.log(line(table[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table.slice(1, -1)) console.log(line(row));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  console.log(line(table[table.length - 1]));
}

// The parallel case: the same work with 1 thread and with 2, per runner; the speed-up is what
// guest threads on several host cores buy (a single-core runner shows about 1). Other load on
// the machine shows here first: the load average is printed beside it.
function runParallel(opts) {
  const rows = [];
  let bad = 0;
  let reference = null;
  for (const runner of opts.runners) {
    const res = {};
    for (const threads of ['1', '2']) {
      process.stderr.write(`running  parallel, ${threads} thread(s) (${runner})... `);
      const r = runBest(runner, 'parallel', opts, [threads]);
      process.stderr.write(r.error ? `FAILED: ${r.error}\n` : `${r.seconds.toFixed(2)}s\n`);
      if (r.error) bad++;
      else if (reference === null) reference = r.output;
      else if (r.output !== reference) {
        r.error = `MISMATCH: "${r.output}" vs "${reference}"`;
        bad++;
      }
      res[threads] = r;
    }
    rows.push({ runner, res });
  }
  const sec = (r) => (r.error ? 'FAIL' : r.seconds.toFixed(2));
  const header = ['parallel', '1 thread s', '2 threads s', 'speed-up'];
  const table = [header, ...rows.map(({ runner, res }) => [runner, sec(res['1']), sec(res['2']),
    res['1'].error || res['2'].error ? '-' : `${(res['1'].seconds / res['2'].seconds).toFixed(2)}x`])];
  const w = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const l = (row) => row.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  ');
  console.log();
  console.log(`parallel: scale ${opts.scale}, best of ${opts.reps}, ${cpus().length} host cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(l(header));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  for (const row of table.slice(1)) console.log(l(row));
  for (const { runner, res } of rows) {
    for (const t of ['1', '2']) if (res[t].error) console.log(`parallel (${runner}, ${t} thread(s)): ${res[t].error}`);
  }
  return bad;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));

  let names = readdirSync(benchDir)
    .filter((f) => f.endsWith('.c'))
    .map((f) => f.slice(0, -2))
    .sort();
  const startup = opts.only.length === 0 || opts.only.includes('startup');
  const parallel = opts.only.length === 0 || opts.only.includes('parallel');
  if (opts.only.length) {
    for (const n of opts.only) if (n !== 'startup' && !names.includes(n)) usage(`no benchmark named ${n}`);
    names = names.filter((n) => opts.only.includes(n));
  }
  names = names.filter((n) => n !== 'parallel'); // its own table (runParallel)
  const build = spawnSync('bash', [join(benchDir, 'build.sh')], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('run.mjs: benchmarks/build.sh failed');
    process.exit(1);
  }
  if (opts.runners.includes('tsemu') && !existsSync(join(repoRoot, 'bin', 'tsemu-user'))) {
    console.error('run.mjs: note: bin/tsemu-user not found; tsemu runs will fail');
  }

  const rows = [];
  let bad = 0;
  for (const name of names) {
    const res = {};
    for (const runner of opts.runners) {
      process.stderr.write(`running  ${name} (${runner})... `);
      res[runner] = runBest(runner, name, opts);
      process.stderr.write(
        res[runner].error ? `FAILED: ${res[runner].error}\n` : `${res[runner].seconds.toFixed(2)}s\n`,
      );
    }
    // Checksum reference: the first runner that finished, native when it did.
    const ok = opts.runners.filter((r) => !res[r].error);
    const reference = ok.length ? res[ok[0]].output : null;
    const notes = [];
    for (const runner of opts.runners) {
      if (res[runner].error) {
        notes.push(`${runner} FAILED (${res[runner].error})`);
        bad++;
      } else if (res[runner].output !== reference) {
        notes.push(`MISMATCH ${runner}: "${res[runner].output}" vs ${ok[0]}: "${reference}"`);
        res[runner].mismatch = true;
        bad++;
      }
    }
    rows.push({ name, res, notes });
  }

  const fmt = (x) => (x === null ? '-' : x.toFixed(2));
  if (rows.length) printTable(rows, opts, fmt);

  if (parallel) bad += runParallel(opts);

  if (startup) {
    const reps = Math.max(opts.reps, 3);
    const st = runStartup(repoRoot, { reps, timeout: opts.timeout, runners: opts.runners });
    const sec = (x) => (x === null ? '-' : x.toFixed(2));
    const sh = ['start-up', 'native s', 'qemu s', 'tsemu s', 'tsemu/qemu', 'tsemu/native'];
    const st2 = [sh, ...st.rows.map((r) => [r.name, sec(r.native), sec(r.qemu), sec(r.tsemu),
      fmt(r.tsemu !== null && r.qemu ? r.tsemu / r.qemu : null), fmt(r.tsemu !== null && r.native ? r.tsemu / r.native : null)])];
    const w = sh.map((_, c) => Math.max(...st2.map((row) => row[c].length)));
    const l = (row) => row.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  ');
    console.log();
    console.log(`start-up: median of ${reps}, runners alternating`);
    console.log(l(sh));
    console.log(w.map((x) => '-'.repeat(x)).join('  '));
    for (const row of st2.slice(1)) console.log(l(row));
    const rss = startupMemory(repoRoot, { reps });
    const mib = (x) => (x === null ? 'failed' : `${x.toFixed(0)} MiB`);
    if (rss) console.log(`peak RSS, static hello: qemu ${mib(rss.qemu)}, tsemu ${mib(rss.tsemu)} (bare node -e 0: ${mib(rss.node)})`);
    else console.log('peak RSS: left out, /usr/bin/time (GNU time) is missing');
    for (const n of st.notes) console.log(n);
    bad += st.notes.filter((n) => /FAILED|MISMATCH/.test(n)).length;
  }

  const allNotes = rows.flatMap((r) => r.notes.map((n) => `${r.name}: ${n}`));
  if (allNotes.length) {
    console.log();
    for (const n of allNotes) console.log(n);
  }
  if (bad) {
    console.log(`\n${bad} run(s) failed or disagreed`);
    process.exit(1);
  }
}

main();
