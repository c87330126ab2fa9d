// AdvSIMD "three same" integer instructions, vector and scalar forms. Only the integer opcodes
// (0xxxx and 10xxx) are matched here; 11xxx belong to the floating-point group (simd-fp.ts).
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { simdMnemonic, vreg } from '../disasm.js';
import { insn, type Fields, type Insn, type InsnSpec } from '../insn.js';
import {
  and, andnot, anyTrue, bsel, cmp, extend64, fit, max, min, mul, not, or, perLane, qadd, qsub, setQC,
  shr, shuffleLanes, splat, SMAX, SMIN, UMAX, vecAndScalar, vop, xor, type Sat,
} from './simd-util.js';

type Kernel = (e: Emitter, a: Fields, size: number, n: Val, m: Val, count: number) => Val | Sat;

interface SameDef {
  opc: string;
  asm: string;
  /** Sizes allowed in the scalar form (no scalar form when absent). */
  scalar?: (size: number, u: number) => boolean;
  /** Sizes allowed in the vector form (default: all but 1D). */
  sizes?: (size: number, q: number, u: number) => boolean;
  /** Saturating: operands are masked to the arrangement first so unused lanes cannot set QC. */
  sat?: boolean;
  k: Kernel;
}

const notD = (size: number, q: number) => size < 3;
const anyButD1 = (size: number, q: number) => size < 3 || q === 1;
const onlyD = (size: number) => size === 3;
const all = () => true;

export function isSat(r: Val | Sat): r is Sat {
  return (r as Sat).q !== undefined && (r as Sat).r !== undefined;
}

/** Finish an instruction: set QC for saturating results, write Vd masked to the arrangement. */
export function writeResult(e: Emitter, rd: number, r: Val | Sat, q: number, scalar: boolean, size: number): void {
  if (isSat(r)) {
    setQC(e, r.q);
    r = r.r;
  }
  e.setV(rd, fit(e, r, q, scalar, size));
}

function same(d: SameDef): Insn {
  if (d.scalar) throw new Error('use sameS');
  return insn(sameSpec(d));
}
function sameS(d: SameDef): [Insn, Insn] {
  return vecAndScalar(sameSpec(d));
}
function sameSpec(d: SameDef): InsnSpec {
  return {
    pattern: `0 q:1 u:1 ${d.scalar ? 's:1' : '0'} 1110 size:2 1 rm:5 ${d.opc} 1 rn:5 rd:5`,
    asm(a) {
      const scalar = !!a.s;
      const ok = scalar ? a.q === 1 && d.scalar!(a.size, a.u) : (d.sizes ?? anyButD1)(a.size, a.q, a.u);
      if (!ok) return null;
      const name = simdMnemonic(d.asm, a.u, a.size);
      if (scalar) return `${name} ${'bhsd'[a.size]}${a.rd}, ${'bhsd'[a.size]}${a.rn}, ${'bhsd'[a.size]}${a.rm}`;
      // The bitwise group's lanes are bytes whatever the size field says (it selects the operation).
      const size = d.opc === '00011' ? 0 : a.size;
      if (name === 'orr' && a.rn === a.rm) return `mov ${vreg(a.rd, 0, a.q)}, ${vreg(a.rn, 0, a.q)}`;
      return `${name} ${vreg(a.rd, size, a.q)}, ${vreg(a.rn, size, a.q)}, ${vreg(a.rm, size, a.q)}`;
    },
    sem(e, a) {
      const scalar = !!a.s;
      const ok = scalar ? a.q === 1 && d.scalar!(a.size, a.u) : (d.sizes ?? anyButD1)(a.size, a.q, a.u);
      if (!ok) return e.trap(Trap.Undefined);
      let n = e.v(a.rn);
      let m = e.v(a.rm);
      if (d.sat) {
        n = fit(e, n, a.q, scalar, a.size);
        m = fit(e, m, a.q, scalar, a.size);
      }
      const count = scalar ? 1 : (a.q ? 16 : 8) >> a.size;
      writeResult(e, a.rd, d.k(e, a, a.size, n, m, count), a.q, scalar, a.size);
    },
  };
}

