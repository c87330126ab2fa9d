// System instructions: MRS/MSR, barriers, cache maintenance, hints.
//
// Only what Linux lets EL0 do exists here; everything else is SIGILL, as on a real kernel.
// The identification registers describe the CPU the loader's AT_HWCAP advertises (FP, ASIMD,
// CRC32, ATOMICS): Linux traps EL0 reads of ID registers and returns only their user-visible
// fields, so those values are what a guest would see on real hardware with the same features.
import { Sync, Trap } from '../emitter.js';
import type { Emitter, Val } from '../emitter.js';
import { hex, xr } from '../disasm.js';
import { sysRegOperand } from '../disasm-sysregs.js';
import { insn } from '../insn.js';
import { sysReg, sysRegName } from './sysregs.js';

/** EL0 system registers that mean the same at EL1 and can stay inline in system mode. */
const SAME_AT_EL1 = new Set(['nzcv', 'fpcr', 'fpsr', 'tpidr_el0', 'cntvct_el0', 'cntpct_el0']);

/** The low 22 bits of a system instruction word (L, op0, op1, CRn, CRm, op2, Rt): what a
 *  Trap.SystemRegister exit carries to the run loop. */
export function insnBits(op1: number, crn: number, crm: number, op2: number, rt: number, op0: number, L: number): number {
  return (L << 21) | (op0 << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5) | rt;
}

export * from './sysregs.js';

/** HINT #n names objdump uses (n = CRm:op2); BTI (CRm=4) is spelled with its targets. */
const HINTS: Record<number, string> = {
  0: 'nop', 1: 'yield', 2: 'wfe', 3: 'wfi', 4: 'sev', 5: 'sevl', 7: 'xpaclri',
  8: 'pacia1716', 10: 'pacib1716', 12: 'autia1716', 14: 'autib1716', 16: 'esb', 17: 'psb csync',
  18: 'tsb csync', 20: 'csdb', 22: 'clearbhb', 24: 'paciaz', 25: 'paciasp', 26: 'pacibz', 27: 'pacibsp',
  28: 'autiaz', 29: 'autiasp', 30: 'autibz', 31: 'autibsp',
};

/** A DMB/DSB option, unnamed ones as objdump prints them (two hex digits). */
const barrierOption = (crm: number) => BARRIER_OPTION[crm] || `#0x${crm.toString(16).padStart(2, '0')}`;

/** MSR (immediate) PSTATE field names by op1_op2. */
const PSTATE_FIELDS: Record<string, string> = {
  '0_3': 'uao', '0_4': 'pan', '0_5': 'spsel', '3_1': 'ssbs', '3_2': 'dit', '3_4': 'tco', '3_6': 'daifset', '3_7': 'daifclr', '1_0': 'allint',
};

/** DMB/DSB option names by CRm. */
const BARRIER_OPTION = ['', 'oshld', 'oshst', 'osh', '', 'nshld', 'nshst', 'nsh', '', 'ishld', 'ishst', 'ish', '', 'ld', 'st', 'sy'];

/** SYS aliases by op1_CRn_CRm_op2: the EL0 cache operations and the common EL1 ones; a
 *  trailing ! marks those that take no register. */
const SYS_OPS = new Map<string, string>([
  ['3_7_4_1', 'dc zva'], ['3_7_4_3', 'dc gva'], ['3_7_4_4', 'dc gzva'], ['3_7_10_1', 'dc cvac'],
  ['3_7_11_1', 'dc cvau'], ['3_7_12_1', 'dc cvap'], ['3_7_13_1', 'dc cvadp'], ['3_7_14_1', 'dc civac'],
  ['3_7_5_1', 'ic ivau'], ['0_7_6_1', 'dc ivac'], ['0_7_6_2', 'dc isw'], ['0_7_10_2', 'dc csw'], ['0_7_14_2', 'dc cisw'],
  ['0_7_5_0', 'ic iallu!'], ['0_7_1_0', 'ic ialluis!'],
  ['0_7_8_0', 'at s1e1r'], ['0_7_8_1', 'at s1e1w'], ['0_7_8_2', 'at s1e0r'], ['0_7_8_3', 'at s1e0w'],
  ['0_8_3_0', 'tlbi vmalle1is!'], ['0_8_7_0', 'tlbi vmalle1!'], ['0_8_3_1', 'tlbi vae1is'], ['0_8_7_1', 'tlbi vae1'],
  ['0_8_3_2', 'tlbi aside1is'], ['0_8_7_2', 'tlbi aside1'], ['0_8_3_3', 'tlbi vaae1is'], ['0_8_7_3', 'tlbi vaae1'],
  ['0_8_3_5', 'tlbi vale1is'], ['0_8_7_5', 'tlbi vale1'], ['0_8_3_7', 'tlbi vaale1is'], ['0_8_7_7', 'tlbi vaale1'],
]);

