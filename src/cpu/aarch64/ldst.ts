// Loads and stores: every addressing mode, pairs, literal, exclusives, acquire/release, LSE atomics.
// This file holds the single-register forms (general-purpose and SIMD&FP registers, all sizes);
// the other kinds live in the ldst-*.ts files re-exported below.
import { Trap } from '../emitter.js';
import { EXTEND, fpr, ldstMnemonic, ldstReg, memOff, prfop, target, xr, xsp } from '../disasm.js';
import { insn } from '../insn.js';
import { extendReg, sext } from './common.js';
import { decodeAccess, log2, offsetAddr, transfer } from './ldst-access.js';

export * from './ldst-pair.js';
export * from './ldst-excl.js';
export * from './ldst-atomic.js';

/** LDR/STR/LDRB/.../LDRSW/PRFM (immediate, unsigned offset), B/H/S/D/Q registers included. */
export const LDST_uimm = insn({
  pattern: 'size:2 111 V:1 01 opc:2 imm12:12 rn:5 rt:5',
  asm(a) {
    const acc = decodeAccess(a.size, a.V, a.opc);
    if (!acc) return null;
    return `${ldstMnemonic(acc, 'r')} ${ldstReg(acc, a.rt)}, ${memOff(a.rn, a.imm12 << log2(acc.size))}`;
  },
  sem(e, a) {
    const acc = decodeAccess(a.size, a.V, a.opc);
    if (!acc) return e.trap(Trap.Undefined);
    if (acc.op === 'prefetch') return;
    const addr = offsetAddr(e, e.xsp(a.rn), a.imm12 << log2(acc.size));
    transfer(e, acc, a.rt, addr)();
  },
});

/**
 * The 9-bit signed immediate forms: unscaled (LDUR/STUR/PRFUM, op=0), post-index (1),
 * unprivileged (LDTR/STTR, 2: at EL0 the same as unscaled) and pre-index (3).
 */
export const LDST_imm9 = insn({
  pattern: 'size:2 111 V:1 00 opc:2 0 imm9:9 op:2 rn:5 rt:5',
  asm(a) {
    const acc = decodeAccess(a.size, a.V, a.opc);
    if (!acc || (a.op === 2 && acc.fp) || (acc.op === 'prefetch' && a.op !== 0)) return null;
    const imm = sext(a.imm9, 9);
    const name = ldstMnemonic(acc, a.op === 0 ? 'ur' : a.op === 2 ? 'tr' : 'r');
    const mem = a.op === 1 ? `[${xsp(a.rn)}], #${imm}` : a.op === 3 ? `[${xsp(a.rn)}, #${imm}]!` : memOff(a.rn, imm);
    return `${name} ${ldstReg(acc, a.rt)}, ${mem}`;
  },
  sem(e, a) {
    const acc = decodeAccess(a.size, a.V, a.opc);
    if (!acc || (a.op === 2 && acc.fp)) return e.trap(Trap.Undefined);
    if (acc.op === 'prefetch') {
      // PRFUM only; pre/post-index and unprivileged forms with this size/opc are unallocated.
      if (a.op !== 0) e.trap(Trap.Undefined);
      return;
    }
    const base = e.xsp(a.rn);
    const moved = offsetAddr(e, base, sext(a.imm9, 9));
    const commit = transfer(e, acc, a.rt, a.op === 1 ? base : moved);
    commit();
    if (a.op === 1 || a.op === 3) e.setXsp(a.rn, moved);
  },
});

/** Register offset: [Xn, Rm{, UXTW|LSL|SXTW|SXTX {#log2 size}}]. */
export const LDST_reg = insn({
  pattern: 'size:2 111 V:1 00 opc:2 1 rm:5 option:3 S:1 10 rn:5 rt:5',
  asm(a) {
    const acc = decodeAccess(a.size, a.V, a.opc);
    if (!acc || (a.option & 2) === 0) return null;
    const amount = a.S ? ` #${log2(acc.size)}` : '';
    const ext = a.option === 3 ? (a.S ? `, lsl${amount}` : '') : `, ${EXTEND[a.option]}${amount}`;
    return `${ldstMnemonic(acc, 'r')} ${ldstReg(acc, a.rt)}, [${xsp(a.rn)}, ${xr(a.rm, a.option & 1)}${ext}]`;
  },
  sem(e, a) {
    const acc = decodeAccess(a.size, a.V, a.opc);
    if (!acc || (a.option & 2) === 0) return e.trap(Trap.Undefined);
    if (acc.op === 'prefetch') return;
    const off = extendReg(e, e.x(a.rm), a.option, a.S ? log2(acc.size) : 0);
    transfer(e, acc, a.rt, e.add(e.xsp(a.rn), off))();
  },
});

/** LDR (literal) of W/X/S/D/Q, LDRSW (literal), PRFM (literal). */
export const LDR_lit = insn({
  pattern: 'opc:2 011 V:1 00 imm19:19 rt:5',
  asm(a, pc) {
    const at = target(pc, sext(a.imm19, 19) * 4);
    if (a.V) return a.opc === 3 ? null : `ldr ${fpr(a.rt, 4 << a.opc)}, ${at}`;
    if (a.opc === 3) return `prfm ${prfop(a.rt)}, ${at}`;
    return `${a.opc === 2 ? 'ldrsw' : 'ldr'} ${xr(a.rt, a.opc !== 0)}, ${at}`;
  },
  sem(e, a) {
    const addr = e.i64(e.pc + sext(a.imm19, 19) * 4);
    if (a.V) {
      if (a.opc === 3) return e.trap(Trap.Undefined);
      transfer(e, { op: 'load', size: (4 << a.opc) as 4 | 8 | 16, fp: true, sext: 0 }, a.rt, addr)();
      return;
    }
    if (a.opc === 3) return; // PRFM
    transfer(e, { op: 'load', size: a.opc === 0 ? 4 : a.opc === 1 ? 8 : 4, fp: false, sext: a.opc === 2 ? 64 : 0 }, a.rt, addr)();
  },
});
