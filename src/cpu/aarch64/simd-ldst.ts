// AdvSIMD structure loads and stores: LD1-LD4/ST1-ST4 (multiple structures), the single
// structure forms (one lane) and LD1R-LD4R, without offset or post-indexed by an immediate
// (Rm = 31) or a register. All loads happen before any register is written, so a fault leaves
// the registers unchanged.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { vreg, xr, xsp } from '../disasm.js';
import { insn, type Fields } from '../insn.js';
import { low64, SH } from './simd-util.js';

/**
 * Build a vector whose byte i is byte sel[i] of the concatenation of `chunks` (16 bytes each;
 * -1: don't care), using a tree of i8x16.shuffle.
 */
function gather(e: Emitter, chunks: Val[], sel: number[]): Val {
  const used = [...new Set(sel.filter((j) => j >= 0).map((j) => j >> 4))].sort((a, b) => a - b);
  const pair = (ids: number[], s: number[]): Val => {
    const a = chunks[ids[0]];
    const b = ids.length > 1 ? chunks[ids[1]] : a;
    const idx = s.map((j) => (j < 0 ? 0 : (j >> 4) === ids[0] ? j & 15 : (j >> 4) === ids[1] ? 16 + (j & 15) : 0));
    if (ids.length === 1 && idx.every((x, i) => x === i)) return a;
    return e.op('i8x16.shuffle', [a, b], idx);
  };
  if (used.length === 0) return chunks[0];
  if (used.length <= 2) return pair(used, sel);
  const left = used.slice(0, 2);
  const right = used.slice(2);
  const pl = pair(left, sel.map((j) => (j >= 0 && left.includes(j >> 4) ? j : -1)));
  const pr = pair(right, sel.map((j) => (j >= 0 && right.includes(j >> 4) ? j : -1)));
  return e.op('i8x16.shuffle', [pl, pr], sel.map((j, i) => (j >= 0 && right.includes(j >> 4) ? 16 + i : i)));
}

/** Address after the access: Rn + (Rm == 31 ? total : Xm). */
function writeBack(e: Emitter, rn: number, rm: number, base: Val, total: number): void {
  e.setXsp(rn, e.add(base, rm === 31 ? e.i64(total) : e.x(rm)));
}

const MULTI: Record<number, [number, number]> = { // opcode -> [rpt, selem]
  0b0000: [1, 4], 0b0010: [4, 1], 0b0100: [1, 3], 0b0110: [3, 1], 0b0111: [1, 1], 0b1000: [1, 2], 0b1010: [2, 1],
};

export const LDST_MULTI = insn({
  pattern: '0 q:1 001100 p:1 l:1 0 rm:5 opc:4 size:2 rn:5 rt:5',
  asm(a) {
    const shape = MULTI[a.opc];
    if (!shape || (!a.p && a.rm !== 0)) return null;
    const [rpt, selem] = shape;
    if (a.size === 3 && !a.q && selem > 1) return null;
    const regs = Array.from({ length: rpt * selem }, (_, i) => vreg((a.rt + i) & 31, a.size, a.q));
    const post = !a.p ? '' : a.rm === 31 ? `, #${regs.length * (a.q ? 16 : 8)}` : `, ${xr(a.rm)}`;
    // objdump writes three or four registers that do not wrap past v31 as a range.
    const list = regs.length >= 3 && a.rt + regs.length <= 32 ? `${regs[0]}-${regs[regs.length - 1]}` : regs.join(', ');
    return `${a.l ? 'ld' : 'st'}${selem} {${list}}, [${xsp(a.rn)}]${post}`;
  },
  sem(e, a) {
    const shape = MULTI[a.opc];
    if (!shape || (!a.p && a.rm !== 0)) return e.trap(Trap.Undefined);
    const [rpt, selem] = shape;
    if (a.size === 3 && !a.q && selem > 1) return e.trap(Trap.Undefined);
    const eb = 1 << a.size;
    const rb = a.q ? 16 : 8;
    const nregs = rpt * selem;
    const total = nregs * rb;
    const regs = Array.from({ length: nregs }, (_, i) => (a.rt + i) & 31);
    // Memory byte j <-> (register, byte in register).
    const regOf = (j: number): [number, number] => {
      if (selem === 1) return [Math.floor(j / rb), j % rb];
      const el = Math.floor(j / (eb * selem));
      const s = Math.floor(j / eb) % selem;
      return [s, el * eb + (j % eb)];
    };
    const base = e.xsp(a.rn);
    if (a.l) {
      const chunks: Val[] = [];
      for (let off = 0; off < total; off += 16) {
        const addr = off ? e.add(base, e.i64(off)) : base;
        if (total - off >= 16) chunks.push(e.load(addr, 16));
        else chunks.push(e.op('i64x2.splat', [e.load(addr, 8)]));
      }
      const sels: number[][] = regs.map(() => new Array(16).fill(-1));
      for (let j = 0; j < total; j++) {
        const [r, b] = regOf(j);
        sels[r][b] = j;
      }
      const vals = sels.map((sel) => gather(e, chunks, sel));
      vals.forEach((v, i) => e.setV(regs[i], a.q ? v : low64(e, v)));
    } else {
      const src = regs.map((r) => e.v(r));
      // Registers as 16-byte chunks: byte b of register r is global byte r*16+b.
      for (let off = 0; off < total; off += 16) {
        const n = Math.min(16, total - off);
        const sel = Array.from({ length: 16 }, (_, i) => {
          if (i >= n) return -1;
          const [r, b] = regOf(off + i);
          return r * 16 + b;
        });
        const v = gather(e, src, sel);
        const addr = off ? e.add(base, e.i64(off)) : base;
        if (n === 16) e.store(addr, v, 16);
        else e.store(addr, e.op('i64x2.extract_lane', [v], 0), 8);
      }
    }
    if (a.p) writeBack(e, a.rn, a.rm, base, total);
  },
});