/** HINT space: NOP, YIELD, WFE, WFI, SEV, SEVL, DGH, ESB, PSB, TSB, CSDB, BTI and the PAC hints
 *  (PACIASP, AUTIASP, XPACLRI, ...). Features we do not advertise (PAC, BTI) make those hints
 *  NOPs, which is what glibc built with branch protection relies on; WFI/WFE at EL0 may simply
 *  return. */
export const HINT = insn({
  pattern: '11010101 00000011 0010 crm:4 op2:3 11111',
  asm(a) {
    const n = a.crm * 8 + a.op2;
    const named = HINTS[n];
    if (named) return named;
    if (a.crm === 4 && !(a.op2 & 1)) return ['bti', 'bti c', 'bti j', 'bti jc'][a.op2 >> 1];
    return `hint ${hex(n)}`;
  },
  sem(e, a) {
    // WFI ends the block so that a system-mode run loop can idle until an interrupt; the user-
    // mode run loop goes straight on. WFE stays a NOP: with one CPU and no event stream
    // returning at once is allowed.
    if (e.system && a.crm === 0 && a.op2 === 3) e.sync(Sync.WaitForInterrupt);
  },
});

/** CLREX, DSB, DMB, ISB, SB (and SSBB/PSSBB, which are DSB encodings). */
export const BARRIER = insn({
  pattern: '11010101 00000011 0011 crm:4 op2:3 11111',
  asm(a) {
    switch (a.op2) {
      case 2: return a.crm === 15 ? 'clrex' : `clrex ${hex(a.crm)}`;
      case 4: return a.crm === 0 ? 'ssbb' : a.crm === 4 ? 'pssbb' : `dsb ${barrierOption(a.crm)}`;
      case 5: return `dmb ${barrierOption(a.crm)}`;
      case 6: return a.crm === 15 ? 'isb' : `isb ${hex(a.crm)}`;
      case 7: return a.crm === 0 ? 'sb' : `msr s0_3_c3_c${a.crm}_7, xzr`;
      case 1: return (a.crm & 3) !== 2 ? `msr s0_3_c3_c${a.crm}_1, xzr` : `dsb ${['osh', 'nsh', 'ish', 'sy'][a.crm >> 2]}nxs`;
      case 3: return null; // TME
      default: return `msr s0_3_c3_c${a.crm}_${a.op2}, xzr`;
    }
  },
  sem(e, a) {
    switch (a.op2) {
      case 2: e.setSys('exclAddr', e.i64(-1)); return; // CLREX
      case 4: // DSB
      case 5: // DMB
        e.fence();
        return;
      // ISB orders no memory accesses, and instruction fetch already sees stores (a store to a
      // page with translated code invalidates it); SB only limits speculation. Rust's spin-loop
      // hint is an ISB, so it stays free.
      case 6:
        return;
      case 7:
        if (a.crm === 0) return;
        return e.trap(Trap.Undefined);
      default:
        return e.trap(Trap.Undefined);
    }
  },
});

/** MSR (immediate) to PSTATE fields. At EL0 with Linux's settings (SCTLR_EL1.UMA=0) DAIFSet/
 *  DAIFClr trap, and the rest need features not advertised, except CFINV (FEAT_FlagM, harmless
 *  to provide). */
export const MSR_imm = insn({
  pattern: '1101010100000 op1:3 0100 crm:4 op2:3 11111',
  asm(a) {
    if (a.op1 === 0 && a.crm === 0 && a.op2 <= 2) return ['cfinv', 'xaflag', 'axflag'][a.op2];
    const field = PSTATE_FIELDS[`${a.op1}_${a.op2}`];
    // Single-bit fields take #0 or #1; objdump prints other values as a register write.
    if (a.op1 === 3 && a.op2 === 3) return null; // SME's smstart/smstop
    if (!field || (a.crm > 1 && !field.startsWith('daif'))) return `msr s0_${a.op1}_c4_c${a.crm}_${a.op2}, xzr`;
    return `msr ${field}, ${hex(a.crm)}`;
  },
  sem(e, a) {
    if (a.op1 === 0 && a.op2 === 0 && a.crm === 0) {
      e.setFlags(e.flag('n'), e.flag('z'), e.op('i32.xor', [e.flag('c'), e.i32(1)]), e.flag('v')); // CFINV
      return;
    }
    // DAIFSet/DAIFClr, SPSel, PAN...: PSTATE the run loop keeps (system mode only).
    if (e.system) return e.trap(Trap.SystemRegister, insnBits(a.op1, 4, a.crm, a.op2, 31, 0, 0));
    e.trap(Trap.Undefined);
  },
});

