// The run loop's and the tests' view of the CPU state that generated code keeps in memory.
import { REG, STATE_BASE } from './state.js';

export class CpuState {
  /** `base`: where this thread's state block lives (STATE_BASE for the first thread, see
   *  threadStateBase). */
  constructor(private dv: DataView, readonly base = STATE_BASE) {}

  x(n: number): bigint { return this.dv.getBigUint64(this.base + REG.x(n), true); }
  setX(n: number, v: bigint | number): void {
    this.dv.setBigUint64(this.base + REG.x(n), BigInt.asUintN(64, BigInt(v)), true);
  }
  /** Xn as a number (exact below 2^53; used for pointers and small syscall arguments). */
  xn(n: number): number { return Number(this.x(n)); }

  get sp(): bigint { return this.x(31); }
  set sp(v: bigint) { this.setX(31, v); }
  /** The pc as a JS number: read as a signed 64-bit value, so that every canonical address,
   *  the upper half's (0xffff…, Linux's kernel in system mode) included, is exact (|pc| < 2^48).
   *  Below 2^63, as every user-mode pc is, that is the same number. */
  get pc(): number { return this.dv.getInt32(this.base + REG.pc + 4, true) * 2 ** 32 + this.dv.getUint32(this.base + REG.pc, true); }
  set pc(v: number) {
    // Two words rather than a BigInt: the run loop reads and writes the pc at every block.
    const hi = Math.floor(v / 2 ** 32);
    this.dv.setUint32(this.base + REG.pc, v - hi * 2 ** 32, true);
    this.dv.setInt32(this.base + REG.pc + 4, hi, true);
  }

  /** NZCV packed as in the NZCV system register (bits 31..28). */
  get nzcv(): number {
    const f = (o: number) => this.dv.getInt32(this.base + o, true) ? 1 : 0;
    return ((f(REG.n) << 31) | (f(REG.z) << 30) | (f(REG.c) << 29) | (f(REG.v) << 28)) >>> 0;
  }
  set nzcv(v: number) {
    this.dv.setInt32(this.base + REG.n, (v >>> 31) & 1, true);
    this.dv.setInt32(this.base + REG.z, (v >>> 30) & 1, true);
    this.dv.setInt32(this.base + REG.c, (v >>> 29) & 1, true);
    this.dv.setInt32(this.base + REG.v, (v >>> 28) & 1, true);
  }

  /** Vn as [low 64 bits, high 64 bits]. */
  v(n: number): [bigint, bigint] {
    const o = this.base + REG.vreg(n);
    return [this.dv.getBigUint64(o, true), this.dv.getBigUint64(o + 8, true)];
  }
  setV(n: number, lo: bigint, hi = 0n): void {
    const o = this.base + REG.vreg(n);
    this.dv.setBigUint64(o, BigInt.asUintN(64, lo), true);
    this.dv.setBigUint64(o + 8, BigInt.asUintN(64, hi), true);
  }

  get fpcr(): number { return this.dv.getUint32(this.base + REG.fpcr, true); }
  set fpcr(v: number) { this.dv.setUint32(this.base + REG.fpcr, v >>> 0, true); }
  get fpsr(): number { return this.dv.getUint32(this.base + REG.fpsr, true); }
  set fpsr(v: number) { this.dv.setUint32(this.base + REG.fpsr, v >>> 0, true); }
  get tpidr(): bigint { return this.dv.getBigUint64(this.base + REG.tpidr, true); }
  set tpidr(v: bigint) { this.dv.setBigUint64(this.base + REG.tpidr, v, true); }

  get budget(): number { return this.dv.getInt32(this.base + REG.budget, true); }
  set budget(v: number) { this.dv.setInt32(this.base + REG.budget, v, true); }
  get exitArg(): number { return this.dv.getInt32(this.base + REG.exitArg, true); }
  get syncArg(): bigint { return this.dv.getBigUint64(this.base + REG.syncArg, true); }
  get faultAddr(): bigint { return this.dv.getBigUint64(this.base + REG.faultAddr, true); }
  get faultKind(): number { return this.dv.getInt32(this.base + REG.faultKind, true); }
  clearExclusive(): void { this.dv.setBigInt64(this.base + REG.exclAddr, -1n, true); }
}
