// AdvSIMD FP conversions and roundings as lane kernels: float ↔ integer (with fixed-point scaling),
// FRINT*, precision changes (FCVTL/FCVTN/FCVTXN, half precision included).
import type { Emitter, Val } from '../emitter.js';
import { helper } from '../helpers.js';
import { SOFT_CONVERT, SOFT_FROM_INT } from './fp-half.js';
import {
  bitsel, DEFAULT_NAN, finishArith, flush, FPCR_AHP, FPCR_DN, FPCR_FZ, fty, isNaN_, keep, lanes, rmode, SIGN,
  softCtl, softLanes, splat32, splat64, zeroV, type Shape,
} from './simd-fp-common.js';

/** Rounding of a float lane to an integral value: Nearest-even, +inf (P), -inf (M), Zero, Away. */
export type RoundMode = 'n' | 'p' | 'm' | 'z' | 'a';
export const FPCR_ROUND: RoundMode[] = ['n', 'p', 'm', 'z'];

function fsplat(e: Emitter, sh: Shape, x: number): Val {
  return e.op(`${fty(sh)}.splat`, [sh.es === 32 ? e.f32(x) : e.f64(x)]);
}

/** Round each lane to an integral float (NaN lanes come out as some NaN). */
export function roundLanes(e: Emitter, sh: Shape, x: Val, mode: RoundMode): Val {
  const t = fty(sh);
  switch (mode) {
    case 'n': return e.op(`${t}.nearest`, [x]);
    case 'p': return e.op(`${t}.ceil`, [x]);
    case 'm': return e.op(`${t}.floor`, [x]);
    case 'z': return e.op(`${t}.trunc`, [x]);
    default: {
      // Half away from zero: x - trunc(x) is exact, so compare the fraction with one half.
      const tr = e.op(`${t}.trunc`, [x]);
      const frac = e.op(`${t}.abs`, [e.op(`${t}.sub`, [x, tr])]);
      const one = e.op('v128.or', [e.op('v128.and', [x, lanes(e, sh, SIGN(sh))]), fsplat(e, sh, 1)]);
      const up = e.op(`${t}.ge`, [frac, fsplat(e, sh, 0.5)]);
      return bitsel(e, e.op(`${t}.add`, [tr, one]), tr, up);
    }
  }
}

/** FRINT*: round to integral, NaNs by the AArch64 rules. */
export function frint(e: Emitter, sh: Shape, x: Val, mode: RoundMode): Val {
  const y = flush(e, sh, x);
  return finishArith(e, sh, [y], roundLanes(e, sh, y, mode));
}

/** FCVT[NPMZA][SU]: float → integer with saturation (NaN → 0); fbits > 0 for fixed point. */
export function toInt(e: Emitter, sh: Shape, x: Val, mode: RoundMode, unsigned: boolean, fbits = 0): Val {
  let y = flush(e, sh, x);
  if (fbits) y = e.op(`${fty(sh)}.mul`, [y, fsplat(e, sh, 2 ** fbits)]);
  y = roundLanes(e, sh, y, mode);
  const s = unsigned ? 'u' : 's';
  if (sh.es === 32) return keep(e, sh.bytes, e.op(`i32x4.trunc_sat_f32x4_${s}`, [y]));
  let r = zeroV(e);
  for (let i = 0; i < sh.bytes / 8; i++) {
    r = e.op('i64x2.replace_lane', [r, e.op(`i64.trunc_sat_f64_${s}`, [e.op('f64x2.extract_lane', [y], i)])], i);
  }
  return r;
}

/** SCVTF/UCVTF: integer (fixed point with fbits fraction bits) → float, rounded to nearest. */
export function fromInt(e: Emitter, sh: Shape, x: Val, unsigned: boolean, fbits = 0): Val {
  if (rmode(e) !== 0) {
    const spec = e.i32(fbits | (unsigned ? 0x100 : 0) | (sh.es === 64 ? 0x200 : 0));
    return keep(e, sh.bytes, softLanes(e, sh, [x], ([v]) => e.call(SOFT_FROM_INT, [v, spec, softCtl(e, sh)])));
  }
  const s = unsigned ? 'u' : 's';
  let r: Val;
  if (sh.es === 32) r = e.op(`f32x4.convert_i32x4_${s}`, [x]);
  else {
    r = zeroV(e);
    for (let i = 0; i < sh.bytes / 8; i++) {
      r = e.op('f64x2.replace_lane', [r, e.op(`f64.convert_i64_${s}`, [e.op('i64x2.extract_lane', [x], i)])], i);
    }
  }
  if (fbits) r = e.op(`${fty(sh)}.mul`, [r, fsplat(e, sh, 2 ** -fbits)]);
  return keep(e, sh.bytes, r);
}

