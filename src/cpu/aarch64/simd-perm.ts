// AdvSIMD permutes (ZIP/UZP/TRN, EXT, TBL/TBX), element moves (DUP, INS, UMOV, SMOV), the
// integer across-lanes reductions (ADDV, S/UADDLV, S/UMAXV, S/UMINV) and scalar ADDP.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { simdMnemonic, vreg, xr } from '../disasm.js';
import { insn } from '../insn.js';
import { bsel, vecAndScalar, fit, lane0, low64, max, min, or, shuffleLanes, splat, vop } from './simd-util.js';
import { addlp } from './simd-misc.js';

export const PERMUTE = insn({
  pattern: '0 q:1 001110 size:2 0 rm:5 0 opc:3 10 rn:5 rd:5',
  asm(a) {
    if ((a.opc & 3) === 0 || (a.size === 3 && !a.q)) return null;
    const name = `${['', 'uzp', 'trn', 'zip'][a.opc & 3]}${(a.opc >> 2) + 1}`;
    return `${name} ${vreg(a.rd, a.size, a.q)}, ${vreg(a.rn, a.size, a.q)}, ${vreg(a.rm, a.size, a.q)}`;
  },
  sem(e, a) {
    const { q, size, opc } = a;
    if ((opc & 3) === 0 || (size === 3 && !q)) return e.trap(Trap.Undefined);
    const N = 16 >> size;
    const L = (q ? 16 : 8) >> size;
    const part = opc >> 2;
    const src = (j: number) => (j < L ? j : N + j - L); // lane j of the used part of n:m
    const sel: number[] = [];
    for (let i = 0; i < N; i++) {
      if (i >= L) { sel.push(0); continue; }
      switch (opc & 3) {
        case 1: sel.push(src(2 * i + part)); break; // UZP
        case 2: sel.push((i & 1 ? N : 0) + (i & ~1) + part); break; // TRN
        default: sel.push((i & 1 ? N : 0) + (i >> 1) + part * (L >> 1)); break; // ZIP
      }
    }
    const r = shuffleLanes(e, size, e.v(a.rn), e.v(a.rm), sel);
    e.setV(a.rd, q ? r : low64(e, r));
  },
});

export const EXT = insn({
  pattern: '0 q:1 101110 000 rm:5 0 imm4:4 0 rn:5 rd:5',
  asm(a) {
    if (!a.q && a.imm4 >= 8) return null;
    return `ext ${vreg(a.rd, 0, a.q)}, ${vreg(a.rn, 0, a.q)}, ${vreg(a.rm, 0, a.q)}, #${a.imm4}`;
  },
  sem(e, a) {
    const { q, imm4 } = a;
    if (!q && imm4 >= 8) return e.trap(Trap.Undefined);
    const sel: number[] = [];
    for (let i = 0; i < 16; i++) {
      const j = imm4 + i;
      sel.push(q ? j : i >= 8 ? 0 : j < 8 ? j : 16 + j - 8);
    }
    const r = e.op('i8x16.shuffle', [e.v(a.rn), e.v(a.rm)], sel);
    e.setV(a.rd, q ? r : low64(e, r));
  },
});

export const TBL = insn({
  pattern: '0 q:1 001110 000 rm:5 0 len:2 op:1 00 rn:5 rd:5',
  asm(a) {
    const regs = Array.from({ length: a.len + 1 }, (_, k) => vreg((a.rn + k) & 31, 0, 1));
    const list = regs.length >= 3 && a.rn + regs.length <= 32 ? `${regs[0]}-${regs[regs.length - 1]}` : regs.join(', ');
    return `${a.op ? 'tbx' : 'tbl'} ${vreg(a.rd, 0, a.q)}, {${list}}, ${vreg(a.rm, 0, a.q)}`;
  },
  sem(e, a) {
    const idx = e.v(a.rm);
    let r: Val | null = null;
    for (let k = 0; k <= a.len; k++) {
      const i = k ? vop(e, 0, 'sub', [idx, splat(e, 0, 16 * k)]) : idx;
      const part = e.op('i8x16.swizzle', [e.v((a.rn + k) & 31), i]);
      r = r ? or(e, r, part) : part;
    }
    if (a.op) {
      const out = vop(e, 0, 'ge_u', [idx, splat(e, 0, 16 * (a.len + 1))]);
      r = bsel(e, e.v(a.rd), r!, out);
    }
    e.setV(a.rd, a.q ? r! : low64(e, r!));
  },
});

