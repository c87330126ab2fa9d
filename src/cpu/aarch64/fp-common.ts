// Shared floating-point machinery for the scalar (fp*.ts) and vector (simd-fp*.ts) groups:
// AArch64 NaN rules on top of wasm arithmetic, FPCR modes, fused multiply-add, and the exact
// software fallback used when FPCR asks for something wasm cannot do.
//
// The fast path is plain wasm f32/f64 arithmetic, which is correctly rounded to nearest-even but
// free to return any NaN. So every NaN result is replaced on a cold branch by the NaN AArch64
// would produce (nanResult): the first signalling NaN operand quieted, else the first quiet NaN
// operand, else the default NaN (0x7fc00000 / 0x7ff8000000000000); with FPCR.DN always the
// default NaN. When the block was translated with FPCR.FZ set or a rounding mode other than
// nearest (e.fpcrMode is a translation-time constant), the operation instead calls the exact
// BigInt implementation in fp-soft.ts with the raw bits.
//
// All functions take and return scalar float Vals ('f32' / 'f64') unless said otherwise; the
// vector engineer can apply them lane by lane. Signatures here are meant to stay stable.
import type { Emitter, Val } from '../emitter.js';
import { helper } from '../helpers.js';
import { fma64 } from './fp-fma.js';
import { SOFT_BINARY, SOFT_MULADD, SOFT_SQRT } from './fp-half.js';
import { FP16, FP32, FP64, FPCR_DN, FPCR_FZ, OP_MAX, OP_MAXNM, OP_MIN, OP_MINNM, OP_NMUL, type FpFormat } from './fp-soft.js';

export { fma64 } from './fp-fma.js';
/**
 * The exact software helpers (registered once; call with e.call). All take raw bits as i64
 * (zero-extended) and `ctl` = FPCR mode bits | format code (0 half, 1 single, 2 double), see
 * softCtl, and return i64 bits: SOFT_BINARY(op OP_*, a, b, ctl), SOFT_MULADD(addend, op1, op2,
 * ctl), SOFT_SQRT(a, ctl), SOFT_COMPARE(a, b, ctl) → i32 NZCV in bits 3:0,
 * SOFT_ROUNDINT(a, rmode, isize 0/32/64, ctl), SOFT_CONVERT(a, fromCode, ctl of the target),
 * SOFT_TO_INT(a, spec, ctl), SOFT_FROM_INT(x, spec, ctl) (spec layouts in fp-half.ts).
 */
export {
  SOFT_BINARY, SOFT_COMPARE, SOFT_CONVERT, SOFT_FROM_INT, SOFT_MULADD, SOFT_ROUNDINT, SOFT_SQRT, SOFT_TO_INT,
} from './fp-half.js';
export {
  FP16, FP32, FP64, RA, RM, RN, RP, RZ, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAX, OP_MIN, OP_MAXNM, OP_MINNM, OP_NMUL,
  type FpFormat,
} from './fp-soft.js';

/** A scalar FP type as wasm sees it. */
export interface FpType {
  readonly fmt: FpFormat;
  /** wasm float type and same-width integer type. */
  readonly f: 'f32' | 'f64';
  readonly i: 'i32' | 'i64';
  /** 1 = single, 2 = double (the code soft helpers receive in the low bits of `ctl`). */
  readonly code: number;
}
export const SINGLE: FpType = { fmt: FP32, f: 'f32', i: 'i32', code: 1 };
export const DOUBLE: FpType = { fmt: FP64, f: 'f64', i: 'i64', code: 2 };

/** The A64 `ftype` field: 0 single, 1 double (3 = half is handled separately). */
export function fpTypeOf(ftype: number): FpType | null {
  return ftype === 0 ? SINGLE : ftype === 1 ? DOUBLE : null;
}

const FORMATS: FpFormat[] = [FP16, FP32, FP64];