// ---------------------------------------------------------------- kernels shared with other files
export function hadd(e: Emitter, size: number, n: Val, m: Val, signed: boolean): Val {
  return vop(e, size, 'add', [and(e, n, m), shr(e, size, xor(e, n, m), 1, signed)]);
}
export function abd(e: Emitter, size: number, n: Val, m: Val, signed: boolean): Val {
  return vop(e, size, 'sub', [max(e, size, n, m, signed), min(e, size, n, m, signed)]);
}

/** Pairwise: op over adjacent lanes of the concatenation of the used parts of n and m. */
export function pairwise(e: Emitter, size: number, q: number, n: Val, m: Val, f: (x: Val, y: Val) => Val): Val {
  const N = 16 >> size;
  const L = (q ? 16 : 8) >> size;
  const src = (j: number) => (j < L ? j : N + j - L);
  const ev: number[] = [];
  const od: number[] = [];
  for (let i = 0; i < N; i++) {
    ev.push(i < L ? src(2 * i) : 0);
    od.push(i < L ? src(2 * i + 1) : 0);
  }
  return f(shuffleLanes(e, size, n, m, ev), shuffleLanes(e, size, n, m, od));
}

/** SQDMULH / SQRDMULH on lanes of size 1 or 2. */
export function qdmulh(e: Emitter, size: number, n: Val, m: Val, round: boolean): Sat {
  const minv = splat(e, size, SMIN(size));
  const both = and(e, vop(e, size, 'eq', [n, minv]), vop(e, size, 'eq', [m, minv]));
  const q = anyTrue(e, both);
  if (size === 1) {
    if (round) return { r: e.op('i16x8.q15mulr_sat_s', [n, m]), q };
    const lo = e.op('i32x4.shr_s', [e.op('i32x4.extmul_low_i16x8_s', [n, m]), e.i32(15)]);
    const hi = e.op('i32x4.shr_s', [e.op('i32x4.extmul_high_i16x8_s', [n, m]), e.i32(15)]);
    return { r: e.op('i16x8.narrow_i32x4_s', [lo, hi]), q };
  }
  const part = (half: string) => {
    let p = e.op(`i64x2.extmul_${half}_i32x4_s`, [n, m]);
    if (round) p = e.op('i64x2.add', [p, splat(e, 3, 1n << 30n)]);
    return e.op('i64x2.shr_s', [p, e.i32(31)]);
  };
  const r = e.op('i8x16.shuffle', [part('low'), part('high')], [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]);
  return { r: xor(e, r, both), q };
}

/** Polynomial (carry-less) multiply of lanes of `size`, keeping the low bits. */
export function pmul(e: Emitter, size: number, n: Val, m: Val, bits: number): Val {
  let acc = e.v128(new Array(16).fill(0));
  const one = splat(e, size, 1);
  for (let i = 0; i < bits; i++) {
    const bit = and(e, vop(e, size, 'shr_u', [m, e.i32(i)]), one);
    const mask = vop(e, size, 'neg', [bit]);
    acc = xor(e, acc, and(e, vop(e, size, 'shl', [n, e.i32(i)]), mask));
  }
  return acc;
}

/**
 * Shift by a signed register amount (the low byte of each element of m), lane by lane:
 * SSHL/USHL, rounding SRSHL/URSHL, saturating SQSHL/UQSHL, SQRSHL/UQRSHL.
 */
