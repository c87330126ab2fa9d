// Load/store pair: LDP/STP/LDPSW/LDNP/STNP of W/X and of S/D/Q registers, with signed offset,
// pre-index and post-index. A pair of 4- or 8-byte registers is moved with one 8- or 16-byte
// access (one permission check, and a fault leaves memory and registers as they were); a Q pair
// needs two 16-byte accesses (loads: both made before any register is written).
import { Trap } from '../emitter.js';
import type { Emitter, Val } from '../emitter.js';
import { fpr, memOff, xr, xsp } from '../disasm.js';
import { insn } from '../insn.js';
import { sext } from './common.js';
import { offsetAddr, scalarToVector, vectorLow } from './ldst-access.js';

const ZERO16 = new Array<number>(16).fill(0);
/** Shuffle selectors moving the high 8 bytes of the first operand down, zeros (second operand) above. */
const HIGH_DOWN = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];

export const LDST_pair = insn({
  pattern: 'opc:2 101 V:1 0 mode:2 L:1 imm7:7 rt2:5 rn:5 rt:5',
  asm(a) {
    if (a.opc === 3 || (!a.V && a.opc === 1 && a.mode === 0)) return null;
    const wb = (off: number) => (a.mode === 1 ? `[${xsp(a.rn)}], #${off}` : a.mode === 3 ? `[${xsp(a.rn)}, #${off}]!` : memOff(a.rn, off));
    if (!a.V && a.opc === 1 && !a.L) return `stgp ${xr(a.rt)}, ${xr(a.rt2)}, ${wb(sext(a.imm7, 7) * 16)}`; // MTE
    // objdump rejects an LDPSW that loads one register twice or its writeback base
    // (constrained unpredictable).
    if (!a.V && a.opc === 1 && a.L && (a.rt === a.rt2 || (a.mode !== 2 && a.rn !== 31 && (a.rn === a.rt || a.rn === a.rt2)))) return null;
    const size = a.V ? 4 << a.opc : a.opc === 2 ? 8 : 4;
    const reg = (r: number) => (a.V ? fpr(r, size) : xr(r, a.opc !== 0));
    const name = (a.L ? 'ld' : 'st') + (a.mode === 0 ? 'np' : 'p') + (!a.V && a.opc === 1 ? 'sw' : '');
    const off = sext(a.imm7, 7) * size;
    return `${name} ${reg(a.rt)}, ${reg(a.rt2)}, ${wb(off)}`;
  },
  sem(e, a) {
    let size: 4 | 8 | 16;
    let signed = false;
    if (a.V) {
      if (a.opc === 3) return e.trap(Trap.Undefined);
      size = (4 << a.opc) as 4 | 8 | 16;
    } else {
      if (a.opc === 3) return e.trap(Trap.Undefined);
      // opc=01: LDPSW (no non-temporal form); with L=0 it is MTE's STGP, not implemented.
      if (a.opc === 1 && (!a.L || a.mode === 0)) return e.trap(Trap.Undefined);
      size = a.opc === 2 ? 8 : 4;
      signed = a.opc === 1;
    }
    const base = e.xsp(a.rn);
    const moved = offsetAddr(e, base, sext(a.imm7, 7) * size);
    const addr = a.mode === 1 ? base : moved;
    if (a.L) loadPair(e, a.V === 1, size, signed, a.rt, a.rt2, addr);
    else storePair(e, a.V === 1, size, a.rt, a.rt2, addr);
    if (a.mode === 1 || a.mode === 3) e.setXsp(a.rn, moved);
  },
});

function loadPair(e: Emitter, fp: boolean, size: 4 | 8 | 16, signed: boolean, rt: number, rt2: number, addr: Val): void {
  if (size === 16) {
    const v1 = e.load(addr, 16);
    const v2 = e.load(e.add(addr, e.i64(16)), 16);
    e.setV(rt, v1);
    e.setV(rt2, v2);
    return;
  }
  if (size === 8) {
    const v = e.load(addr, 16);
    if (fp) {
      e.setV(rt, e.op('i64x2.replace_lane', [v, e.i64(0)], 1));
      e.setV(rt2, e.op('i8x16.shuffle', [v, e.v128(ZERO16)], HIGH_DOWN));
    } else {
      const lo = e.op('i64x2.extract_lane', [v], 0);
      const hi = e.op('i64x2.extract_lane', [v], 1);
      e.setX(rt, lo);
      e.setX(rt2, hi);
    }
    return;
  }
  const v = e.load(addr, 8);
  const lo = e.zext32(v);
  const hi = e.shrU(v, e.i64(32));
  if (fp) {
    e.setV(rt, scalarToVector(e, lo));
    e.setV(rt2, scalarToVector(e, hi));
  } else if (signed) {
    e.setX(rt, e.sext32(lo));
    e.setX(rt2, e.sext32(hi));
  } else {
    e.setX(rt, lo);
    e.setX(rt2, hi);
  }
}

function storePair(e: Emitter, fp: boolean, size: 4 | 8 | 16, rt: number, rt2: number, addr: Val): void {
  if (size === 16) {
    const v1 = e.v(rt);
    const v2 = e.v(rt2);
    // Lower half first, so a fault reports the lowest faulting address. A fault in the upper half
    // leaves the lower one written, as the architecture allows for a store that faults.
    e.store(addr, v1, 16);
    e.store(e.add(addr, e.i64(16)), v2, 16);
    return;
  }
  const lo = fp ? vectorLow(e, rt) : e.x(rt);
  const hi = fp ? vectorLow(e, rt2) : e.x(rt2);
  if (size === 8) {
    const v = e.op('i64x2.replace_lane', [e.op('i64x2.splat', [lo]), hi], 1);
    e.store(addr, v, 16);
    return;
  }
  e.store(addr, e.or(e.zext32(lo), e.shl(hi, e.i64(32))), 8);
}
