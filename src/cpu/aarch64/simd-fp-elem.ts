// AdvSIMD FP by element (FMLA/FMLS/FMUL/FMULX, vector and scalar), across lanes (FMAXV and
// friends), scalar pairwise (FADDP and friends), fixed-point conversions from the shift-by-
// immediate classes, and FMOV (vector, immediate).
import type { Emitter, Val } from '../emitter.js';
import type { Fields } from '../insn.js';
import { fpImm, vreg } from '../disasm.js';
import { insn } from '../insn.js';
import { arith2, dupLane, minMax, neg, pairs, type Shape } from './simd-fp-common.js';
import { mulAdd, mulx } from './simd-fp-fma.js';
import { fromInt, toInt } from './simd-fp-conv.js';

// ---------------------------------------------------------------- by element
/** The broadcast element operand: index H:L (singles) or H (doubles), register M:Rm. */
function element(e: Emitter, f: Fields): Val | null {
  if (f.sz && f.l) return null;
  const idx = f.sz ? f.h : (f.h << 1) | f.l;
  return dupLane(e, f.sz ? 64 : 32, e.v((f.m << 4) | f.rm), idx);
}

function byElement(e: Emitter, f: Fields, sh: Shape, kind: 'mla' | 'mul'): void {
  const b = element(e, f);
  if (!b) return e.trap(1);
  const n = e.v(f.rn);
  let r: Val;
  if (kind === 'mla') r = mulAdd(e, sh, e.v(f.rd), f.s ? neg(e, sh, n) : n, b);
  else r = f.u ? mulx(e, sh, n, b) : arith2(e, sh, 'mul', n, b);
  e.setV(f.rd, r);
}

/** The by-element forms as objdump prints them (scalar: Sd/Dd operands). */
function elementAsm(f: Fields, scalar: boolean, name: string): string | null {
  if (f.sz && f.l) return null;
  if (!scalar && f.sz && !f.q) return null;
  const el = `v${(f.m << 4) | f.rm}.${f.sz ? 'd' : 's'}[${f.sz ? f.h : (f.h << 1) | f.l}]`;
  const r = (n: number) => (scalar ? `${f.sz ? 'd' : 's'}${n}` : vreg(n, 2 + f.sz, f.q));
  return `${name} ${r(f.rd)}, ${r(f.rn)}, ${el}`;
}

const vshape = (f: Fields): Shape | null => (f.sz && !f.q ? null : { es: f.sz ? 64 : 32, bytes: f.q ? 16 : 8 });
const sshape = (f: Fields): Shape => ({ es: f.sz ? 64 : 32, bytes: f.sz ? 8 : 4 });

export const SIMD_FP_MLA_ELEM = insn({
  pattern: '0 q:1 0 01111 1 sz:1 l:1 m:1 rm:4 0 s:1 01 h:1 0 rn:5 rd:5',
  asm: (f) => elementAsm(f, false, f.s ? 'fmls' : 'fmla'),
  sem(e, f) {
    const sh = vshape(f);
    if (!sh) return e.trap(1);
    byElement(e, f, sh, 'mla');
  },
});

export const SIMD_FP_MUL_ELEM = insn({
  pattern: '0 q:1 u:1 01111 1 sz:1 l:1 m:1 rm:4 1001 h:1 0 rn:5 rd:5',
  asm: (f) => elementAsm(f, false, f.u ? 'fmulx' : 'fmul'),
  sem(e, f) {
    const sh = vshape(f);
    if (!sh) return e.trap(1);
    byElement(e, f, sh, 'mul');
  },
});

export const SIMD_FP_SCALAR_MLA_ELEM = insn({
  pattern: '01 0 11111 1 sz:1 l:1 m:1 rm:4 0 s:1 01 h:1 0 rn:5 rd:5',
  asm: (f) => elementAsm(f, true, f.s ? 'fmls' : 'fmla'),
  sem: (e, f) => byElement(e, f, sshape(f), 'mla'),
});

