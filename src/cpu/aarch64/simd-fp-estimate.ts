// FRECPE / FRSQRTE (the Arm ARM's 8-bit RecipEstimate and RecipSqrtEstimate tables, computed
// as the pseudocode does) and FRECPX. The estimates run lane by lane in small JS helpers: they
// are rare and need exponent arithmetic that has no v128 form.
import type { Emitter, Val } from '../emitter.js';
import { helper } from '../helpers.js';
import { bitsel, finishArith, flush, FPCR_FZ, isNaN_, lanes, SIGN, zeroV, type Shape } from './simd-fp-common.js';

// ---------------------------------------------------------------- reciprocal estimates
/** RecipEstimate (Arm ARM): a in 256..511 (a 0.9 fixed-point value in [0.5, 1)) → 256..511. Also
 *  what URECPE needs. */
export function recipEstimate(a: number): number {
  a = a * 2 + 1;
  const b = Math.floor(2 ** 19 / a);
  return (b + 1) >> 1;
}

/** RecipSqrtEstimate: a in 128..511 (0.25 <= value < 1) → 256..511. Also what URSQRTE needs. */
export function rsqrtEstimate(a: number): number {
  return (RSQRT_TABLE ??= Array.from({ length: 512 }, (_, i) => (i < 128 ? 0 : rsqrtEstimateSlow(i))))[a];
}
let RSQRT_TABLE: number[] | undefined;

function rsqrtEstimateSlow(a: number): number {
  if (a < 256) a = a * 2 + 1;
  else {
    a = (a >> 1) << 1;
    a = (a + 1) * 2;
  }
  let b = 512;
  while (a * (b + 1) * (b + 1) < 2 ** 28) b++; // largest b with b < 2^14 / sqrt(a)
  return (b + 1) >> 1;
}

function overflowToInf(fpcr: number, neg: boolean): boolean {
  const mode = (fpcr >> 22) & 3;
  return mode === 0 || (mode === 1 && !neg) || (mode === 2 && neg);
}

const f64buf = new DataView(new ArrayBuffer(8));
function f64FromWords(hi: number, lo: number): number {
  f64buf.setUint32(0, hi >>> 0);
  f64buf.setUint32(4, lo >>> 0);
  return f64buf.getFloat64(0);
}

/**
 * FRECPE / FRSQRTE on the fields of a float: sign, biased exponent, fraction as a number scaled
 * so that its top bit is `fracBits - 1`. Returns [sign, exponent, 8-bit-estimate fraction field]
 * or a special marker. Shared by both precisions.
 */
type Est = { kind: 'zero' | 'inf' | 'max' | 'nan' } | { kind: 'num'; exp: number; frac: number };

function recipFields(neg: boolean, exp: number, frac: number, fracBits: number, bias2: number, fpcr: number): Est {
  // frac has fracBits bits; callers handled NaN, zero and infinity.
  const top = 2 ** (fracBits - 1);
  if (exp === 0 && frac < top / 2) return { kind: overflowToInf(fpcr, neg) ? 'inf' : 'max' };
  if (fpcr & FPCR_FZ && exp >= bias2) return { kind: 'zero' };
  if (exp === 0) {
    if (frac < top) { exp = -1; frac = (frac * 4) % (2 * top); } else frac = (frac * 2) % (2 * top);
  }
  const scaled = 256 + Math.floor(frac / 2 ** (fracBits - 8));
  let rexp = bias2 - exp;
  let f = (recipEstimate(scaled) & 0xff) * 2 ** (fracBits - 8);
  if (rexp === 0) f = top + f / 2;
  else if (rexp === -1) { f = top / 2 + f / 4; rexp = 0; }
  return { kind: 'num', exp: rexp, frac: f };
}

function rsqrtFields(exp: number, frac: number, fracBits: number, bias3: number): Est {
  const top = 2 ** (fracBits - 1);
  if (exp === 0) {
    while (frac < top) { frac *= 2; exp--; }
    frac = (frac * 2) % (2 * top);
  }
  const scaled = (exp & 1) === 0 ? 256 + Math.floor(frac / 2 ** (fracBits - 8)) : 128 + Math.floor(frac / 2 ** (fracBits - 7));
  const rexp = Math.floor((bias3 - exp) / 2);
  return { kind: 'num', exp: rexp, frac: (rsqrtEstimate(scaled) & 0xff) * 2 ** (fracBits - 8) };
}

