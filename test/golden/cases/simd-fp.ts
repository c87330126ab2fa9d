// AdvSIMD floating point: three same (vector and scalar), pairwise, across lanes, by element,
// FMOV immediate. Conversions and two-register misc are in simd-fp-conv.ts.
import type { CaseSpec } from '../record.js';
import { d2, D_PAIRS, randomDoubles, randomSingles, s4, S_PAIRS } from './simd-fp-data.js';

const cases: CaseSpec[] = [];

const VEC_BIN = ['fadd', 'fsub', 'fmul', 'fdiv', 'fmulx', 'fabd', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'faddp', 'fmaxp',
  'fminp', 'fmaxnmp', 'fminnmp', 'fcmeq', 'fcmge', 'fcmgt', 'facge', 'facgt', 'frecps', 'frsqrts', 'fmla', 'fmls'];

for (const op of VEC_BIN) {
  for (const [a, b] of S_PAIRS) {
    cases.push({ asm: [`${op} v0.4s, v1.4s, v2.4s`], in: { v0: s4(0x3f800000, 0x7fc00abc, 0x7f800001, 0x40000000), v1: a, v2: b } });
  }
  cases.push({ asm: [`${op} v0.2s, v1.2s, v2.2s`], in: { v1: S_PAIRS[0][0], v2: S_PAIRS[0][1] } });
  cases.push({ asm: [`${op} v0.2s, v1.2s, v2.2s`], in: { v1: S_PAIRS[1][0], v2: S_PAIRS[1][1] } });
  for (const [a, b] of D_PAIRS) {
    cases.push({ asm: [`${op} v0.2d, v1.2d, v2.2d`], in: { v0: d2(0x7ff0000000000001n, 0x3ff0000000000000n), v1: a, v2: b } });
  }
}

// Fused multiply-add rounding: ordinary values where a separate multiply and add would differ.
const rs = randomSingles(7, 48);
const rd = randomDoubles(11, 24);
for (let i = 0; i < 4; i++) {
  const v = (k: number) => s4(rs[12 * i + k], rs[12 * i + k + 1], rs[12 * i + k + 2], rs[12 * i + k + 3]);
  cases.push({ asm: ['fmla v0.4s, v1.4s, v2.4s'], in: { v0: v(0), v1: v(4), v2: v(8) } });
  cases.push({ asm: ['fmls v0.4s, v1.4s, v2.4s'], in: { v0: v(0), v1: v(4), v2: v(8) } });
  const w = (k: number) => d2(rd[6 * i + k], rd[6 * i + k + 1]);
  cases.push({ asm: ['fmla v0.2d, v1.2d, v2.2d'], in: { v0: w(0), v1: w(2), v2: w(4) } });
  cases.push({ asm: ['fmls v0.2d, v1.2d, v2.2d'], in: { v0: w(0), v1: w(2), v2: w(4) } });
  cases.push({ asm: ['frecps v0.2d, v1.2d, v2.2d'], in: { v1: w(2), v2: w(4) } });
  cases.push({ asm: ['frsqrts v0.4s, v1.4s, v2.4s'], in: { v1: v(4), v2: v(8) } });
}
// Exact cancellation and products that need the low half: a*b + c with c = -round(a*b).
cases.push({ asm: ['fmla v0.4s, v1.4s, v2.4s'], in: { v0: s4(0xbf800000, 0xbf800000, 0x80000000, 0), v1: s4(0x3f800001, 0x3f800001, 0, 0x80000000), v2: s4(0x3f800001, 0x3f7fffff, 0x80000000, 0x80000000) } });
cases.push({ asm: ['fmla v0.2d, v1.2d, v2.2d'], in: { v0: d2(0xbff0000000000000n, 0x8000000000000000n), v1: d2(0x3ff0000000000001n, 0n), v2: d2(0x3ff0000000000001n, 0x8000000000000000n) } });
cases.push({ asm: ['fmla v0.2d, v1.2d, v2.2d'], in: { v0: d2(0x0010000000000000n, 0x7fefffffffffffffn), v1: d2(0x2000000000000001n, 0x7fe0000000000000n), v2: d2(0x1ff0000000000001n, 0x4000000000000000n) } });
cases.push({ asm: ['fmla v0.2d, v1.2d, v2.2d'], in: { v0: d2(0x8000000000000001n, 0x0000000000000003n), v1: d2(0x0000000000000001n, 0x3fe0000000000000n), v2: d2(0x3fe0000000000000n, 0x0000000000000003n) } });

