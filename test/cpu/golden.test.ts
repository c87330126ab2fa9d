// Per-instruction golden tests: every case in test/golden/*.json was recorded under qemu-aarch64
// (test/golden/record.ts); here each runs under tsemu and must leave exactly the same state.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultState, FPSR_EXCEPTION_BITS, runTsemu, snippetFromCase, TEST_TIERS, type CpuSnapshot, type GoldenCase } from '../support/snippet.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');
const groups = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();


function expected(c: GoldenCase): CpuSnapshot {
  const s = snippetFromCase(c);
  const st = defaultState(s.in);
  for (const [k, v] of Object.entries(c.out)) {
    if (/^x\d+$/.test(k)) st.x[Number(k.slice(1))] = BigInt(v);
    else if (/^v\d+$/.test(k)) { const [hi, lo] = v.split(':'); st.v[Number(k.slice(1))] = [BigInt(lo), BigInt(hi)]; }
    else if (/^m\d+$/.test(k)) st.mem[Number(k.slice(1))] = Number(v);
    else if (k === 'sp') st.sp = BigInt(v);
    else if (k === 'nzcv') st.nzcv = Number(v);
    else if (k === 'fpsr') st.fpsr = Number(v);
  }
  return st;
}

function show(s: CpuSnapshot, fpsrMask: number): Record<string, string> {
  const r: Record<string, string> = {};
  s.x.forEach((v, i) => (r[`x${i}`] = v.toString(16)));
  r.sp = s.sp.toString(16);
  r.nzcv = s.nzcv.toString(16);
  r.fpsr = (s.fpsr & fpsrMask).toString(16);
  s.v.forEach(([lo, hi], i) => (r[`v${i}`] = `${hi.toString(16)}:${lo.toString(16)}`));
  r.mem = Buffer.from(s.mem).toString('hex');
  return r;
}

for (const tier of TEST_TIERS) for (const file of groups) {
  const cases: GoldenCase[] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  describe(`golden ${file} (${tier} tier)`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
      const [got] = runTsemu([snippetFromCase(c)], tier);
      const mask = ~FPSR_EXCEPTION_BITS;
      expect(show(got, mask)).toEqual(show(expected(c), mask));
    });
  });
}
