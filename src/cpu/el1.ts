// The CPU at EL1 (system mode): PSTATE beyond the flags, the banked stack pointers, the EL1
// exception registers, exception entry and ERET. AArch64 only, EL0 and EL1 only (QEMU's virt
// machine without virtualization=on starts Linux at EL1 and takes PSCI calls over HVC).
//
// The flags, general registers and the current SP stay where generated code keeps them (the CPU
// state in guest memory); the rest lives here, in JS, because only the run loop touches it:
// system-register accesses other than NZCV/FPCR/FPSR/TPIDR_EL0/counters leave translated code
// (Trap.SystemRegister), so translations never depend on the exception level.
import type { CpuState } from './cpustate.js';
import { GenericTimer } from './generic-timer.js';

/** Where an exception vector lies from VBAR_EL1, by where it is taken from (Arm ARM D1.10.2). */
const FROM_CURRENT_SP0 = 0x000;
const FROM_CURRENT_SPX = 0x200;
const FROM_LOWER_A64 = 0x400;
export const VECTOR_SYNC = 0x000;
export const VECTOR_IRQ = 0x080;

/** PSTATE.{D,A,I,F} as they sit in SPSR (bits 9..6). */
export const DAIF_MASK = 0x3c0;
export const PSTATE_I = 0x80;

/** Exception classes (ESR_ELx.EC) raised here. */
export const EC = {
  unknown: 0x00,
  svc: 0x15,
  hvc: 0x16,
  sysreg: 0x18,
  instAbortLower: 0x20,
  instAbortSame: 0x21,
  pcAlign: 0x22,
  dataAbortLower: 0x24,
  dataAbortSame: 0x25,
  brk: 0x3c,
} as const;

/** A guest action tsemu does not model yet: the run loop stops with this one line. */
export class Unsupported extends Error {}

export class El1 {
  /** Current exception level (0 or 1) and stack pointer selection. */
  el = 1;
  spsel = 1;
  /** PSTATE.DAIF in SPSR layout. Out of reset all four are masked (booting.rst wants it too). */
  daif = DAIF_MASK;
  /** The stack pointer not currently in the CPU state's SP slot. */
  private spEl0 = 0n;
  private spEl1 = 0n;
  vbar = 0n;
  elr = 0n;
  spsr = 0n;
  esr = 0n;
  far = 0n;
  readonly timer = new GenericTimer();
  /** System registers that only hold a value (el1-sysregs.ts), by name. */
  readonly stored = new Map<string, bigint>();

  constructor(readonly cpu: CpuState) {}

  /** PSTATE as SPSR_EL1 records it: NZCV, DAIF, M[3:0] = EL and SPSel (AArch64). */
  pstate(): bigint {
    return BigInt((this.cpu.nzcv | this.daif | (this.el << 2) | this.spsel) >>> 0);
  }

  get irqMasked(): boolean { return (this.daif & PSTATE_I) !== 0; }

  /** Which banked SP the CPU state's SP slot holds now. */
  private usesSpEl1(): boolean { return this.el === 1 && this.spsel === 1; }

  /** Change EL/SPSel, moving the stack pointers between the state's SP slot and the banks. */
  private switchStack(el: number, spsel: number): void {
    if (this.usesSpEl1()) this.spEl1 = this.cpu.sp;
    else this.spEl0 = this.cpu.sp;
    this.el = el;
    this.spsel = spsel;
    this.cpu.sp = this.usesSpEl1() ? this.spEl1 : this.spEl0;
  }

  get spEL0(): bigint { return this.usesSpEl1() ? this.spEl0 : this.cpu.sp; }
  set spEL0(v: bigint) { if (this.usesSpEl1()) this.spEl0 = v; else this.cpu.sp = v; }
  get spEL1(): bigint { return this.usesSpEl1() ? this.cpu.sp : this.spEl1; }
  set spEL1(v: bigint) { if (this.usesSpEl1()) this.cpu.sp = v; else this.spEl1 = v; }

  setSpsel(v: number): void { this.switchStack(this.el, v & 1); }

  /**
   * Take an exception to EL1 (Arm ARM D1.10): SPSR_EL1 = PSTATE, ELR_EL1 = the preferred return
   * address, ESR/FAR for synchronous ones, all of DAIF masked, SP_EL1, and on to the vector.
   */
  takeException(vector: number, returnAddr: bigint | number, esr?: number, far?: bigint): void {
    const from = this.el === 0 ? FROM_LOWER_A64 : this.spsel ? FROM_CURRENT_SPX : FROM_CURRENT_SP0;
    this.spsr = this.pstate();
    this.elr = BigInt.asUintN(64, BigInt(returnAddr));
    if (esr !== undefined) this.esr = BigInt(esr >>> 0);
    if (far !== undefined) this.far = far;
    this.daif = DAIF_MASK;
    this.switchStack(1, 1);
    this.cpu.clearExclusive();
    this.cpu.pc = Number(BigInt.asIntN(64, this.vbar + BigInt(from + vector))); // see CpuState.pc
  }

  /** A synchronous exception with this class and syndrome (IL = 1: every A64 instruction is 32 bits). */
  takeSync(ec: number, iss: number, returnAddr: bigint | number, far?: bigint): void {
    this.takeException(VECTOR_SYNC, returnAddr, ((ec << 26) | (1 << 25) | (iss & 0x1ffffff)) >>> 0, far);
  }

  /** ERET: PSTATE from SPSR_EL1, pc from ELR_EL1. */
  eret(): void {
    const spsr = Number(this.spsr & 0xffffffffn);
    const m = spsr & 0x1f;
    // AArch64 EL0t (0), EL1t (4), EL1h (5). Anything else is an illegal return; no guest of
    // ours does it on purpose, so say so rather than guess.
    if (m !== 0 && m !== 4 && m !== 5) throw new Unsupported(`ERET to SPSR.M=0x${m.toString(16)} (only EL0t, EL1t, EL1h exist here)`);
    this.cpu.nzcv = spsr & 0xf0000000;
    this.daif = spsr & DAIF_MASK;
    this.switchStack(m >> 2, m & 1);
    this.cpu.clearExclusive();
    this.cpu.pc = Number(BigInt.asIntN(64, this.elr));
  }
}
