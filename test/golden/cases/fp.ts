// Scalar floating point: arithmetic with NaN/infinity/zero/denormal operands, FPCR modes (DN,
// FZ, RMode), fused multiply-add, compares, selects, moves, conversions and rounding.
import type { CaseSpec } from '../record.js';

// Split into three recorded groups (fp, fp-fma, fp-cvt) to stay within the harness's code space.
export const arith: CaseSpec[] = [];
export const fmaCmp: CaseSpec[] = [];
export const cvt: CaseSpec[] = [];
let cases = arith;
const add = (asm: string | string[], inp?: Record<string, string>) =>
  cases.push({ asm: Array.isArray(asm) ? asm : [asm], ...(inp ? { in: inp } : {}) });

/** A v register input: low 64 bits as given, garbage above (scalar writes must clear it). */
const V = (lo: bigint | string) => `0xdeadbeefcafef00d:${typeof lo === 'string' ? lo : '0x' + lo.toString(16)}`;

// Double and single bit patterns.
const D: Record<string, bigint> = {
  one: 0x3ff0000000000000n, two5: 0x4004000000000000n, m375: 0xc00e000000000000n, three: 0x4008000000000000n,
  zero: 0n, mzero: 0x8000000000000000n, inf: 0x7ff0000000000000n, minf: 0xfff0000000000000n,
  qnan: 0x7ff8000000000123n, snan: 0x7ff0000000000456n, mqnan: 0xfff8000000000789n, msnan: 0xfff0000000000abcn,
  den: 0x0000000000000001n, mden: 0x800fffffffffffffn, max: 0x7fefffffffffffffn, minn: 0x0010000000000000n,
  third: 0x3fd5555555555555n, tiny: 0x0010000000000001n, half: 0x3fe0000000000000n,
};
const S: Record<string, bigint> = {
  one: 0x3f800000n, two5: 0x40200000n, m375: 0xc0700000n, three: 0x40400000n,
  zero: 0n, mzero: 0x80000000n, inf: 0x7f800000n, minf: 0xff800000n,
  qnan: 0x7fc00123n, snan: 0x7f800456n, mqnan: 0xffc00789n, msnan: 0xff800abcn,
  den: 0x00000001n, mden: 0x807fffffn, max: 0x7f7fffffn, minn: 0x00800000n,
  third: 0x3eaaaaabn, tiny: 0x00800001n, half: 0x3f000000n,
};
const PAIRS: [string, string][] = [
  ['one', 'two5'], ['m375', 'two5'], ['zero', 'mzero'], ['mzero', 'zero'], ['inf', 'minf'], ['inf', 'zero'],
  ['zero', 'zero'], ['qnan', 'one'], ['one', 'qnan'], ['snan', 'qnan'], ['qnan', 'snan'], ['mqnan', 'msnan'],
  ['den', 'mden'], ['max', 'max'], ['minn', 'half'], ['one', 'three'], ['tiny', 'minn'], ['mqnan', 'inf'],
  ['minf', 'minf'], ['mzero', 'mzero'],
];
const RMODES = ['0x400000', '0x800000', '0xc00000'];
const DN = '0x2000000';
const FZ = '0x1000000';