const S32: Shape = { es: 32, bytes: 16 };
const S64: Shape = { es: 64, bytes: 16 };

/** FCVTL: two singles (lanes 0-1 of x) → two doubles. */
export function singleToDouble(e: Emitter, x: Val): Val {
  const src = flush(e, S32, x);
  const r = e.op('f64x2.promote_low_f32x4', [src]);
  const res = e.local('v128', r);
  e.if(e.op('v128.any_true', [isNaN_(e, S64, r)]), () => {
    let nan: Val;
    if (e.fpcrMode & FPCR_DN) nan = lanes(e, S64, DEFAULT_NAN(S64));
    else {
      const w = e.op('i64x2.extend_low_i32x4_u', [src]);
      const sign = e.op('i64x2.shl', [e.op('v128.and', [w, splat64(e, 0x80000000n)]), e.i32(32)]);
      const mant = e.op('i64x2.shl', [e.op('v128.and', [w, splat64(e, 0x7fffffn)]), e.i32(29)]);
      nan = e.op('v128.or', [e.op('v128.or', [sign, mant]), splat64(e, 0x7ff8000000000000n)]);
    }
    e.assign(res, bitsel(e, nan, r, isNaN_(e, S64, r)));
  });
  return res;
}

/** FCVTL (half): four halves (lanes 0-3 of x) → four singles. */
export function halfToSingle(e: Emitter, x: Val): Val {
  const h = e.op('i32x4.extend_low_i16x8_u', [x]);
  const sign = e.op('i32x4.shl', [e.op('v128.and', [h, splat32(e, 0x8000)]), e.i32(16)]);
  const em = e.op('v128.and', [h, splat32(e, 0x7fff)]);
  // Shifted into single position and scaled by 2^112, normals and denormals come out exact.
  let r = e.op('f32x4.mul', [e.op('i32x4.shl', [em, e.i32(13)]), e.op('f32x4.splat', [e.f32(2 ** 112)])]);
  let signMask = sign;
  if (!(e.fpcrMode & FPCR_AHP)) {
    const special = e.op('i32x4.ge_u', [em, splat32(e, 0x7c00)]);
    const mant = e.op('v128.and', [em, splat32(e, 0x3ff)]);
    const isNan = e.op('i32x4.ne', [mant, zeroV(e)]);
    const nan = e.fpcrMode & FPCR_DN ? splat32(e, 0x7fc00000)
      : e.op('v128.or', [e.op('i32x4.shl', [mant, e.i32(13)]), splat32(e, 0x7fc00000)]);
    r = bitsel(e, bitsel(e, nan, splat32(e, 0x7f800000), isNan), r, special);
    if (e.fpcrMode & FPCR_DN) signMask = e.op('v128.andnot', [sign, e.op('v128.and', [special, isNan])]);
  }
  return e.op('v128.or', [r, signMask]);
}

/** The NaN a double NaN converts to in single precision (quieted, top of the payload kept), in
 *  the low 32 bits of each 64-bit lane. */
function narrowNaN(e: Emitter, x: Val): Val {
  if (e.fpcrMode & FPCR_DN) return splat64(e, 0x7fc00000n);
  const sign = e.op('v128.and', [e.op('i64x2.shr_u', [x, e.i32(32)]), splat64(e, 0x80000000n)]);
  const mant = e.op('v128.and', [e.op('i64x2.shr_u', [x, e.i32(29)]), splat64(e, 0x7fffffn)]);
  return e.op('v128.or', [e.op('v128.or', [sign, mant]), splat64(e, 0x7fc00000n)]);
}

const LOW_WORDS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];

/**
 * FCVTN / FCVTXN: two doubles → two singles in lanes 0-1 (lanes 2-3 zero). `odd` rounds to odd
 * (FCVTXN), otherwise to nearest.
 */
