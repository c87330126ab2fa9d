import { collect, type Insn } from '../src/cpu/insn.js';
import { findOverlaps } from '../src/cpu/decoder.js';
const names = ['branch', 'dp-imm', 'dp-reg', 'fp', 'ldst', 'system', 'simd-fp', 'simd-int'];
const all: Insn[] = [];
for (const n of names) {
  try { const m = await import(/* @vite-ignore */ `/work/main/src/cpu/aarch64/${n}.ts`); const l = collect(m); all.push(...l); console.log(n, l.length); }
  catch (e) { console.log(n, 'FAILED', String(e).slice(0, 100)); }
}
const ov = findOverlaps(all);
console.log('overlaps', ov.length, ov.slice(0, 20).map(([a, b]) => `${a.name}~${b.name}`).join(' '));
