// The system registers and system instructions the run loop performs in system mode (after a
// Trap.SystemRegister exit; see aarch64/system.ts), with their EL1 meaning: the exception
// registers, the translation-control registers (kept; the MMU itself is not modelled yet), the
// generic timer, the ID registers of the CPU this is, and PSTATE fields (MSR DAIFSet & co).
//
// ID values describe what tsemu implements: AArch64 EL0/EL1 only, FP and AdvSIMD, the same
// instruction-set extensions user mode advertises (AES, SHA1/2, CRC32, LSE atomics, RDM, DotProd),
// 4 KiB translation granule only, 16-bit ASIDs, a 4 GiB physical address space, no GIC system
// registers (GICv2), no PMU, debug v8.0.
import { CTR_EL0, DCZID_EL0, MIDR_EL1 } from './aarch64/sysregs.js';
import type { CpuState } from './cpustate.js';
import { El1, Unsupported } from './el1.js';
import { counterNow } from './generic-timer.js';

/** What the run loop's environment offers system-register accesses. */
export interface SysContext {
  el1: El1;
  cpu: CpuState;
  /** The level of the IRQ line into the CPU (for ISR_EL1). */
  irqLine(): boolean;
  /** -d unimp: an access to a register tsemu does not know (it is then undefined). */
  unimp?(what: string): void;
  /** A register stage-1 translation depends on was written, or a TLB maintenance instruction
   *  ran: cached translations (TLB, translated code) are stale; 'all' of them, or (`lower`)
   *  only those through TTBR0 and the non-global ones: TTBR0 was written, the ASID changed, or
   *  a TLBI by ASID ran. Without it, turning the MMU on is refused. */
  translationChanged?(scope?: TranslationScope): void;
  /** TLBI of one virtual page (VAE1, VALE1, VAAE1, VAALE1 and their IS forms). */
  translationPageChanged?(va: bigint): void;
  /** AT's answer for `va` (PAR_EL1's value), as read or written at `el`; undefined while the
   *  MMU is off. */
  addressTranslate?(va: bigint, el: 0 | 1, write: boolean): bigint | undefined;
}

export type TranslationScope = 'all' | 'lower';

interface Reg {
  name: string;
  read?(c: SysContext): bigint;
  write?(c: SysContext, v: bigint): void;
  /** EL0 may read (and write, if 'rw') it too. */
  el0?: 'r' | 'rw';
}

