// Building blocks for AdvSIMD floating point on wasm v128: lane shapes, AArch64 NaN rules and
// flush-to-zero applied lane-wise, and the lane-by-lane fallback to the scalar group's exact
// software arithmetic (fp-soft.ts via fp-half.ts) for FPCR rounding modes wasm cannot do.
//
// Every operation works on a whole v128 and then keeps only the bytes the instruction writes
// (4 or 8 for scalar and 64-bit forms; the rest of the register is zeroed, as AArch64 requires).
// The fast path is plain wasm arithmetic; lanes whose result is a NaN are rewritten on a slow
// path, because wasm leaves NaN payloads unspecified while AArch64 propagates the first
// signalling NaN (quieted), else the first quiet NaN, else the default NaN.
import type { Emitter, Val } from '../emitter.js';
import { SOFT_BINARY, SOFT_SQRT } from './fp-half.js';
import { OP_ADD, OP_DIV, OP_MUL, OP_SUB } from './fp-soft.js';

/** Element size in bits and how many bytes of the destination are written (4, 8 or 16). */
export interface Shape {
  es: 32 | 64;
  bytes: 4 | 8 | 16;
}

export const FPCR_DN = 1 << 25;
export const FPCR_FZ = 1 << 24;
export const FPCR_AHP = 1 << 26;
export const rmode = (e: Emitter): number => (e.fpcrMode >> 22) & 3;

export const fty = (sh: Shape): string => (sh.es === 32 ? 'f32x4' : 'f64x2');
export const ity = (sh: Shape): string => (sh.es === 32 ? 'i32x4' : 'i64x2');

// ---------------------------------------------------------------- constants
export function splat32(e: Emitter, bits: number): Val {
  const b: number[] = [];
  for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) b.push((bits >>> (8 * k)) & 0xff);
  return e.v128(b);
}

export function splat64(e: Emitter, bits: bigint): Val {
  const b: number[] = [];
  for (let i = 0; i < 2; i++) for (let k = 0; k < 8; k++) b.push(Number((bits >> BigInt(8 * k)) & 0xffn));
  return e.v128(b);
}

/** A per-lane constant given as the lane's bit pattern (bigint covers both sizes). */
export function lanes(e: Emitter, sh: Shape, bits: bigint): Val {
  return sh.es === 32 ? splat32(e, Number(bits & 0xffffffffn)) : splat64(e, bits);
}

export const SIGN = (sh: Shape): bigint => (sh.es === 32 ? 0x80000000n : 0x8000000000000000n);
export const EXP = (sh: Shape): bigint => (sh.es === 32 ? 0x7f800000n : 0x7ff0000000000000n);
export const QUIET = (sh: Shape): bigint => (sh.es === 32 ? 0x00400000n : 0x0008000000000000n);
export const DEFAULT_NAN = (sh: Shape): bigint => (sh.es === 32 ? 0x7fc00000n : 0x7ff8000000000000n);

export function zeroV(e: Emitter): Val {
  return e.v128(new Array(16).fill(0));
}

/** Keep the bytes of the destination the instruction writes; zero the rest. */
export function keep(e: Emitter, bytes: number, v: Val): Val {
  if (bytes === 16) return v;
  const m = Array.from({ length: 16 }, (_, i) => (i < bytes ? 0xff : 0));
  return e.op('v128.and', [v, e.v128(m)]);
}

export function bitsel(e: Emitter, ifSet: Val, ifClear: Val, mask: Val): Val {
  return e.op('v128.bitselect', [ifSet, ifClear, mask]);
}

// ---------------------------------------------------------------- lane classification
export function isNaN_(e: Emitter, sh: Shape, x: Val): Val {
  return e.op(`${fty(sh)}.ne`, [x, x]);
}

export function isSNaN(e: Emitter, sh: Shape, x: Val): Val {
  const qbit = e.op('v128.and', [x, lanes(e, sh, QUIET(sh))]);
  const noQuiet = e.op(`${ity(sh)}.eq`, [qbit, zeroV(e)]);
  return e.op('v128.and', [isNaN_(e, sh, x), noQuiet]);
}

export function anyNaN(e: Emitter, sh: Shape, x: Val): Val {
  return e.op('v128.any_true', [isNaN_(e, sh, x)]);
}

/** Lanes whose exponent field is zero (zeros and denormals). */
export function expZero(e: Emitter, sh: Shape, x: Val): Val {
  return e.op(`${ity(sh)}.eq`, [e.op('v128.and', [x, lanes(e, sh, EXP(sh))]), zeroV(e)]);
}

