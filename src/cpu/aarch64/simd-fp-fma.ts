// Fused multiply-add on v128 lanes, rounded once, and the instructions built on it: FMLA/FMLS,
// FRECPS/FRSQRTS, plus FMULX. wasm has no FMA: singles are exact in f64 (24+24-bit products),
// so a round-to-odd f64 sum then rounds correctly to single; doubles use TwoProduct/TwoSum with
// a round-to-odd tail (Boldo and Melquiond), with out-of-range lanes sent to an exact helper.
import type { Emitter, Val } from '../emitter.js';
import { helper } from '../helpers.js';
import { fma64 as exactFma64 } from './fp-common.js';
import { SOFT_BINARY, SOFT_MULADD } from './fp-half.js';
import { OP_MUL } from './fp-soft.js';
import {
  bitsel, DEFAULT_NAN, EXP, fconst, finishArith, flush, fty, infTimesZero, isNaN_, isSNaN, ity, lanes, neg, pickNaN, SIGN,
  softCtl, softLanes, splat64, zeroV, type Shape,
} from './simd-fp-common.js';

// ---------------------------------------------------------------- fused multiply-add
/** Round-to-odd fix of an f64x2 sum s whose exact error is err: makes the last bit sticky. */
function roundOdd(e: Emitter, s: Val, err: Val): Val {
  const z = zeroV(e);
  const inexact = e.op('v128.or', [e.op('f64x2.lt', [err, z]), e.op('f64x2.gt', [err, z])]);
  const even = e.op('i64x2.eq', [e.op('v128.and', [s, splat64(e, 1n)]), z]);
  const same = e.op('i64x2.ge_s', [e.op('v128.xor', [s, err]), z]);
  const step = bitsel(e, splat64(e, 1n), splat64(e, -1n & 0xffffffffffffffffn), same);
  return e.op('i64x2.add', [s, e.op('v128.and', [step, e.op('v128.and', [inexact, even])])]);
}

/** s = a + b and its exact error (TwoSum), f64x2. */
function twoSum(e: Emitter, a: Val, b: Val): [Val, Val] {
  const s = e.op('f64x2.add', [a, b]);
  const bb = e.op('f64x2.sub', [s, a]);
  const err = e.op('f64x2.add', [
    e.op('f64x2.sub', [a, e.op('f64x2.sub', [s, bb])]),
    e.op('f64x2.sub', [b, bb]),
  ]);
  return [s, err];
}

/**
 * Two lanes of an f32 a*b+c, operands promoted to f64x2: the product is exact in f64, so only the
 * sum rounds. `odd` rounds it to odd (then demoting rounds correctly); otherwise it rounds to
 * nearest, which is only wrong when the sum lands exactly on a tie between two singles (see
 * mayDoubleRound). `post` scales exactly (FRSQRTS halves).
 */
function fma32Half(e: Emitter, a: Val, b: Val, c: Val, odd: boolean, post?: number): Val {
  const p = e.op('f64x2.mul', [a, b]);
  let s: Val;
  if (odd) {
    const [t, err] = twoSum(e, p, c);
    s = roundOdd(e, t, err);
  } else s = e.op('f64x2.add', [p, c]);
  if (post !== undefined) s = e.op('f64x2.mul', [s, e.op('f64x2.splat', [e.f64(post)])]);
  return s;
}

/** Lanes where demoting the nearest-rounded f64 sum may round twice wrongly: it sits exactly
 *  on a tie between two singles, or in the single denormal range (ties elsewhere). */
function mayDoubleRound(e: Emitter, s: Val): Val {
  const tie = e.op('i64x2.eq', [e.op('v128.and', [s, splat64(e, 0x1fffffffn)]), splat64(e, 0x10000000n)]);
  const mag = e.op('f64x2.abs', [s]);
  const tiny = e.op('v128.and', [e.op('f64x2.lt', [mag, e.op('f64x2.splat', [e.f64(2 ** -126)])]),
    e.op('f64x2.gt', [mag, zeroV(e)])]);
  return e.op('v128.or', [tie, tiny]);
}