/** DC ZVA zeroes this many bytes (DCZID_EL0.BS = 4: 2^4 words). */
export const ZVA_BYTES = 64;
const ZERO16 = new Array<number>(16).fill(0);

/** SYS/SYSL: the EL0 cache maintenance operations (DC ZVA, DC CVAU/CVAC/CIVAC, IC IVAU). */
export const SYS = insn({
  pattern: '1101010100 L:1 01 op1:3 crn:4 crm:4 op2:3 rt:5',
  asm(a) {
    if (a.L) return `sysl ${xr(a.rt)}, #${a.op1}, C${a.crn}, C${a.crm}, #${a.op2}`;
    const op = SYS_OPS.get(`${a.op1}_${a.crn}_${a.crm}_${a.op2}`);
    if (op) return op.endsWith('!') ? (a.rt === 31 ? op.slice(0, -1) : null) : `${op}, ${xr(a.rt)}`;
    // objdump names hundreds of AT, DC, IC and TLBI operations; those not in SYS_OPS stay .inst.
    if (a.crn >= 7 && a.crn <= 9) return null;
    return `sys #${a.op1}, C${a.crn}, C${a.crm}, #${a.op2}${a.rt === 31 ? '' : `, ${xr(a.rt)}`}`;
  },
  sem(e, a) {
    // In system mode the EL1 operations (TLBI, AT, DC ISW/CISW/IVAC, IC IALLU...) go to the run
    // loop; the EL0 ones below stay inline in both modes.
    const el0 = !a.L && a.op1 === 3 && a.crn === 7 && a.op2 === 1 && [4, 5, 10, 11, 14].includes(a.crm);
    if (e.system && !el0) return e.trap(Trap.SystemRegister, insnBits(a.op1, a.crn, a.crm, a.op2, a.rt, 1, a.L));
    if (a.L || a.op1 !== 3 || a.crn !== 7 || a.op2 !== 1) return e.trap(Trap.Undefined);
    switch (a.crm) {
      case 4: return dcZva(e, e.x(a.rt));
      case 5: return e.sync(Sync.InvalidateCode, e.x(a.rt)); // IC IVAU
      // DC CVAC (10), CVAU (11), CIVAC (14): no cache to clean here. DC CVAP/CVADP (12, 13) need
      // FEAT_DPB, which is not advertised: SIGILL, as under qemu.
      case 10: case 11: case 14: return;
      default: return e.trap(Trap.Undefined);
    }
  },
});

/**
 * DC ZVA: zero the 64-byte block holding Xt. It is a store: a 1-byte store of zero at Xt itself
 * does the permission check first (the whole block is on Xt's page, and a fault then reports Xt,
 * as FAR does for DC instructions), then four 16-byte stores clear the aligned block.
 */
function dcZva(e: Emitter, xt: Val): void {
  e.store(xt, e.i64(0), 1);
  const base = e.and(xt, e.i64(-ZVA_BYTES));
  const zero = e.v128(ZERO16);
  for (let off = 0; off < ZVA_BYTES; off += 16) e.store(off ? e.add(base, e.i64(off)) : base, zero, 16);
}

/** MRS and MSR (register): sysReg maps (op0, op1, CRn, CRm, op2) to what EL0 may do with it. */
export const MRS_MSR = insn({
  pattern: '1101010100 L:1 1 o0:1 op1:3 crn:4 crm:4 op2:3 rt:5',
  asm(a) {
    const reg = sysRegOperand(2 + a.o0, a.op1, a.crn, a.crm, a.op2);
    return a.L ? `mrs ${xr(a.rt)}, ${reg}` : `msr ${reg}, ${xr(a.rt)}`;
  },
  sem(e, a) {
    // System mode: the registers that are the same at EL0 and EL1 (NZCV, FPCR, FPSR, TPIDR_EL0,
    // the counters) stay inline; every other one is the run loop's (cpu/el1-sysregs.ts), which
    // knows the exception level at run time, so translations need no EL in their key.
    if (e.system && !SAME_AT_EL1.has(sysRegName(2 + a.o0, a.op1, a.crn, a.crm, a.op2))) {
      return e.trap(Trap.SystemRegister, insnBits(a.op1, a.crn, a.crm, a.op2, a.rt, 2 + a.o0, a.L));
    }
    const reg = sysReg(2 + a.o0, a.op1, a.crn, a.crm, a.op2);
    if (!reg) return e.trap(Trap.Undefined);
    if (a.L) {
      if (!reg.read) return e.trap(Trap.Undefined);
      e.setX(a.rt, reg.read(e));
    } else {
      if (!reg.write) return e.trap(Trap.Undefined);
      reg.write(e, e.x(a.rt));
    }
  },
});