export function regShift(e: Emitter, size: number, count: number, n: Val, m: Val, signed: boolean, round: boolean,
  saturate: boolean): Val | Sat {
  const q = saturate ? e.local('i32', e.i32(0)) : null;
  const zero = e.i64(0);
  const shrBy = (x: Val, k: Val): Val => signed
    ? e.op('i64.shr_s', [x, e.select(e.op('i64.gt_u', [k, e.i64(63)]), e.i64(63), k)])
    : e.select(e.op('i64.ge_u', [k, e.i64(64)]), zero, e.op('i64.shr_u', [x, k]));
  const r = perLane(e, size, count, [n, m], [signed, true], ([x, mb]) => {
    const sh = e.op('i64.extend8_s', [mb]);
    const neg = e.op('i64.lt_s', [sh, zero]);
    const left = e.select(e.op('i64.ge_u', [sh, e.i64(64)]), zero, e.op('i64.shl', [x, sh]));
    const k = e.op('i64.sub', [zero, sh]);
    let right = shrBy(x, k);
    if (round) {
      const bit = e.and(shrBy(x, e.op('i64.sub', [k, e.i64(1)])), e.i64(1));
      right = e.add(right, bit);
    }
    let out = left;
    if (q) {
      const back = shrBy(extend64(e, size, left, signed), sh);
      const ov = e.op('i32.and', [e.op('i32.eqz', [neg]), e.op('i64.ne', [back, x])]);
      const satv = signed ? e.xor(e.op('i64.shr_s', [x, e.i64(63)]), e.i64(SMAX(size))) : e.i64(UMAX(size));
      out = e.select(ov, satv, left);
      e.assign(q, e.op('i32.or', [q, ov]));
    }
    return e.select(neg, right, out);
  });
  return q ? { r, q } : r;
}

