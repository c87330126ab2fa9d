// Armv8.1 RDM (SQRDMLAH/SQRDMLSH) and Armv8.2 DotProd (SDOT/UDOT): "three same extra" and the
// matching by-element forms. The FP opcodes of these classes (FCMLA, FCADD) belong to simd-fp.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { vreg } from '../disasm.js';
import { insn, type InsnSpec } from '../insn.js';
import { clamp, fit, shuffleLanes, splat, SMAX, SMIN, vecAndScalar, vop } from './simd-util.js';
import { writeResult } from './simd-same.js';
import type { Sat } from './simd-util.js';

/** SQRDMLAH (sub=false) / SQRDMLSH on lanes of size 1 or 2: d + round(±2*n*m >> esize), saturated. */
export function qrdmlah(e: Emitter, size: number, d: Val, n: Val, m: Val, sub: boolean): Sat {
  const W = size + 1;
  const es = 8 << size;
  const SHN = ['i8x16', 'i16x8', 'i32x4', 'i64x2'];
  const part = (half: 'low' | 'high') => {
    let p = e.op(`${SHN[W]}.extmul_${half}_${SHN[size]}_s`, [n, m]);
    if (sub) p = vop(e, W, 'neg', [p]);
    p = vop(e, W, 'shr_s', [vop(e, W, 'add', [p, splat(e, W, 1n << BigInt(es - 2))]), e.i32(es - 1)]);
    const acc = e.op(`${SHN[W]}.extend_${half}_${SHN[size]}_s`, [d]);
    return clamp(e, W, vop(e, W, 'add', [p, acc]), SMIN(size), SMAX(size), true);
  };
  const lo = part('low');
  const hi = part('high');
  const q = e.op('i32.or', [lo.q, hi.q]);
  if (size === 1) return { r: e.op('i16x8.narrow_i32x4_s', [lo.r, hi.r]), q };
  return { r: e.op('i8x16.shuffle', [lo.r, hi.r], [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]), q };
}

/** SDOT/UDOT: each 32-bit lane of d plus the dot product of the corresponding 4 bytes of n and m. */
export function dot(e: Emitter, d: Val, n: Val, m: Val, signed: boolean): Val {
  const s = signed ? 's' : 'u';
  const part = (half: 'low' | 'high') => e.op('i32x4.dot_i16x8_s', [
    e.op(`i16x8.extend_${half}_i8x16_${s}`, [n]), e.op(`i16x8.extend_${half}_i8x16_${s}`, [m])]);
  const lo = part('low');
  const hi = part('high');
  const sums = vop(e, 2, 'add', [shuffleLanes(e, 2, lo, hi, [0, 2, 4, 6]), shuffleLanes(e, 2, lo, hi, [1, 3, 5, 7])]);
  return vop(e, 2, 'add', [d, sums]);
}

export const [SQRDMLAH, SQRDMLAH_s] = vecAndScalar({
  pattern: '0 q:1 1 s:1 1110 size:2 0 rm:5 1 000 sub:1 1 rn:5 rd:5',
  asm(a) {
    if (a.size !== 1 && a.size !== 2) return null;
    const r = (n: number) => (a.s ? `${'bhsd'[a.size]}${n}` : vreg(n, a.size, a.q));
    return `sqrdml${a.sub ? 'sh' : 'ah'} ${r(a.rd)}, ${r(a.rn)}, ${r(a.rm)}`;
  },
  sem(e, a) {
    if (a.size !== 1 && a.size !== 2) return e.trap(Trap.Undefined);
    const sc = !!a.s;
    const f = (v: Val) => fit(e, v, a.q, sc, a.size);
    writeResult(e, a.rd, qrdmlah(e, a.size, f(e.v(a.rd)), f(e.v(a.rn)), f(e.v(a.rm)), !!a.sub), a.q, sc, a.size);
  },
});

export const SDOT = insn({
  pattern: '0 q:1 u:1 0 1110 size:2 0 rm:5 1 0010 1 rn:5 rd:5',
  asm: (a) => (a.size !== 2 ? null : `${a.u ? 'u' : 's'}dot ${vreg(a.rd, 2, a.q)}, ${vreg(a.rn, 0, a.q)}, ${vreg(a.rm, 0, a.q)}`),
  sem(e, a) {
    if (a.size !== 2) return e.trap(Trap.Undefined);
    const r = dot(e, e.v(a.rd), e.v(a.rn), e.v(a.rm), !a.u);
    e.setV(a.rd, fit(e, r, a.q, false, 2));
  },
});

function byElemRdm(): InsnSpec {
  return {
    pattern: '0 q:1 1 s:1 1111 size:2 l:1 m:1 rm:4 11 sub:1 1 h:1 0 rn:5 rd:5',
    asm(a) {
      let el: string;
      if (a.size === 1) el = `v${a.rm}.h[${(a.h << 2) | (a.l << 1) | a.m}]`;
      else if (a.size === 2) el = `v${(a.m << 4) | a.rm}.s[${(a.h << 1) | a.l}]`;
      else return null;
      const r = (n: number) => (a.s ? `${'bhsd'[a.size]}${n}` : vreg(n, a.size, a.q));
      return `sqrdml${a.sub ? 'sh' : 'ah'} ${r(a.rd)}, ${r(a.rn)}, ${el}`;
    },
    sem(e, a) {
      let reg: number;
      let idx: number;
      if (a.size === 1) { reg = a.rm; idx = (a.h << 2) | (a.l << 1) | a.m; }
      else if (a.size === 2) { reg = (a.m << 4) | a.rm; idx = (a.h << 1) | a.l; }
      else return e.trap(Trap.Undefined);
      const v = e.v(reg);
      const mm = shuffleLanes(e, a.size, v, v, new Array(16 >> a.size).fill(idx));
      const sc = !!a.s;
      const f = (x: Val) => fit(e, x, a.q, sc, a.size);
      writeResult(e, a.rd, qrdmlah(e, a.size, f(e.v(a.rd)), f(e.v(a.rn)), f(mm), !!a.sub), a.q, sc, a.size);
    },
  };
}
export const [SQRDMLAH_elem, SQRDMLAH_elem_s] = vecAndScalar(byElemRdm());

export const SDOT_elem = insn({
  pattern: '0 q:1 u:1 0 1111 size:2 l:1 m:1 rm:4 1110 h:1 0 rn:5 rd:5',
  asm: (a) => (a.size !== 2 ? null
    : `${a.u ? 'u' : 's'}dot ${vreg(a.rd, 2, a.q)}, ${vreg(a.rn, 0, a.q)}, v${(a.m << 4) | a.rm}.4b[${(a.h << 1) | a.l}]`),
  sem(e, a) {
    if (a.size !== 2) return e.trap(Trap.Undefined);
    const v = e.v((a.m << 4) | a.rm);
    const mm = shuffleLanes(e, 2, v, v, new Array(4).fill((a.h << 1) | a.l));
    e.setV(a.rd, fit(e, dot(e, e.v(a.rd), e.v(a.rn), mm, !a.u), a.q, false, 2));
  },
});