function fma32(e: Emitter, a: Val, b: Val, c: Val, bytes: number, post?: number): Val {
  const hi = (v: Val) => e.op('f64x2.promote_low_f32x4', [e.op('i8x16.shuffle', [v, v], [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15])]);
  const lo = (v: Val) => e.op('f64x2.promote_low_f32x4', [v]);
  const halves = (bytes <= 8 ? [lo] : [lo, hi]).map((f) => [f(a), f(b), f(c)]);
  const sums = (odd: boolean) => halves.map(([x, y, z]) => fma32Half(e, x, y, z, odd, post));
  const narrow = (ss: Val[]) => {
    const d = ss.map((v) => e.op('f32x4.demote_f64x2_zero', [v]));
    return d.length === 1 ? d[0] : e.op('i8x16.shuffle', [d[0], d[1]], [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
  };
  const fast = sums(false);
  const res = e.local('v128', narrow(fast));
  const risky = fast.map((v) => mayDoubleRound(e, v)).reduce((x, y) => e.op('v128.or', [x, y]));
  e.if(e.op('v128.any_true', [risky]), () => e.assign(res, narrow(sums(true))));
  return res;
}

// Lanes outside the fast path's range: the scalar group's exact fma64 (fp-fma.ts).
const fmaHelper = helper('simd_fma64', ['f64', 'f64', 'f64'], 'f64', exactFma64);

/**
 * f64 a*b+c rounded once (fast path: TwoProduct by Veltkamp splitting, TwoSum, then Boldo and
 * Melquiond's round-to-odd of the tail; valid while nothing overflows or underflows, which the
 * range check guarantees). Lanes outside the range go through fma64 one by one.
 */
function fma64(e: Emitter, a: Val, b: Val, c: Val, lanesUsed: number, post?: number): Val {
  const F = (op: string, x: Val, y: Val) => e.op(`f64x2.${op}`, [x, y]);
  const split = (x: Val): [Val, Val] => {
    const t = F('mul', x, e.op('f64x2.splat', [e.f64(134217729)]));
    const hi = F('sub', t, F('sub', t, x));
    return [hi, F('sub', x, hi)];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const p = F('mul', a, b);
  const perr = F('add', F('add', F('add', F('sub', F('mul', ah, bh), p), F('mul', ah, bl)), F('mul', al, bh)), F('mul', al, bl));
  const [s, serr] = twoSum(e, c, p);
  const [t, terr] = twoSum(e, serr, perr);
  const v = roundOdd(e, t, terr);
  let r = F('add', s, v);
  // In range: 2^-400 <= |a|,|b| <= 2^400 and 2^-800 <= |c| <= 2^800.
  const expOf = (x: Val) => e.op('i64x2.shr_u', [e.op('v128.and', [x, splat64(e, 0x7ff0000000000000n)]), e.i32(52)]);
  const inRange = (x: Val, lim: number) => {
    const d = e.op('i64x2.sub', [expOf(x), splat64(e, 1023n)]);
    return e.op('i64x2.le_s', [e.op('i64x2.abs', [d]), splat64(e, BigInt(lim))]);
  };
  const cOk = e.op('v128.or', [inRange(c, 800), e.op('f64x2.eq', [c, zeroV(e)])]);
  let ok = e.op('v128.and', [e.op('v128.and', [inRange(a, 400), inRange(b, 400)]), cOk]);
  // A scalar (one-lane) operation must not take the slow path for whatever the upper lane holds.
  if (lanesUsed === 1) ok = e.op('v128.or', [ok, e.v128([0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255])]);
  const res = e.local('v128', r);
  e.if(e.op('i32.eqz', [e.op('i64x2.all_true', [ok])]), () => {
    let x = res as Val;
    for (let i = 0; i < lanesUsed; i++) {
      const lane = (v: Val) => e.op('f64x2.extract_lane', [v], i);
      x = e.op('f64x2.replace_lane', [x, e.call(fmaHelper, [lane(a), lane(b), lane(c)])], i);
    }
    e.assign(res, x);
  });
  r = res;
  if (post !== undefined) r = F('mul', r, e.op('f64x2.splat', [e.f64(post)]));
  return r;
}

/** Lane-wise a*b+c with one rounding (no NaN rules applied). */
export function fusedMulAdd(e: Emitter, sh: Shape, a: Val, b: Val, c: Val, post?: number): Val {
  return sh.es === 32 ? fma32(e, a, b, c, sh.bytes, post) : fma64(e, a, b, c, sh.bytes / 8, post);
}

/**
 * FMLA-style c + a*b with the AArch64 rules: NaNs in the order c, a, b, and a quiet NaN
 * addend with 0*inf still gives the default NaN.
 */
export function mulAdd(e: Emitter, sh: Shape, c: Val, a: Val, b: Val): Val {
  const x = flush(e, sh, a);
  const y = flush(e, sh, b);
  const z = flush(e, sh, c);
  const r = fusedMulAdd(e, sh, x, y, z);
  const soft = () => softLanes(e, sh, [c, a, b], ([p, q, t]) => e.call(SOFT_MULADD, [p, q, t, softCtl(e, sh)]));
  return finishArith(e, sh, [z, x, y], r, (m) => {
    const out = pickNaN(e, sh, [z, x, y], m);
    const infZero = infTimesZero(e, sh, x, y);
    const qz = e.op('v128.andnot', [isNaN_(e, sh, z), isSNaN(e, sh, z)]);
    return bitsel(e, lanes(e, sh, DEFAULT_NAN(sh)), out, e.op('v128.and', [infZero, qz]));
  }, soft);
}

/** FMULX: like FMUL, but infinity times zero is 2.0 with the product's sign. */
export function mulx(e: Emitter, sh: Shape, a: Val, b: Val): Val {
  const x = flush(e, sh, a);
  const y = flush(e, sh, b);
  const two = () => e.op('v128.or', [e.op('v128.and', [e.op('v128.xor', [x, y]), lanes(e, sh, SIGN(sh))]), fconst(e, sh, 2)]);
  const soft = () => bitsel(e, two(), softLanes(e, sh, [a, b], ([p, q]) =>
    e.call(SOFT_BINARY, [e.i32(OP_MUL), p, q, softCtl(e, sh)])), infTimesZero(e, sh, x, y));
  return finishArith(e, sh, [x, y], e.op(`${fty(sh)}.mul`, [x, y]), (m) =>
    bitsel(e, two(), pickNaN(e, sh, [x, y], m), infTimesZero(e, sh, x, y)), soft);
}

/** FRECPS (2 - a*b) and FRSQRTS ((3 - a*b) / 2), fused; infinity times zero gives 2.0 / 1.5. */
export function recipStep(e: Emitter, sh: Shape, sqrt: boolean, a: Val, b: Val): Val {
  const x = neg(e, sh, flush(e, sh, a));
  const y = flush(e, sh, b);
  const r = fusedMulAdd(e, sh, x, y, fconst(e, sh, sqrt ? 3 : 2), sqrt ? 0.5 : undefined);
  const special = () => fconst(e, sh, sqrt ? 1.5 : 2);
  const soft = () => {
    const na = neg(e, sh, a);
    const muladd = (c: Val, p: Val, q: Val) =>
      softLanes(e, sh, [c, p, q], ([u, v, w]) => e.call(SOFT_MULADD, [u, v, w, softCtl(e, sh)]));
    if (!sqrt) return bitsel(e, special(), muladd(fconst(e, sh, 2), na, b), infTimesZero(e, sh, x, y));
    // (3 - a*b)/2 rounds once: as 1.5 - a*(b/2) where halving b is exact (a normal, finite b
    // above the smallest normal), else by halving afterwards (no overflow is possible then).
    const i = ity(sh);
    const one = lanes(e, sh, sh.es === 32 ? 0x00800000n : 0x0010000000000000n);
    const exp = e.op('v128.and', [b, lanes(e, sh, EXP(sh))]);
    const halvable = e.op('v128.and', [e.op(`${i}.ne`, [exp, lanes(e, sh, EXP(sh))]),
      e.op(`${i}.gt_s`, [exp, one])]);
    const bh = bitsel(e, e.op(`${i}.sub`, [b, one]), b, halvable);
    const v = muladd(bitsel(e, fconst(e, sh, 1.5), fconst(e, sh, 3), halvable), na, bh);
    const halved = bitsel(e, v, e.op(`${fty(sh)}.mul`, [v, fconst(e, sh, 0.5)]), e.op('v128.or', [halvable, isNaN_(e, sh, v)]));
    return bitsel(e, special(), halved, infTimesZero(e, sh, x, y));
  };
  let fast = r;
  if (sqrt && sh.es === 64) {
    // 3 - a*b may overflow where (3 - a*b)/2 does not: such lanes (infinite from finite
    // operands) are recomputed exactly, rounding once as FPRSqrtStepFused does.
    const i = ity(sh);
    const isInf = (v: Val) => e.op(`${i}.eq`, [e.op('v128.andnot', [v, lanes(e, sh, SIGN(sh))]), lanes(e, sh, EXP(sh))]);
    const overflow = e.op('v128.andnot', [isInf(r), e.op('v128.or', [isInf(x), isInf(y)])]);
    const res = e.local('v128', r);
    e.if(e.op('v128.any_true', [overflow]), () => e.assign(res, bitsel(e, soft(), res, overflow)));
    fast = res;
  }
  return finishArith(e, sh, [x, y], fast, (m) =>
    bitsel(e, special(), pickNaN(e, sh, [x, y], m), infTimesZero(e, sh, x, y)), soft);
}

