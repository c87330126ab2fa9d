// Building blocks for the AdvSIMD integer instructions: lane shapes, constants, saturating
// arithmetic on whole vectors, per-lane scalar fallbacks, writing results with the upper half
// cleared for 64-bit arrangements, and the cumulative saturation flag FPSR.QC.
import type { Emitter, Val } from '../emitter.js';
import { insn, type Insn, type InsnSpec } from '../insn.js';

/** wasm lane shape by AArch64 size field (0: bytes .. 3: doublewords). */
export const SH = ['i8x16', 'i16x8', 'i32x4', 'i64x2'] as const;

/** `<shape>.<name>` for a lane size. */
export function vop(e: Emitter, size: number, name: string, args: Val[], imm?: number | number[]): Val {
  return e.op(`${SH[size]}.${name}`, args, imm);
}

/** A v128 constant whose lanes of `size` are given (repeated cyclically to fill 16 bytes). */
export function vconst(e: Emitter, size: number, values: (number | bigint)[]): Val {
  const nb = 1 << size;
  const bytes: number[] = [];
  for (let i = 0; i < 16 / nb; i++) {
    const v = BigInt.asUintN(nb * 8, BigInt(values[i % values.length]));
    for (let j = 0; j < nb; j++) bytes.push(Number((v >> BigInt(8 * j)) & 0xffn));
  }
  return e.v128(bytes);
}

/** Every lane of `size` equal to `value`. */
export function splat(e: Emitter, size: number, value: number | bigint): Val {
  return vconst(e, size, [value]);
}

export const ZERO = (e: Emitter): Val => e.v128(new Array(16).fill(0));

/** Signed minimum / maximum and unsigned maximum of an element of `size`, as bigints. */
export const SMIN = (size: number): bigint => -(1n << BigInt((8 << size) - 1));
export const SMAX = (size: number): bigint => (1n << BigInt((8 << size) - 1)) - 1n;
export const UMAX = (size: number): bigint => (1n << BigInt(8 << size)) - 1n;

export const and = (e: Emitter, a: Val, b: Val): Val => e.op('v128.and', [a, b]);
export const or = (e: Emitter, a: Val, b: Val): Val => e.op('v128.or', [a, b]);
export const xor = (e: Emitter, a: Val, b: Val): Val => e.op('v128.xor', [a, b]);
export const andnot = (e: Emitter, a: Val, b: Val): Val => e.op('v128.andnot', [a, b]);
export const not = (e: Emitter, a: Val): Val => e.op('v128.not', [a]);
/** Bits of `a` where `mask` is set, else bits of `b`. */
export const bsel = (e: Emitter, a: Val, b: Val, mask: Val): Val => e.op('v128.bitselect', [a, b, mask]);
export const anyTrue = (e: Emitter, a: Val): Val => e.op('v128.any_true', [a]);

/** Lane shifts by a decode-time amount (0 <= n < esize). */
export function shl(e: Emitter, size: number, a: Val, n: number): Val {
  return n === 0 ? a : vop(e, size, 'shl', [a, e.i32(n)]);
}
export function shr(e: Emitter, size: number, a: Val, n: number, signed: boolean): Val {
  return n === 0 ? a : vop(e, size, signed ? 'shr_s' : 'shr_u', [a, e.i32(n)]);
}

/** Byte indices for i8x16.shuffle from lane indices (lane j >= count of one input selects the second). */
export function laneBytes(size: number, lanes: number[]): number[] {
  const nb = 1 << size;
  const out: number[] = [];
  for (const l of lanes) for (let j = 0; j < nb; j++) out.push(l * nb + j);
  return out;
}
export function shuffleLanes(e: Emitter, size: number, a: Val, b: Val, lanes: number[]): Val {
  return e.op('i8x16.shuffle', [a, b], laneBytes(size, lanes));
}

/** Comparison producing a lane mask; `op` is eq, ne, gt_s, gt_u, ge_s, ge_u, lt_s, lt_u, le_s, le_u. */
export function cmp(e: Emitter, size: number, op: string, a: Val, b: Val): Val {
  if (size === 3 && op.endsWith('_u')) {
    const bias = splat(e, 3, 1n << 63n);
    return e.op(`i64x2.${op.slice(0, -2)}_s`, [xor(e, a, bias), xor(e, b, bias)]);
  }
  if (size === 3 && (op === 'eq' || op === 'ne')) return e.op(`i64x2.${op}`, [a, b]);
  return vop(e, size, op, [a, b]);
}

