// Scalar FP conversions and rounding: FCVT between H/S/D, FRINT*, FRINT32/64*, FCVT[NPMZA][SU]
// (integer and fixed-point), SCVTF/UCVTF, FJCVTZS and FMOV to and from general registers.
// Float-to-integer conversions round in the float domain (exact: results are integral), then
// saturate with wasm's trunc_sat, which also maps NaN to 0 as AArch64 does.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { helper } from '../helpers.js';
import { fpType, xr } from '../disasm.js';
import { insn } from '../insn.js';
import {
  bitsOf, DOUBLE, fixNaN, floatOf, flushIn, fpcrDN, fpcrRMode, fpFast, fpRoundInt, fpTypeOf, readScalar, roundAway, SINGLE,
  softCtl, writeScalar, type FpType,
} from './fp-common.js';
import { CODE_H, readHalf, SOFT_CONVERT, SOFT_FROM_INT, SOFT_ROUNDINT, SOFT_TO_INT, writeHalf } from './fp-half.js';

const fconst = (e: Emitter, t: FpType, n: number): Val => (t.f === 'f32' ? e.f32(n) : e.f64(n));

/** Read an FP operand of type ftype as i64 bits (for the soft helpers). */
function readBits(e: Emitter, ftype: number, n: number): Val {
  if (ftype === 3) return readHalf(e, n);
  const t = fpTypeOf(ftype)!;
  const b = bitsOf(e, t, readScalar(e, t, n));
  return t.i === 'i32' ? e.extendU(b) : b;
}
function writeBits(e: Emitter, ftype: number, d: number, b: Val): void {
  if (ftype === 3) return writeHalf(e, d, b);
  const t = fpTypeOf(ftype)!;
  writeScalar(e, t, d, floatOf(e, t, t.i === 'i32' ? e.wrap(b) : b));
}
const CODE = [1, 2, 0, 0]; // ftype → format code of the soft helpers

// ---------------------------------------------------------------- FCVT between precisions
/** FCVT: ftype is the source, opc the destination (0 S, 1 D, 3 H). */
export const FCVT = insn({
  pattern: '000 11110 ftype:2 1 0001 opc:2 10000 rn:5 rd:5',
  asm(a) {
    if (a.ftype === 2 || a.opc === 2 || a.ftype === a.opc) return null;
    return `fcvt ${fpType(a.rd, a.opc)}, ${fpType(a.rn, a.ftype)}`;
  },
  sem(e, a) {
    if (a.ftype === 2 || a.opc === 2 || a.ftype === a.opc) return e.trap(Trap.Undefined);
    if (a.ftype === 0 && a.opc === 1) {
      // Widening is exact: only NaNs (payload moves up, quieted) and FZ need care.
      const x = readScalar(e, SINGLE, a.rn);
      const r = fixNaN(e, DOUBLE, e.op('f64.promote_f32', [flushIn(e, SINGLE, x)]), [], () => {
        if (fpcrDN(e)) return floatOf(e, DOUBLE, e.i64(0x7ff8000000000000n));
        const b = e.extendU(bitsOf(e, SINGLE, x));
        const hi = e.shl(e.and(b, e.i64(0x80000000)), e.i64(32));
        return floatOf(e, DOUBLE, e.or(e.or(hi, e.i64(0x7ff8000000000000n)), e.shl(e.and(b, e.i64(0x7fffff)), e.i64(29))));
      });
      return writeScalar(e, DOUBLE, a.rd, r);
    }
    if (a.ftype === 1 && a.opc === 0 && fpFast(e)) {
      const x = readScalar(e, DOUBLE, a.rn);
      const r = fixNaN(e, SINGLE, e.op('f32.demote_f64', [x]), [], () => {
        if (fpcrDN(e)) return floatOf(e, SINGLE, e.i32(0x7fc00000));
        const b = bitsOf(e, DOUBLE, x);
        const s = e.and(e.shrU(b, e.i64(32)), e.i64(0x80000000));
        return floatOf(e, SINGLE, e.wrap(e.or(e.or(s, e.i64(0x7fc00000)), e.and(e.shrU(b, e.i64(29)), e.i64(0x7fffff)))));
      });
      return writeScalar(e, SINGLE, a.rd, r);
    }
    const r = e.call(SOFT_CONVERT, [readBits(e, a.ftype, a.rn), e.i32(CODE[a.ftype]), e.i32(softCtl(e, CODE[a.opc]))]);
    writeBits(e, a.opc, a.rd, r);
  },
});

