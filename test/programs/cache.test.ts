// The on-disk translation cache (translate/disk-cache.ts), as a user meets it: a second run of
// the same program installs the first run's translations (-d cache says how many) and prints
// the same; a truncated or corrupted cache file is ignored and written anew, never trusted;
// --no-cache and TSEMU_NO_CACHE write nothing; the directory stays under its cap; a forked
// child starts with its parent's translations. Every run has a cache directory of its own
// (XDG_CACHE_HOME): nothing here touches the user's.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const SHA = join(FIXTURES, 'bin', 'sha256.static');
const EXPECTED = readFileSync(join(FIXTURES, 'expected', 'sha256.stdout'), 'utf8');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tsemu-cache-test-'));
  dirs.push(d);
  return d;
}

/** Run tsemu-user with -d cache into a log of its own; the cache under `cache`. */
async function run(cache: string, args: string[], env: Record<string, string> = {}) {
  const log = join(tempDir(), 'log');
  const r = await tsemuAsync(['-d', 'cache', '-D', log, ...args], { env: { XDG_CACHE_HOME: cache, ...env } });
  return { ...r, out: r.stdout.toString(), log: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

/** The counts of the log's summary line (written at exit). */
function summary(log: string) {
  const m = /cache: installed (\d+) of (\d+) saved modules, (\d+) stale, (\d+) made/.exec(log);
  expect(m, log).not.toBeNull();
  const [installed, loaded, stale, made] = m!.slice(1).map(Number);
  return { installed, loaded, stale, made };
}

const cacheFiles = (cache: string) => {
  const d = join(cache, 'tsemu');
  return existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : [];
};

const debianRoot = join(FIXTURES, 'debian', 'root');

describe('translation cache on disk', () => {
  it('a second run installs the first run\'s translations and prints the same', async () => {
    const cache = tempDir();
    const first = await run(cache, [SHA]);
    expect([first.status, first.out]).toEqual([0, EXPECTED]);
    expect(summary(first.log)).toMatchObject({ installed: 0, loaded: 0 });
    expect(summary(first.log).made).toBeGreaterThan(0);
    expect(cacheFiles(cache)).toHaveLength(1);
    const second = await run(cache, [SHA]);
    expect([second.status, second.out]).toEqual([0, EXPECTED]);
    const s = summary(second.log);
    expect(s.loaded).toBe(summary(first.log).made);
    expect(s.installed).toBeGreaterThan(0);
    expect(s.stale).toBe(0);
  }, PROGRAM_TEST_MS);

  it.each([['truncated'], ['corrupted']] as const)('a %s cache file is ignored, and written anew', async (how) => {
    const cache = tempDir();
    expect((await run(cache, [SHA])).status).toBe(0);
    const [file] = cacheFiles(cache);
    const size = statSync(file).size;
    if (how === 'truncated') truncateSync(file, size >> 1);
    else {
      const b = readFileSync(file);
      b[size >> 1] ^= 0x10; // one bit, in the middle (wasm or guest code bytes)
      writeFileSync(file, b);
    }
    const after = await run(cache, [SHA]);
    expect([after.status, after.out]).toEqual([0, EXPECTED]);
    expect(after.log).toMatch(/: 0 saved modules/);
    expect(summary(after.log)).toMatchObject({ installed: 0, loaded: 0 });
    // Rebuilt: the next run uses it.
    const again = await run(cache, [SHA]);
    expect(again.out).toBe(EXPECTED);
    expect(summary(again.log).installed).toBeGreaterThan(0);
  }, PROGRAM_TEST_MS);

  it('--no-cache and TSEMU_NO_CACHE=1 neither read nor write the cache', async () => {
    const cache = tempDir();
    const off = await run(cache, ['--no-cache', SHA]);
    expect([off.status, off.out, off.log]).toEqual([0, EXPECTED, '']);
    const env = await run(cache, [SHA], { TSEMU_NO_CACHE: '1' });
    expect([env.status, env.out, env.log]).toEqual([0, EXPECTED, '']);
    expect(readdirSync(cache)).toEqual([]);
  }, PROGRAM_TEST_MS);

  it('concurrent runs writing the same cache file leave one whole file', async () => {
    const cache = tempDir();
    const runs = await Promise.all([1, 2, 3, 4].map(() => run(cache, [SHA])));
    for (const r of runs) expect([r.status, r.out]).toEqual([0, EXPECTED]);
    const files = cacheFiles(cache);
    expect(files.map((f) => f.endsWith('.tsc'))).toEqual([true]); // no temporary file left
    const next = await run(cache, [SHA]);
    expect(summary(next.log).loaded).toBeGreaterThan(0);
    expect(summary(next.log).installed).toBeGreaterThan(0);
  }, PROGRAM_TEST_MS);

  it('a cache that cannot be written is skipped: the run goes on as without one', async () => {
    // XDG_CACHE_HOME names a file: the directory cannot be made (as with a full or read-only disk).
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const r = await run(file, [SHA]);
    expect([r.status, r.out, r.stderr]).toEqual([0, EXPECTED, '']);
    expect(r.log).toMatch(/cache: could not write .* \(skipped\)/);
  }, PROGRAM_TEST_MS);

  it('the directory is kept under its cap: the least recently used files go', async () => {
    const cache = tempDir();
    expect((await run(cache, [SHA])).status).toBe(0);
    const [auto] = cacheFiles(cache);
    // Another key (the tier is part of it) with a cap of one byte: only the newest file stays.
    const wasm = await run(cache, ['--tier', 'wasm', SHA], { TSEMU_CACHE_MAX_BYTES: '1' });
    expect(wasm.out).toBe(EXPECTED);
    const left = cacheFiles(cache);
    expect(left).toHaveLength(1);
    expect(left[0]).not.toBe(auto);
  }, PROGRAM_TEST_MS);

  it('a forked child starts with its parent\'s translations', async () => {
    // The loop makes bash's own code hot before the command substitution forks.
    const script = 'for i in $(seq 1 3000); do :; done; x=$(echo forked); echo $x $i';
    const r = await run(tempDir(), ['-L', debianRoot, join(debianRoot, 'usr/bin/bash'), '-c', script], { PATH: '/usr/bin:/bin' });
    expect([r.status, r.out]).toEqual([0, 'forked 3000\n']);
    // Children log to stderr (-D is the first process's): what the parent passed on, and used.
    const passed = [...r.stderr.matchAll(/cache: (\d+) modules from the parent process/g)].map((m) => Number(m[1]));
    expect(passed.length, r.stderr).toBeGreaterThan(0);
    expect(Math.max(...passed)).toBeGreaterThan(0);
    expect(Math.max(...[...r.stderr.matchAll(/cache: installed (\d+) of/g)].map((m) => Number(m[1])))).toBeGreaterThan(0);
  }, PROGRAM_TEST_MS);
});
