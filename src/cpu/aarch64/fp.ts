// Scalar floating point: arithmetic, fused multiply-add, compares, selects, moves. Conversions
// and rounding live in fp-cvt.ts; the shared machinery (NaN rules, FPCR, FMA) in fp-common.ts.
// ftype: 0 single, 1 double, 3 half (FEAT_FP16, through the software path), 2 unallocated.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { COND, fpImm, fpType, hex } from '../disasm.js';
import { insn } from '../insn.js';
import { condHolds } from './common.js';
import {
  fpBinary, fpCompare, fpMulAdd, fpSqrt, fpTypeOf, readScalar, softCtl, writeScalar,
} from './fp-common.js';
import { CODE_H, readHalf, SOFT_BINARY, SOFT_COMPARE, SOFT_MULADD, SOFT_SQRT as SOFT_SQRT_H, writeHalf } from './fp-half.js';

export * from './fp-cvt.js';

const BYTES = [4, 8, 0, 2];
/** A v128 mask keeping the low `bytes` bytes (keepSign = false also clears the sign bit). */
function lowMask(bytes: number, keepSign = true): number[] {
  const m = new Array<number>(16).fill(0);
  for (let i = 0; i < bytes; i++) m[i] = 0xff;
  if (!keepSign) m[bytes - 1] = 0x7f;
  return m;
}
function signMask(bytes: number): number[] {
  const m = new Array<number>(16).fill(0);
  m[bytes - 1] = 0x80;
  return m;
}

/** FMOV (register), FABS, FNEG, FSQRT (the bit-pattern ones work for every size). */
export const FP_1SRC_BASIC = insn({
  pattern: '000 11110 ftype:2 1 0000 opc:2 10000 rn:5 rd:5',
  asm(a) {
    const rd = fpType(a.rd, a.ftype);
    return rd && `${['fmov', 'fabs', 'fneg', 'fsqrt'][a.opc]} ${rd}, ${fpType(a.rn, a.ftype)}`;
  },
  sem(e, a) {
    const bytes = BYTES[a.ftype];
    if (!bytes) return e.trap(Trap.Undefined);
    const vn = e.v(a.rn);
    switch (a.opc) {
      case 0: e.setV(a.rd, e.op('v128.and', [vn, e.v128(lowMask(bytes))])); break;
      case 1: e.setV(a.rd, e.op('v128.and', [vn, e.v128(lowMask(bytes, false))])); break;
      case 2: e.setV(a.rd, e.op('v128.xor', [e.op('v128.and', [vn, e.v128(lowMask(bytes))]), e.v128(signMask(bytes))])); break;
      default: {
        const t = fpTypeOf(a.ftype);
        if (!t) return writeHalf(e, a.rd, e.call(SOFT_SQRT_H, [readHalf(e, a.rn), e.i32(softCtl(e, CODE_H))]));
        writeScalar(e, t, a.rd, fpSqrt(e, t, readScalar(e, t, a.rn)));
      }
    }
  },
});

/** FMUL FDIV FADD FSUB FMAX FMIN FMAXNM FMINNM FNMUL. */
export const FP_2SRC = insn({
  pattern: '000 11110 ftype:2 1 rm:5 opcode:4 10 rn:5 rd:5',
  asm(a) {
    const rd = fpType(a.rd, a.ftype);
    if (!rd || a.opcode > 8) return null;
    const name = ['fmul', 'fdiv', 'fadd', 'fsub', 'fmax', 'fmin', 'fmaxnm', 'fminnm', 'fnmul'][a.opcode];
    return `${name} ${rd}, ${fpType(a.rn, a.ftype)}, ${fpType(a.rm, a.ftype)}`;
  },
  sem(e, a) {
    if (a.opcode > 8 || a.ftype === 2) return e.trap(Trap.Undefined);
    const t = fpTypeOf(a.ftype);
    // Encoding order (mul, div, add, sub, max, min, maxnm, minnm, nmul) to OP_* codes.
    const op = [2, 3, 0, 1, 4, 5, 6, 7, 8][a.opcode];
    if (!t) {
      const r = e.call(SOFT_BINARY, [e.i32(op), readHalf(e, a.rn), readHalf(e, a.rm), e.i32(softCtl(e, CODE_H))]);
      return writeHalf(e, a.rd, r);
    }
    writeScalar(e, t, a.rd, fpBinary(e, t, op, readScalar(e, t, a.rn), readScalar(e, t, a.rm)));
  },
});

/** FMADD FMSUB FNMADD FNMSUB: Ra + Rn*Rm with negations, one rounding. */
export const FP_3SRC = insn({
  pattern: '000 11111 ftype:2 o1:1 rm:5 o0:1 ra:5 rn:5 rd:5',
  asm(a) {
    const rd = fpType(a.rd, a.ftype);
    const name = ['fmadd', 'fmsub', 'fnmadd', 'fnmsub'][a.o1 * 2 + a.o0];
    return rd && `${name} ${rd}, ${fpType(a.rn, a.ftype)}, ${fpType(a.rm, a.ftype)}, ${fpType(a.ra, a.ftype)}`;
  },
  sem(e, a) {
    if (a.ftype === 2) return e.trap(Trap.Undefined);
    const t = fpTypeOf(a.ftype);
    // FMSUB: -n; FNMADD: -a, -n; FNMSUB: -a. Negation flips the sign of NaNs too.
    const negA = a.o1 === 1;
    const negN = a.o0 !== a.o1;
    if (!t) {
      const flip = (v: Val, neg: boolean) => (neg ? e.xor(v, e.i64(0x8000)) : v);
      const r = e.call(SOFT_MULADD, [flip(readHalf(e, a.ra), negA), flip(readHalf(e, a.rn), negN), readHalf(e, a.rm),
        e.i32(softCtl(e, CODE_H))]);
      return writeHalf(e, a.rd, r);
    }
    const neg = (v: Val, n: boolean) => (n ? e.op(`${t.f}.neg`, [v]) : v);
    const ra = neg(readScalar(e, t, a.ra), negA);
    const rn = neg(readScalar(e, t, a.rn), negN);
    writeScalar(e, t, a.rd, fpMulAdd(e, t, ra, rn, readScalar(e, t, a.rm)));
  },
});