const key = (op0: number, op1: number, crn: number, crm: number, op2: number) =>
  (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

const table = new Map<number, Reg>();
const def = (op0: number, op1: number, crn: number, crm: number, op2: number, r: Reg) => table.set(key(op0, op1, crn, crm, op2), r);
const constant = (name: string, v: bigint, el0?: 'r'): Reg => ({ name, read: () => v, el0 });

/** A register that only holds what was written (its effect is not modelled, or not needed);
 *  its value lives in the El1 it belongs to. */
function storedReg(name: string, reset = 0n): Reg {
  return { name, read: (c) => c.el1.stored.get(name) ?? reset, write: (c, v) => { c.el1.stored.set(name, BigInt.asUintN(64, v)); } };
}
const stored = { reg: storedReg };

// SCTLR_EL1: reset with its RES1 bits set, as QEMU does. M (bit 0) would turn the MMU on.
const SCTLR_RESET = 0x30d00800n;
const sctlr = stored.reg('sctlr_el1', SCTLR_RESET);
/** A stored register whose writes make cached translations stale. */
const translationReg = (name: string, reset = 0n): Reg => {
  const r = stored.reg(name, reset);
  return { ...r, write(c, v) { r.write!(c, v); c.translationChanged?.(); } };
};
def(3, 0, 1, 0, 0, {
  name: 'sctlr_el1', read: sctlr.read,
  write(c, v) {
    if (v & 1n && !c.translationChanged) throw new Unsupported('the guest turned the MMU on (SCTLR_EL1.M); stage-1 translation is not available here');
    sctlr.write!(c, v);
    c.translationChanged?.();
  },
});
def(3, 0, 1, 0, 1, stored.reg('actlr_el1'));
def(3, 0, 1, 0, 2, stored.reg('cpacr_el1'));
/** TTBR0_EL1 and TTBR1_EL1: a new TTBR0, or a new ASID in either (Linux's context switch),
 *  leaves the global translations of TTBR1's half valid; new TTBR1 tables leave none. */
const ttbr = (name: string, lowerOnly: (old: bigint, v: bigint) => boolean): Reg => {
  const r = stored.reg(name);
  return {
    ...r,
    write(c, v) {
      const old = r.read!(c);
      r.write!(c, v);
      if (old !== v) c.translationChanged?.(lowerOnly(old, v) ? 'lower' : 'all');
    },
  };
};
const BADDR = 0x0000fffffffffffen;
def(3, 0, 2, 0, 0, ttbr('ttbr0_el1', () => true));
def(3, 0, 2, 0, 1, ttbr('ttbr1_el1', (old, v) => ((old ^ v) & BADDR) === 0n));
def(3, 0, 2, 0, 2, translationReg('tcr_el1'));
def(3, 0, 5, 1, 0, stored.reg('afsr0_el1'));
def(3, 0, 5, 1, 1, stored.reg('afsr1_el1'));
def(3, 0, 7, 4, 0, stored.reg('par_el1'));
def(3, 0, 10, 2, 0, stored.reg('mair_el1'));
def(3, 0, 10, 3, 0, stored.reg('amair_el1'));
def(3, 0, 13, 0, 1, stored.reg('contextidr_el1'));
def(3, 0, 13, 0, 4, stored.reg('tpidr_el1'));
def(3, 3, 13, 0, 3, { ...stored.reg('tpidrro_el0'), el0: 'r' });
def(3, 2, 0, 0, 0, stored.reg('csselr_el1'));
/** Breakpoint and watchpoint register pairs. */
const DEBUG_PAIRS = 2;
// Debug: the OS lock and monitor control Linux touches at boot; no debug events are modelled.
def(2, 0, 0, 2, 2, stored.reg('mdscr_el1'));
def(2, 0, 1, 0, 4, { name: 'oslar_el1', write: () => {} });
def(2, 0, 1, 1, 4, constant('oslsr_el1', 0x8n));
def(2, 0, 1, 3, 4, stored.reg('osdlr_el1'));
def(2, 3, 0, 1, 0, constant('mdccsr_el0', 0n));
def(2, 0, 0, 2, 0, stored.reg('mdccint_el1'));
// Breakpoint and watchpoint registers (as many as ID_AA64DFR0 reports): Linux's
// hw_breakpoint_reset clears each at boot; they hold values, no debug event is raised.
for (let n = 0; n < DEBUG_PAIRS; n++) {
  def(2, 0, 0, n, 4, stored.reg(`dbgbvr${n}_el1`));
  def(2, 0, 0, n, 5, stored.reg(`dbgbcr${n}_el1`));
  def(2, 0, 0, n, 6, stored.reg(`dbgwvr${n}_el1`));
  def(2, 0, 0, n, 7, stored.reg(`dbgwcr${n}_el1`));
}

// The exception registers, PSTATE views and the banked stack pointer.
const field = (name: string, get: (e: El1) => bigint, set: (e: El1, v: bigint) => void): Reg =>
  ({ name, read: (c) => get(c.el1), write: (c, v) => set(c.el1, BigInt.asUintN(64, v)) });
def(3, 0, 4, 0, 0, field('spsr_el1', (e) => e.spsr, (e, v) => { e.spsr = v & 0xffffffffn; }));
def(3, 0, 4, 0, 1, field('elr_el1', (e) => e.elr, (e, v) => { e.elr = v; }));
def(3, 0, 4, 1, 0, field('sp_el0', (e) => e.spEL0, (e, v) => { e.spEL0 = v; }));
def(3, 0, 5, 2, 0, field('esr_el1', (e) => e.esr, (e, v) => { e.esr = v & 0xffffffffn; }));
def(3, 0, 6, 0, 0, field('far_el1', (e) => e.far, (e, v) => { e.far = v; }));
def(3, 0, 12, 0, 0, field('vbar_el1', (e) => e.vbar, (e, v) => { e.vbar = v & ~0x7ffn; }));
def(3, 0, 4, 2, 0, field('spsel', (e) => BigInt(e.spsel), (e, v) => e.setSpsel(Number(v & 1n))));
def(3, 0, 4, 2, 2, { name: 'currentel', read: (c) => BigInt(c.el1.el << 2) });
def(3, 3, 4, 2, 1, field('daif', (e) => BigInt(e.daif), (e, v) => { e.daif = Number(v & 0x3c0n); }));
def(3, 0, 12, 1, 0, { name: 'isr_el1', read: (c) => (c.irqLine() ? 0x80n : 0n) });

// The generic timer.
const freq = 1_000_000_000n; // the counter ticks host nanoseconds (see generic-timer.ts)
def(3, 3, 14, 0, 0, constant('cntfrq_el0', freq, 'r'));
def(3, 0, 14, 1, 0, field('cntkctl_el1', (e) => BigInt(e.timer.kctl), (e, v) => { e.timer.kctl = Number(v & 0x3ffn); }));
for (const [crm, ch] of [[2, 'phys'], [3, 'virt']] as const) {
  const p = ch === 'phys' ? 'cntp' : 'cntv';
  def(3, 3, 14, crm, 0, { name: `${p}_tval_el0`, read: (c) => c.el1.timer[ch].readTval(counterNow()),
    write: (c, v) => c.el1.timer[ch].writeTval(counterNow(), v) });
  def(3, 3, 14, crm, 1, { name: `${p}_ctl_el0`, read: (c) => BigInt(c.el1.timer[ch].readCtl(counterNow())),
    write: (c, v) => c.el1.timer[ch].writeCtl(Number(v & 3n)) });
  def(3, 3, 14, crm, 2, { name: `${p}_cval_el0`, read: (c) => c.el1.timer[ch].cval,
    write: (c, v) => { c.el1.timer[ch].cval = BigInt.asUintN(64, v); } });
}

// Identification.
def(3, 0, 0, 0, 0, constant('midr_el1', BigInt(MIDR_EL1)));
def(3, 0, 0, 0, 5, constant('mpidr_el1', 0x80000000n));
def(3, 0, 0, 0, 6, constant('revidr_el1', 0n));
def(3, 0, 0, 4, 0, constant('id_aa64pfr0_el1', 0x11n)); // EL0, EL1: AArch64 only; FP, AdvSIMD
// Debug v8.0, no PMU; BRPs and WRPs 1 (two of each, the fewest the Arm ARM allows), CTX_CMPs 0.
def(3, 0, 0, 5, 0, constant('id_aa64dfr0_el1', 0x6n | BigInt(DEBUG_PAIRS - 1) << 12n | BigInt(DEBUG_PAIRS - 1) << 20n));
def(3, 0, 0, 6, 0, constant('id_aa64isar0_el1', 0x100010211120n));
def(3, 0, 0, 7, 0, constant('id_aa64mmfr0_el1', 0x0f000020n)); // 4 KiB granule only, 16-bit ASIDs, 32-bit PA
def(3, 1, 0, 0, 0, constant('ccsidr_el1', 0n));
def(3, 1, 0, 0, 1, constant('clidr_el1', 0n));
def(3, 1, 0, 0, 7, constant('aidr_el1', 0n));
def(3, 3, 0, 0, 1, constant('ctr_el0', BigInt(CTR_EL0), 'r'));
def(3, 3, 0, 0, 7, constant('dczid_el0', BigInt(DCZID_EL0), 'r'));

export type SysOutcome = 'done' | 'undefined';

/**
 * Perform the system instruction whose bits 21:0 are `bits` (MRS, MSR, SYS or MSR-immediate;
 * see insnBits in aarch64/system.ts). 'undefined': the CPU takes an undefined-instruction
 * exception instead (unknown register, or one EL0 may not use). On 'done' pc is not moved.
 */
export function performSystemInsn(c: SysContext, bits: number): SysOutcome {
  const L = (bits >> 21) & 1;
  const op0 = (bits >> 19) & 3;
  const op1 = (bits >> 16) & 7;
  const crn = (bits >> 12) & 15;
  const crm = (bits >> 8) & 15;
  const op2 = (bits >> 5) & 7;
  const rt = bits & 31;
  const name = `S${op0}_${op1}_C${crn}_C${crm}_${op2}`;
  if (op0 === 0) return pstateField(c, op1, crm, op2);
  if (op0 === 1) {
    if (c.el1.el === 0 || L) return 'undefined';
    // TLBI (no ASID tags: a TLBI for one ASID acts on all). DC by set/way or to the point of
    // coherency, IC IALLU(IS): no caches, and stores to translated code invalidate it already.
    if (crn === 8) {
      const xt = rt === 31 ? 0n : c.cpu.x(rt);
      // By VA (op2 1, 3, 5, 7 of CRm 3 or 7): Xt[43:0] is VA[55:12]; only that page goes.
      if ((crm === 3 || crm === 7) && op2 & 1 && c.translationPageChanged) {
        c.translationPageChanged(BigInt.asUintN(64, BigInt.asIntN(56, (xt & 0xfffffffffffn) << 12n)));
      } else if ((crm === 3 || crm === 7) && op2 === 2) c.translationChanged?.('lower'); // ASIDE1(IS)
      else c.translationChanged?.('all');
      return 'done';
    }
    if (crn === 7 && crm !== 8) return 'done';
    if (crn === 7 && crm === 8 && op1 === 0 && op2 < 4) { // AT S1E1R, S1E1W, S1E0R, S1E0W
      const va = rt === 31 ? 0n : c.cpu.x(rt);
      // With the MMU off: PA = VA and PAR_EL1.F = 0.
      c.el1.stored.set('par_el1', c.addressTranslate?.(va, op2 < 2 ? 1 : 0, (op2 & 1) === 1) ?? va & 0xfffffffff000n);
      return 'done';
    }
    c.unimp?.(`system instruction ${name}`);
    return 'undefined';
  }
  // The rest of the ID space (op0=3, op1=0, CRn=0, CRm=1..7: the AArch32 ID registers and the
  // AArch64 ones of features not implemented) reads as zero, as the Arm ARM reserves it.
  const r = table.get(key(op0, op1, crn, crm, op2)) ??
    (op0 === 3 && op1 === 0 && crn === 0 && crm >= 1 ? constant(name.toLowerCase(), 0n) : undefined);
  if (!r || (c.el1.el === 0 && !(r.el0 && (L || r.el0 === 'rw')))) {
    if (!r) c.unimp?.(`${L ? 'mrs' : 'msr'} ${name}`);
    return 'undefined';
  }
  if (L) {
    if (!r.read) return 'undefined';
    if (rt !== 31) c.cpu.setX(rt, r.read(c));
  } else {
    if (!r.write) return 'undefined';
    r.write(c, rt === 31 ? 0n : c.cpu.x(rt));
  }
  return 'done';
}

/** MSR (immediate): DAIFSet, DAIFClr, SPSel. */
function pstateField(c: SysContext, op1: number, crm: number, op2: number): SysOutcome {
  const e = c.el1;
  if (e.el === 0) return 'undefined'; // SCTLR_EL1.UMA = 0, as Linux sets it
  if (op1 === 3 && op2 === 6) e.daif |= crm << 6;
  else if (op1 === 3 && op2 === 7) e.daif &= ~(crm << 6);
  else if (op1 === 0 && op2 === 5) e.setSpsel(crm & 1);
  else {
    c.unimp?.(`msr pstate op1=${op1} op2=${op2}`);
    return 'undefined';
  }
  return 'done';
}