// ---------------------------------------------------------------- the instructions
export const SHADD = same({
  opc: '00000', asm: 's/uhadd', sizes: notD, k: (e, a, s, n, m) => hadd(e, s, n, m, !a.u),
});
export const [SQADD, SQADD_s] = sameS({
  opc: '00001', asm: 's/uqadd', scalar: all, sat: true, k: (e, a, s, n, m) => qadd(e, s, n, m, !a.u),
});
export const SRHADD = same({
  opc: '00010', asm: 's/urhadd', sizes: notD,
  k: (e, a, s, n, m) => (a.u && s < 2 ? vop(e, s, 'avgr_u', [n, m])
    : vop(e, s, 'sub', [or(e, n, m), shr(e, s, xor(e, n, m), 1, !a.u)])),
});
export const LOGIC = same({
  opc: '00011', asm: 'and/bic/orr/orn/eor/bsl/bit/bif', sizes: all,
  k: (e, a, s, n, m) => {
    if (!a.u) return [and, andnot, or, (e2: Emitter, x: Val, y: Val) => or(e2, x, not(e2, y))][s](e, n, m);
    switch (s) {
      case 0: return xor(e, n, m);
      case 1: return bsel(e, n, m, e.v(a.rd));
      case 2: return bsel(e, n, e.v(a.rd), m);
      default: return bsel(e, e.v(a.rd), n, m);
    }
  },
});
export const SHSUB = same({
  opc: '00100', asm: 's/uhsub', sizes: notD,
  k: (e, a, s, n, m) => vop(e, s, 'sub', [shr(e, s, xor(e, n, m), 1, !a.u), andnot(e, m, n)]),
});
export const [SQSUB, SQSUB_s] = sameS({
  opc: '00101', asm: 's/uqsub', scalar: all, sat: true, k: (e, a, s, n, m) => qsub(e, s, n, m, !a.u),
});
export const [CMGT, CMGT_s] = sameS({
  opc: '00110', asm: 'cmgt/cmhi', scalar: onlyD, k: (e, a, s, n, m) => cmp(e, s, a.u ? 'gt_u' : 'gt_s', n, m),
});
export const [CMGE, CMGE_s] = sameS({
  opc: '00111', asm: 'cmge/cmhs', scalar: onlyD, k: (e, a, s, n, m) => cmp(e, s, a.u ? 'ge_u' : 'ge_s', n, m),
});
export const [SSHL, SSHL_s] = sameS({
  opc: '01000', asm: 's/ushl', scalar: onlyD, k: (e, a, s, n, m, c) => regShift(e, s, c, n, m, !a.u, false, false),
});
export const [SQSHL, SQSHL_s] = sameS({
  opc: '01001', asm: 's/uqshl', scalar: all, sat: true,
  k: (e, a, s, n, m, c) => regShift(e, s, c, n, m, !a.u, false, true),
});
export const [SRSHL, SRSHL_s] = sameS({
  opc: '01010', asm: 's/urshl', scalar: onlyD, k: (e, a, s, n, m, c) => regShift(e, s, c, n, m, !a.u, true, false),
});
export const [SQRSHL, SQRSHL_s] = sameS({
  opc: '01011', asm: 's/uqrshl', scalar: all, sat: true,
  k: (e, a, s, n, m, c) => regShift(e, s, c, n, m, !a.u, true, true),
});
export const SMAX_v = same({
  opc: '01100', asm: 's/umax', sizes: notD, k: (e, a, s, n, m) => max(e, s, n, m, !a.u),
});
export const SMIN_v = same({
  opc: '01101', asm: 's/umin', sizes: notD, k: (e, a, s, n, m) => min(e, s, n, m, !a.u),
});
export const SABD = same({
  opc: '01110', asm: 's/uabd', sizes: notD, k: (e, a, s, n, m) => abd(e, s, n, m, !a.u),
});
export const SABA = same({
  opc: '01111', asm: 's/uaba', sizes: notD,
  k: (e, a, s, n, m) => vop(e, s, 'add', [e.v(a.rd), abd(e, s, n, m, !a.u)]),
});
export const [ADD_v, ADD_v_s] = sameS({
  opc: '10000', asm: 'add/sub', scalar: onlyD, k: (e, a, s, n, m) => vop(e, s, a.u ? 'sub' : 'add', [n, m]),
});
export const [CMTST, CMTST_s] = sameS({
  opc: '10001', asm: 'cmtst/cmeq', scalar: onlyD,
  k: (e, a, s, n, m) => (a.u ? cmp(e, s, 'eq', n, m) : not(e, cmp(e, s, 'eq', and(e, n, m), splat(e, s, 0)))),
});
export const MLA_v = same({
  opc: '10010', asm: 'mla/mls', sizes: notD,
  k: (e, a, s, n, m) => vop(e, s, a.u ? 'sub' : 'add', [e.v(a.rd), mul(e, s, n, m)]),
});
export const MUL_v = same({
  opc: '10011', asm: 'mul/pmul', sizes: (s, q, u) => (u ? s === 0 : s < 3),
  k: (e, a, s, n, m) => (a.u ? pmul(e, 0, n, m, 8) : mul(e, s, n, m)),
});
export const SMAXP = same({
  opc: '10100', asm: 's/umaxp', sizes: notD,
  k: (e, a, s, n, m) => pairwise(e, s, a.q, n, m, (x, y) => max(e, s, x, y, !a.u)),
});
export const SMINP = same({
  opc: '10101', asm: 's/uminp', sizes: notD,
  k: (e, a, s, n, m) => pairwise(e, s, a.q, n, m, (x, y) => min(e, s, x, y, !a.u)),
});
export const [SQDMULH, SQDMULH_s] = sameS({
  opc: '10110', asm: 'sq(r)dmulh', scalar: (s) => s === 1 || s === 2, sizes: (s) => s === 1 || s === 2, sat: true,
  k: (e, a, s, n, m) => qdmulh(e, s, n, m, !!a.u),
});
export const ADDP_v = same({
  opc: '10111', asm: 'addp', sizes: (s, q, u) => !u && (s < 3 || q === 1),
  k: (e, a, s, n, m) => pairwise(e, s, a.q, n, m, (x, y) => vop(e, s, 'add', [x, y])),
});

