// The bounded code cache as a user meets it: a guest JIT (fixtures/src/jitloop.c: new code
// every round, some of it hot, the mapping unmapped and mapped again now and then) gives the
// right answer while the cache evicts, in each tier, and -d tier says what happened. The
// bounds are made small through TSEMU_CODE_* so that a short run crosses them many times.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const JIT = join(FIXTURES, 'bin', 'jitloop.static');
const dir = mkdtempSync(join(tmpdir(), 'tsemu-code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(name: string, args: string[], env: Record<string, string>) {
  const log = join(dir, name);
  const r = await tsemuAsync(['--no-cache', '-d', 'tier', '-D', log, ...args], { env });
  return { ...r, out: r.stdout.toString(), log: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

const count = (log: string, re: RegExp) => log.split('\n').filter((l) => re.test(l)).length;

describe('bounded code cache (jitloop)', () => {
  it('wasm: evicts past its slot bound and every round still runs the code just written', async () => {
    const r = await run('wasm', ['--tier', 'wasm', JIT, '3000'], { TSEMU_CODE_SLOTS: '256' });
    expect(r.stderr).toBe('');
    expect(r.out).toBe('ok: 3000 rounds\n');
    expect(r.status).toBe(0);
    expect(count(r.log, /^tier: code cache full \(\d+ slots/)).toBeGreaterThan(5);
    expect(count(r.log, /^tier: module \d+:/)).toBeGreaterThan(3000);
  }, PROGRAM_TEST_MS);

  it('auto: hot functions are compiled, evicted and compiled again', async () => {
    const r = await run('auto', [JIT, '8192'], { TSEMU_CODE_SLOTS: '64' });
    expect(r.out).toBe('ok: 8192 rounds\n');
    expect(r.status).toBe(0);
    expect(count(r.log, /^tier: code cache full/)).toBeGreaterThan(2);
  }, PROGRAM_TEST_MS);

  it('eval: first-tier blocks past their bound are dropped', async () => {
    const r = await run('eval', ['--tier', 'eval', JIT, '2000'], { TSEMU_CODE_EVAL_BLOCKS: '200' });
    expect(r.out).toBe('ok: 2000 rounds\n');
    expect(r.status).toBe(0);
    expect(count(r.log, /^tier: first tier full/)).toBeGreaterThan(0);
  }, PROGRAM_TEST_MS);
});