// ---------------------------------------------------------------- FPCR at translation time
/** FPCR.DN: NaN results are the default NaN. */
export const fpcrDN = (e: Emitter): boolean => (e.fpcrMode & FPCR_DN) !== 0;
/** FPCR.FZ: denormal single/double inputs and outputs are flushed to zero. */
export const fpcrFZ = (e: Emitter): boolean => (e.fpcrMode & FPCR_FZ) !== 0;
/** FPCR.RMode (0 nearest, 1 +inf, 2 -inf, 3 zero). */
export const fpcrRMode = (e: Emitter): number => (e.fpcrMode >>> 22) & 3;
/** Whether rounding arithmetic may use wasm directly (nearest-even, no flushing). */
export const fpFast = (e: Emitter): boolean => !fpcrFZ(e) && fpcrRMode(e) === 0;
/** `ctl` argument of the soft helpers: the FPCR mode bits plus the format code. */
export const softCtl = (e: Emitter, t: FpType | number): number => e.fpcrMode | (typeof t === 'number' ? t : t.code);
export const ctlFormat = (ctl: number): FpFormat => FORMATS[ctl & 3] ?? FP16;

// ---------------------------------------------------------------- bits and constants
function fmtConst(e: Emitter, t: FpType, bits: bigint): Val {
  return t.i === 'i32' ? e.i32(Number(BigInt.asIntN(32, bits))) : e.i64(bits);
}
export const bitsOf = (e: Emitter, t: FpType, x: Val): Val => e.op(`${t.i}.reinterpret_${t.f}`, [x]);
export const floatOf = (e: Emitter, t: FpType, b: Val): Val => e.op(`${t.f}.reinterpret_${t.i}`, [b]);
const absMask = (t: FpType) => (1n << BigInt(t.fmt.bits - 1)) - 1n;
const infB = (t: FpType) => ((1n << BigInt(t.fmt.ebits)) - 1n) << BigInt(t.fmt.mbits);
const qBit = (t: FpType) => 1n << BigInt(t.fmt.mbits - 1);
const signB = (t: FpType) => 1n << BigInt(t.fmt.bits - 1);
/** Default NaN bits of a format (positive, quiet, zero payload). */
export const defaultNaNBits = (t: FpType): bigint => infB(t) | qBit(t);

/** i32 0/1: the bit pattern is any NaN. */
export function isNaNBits(e: Emitter, t: FpType, b: Val): Val {
  return e.op(`${t.i}.gt_u`, [e.op(`${t.i}.and`, [b, fmtConst(e, t, absMask(t))]), fmtConst(e, t, infB(t))]);
}
/** i32 0/1: the bit pattern is a signalling NaN. */
export function isSNaNBits(e: Emitter, t: FpType, b: Val): Val {
  const quiet = e.op(`${t.i}.ne`, [e.op(`${t.i}.and`, [b, fmtConst(e, t, qBit(t))]), fmtConst(e, t, 0n)]);
  return e.op('i32.and', [isNaNBits(e, t, b), e.op('i32.eqz', [quiet])]);
}
/** i32 0/1: x (float) is a NaN. */
export const isNaN = (e: Emitter, t: FpType, x: Val): Val => e.op(`${t.f}.ne`, [x, x]);

/**
 * The NaN AArch64 returns for an operation on `ops` (floats, in the Arm pseudocode's operand
 * order) that produced a NaN: FPProcessNaNs, or the default NaN for an invalid operation or under
 * FPCR.DN. Emit only on a path where the result is known to be NaN.
 */
export function nanResult(e: Emitter, t: FpType, ops: Val[]): Val {
  if (fpcrDN(e)) return floatOf(e, t, fmtConst(e, t, defaultNaNBits(t)));
  const bits = ops.map((x) => bitsOf(e, t, x));
  const q = fmtConst(e, t, qBit(t));
  let r = fmtConst(e, t, defaultNaNBits(t));
  for (let i = bits.length - 1; i >= 0; i--) r = e.select(isNaNBits(e, t, bits[i]), e.op(`${t.i}.or`, [bits[i], q]), r);
  for (let i = bits.length - 1; i >= 0; i--) r = e.select(isSNaNBits(e, t, bits[i]), e.op(`${t.i}.or`, [bits[i], q]), r);
  return floatOf(e, t, r);
}

/** r (a wasm result) with a NaN replaced by the AArch64 NaN of `ops`. Returns a local. */
export function fixNaN(e: Emitter, t: FpType, r: Val, ops: Val[], nan: () => Val = () => nanResult(e, t, ops)): Val {
  const out = e.local(t.f, r);
  e.if(isNaN(e, t, r), () => e.assign(out, nan()));
  return out;
}