export const SIMD_FP_SCALAR_MUL_ELEM = insn({
  pattern: '01 u:1 11111 1 sz:1 l:1 m:1 rm:4 1001 h:1 0 rn:5 rd:5',
  asm: (f) => elementAsm(f, true, f.u ? 'fmulx' : 'fmul'),
  sem: (e, f) => byElement(e, f, sshape(f), 'mul'),
});

// ---------------------------------------------------------------- reductions
/** FMAXNMV/FMINNMV (op 00) and FMAXV/FMINV (op 11), 4S only: op(op(e0,e1), op(e2,e3)). */
export const SIMD_FP_ACROSS = insn({
  pattern: '0 q:1 u:1 01110 a:1 sz:1 11000 011 op:2 10 rn:5 rd:5',
  asm(f) {
    if (!f.u || f.sz || !f.q || (f.op !== 0 && f.op !== 3)) return null;
    return `f${f.a ? 'min' : 'max'}${f.op ? '' : 'nm'}v s${f.rd}, v${f.rn}.4s`;
  },
  sem(e, f) {
    if (!f.u || f.sz || !f.q || (f.op !== 0 && f.op !== 3)) return e.trap(1);
    const max = f.a === 0;
    const nm = f.op === 0;
    const x = e.v(f.rn);
    const [ev, od] = pairs(e, { es: 32, bytes: 16 }, x, x);
    const half = minMax(e, { es: 32, bytes: 16 }, max, nm, ev, od); // [op(e0,e1), op(e2,e3), ...]
    const hi = e.op('i8x16.shuffle', [half, half], [4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7]);
    e.setV(f.rd, minMax(e, { es: 32, bytes: 4 }, max, nm, half, hi));
  },
});

/** Scalar pairwise: FMAXNMP/FMINNMP (op 00), FADDP (01), FMAXP/FMINP (11) of Vn's two elements. */
export const SIMD_FP_SCALAR_PAIRWISE = insn({
  pattern: '01 u:1 11110 a:1 sz:1 11000 011 op:2 10 rn:5 rd:5',
  asm(f) {
    if (!f.u || f.op === 2 || (f.op === 1 && f.a)) return null;
    const name = f.op === 1 ? 'faddp' : `f${f.a ? 'min' : 'max'}${f.op ? '' : 'nm'}p`;
    return `${name} ${f.sz ? 'd' : 's'}${f.rd}, v${f.rn}.${f.sz ? '2d' : '2s'}`;
  },
  sem(e, f) {
    if (!f.u || f.op === 2 || (f.op === 1 && f.a)) return e.trap(1);
    const sh: Shape = { es: f.sz ? 64 : 32, bytes: f.sz ? 8 : 4 };
    const x = e.v(f.rn);
    const k = sh.es / 8;
    const second = e.op('i8x16.shuffle', [x, x], Array.from({ length: 16 }, (_, i) => k + (i % k)));
    const r = f.op === 1 ? arith2(e, sh, 'add', x, second) : minMax(e, sh, f.a === 0, f.op === 0, x, second);
    e.setV(f.rd, r);
  },
});

// ---------------------------------------------------------------- fixed point (shift by immediate)
/**
 * SCVTF/UCVTF (opcode 11100) and FCVTZS/FCVTZU (11111) with #fbits. immh 1xxx: doubles,
 * fbits = 128 - immh:immb; immh 01xx: singles, fbits = 64 - immh:immb. (001x is half: not done.)
 */
function fixed(e: Emitter, f: Fields, scalar: boolean, dbl: boolean, toFloat: boolean): void {
  if (!scalar && dbl && !f.q) return e.trap(1);
  const es = dbl ? 64 : 32;
  const sh: Shape = { es, bytes: scalar ? (es / 8 as 4 | 8) : f.q ? 16 : 8 };
  const fbits = (dbl ? 128 : 64) - ((dbl ? 8 : 4) + f.ih) * 8 - f.immb;
  const x = e.v(f.rn);
  e.setV(f.rd, toFloat ? fromInt(e, sh, x, f.u === 1, fbits) : toInt(e, sh, x, 'z', f.u === 1, fbits));
}