function estimate32(bits: number, fpcr: number, sqrt: boolean): number {
  const neg = bits < 0;
  const sign = bits & 0x80000000;
  let exp = (bits >>> 23) & 0xff;
  let frac = bits & 0x7fffff;
  if (exp === 0 && fpcr & FPCR_FZ) frac = 0;
  if (exp === 0xff && frac) return 0x7fc00000;
  if (exp === 0 && frac === 0) return sign | 0x7f800000;
  if (sqrt) {
    if (neg) return 0x7fc00000;
    if (exp === 0xff) return 0;
  } else if (exp === 0xff) return sign;
  const r = sqrt ? rsqrtFields(exp, frac, 23, 380) : recipFields(neg, exp, frac, 23, 253, fpcr);
  switch (r.kind) {
    case 'zero': return sign;
    case 'inf': return sign | 0x7f800000;
    case 'max': return sign | 0x7f7fffff;
    case 'num': return sign | (r.exp << 23) | r.frac;
    default: return 0x7fc00000;
  }
}

function estimate64(hi: number, lo: number, fpcr: number, sqrt: boolean): number {
  const neg = hi < 0;
  const exp = (hi >>> 20) & 0x7ff;
  let frac = (hi & 0xfffff) * 2 ** 32 + (lo >>> 0);
  if (exp === 0 && fpcr & FPCR_FZ) frac = 0;
  const s = neg ? -1 : 1;
  if (exp === 0x7ff && frac) return NaN;
  if (exp === 0 && frac === 0) return s * Infinity;
  if (sqrt) {
    if (neg) return NaN;
    if (exp === 0x7ff) return 0;
  } else if (exp === 0x7ff) return s * 0;
  const r = sqrt ? rsqrtFields(exp, frac, 52, 3068) : recipFields(neg, exp, frac, 52, 2045, fpcr);
  switch (r.kind) {
    case 'zero': return s * 0;
    case 'inf': return s * Infinity;
    case 'max': return s * Number.MAX_VALUE;
    case 'num': return f64FromWords((neg ? 0x80000000 : 0) | (r.exp << 20) | Math.floor(r.frac / 2 ** 32), r.frac % 2 ** 32);
    default: return NaN;
  }
}

const est32 = [false, true].map((sq) =>
  helper(`simdEstimate32${sq ? 'Sqrt' : ''}`, ['i32', 'i32'], 'i32', (b: number, f: number) => estimate32(b, f, sq)));
const est64 = [false, true].map((sq) =>
  helper(`simdEstimate64${sq ? 'Sqrt' : ''}`, ['i32', 'i32', 'i32'], 'f64', (h: number, l: number, f: number) => estimate64(h, l, f, sq)));

/** FRECPE / FRSQRTE (floating point), lane by lane. */
export function estimate(e: Emitter, sh: Shape, x: Val, sqrt: boolean): Val {
  const y = flush(e, sh, x);
  const mode = e.i32(e.fpcrMode);
  let r = zeroV(e);
  if (sh.es === 32) {
    for (let i = 0; i < sh.bytes / 4; i++) {
      const v = e.call(est32[+sqrt], [e.op('i32x4.extract_lane', [y], i), mode]);
      r = e.op('i32x4.replace_lane', [r, v], i);
    }
  } else {
    for (let i = 0; i < sh.bytes / 8; i++) {
      const w = e.op('i64x2.extract_lane', [y], i);
      const v = e.call(est64[+sqrt], [e.wrap(e.shrU(w, e.i64(32))), e.wrap(w), mode]);
      r = e.op('f64x2.replace_lane', [r, v], i);
    }
  }
  return finishArith(e, sh, [y], r);
}

/** FRECPX: sign kept, exponent inverted (zero/denormal → largest finite exponent), fraction 0. */
export function recpx(e: Emitter, sh: Shape, x: Val): Val {
  const y = flush(e, sh, x);
  const expMask = lanes(e, sh, sh.es === 32 ? 0x7f800000n : 0x7ff0000000000000n);
  const exp = e.op('v128.and', [y, expMask]);
  const isZero = e.op(`i${sh.es}x${128 / sh.es}.eq`, [exp, zeroV(e)]);
  const inv = e.op('v128.andnot', [expMask, exp]);
  const maxExp = lanes(e, sh, sh.es === 32 ? 0x7f000000n : 0x7fe0000000000000n);
  const r = e.op('v128.or', [e.op('v128.and', [y, lanes(e, sh, SIGN(sh))]), bitsel(e, maxExp, inv, isZero)]);
  return finishArith(e, sh, [y], bitsel(e, y, r, isNaN_(e, sh, y)));
}