/** Flush a denormal to a zero of the same sign when FPCR.FZ is set (identity otherwise). */
export function flushIn(e: Emitter, t: FpType, x: Val): Val {
  if (!fpcrFZ(e)) return x;
  const b = bitsOf(e, t, x);
  const expZero = e.op(`${t.i}.eqz`, [e.op(`${t.i}.and`, [b, fmtConst(e, t, infB(t))])]);
  return floatOf(e, t, e.select(expZero, e.op(`${t.i}.and`, [b, fmtConst(e, t, signB(t))]), b));
}

// ---------------------------------------------------------------- soft fallback plumbing
const toI64 = (e: Emitter, t: FpType, x: Val): Val => (t.f === 'f64' ? bitsOf(e, t, x) : e.extendU(bitsOf(e, t, x)));
const fromI64 = (e: Emitter, t: FpType, b: Val): Val => (t.f === 'f64' ? floatOf(e, t, b) : floatOf(e, t, e.wrap(b)));

const FMA64 = helper('fp_fma64', ['f64', 'f64', 'f64'], 'f64', fma64);

// ---------------------------------------------------------------- operations
const WASM_BINARY: Record<number, string> = { 0: 'add', 1: 'sub', 2: 'mul', 3: 'div', 4: 'max', 5: 'min' };

/**
 * FADD/FSUB/FMUL/FDIV/FMAX/FMIN/FMAXNM/FMINNM/FNMUL (op = OP_*) with the AArch64 NaN rules and
 * the block's FPCR. Min/max order -0 below +0; the NM forms return the number when exactly one
 * operand is a quiet NaN.
 */
export function fpBinary(e: Emitter, t: FpType, op: number, a: Val, b: Val): Val {
  const isMinMax = op >= OP_MAX && op <= OP_MINNM;
  if (!(isMinMax ? !fpcrFZ(e) : fpFast(e))) {
    return fromI64(e, t, e.call(SOFT_BINARY, [e.i32(op), toI64(e, t, a), toI64(e, t, b), e.i32(softCtl(e, t))]));
  }
  return fpBinaryFast(e, t, op, a, b);
}

function isQNaN(e: Emitter, t: FpType, x: Val): Val {
  return e.op('i32.and', [isNaN(e, t, x), e.op('i32.eqz', [isSNaNBits(e, t, bitsOf(e, t, x))])]);
}

function fpBinaryFast(e: Emitter, t: FpType, op: number, a: Val, b: Val): Val {
  if (op === OP_MAXNM || op === OP_MINNM) {
    // A lone quiet NaN becomes the infinity that loses (FPMaxNum/FPMinNum).
    const loser = t.f === 'f32' ? e.f32(op === OP_MAXNM ? -Infinity : Infinity) : e.f64(op === OP_MAXNM ? -Infinity : Infinity);
    const aq = isQNaN(e, t, a), bq = isQNaN(e, t, b);
    const a2 = e.select(e.op('i32.and', [aq, e.op('i32.eqz', [bq])]), loser, a);
    const b2 = e.select(e.op('i32.and', [bq, e.op('i32.eqz', [aq])]), loser, b);
    return fpBinaryFast(e, t, op === OP_MAXNM ? OP_MAX : OP_MIN, a2, b2);
  }
  if (op === OP_NMUL) return e.op(`${t.f}.neg`, [fpBinaryFast(e, t, 2, a, b)]);
  const r = e.op(`${t.f}.${WASM_BINARY[op]}`, [a, b]);
  return fixNaN(e, t, r, [a, b]);
}

/** FSQRT. */
export function fpSqrt(e: Emitter, t: FpType, a: Val): Val {
  if (!fpFast(e)) return fromI64(e, t, e.call(SOFT_SQRT, [toI64(e, t, a), e.i32(softCtl(e, t))]));
  return fixNaN(e, t, e.op(`${t.f}.sqrt`, [a]), [a]);
}

/**
 * FPMulAdd: addend + op1*op2 with a single rounding (FMADD; FMSUB, FNMADD, FNMSUB negate
 * operands first with `${f}.neg`, which flips NaN signs as the Arm pseudocode does). An infinity
 * times zero gives the default NaN even when the addend is a quiet NaN.
 */
