// The EL1 side of the CPU (system mode): exception entry and return as the Arm ARM (D1.10,
// C6.2 ERET) describes them, system-register access rules, and the generic timer's registers.
import { describe, expect, it } from 'vitest';
import { CpuState } from '../../src/cpu/cpustate.js';
import { EC, El1, VECTOR_IRQ } from '../../src/cpu/el1.js';
import { performSystemInsn, type SysContext } from '../../src/cpu/el1-sysregs.js';
import { TimerChannel } from '../../src/cpu/generic-timer.js';
import { GuestMemory } from '../../src/cpu/memory.js';
import { insnBits } from '../../src/cpu/aarch64/system.js';

function cpu(): { c: CpuState; e: El1; ctx: SysContext } {
  const c = new CpuState(new GuestMemory().dv);
  const e = new El1(c);
  return { c, e, ctx: { el1: e, cpu: c, irqLine: () => false } };
}
/** MRS Xt, S<op0>_<op1>_C<crn>_C<crm>_<op2> / MSR. */
const mrs = (op0: number, op1: number, crn: number, crm: number, op2: number, rt = 0) => insnBits(op1, crn, crm, op2, rt, op0, 1);
const msr = (op0: number, op1: number, crn: number, crm: number, op2: number, rt = 0) => insnBits(op1, crn, crm, op2, rt, op0, 0);

describe('exception entry and return', () => {
  it('an SVC from EL1h: SPSR = PSTATE, ELR, ESR (EC, IL, ISS), DAIF masked, vector VBAR+0x200', () => {
    const { c, e } = cpu();
    e.vbar = 0x40001000n;
    e.daif = 0; // all unmasked
    c.nzcv = 0x60000000;
    c.sp = 0x5000n;
    e.takeSync(EC.svc, 0x42, 0x40000104);
    expect(e.spsr).toBe(0x60000005n); // Z, C; EL1h
    expect(e.elr).toBe(0x40000104n);
    expect(e.esr).toBe(0x56000042n);
    expect(e.daif).toBe(0x3c0);
    expect(c.pc).toBe(0x40001200);
    expect(c.sp).toBe(0x5000n); // still SP_EL1
  });

  it('from EL0: vector VBAR+0x400, SP_EL1 taken, SP_EL0 kept; ERET goes back with both', () => {
    const { c, e, ctx } = cpu();
    e.vbar = 0x40001000n;
    c.sp = 0x9000n; // SP_EL1
    e.spsr = 0n; // EL0t, all unmasked
    e.elr = 0x400000n;
    e.eret();
    expect(e.el).toBe(0);
    expect(e.daif).toBe(0);
    expect(c.pc).toBe(0x400000);
    c.sp = 0x7000n; // EL0's stack
    e.takeException(VECTOR_IRQ, 0x400010);
    expect(c.pc).toBe(0x40001480);
    expect(e.el).toBe(1);
    expect(c.sp).toBe(0x9000n);
    expect(e.spsr).toBe(0n);
    c.setX(1, 0);
    expect(performSystemInsn(ctx, mrs(3, 0, 4, 1, 0, 1))).toBe('done'); // MRS x1, SP_EL0
    expect(c.x(1)).toBe(0x7000n);
    e.eret();
    expect(c.sp).toBe(0x7000n);
    expect(c.pc).toBe(0x400010);
  });

  it('from EL1t (SPSel = 0): vector VBAR+0x000', () => {
    const { c, e, ctx } = cpu();
    e.vbar = 0x2000n;
    expect(performSystemInsn(ctx, insnBits(0, 4, 0, 5, 31, 0, 0))).toBe('done'); // MSR SPSel, #0
    e.takeSync(EC.brk, 1, 0x100);
    expect(c.pc).toBe(0x2000);
    expect(e.spsr & 0xfn).toBe(4n); // EL1t
  });
});

describe('system registers at EL1 and EL0', () => {
  it('MSR DAIFSet/DAIFClr and MRS DAIF', () => {
    const { c, e, ctx } = cpu();
    expect(performSystemInsn(ctx, insnBits(3, 4, 2, 7, 31, 0, 0))).toBe('done'); // DAIFClr #2 (I)
    expect(e.daif).toBe(0x340);
    performSystemInsn(ctx, mrs(3, 3, 4, 2, 1, 3));
    expect(c.x(3)).toBe(0x340n);
    expect(performSystemInsn(ctx, insnBits(3, 4, 15, 6, 31, 0, 0))).toBe('done'); // DAIFSet #15
    expect(e.daif).toBe(0x3c0);
  });

  it('reserved ID registers read as zero; an unknown register is undefined', () => {
    const { c, ctx } = cpu();
    c.setX(2, 99);
    expect(performSystemInsn(ctx, mrs(3, 0, 0, 7, 1, 2))).toBe('done'); // ID_AA64MMFR1_EL1
    expect(c.x(2)).toBe(0n);
    expect(performSystemInsn(ctx, mrs(3, 0, 15, 0, 0, 2))).toBe('undefined');
  });

  it('EL0 may read CTR_EL0 but not VBAR_EL1, and may not use DAIFSet', () => {
    const { c, e, ctx } = cpu();
    e.spsr = 0n;
    e.eret();
    expect(performSystemInsn(ctx, mrs(3, 3, 0, 0, 1, 4))).toBe('done');
    expect(c.x(4)).toBe(0x8444c004n);
    expect(performSystemInsn(ctx, mrs(3, 0, 12, 0, 0, 4))).toBe('undefined');
    expect(performSystemInsn(ctx, msr(3, 0, 12, 0, 0, 4))).toBe('undefined');
    expect(performSystemInsn(ctx, insnBits(3, 4, 2, 6, 31, 0, 0))).toBe('undefined');
  });

  it('VBAR_EL1 keeps bits 63:11 only', () => {
    const { c, e, ctx } = cpu();
    c.setX(5, 0x40000fffn);
    performSystemInsn(ctx, msr(3, 0, 12, 0, 0, 5));
    expect(e.vbar).toBe(0x40000800n);
  });
});

describe('generic timer channel', () => {
  it('TVAL sets CVAL from the counter; ISTATUS once the counter reaches it; IMASK gates the line', () => {
    const t = new TimerChannel();
    t.writeTval(1000n, 500n);
    expect(t.cval).toBe(1500n);
    t.writeCtl(1);
    expect(t.readCtl(1499n)).toBe(1);
    expect(t.line(1499n)).toBe(false);
    expect(t.readCtl(1500n)).toBe(5);
    expect(t.line(1500n)).toBe(true);
    expect(t.readTval(1600n)).toBe(0xffffff9cn); // -100 as 32 bits
    t.writeCtl(3);
    expect(t.line(1600n)).toBe(false);
    expect(t.deadline()).toBe(null);
    t.writeTval(0n, 0xffffffffn); // TVAL -1 at count 0: CVAL wraps to the largest value (modulo 2^64)
    t.writeCtl(1);
    expect(t.deadline()).toBe(BigInt.asUintN(64, -1n));
  });
});
