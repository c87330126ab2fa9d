// Data processing (register): logical and add/sub with shifted or extended operands, add/sub with
// carry, conditional compare and select. The 1/2/3-source groups live in dp-src.ts.
import { Trap, type Val } from '../emitter.js';
import { COND, EXTEND, hex, SHIFT, xr, xsp } from '../disasm.js';
import { insn } from '../insn.js';
import { addNzcv, addWithFlags, condHolds, extendReg, setNZ, shiftReg, subNzcv, subWithFlags } from './common.js';

export * from './dp-src.js';

/** AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS with a shifted (or rotated) register. */
export const LOGIC_reg = insn({
  pattern: 'sf:1 opc:2 01010 shift:2 N:1 rm:5 imm6:6 rn:5 rd:5',
  asm(a) {
    if (!a.sf && a.imm6 >= 32) return null;
    const shifted = (r: number) => xr(r, a.sf) + (a.imm6 || a.shift ? `, ${SHIFT[a.shift]} #${a.imm6}` : '');
    const op = a.opc * 2 + a.N;
    if (op === 2 && a.rn === 31 && !a.imm6 && !a.shift) return `mov ${xr(a.rd, a.sf)}, ${xr(a.rm, a.sf)}`;
    if (op === 3 && a.rn === 31) return `mvn ${xr(a.rd, a.sf)}, ${shifted(a.rm)}`;
    if (op === 6 && a.rd === 31) return `tst ${xr(a.rn, a.sf)}, ${shifted(a.rm)}`;
    const name = ['and', 'bic', 'orr', 'orn', 'eor', 'eon', 'ands', 'bics'][op];
    return `${name} ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}, ${shifted(a.rm)}`;
  },
  sem(e, a) {
    if (!a.sf && a.imm6 >= 32) return e.trap(Trap.Undefined);
    // Upper halves of 32-bit operands are don't-care here: setX and setNZ look at 32 bits only.
    let b = shiftReg(e, e.x(a.rm), a.shift, a.imm6, a.sf);
    if (a.N) b = e.xor(b, e.i64(-1));
    let r: Val;
    if (a.opc === 1 && a.rn === 31) r = b; // MOV, MVN
    else {
      const rn = e.x(a.rn);
      r = a.opc === 1 ? e.or(rn, b) : a.opc === 2 ? e.xor(rn, b) : e.and(rn, b);
    }
    if (a.opc === 3) setNZ(e, r, a.sf, e.i32(0), e.i32(0));
    e.setX(a.rd, r, a.sf);
  },
});

/** ADD, ADDS, SUB, SUBS with a shifted register (LSL/LSR/ASR); register 31 is XZR. */
export const ADDSUB_shifted = insn({
  pattern: 'sf:1 op:1 S:1 01011 shift:2 0 rm:5 imm6:6 rn:5 rd:5',
  asm(a) {
    if (a.shift === 3 || (!a.sf && a.imm6 >= 32)) return null;
    const rm = xr(a.rm, a.sf) + (a.imm6 || a.shift ? `, ${SHIFT[a.shift]} #${a.imm6}` : '');
    if (a.S && a.rd === 31) return `${a.op ? 'cmp' : 'cmn'} ${xr(a.rn, a.sf)}, ${rm}`;
    if (a.op && a.rn === 31) return `neg${a.S ? 's' : ''} ${xr(a.rd, a.sf)}, ${rm}`;
    return `${a.op ? 'sub' : 'add'}${a.S ? 's' : ''} ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}, ${rm}`;
  },
  sem(e, a) {
    if (a.shift === 3 || (!a.sf && a.imm6 >= 32)) return e.trap(Trap.Undefined);
    const b = shiftReg(e, e.x(a.rm), a.shift, a.imm6, a.sf);
    const rn = e.x(a.rn);
    if (a.S) {
      const r = a.op ? subWithFlags(e, rn, b, a.sf) : addWithFlags(e, rn, b, null, a.sf);
      e.setX(a.rd, r); // already zero-extended for sf=0
    } else {
      e.setX(a.rd, a.op ? e.sub(rn, b) : e.add(rn, b), a.sf);
    }
  },
});