export function fpMulAdd(e: Emitter, t: FpType, addend: Val, op1: Val, op2: Val): Val {
  if (!fpFast(e)) {
    return fromI64(e, t, e.call(SOFT_MULADD, [toI64(e, t, addend), toI64(e, t, op1), toI64(e, t, op2), e.i32(softCtl(e, t))]));
  }
  const r = t.f === 'f64' ? emitFma64(e, addend, op1, op2) : emitFma32(e, addend, op1, op2);
  return fixNaN(e, t, r, [addend, op1, op2], () => {
    const nan = nanResult(e, t, [addend, op1, op2]);
    const inf = (x: Val) => e.op(`${t.f}.eq`, [e.op(`${t.f}.abs`, [x]), t.f === 'f32' ? e.f32(Infinity) : e.f64(Infinity)]);
    const zero = (x: Val) => e.op(`${t.f}.eq`, [x, t.f === 'f32' ? e.f32(0) : e.f64(0)]);
    const infzero = e.op('i32.or', [e.op('i32.and', [inf(op1), zero(op2)]), e.op('i32.and', [zero(op1), inf(op2)])]);
    const dflt = floatOf(e, t, fmtConst(e, t, defaultNaNBits(t)));
    return e.select(e.op('i32.and', [infzero, isQNaN(e, t, addend)]), dflt, nan);
  });
}

/**
 * addend + op1*op2 in binary64, rounded once to nearest: fp-fma.ts's fma64 algorithm inlined
 * (exact product by Veltkamp/Dekker splitting, TwoSum, round-to-odd of the tail), with a call to
 * fma64 itself when an operand or the result is outside the range where that is proven exact
 * (which includes every zero, infinity and NaN operand). NaN results are not fixed here.
 */
export function emitFma64(e: Emitter, addend: Val, op1: Val, op2: Val): Val {
  const f = (name: string, ...args: Val[]) => e.op(`f64.${name}`, args);
  const split = (x: Val): [Val, Val] => {
    const t = f('mul', e.f64(134217729), x);
    const hi = f('sub', t, f('sub', t, x));
    return [hi, f('sub', x, hi)];
  };
  const twoSum = (x: Val, y: Val): [Val, Val] => {
    const s = f('add', x, y);
    const bb = f('sub', s, x);
    return [s, f('add', f('sub', x, f('sub', s, bb)), f('sub', y, bb))];
  };
  const p = f('mul', op1, op2);
  const [ah, al] = split(op1);
  const [bh, bl] = split(op2);
  const err = f('add', f('add', f('add', f('sub', f('mul', ah, bh), p), f('mul', ah, bl)), f('mul', al, bh)), f('mul', al, bl));
  const [th, tl] = twoSum(addend, p);
  const [s, serr] = twoSum(tl, err);
  // Round s to odd: if inexact with an even last bit, step one ulp towards the error.
  const sb = e.op('i64.reinterpret_f64', [s]);
  const inexact = f('ne', serr, e.f64(0));
  const even = e.op('i64.eqz', [e.and(sb, e.i64(1))]);
  const away = e.op('i64.ge_s', [e.xor(sb, e.op('i64.reinterpret_f64', [serr])), e.i64(0)]);
  const step = e.select(e.op('i32.and', [inexact, even]), e.select(away, e.i64(1), e.i64(-1)), e.i64(0));
  const z = f('add', th, e.op('f64.reinterpret_i64', [e.add(sb, step)]));
  const lt = (x: Val, k: number) => f('lt', f('abs', x), e.f64(k));
  const gt = (x: Val, k: number) => f('gt', f('abs', x), e.f64(k));
  const and = (...v: Val[]) => v.reduce((x, y) => e.op('i32.and', [x, y]));
  const ok = and(lt(op1, 2 ** 995), lt(op2, 2 ** 995), gt(p, 2 ** -900), lt(p, 2 ** 1000), lt(addend, 2 ** 1000), gt(z, 2 ** -960));
  const out = e.local('f64', z);
  e.if(e.op('i32.eqz', [ok]), () => e.assign(out, e.call(FMA64, [op1, op2, addend])));
  return out;
}