// ---- two-source arithmetic
const OPS2 = ['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'fnmul'];
for (const op of OPS2) {
  for (const [p, q] of PAIRS) {
    add(`${op} d0, d1, d2`, { v1: V(D[p]), v2: V(D[q]) });
    add(`${op} s0, s1, s2`, { v1: V(S[p]), v2: V(S[q]) });
  }
  // default-NaN and flush-to-zero modes
  for (const [p, q] of [['snan', 'one'], ['one', 'qnan'], ['inf', 'minf'], ['den', 'minn'], ['tiny', 'half'], ['minn', 'mden']]) {
    add(`${op} d3, d4, d5`, { v4: V(D[p]), v5: V(D[q]), fpcr: DN });
    add(`${op} s3, s4, s5`, { v4: V(S[p]), v5: V(S[q]), fpcr: FZ });
    add(`${op} d3, d4, d5`, { v4: V(D[p]), v5: V(D[q]), fpcr: FZ });
  }
}
// directed rounding
for (const rm of RMODES) {
  for (const op of ['fadd', 'fsub', 'fmul', 'fdiv']) {
    for (const [p, q] of [['one', 'three'], ['third', 'm375'], ['max', 'max'], ['den', 'half'], ['one', 'zero'], ['zero', 'mzero']]) {
      add(`${op} d0, d1, d2`, { v1: V(D[p]), v2: V(D[q]), fpcr: rm });
      add(`${op} s0, s1, s2`, { v1: V(S[p]), v2: V(S[q]), fpcr: rm });
    }
  }
  add('fsqrt d0, d1', { v1: V(D.three), fpcr: rm });
  add('fsqrt s0, s1', { v1: V(S.two5), fpcr: rm });
  add('fmadd d0, d1, d2, d3', { v1: V(D.third), v2: V(D.three), v3: V(D.m375), fpcr: rm });
  add('fmadd s0, s1, s2, s3', { v1: V(S.third), v2: V(S.three), v3: V(S.m375), fpcr: rm });
  add('fmsub d0, d1, d2, d3', { v1: V(D.third), v2: V(D.three), v3: V(D.one), fpcr: rm });
}

// ---- half precision (FEAT_FP16 scalar arithmetic, through the software path)
const H: Record<string, bigint> = {
  one: 0x3c00n, two5: 0x4100n, m375: 0xc380n, zero: 0n, mzero: 0x8000n, inf: 0x7c00n, minf: 0xfc00n, qnan: 0x7e01n,
  snan: 0x7c01n, den: 0x0001n, max: 0x7bffn, third: 0x3555n,
};
for (const op of OPS2) {
  for (const [p, q] of [['one', 'two5'], ['m375', 'third'], ['zero', 'mzero'], ['inf', 'minf'], ['snan', 'qnan'], ['one', 'qnan'],
    ['den', 'den'], ['max', 'max']]) {
    add(`${op} h0, h1, h2`, { v1: V(H[p]), v2: V(H[q]) });
  }
}
for (const k of ['one', 'two5', 'm375', 'zero', 'mzero', 'inf', 'snan', 'den', 'third']) {
  add('fsqrt h0, h1', { v1: V(H[k]) });
  add('frintn h0, h1', { v1: V(H[k]) });
  add('frintx h0, h1', { v1: V(H[k]), fpcr: '0x800000' });
  add('fcmpe h1, h2', { v1: V(H[k]), v2: V(H.one) });
}
add('fadd h0, h1, h2', { v1: V(H.third), v2: V(H.m375), fpcr: '0x400000' });
add('fadd h0, h1, h2', { v1: V(H.snan), v2: V(H.m375), fpcr: DN });
for (const m of [FZ, '0x80000']) {
  add('fadd h0, h1, h2', { v1: V(0x0003n), v2: V(0x0001n), fpcr: m });
  add('fmul h0, h1, h2', { v1: V(0x0400n), v2: V(0x3800n), fpcr: m });
  add('fcmp h1, #0.0', { v1: V(0x0001n), fpcr: m });
  add('fmax h0, h1, h2', { v1: V(0x0003n), v2: V(0x8000n), fpcr: m });
}

// ---- one-source
const SINGLES = ['one', 'two5', 'm375', 'zero', 'mzero', 'inf', 'minf', 'qnan', 'snan', 'mqnan', 'msnan', 'den', 'mden', 'max', 'third'];
for (const k of SINGLES) {
  for (const op of ['fmov', 'fabs', 'fneg', 'fsqrt']) {
    add(`${op} d0, d1`, { v1: V(D[k]) });
    add(`${op} s0, s1`, { v1: V(S[k]) });
  }
  add('fsqrt d0, d1', { v1: V(D[k]), fpcr: FZ });
  add('fsqrt s0, s1', { v1: V(S[k]), fpcr: DN });
}
add('fmov h0, h1', { v1: V(0x1234567887654321n) });
add('fabs h0, h1', { v1: V(0x12345678ffff8421n) });
add('fneg h0, h1', { v1: V(0x1234567800007e01n) });
add('fsqrt d0, d1', { v1: V(0x4010000000000000n) });
add('fsqrt s0, s1', { v1: V(0x40800000n) });

// ---- fused multiply-add
cases = fmaCmp;
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
const rndD = () => {
  const exp = BigInt(1023 - 40 + (rnd() % 80));
  return (BigInt(rnd() & 1) << 63n) | (exp << 52n) | (BigInt(rnd()) << 21n) | BigInt(rnd() & 0x1fffff);
};
const rndS = () => {
  const exp = BigInt(127 - 20 + (rnd() % 40));
  return (BigInt(rnd() & 1) << 31n) | (exp << 23n) | BigInt(rnd() & 0x7fffff);
};
const TRIPLES: [string, string, string][] = [
  ['one', 'two5', 'm375'], ['inf', 'zero', 'qnan'], ['zero', 'inf', 'one'], ['qnan', 'snan', 'one'], ['one', 'qnan', 'snan'],
  ['mqnan', 'one', 'qnan'], ['inf', 'minf', 'one'], ['inf', 'one', 'minf'], ['max', 'max', 'minf'], ['zero', 'one', 'mzero'],
  ['mzero', 'one', 'zero'], ['den', 'den', 'mzero'], ['den', 'half', 'zero'], ['tiny', 'half', 'mden'], ['third', 'three', 'one'],
  ['inf', 'zero', 'snan'], ['max', 'two5', 'minf'], ['mzero', 'mzero', 'mzero'],
];
for (const op of ['fmadd', 'fmsub', 'fnmadd', 'fnmsub']) {
  for (const [a, b, c] of TRIPLES) {
    add(`${op} d0, d1, d2, d3`, { v1: V(D[a]), v2: V(D[b]), v3: V(D[c]) });
    add(`${op} s0, s1, s2, s3`, { v1: V(S[a]), v2: V(S[b]), v3: V(S[c]) });
  }
  for (let i = 0; i < 6; i++) {
    add(`${op} d0, d1, d2, d3`, { v1: V(rndD()), v2: V(rndD()), v3: V(rndD()) });
    add(`${op} s0, s1, s2, s3`, { v1: V(rndS()), v2: V(rndS()), v3: V(rndS()) });
  }
}
// single rounding shows: (1+2^-52)(1-2^-52) - 1 = -2^-104; products close to -c
add('fmadd d0, d1, d2, d3', { v1: V(0x3ff0000000000001n), v2: V(0x3fefffffffffffffn), v3: V(0xbff0000000000000n) });
add('fmadd s0, s1, s2, s3', { v1: V(0x3f800001n), v2: V(0x3f7fffffn), v3: V(0xbf800000n) });
add('fmsub d0, d1, d2, d3', { v1: V(D.third), v2: V(D.third), v3: V(0x3fbc71c71c71c71cn) });
add('fmadd s0, s1, s2, s3', { v1: V(0x3f800001n), v2: V(0x3f800001n), v3: V(0x33800000n) }); // tie broken by fusion
add('fmadd d0, d1, d2, d3', { v1: V(0x1ff0000000000001n), v2: V(0x0000000000000003n), v3: V(0x8000000000000001n) });
add('fmadd d0, d1, d2, d3', { v1: V(0x7fe0000000000001n), v2: V(0x4000000000000000n), v3: V(0xffefffffffffffffn) });
for (const m of [DN, FZ]) {
  add('fmadd d0, d1, d2, d3', { v1: V(D.inf), v2: V(D.zero), v3: V(D.qnan), fpcr: m });
  add('fmadd s0, s1, s2, s3', { v1: V(S.den), v2: V(S.one), v3: V(S.snan), fpcr: m });
  add('fmadd d0, d1, d2, d3', { v1: V(D.minn), v2: V(D.half), v3: V(D.den), fpcr: m });
}
for (const op of ['fmadd', 'fmsub', 'fnmadd', 'fnmsub']) {
  add(`${op} h0, h1, h2, h3`, { v1: V(0x3c00n), v2: V(0x4100n), v3: V(0xc000n) });
  add(`${op} h0, h1, h2, h3`, { v1: V(0x3555n), v2: V(0x4200n), v3: V(0x7e01n) });
  add(`${op} h0, h1, h2, h3`, { v1: V(0x7c00n), v2: V(0x0000n), v3: V(0x7e01n) });
}
add('fccmp h1, h2, #3, eq', { v1: V(0x3c00n), v2: V(0x3c00n), nzcv: '0x40000000' });

// ---- compares
for (const [p, q] of PAIRS) {
  add('fcmp d1, d2', { v1: V(D[p]), v2: V(D[q]) });
  add('fcmpe s1, s2', { v1: V(S[p]), v2: V(S[q]) });
}
for (const k of ['zero', 'mzero', 'one', 'm375', 'qnan', 'snan', 'den', 'minf']) {
  add('fcmp d1, #0.0', { v1: V(D[k]) });
  add('fcmpe s1, #0.0', { v1: V(S[k]) });
  add('fcmp d1, #0.0', { v1: V(D[k]), fpcr: FZ });
}
add('fcmp h1, h2', { v1: V(0x3c00n), v2: V(0x4000n) });
add('fcmp h1, #0.0', { v1: V(0x8000n) });
for (const [nz, cond] of [['0x40000000', 'eq'], ['0x0', 'eq'], ['0x80000000', 'lt'], ['0x20000000', 'lt']]) {
  add('fccmp d1, d2, #0xa, ' + cond, { v1: V(D.one), v2: V(D.qnan), nzcv: nz });
  add('fccmpe s1, s2, #0x5, ' + cond, { v1: V(S.m375), v2: V(S.two5), nzcv: nz });
  add('fcsel d0, d1, d2, ' + cond, { v1: V(D.one), v2: V(D.two5), nzcv: nz });
  add('fcsel s0, s1, s2, ' + cond, { v1: V(S.one), v2: V(S.two5), nzcv: nz });
  add('fcsel h0, h1, h2, ' + cond, { v1: V(0x1234n), v2: V(0x5678n), nzcv: nz });
}

// ---- moves
for (const imm of ['1.0', '-0.125', '31.0', '0.1875', '-2.5', '0.5']) {
  add(`fmov d0, #${imm}`);
  add(`fmov s0, #${imm}`);
  add(`fmov h0, #${imm}`);
}
add('fmov w0, s1');
add('fmov x0, d1');
add('fmov s0, w1', { x1: '0xffffffff80000001' });
add('fmov d0, x1');
add('fmov x0, v1.d[1]');
add('fmov v0.d[1], x1');
add('fmov w0, h1');
add('fmov x0, h1');
add('fmov h0, w1');
add('fmov h0, x1');

// ---- precision conversions
cases = cvt;
const cvtD = ['one', 'third', 'qnan', 'snan', 'mqnan', 'inf', 'mzero', 'den', 'max', 'minn', 'tiny'];
for (const k of cvtD) {
  add('fcvt s0, d1', { v1: V(D[k]) });
  add('fcvt h0, d1', { v1: V(D[k]) });
  add('fcvt d0, s1', { v1: V(S[k]) });
  add('fcvt h0, s1', { v1: V(S[k]) });
  add('fcvt s0, d1', { v1: V(D[k]), fpcr: DN });
  add('fcvt d0, s1', { v1: V(S[k]), fpcr: FZ });
}
for (const x of [0x3800000000000000n, 0x36a0000000000000n, 0x3e80000000000001n, 0x40effc0000000000n, 0x40effe0000000000n, 0x3810000000000000n]) {
  add('fcvt s0, d1', { v1: V(x) });
  add('fcvt h0, d1', { v1: V(x) });
  for (const rm of RMODES) add('fcvt s0, d1', { v1: V(x | 0x123n), fpcr: rm });
}
for (const h of [0x3c00n, 0x0001n, 0x03ffn, 0x7c00n, 0xfc00n, 0x7e01n, 0x7c01n, 0x8000n, 0x7bffn, 0xc248n]) {
  add('fcvt s0, h1', { v1: V(h) });
  add('fcvt d0, h1', { v1: V(h) });
}
add('fcvt h0, s1', { v1: V(0x477ff000n) }); // rounds to infinity
add('fcvt h0, s1', { v1: V(0x477fefffn) }); // stays finite
add('fcvt h0, s1', { v1: V(0x33000001n) }); // smallest subnormal, rounded up
add('fcvt h0, s1', { v1: V(0x477ff000n), fpcr: '0xc00000' });

// FZ and DN on conversions; the alternative half-precision format (FPCR.AHP)
for (const x of [D.den, D.minn, 0x3690000000000000n, 0x380fffffffffffffn, D.snan]) {
  add('fcvt s0, d1', { v1: V(x), fpcr: FZ });
  add('fcvt h0, d1', { v1: V(x), fpcr: FZ });
  add('fcvt h0, d1', { v1: V(x), fpcr: DN });
}
for (const h of [0x0001n, 0x7c01n]) {
  add('fcvt s0, h1', { v1: V(h), fpcr: FZ });
  add('fcvt d0, h1', { v1: V(h), fpcr: DN });
}
for (const m of [FZ, '0x80000']) {
  add('fcvt h0, s1', { v1: V(0x35800000n), fpcr: m });
  add('fcvt h0, d1', { v1: V(0x3eb0000000000000n), fpcr: m });
  add('fcvt s0, h1', { v1: V(0x0003n), fpcr: m });
  add('scvtf h0, w1, #16', { x1: '0x1', fpcr: m });
  add('fcvtzs w0, h1, #16', { v1: V(0x0003n), fpcr: m });
}
const AHP = '0x4000000';
for (const x of [S.inf, S.qnan, S.snan, 0x47800000n, 0x477fe000n, 0x47ffe000n, 0x48000000n, S.one, S.minf]) add('fcvt h0, s1', { v1: V(x), fpcr: AHP });
for (const h of [0x7c00n, 0x7fffn, 0xfe01n, 0x3c00n]) {
  add('fcvt s0, h1', { v1: V(h), fpcr: AHP });
  add('fcvt d0, h1', { v1: V(h), fpcr: AHP });
}
add('fcvt h0, d1', { v1: V(D.inf), fpcr: AHP });

// ---- rounding to integral
const RVALS_D = [0x3fe0000000000000n, 0x3ff8000000000000n, 0x4004000000000000n, 0xbfe0000000000000n, 0xc004000000000000n,
  0xbfd3333333333333n, 0x7e37e43c8800759cn, D.den, D.qnan, D.snan, D.minf, D.mzero, 0x4330000000000001n, 0xbfe8000000000000n];
const RVALS_S = [0x3f000000n, 0x3fc00000n, 0x40200000n, 0xbf000000n, 0xc0200000n, 0xbe99999an, 0x7e967699n, S.den, S.qnan,
  S.snan, S.minf, S.mzero, 0x4b000001n, 0xbf400000n];
for (const op of ['frintn', 'frinta', 'frintp', 'frintm', 'frintz', 'frintx', 'frinti']) {
  RVALS_D.forEach((x) => add(`${op} d0, d1`, { v1: V(x) }));
  RVALS_S.forEach((x) => add(`${op} s0, s1`, { v1: V(x) }));
}
for (const rm of RMODES) {
  for (const op of ['frintx', 'frinti']) {
    [0x3fe0000000000000n, 0xbff8000000000000n, 0x4004000000000000n].forEach((x) => add(`${op} d0, d1`, { v1: V(x), fpcr: rm }));
  }
}
add('frintn d0, d1', { v1: V(D.den), fpcr: FZ });
add('frintp s0, s1', { v1: V(S.den), fpcr: FZ });
add('frinta h0, h1', { v1: V(0x3e00n) });
for (const op of ['frint32z', 'frint32x', 'frint64z', 'frint64x']) {
  for (const x of [0x41dfffffffc00000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0xc1e0000000100000n, 0x43e0000000000000n,
    0xc3e0000000000000n, D.qnan, D.inf, D.mzero, 0xbfe0000000000000n, 0x4004000000000000n]) {
    add(`${op} d0, d1`, { v1: V(x) });
  }
  for (const x of [0x4f000000n, 0xcf000000n, 0x5f000000n, 0xdf000000n, S.qnan, S.minf, 0x40200000n]) add(`${op} s0, s1`, { v1: V(x) });
}

// ---- float → integer
const IVALS_D = [0x4004000000000000n, 0xc004000000000000n, 0x400c000000000000n, 0xbfe0000000000000n, 0x3fe0000000000000n,
  0x4415af1d78b58c40n, 0xc415af1d78b58c40n, D.qnan, D.inf, D.minf, 0x41e0000000000000n, 0xc1e0000000000000n,
  0x43e0000000000000n, 0x41efffffffffffffn, 0x41effffffff00000n, D.den, 0xc3e0000000000000n, 0x43f0000000000000n];
const IVALS_S = [0x40200000n, 0xc0200000n, 0x40600000n, 0xbf000000n, 0x3f000000n, 0x60ad78ecn, 0xe0ad78ecn, S.qnan, S.inf,
  S.minf, 0x4f000000n, 0xcf000000n, 0x5f000000n, 0x4f7fffffn, S.den];
for (const op of ['fcvtzs', 'fcvtzu', 'fcvtns', 'fcvtnu', 'fcvtas', 'fcvtau', 'fcvtps', 'fcvtpu', 'fcvtms', 'fcvtmu']) {
  IVALS_D.forEach((x, i) => add(`${op} ${i % 2 ? 'w0' : 'x0'}, d1`, { v1: V(x) }));
  IVALS_S.forEach((x, i) => add(`${op} ${i % 2 ? 'w0' : 'x0'}, s1`, { v1: V(x) }));
}
for (const [x, fb] of [[0x4004000000000000n, 1], [0xc004000000000000n, 16], [0x3f50000000000000n, 32], [0x4415af1d78b58c40n, 8],
  [0xbf50000000000000n, 64]] as [bigint, number][]) {
  add(`fcvtzs x0, d1, #${fb}`, { v1: V(x) });
  add(`fcvtzu x0, d1, #${fb}`, { v1: V(x) });
  if (fb <= 32) add(`fcvtzs w0, d1, #${fb}`, { v1: V(x) });
  if (fb <= 32) add(`fcvtzu w0, s1, #${fb}`, { v1: V(0x40200000n) });
}
for (const h of [0x4100n, 0xc100n, 0x7c00n, 0x7e00n, 0x3800n]) {
  add('fcvtzu x0, h1', { v1: V(h) });
  add('fcvtms w0, h1', { v1: V(h) });
  add('fcvtzs w0, h1, #3', { v1: V(h) });
  add('fcvtzs w0, h1', { v1: V(h) });
  add('fcvtau x0, h1', { v1: V(h) });
  add('fcvtns x0, h1', { v1: V(h) });
}
for (const op of ['fcvtps x0, d1', 'fcvtau w0, d1', 'fcvtms x0, d1', 'fcvtns w0, d1']) {
  add(op, { v1: V(D.den), fpcr: FZ });
  add(op, { v1: V(D.mden), fpcr: FZ });
}
add('fcvtps w0, s1', { v1: V(S.den), fpcr: FZ });
for (const x of [0x41dfffffffc00000n, 0xc1e0000000000000n, 0x41e0000000000000n, 0x4415af1d78b58c40n, D.qnan, D.inf, D.mzero,
  D.zero, 0x3ff8000000000000n, 0xc0091eb851eb851fn, D.den, 0x4202a05f20000000n]) {
  add('fjcvtzs w0, d1', { v1: V(x), nzcv: '0xf0000000' });
}

// ---- integer → float
const XVALS = ['0x0', '0x1', '0xffffffffffffffff', '0x8000000000000000', '0x7fffffffffffffff', '0x20000000000001',
  '0x20000000000003', '0xfffffffffffff801', '0x7fffffff', '0x80000000', '0xffffffff', '0x1000001', '0x1000003', '0xfffffffff8000001'];
for (const op of ['scvtf', 'ucvtf']) {
  for (const x of XVALS) {
    add(`${op} d0, x1`, { x1: x });
    add(`${op} s0, x1`, { x1: x });
    add(`${op} d0, w1`, { x1: x });
    add(`${op} s0, w1`, { x1: x });
    add(`${op} h0, w1`, { x1: x });
  }
  for (const rm of RMODES) {
    for (const x of ['0x20000000000001', '0xfffffffff8000001', '0x1000003', '0xffffffffffffffff']) {
      add(`${op} d0, x1`, { x1: x, fpcr: rm });
      add(`${op} s0, x1`, { x1: x, fpcr: rm });
      add(`${op} s0, w1`, { x1: x, fpcr: rm });
    }
  }
  add(`${op} d0, x1, #64`, { x1: '0x1' });
  add(`${op} s0, x1, #63`, { x1: '0x8000000000000000' });
  add(`${op} d0, w1, #32`, { x1: '0xffffffff' });
  add(`${op} s0, w1, #1`, { x1: '0x3' });
  add(`${op} d0, x1, #10`, { x1: '0x20000000000003' });
  add(`${op} h0, x1, #10`, { x1: '0x123456' });
  add(`${op} h0, w1, #1`, { x1: '0xffffffff' });
}

// ---- a few sequences
add(['fmov d0, #1.0', 'fmov d1, #3.0', 'fdiv d2, d0, d1', 'fmul d3, d2, d1', 'fcmp d3, d0']);
add(['scvtf d0, x1', 'fsqrt d0, d0', 'fcvtzs x2, d0'], { x1: '1000000' });

// The snippet ELF crashes qemu 7.2 when a group has an even number of cases (its block segment
// then ends exactly on a page boundary after the file data); keep every group odd.
for (const g of [arith, fmaCmp, cvt]) if (g.length % 2 === 0) g.push({ asm: ['fmov d0, #1.0'] });

export default arith;