// Single FMA where the f64 sum lands exactly on a tie between two singles (double rounding trap).
cases.push({ asm: ['fmla v0.4s, v1.4s, v2.4s', 'fmls v3.4s, v1.4s, v2.4s', 'fmla s4, s1, v2.s[0]'], in: { v0: s4(0x17800000, 0x97800000, 0x3f800000, 0x00000001), v3: s4(0x97800000, 0x17800000, 0xbf800000, 0x80000001), v4: s4(0x17800000, 0, 0, 0), v1: s4(0x3f800800, 0x3f800800, 0xbf800800, 0x00c00000), v2: s4(0x3f800800, 0x3f800800, 0x3f800800, 0x3f000000) } });
cases.push({ asm: ['fmla v0.2s, v1.2s, v2.2s'], in: { v0: s4(0x97800000, 0x00000001, 0, 0), v1: s4(0x3f800800, 0x00800001, 0, 0), v2: s4(0xbf800800, 0x3f000000, 0, 0) } });

const SCALAR_BIN = ['fmulx', 'fabd', 'fcmeq', 'fcmge', 'fcmgt', 'facge', 'facgt', 'frecps', 'frsqrts'];
for (const op of SCALAR_BIN) {
  for (const [a, b] of S_PAIRS.slice(0, 4)) cases.push({ asm: [`${op} s0, s1, s2`], in: { v1: a, v2: b } });
  for (const [a, b] of D_PAIRS.slice(0, 5)) cases.push({ asm: [`${op} d0, d1, d2`], in: { v1: a, v2: b } });
  cases.push({ asm: [`${op} s3, s4, s5`], in: { v4: S_PAIRS[0][1], v5: S_PAIRS[0][0] } });
}