// ---------------------------------------------------------------- FRINT*
/** FRINTN FRINTP FRINTM FRINTZ FRINTA FRINTX FRINTI (op 5 is unallocated). */
export const FRINT = insn({
  pattern: '000 11110 ftype:2 1 001 op:3 10000 rn:5 rd:5',
  asm(a) {
    const rd = fpType(a.rd, a.ftype);
    return rd && a.op !== 5 ? `frint${'npmza-xi'[a.op]} ${rd}, ${fpType(a.rn, a.ftype)}` : null;
  },
  sem(e, a) {
    if (a.ftype === 2 || a.op === 5) return e.trap(Trap.Undefined);
    // op: 0 N, 1 P, 2 M, 3 Z, 4 A, 6 X (FPCR), 7 I (FPCR).
    const rmode = a.op >= 6 ? -1 : a.op;
    const t = fpTypeOf(a.ftype);
    if (!t) {
      const r = e.call(SOFT_ROUNDINT, [readHalf(e, a.rn), e.i32(rmode < 0 ? fpcrRMode(e) : rmode), e.i32(0), e.i32(softCtl(e, CODE_H))]);
      return writeHalf(e, a.rd, r);
    }
    writeScalar(e, t, a.rd, fpRoundInt(e, t, readScalar(e, t, a.rn), rmode));
  },
});

/** FRINT32Z FRINT32X FRINT64Z FRINT64X: out-of-range, NaN and infinity give -2^(N-1). */
export const FRINT_N = insn({
  pattern: '000 11110 ftype:2 1 0100 n64:1 x:1 10000 rn:5 rd:5',
  asm(a) {
    if (a.ftype > 1) return null;
    return `frint${a.n64 ? 64 : 32}${a.x ? 'x' : 'z'} ${fpType(a.rd, a.ftype)}, ${fpType(a.rn, a.ftype)}`;
  },
  sem(e, a) {
    const t = fpTypeOf(a.ftype);
    if (!t) return e.trap(Trap.Undefined);
    const x = flushIn(e, t, readScalar(e, t, a.rn));
    const rmode = a.x ? fpcrRMode(e) : 3;
    const r = e.op(`${t.f}.${['nearest', 'ceil', 'floor', 'trunc'][rmode]}`, [x]);
    const lim = 2 ** (a.n64 ? 63 : 31);
    const ok = e.op('i32.and', [e.op(`${t.f}.ge`, [r, fconst(e, t, -lim)]), e.op(`${t.f}.lt`, [r, fconst(e, t, lim)])]);
    writeScalar(e, t, a.rd, e.select(ok, r, fconst(e, t, -lim)));
  },
});

// ---------------------------------------------------------------- float → integer
/** Round x (S/D) with rmode 0-4 and convert with saturation; result i64 (zero-extended for W). */
function toIntFast(e: Emitter, t: FpType, x: Val, rmode: number, unsigned: boolean, sf: number, fbits: number): Val {
  x = flushIn(e, t, x); // FZ: a denormal rounds up to 1 (FCVTPS) unless flushed first
  if (fbits) x = e.op(`${t.f}.mul`, [x, fconst(e, t, 2 ** fbits)]);
  switch (rmode) {
    case 0: x = e.op(`${t.f}.nearest`, [x]); break;
    case 1: x = e.op(`${t.f}.ceil`, [x]); break;
    case 2: x = e.op(`${t.f}.floor`, [x]); break;
    case 4: x = roundAway(e, t, x); break;
    default: break; // trunc_sat truncates
  }
  const r = e.op(`${sf ? 'i64' : 'i32'}.trunc_sat_${t.f}_${unsigned ? 'u' : 's'}`, [x]);
  return sf ? r : e.extendU(r);
}

