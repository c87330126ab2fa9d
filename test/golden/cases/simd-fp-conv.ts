// AdvSIMD floating point, two-register misc (vector and scalar) and conversions: FRINT*, FCVT*,
// SCVTF/UCVTF (incl. fixed point), FCVTL/FCVTN/FCVTXN, estimates, compares with zero.
import type { CaseSpec } from '../record.js';
import { d2, D_LANES, D_ONE, I32_ONE, I64_ONE, s4, S_LANES, S_ONE } from './simd-fp-data.js';

const cases: CaseSpec[] = [];

const VEC_UN = ['fabs', 'fneg', 'fsqrt', 'frintn', 'frinta', 'frintp', 'frintm', 'frintz', 'frintx', 'frinti',
  'fcvtns', 'fcvtnu', 'fcvtms', 'fcvtmu', 'fcvtps', 'fcvtpu', 'fcvtzs', 'fcvtzu', 'fcvtas', 'fcvtau', 'frecpe',
  'frsqrte'];
const CMP0 = ['fcmeq', 'fcmge', 'fcmgt', 'fcmle', 'fcmlt'];

for (const op of [...VEC_UN, ...CMP0]) {
  const z = CMP0.includes(op) ? ', #0.0' : '';
  for (const v of S_ONE) cases.push({ asm: [`${op} v0.4s, v1.4s${z}`], in: { v1: v } });
  cases.push({ asm: [`${op} v0.2s, v1.2s${z}`], in: { v1: S_ONE[0] } });
  for (const v of D_ONE) cases.push({ asm: [`${op} v0.2d, v1.2d${z}`], in: { v1: v } });
}

const SCALAR_UN = ['fcvtns', 'fcvtnu', 'fcvtms', 'fcvtmu', 'fcvtps', 'fcvtpu', 'fcvtzs', 'fcvtzu', 'fcvtas', 'fcvtau',
  'frecpe', 'frsqrte', 'frecpx'];
for (const op of [...SCALAR_UN, ...CMP0]) {
  const z = CMP0.includes(op) ? ', #0.0' : '';
  for (const v of S_ONE) cases.push({ asm: [`${op} s0, s1${z}`], in: { v1: v } });
  for (const v of D_ONE) cases.push({ asm: [`${op} d0, d1${z}`], in: { v1: v } });
}
// Lane 1-3 values through the scalar forms too.
for (const op of ['frecpe', 'frsqrte', 'frecpx', 'fcvtzs', 'fcvtas']) {
  for (const sh of [1, 2, 3]) {
    for (const l of S_LANES) cases.push({ asm: [`${op} s0, s1`], in: { v1: s4(l[sh], l[(sh + 1) % 4], l[(sh + 2) % 4], l[(sh + 3) % 4]) } });
  }
  for (const l of D_LANES) cases.push({ asm: [`${op} d0, d1`], in: { v1: d2(l[1], l[0]) } });
}

// Estimate tables over a sweep of fractions and exponents.
for (let i = 0; i < 64; i++) {
  const frac = (i * 0x1f3d1) & 0x7fffff;
  const v = s4(0x3f800000 | frac, 0x40000000 | frac, 0x00000000 | (frac >> (i & 7)), 0x7e800000 | frac);
  cases.push({ asm: ['frecpe v0.4s, v1.4s', 'frsqrte v2.4s, v1.4s'], in: { v1: v } });
  const fd = BigInt(frac) << 29n;
  cases.push({ asm: ['frecpe v0.2d, v1.2d', 'frsqrte v2.2d, v1.2d'], in: { v1: d2(0x3ff0000000000000n | fd, (fd >> BigInt(i & 15)) | BigInt(i)) } });
}

for (const op of ['scvtf', 'ucvtf']) {
  for (const v of I32_ONE) {
    cases.push({ asm: [`${op} v0.4s, v1.4s`], in: { v1: v } });
    cases.push({ asm: [`${op} v0.2s, v1.2s`], in: { v1: v } });
    cases.push({ asm: [`${op} s0, s1`], in: { v1: v } });
    for (const fb of [1, 7, 31, 32]) {
      cases.push({ asm: [`${op} v0.4s, v1.4s, #${fb}`], in: { v1: v } });
      cases.push({ asm: [`${op} s0, s1, #${fb}`], in: { v1: v } });
    }
    cases.push({ asm: [`${op} v0.2s, v1.2s, #3`], in: { v1: v } });
  }
  for (const v of I64_ONE) {
    cases.push({ asm: [`${op} v0.2d, v1.2d`], in: { v1: v } });
    cases.push({ asm: [`${op} d0, d1`], in: { v1: v } });
    for (const fb of [1, 13, 63, 64]) {
      cases.push({ asm: [`${op} v0.2d, v1.2d, #${fb}`], in: { v1: v } });
      cases.push({ asm: [`${op} d0, d1, #${fb}`], in: { v1: v } });
    }
  }
}
for (const op of ['fcvtzs', 'fcvtzu']) {
  for (const v of S_ONE) {
    for (const fb of [1, 8, 32]) {
      cases.push({ asm: [`${op} v0.4s, v1.4s, #${fb}`], in: { v1: v } });
      cases.push({ asm: [`${op} s0, s1, #${fb}`], in: { v1: v } });
    }
    cases.push({ asm: [`${op} v0.2s, v1.2s, #2`], in: { v1: v } });
  }
  for (const v of D_ONE) {
    for (const fb of [1, 20, 64]) {
      cases.push({ asm: [`${op} v0.2d, v1.2d, #${fb}`], in: { v1: v } });
      cases.push({ asm: [`${op} d0, d1, #${fb}`], in: { v1: v } });
    }
  }
}