function compareFlags(e: Emitter, ftype: number, rn: number, rm: number, withZero: boolean): [Val, Val, Val, Val] | null {
  const t = fpTypeOf(ftype);
  if (t) {
    const b = withZero ? (t.f === 'f32' ? e.f32(0) : e.f64(0)) : readScalar(e, t, rm);
    return fpCompare(e, t, readScalar(e, t, rn), b);
  }
  if (ftype !== 3) return null;
  const nzcv = e.call(SOFT_COMPARE, [readHalf(e, rn), withZero ? e.i64(0) : readHalf(e, rm), e.i32(softCtl(e, CODE_H))]);
  const bit = (k: number) => e.op('i32.and', [e.op('i32.shr_u', [nzcv, e.i32(k)]), e.i32(1)]);
  return [bit(3), bit(2), bit(1), bit(0)];
}

/** FCMP, FCMPE (the E forms differ only in exceptions for quiet NaNs), against Rm or #0.0. */
export const FCMP = insn({
  pattern: '000 11110 ftype:2 1 rm:5 00 1000 rn:5 x:1 zero:1 000',
  asm(a) {
    const rn = fpType(a.rn, a.ftype);
    return rn && `fcmp${a.x ? 'e' : ''} ${rn}, ${a.zero ? '#0.0' : fpType(a.rm, a.ftype)}`;
  },
  sem(e, a) {
    const f = compareFlags(e, a.ftype, a.rn, a.rm, a.zero === 1);
    if (!f) return e.trap(Trap.Undefined);
    e.setFlags(...f);
  },
});

/** FCCMP, FCCMPE: compare if cond holds, else set NZCV to the immediate. */
export const FCCMP = insn({
  pattern: '000 11110 ftype:2 1 rm:5 cond:4 01 rn:5 x:1 nzcv:4',
  asm(a) {
    const rn = fpType(a.rn, a.ftype);
    return rn && `fccmp${a.x ? 'e' : ''} ${rn}, ${fpType(a.rm, a.ftype)}, ${hex(a.nzcv)}, ${COND[a.cond]}`;
  },
  sem(e, a) {
    const f = compareFlags(e, a.ftype, a.rn, a.rm, false);
    if (!f) return e.trap(Trap.Undefined);
    const c = condHolds(e, a.cond);
    const imm = (k: number) => e.i32((a.nzcv >> k) & 1);
    e.setFlags(e.select(c, f[0], imm(3)), e.select(c, f[1], imm(2)), e.select(c, f[2], imm(1)), e.select(c, f[3], imm(0)));
  },
});

/** FCSEL. */
export const FCSEL = insn({
  pattern: '000 11110 ftype:2 1 rm:5 cond:4 11 rn:5 rd:5',
  asm(a) {
    const rd = fpType(a.rd, a.ftype);
    return rd && `fcsel ${rd}, ${fpType(a.rn, a.ftype)}, ${fpType(a.rm, a.ftype)}, ${COND[a.cond]}`;
  },
  sem(e, a) {
    const bytes = BYTES[a.ftype];
    if (!bytes) return e.trap(Trap.Undefined);
    const v = e.select(condHolds(e, a.cond), e.v(a.rn), e.v(a.rm));
    e.setV(a.rd, e.op('v128.and', [v, e.v128(lowMask(bytes))]));
  },
});

/** VFPExpandImm: the 8-bit FMOV immediate as the bits of a `bits`-wide float. */
export function expandFpImm(imm8: number, bits: 16 | 32 | 64): bigint {
  const ebits = bits === 16 ? 5 : bits === 32 ? 8 : 11;
  const fbits = bits - ebits - 1;
  const sign = BigInt(imm8 >> 7);
  const b6 = (imm8 >> 6) & 1;
  let exp = BigInt(b6 ^ 1);
  for (let i = 0; i < ebits - 3; i++) exp = (exp << 1n) | BigInt(b6);
  exp = (exp << 2n) | BigInt((imm8 >> 4) & 3);
  const frac = BigInt(imm8 & 15) << BigInt(fbits - 4);
  return (sign << BigInt(bits - 1)) | (exp << BigInt(fbits)) | frac;
}

/** FMOV (scalar, immediate). */
export const FMOV_imm = insn({
  pattern: '000 11110 ftype:2 1 imm8:8 100 00000 rd:5',
  asm(a) {
    const rd = fpType(a.rd, a.ftype);
    // Every FMOV immediate is exact in a double: widen it and print that.
    return rd && `fmov ${rd}, ${fpImm(new Float64Array(new BigUint64Array([expandFpImm(a.imm8, 64)]).buffer)[0])}`;
  },
  sem(e, a) {
    const bits = ([32, 64, 0, 16] as const)[a.ftype];
    if (!bits) return e.trap(Trap.Undefined);
    const v = expandFpImm(a.imm8, bits);
    const bytes = Array.from({ length: 16 }, (_, i) => (i < bits / 8 ? Number((v >> BigInt(8 * i)) & 0xffn) : 0));
    e.setV(a.rd, e.v128(bytes));
  },
});