// By element.
const BY_ELEM: [string, string][] = [
  ['fmla v0.4s, v1.4s, v2.s[3]', 'S'], ['fmla v0.2s, v1.2s, v17.s[1]', 'S'], ['fmls v0.4s, v1.4s, v2.s[2]', 'S'],
  ['fmul v0.4s, v1.4s, v2.s[0]', 'S'], ['fmul v0.2s, v1.2s, v18.s[3]', 'S'], ['fmulx v0.4s, v1.4s, v2.s[1]', 'S'],
  ['fmla v0.2d, v1.2d, v2.d[1]', 'D'], ['fmls v0.2d, v1.2d, v19.d[0]', 'D'], ['fmul v0.2d, v1.2d, v2.d[1]', 'D'],
  ['fmulx v0.2d, v1.2d, v2.d[0]', 'D'], ['fmla s0, s1, v2.s[2]', 'S'], ['fmls s0, s1, v2.s[3]', 'S'],
  ['fmul s0, s1, v20.s[1]', 'S'], ['fmulx s0, s1, v2.s[0]', 'S'], ['fmla d0, d1, v2.d[1]', 'D'],
  ['fmul d0, d1, v2.d[1]', 'D'], ['fmulx d0, d1, v2.d[0]', 'D'], ['fmls d0, d1, v21.d[1]', 'D'],
];
for (const [asm, t] of BY_ELEM) {
  const pairs = t === 'S' ? S_PAIRS : D_PAIRS;
  for (const [a, b] of pairs.slice(0, 4)) {
    const m = /v(\d+)\.[sd]\[/.exec(asm)![1];
    cases.push({ asm: [asm], in: { v0: t === 'S' ? s4(0x3f800000, 0x40000000, 0xc0400000, 0x7fc00005) : d2(0x3ff0000000000000n, 0xc000000000000000n), v1: a, [`v${m}`]: b } });
  }
}

// Across lanes and scalar pairwise.
for (const op of ['fmaxv', 'fminv', 'fmaxnmv', 'fminnmv']) {
  for (const [a, b] of S_PAIRS) {
    cases.push({ asm: [`${op} s0, v1.4s`], in: { v1: a } });
    cases.push({ asm: [`${op} s0, v1.4s`], in: { v1: b } });
  }
  cases.push({ asm: [`${op} s0, v1.4s`], in: { v1: s4(0x7fc00000, 0x3f800000, 0x40000000, 0xbf800000) } });
  cases.push({ asm: [`${op} s0, v1.4s`], in: { v1: s4(0x40000000, 0x3f800000, 0xffc00000, 0x7fc00001) } });
}
for (const op of ['faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp']) {
  for (const [a, b] of S_PAIRS) {
    cases.push({ asm: [`${op} s0, v1.2s`], in: { v1: a } });
    cases.push({ asm: [`${op} s0, v1.2s`], in: { v1: b } });
  }
  for (const [a, b] of D_PAIRS) {
    cases.push({ asm: [`${op} d0, v1.2d`], in: { v1: a } });
    cases.push({ asm: [`${op} d0, v1.2d`], in: { v1: b } });
  }
}

// FPCR.DN and FPCR.FZ.
for (const fpcr of ['0x2000000', '0x1000000', '0x3000000']) {
  for (const op of ['fadd', 'fmul', 'fmaxnm', 'fmla', 'fcmeq', 'fmulx', 'frecps']) {
    for (const [a, b] of S_PAIRS.slice(0, 3)) cases.push({ asm: [`${op} v0.4s, v1.4s, v2.4s`], in: { fpcr, v1: a, v2: b } });
    for (const [a, b] of D_PAIRS.slice(0, 4)) cases.push({ asm: [`${op} v0.2d, v1.2d, v2.2d`], in: { fpcr, v1: a, v2: b } });
  }
  cases.push({ asm: ['fadd v0.4s, v1.4s, v2.4s'], in: { fpcr, v1: s4(0x00800000, 0x00ffffff, 0x80800001, 0x00000010), v2: s4(0x80000001, 0x80800000, 0x00000001, 0x00000010) } });
  cases.push({ asm: ['fmul v0.2d, v1.2d, v2.2d'], in: { fpcr, v1: d2(0x0010000000000000n, 0x0000000000000100n), v2: d2(0x3fe0000000000000n, 0x4000000000000000n) } });
}

// Flush to zero decides before rounding: a tiny product that rounds up to the smallest normal is
// flushed.
cases.push({ asm: ['fmul v0.4s, v1.4s, v2.4s', 'fadd v3.4s, v1.4s, v2.4s', 'fmla v4.4s, v1.4s, v2.4s'], in: { fpcr: '0x1000000', v1: s4(0x3f7fffff, 0x3f7fffff, 0x00800000, 0x00ffffff), v2: s4(0x00800000, 0x80800000, 0x807fffff, 0x80800001), v4: s4(0, 0x80000000, 0x00800000, 0) } });
cases.push({ asm: ['fmul v0.2d, v1.2d, v2.2d', 'fdiv v3.2d, v2.2d, v5.2d'], in: { fpcr: '0x1000000', v1: d2(0x3fefffffffffffffn, 0x3fefffffffffffffn), v2: d2(0x0010000000000000n, 0x8010000000000000n), v5: d2(0x3ff0000000000001n, 0x3ff0000000000001n) } });

// Rounding modes other than nearest (the exact software path).
const rnd = randomSingles(3, 8);
const rndd = randomDoubles(5, 4);
for (const fpcr of ['0x400000', '0x800000', '0xc00000', '0x1c00000']) {
  for (const op of ['fadd', 'fsub', 'fmul', 'fdiv', 'fmla', 'fmls', 'fmulx', 'frecps', 'frsqrts', 'faddp', 'fabd', 'fmax']) {
    cases.push({ asm: [`${op} v0.4s, v1.4s, v2.4s`], in: { fpcr, v0: s4(rnd[0], rnd[1], rnd[2], rnd[3]), v1: s4(rnd[4], rnd[5], rnd[6], rnd[7]), v2: s4(rnd[1], rnd[3], rnd[5], 0x7f7fffff) } });
    cases.push({ asm: [`${op} v0.2s, v1.2s, v2.2s`], in: { fpcr, v1: S_PAIRS[0][0], v2: S_PAIRS[0][1] } });
    cases.push({ asm: [`${op} v0.2d, v1.2d, v2.2d`], in: { fpcr, v0: d2(rndd[0], rndd[1]), v1: d2(rndd[2], rndd[3]), v2: d2(rndd[1], 0x7fefffffffffffffn) } });
    cases.push({ asm: [`${op} v0.2d, v1.2d, v2.2d`], in: { fpcr, v1: D_PAIRS[1][0], v2: D_PAIRS[1][1] } });
  }
  cases.push({ asm: ['fmulx s0, s1, s2', 'fabd d3, d1, d2', 'fmla s4, s1, v2.s[1]', 'fmul d5, d1, v2.d[1]'], in: { fpcr, v1: s4(rnd[4], rnd[5], rnd[6], rnd[7]), v2: s4(rnd[1], rnd[3], rnd[5], rnd[2]) } });
}

// FMOV (vector, immediate).
for (const asm of ['fmov v0.4s, #1.0', 'fmov v1.2s, #-0.125', 'fmov v2.2d, #31.0', 'fmov v3.2d, #-1.9375',
  'fmov v4.4s, #0.5', 'fmov v5.8h, #2.0', 'fmov v6.4h, #-15.5', 'fmov v7.2s, #0.1875']) {
  cases.push({ asm: [asm] });
}

export default cases;