/** A single-structure load/store's registers (selem), kind (scale 3: LDnR, replicate), element
 *  size and lane, from its fields; null for an unallocated encoding. */
function singleLayout(a: Fields): { selem: number; scale: number; size: number; index: number } | null {
  if (!a.p && a.rm !== 0) return null;
  const selem = (((a.opc & 1) << 1) | a.r) + 1;
  const scale = a.opc >> 1;
  switch (scale) {
    case 0: return { selem, scale, size: 0, index: (a.q << 3) | (a.s << 2) | a.size };
    case 1: return a.size & 1 ? null : { selem, scale, size: 1, index: (a.q << 2) | (a.s << 1) | (a.size >> 1) };
    case 2:
      if (a.size === 0) return { selem, scale, size: 2, index: (a.q << 1) | a.s };
      if (a.size === 1 && !a.s) return { selem, scale, size: 3, index: a.q };
      return null;
    default: return !a.l || a.s ? null : { selem, scale, size: a.size, index: 0 };
  }
}

export const LDST_SINGLE = insn({
  pattern: '0 q:1 001101 p:1 l:1 r:1 rm:5 opc:3 s:1 size:2 rn:5 rt:5',
  asm(a) {
    const layout = singleLayout(a);
    if (!layout) return null;
    const { selem, scale, size, index } = layout;
    const regs = Array.from({ length: selem }, (_, i) =>
      (scale === 3 ? vreg((a.rt + i) & 31, size, a.q) : `v${(a.rt + i) & 31}.${'bhsd'[size]}`));
    const list = regs.length >= 3 && a.rt + regs.length <= 32 ? `${regs[0]}-${regs[regs.length - 1]}` : regs.join(', ');
    const post = !a.p ? '' : a.rm === 31 ? `, #${selem << size}` : `, ${xr(a.rm)}`;
    const name = `${a.l ? 'ld' : 'st'}${selem}${scale === 3 ? 'r' : ''}`;
    return `${name} {${list}}${scale === 3 ? '' : `[${index}]`}, [${xsp(a.rn)}]${post}`;
  },
  sem(e, a) {
    const layout = singleLayout(a);
    if (!layout) return e.trap(Trap.Undefined);
    const { selem, scale, size, index } = layout;
    const eb = 1 << size;
    const base = e.xsp(a.rn);
    const regs = Array.from({ length: selem }, (_, i) => (a.rt + i) & 31);
    const addrOf = (i: number) => (i ? e.add(base, e.i64(i * eb)) : base);
    if (scale === 3) { // LDnR: load and replicate
      const xs = regs.map((_, i) => e.load(addrOf(i), eb as 1 | 2 | 4 | 8));
      xs.forEach((x, i) => {
        const v = size === 3 ? e.op('i64x2.splat', [x]) : e.op(`${SH[size]}.splat`, [e.wrap(x)]);
        e.setV(regs[i], a.q ? v : low64(e, v));
      });
    } else if (a.l) {
      const xs = regs.map((_, i) => e.load(addrOf(i), eb as 1 | 2 | 4 | 8));
      xs.forEach((x, i) => {
        const d = e.v(regs[i]);
        e.setV(regs[i], size === 3 ? e.op('i64x2.replace_lane', [d, x], index)
          : e.op(`${SH[size]}.replace_lane`, [d, e.wrap(x)], index));
      });
    } else {
      regs.forEach((r, i) => {
        const v = e.v(r);
        let x: Val;
        if (size === 3) x = e.op('i64x2.extract_lane', [v], index);
        else if (size === 2) x = e.op('i32x4.extract_lane', [v], index);
        else x = e.op(`${SH[size]}.extract_lane_u`, [v], index);
        e.store(addrOf(i), x, eb as 1 | 2 | 4 | 8);
      });
    }
    if (a.p) writeBack(e, a.rn, a.rm, base, selem * eb);
  },
});