export function doubleToSingle(e: Emitter, x: Val, odd: boolean): Val {
  const soft = () => {
    const w = softLanes(e, S64, [x], ([v]) => e.call(SOFT_CONVERT, [v, e.i32(2), e.i32(e.fpcrMode | 1)]));
    return e.op('i8x16.shuffle', [w, zeroV(e)], LOW_WORDS);
  };
  if (!odd && rmode(e) !== 0) return soft();
  const src = flush(e, S64, x);
  const r = e.op('f32x4.demote_f64x2_zero', [src]);
  // Work in 64-bit lanes: single bits zero-extended.
  let w = e.op('i64x2.extend_low_i32x4_u', [r]);
  if (odd) {
    const back = e.op('f64x2.promote_low_f32x4', [r]);
    const inexact = e.op('v128.andnot', [e.op('f64x2.ne', [back, src]), isNaN_(e, S64, src)]);
    const even = e.op('i64x2.eq', [e.op('v128.and', [w, splat64(e, 1n)]), zeroV(e)]);
    const up = e.op('f64x2.gt', [e.op('f64x2.abs', [src]), e.op('f64x2.abs', [back])]);
    const step = bitsel(e, splat64(e, 1n), splat64(e, 0xffffffffffffffffn), up);
    w = e.op('i64x2.add', [w, e.op('v128.and', [step, e.op('v128.and', [inexact, even])])]);
  }
  w = bitsel(e, narrowNaN(e, src), w, isNaN_(e, S64, src));
  const out = e.local('v128', e.op('i8x16.shuffle', [w, zeroV(e)], LOW_WORDS));
  if (e.fpcrMode & FPCR_FZ) {
    // A result of exactly the smallest normal may be a tiny value rounded up: Arm flushes those.
    const edge = e.op('i32x4.eq', [e.op('v128.and', [out, splat32(e, 0x7fffffff)]), splat32(e, 0x00800000)]);
    e.if(e.op('v128.any_true', [edge]), () => e.assign(out, odd ? out : soft()));
  }
  return flush(e, S32, out);
}

// ---------------------------------------------------------------- half precision narrowing
function roundInt(v: number, mode: number, neg: boolean): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d === 0) return f;
  switch (mode) {
    case 0: return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
    case 1: return neg ? f : f + 1;
    case 2: return neg ? f + 1 : f;
    default: return f;
  }
}

/** Single bits → half bits under the FPCR mode bits (rounding, DN, FZ, AHP). */
export function singleToHalfBits(bits: number, fpcr: number): number {
  const sign = (bits >>> 31) << 15;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  const ahp = (fpcr & FPCR_AHP) !== 0;
  if (exp === 0xff) {
    if (ahp) return mant ? sign : sign | 0x7fff; // no infinities or NaNs: NaN → signed zero
    if (!mant) return sign | 0x7c00;
    return fpcr & FPCR_DN ? 0x7e00 : sign | 0x7e00 | (mant >>> 13);
  }
  if (exp === 0 && (mant === 0 || fpcr & FPCR_FZ)) return sign;
  const mode = (fpcr >> 22) & 3;
  const neg = sign !== 0;
  const x = (exp === 0 ? mant * 2 ** -149 : (mant + 0x800000) * 2 ** (exp - 150));
  const maxExp = ahp ? 31 : 30;
  const overflow = (): number => {
    const toInf = !ahp && (mode === 0 || (mode === 1 && !neg) || (mode === 2 && neg));
    return sign | (toInf ? 0x7c00 : (maxExp << 10) | 0x3ff);
  };
  if (x < 2 ** -14) return sign | roundInt(x * 2 ** 24, mode, neg); // may round up to the smallest normal
  let e2 = exp - 127;
  let m = roundInt(x * 2 ** (10 - e2), mode, neg);
  if (m === 2048) { m = 1024; e2++; }
  if (e2 + 15 > maxExp) return overflow();
  return sign | ((e2 + 15) << 10) | (m - 1024);
}

const toHalfHelper = helper('simdSingleToHalf', ['i32', 'i32'], 'i32', singleToHalfBits);

/** FCVTN (half): four singles → four halves in lanes 0-3 (16-bit), upper 64 bits zero. */
export function singleToHalf(e: Emitter, x: Val): Val {
  let r = zeroV(e);
  for (let i = 0; i < 4; i++) {
    const h = e.call(toHalfHelper, [e.op('i32x4.extract_lane', [x], i), e.i32(e.fpcrMode)]);
    r = e.op('i16x8.replace_lane', [r, h], i);
  }
  return r;
}
