// AdvSIMD two-register miscellaneous, FP opcodes only (vector and scalar): compares with zero,
// FABS/FNEG/FSQRT, FRINT*, FCVT*, SCVTF/UCVTF, FCVTL/FCVTN/FCVTXN, FRECPE/FRSQRTE/FRECPX.
// The integer opcodes of these classes (and URECPE/URSQRTE, opcode 11100 with a=1) belong to
// simd-int, so the patterns below leave them out.
import type { Emitter, Val } from '../emitter.js';
import type { Fields } from '../insn.js';
import { vreg } from '../disasm.js';
import { insn } from '../insn.js';
import { arith1, compare, fconst, fty, keep, neg, type Shape } from './simd-fp-common.js';
import {
  doubleToSingle, frint, FPCR_ROUND, fromInt, halfToSingle, singleToDouble, singleToHalf, toInt, type RoundMode,
} from './simd-fp-conv.js';
import { estimate, recpx } from './simd-fp-estimate.js';

const CVT_MODE: Record<number, RoundMode> = { 0x1a: 'n', 0x3a: 'p', 0x1b: 'm', 0x3b: 'z', 0x1c: 'a' };

/** One FP two-register-misc operation; key = a<<5 | opcode. Null when unallocated. */
function misc(e: Emitter, sh: Shape, u: number, key: number, x: Val, scalar: boolean): Val | null {
  const zero = () => fconst(e, sh, 0);
  switch (key) {
    case 0x2c: return compare(e, sh, u ? 'ge' : 'gt', x, zero());
    case 0x2d: return compare(e, sh, u ? 'le' : 'eq', x, zero());
    case 0x2e: return u ? null : compare(e, sh, 'lt', x, zero());
    case 0x2f:
      if (scalar) return null;
      return keep(e, sh.bytes, u ? neg(e, sh, x) : e.op(`${fty(sh)}.abs`, [x]));
    case 0x18: case 0x38: case 0x19: case 0x39: {
      if (scalar) return null;
      const modes: Record<number, RoundMode | 'i' | null> = u
        ? { 0x18: 'a', 0x38: null, 0x19: 'i', 0x39: 'i' } // FRINTA, -, FRINTX, FRINTI
        : { 0x18: 'n', 0x38: 'p', 0x19: 'm', 0x39: 'z' };
      const m = modes[key];
      if (!m) return null;
      return frint(e, sh, x, m === 'i' ? FPCR_ROUND[(e.fpcrMode >> 22) & 3] : m);
    }
    case 0x1a: case 0x3a: case 0x1b: case 0x3b: case 0x1c:
      return toInt(e, sh, x, CVT_MODE[key], u === 1);
    case 0x1d: return fromInt(e, sh, x, u === 1);
    case 0x3d: return estimate(e, sh, x, u === 1);
    case 0x3f:
      if (u) return scalar ? null : arith1(e, sh, 'sqrt', x);
      return scalar ? recpx(e, sh, x) : null;
    default: return null;
  }
}

/** misc()'s operation as objdump prints it (same key; null where misc() is null). */
function miscAsm(f: Fields, key: number, scalar: boolean): string | null {
  const { u } = f;
  let name: string | null = null;
  let zero = false;
  switch (key) {
    case 0x2c: name = u ? 'fcmge' : 'fcmgt'; zero = true; break;
    case 0x2d: name = u ? 'fcmle' : 'fcmeq'; zero = true; break;
    case 0x2e: name = u ? null : 'fcmlt'; zero = true; break;
    case 0x2f: name = scalar ? null : u ? 'fneg' : 'fabs'; break;
    case 0x18: case 0x38: case 0x19: case 0x39:
      name = scalar ? null : ((u ? { 0x18: 'frinta', 0x19: 'frintx', 0x39: 'frinti' } : { 0x18: 'frintn', 0x38: 'frintp', 0x19: 'frintm', 0x39: 'frintz' }) as Record<number, string>)[key] ?? null;
      break;
    case 0x1a: case 0x3a: case 0x1b: case 0x3b: case 0x1c: name = `fcvt${CVT_MODE[key]}${u ? 'u' : 's'}`; break;
    case 0x1d: name = u ? 'ucvtf' : 'scvtf'; break;
    case 0x3d: name = u ? 'frsqrte' : 'frecpe'; break;
    case 0x3f: name = u ? (scalar ? null : 'fsqrt') : scalar ? 'frecpx' : null; break;
  }
  if (!name || (!scalar && f.sz && !f.q)) return null;
  const r = (n: number) => (scalar ? `${f.sz ? 'd' : 's'}${n}` : vreg(n, 2 + f.sz, f.q));
  return `${name} ${r(f.rd)}, ${r(f.rn)}${zero ? ', #0.0' : ''}`;
}

function vectorMisc(e: Emitter, f: Fields, key: number): void {
  if (f.sz && !f.q) return e.trap(1);
  const r = misc(e, { es: f.sz ? 64 : 32, bytes: f.q ? 16 : 8 }, f.u, key, e.v(f.rn), false);
  if (!r) return e.trap(1);
  e.setV(f.rd, r);
}