/** FPCR.FZ: denormal lanes become zeros of the same sign. */
export function flush(e: Emitter, sh: Shape, x: Val): Val {
  if (!(e.fpcrMode & FPCR_FZ)) return x;
  return bitsel(e, e.op('v128.and', [x, lanes(e, sh, SIGN(sh))]), x, expZero(e, sh, x));
}

// ---------------------------------------------------------------- NaN rules
/**
 * The AArch64 result for lanes where `r` is NaN: the first signalling NaN among `ops` (quieted),
 * else the first quiet NaN, else the default NaN. With FPCR.DN every NaN result is the default NaN.
 */
export function pickNaN(e: Emitter, sh: Shape, ops: Val[], r: Val): Val {
  let out = bitsel(e, lanes(e, sh, DEFAULT_NAN(sh)), r, isNaN_(e, sh, r));
  if (e.fpcrMode & FPCR_DN) return out;
  for (let i = ops.length - 1; i >= 0; i--) out = bitsel(e, ops[i], out, isNaN_(e, sh, ops[i]));
  const q = lanes(e, sh, QUIET(sh));
  for (let i = ops.length - 1; i >= 0; i--) {
    out = bitsel(e, e.op('v128.or', [ops[i], q]), out, isSNaN(e, sh, ops[i]));
  }
  return out;
}

// ---------------------------------------------------------------- exact software fallback
/**
 * The operation computed lane by lane by the exact software helpers of fp-soft.ts (full AArch64
 * semantics, any FPCR mode). `call` gets each operand lane as i64 bits and returns i64 bits.
 */
export function softLanes(e: Emitter, sh: Shape, ops: Val[], call: (args: Val[]) => Val): Val {
  let r = zeroV(e);
  for (let i = 0; i < sh.bytes * 8 / sh.es; i++) {
    const args = ops.map((v) => (sh.es === 32 ? e.extendU(e.op('i32x4.extract_lane', [v], i)) : e.op('i64x2.extract_lane', [v], i)));
    const res = call(args);
    r = sh.es === 32 ? e.op('i32x4.replace_lane', [r, e.wrap(res)], i) : e.op('i64x2.replace_lane', [r, res], i);
  }
  return r;
}

/** `ctl` for the soft helpers: FPCR mode bits and the format code (1 single, 2 double). */
export const softCtl = (e: Emitter, sh: Shape): Val => e.i32(e.fpcrMode | (sh.es === 32 ? 1 : 2));

/**
 * Finish an arithmetic result: keep the written bytes, rewrite NaN lanes by the AArch64 rules
 * (on a slow path only taken when some lane is NaN), flush denormal results under FPCR.FZ.
 * `slow` may replace the default NaN rule (it gets the masked result and returns the fixed one).
 * `soft`, when given, computes the exact result in software: used for every lane when FPCR asks
 * for a rounding mode wasm lacks, and under FPCR.FZ when a lane is exactly the smallest normal
 * (it may come from a tiny value rounded up, which Arm flushes because it checks before rounding).
 */
export function finishArith(e: Emitter, sh: Shape, ops: Val[], r: Val, slow?: (r: Val) => Val, soft?: () => Val): Val {
  if (soft && rmode(e) !== 0) return keep(e, sh.bytes, soft());
  const m = keep(e, sh.bytes, r);
  const res = e.local('v128', m);
  e.if(anyNaN(e, sh, m), () => {
    e.assign(res, keep(e, sh.bytes, slow ? slow(m) : pickNaN(e, sh, ops, m)));
  });
  if (!(e.fpcrMode & FPCR_FZ)) return res;
  if (soft) {
    const minNormal = lanes(e, sh, sh.es === 32 ? 0x00800000n : 0x0010000000000000n);
    const edge = e.op(`${ity(sh)}.eq`, [e.op('v128.andnot', [res, lanes(e, sh, SIGN(sh))]), minNormal]);
    e.if(e.op('v128.any_true', [keep(e, sh.bytes, edge)]), () => e.assign(res, keep(e, sh.bytes, soft())));
  }
  return flush(e, sh, res);
}

const SOFT_OP: Record<string, number> = { add: OP_ADD, sub: OP_SUB, mul: OP_MUL, div: OP_DIV };

/** A lane-wise binary operation with the standard NaN rules. */
export function arith2(e: Emitter, sh: Shape, op: string, a: Val, b: Val): Val {
  const x = flush(e, sh, a);
  const y = flush(e, sh, b);
  const soft = () => softLanes(e, sh, [a, b], ([p, q]) => e.call(SOFT_BINARY, [e.i32(SOFT_OP[op]), p, q, softCtl(e, sh)]));
  return finishArith(e, sh, [x, y], e.op(`${fty(sh)}.${op}`, [x, y]), undefined, op in SOFT_OP ? soft : undefined);
}