function fixedInsns(prefix: string, scalar: boolean) {
  const mk = (dbl: boolean, toFloat: boolean) => insn({
    pattern: `${prefix} ${dbl ? '1 ih:3' : '01 ih:2'} immb:3 111 ${toFloat ? '00' : '11'} 1 rn:5 rd:5`,
    asm(f: Fields) {
      if (!scalar && dbl && !f.q) return null;
      const fbits = (dbl ? 128 : 64) - ((dbl ? 8 : 4) + f.ih) * 8 - f.immb;
      const name = toFloat ? (f.u ? 'ucvtf' : 'scvtf') : f.u ? 'fcvtzu' : 'fcvtzs';
      const r = (n: number) => (scalar ? `${dbl ? 'd' : 's'}${n}` : vreg(n, dbl ? 3 : 2, f.q));
      return `${name} ${r(f.rd)}, ${r(f.rn)}, #${fbits}`;
    },
    sem: (e, f) => fixed(e, f, scalar, dbl, toFloat),
  });
  return [mk(true, true), mk(false, true), mk(true, false), mk(false, false)];
}

export const [SIMD_FP_FIXED_SCVTF_D, SIMD_FP_FIXED_SCVTF_S, SIMD_FP_FIXED_FCVTZ_D, SIMD_FP_FIXED_FCVTZ_S] =
  fixedInsns('0 q:1 u:1 011110', false);
export const [SIMD_FP_SCALAR_FIXED_SCVTF_D, SIMD_FP_SCALAR_FIXED_SCVTF_S, SIMD_FP_SCALAR_FIXED_FCVTZ_D,
  SIMD_FP_SCALAR_FIXED_FCVTZ_S] = fixedInsns('01 u:1 111110', true);

// ---------------------------------------------------------------- FMOV (vector, immediate)
/** VFPExpandImm of abcdefgh for an N-bit float, as a bigint bit pattern. */
export function expandFpImm(imm8: number, n: 16 | 32 | 64): bigint {
  const e = n === 16 ? 5 : n === 32 ? 8 : 11;
  const f = n - e - 1;
  const sign = BigInt(imm8 >> 7);
  const b = (imm8 >> 6) & 1;
  let exp = (b ^ 1) << (e - 1);
  for (let i = 0; i < e - 3; i++) exp |= b << (2 + i);
  exp |= (imm8 >> 4) & 3;
  const frac = BigInt(imm8 & 15) << BigInt(f - 4);
  return (sign << BigInt(n - 1)) | (BigInt(exp) << BigInt(f)) | frac;
}

export const SIMD_FMOV_IMM = insn({
  pattern: '0 q:1 op:1 0111100000 abc:3 1111 o2:1 1 defgh:5 rd:5',
  asm(f) {
    const imm8 = (f.abc << 5) | f.defgh;
    const n = !f.o2 ? (f.op ? 64 : 32) : !f.op ? 16 : 0;
    if (!n || (n === 64 && !f.q)) return null;
    // Every such immediate is exact in a double.
    const value = new Float64Array(new BigUint64Array([expandFpImm(imm8, 64)]).buffer)[0];
    return `fmov ${vreg(f.rd, n === 16 ? 1 : n === 32 ? 2 : 3, f.q)}, ${fpImm(value)}`;
  },
  sem(e, f) {
    const imm8 = (f.abc << 5) | f.defgh;
    let n: 16 | 32 | 64;
    if (!f.o2) n = f.op ? 64 : 32;
    else if (!f.op) n = 16;
    else return e.trap(1);
    if (n === 64 && !f.q) return e.trap(1);
    const bits = expandFpImm(imm8, n);
    const bytes: number[] = [];
    for (let i = 0; i < 16; i++) {
      const byteInLane = i % (n / 8);
      bytes.push(i >= (f.q ? 16 : 8) ? 0 : Number((bits >> BigInt(8 * byteInLane)) & 0xffn));
    }
    e.setV(f.rd, e.v128(bytes));
  },
});


