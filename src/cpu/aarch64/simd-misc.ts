// AdvSIMD "two-register miscellaneous" integer instructions, vector and scalar forms. Only the
// integer opcodes are matched (00xxx, 010xx, 1001x, 10100); the rest belong to simd-fp.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { simdMnemonic, vreg } from '../disasm.js';
import { insn, type Fields, type Insn, type InsnSpec } from '../insn.js';
import {
  and, anyTrue, clamp, cmp, fit, lane0, narrowPack, not, or, qadd, qsub, setQC, shl, shr, splat, SMAX, SMIN, UMAX,
  vecAndScalar, vop, widen, writeNarrow, xor, ZERO, type Sat,
} from './simd-util.js';
import { writeResult } from './simd-same.js';

/** Byte shuffle reversing elements of `esize` bytes inside containers of `csize` bytes. */
export function revBytes(csize: number, esize: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 16; i++) {
    const c = Math.floor(i / csize);
    const o = i % csize;
    const k = Math.floor(o / esize);
    out.push(c * csize + (csize / esize - 1 - k) * esize + (o % esize));
  }
  return out;
}

const CLZ4 = [4, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
const REV4 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

/** Count leading zeros per lane, built up from a nibble table. */
export function clz(e: Emitter, size: number, a: Val): Val {
  const hi = e.op('i8x16.shr_u', [a, e.i32(4)]);
  const lo = and(e, a, splat(e, 0, 0x0f));
  const t = e.v128(CLZ4);
  const th = e.op('i8x16.swizzle', [t, hi]);
  const tl = e.op('i8x16.swizzle', [t, lo]);
  let c = e.op('i8x16.add', [th, and(e, tl, e.op('i8x16.eq', [hi, ZERO(e)]))]);
  for (let s = 1; s <= size; s++) {
    const half = 4 << s; // bits in the lower half of a lane of size s
    const cHi = vop(e, s, 'shr_u', [c, e.i32(half)]);
    const cLo = and(e, c, splat(e, s, (1 << half) - 1));
    c = vop(e, s, 'add', [cHi, and(e, cLo, vop(e, s, 'eq', [cHi, splat(e, s, half)]))]);
  }
  return c;
}

/** Pairwise add of adjacent lanes of `size` into lanes of size+1. */
export function addlp(e: Emitter, size: number, a: Val, signed: boolean): Val {
  const s = signed ? 's' : 'u';
  if (size === 0) return e.op(`i16x8.extadd_pairwise_i8x16_${s}`, [a]);
  if (size === 1) return e.op(`i32x4.extadd_pairwise_i16x8_${s}`, [a]);
  const even = signed ? e.op('i64x2.shr_s', [e.op('i64x2.shl', [a, e.i32(32)]), e.i32(32)]) : and(e, a, splat(e, 3, 0xffffffffn));
  const odd = e.op(signed ? 'i64x2.shr_s' : 'i64x2.shr_u', [a, e.i32(32)]);
  return e.op('i64x2.add', [even, odd]);
}

/** Saturating narrow of lanes of size+1 to `size`: kind 0 XTN, 1 SQXTN, 2 UQXTN, 3 SQXTUN. */
export function narrowSat(e: Emitter, size: number, wide: Val, kind: number): Sat {
  let s: Sat;
  switch (kind) {
    case 0: s = { r: wide, q: e.i32(0) }; break;
    case 1: s = clamp(e, size + 1, wide, SMIN(size), SMAX(size), true); break;
    case 2: s = clamp(e, size + 1, wide, null, UMAX(size), false); break;
    default: s = clamp(e, size + 1, wide, 0n, UMAX(size), true); break;
  }
  return { r: narrowPack(e, size + 1, s.r, s.r), q: s.q };
}

type Kernel = (e: Emitter, a: Fields, size: number, n: Val) => Val | Sat;

interface MiscDef {
  opc: string;
  asm: string;
  scalar?: (size: number, u: number) => boolean;
  sizes: (size: number, q: number, u: number) => boolean;
  sat?: boolean;
  k: Kernel;
}

function misc(d: MiscDef): Insn {
  if (d.scalar) throw new Error('use miscS');
  return insn(miscSpec(d));
}
function miscS(d: MiscDef): [Insn, Insn] {
  return vecAndScalar(miscSpec(d));
}
function miscSpec(d: MiscDef): InsnSpec {
  return {
    pattern: `0 q:1 u:1 ${d.scalar ? 's:1' : '0'} 1110 size:2 10000 ${d.opc} 10 rn:5 rd:5`,
    asm(a) {
      const scalar = !!a.s;
      const ok = scalar ? a.q === 1 && d.scalar!(a.size, a.u) : d.sizes(a.size, a.q, a.u);
      if (!ok) return null;
      const zero = d.asm.endsWith(' #0');
      const names = zero ? d.asm.slice(0, -3) : d.asm;
      // NOT is printed as its alias MVN; NOT and RBIT use the size field as an opcode.
      const name = names === 'cnt/not/rbit' ? ['cnt', 'mvn', 'rbit'][a.u ? 1 + a.size : 0] : simdMnemonic(names, a.u, a.size);
      const size = names === 'cnt/not/rbit' ? 0 : a.size;
      const tail = zero ? ', #0' : '';
      if (scalar) return `${name} ${'bhsd'[size]}${a.rd}, ${'bhsd'[size]}${a.rn}${tail}`;
      // The pairwise long additions write lanes twice as wide.
      const dsize = /addlp|adalp/.test(name) ? size + 1 : size;
      return `${name} ${vreg(a.rd, dsize, a.q)}, ${vreg(a.rn, size, a.q)}${tail}`;
    },
    sem(e, a) {
      const scalar = !!a.s;
      const ok = scalar ? a.q === 1 && d.scalar!(a.size, a.u) : d.sizes(a.size, a.q, a.u);
      if (!ok) return e.trap(Trap.Undefined);
      let n = e.v(a.rn);
      if (d.sat) n = fit(e, n, a.q, scalar, a.size);
      writeResult(e, a.rd, d.k(e, a, a.size, n), a.q, scalar, a.size);
    },
  };
}

const anyButD1 = (size: number, q: number) => size < 3 || q === 1;
const notD = (size: number) => size < 3;
const onlyD = (size: number) => size === 3;
const all = () => true;

export const REV64 = misc({
  opc: '00000', asm: 'rev64/rev32', sizes: (s, q, u) => s < 3 - u,
  k: (e, a, s, n) => e.op('i8x16.shuffle', [n, n], revBytes(a.u ? 4 : 8, 1 << s)),
});
export const REV16 = misc({
  opc: '00001', asm: 'rev16', sizes: (s, q, u) => s === 0 && !u,
  k: (e, a, s, n) => e.op('i8x16.shuffle', [n, n], revBytes(2, 1)),
});
export const SADDLP = misc({
  opc: '00010', asm: 's/uaddlp', sizes: notD, k: (e, a, s, n) => addlp(e, s, n, !a.u),
});
export const [SUQADD, SUQADD_s] = miscS({
  opc: '00011', asm: 'suqadd/usqadd', scalar: all, sizes: anyButD1, sat: true,
  k: (e, a, s, n) => {
    const d = fit(e, e.v(a.rd), a.q, !!a.s, s);
    let r: Val;
    if (!a.u) {
      const bias = splat(e, s, SMIN(s));
      r = xor(e, qadd(e, s, xor(e, d, bias), n, false).r, bias);
    } else {
      const negMask = vop(e, s, 'shr_s', [n, e.i32((8 << s) - 1)]);
      const up = qadd(e, s, d, n, false).r;
      const down = qsub(e, s, d, vop(e, s, 'neg', [n]), false).r;
      r = e.op('v128.bitselect', [down, up, negMask]);
    }
    return { r, q: anyTrue(e, xor(e, r, vop(e, s, 'add', [d, n]))) };
  },
});
export const CLS = misc({
  opc: '00100', asm: 'cls/clz', sizes: notD,
  k: (e, a, s, n) => {
    if (a.u) return clz(e, s, n);
    return vop(e, s, 'sub', [clz(e, s, xor(e, n, shr(e, s, n, 1, true))), splat(e, s, 1)]);
  },
});
export const CNT = misc({
  opc: '00101', asm: 'cnt/not/rbit', sizes: (s, q, u) => (u ? s < 2 : s === 0),
  k: (e, a, s, n) => {
    if (!a.u) return e.op('i8x16.popcnt', [n]);
    if (s === 0) return not(e, n);
    const t = e.v128(REV4);
    const lo = e.op('i8x16.swizzle', [t, and(e, n, splat(e, 0, 0x0f))]);
    const hi = e.op('i8x16.swizzle', [t, e.op('i8x16.shr_u', [n, e.i32(4)])]);
    return or(e, e.op('i8x16.shl', [lo, e.i32(4)]), hi);
  },
});
export const SADALP = misc({
  opc: '00110', asm: 's/uadalp', sizes: notD,
  k: (e, a, s, n) => vop(e, s + 1, 'add', [e.v(a.rd), addlp(e, s, n, !a.u)]),
});
export const [SQABS, SQABS_s] = miscS({
  opc: '00111', asm: 'sqabs/sqneg', scalar: all, sizes: anyButD1, sat: true,
  k: (e, a, s, n) => {
    const isMin = cmp(e, s, 'eq', n, splat(e, s, SMIN(s)));
    return { r: vop(e, s, 'add', [vop(e, s, a.u ? 'neg' : 'abs', [n]), isMin]), q: anyTrue(e, isMin) };
  },
});
export const [CMGT0, CMGT0_s] = miscS({
  opc: '01000', asm: 'cmgt/cmge #0', scalar: onlyD, sizes: anyButD1,
  k: (e, a, s, n) => cmp(e, s, a.u ? 'ge_s' : 'gt_s', n, ZERO(e)),
});
export const [CMEQ0, CMEQ0_s] = miscS({
  opc: '01001', asm: 'cmeq/cmle #0', scalar: onlyD, sizes: anyButD1,
  k: (e, a, s, n) => cmp(e, s, a.u ? 'le_s' : 'eq', n, ZERO(e)),
});
export const [CMLT0, CMLT0_s] = miscS({
  opc: '01010', asm: 'cmlt #0', scalar: (s, u) => s === 3 && !u, sizes: (s, q, u) => !u && (s < 3 || q === 1),
  k: (e, a, s, n) => cmp(e, s, 'lt_s', n, ZERO(e)),
});
export const [ABS_v, ABS_v_s] = miscS({
  opc: '01011', asm: 'abs/neg', scalar: onlyD, sizes: anyButD1,
  k: (e, a, s, n) => vop(e, s, a.u ? 'neg' : 'abs', [n]),
});

/** XTN/SQXTUN (10010), SQXTN/UQXTN (10100): narrowing, the "2" forms write the upper half. */
function narrowInsn(opc: string, asm: string, kind: (u: number) => number, scalarOk: (u: number) => boolean) {
  return vecAndScalar({
    pattern: `0 q:1 u:1 s:1 1110 size:2 10000 ${opc} 10 rn:5 rd:5`,
    asm(a) {
      const scalar = !!a.s;
      if (a.size === 3 || (scalar && (!a.q || !scalarOk(a.u)))) return null;
      const name = simdMnemonic(asm, a.u, a.size);
      if (scalar) return `${name} ${'bhsd'[a.size]}${a.rd}, ${'bhsd'[a.size + 1]}${a.rn}`;
      return `${name}${a.q ? '2' : ''} ${vreg(a.rd, a.size, a.q)}, ${vreg(a.rn, a.size + 1, 1)}`;
    },
    sem(e, a) {
      const scalar = !!a.s;
      if (a.size === 3 || (scalar && (!a.q || !scalarOk(a.u)))) return e.trap(Trap.Undefined);
      let n = e.v(a.rn);
      if (scalar) n = lane0(e, a.size + 1, n);
      const r = narrowSat(e, a.size, n, kind(a.u));
      if (kind(a.u)) setQC(e, r.q);
      writeNarrow(e, a.rd, r.r, scalar ? 0 : a.q);
    },
  });
}
export const [XTN, XTN_s] = narrowInsn('10010', 'xtn/sqxtun', (u) => (u ? 3 : 0), (u) => u === 1);
export const [SQXTN, SQXTN_s] = narrowInsn('10100', 'sqxtn/uqxtn', (u) => (u ? 2 : 1), () => true);

export const SHLL = insn({
  pattern: '0 q:1 1 0 1110 size:2 10000 10011 10 rn:5 rd:5',
  asm: (a) => (a.size === 3 ? null : `shll${a.q ? '2' : ''} ${vreg(a.rd, a.size + 1, 1)}, ${vreg(a.rn, a.size, a.q)}, #${8 << a.size}`),
  sem(e, a) {
    if (a.size === 3) return e.trap(Trap.Undefined);
    e.setV(a.rd, shl(e, a.size + 1, widen(e, a.size, e.v(a.rn), a.q, false), 8 << a.size));
  },
});