function toInt(e: Emitter, ftype: number, rn: number, rmode: number, unsigned: boolean, sf: number, fbits: number): Val {
  const t = fpTypeOf(ftype);
  if (t) return toIntFast(e, t, readScalar(e, t, rn), rmode, unsigned, sf, fbits);
  const spec = fbits | (unsigned ? 0x100 : 0) | (sf ? 0x200 : 0) | (rmode << 10);
  return e.call(SOFT_TO_INT, [readHalf(e, rn), e.i32(spec), e.i32(softCtl(e, CODE_H))]);
}

// ---------------------------------------------------------------- integer → float
function fromInt(e: Emitter, ftype: number, rd: number, x: Val, unsigned: boolean, sf: number, fbits: number): void {
  const t = fpTypeOf(ftype);
  // i32 → f64 is always exact, so any rounding mode can use wasm.
  const exact = t === DOUBLE && !sf;
  if (t && (fpcrRMode(e) === 0 || exact)) {
    const src = sf ? x : e.wrap(x);
    let r = e.op(`${t.f}.convert_${sf ? 'i64' : 'i32'}_${unsigned ? 'u' : 's'}`, [src]);
    // Scaling by 2^-fbits is exact: the smallest nonzero result, 2^-64, is a normal number.
    if (fbits) r = e.op(`${t.f}.mul`, [r, fconst(e, t, 2 ** -fbits)]);
    return writeScalar(e, t, rd, r);
  }
  const spec = fbits | (unsigned ? 0x100 : 0) | (sf ? 0x200 : 0);
  writeBits(e, ftype, rd, e.call(SOFT_FROM_INT, [x, e.i32(spec), e.i32(softCtl(e, CODE[ftype]))]));
}

// ---------------------------------------------------------------- FJCVTZS
const JS_TO_INT32 = helper('fp_js_to_int32', ['f64'], 'i32', (x: number) => x | 0);

function fjcvtzs(e: Emitter, rd: number, rn: number): void {
  const x = flushIn(e, DOUBLE, readScalar(e, DOUBLE, rn));
  const r = e.call(JS_TO_INT32, [x]);
  // Z: the conversion was exact (in range, integral) and the input was not -0.
  const exact = e.op('f64.eq', [e.op('f64.convert_i32_s', [r]), x]);
  const negZero = e.op('i64.eq', [bitsOf(e, DOUBLE, x), e.i64(-0x8000000000000000n)]);
  e.setX(rd, e.extendU(r), 0);
  e.setFlags(e.i32(0), e.op('i32.and', [exact, e.op('i32.eqz', [negZero])]), e.i32(0), e.i32(0));
}

// ---------------------------------------------------------------- the two encoding classes
/** Conversion between floating-point and integer, and FMOV to/from general registers. */
export const FP_INT = insn({
  pattern: 'sf:1 00 11110 ftype:2 1 rmode:2 opcode:3 000000 rn:5 rd:5',
  asm(a) {
    const { sf, ftype, rmode, opcode } = a;
    const fr = (n: number) => fpType(n, ftype);
    if (opcode >= 6) {
      const toGp = opcode === 6;
      if (rmode === 3 && ftype === 1 && !sf && toGp) return `fjcvtzs ${xr(a.rd, 0)}, ${fr(a.rn)}`;
      if (rmode === 1 && ftype === 2 && sf) return toGp ? `fmov ${xr(a.rd)}, v${a.rn}.d[1]` : `fmov v${a.rd}.d[1], ${xr(a.rn)}`;
      if (rmode !== 0 || !(ftype === 3 || (ftype === 0 && !sf) || (ftype === 1 && sf))) return null;
      return toGp ? `fmov ${xr(a.rd, sf)}, ${fr(a.rn)}` : `fmov ${fr(a.rd)}, ${xr(a.rn, sf)}`;
    }
    if (ftype === 2) return null;
    if (opcode <= 1) return `fcvt${'npmz'[rmode]}${opcode ? 'u' : 's'} ${xr(a.rd, sf)}, ${fr(a.rn)}`;
    if (rmode !== 0) return null;
    if (opcode <= 3) return `${opcode === 3 ? 'u' : 's'}cvtf ${fr(a.rd)}, ${xr(a.rn, sf)}`;
    return `fcvta${opcode === 5 ? 'u' : 's'} ${xr(a.rd, sf)}, ${fr(a.rn)}`;
  },
  sem(e, a) {
    const { sf, ftype, rmode, opcode } = a;
    if (opcode >= 6) return fmovGeneral(e, a);
    if (ftype === 2) return e.trap(Trap.Undefined);
    if (opcode <= 1) return e.setX(a.rd, toInt(e, ftype, a.rn, rmode, opcode === 1, sf, 0), sf);
    if (rmode !== 0) return e.trap(Trap.Undefined);
    if (opcode <= 3) return fromInt(e, ftype, a.rd, e.x(a.rn, sf), opcode === 3, sf, 0);
    e.setX(a.rd, toInt(e, ftype, a.rn, 4, opcode === 5, sf, 0), sf); // FCVTAS, FCVTAU
  },
});

