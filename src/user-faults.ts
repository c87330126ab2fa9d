// The signal a synchronous exception raises in user mode, shared by the run loop of the first
// thread (user.ts) and of the others (threads/thread-worker.ts).
import type { StopReason } from './translate/machine.js';

export const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGSEGV = 11;

/**
 * The signal arm64 Linux raises for a synchronous exception: [signal, si_code, si_addr, the
 * sigcontext's fault_address (the FAR, set for memory aborts only)].
 */
export function exceptionSignal(stop: Exclude<StopReason, { kind: 'svc' | 'interrupt' }>): [number, number, bigint, bigint] {
  const ILL_ILLOPC = 1, TRAP_BRKPT = 1, BUS_ADRALN = 1, SEGV_MAPERR = 1, SEGV_ACCERR = 2;
  switch (stop.kind) {
    case 'undefined': return [SIGILL, ILL_ILLOPC, BigInt(stop.pc), 0n];
    case 'breakpoint': return [SIGTRAP, TRAP_BRKPT, BigInt(stop.pc), 0n];
    case 'fault':
      if (stop.access === 'align') return [SIGBUS, BUS_ADRALN, stop.addr, stop.addr];
      return [SIGSEGV, stop.mapped ? SEGV_ACCERR : SEGV_MAPERR, stop.addr, stop.addr];
    case 'system': case 'wfi': // only a system-mode Machine reports these
      throw new Error(`internal error: user-mode machine stopped for ${stop.kind}`);
  }
}
