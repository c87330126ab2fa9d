// System register and operation names as GNU objdump prints them in MRS/MSR/SYS operands.
// Only the ARMv8.0 registers an OS or a user program commonly touches; any other encoding is
// printed generically (s3_0_c4_c2_2), which objdump also accepts.
import { sysRegName } from './aarch64/sysregs.js';

const key = (op0: number, op1: number, crn: number, crm: number, op2: number) => `${op0}_${op1}_${crn}_${crm}_${op2}`;

const NAMES = new Map<string, string>([
  [key(3, 0, 1, 0, 0), 'sctlr_el1'], [key(3, 0, 1, 0, 1), 'actlr_el1'], [key(3, 0, 1, 0, 2), 'cpacr_el1'],
  [key(3, 0, 2, 0, 0), 'ttbr0_el1'], [key(3, 0, 2, 0, 1), 'ttbr1_el1'], [key(3, 0, 2, 0, 2), 'tcr_el1'],
  [key(3, 0, 4, 0, 0), 'spsr_el1'], [key(3, 0, 4, 0, 1), 'elr_el1'], [key(3, 0, 4, 1, 0), 'sp_el0'],
  [key(3, 0, 4, 2, 0), 'spsel'], [key(3, 0, 4, 2, 2), 'currentel'], [key(3, 3, 4, 2, 1), 'daif'],
  [key(3, 0, 5, 1, 0), 'afsr0_el1'], [key(3, 0, 5, 1, 1), 'afsr1_el1'], [key(3, 0, 5, 2, 0), 'esr_el1'],
  [key(3, 0, 6, 0, 0), 'far_el1'], [key(3, 0, 7, 4, 0), 'par_el1'], [key(3, 0, 10, 2, 0), 'mair_el1'],
  [key(3, 0, 10, 3, 0), 'amair_el1'], [key(3, 0, 12, 0, 0), 'vbar_el1'], [key(3, 0, 12, 1, 0), 'isr_el1'],
  [key(3, 0, 13, 0, 1), 'contextidr_el1'], [key(3, 0, 13, 0, 4), 'tpidr_el1'], [key(3, 2, 0, 0, 0), 'csselr_el1'],
  [key(3, 1, 0, 0, 0), 'ccsidr_el1'], [key(3, 1, 0, 0, 1), 'clidr_el1'], [key(3, 3, 4, 2, 0), 'nzcv'],
  [key(3, 3, 4, 4, 0), 'fpcr'], [key(3, 3, 4, 4, 1), 'fpsr'], [key(3, 3, 13, 0, 2), 'tpidr_el0'],
  [key(3, 3, 13, 0, 3), 'tpidrro_el0'], [key(3, 3, 14, 0, 0), 'cntfrq_el0'], [key(3, 3, 14, 0, 1), 'cntpct_el0'],
  [key(3, 3, 14, 0, 2), 'cntvct_el0'], [key(3, 3, 14, 2, 0), 'cntp_tval_el0'], [key(3, 3, 14, 2, 1), 'cntp_ctl_el0'],
  [key(3, 3, 14, 2, 2), 'cntp_cval_el0'], [key(3, 3, 14, 3, 0), 'cntv_tval_el0'], [key(3, 3, 14, 3, 1), 'cntv_ctl_el0'],
  [key(3, 3, 14, 3, 2), 'cntv_cval_el0'], [key(3, 0, 14, 1, 0), 'cntkctl_el1'], [key(2, 0, 0, 2, 2), 'mdscr_el1'],
  [key(2, 0, 1, 0, 4), 'oslar_el1'], [key(2, 0, 1, 3, 4), 'osdlr_el1'], [key(3, 3, 0, 0, 1), 'ctr_el0'],
  [key(3, 3, 0, 0, 7), 'dczid_el0'],
]);

/** A system register operand: its name, or the generic s<op0>_<op1>_c<n>_c<m>_<op2>. */
export function sysRegOperand(op0: number, op1: number, crn: number, crm: number, op2: number): string {
  // sysRegName knows the EL0-visible ones (the ID registers among them) by objdump's names.
  return NAMES.get(key(op0, op1, crn, crm, op2)) || sysRegName(op0, op1, crn, crm, op2) ||
    `s${op0}_${op1}_c${crn}_c${crm}_${op2}`;
}