export function arith1(e: Emitter, sh: Shape, op: string, a: Val): Val {
  const x = flush(e, sh, a);
  const soft = () => softLanes(e, sh, [a], ([p]) => e.call(SOFT_SQRT, [p, softCtl(e, sh)]));
  return finishArith(e, sh, [x], e.op(`${fty(sh)}.${op}`, [x]), undefined, op === 'sqrt' ? soft : undefined);
}

/** FMAX/FMIN (NaN-propagating) or FMAXNM/FMINNM (a single quiet NaN loses to a number). */
export function minMax(e: Emitter, sh: Shape, max: boolean, nm: boolean, a: Val, b: Val): Val {
  const x = flush(e, sh, a);
  const y = flush(e, sh, b);
  const op = `${fty(sh)}.${max ? 'max' : 'min'}`;
  return finishArith(e, sh, [x, y], e.op(op, [x, y]), () => {
    let xx = x;
    let yy = y;
    if (nm) {
      const inf = lanes(e, sh, (max ? SIGN(sh) : 0n) | EXP(sh));
      const qx = e.op('v128.andnot', [isNaN_(e, sh, x), isSNaN(e, sh, x)]);
      const qy = e.op('v128.andnot', [isNaN_(e, sh, y), isSNaN(e, sh, y)]);
      xx = bitsel(e, inf, x, e.op('v128.andnot', [qx, qy]));
      yy = bitsel(e, inf, y, e.op('v128.andnot', [qy, qx]));
    }
    return pickNaN(e, sh, [xx, yy], e.op(op, [xx, yy]));
  });
}

// ---------------------------------------------------------------- lane movement
/** Broadcast element `idx` of `v` to every lane. */
export function dupLane(e: Emitter, es: number, v: Val, idx: number): Val {
  const n = es / 8;
  const sel = Array.from({ length: 16 }, (_, i) => idx * n + (i % n));
  return e.op('i8x16.shuffle', [v, v], sel);
}

/** Split a pairwise operation's operands: [evens, odds] of the concatenation lo(n):hi(m). */
export function pairs(e: Emitter, sh: Shape, n: Val, m: Val): [Val, Val] {
  const k = sh.es / 8;
  const perReg = sh.bytes / sh.es * 8; // elements taken from each source
  const sel = (odd: number): number[] => {
    const out: number[] = [];
    for (let lane = 0; lane < 16 / k; lane++) {
      const src = 2 * lane + odd; // element index in the concatenation
      const elem = src < perReg ? src : src - perReg + 16 / k; // m's elements start at byte 16
      for (let b = 0; b < k; b++) out.push((elem * k + b) & 31);
    }
    return out;
  };
  return [e.op('i8x16.shuffle', [n, m], sel(0)), e.op('i8x16.shuffle', [n, m], sel(1))];
}

/** Lanes where one operand is an infinity and the other a zero. */
export function infTimesZero(e: Emitter, sh: Shape, x: Val, y: Val): Val {
  const absx = e.op(`${fty(sh)}.abs`, [x]);
  const absy = e.op(`${fty(sh)}.abs`, [y]);
  const inf = e.op(`${fty(sh)}.splat`, [sh.es === 32 ? e.f32(Infinity) : e.f64(Infinity)]);
  const zero = zeroV(e);
  return e.op('v128.or', [
    e.op('v128.and', [e.op(`${fty(sh)}.eq`, [absx, inf]), e.op(`${fty(sh)}.eq`, [absy, zero])]),
    e.op('v128.and', [e.op(`${fty(sh)}.eq`, [absx, zero]), e.op(`${fty(sh)}.eq`, [absy, inf])]),
  ]);
}

/** Negate lanes (flips the sign bit, NaNs included, as FPNeg does). */
export function neg(e: Emitter, sh: Shape, x: Val): Val {
  return e.op('v128.xor', [x, lanes(e, sh, SIGN(sh))]);
}

/** A float constant in every lane. */
export function fconst(e: Emitter, sh: Shape, x: number): Val {
  return e.op(`${fty(sh)}.splat`, [sh.es === 32 ? e.f32(x) : e.f64(x)]);
}

/** FCMxx / FACxx: all-ones lanes where the comparison holds (false for NaNs). */
export function compare(e: Emitter, sh: Shape, op: string, a: Val, b: Val, abs = false): Val {
  let x = flush(e, sh, a);
  let y = flush(e, sh, b);
  if (abs) {
    x = e.op(`${fty(sh)}.abs`, [x]);
    y = e.op(`${fty(sh)}.abs`, [y]);
  }
  return keep(e, sh.bytes, e.op(`${fty(sh)}.${op}`, [x, y]));
}