function scalarMisc(e: Emitter, f: Fields, key: number): void {
  const r = misc(e, { es: f.sz ? 64 : 32, bytes: f.sz ? 8 : 4 }, f.u, key, e.v(f.rn), true);
  if (!r) return e.trap(1);
  e.setV(f.rd, r);
}

export const SIMD_FP_CMP0 = insn({
  pattern: '0 q:1 u:1 01110 1 sz:1 10000 011 op:2 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x2c | f.op, false),
  sem: (e, f) => vectorMisc(e, f, 0x2c | f.op),
});

export const SIMD_FP_MISC_A0 = insn({
  pattern: '0 q:1 u:1 01110 0 sz:1 10000 11 op:3 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x18 | f.op, false),
  sem: (e, f) => vectorMisc(e, f, 0x18 | f.op),
});

export const SIMD_FP_MISC_A1 = insn({
  pattern: '0 q:1 u:1 01110 1 sz:1 10000 11 0 op:2 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x38 | f.op, false),
  sem: (e, f) => vectorMisc(e, f, 0x38 | f.op),
});

export const SIMD_FP_ESTIMATE = insn({
  pattern: '0 q:1 u:1 01110 1 sz:1 10000 11101 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x3d, false),
  sem: (e, f) => vectorMisc(e, f, 0x3d),
});

export const SIMD_FP_SQRT = insn({
  pattern: '0 q:1 u:1 01110 1 sz:1 10000 1111 op:1 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x3e | f.op, false),
  sem: (e, f) => vectorMisc(e, f, 0x3e | f.op),
});

/** FCVTN/FCVTN2, FCVTXN/FCVTXN2 (opcode 10110) and FCVTL/FCVTL2 (10111). */
export const SIMD_FP_CVT_WIDTH = insn({
  pattern: '0 q:1 u:1 01110 a:1 sz:1 10000 1011 op:1 10 rn:5 rd:5',
  asm(f) {
    if (f.a || (f.u && (f.op || !f.sz))) return null;
    const name = f.op ? 'fcvtl' : f.u ? 'fcvtxn' : 'fcvtn';
    const wide = vreg(f.op ? f.rd : f.rn, 2 + f.sz, 1);
    const narrow = vreg(f.op ? f.rn : f.rd, 1 + f.sz, f.q);
    return `${name}${f.q ? '2' : ''} ${f.op ? `${wide}, ${narrow}` : `${narrow}, ${wide}`}`;
  },
  sem(e, f) {
    if (f.a || (f.u && (f.op || !f.sz))) return e.trap(1);
    const x = e.v(f.rn);
    if (f.op) { // FCVTL: widen the lower or (Q=1) upper half
      const src = f.q ? e.op('i8x16.shuffle', [x, x], [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]) : x;
      e.setV(f.rd, f.sz ? singleToDouble(e, src) : halfToSingle(e, src));
      return;
    }
    const r = f.sz ? doubleToSingle(e, x, f.u === 1) : singleToHalf(e, x);
    if (!f.q) return e.setV(f.rd, r);
    const lowHalf = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
    e.setV(f.rd, e.op('i8x16.shuffle', [e.v(f.rd), r], lowHalf));
  },
});

// ---------------------------------------------------------------- scalar forms
export const SIMD_FP_SCALAR_CMP0 = insn({
  pattern: '01 u:1 11110 1 sz:1 10000 011 op:2 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x2c | f.op, true),
  sem: (e, f) => scalarMisc(e, f, 0x2c | f.op),
});

export const SIMD_FP_SCALAR_MISC_A0 = insn({
  pattern: '01 u:1 11110 0 sz:1 10000 11 op:3 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x18 | f.op, true),
  sem: (e, f) => scalarMisc(e, f, 0x18 | f.op),
});

export const SIMD_FP_SCALAR_MISC_A1 = insn({
  pattern: '01 u:1 11110 1 sz:1 10000 11 0 op:2 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x38 | f.op, true),
  sem: (e, f) => scalarMisc(e, f, 0x38 | f.op),
});

export const SIMD_FP_SCALAR_ESTIMATE = insn({
  pattern: '01 u:1 11110 1 sz:1 10000 11101 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x3d, true),
  sem: (e, f) => scalarMisc(e, f, 0x3d),
});

export const SIMD_FP_SCALAR_RECPX = insn({
  pattern: '01 u:1 11110 1 sz:1 10000 1111 op:1 10 rn:5 rd:5',
  asm: (f) => miscAsm(f, 0x3e | f.op, true),
  sem: (e, f) => scalarMisc(e, f, 0x3e | f.op),
});

/** FCVTXN Sd, Dn (round to odd). */
export const SIMD_FP_SCALAR_FCVTXN = insn({
  pattern: '01 u:1 11110 a:1 sz:1 10000 1011 op:1 10 rn:5 rd:5',
  asm: (f) => (!f.u || f.a || !f.sz || f.op ? null : `fcvtxn s${f.rd}, d${f.rn}`),
  sem(e, f) {
    if (!f.u || f.a || !f.sz || f.op) return e.trap(1);
    e.setV(f.rd, keep(e, 4, doubleToSingle(e, e.v(f.rn), true)));
  },
});

