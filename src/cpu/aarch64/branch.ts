// Branches, exception generation and the system instructions that end a block.
import { Trap } from '../emitter.js';
import { COND, hex, target, xr } from '../disasm.js';
import { insn } from '../insn.js';
import { condHolds, sext } from './common.js';

export const B = insn({
  pattern: 'link:1 00101 imm26:26',
  asm: (a, pc) => `${a.link ? 'bl' : 'b'} ${target(pc, sext(a.imm26, 26) * 4)}`,
  sem(e, a) {
    if (a.link) {
      e.setX(30, e.i64(e.pc + 4));
      e.likelySuccessor(e.pc + 4);
    }
    e.jump(e.pc + sext(a.imm26, 26) * 4);
  },
});

export const B_cond = insn({
  pattern: '0101010 0 imm19:19 0 cond:4',
  asm: (a, pc) => `b.${COND[a.cond]} ${target(pc, sext(a.imm19, 19) * 4)}`,
  sem(e, a) {
    e.jumpIf(condHolds(e, a.cond), e.pc + sext(a.imm19, 19) * 4);
  },
});

export const CBZ = insn({
  pattern: 'sf:1 011010 op:1 imm19:19 rt:5',
  asm: (a, pc) => `cb${a.op ? 'n' : ''}z ${xr(a.rt, a.sf)}, ${target(pc, sext(a.imm19, 19) * 4)}`,
  sem(e, a) {
    const v = e.x(a.rt, a.sf);
    e.jumpIf(e.op(a.op ? 'i64.ne' : 'i64.eq', [v, e.i64(0)]), e.pc + sext(a.imm19, 19) * 4);
  },
});

export const TBZ = insn({
  pattern: 'b5:1 011011 op:1 b40:5 imm14:14 rt:5',
  asm: (a, pc) => `tb${a.op ? 'n' : ''}z ${xr(a.rt, a.b5)}, #${a.b5 * 32 + a.b40}, ${target(pc, sext(a.imm14, 14) * 4)}`,
  sem(e, a) {
    const bit = BigInt(a.b5 * 32 + a.b40);
    const set = e.op('i64.ne', [e.and(e.x(a.rt), e.i64(1n << bit)), e.i64(0)]);
    e.jumpIf(a.op ? set : e.op('i32.eqz', [set]), e.pc + sext(a.imm14, 14) * 4);
  },
});

/** BR, BLR, RET (and the unauthenticated forms only). */
export const BR = insn({
  pattern: '1101011 0 0 opc:2 11111 000000 rn:5 00000',
  asm(a) {
    if (a.opc === 3) return null;
    if (a.opc === 2 && a.rn === 30) return 'ret';
    return `${['br', 'blr', 'ret'][a.opc]} ${xr(a.rn)}`;
  },
  sem(e, a) {
    if (a.opc === 3) return e.trap(Trap.Undefined);
    const target = e.x(a.rn);
    if (a.opc === 1) {
      e.setX(30, e.i64(e.pc + 4));
      e.likelySuccessor(e.pc + 4);
    }
    e.jump(target, a.opc === 2 ? 'return' : undefined);
  },
});

export const SVC = insn({
  pattern: '11010100 000 imm16:16 000 01',
  asm: (a) => `svc ${hex(a.imm16)}`,
  sem(e, a) {
    e.svc(a.imm16);
  },
});

/** HVC: at EL0 (user mode) undefined; in system mode the run loop makes it a hypervisor call
 *  (PSCI on the virt machine). */
export const HVC = insn({
  pattern: '11010100 000 imm16:16 000 10',
  asm: (a) => `hvc ${hex(a.imm16)}`,
  sem(e, a) {
    e.trap(Trap.Hypervisor, a.imm16);
  },
});

/** SMC: no EL3 on the machines we model, so undefined at every level. */
export const SMC = insn({
  pattern: '11010100 000 imm16:16 000 11',
  asm: (a) => `smc ${hex(a.imm16)}`,
  sem(e, a) {
    e.trap(Trap.SecureMonitor, a.imm16);
  },
});

/** ERET: the run loop restores PSTATE from SPSR_EL1 and continues at ELR_EL1. */
export const ERET = insn({
  pattern: '1101011 0100 11111 000000 11111 00000',
  asm: () => 'eret',
  sem(e) {
    e.trap(Trap.ExceptionReturn);
  },
});

export const BRK = insn({
  pattern: '11010100 001 imm16:16 000 00',
  asm: (a) => `brk ${hex(a.imm16)}`,
  sem(e, a) {
    e.trap(Trap.Breakpoint, a.imm16);
  },
});
