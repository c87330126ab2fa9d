// AdvSIMD integer: by element, structure loads and stores.
import type { CaseSpec } from '../record.js';
import { A, B, C, D, E } from './simd-int.js';

const cases: CaseSpec[] = [];

// ---- by element
const elemShapes: [string, string, string][] = [['4h', 'h', '7'], ['8h', 'h', '3'], ['2s', 's', '1'], ['4s', 's', '3']];
for (const op of ['mul', 'mla', 'mls', 'sqdmulh', 'sqrdmulh']) {
  for (const [t, et, i] of elemShapes) {
    cases.push({ asm: [`${op} v0.${t}, v1.${t}, v2.${et}[${i}]`], in: { v0: E, v1: A, v2: B } });
    cases.push({ asm: [`${op} v0.${t}, v1.${t}, v15.${et}[0]`], in: { v0: E, v1: D, v15: D } });
  }
  if (op.startsWith('sq')) {
    cases.push({ asm: [`${op} h0, h1, v2.h[5]`], in: { v1: A, v2: B } });
    cases.push({ asm: [`${op} s0, s1, v31.s[2]`], in: { v1: D, v31: C } });
  }
}
cases.push({ asm: ['mul v0.4s, v1.4s, v17.s[2]'], in: { v1: A, v17: B } });
for (const op of ['smull', 'umull', 'smlal', 'umlal', 'smlsl', 'umlsl', 'sqdmull', 'sqdmlal', 'sqdmlsl']) {
  cases.push({ asm: [`${op} v0.4s, v1.4h, v2.h[1]`], in: { v0: E, v1: A, v2: B } });
  cases.push({ asm: [`${op}2 v0.4s, v1.8h, v2.h[6]`], in: { v0: E, v1: B, v2: B } });
  cases.push({ asm: [`${op} v0.2d, v1.2s, v2.s[3]`], in: { v0: E, v1: D, v2: D } });
  cases.push({ asm: [`${op}2 v0.2d, v1.4s, v18.s[0]`], in: { v0: D, v1: C, v18: D } });
  if (op.startsWith('sq')) {
    cases.push({ asm: [`${op} s0, h1, v2.h[7]`], in: { v0: E, v1: B, v2: B } });
    cases.push({ asm: [`${op} d0, s1, v2.s[1]`], in: { v0: E, v1: D, v2: D } });
  }
}

// ---- structure loads and stores (x1 points at the scratch memory; bytes 224..255 are avoided)
const M = { x1: '0x500000', x2: '0x20' };
const lists = (n: number, t: string, first = 4) => '{' + Array.from({ length: n }, (_, i) => `v${(first + i) & 31}.${t}`).join(', ') + '}';
for (const t of ['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d']) {
  for (let n = 1; n <= 4; n++) {
    cases.push({ asm: [`ld1 ${lists(n, t)}, [x1]`], in: M });
    cases.push({ asm: [`st1 ${lists(n, t)}, [x1]`], in: M });
  }
  if (t !== '1d') {
    for (let n = 2; n <= 4; n++) {
      cases.push({ asm: [`ld${n} ${lists(n, t)}, [x1]`], in: M });
      cases.push({ asm: [`st${n} ${lists(n, t)}, [x1]`], in: M });
    }
  }
}
cases.push(
  { asm: ['ld1 {v0.16b}, [x1], #16'], in: M }, { asm: ['ld1 {v0.8b, v1.8b}, [x1], x2'], in: M },
  { asm: ['ld4 {v30.16b, v31.16b, v0.16b, v1.16b}, [x1], #64'], in: M },
  { asm: ['st2 {v4.4s, v5.4s}, [x1], #32'], in: M }, { asm: ['st3 {v4.8b, v5.8b, v6.8b}, [x1], x2'], in: M },
  { asm: ['ld1 {v0.16b}, [sp]'], in: { sp: '0x500010' } }, { asm: ['st1 {v2.2d}, [sp], #16'], in: { sp: '0x500010' } },
  { asm: ['ld3 {v0.4h, v1.4h, v2.4h}, [x1], #24'], in: M },
);
// single structure
const single: [string, string][] = [['b', '13'], ['h', '6'], ['s', '3'], ['d', '1']];
for (const [t, i] of single) {
  for (let n = 1; n <= 4; n++) {
    const list = '{' + Array.from({ length: n }, (_, k) => `v${4 + k}.${t}`).join(', ') + '}';
    cases.push({ asm: [`ld${n} ${list}[${i}], [x1]`], in: M });
    cases.push({ asm: [`st${n} ${list}[${i}], [x1]`], in: M });
    cases.push({ asm: [`ld${n} ${list}[0], [x1], x2`], in: M });
    const sz = { b: 1, h: 2, s: 4, d: 8 }[t]! * n;
    cases.push({ asm: [`st${n} ${list}[${i}], [x1], #${sz}`], in: M });
  }
}
for (const t of ['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d']) {
  for (let n = 1; n <= 4; n++) cases.push({ asm: [`ld${n}r ${lists(n, t)}, [x1]`], in: M });
}
cases.push({ asm: ['ld1r {v0.4s}, [x1], #4'], in: M }, { asm: ['ld2r {v0.8h, v1.8h}, [x1], x2'], in: M },
  { asm: ['ld4r {v29.2d, v30.2d, v31.2d, v0.2d}, [x1], #32'], in: M });

// The snippet harness overruns its output segment with an even number of cases (see simd-int.ts).
if (cases.length % 2 === 0) cases.push({ asm: ['nop'] });
export default cases;