/** ADD, ADDS, SUB, SUBS with an extended register (UXTB..SXTX, LSL #0-4); Rn (and Rd unless S) may be SP. */
export const ADDSUB_extended = insn({
  pattern: 'sf:1 op:1 S:1 01011 00 1 rm:5 option:3 imm3:3 rn:5 rd:5',
  asm(a) {
    if (a.imm3 > 4) return null;
    // LSL is the preferred spelling of UXTX (UXTW for 32-bit) when Rd or Rn is SP.
    const lsl = (a.rd === 31 && !a.S) || a.rn === 31 ? a.option === (a.sf ? 3 : 2) : false;
    const ext = lsl ? (a.imm3 ? `, lsl #${a.imm3}` : '') : `, ${EXTEND[a.option]}${a.imm3 ? ` #${a.imm3}` : ''}`;
    const rm = xr(a.rm, a.sf && (a.option & 3) === 3) + ext;
    if (a.S && a.rd === 31) return `${a.op ? 'cmp' : 'cmn'} ${xsp(a.rn, a.sf)}, ${rm}`;
    const rd = a.S ? xr(a.rd, a.sf) : xsp(a.rd, a.sf);
    return `${a.op ? 'sub' : 'add'}${a.S ? 's' : ''} ${rd}, ${xsp(a.rn, a.sf)}, ${rm}`;
  },
  sem(e, a) {
    if (a.imm3 > 4) return e.trap(Trap.Undefined);
    const b = extendReg(e, e.x(a.rm), a.option, a.imm3);
    const rn = e.xsp(a.rn);
    if (a.S) {
      const r = a.op ? subWithFlags(e, rn, b, a.sf) : addWithFlags(e, rn, b, null, a.sf);
      e.setX(a.rd, r);
    } else {
      e.setXsp(a.rd, a.op ? e.sub(rn, b) : e.add(rn, b), a.sf);
    }
  },
});

/** ADC, ADCS, SBC, SBCS. */
export const ADC = insn({
  pattern: 'sf:1 op:1 S:1 11010000 rm:5 000000 rn:5 rd:5',
  asm(a) {
    if (a.op && a.rn === 31) return `ngc${a.S ? 's' : ''} ${xr(a.rd, a.sf)}, ${xr(a.rm, a.sf)}`;
    return `${a.op ? 'sbc' : 'adc'}${a.S ? 's' : ''} ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}, ${xr(a.rm, a.sf)}`;
  },
  sem(e, a) {
    const rn = e.x(a.rn);
    let rm = e.x(a.rm);
    if (a.op) rm = e.xor(rm, e.i64(-1));
    if (a.S) {
      e.setX(a.rd, addWithFlags(e, rn, rm, e.flag('c'), a.sf));
    } else {
      e.setX(a.rd, e.add(e.add(rn, rm), e.extendU(e.flag('c'))), a.sf);
    }
  },
});

/** CCMN, CCMP with a register or a 5-bit immediate: flags of the comparison if cond holds, else #nzcv. */
export const CCMP = insn({
  pattern: 'sf:1 op:1 1 11010010 rm:5 cond:4 imm:1 0 rn:5 0 nzcv:4',
  asm: (a) => `${a.op ? 'ccmp' : 'ccmn'} ${xr(a.rn, a.sf)}, ${a.imm ? hex(a.rm) : xr(a.rm, a.sf)}, ${hex(a.nzcv)}, ${COND[a.cond]}`,
  sem(e, a) {
    const rn = e.x(a.rn);
    const rm = a.imm ? e.i64(a.rm) : e.x(a.rm);
    const { f } = a.op ? subNzcv(e, rn, rm, a.sf) : addNzcv(e, rn, rm, null, a.sf);
    if (a.cond >= 14) return e.setFlags(f.n, f.z, f.c, f.v);
    const cond = condHolds(e, a.cond);
    const alt = (bit: number) => e.i32((a.nzcv >> bit) & 1);
    e.setFlags(e.select(cond, f.n, alt(3)), e.select(cond, f.z, alt(2)), e.select(cond, f.c, alt(1)),
      e.select(cond, f.v, alt(0)));
  },
});

/** CSEL, CSINC, CSINV, CSNEG (and CSET, CSETM, CINC, CINV, CNEG). */
export const CSEL = insn({
  pattern: 'sf:1 op:1 0 11010100 rm:5 cond:4 0 o2:1 rn:5 rd:5',
  asm(a) {
    const op = a.op * 2 + a.o2;
    const rd = xr(a.rd, a.sf);
    const inv = COND[a.cond ^ 1];
    if (op && a.cond < 14 && a.rn === a.rm) {
      if (op !== 3 && a.rn === 31) return `${op === 1 ? 'cset' : 'csetm'} ${rd}, ${inv}`;
      return `${['', 'cinc', 'cinv', 'cneg'][op]} ${rd}, ${xr(a.rn, a.sf)}, ${inv}`;
    }
    return `${['csel', 'csinc', 'csinv', 'csneg'][op]} ${rd}, ${xr(a.rn, a.sf)}, ${xr(a.rm, a.sf)}, ${COND[a.cond]}`;
  },
  sem(e, a) {
    const rn = e.x(a.rn);
    let rm = e.x(a.rm);
    if (a.op) rm = a.o2 ? e.sub(e.i64(0), rm) : e.xor(rm, e.i64(-1));
    else if (a.o2) rm = e.add(rm, e.i64(1));
    e.setX(a.rd, a.cond >= 14 ? rn : e.select(condHolds(e, a.cond), rn, rm), a.sf);
  },
});