export function max(e: Emitter, size: number, a: Val, b: Val, signed: boolean): Val {
  if (size < 3) return vop(e, size, signed ? 'max_s' : 'max_u', [a, b]);
  return bsel(e, a, b, cmp(e, 3, signed ? 'gt_s' : 'gt_u', a, b));
}
export function min(e: Emitter, size: number, a: Val, b: Val, signed: boolean): Val {
  if (size < 3) return vop(e, size, signed ? 'min_s' : 'min_u', [a, b]);
  return bsel(e, a, b, cmp(e, 3, signed ? 'lt_s' : 'lt_u', a, b));
}

/** Multiply lanes (size 0..3; wasm has no i8x16.mul, so bytes go through two i16x8 products). */
export function mul(e: Emitter, size: number, a: Val, b: Val): Val {
  if (size > 0) return vop(e, size, 'mul', [a, b]);
  const even = e.op('i16x8.mul', [a, b]);
  const odd = e.op('i16x8.mul', [e.op('i16x8.shr_u', [a, e.i32(8)]), and(e, b, splat(e, 1, 0xff00))]);
  return bsel(e, odd, even, splat(e, 1, 0xff00));
}

// ---------------------------------------------------------------- saturating arithmetic
/** A result and an i32 that is non-zero when some lane saturated. */
export interface Sat { r: Val; q: Val }

export function qadd(e: Emitter, size: number, a: Val, b: Val, signed: boolean): Sat {
  const s = vop(e, size, 'add', [a, b]);
  if (size < 2) {
    const r = vop(e, size, signed ? 'add_sat_s' : 'add_sat_u', [a, b]);
    return { r, q: anyTrue(e, xor(e, r, s)) };
  }
  const top = (8 << size) - 1;
  if (signed) {
    const ov = vop(e, size, 'shr_s', [and(e, xor(e, s, a), xor(e, s, b)), e.i32(top)]);
    const sat = xor(e, vop(e, size, 'shr_s', [a, e.i32(top)]), splat(e, size, SMAX(size)));
    return { r: bsel(e, sat, s, ov), q: anyTrue(e, ov) };
  }
  const carry = cmp(e, size, 'lt_u', s, a);
  return { r: or(e, s, carry), q: anyTrue(e, carry) };
}

export function qsub(e: Emitter, size: number, a: Val, b: Val, signed: boolean): Sat {
  const s = vop(e, size, 'sub', [a, b]);
  if (size < 2) {
    const r = vop(e, size, signed ? 'sub_sat_s' : 'sub_sat_u', [a, b]);
    return { r, q: anyTrue(e, xor(e, r, s)) };
  }
  const top = (8 << size) - 1;
  if (signed) {
    const ov = vop(e, size, 'shr_s', [and(e, xor(e, a, b), xor(e, a, s)), e.i32(top)]);
    const sat = xor(e, vop(e, size, 'shr_s', [a, e.i32(top)]), splat(e, size, SMAX(size)));
    return { r: bsel(e, sat, s, ov), q: anyTrue(e, ov) };
  }
  const borrow = cmp(e, size, 'lt_u', a, b);
  return { r: andnot(e, s, borrow), q: anyTrue(e, borrow) };
}

/** Clamp lanes of `size` to a signed or unsigned range [lo, hi] given as bigints. */
export function clamp(e: Emitter, size: number, a: Val, lo: bigint | null, hi: bigint | null, signed: boolean): Sat {
  let r = a;
  if (hi !== null) r = min(e, size, r, splat(e, size, hi), signed);
  if (lo !== null) r = max(e, size, r, splat(e, size, lo), signed);
  return { r, q: anyTrue(e, xor(e, r, a)) };
}

/** FPSR.QC |= (q != 0). */
export function setQC(e: Emitter, q: Val): void {
  const bit = e.op('i32.shl', [e.op('i32.ne', [q, e.i32(0)]), e.i32(27)]);
  e.setSys('fpsr', e.op('i32.or', [e.sys('fpsr'), bit]));
}

// ---------------------------------------------------------------- narrowing and widening
/** Keep the low half of each lane of `size` (1..3), packed into the low 8 bytes (upper bytes: copy of b's). */
export function narrowPack(e: Emitter, size: number, a: Val, b: Val): Val {
  const nb = 1 << (size - 1);
  const sel: number[] = [];
  for (let l = 0; l < 8 / nb; l++) for (let j = 0; j < nb; j++) sel.push(l * 2 * nb + j);
  for (let l = 0; l < 8 / nb; l++) for (let j = 0; j < nb; j++) sel.push(16 + l * 2 * nb + j);
  return e.op('i8x16.shuffle', [a, b], sel);
}

/**
 * Write a narrowed result (lanes of `size`-1 in the low 8 bytes of `lo8`) to Vd: the low half
 * with the upper half cleared, or (the "2" forms, q=1) the upper half keeping Vd's low half.
 */
