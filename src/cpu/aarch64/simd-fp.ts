// AdvSIMD floating point (vector and scalar-SIMD forms): the "three same" classes here; two-register
// miscellaneous, by-element, pairwise/across-lanes, fixed-point conversions and FMOV immediate
// in the files exported below. Shared lane machinery is in simd-fp-common.ts.
import type { Emitter, Val } from '../emitter.js';
import { vreg } from '../disasm.js';
import { insn } from '../insn.js';
import { arith2, compare, fty, minMax, neg, pairs, type Shape } from './simd-fp-common.js';
import { mulAdd, mulx, recipStep } from './simd-fp-fma.js';

export * from './simd-fp-misc.js';
export * from './simd-fp-elem.js';

function abd(e: Emitter, sh: Shape, a: Val, b: Val): Val {
  return e.op(`${fty(sh)}.abs`, [arith2(e, sh, 'sub', a, b)]);
}

/**
 * The FP opcodes (11xxx) of AdvSIMD three same. `op` is opcode<2:0>; returns null for an
 * unallocated combination. `d` is the destination's old value (for FMLA/FMLS).
 */
function threeSame(e: Emitter, sh: Shape, u: number, a: number, op: number, n: Val, m: Val, d: () => Val): Val | null {
  const key = (u << 4) | (a << 3) | op;
  switch (key) {
    case 0x00: return minMax(e, sh, true, true, n, m); // FMAXNM
    case 0x08: return minMax(e, sh, false, true, n, m); // FMINNM
    case 0x01: return mulAdd(e, sh, d(), n, m); // FMLA
    case 0x09: return mulAdd(e, sh, d(), neg(e, sh, n), m); // FMLS
    case 0x02: return arith2(e, sh, 'add', n, m);
    case 0x0a: return arith2(e, sh, 'sub', n, m);
    case 0x03: return mulx(e, sh, n, m);
    case 0x04: return compare(e, sh, 'eq', n, m);
    case 0x06: return minMax(e, sh, true, false, n, m);
    case 0x0e: return minMax(e, sh, false, false, n, m);
    case 0x07: return recipStep(e, sh, false, n, m);
    case 0x0f: return recipStep(e, sh, true, n, m);
    case 0x13: return arith2(e, sh, 'mul', n, m);
    case 0x14: return compare(e, sh, 'ge', n, m);
    case 0x1c: return compare(e, sh, 'gt', n, m);
    case 0x15: return compare(e, sh, 'ge', n, m, true); // FACGE
    case 0x1d: return compare(e, sh, 'gt', n, m, true); // FACGT
    case 0x17: return arith2(e, sh, 'div', n, m);
    case 0x1a: return abd(e, sh, n, m);
    case 0x10: case 0x18: case 0x12: case 0x16: case 0x1e: { // pairwise
      const [ev, od] = pairs(e, sh, n, m);
      if (key === 0x12) return arith2(e, sh, 'add', ev, od);
      return minMax(e, sh, (key & 8) === 0, key === 0x10 || key === 0x18, ev, od);
    }
    default: return null;
  }
}

/** FP three-same mnemonics by U:a:opcode<2:0> (threeSame's key). */
const FP3_NAMES: Record<number, string> = {
  0x00: 'fmaxnm', 0x08: 'fminnm', 0x01: 'fmla', 0x09: 'fmls', 0x02: 'fadd', 0x0a: 'fsub', 0x03: 'fmulx', 0x04: 'fcmeq',
  0x06: 'fmax', 0x0e: 'fmin', 0x07: 'frecps', 0x0f: 'frsqrts', 0x13: 'fmul', 0x14: 'fcmge', 0x1c: 'fcmgt', 0x15: 'facge',
  0x1d: 'facgt', 0x17: 'fdiv', 0x1a: 'fabd', 0x10: 'fmaxnmp', 0x18: 'fminnmp', 0x12: 'faddp', 0x16: 'fmaxp', 0x1e: 'fminp',
};

export const SIMD_FP_3SAME = insn({
  pattern: '0 q:1 u:1 01110 a:1 sz:1 1 rm:5 11 op:3 1 rn:5 rd:5',
  asm(f) {
    const name = FP3_NAMES[(f.u << 4) | (f.a << 3) | f.op];
    if ((f.sz && !f.q) || !name) return null;
    const v = (r: number) => vreg(r, 2 + f.sz, f.q);
    return `${name} ${v(f.rd)}, ${v(f.rn)}, ${v(f.rm)}`;
  },
  sem(e, f) {
    if (f.sz && !f.q) return e.trap(1);
    const sh: Shape = { es: f.sz ? 64 : 32, bytes: f.q ? 16 : 8 };
    const r = threeSame(e, sh, f.u, f.a, f.op, e.v(f.rn), e.v(f.rm), () => e.v(f.rd));
    if (!r) return e.trap(1);
    e.setV(f.rd, r);
  },
});

/** Scalar three same: FMULX, FCMEQ/GE/GT, FACGE/GT, FABD, FRECPS, FRSQRTS on s/d registers. */
export const SIMD_FP_SCALAR_3SAME = insn({
  pattern: '01 u:1 11110 a:1 sz:1 1 rm:5 11 op:3 1 rn:5 rd:5',
  asm(f) {
    const key = (f.u << 4) | (f.a << 3) | f.op;
    if (![0x03, 0x04, 0x07, 0x0f, 0x1a, 0x14, 0x1c, 0x15, 0x1d].includes(key)) return null;
    const r = (n: number) => `${f.sz ? 'd' : 's'}${n}`;
    return `${FP3_NAMES[key]} ${r(f.rd)}, ${r(f.rn)}, ${r(f.rm)}`;
  },
  sem(e, f) {
    const key = (f.u << 4) | (f.a << 3) | f.op;
    if (![0x03, 0x04, 0x07, 0x0f, 0x1a, 0x14, 0x1c, 0x15, 0x1d].includes(key)) return e.trap(1);
    const sh: Shape = { es: f.sz ? 64 : 32, bytes: f.sz ? 8 : 4 };
    const r = threeSame(e, sh, f.u, f.a, f.op, e.v(f.rn), e.v(f.rm), () => e.v(f.rd));
    if (!r) return e.trap(1);
    e.setV(f.rd, r);
  },
});
