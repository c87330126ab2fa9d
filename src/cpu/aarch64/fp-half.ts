// The exact software helpers generated code calls (any format; re-exported by fp-common.ts), and
// half-precision register access. Half precision (FEAT_FP16 scalar arithmetic and conversions)
// always takes the software path: it is rare in the programs we run and wasm has no f16. Half
// values are 16-bit patterns carried as zero-extended i64, ready for the soft helpers.
import type { Emitter, Val } from '../emitter.js';
import { helper } from '../helpers.js';
import {
  FP16, FP32, FP64, fpEnv, softBinary, softCompare, softConvert, softFromInt, softMulAdd, softRoundInt, softRoundIntN,
  softSqrt, softToInt, type FpFormat,
} from './fp-soft.js';

const FORMATS: FpFormat[] = [FP16, FP32, FP64];
const fmtOf = (code: number): FpFormat => FORMATS[code & 3] ?? FP16;
const u = (x: bigint, f: FpFormat) => BigInt.asUintN(f.bits, x);

/** Format codes used in `ctl` arguments: 0 half, 1 single, 2 double. */
export const CODE_H = 0, CODE_S = 1, CODE_D = 2;

// Every soft helper takes `ctl` = FPCR mode bits | format code (bits 1:0).
export const SOFT_BINARY = helper('fp_soft_binary', ['i32', 'i64', 'i64', 'i32'], 'i64',
  (op: number, a: bigint, b: bigint, ctl: number) => { const f = fmtOf(ctl); return softBinary(op, u(a, f), u(b, f), f, fpEnv(ctl)); });
export const SOFT_MULADD = helper('fp_soft_muladd', ['i64', 'i64', 'i64', 'i32'], 'i64',
  (a: bigint, b: bigint, c: bigint, ctl: number) => { const f = fmtOf(ctl); return softMulAdd(u(a, f), u(b, f), u(c, f), f, fpEnv(ctl)); });
export const SOFT_SQRT = helper('fp_soft_sqrt', ['i64', 'i32'], 'i64',
  (a: bigint, ctl: number) => { const f = fmtOf(ctl); return softSqrt(u(a, f), f, fpEnv(ctl)); });
export const SOFT_COMPARE = helper('fp_soft_compare', ['i64', 'i64', 'i32'], 'i32',
  (a: bigint, b: bigint, ctl: number) => { const f = fmtOf(ctl); return softCompare(u(a, f), u(b, f), f, fpEnv(ctl)); });
/** rmode: 0-4 (RN RP RM RZ RA); isize 0 for FRINT*, 32/64 for FRINT32/64. */
export const SOFT_ROUNDINT = helper('fp_soft_roundint', ['i64', 'i32', 'i32', 'i32'], 'i64',
  (a: bigint, rmode: number, isize: number, ctl: number) => {
    const f = fmtOf(ctl);
    return isize ? softRoundIntN(u(a, f), f, rmode, isize, fpEnv(ctl)) : softRoundInt(u(a, f), f, rmode, fpEnv(ctl));
  });
/** FCVT between formats: `from` is a format code, the target format is in ctl. */
export const SOFT_CONVERT = helper('fp_soft_convert', ['i64', 'i32', 'i32'], 'i64',
  (a: bigint, from: number, ctl: number) => {
    const ff = fmtOf(from), tf = fmtOf(ctl), env = fpEnv(ctl);
    return softConvert(u(a, ff), ff, tf, env.rmode, env);
  });
/** spec = fbits | unsigned << 8 | (isize == 64) << 9 | rmode << 10. */
export const SOFT_TO_INT = helper('fp_soft_to_int', ['i64', 'i32', 'i32'], 'i64',
  (a: bigint, spec: number, ctl: number) => {
    const f = fmtOf(ctl);
    return softToInt(u(a, f), f, spec & 0xff, (spec & 0x100) !== 0, spec & 0x200 ? 64 : 32, (spec >> 10) & 7, fpEnv(ctl));
  });
/** spec = fbits | unsigned << 8 | (isize == 64) << 9; rounding from ctl. */
export const SOFT_FROM_INT = helper('fp_soft_from_int', ['i64', 'i32', 'i32'], 'i64',
  (x: bigint, spec: number, ctl: number) => {
    const f = fmtOf(ctl), env = fpEnv(ctl);
    return softFromInt(x, spec & 0x200 ? 64 : 32, (spec & 0x100) !== 0, spec & 0xff, f, env.rmode, env);
  });

const ZERO_V = new Array<number>(16).fill(0);
/** Hn as an i64 (zero-extended 16 bits). */
export function readHalf(e: Emitter, n: number): Val {
  return e.extendU(e.op('i16x8.extract_lane_u', [e.v(n)], 0));
}
/** Write a half (low 16 bits of an i64) to Hd, clearing the rest of Vd. */
export function writeHalf(e: Emitter, d: number, b: Val): void {
  e.setV(d, e.op('i16x8.replace_lane', [e.v128(ZERO_V), e.wrap(b)], 0));
}
