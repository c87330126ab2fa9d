// The Arm generic timer as EL1 sees it: the system counter, and the EL1 physical (CNTP) and
// virtual (CNTV) timers, each a compare value and a control register. The counter is the one
// user mode reads (aarch64/sysregs.ts: host monotonic nanoseconds, CNTFRQ_EL0 = 1 GHz) and
// CNTVOFF is 0, so CNTVCT = CNTPCT. A timer asserts its interrupt line (a PPI at the GIC:
// CNTV 27, CNTP 30) while enabled, unmasked and its condition CNT >= CVAL holds.
import { counterHelper } from './aarch64/sysregs.js';

/** The system counter now (nanoseconds). */
export const counterNow = (): bigint => BigInt(counterHelper.fn() as number);

const CTL_ENABLE = 1;
const CTL_IMASK = 2;
const CTL_ISTATUS = 4;

export class TimerChannel {
  /** ENABLE and IMASK (ISTATUS is computed). */
  private ctl = 0;
  cval = 0n;

  private condition(now: bigint): boolean { return (this.ctl & CTL_ENABLE) !== 0 && now >= this.cval; }

  readCtl(now: bigint): number { return this.ctl | (this.condition(now) ? CTL_ISTATUS : 0); }
  writeCtl(v: number): void { this.ctl = v & (CTL_ENABLE | CTL_IMASK); }
  /** TVAL: CVAL - CNT as a signed 32-bit value. */
  readTval(now: bigint): bigint { return BigInt.asUintN(32, this.cval - now); }
  writeTval(now: bigint, v: bigint): void { this.cval = BigInt.asUintN(64, now + BigInt.asIntN(32, v)); }

  /** The level of this timer's interrupt line. */
  line(now: bigint): boolean { return (this.ctl & CTL_IMASK) === 0 && this.condition(now); }
  /** When the line will next rise, if it can without a register write (null: never). */
  deadline(): bigint | null { return (this.ctl & (CTL_ENABLE | CTL_IMASK)) === CTL_ENABLE ? this.cval : null; }
}

export class GenericTimer {
  readonly virt = new TimerChannel();
  readonly phys = new TimerChannel();
  /** CNTKCTL_EL1: which counters and timers EL0 may use (kept, not enforced). */
  kctl = 0;

  /** The earliest deadline of either timer (null: none armed). */
  nextDeadline(): bigint | null {
    const a = this.virt.deadline();
    const b = this.phys.deadline();
    if (a === null) return b;
    if (b === null) return a;
    return a < b ? a : b;
  }
}