/** Element size and index from imm5 (null: reserved). */
/** A vector register's lanes of one size, for an element operand: v1.s (then [index]). */
const lane = (n: number, size: number): string => `v${n}.${'bhsd'[size]}`;

export function elemOf(imm5: number): { size: number; index: number } | null {
  const size = 31 - Math.clz32(imm5 & -imm5);
  if (imm5 === 0 || size > 3) return null;
  return { size, index: imm5 >> (size + 1) };
}

function dupLane(e: Emitter, v: Val, size: number, index: number): Val {
  return shuffleLanes(e, size, v, v, new Array(16 >> size).fill(index));
}

export const [DUP_elem, DUP_elem_s] = vecAndScalar({
  pattern: '0 q:1 0 s:1 1110000 imm5:5 0 0000 1 rn:5 rd:5',
  asm(a) {
    const el = elemOf(a.imm5);
    if (!el || (a.s ? !a.q : el.size === 3 && !a.q)) return null;
    const src = `${lane(a.rn, el.size)}[${el.index}]`;
    return a.s ? `mov ${'bhsd'[el.size]}${a.rd}, ${src}` : `dup ${vreg(a.rd, el.size, a.q)}, ${src}`;
  },
  sem(e, a) {
    const el = elemOf(a.imm5);
    const scalar = !!a.s;
    if (!el || (scalar ? !a.q : el.size === 3 && !a.q)) return e.trap(Trap.Undefined);
    const r = dupLane(e, e.v(a.rn), el.size, el.index);
    e.setV(a.rd, fit(e, r, a.q, scalar, el.size));
  },
});

export const DUP_gen = insn({
  pattern: '0 q:1 0 01110000 imm5:5 0 0001 1 rn:5 rd:5',
  asm(a) {
    const el = elemOf(a.imm5);
    if (!el || (el.size === 3 && !a.q)) return null;
    return `dup ${vreg(a.rd, el.size, a.q)}, ${xr(a.rn, el.size === 3)}`;
  },
  sem(e, a) {
    const el = elemOf(a.imm5);
    if (!el || (el.size === 3 && !a.q)) return e.trap(Trap.Undefined);
    const x = e.x(a.rn);
    const r = el.size === 3 ? e.op('i64x2.splat', [x]) : vop(e, el.size, 'splat', [e.wrap(x)]);
    e.setV(a.rd, a.q ? r : low64(e, r));
  },
});

export const INS_gen = insn({
  pattern: '0 1 0 01110000 imm5:5 0 0011 1 rn:5 rd:5',
  asm(a) {
    const el = elemOf(a.imm5);
    return el && `mov ${lane(a.rd, el.size)}[${el.index}], ${xr(a.rn, el.size === 3)}`;
  },
  sem(e, a) {
    const el = elemOf(a.imm5);
    if (!el) return e.trap(Trap.Undefined);
    const x = e.x(a.rn);
    const d = e.v(a.rd);
    e.setV(a.rd, el.size === 3 ? e.op('i64x2.replace_lane', [d, x], el.index)
      : vop(e, el.size, 'replace_lane', [d, e.wrap(x)], el.index));
  },
});

export const INS_elem = insn({
  pattern: '0 1 1 01110000 imm5:5 0 imm4:4 1 rn:5 rd:5',
  asm(a) {
    const el = elemOf(a.imm5);
    return el && `mov ${lane(a.rd, el.size)}[${el.index}], ${lane(a.rn, el.size)}[${a.imm4 >> el.size}]`;
  },
  sem(e, a) {
    const el = elemOf(a.imm5);
    if (!el) return e.trap(Trap.Undefined);
    const src = a.imm4 >> el.size;
    const N = 16 >> el.size;
    const sel = Array.from({ length: N }, (_, i) => (i === el.index ? N + src : i));
    e.setV(a.rd, shuffleLanes(e, el.size, e.v(a.rd), e.v(a.rn), sel));
  },
});