/** addend + op1*op2 in binary32, rounded once to nearest (see fp-fma.ts for why this is exact).
 *  NaN results are not fixed here. */
export function emitFma32(e: Emitter, addend: Val, op1: Val, op2: Val): Val {
  const p = e.op('f64.mul', [e.op('f64.promote_f32', [op1]), e.op('f64.promote_f32', [op2])]);
  const c = e.op('f64.promote_f32', [addend]);
  const s = e.op('f64.add', [p, c]);
  const bb = e.op('f64.sub', [s, p]);
  const err = e.op('f64.add', [e.op('f64.sub', [p, e.op('f64.sub', [s, bb])]), e.op('f64.sub', [c, bb])]);
  const sb = e.op('i64.reinterpret_f64', [s]);
  const inexact = e.op('f64.gt', [e.op('f64.abs', [err]), e.f64(0)]);
  const even = e.op('i64.eqz', [e.and(sb, e.i64(1))]);
  const away = e.op('i64.ge_s', [e.xor(sb, e.op('i64.reinterpret_f64', [err])), e.i64(0)]);
  const step = e.select(e.op('i32.and', [inexact, even]), e.select(away, e.i64(1), e.i64(-1)), e.i64(0));
  return e.op('f32.demote_f64', [e.op('f64.reinterpret_i64', [e.add(sb, step)])]);
}

/** FCMP/FCMPE: [n, z, c, v] as i32 0/1 (unordered is 0011). */
export function fpCompare(e: Emitter, t: FpType, a: Val, b: Val): [Val, Val, Val, Val] {
  a = flushIn(e, t, a);
  b = flushIn(e, t, b);
  const lt = e.op(`${t.f}.lt`, [a, b]);
  const eq = e.op(`${t.f}.eq`, [a, b]);
  const un = e.op('i32.or', [isNaN(e, t, a), isNaN(e, t, b)]);
  return [lt, eq, e.op('i32.eqz', [lt]), un];
}

/**
 * FPRoundInt (FRINT*): rmode is RN/RP/RM/RZ/RA, or -1 for the FPCR mode (FRINTI, FRINTX).
 * Integral results are exact, so only FZ needs care: denormal inputs are flushed first.
 */
export function fpRoundInt(e: Emitter, t: FpType, a: Val, rmode: number): Val {
  if (rmode < 0) rmode = fpcrRMode(e);
  const x = flushIn(e, t, a);
  let r: Val;
  switch (rmode) {
    case 0: r = e.op(`${t.f}.nearest`, [x]); break;
    case 1: r = e.op(`${t.f}.ceil`, [x]); break;
    case 2: r = e.op(`${t.f}.floor`, [x]); break;
    case 3: r = e.op(`${t.f}.trunc`, [x]); break;
    default: r = roundAway(e, t, x);
  }
  return fixNaN(e, t, r, [a]);
}

/** Round to integral, ties away from zero (FRINTA, FCVTAS): trunc, then step away when the
 *  discarded fraction (exact) is at least one half. */
export function roundAway(e: Emitter, t: FpType, x: Val): Val {
  const c = (n: number) => (t.f === 'f32' ? e.f32(n) : e.f64(n));
  const tr = e.op(`${t.f}.trunc`, [x]);
  const frac = e.op(`${t.f}.abs`, [e.op(`${t.f}.sub`, [x, tr])]);
  const stepped = e.op(`${t.f}.add`, [tr, e.op(`${t.f}.copysign`, [c(1), x])]);
  return e.select(e.op(`${t.f}.ge`, [frac, c(0.5)]), stepped, tr);
}

// ---------------------------------------------------------------- register access
const ZERO_V = new Array<number>(16).fill(0);
/** Read the scalar in the low lane of Vn. */
export function readScalar(e: Emitter, t: FpType, n: number): Val {
  return e.op(t.f === 'f32' ? 'f32x4.extract_lane' : 'f64x2.extract_lane', [e.v(n)], 0);
}
/** Write a scalar to Vd, clearing the rest of the register. */
export function writeScalar(e: Emitter, t: FpType, d: number, x: Val): void {
  e.setV(d, e.op(t.f === 'f32' ? 'f32x4.replace_lane' : 'f64x2.replace_lane', [e.v128(ZERO_V), x], 0));
}
