// System instructions: NZCV/FPCR/FPSR/TPIDR_EL0 moves, hints, barriers, CLREX, CFINV, DC no-ops.
// Registers whose values tsemu chooses itself (CTR_EL0, DCZID_EL0, MIDR_EL1, ID_AA64*, CNTFRQ_EL0)
// differ from qemu's -cpu max by design (its DCZID_EL0 gives 512-byte DC ZVA blocks), so they and
// DC ZVA are checked in test/cpu/faults.test.ts instead.
import type { CaseSpec } from '../record.js';

const M = '0x500000';

const cases: CaseSpec[] = [
  { asm: ['mrs x0, nzcv'], in: { nzcv: '0xa0000000' } },
  { asm: ['mrs x0, nzcv'], in: { nzcv: '0x50000000' } },
  { asm: ['mrs xzr, nzcv'], in: { nzcv: '0x50000000' } },
  { asm: ['msr nzcv, x1'], in: { x1: '0x50000000' } },
  { asm: ['msr nzcv, x1'], in: { x1: '0xffffffffffffffff' } },
  { asm: ['msr nzcv, xzr'], in: { nzcv: '0xf0000000' } },
  { asm: ['msr nzcv, x1', 'mrs x0, nzcv'], in: { x1: '0x8fffffff' } },
  { asm: ['mrs x0, fpcr'], in: { fpcr: '0x02000000' } },
  { asm: ['msr fpcr, x1', 'mrs x0, fpcr', 'msr fpcr, xzr'], in: { x1: '0x00c00000' } },
  { asm: ['msr fpcr, x1', 'mrs x0, fpcr', 'msr fpcr, xzr'], in: { x1: '0x03000000' } },
  { asm: ['msr fpcr, x1', 'mrs x0, fpcr', 'msr fpcr, xzr'], in: { x1: '0x04400000' } },
  { asm: ['msr fpcr, x1', 'mrs x0, fpcr', 'msr fpcr, x2', 'mrs x3, fpcr'], in: { x1: '0x00400000', x2: '0x0' } },
  { asm: ['msr fpcr, x1', 'mrs x0, fpcr', 'msr fpcr, xzr'], in: { x1: '0x00089f00' } },
  { asm: ['msr fpsr, x1', 'mrs x0, fpsr'], in: { x1: '0x08000000' } },
  { asm: ['msr fpsr, x1', 'mrs x0, fpsr'], in: { x1: '0xf8000000' } },
  { asm: ['msr fpsr, x1', 'mrs x0, fpsr', 'msr fpsr, xzr', 'mrs x2, fpsr'], in: { x1: '0x08000000' } },
  { asm: ['msr tpidr_el0, x1', 'mrs x0, tpidr_el0'], in: { x1: '0xfedcba9876543210' } },
  { asm: ['mrs x0, tpidr_el0', 'msr tpidr_el0, xzr', 'mrs x1, tpidr_el0'] },
  { asm: ['mrs x0, tpidrro_el0'] },
  { asm: ['nop'] },
  { asm: ['yield'] },
  { asm: ['sev'] },
  { asm: ['sevl'] },
  { asm: ['wfe'] },
  { asm: ['hint #0x22'] },
  { asm: ['bti c'] },
  { asm: ['bti j'] },
  { asm: ['bti jc'] },
  { asm: ['csdb'] },
  { asm: ['esb'] },
  { asm: ['psb csync'] },
  { asm: ['hint #0x7f'] },
  { asm: ['isb'] },
  { asm: ['dmb ish'] },
  { asm: ['dmb ishld'] },
  { asm: ['dmb sy'] },
  { asm: ['dsb sy'] },
  { asm: ['dsb ishst'] },
  { asm: ['ssbb'] },
  { asm: ['pssbb'] },
  { asm: ['sb'] },
  { asm: ['clrex'] },
  { asm: ['clrex #5'] },
  { asm: ['cfinv'], in: { nzcv: '0x20000000' } },
  { asm: ['cfinv'], in: { nzcv: '0xd0000000' } },
  { asm: ['dc cvau, x1'], in: { x1: M } },
  { asm: ['dc cvac, x1'], in: { x1: M } },
  { asm: ['dc civac, x1'], in: { x1: M } },
];
export default cases;