export const UMOV = insn({
  pattern: '0 q:1 0 01110000 imm5:5 0 01 u:1 1 1 rn:5 rd:5',
  asm(a) {
    const el = elemOf(a.imm5);
    if (!el) return null;
    const src = `${lane(a.rn, el.size)}[${el.index}]`;
    if (a.u) {
      if (a.q !== (el.size === 3 ? 1 : 0)) return null;
      return `${el.size >= 2 ? 'mov' : 'umov'} ${xr(a.rd, a.q)}, ${src}`;
    }
    if (el.size === 3 || (el.size === 2 && !a.q)) return null;
    return `smov ${xr(a.rd, a.q)}, ${src}`;
  },
  sem(e, a) {
    const el = elemOf(a.imm5);
    if (!el) return e.trap(Trap.Undefined);
    const { size, index } = el;
    const v = e.v(a.rn);
    if (a.u) { // UMOV: 32-bit destination for b/h/s, 64-bit for d
      if (a.q !== (size === 3 ? 1 : 0)) return e.trap(Trap.Undefined);
      let x: Val;
      if (size === 3) x = e.op('i64x2.extract_lane', [v], index);
      else if (size === 2) x = e.extendU(e.op('i32x4.extract_lane', [v], index));
      else x = e.extendU(vop(e, size, 'extract_lane_u', [v], index));
      e.setX(a.rd, x);
    } else { // SMOV: sign-extend to 32 (q=0) or 64 bits
      if (size === 3 || (size === 2 && !a.q)) return e.trap(Trap.Undefined);
      const w = size === 2 ? e.op('i32x4.extract_lane', [v], index) : vop(e, size, 'extract_lane_s', [v], index);
      e.setX(a.rd, a.q ? e.op('i64.extend_i32_s', [w]) : e.extendU(w));
    }
  },
});

/** Reduce `lanes` lanes of `size` (in the low lanes of v) with f; the result is in lane 0. */
export function reduce(e: Emitter, size: number, v: Val, lanes: number, f: (x: Val, y: Val) => Val): Val {
  let r = v;
  for (let half = lanes >> 1; half >= 1; half >>= 1) {
    const sel = Array.from({ length: 16 >> size }, (_, i) => (i < half ? i + half : i));
    r = f(r, shuffleLanes(e, size, r, r, sel));
  }
  return r;
}

/** Across lanes; one definition per integer opcode (the FP opcodes belong to simd-fp). */
function across(opc: string, asm: string, u: string, kind: 'addlv' | 'max' | 'min' | 'add') {
  return insn({
    pattern: `0 q:1 ${u} 01110 size:2 11000 ${opc} 10 rn:5 rd:5`,
    asm(a) {
      const { q, size } = a;
      if (size === 3 || (size === 2 && !q)) return null;
      const name = simdMnemonic(asm, a.u ?? 0, size);
      return `${name} ${'bhsd'[kind === 'addlv' ? size + 1 : size]}${a.rd}, ${vreg(a.rn, size, q)}`;
    },
    sem(e, a) {
      const { q, size } = a;
      const signed = !a.u;
      if (size === 3 || (size === 2 && !q)) return e.trap(Trap.Undefined);
      const lanes = (q ? 16 : 8) >> size;
      const n = e.v(a.rn);
      let r: Val;
      let rsize = size;
      switch (kind) {
        case 'addlv':
          rsize = size + 1;
          r = reduce(e, rsize, addlp(e, size, n, signed), lanes >> 1, (x, y) => vop(e, rsize, 'add', [x, y]));
          break;
        case 'max': r = reduce(e, size, n, lanes, (x, y) => max(e, size, x, y, signed)); break;
        case 'min': r = reduce(e, size, n, lanes, (x, y) => min(e, size, x, y, signed)); break;
        default: r = reduce(e, size, n, lanes, (x, y) => vop(e, size, 'add', [x, y])); break;
      }
      e.setV(a.rd, lane0(e, rsize, r));
    },
  });
}
export const SADDLV = across('00011', 's/uaddlv', 'u:1', 'addlv');
export const SMAXV = across('01010', 's/umaxv', 'u:1', 'max');
export const SMINV = across('11010', 's/uminv', 'u:1', 'min');
export const ADDV = across('11011', 'addv', '0', 'add');

export const ADDP_scalar = insn({
  pattern: '01 0 11110 size:2 11000 11011 10 rn:5 rd:5',
  asm: (a) => (a.size === 3 ? `addp d${a.rd}, v${a.rn}.2d` : null),
  sem(e, a) {
    if (a.size !== 3) return e.trap(Trap.Undefined);
    const n = e.v(a.rn);
    e.setV(a.rd, low64(e, e.op('i64x2.add', [n, shuffleLanes(e, 3, n, n, [1, 1])])));
  },
});