// Precision changes.
for (const v of S_ONE) {
  cases.push({ asm: ['fcvtl v0.2d, v1.2s', 'fcvtl2 v2.2d, v1.4s'], in: { v1: v } });
  cases.push({ asm: ['fcvtn v0.4h, v1.4s', 'fcvtn2 v2.8h, v1.4s'], in: { v1: v } });
}
for (const v of D_ONE) {
  cases.push({ asm: ['fcvtn v0.2s, v1.2d', 'fcvtn2 v2.4s, v1.2d'], in: { v1: v } });
  cases.push({ asm: ['fcvtxn v0.2s, v1.2d', 'fcvtxn2 v2.4s, v1.2d', 'fcvtxn s3, d1'], in: { v1: v } });
}
const HALVES = [
  '0x7c00fc007e017d00:0x3c00c000000183ff', '0x7bff04000001fbff:0x8000000055553555',
];
for (const v of HALVES) cases.push({ asm: ['fcvtl v0.4s, v1.4h', 'fcvtl2 v2.4s, v1.8h'], in: { v1: v } });
// Narrowing that rounds: ties, overflow, underflow into denormals.
const NARROW_D = [
  d2(0x3ff0000010000000n, 0x3ff0000030000000n), d2(0x3ff0000010000001n, 0xbff000000fffffffn),
  d2(0x47efffffe0000000n, 0x47efffffefffffffn), d2(0x36a0000000000000n, 0x3690000000000001n),
  d2(0x380fffffffffffffn, 0xb7f0000000000000n),
];
for (const v of NARROW_D) {
  cases.push({ asm: ['fcvtn v0.2s, v1.2d', 'fcvtxn v2.2s, v1.2d'], in: { v1: v } });
}
const NARROW_S = [
  s4(0x3f801000, 0x3f803000, 0x477ff000, 0x477fefff), s4(0x33800000, 0x33000001, 0x387fe000, 0xc7800000),
];
for (const v of NARROW_S) cases.push({ asm: ['fcvtn v0.4h, v1.4s'], in: { v1: v } });

// FPCR: default NaN, flush to zero, rounding modes (FRINTI/FRINTX follow FPCR.RMode).
for (const fpcr of ['0x2000000', '0x1000000', '0x400000', '0x800000', '0xc00000']) {
  for (const op of ['frinti', 'frintx', 'fsqrt', 'frecpe', 'frsqrte', 'fcmeq', 'fcvtzs']) {
    const z = op === 'fcmeq' ? ', #0.0' : '';
    for (const v of S_ONE.slice(0, 6)) cases.push({ asm: [`${op} v0.4s, v1.4s${z}`], in: { fpcr, v1: v } });
    for (const v of D_ONE.slice(0, 5)) cases.push({ asm: [`${op} v0.2d, v1.2d${z}`], in: { fpcr, v1: v } });
  }
  if (fpcr === '0x2000000' || fpcr === '0x1000000') {
    for (const v of S_ONE) cases.push({ asm: ['fcvtl v0.2d, v1.2s', 'fcvtn v2.4h, v1.4s'], in: { fpcr, v1: v } });
    for (const v of D_ONE) cases.push({ asm: ['fcvtn v0.2s, v1.2d', 'fcvtxn v2.2s, v1.2d', 'frecpx d3, d1'], in: { fpcr, v1: v } });
    for (const v of HALVES) cases.push({ asm: ['fcvtl v0.4s, v1.4h'], in: { fpcr, v1: v } });
  }
}
// Conversions that round, under each rounding mode.
for (const fpcr of ['0x400000', '0x800000', '0xc00000']) {
  for (const v of I32_ONE) cases.push({ asm: ['scvtf v0.4s, v1.4s', 'ucvtf v2.4s, v1.4s, #3', 'scvtf s3, s1'], in: { fpcr, v1: v } });
  for (const v of I64_ONE) cases.push({ asm: ['scvtf v0.2d, v1.2d', 'ucvtf v2.2d, v1.2d, #7', 'ucvtf d3, d1'], in: { fpcr, v1: v } });
  for (const v of [...D_ONE, ...NARROW_D]) cases.push({ asm: ['fcvtn v0.2s, v1.2d', 'fcvtn2 v2.4s, v1.2d', 'fcvtxn v3.2s, v1.2d'], in: { fpcr, v1: v } });
  for (const v of [...S_ONE, ...NARROW_S]) cases.push({ asm: ['fcvtn v0.4h, v1.4s'], in: { fpcr, v1: v } });
}
for (const v of NARROW_D) cases.push({ asm: ['fcvtn v0.2s, v1.2d', 'fcvtxn v2.2s, v1.2d'], in: { fpcr: '0x1000000', v1: v } });

// Alternative half precision (FPCR.AHP): no infinities or NaNs in the half format.
for (const fpcr of ['0x4000000', '0x4c00000', '0x6000000']) {
  for (const v of [...S_ONE, ...NARROW_S]) cases.push({ asm: ['fcvtn v0.4h, v1.4s', 'fcvtn2 v2.8h, v1.4s'], in: { fpcr, v1: v } });
  for (const v of HALVES) cases.push({ asm: ['fcvtl v0.4s, v1.4h', 'fcvtl2 v2.4s, v1.8h'], in: { fpcr, v1: v } });
}

// FRECPE overflow result depends on the rounding mode.
for (const fpcr of ['0x0', '0x400000', '0x800000', '0xc00000']) {
  cases.push({ asm: ['frecpe v0.4s, v1.4s', 'frecpe v2.2d, v3.2d'], in: { fpcr, v1: s4(0x00000001, 0x80000010, 0x00100000, 0x80200000), v3: d2(0x0000000000000001n, 0x8002000000000000n) } });
}

export default cases;
