// The system registers EL0 can reach under Linux, by their (op0, op1, CRn, CRm, op2) encoding.
//
// Values chosen, and why:
// - CTR_EL0 = 0x8444c004, as on Cortex-A72: 64-byte I and D cache lines (IminLine=DminLine=4),
//   PIPT instruction cache, ERG=CWG=4, and DIC=IDC=0 so that JITs in the guest issue DC CVAU and
//   IC IVAU, which is how tsemu learns about code written at run time.
// - DCZID_EL0 = 4: DC ZVA allowed, 2^4 words = 64-byte blocks.
// - MIDR_EL1 = 0x410fd083 (Cortex-A72 r0p3), MPIDR_EL1 = 0x80000000 and REVIDR_EL1 = 0: what
//   Linux's emulation of these reads returns on such a machine.
// - CNTFRQ_EL0 = 1 GHz; CNTVCT_EL0 counts host monotonic nanoseconds.
// - ID_AA64* registers: Linux's user-visible view (hidden fields read as their safe values) of a
//   CPU with exactly FP, ASIMD (no half precision), CRC32 and LSE atomics, matching AT_HWCAP.
import type { Emitter, Val } from '../emitter.js';
import { Sync } from '../emitter.js';
import { helper } from '../helpers.js';

export interface SysReg {
  name: string;
  read?: (e: Emitter) => Val;
  write?: (e: Emitter, v: Val) => void;
}

export const CTR_EL0 = 0x8444c004;
export const DCZID_EL0 = 4;
export const MIDR_EL1 = 0x410fd083;
export const CNTFRQ_EL0 = 1_000_000_000;
/** FPCR bits that exist here: AHP, DN, FZ, RMode, FZ16 (the trap enables are RAZ/WI, as on CPUs
 *  without trapped exceptions; Len/Stride are RES0 in AArch64). */
export const FPCR_WRITABLE = 0x07c80000;
/** FPSR bits: N, Z, C, V (AArch32 compares), QC, and the cumulative exception flags. */
export const FPSR_WRITABLE = 0xf800009f;

/** Host monotonic nanoseconds, as an f64 (exact below 2^53 ns: 104 days) to keep BigInt away. */
export const counterHelper = helper('cntvct', [], 'f64', () => Math.floor(performance.now() * 1e6));

const key = (op0: number, op1: number, crn: number, crm: number, op2: number) =>
  (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

const constant = (name: string, value: number | bigint): SysReg => ({ name, read: (e) => e.i64(value) });

const NZCV: SysReg = {
  name: 'nzcv',
  read(e) {
    const bit = (f: 'n' | 'z' | 'c' | 'v', s: number) => e.op('i32.shl', [e.flag(f), e.i32(s)]);
    const packed = e.op('i32.or', [e.op('i32.or', [bit('n', 31), bit('z', 30)]), e.op('i32.or', [bit('c', 29), bit('v', 28)])]);
    return e.extendU(packed);
  },
  write(e, v) {
    const bit = (s: number) => e.wrap(e.and(e.shrU(v, e.i64(s)), e.i64(1)));
    e.setFlags(bit(31), bit(30), bit(29), bit(28));
  },
};

const FPCR: SysReg = {
  name: 'fpcr',
  read: (e) => e.extendU(e.sys('fpcr')),
  write(e, v) {
    const next = e.op('i32.and', [e.wrap(v), e.i32(FPCR_WRITABLE)]);
    e.setSys('fpcr', next);
    // Translations depend on the mode bits (every writable bit is one): when the new mode is not
    // the one this code was translated under, the run loop switches.
    e.if(e.op('i32.ne', [next, e.i32(e.fpcrMode)]), () => e.sync(Sync.FpcrWritten));
    e.jump(e.pc + 4);
  },
};

const FPSR: SysReg = {
  name: 'fpsr',
  read: (e) => e.extendU(e.sys('fpsr')),
  write: (e, v) => e.setSys('fpsr', e.op('i32.and', [e.wrap(v), e.i32(FPSR_WRITABLE)])),
};

const TPIDR: SysReg = {
  name: 'tpidr_el0',
  read: (e) => e.sys('tpidr'),
  write: (e, v) => e.setSys('tpidr', v),
};

const COUNTER: SysReg = {
  name: 'cntvct_el0',
  read: (e) => e.op('i64.trunc_sat_f64_u', [e.call(counterHelper, [])]),
};

const table = new Map<number, SysReg>([
  [key(3, 3, 4, 2, 0), NZCV],
  [key(3, 3, 4, 4, 0), FPCR],
  [key(3, 3, 4, 4, 1), FPSR],
  [key(3, 3, 13, 0, 2), TPIDR],
  [key(3, 3, 13, 0, 3), constant('tpidrro_el0', 0)], // Linux keeps it zero for user space
  [key(3, 3, 0, 0, 1), constant('ctr_el0', CTR_EL0)],
  [key(3, 3, 0, 0, 7), constant('dczid_el0', DCZID_EL0)],
  [key(3, 3, 14, 0, 0), constant('cntfrq_el0', CNTFRQ_EL0)],
  [key(3, 3, 14, 0, 1), { ...COUNTER, name: 'cntpct_el0' }],
  [key(3, 3, 14, 0, 2), COUNTER],
  [key(3, 3, 14, 0, 5), { ...COUNTER, name: 'cntpctss_el0' }],
  [key(3, 3, 14, 0, 6), { ...COUNTER, name: 'cntvctss_el0' }],
  [key(3, 0, 0, 0, 0), constant('midr_el1', MIDR_EL1)],
  [key(3, 0, 0, 0, 5), constant('mpidr_el1', 0x80000000)],
  [key(3, 0, 0, 0, 6), constant('revidr_el1', 0)],
  [key(3, 0, 0, 4, 0), constant('id_aa64pfr0_el1', 0x11)], // EL0/EL1 AArch64 only; FP, AdvSIMD = 0 (present)
  [key(3, 0, 0, 5, 0), constant('id_aa64dfr0_el1', 0x6)], // DebugVer's safe value
  // AES = 2 (with PMULL), SHA1 = 1, SHA2 = 1, CRC32 = 1, Atomic = 2 (LSE), RDM = 1, DP = 1:
  // the same features AT_HWCAP advertises (src/loader/index.ts).
  [key(3, 0, 0, 6, 0), constant('id_aa64isar0_el1', 0x100010211120)],
  [key(3, 0, 0, 7, 0), constant('id_aa64mmfr0_el1', 0xff000000)], // TGran4/TGran64 safe values
]);

/** The name of the EL0-visible register at this encoding ('' if none). */
export function sysRegName(op0: number, op1: number, crn: number, crm: number, op2: number): string {
  return table.get(key(op0, op1, crn, crm, op2))?.name ?? '';
}

/**
 * What EL0 may do with the system register at this encoding, or null (SIGILL). Linux emulates
 * MRS of the whole ID space (op0=3, op1=0, CRn=0, CRm=0 for MIDR/MPIDR/REVIDR, CRm=2..7 for all):
 * registers without user-visible fields read as zero there.
 */
export function sysReg(op0: number, op1: number, crn: number, crm: number, op2: number): SysReg | null {
  const r = table.get(key(op0, op1, crn, crm, op2));
  if (r) return r;
  if (op0 === 3 && op1 === 0 && crn === 0 && crm >= 2 && crm <= 7) return constant(`id_${crm}_${op2}`, 0);
  return null;
}