export function writeNarrow(e: Emitter, rd: number, lo8: Val, q: number): void {
  if (!q) e.setV(rd, e.op('i64x2.replace_lane', [lo8, e.i64(0)], 1));
  else e.setV(rd, e.op('i8x16.shuffle', [e.v(rd), lo8], [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]));
}

/** Widen the low (half=0) or high (half=1) 8 bytes of lanes of `size` (0..2) to 2*size. */
export function widen(e: Emitter, size: number, a: Val, half: number, signed: boolean): Val {
  return e.op(`${SH[size + 1]}.extend_${half ? 'high' : 'low'}_${SH[size]}_${signed ? 's' : 'u'}`, [a]);
}

// ---------------------------------------------------------------- writing results
/** Clear the upper 64 bits (64-bit arrangements write zeros there). */
export function low64(e: Emitter, v: Val): Val {
  return e.op('i64x2.replace_lane', [v, e.i64(0)], 1);
}

/** Keep only element 0 of `size` (scalar forms), zeroing the rest. */
export function lane0(e: Emitter, size: number, v: Val): Val {
  if (size === 3) return low64(e, v);
  return and(e, v, e.v128(Array.from({ length: 16 }, (_, i) => (i < 1 << size ? 0xff : 0))));
}

/** Operand/result masking for an arrangement: q=1 full, q=0 low 64 bits, scalar: element 0. */
export function fit(e: Emitter, v: Val, q: number, scalar: boolean, size: number): Val {
  if (scalar) return lane0(e, size, v);
  return q ? v : low64(e, v);
}

// ---------------------------------------------------------------- per-lane scalar fallback
/** Element i of `size` as i64, sign- or zero-extended. */
export function getLane(e: Emitter, size: number, v: Val, i: number, signed: boolean): Val {
  switch (size) {
    case 0:
    case 1: {
      const x = e.op(`${SH[size]}.extract_lane_${signed ? 's' : 'u'}`, [v], i);
      return e.op(signed ? 'i64.extend_i32_s' : 'i64.extend_i32_u', [x]);
    }
    case 2: {
      const x = e.op('i32x4.extract_lane', [v], i);
      return e.op(signed ? 'i64.extend_i32_s' : 'i64.extend_i32_u', [x]);
    }
    default:
      return e.op('i64x2.extract_lane', [v], i);
  }
}

/** Replace element i of `size` with the low bits of an i64. */
export function setLane(e: Emitter, size: number, v: Val, i: number, x: Val): Val {
  if (size === 3) return e.op('i64x2.replace_lane', [v, x], i);
  return e.op(`${SH[size]}.replace_lane`, [v, e.wrap(x)], i);
}

/** Build a vector lane by lane: f gets the lanes of `srcs` (i64, extended per `signed`), returns i64. */
export function perLane(e: Emitter, size: number, count: number, srcs: Val[], signed: boolean[],
  f: (xs: Val[], i: number) => Val): Val {
  let r = ZERO(e);
  for (let i = 0; i < count; i++) {
    const xs = srcs.map((s, k) => getLane(e, size, s, i, signed[k]));
    r = setLane(e, size, r, i, f(xs, i));
  }
  return r;
}

/** Sign-extend (signed) or zero-extend the low 8<<size bits of an i64. */
export function extend64(e: Emitter, size: number, x: Val, signed: boolean): Val {
  if (size === 3) return x;
  if (signed) return e.op(['i64.extend8_s', 'i64.extend16_s', 'i64.extend32_s'][size], [x]);
  return e.and(x, e.i64(UMAX(size)));
}

// ---------------------------------------------------------------- vector and scalar encodings
/**
 * Split a pattern starting `0 q:1 <u> s:1` into the vector form (s = 0) and the scalar form
 * (q = 1, s = 1): with q = 0 and s = 1 the bits belong to the scalar floating-point class.
 * Both definitions run `sem` with fields q and s filled in.
 */
export function vecAndScalar(spec: InsnSpec): [Insn, Insn] {
  const m = /^0 q:1 (\S+) s:1 (.*)$/.exec(spec.pattern);
  if (!m) throw new Error(`vecAndScalar: pattern '${spec.pattern}'`);
  const asm = spec.asm;
  return [
    insn({ ...spec, pattern: `0 q:1 ${m[1]} 0 ${m[2]}`, asm: typeof asm === 'string' ? asm : (a, pc) => asm({ ...a, s: 0 }, pc),
      sem: (e, a) => spec.sem(e, { ...a, s: 0 }) }),
    insn({ ...spec, pattern: `0 1 ${m[1]} 1 ${m[2]}`, asm: typeof asm === 'string' ? asm + ' (scalar)' : (a, pc) => asm({ ...a, q: 1, s: 1 }, pc),
      sem: (e, a) => spec.sem(e, { ...a, q: 1, s: 1 }) }),
  ];
}