const ZERO_V = new Array<number>(16).fill(0);

function fmovGeneral(e: Emitter, a: Record<string, number>): void {
  const { sf, ftype, rmode, opcode } = a;
  const toGp = opcode === 6;
  if (rmode === 3 && ftype === 1 && !sf && toGp) return fjcvtzs(e, a.rd, a.rn);
  if (rmode === 1 && ftype === 2 && sf) {
    // FMOV Xd, Vn.D[1] / FMOV Vd.D[1], Xn (the low half is kept).
    if (toGp) return e.setX(a.rd, e.op('i64x2.extract_lane', [e.v(a.rn)], 1));
    return e.setV(a.rd, e.op('i64x2.replace_lane', [e.v(a.rd), e.x(a.rn)], 1));
  }
  if (rmode !== 0 || !(ftype === 3 || (ftype === 0 && !sf) || (ftype === 1 && sf))) return e.trap(Trap.Undefined);
  if (toGp) {
    let r: Val;
    if (ftype === 3) r = readHalf(e, a.rn);
    else if (ftype === 0) r = e.extendU(e.op('i32x4.extract_lane', [e.v(a.rn)], 0));
    else r = e.op('i64x2.extract_lane', [e.v(a.rn)], 0);
    return e.setX(a.rd, r, sf);
  }
  const x = e.x(a.rn, sf);
  if (ftype === 3) return writeHalf(e, a.rd, x);
  if (ftype === 0) return e.setV(a.rd, e.op('i32x4.replace_lane', [e.v128(ZERO_V), e.wrap(x)], 0));
  e.setV(a.rd, e.op('i64x2.replace_lane', [e.v128(ZERO_V), x], 0));
}

/** Conversion between floating-point and fixed-point: FCVTZS/FCVTZU/SCVTF/UCVTF #fbits. */
export const FP_FIXED = insn({
  pattern: 'sf:1 00 11110 ftype:2 0 rmode:2 opcode:3 scale:6 rn:5 rd:5',
  asm(a) {
    const { sf, ftype, rmode, opcode } = a;
    if (ftype === 2 || (!sf && a.scale < 32)) return null;
    const fbits = 64 - a.scale;
    const fr = (n: number) => fpType(n, ftype);
    if (opcode <= 1 && rmode === 3) return `fcvtz${opcode ? 'u' : 's'} ${xr(a.rd, sf)}, ${fr(a.rn)}, #${fbits}`;
    if ((opcode === 2 || opcode === 3) && rmode === 0) return `${opcode === 3 ? 'u' : 's'}cvtf ${fr(a.rd)}, ${xr(a.rn, sf)}, #${fbits}`;
    return null;
  },
  sem(e, a) {
    const { sf, ftype, rmode, opcode } = a;
    if (ftype === 2 || (!sf && a.scale < 32)) return e.trap(Trap.Undefined);
    const fbits = 64 - a.scale;
    if (opcode <= 1 && rmode === 3) return e.setX(a.rd, toInt(e, ftype, a.rn, 3, opcode === 1, sf, fbits), sf);
    if ((opcode === 2 || opcode === 3) && rmode === 0) return fromInt(e, ftype, a.rd, e.x(a.rn, sf), opcode === 3, sf, fbits);
    e.trap(Trap.Undefined);
  },
});
