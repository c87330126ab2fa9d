// The user-mode run loop: load the program, run guest code, and handle what stops it —
// system calls, faults and traps — the way Linux would for an aarch64 process.
import { loadProgram, LoadError } from './loader/index.js';
import { dispatchSyscall } from './syscalls/dispatch.js';
import { deliverSignals, forceSignal } from './syscalls/signals.js';
import { GuestExit, GuestKilled, Kernel } from './syscalls/kernel.js';
import { Machine, type StopReason } from './translate/machine.js';
import { installProcessHooks, resumeInto } from './user-process.js';
import { PathResolver } from './vfs/paths.js';
import * as path from 'node:path';

export { LoadError };

export interface UserOptions {
  /** Guest program as given on the command line. */
  program: string;
  /** Guest argv (argv[0] included). */
  argv: string[];
  envp: string[];
  /** Sysroot tried first for absolute guest paths (-L). */
  sysroot?: string | null;
  strace?: (line: string) => void;
  unimp?: (line: string) => void;
  inAsm?: (pc: number, text: string) => void;
}

/** How the guest ended: an exit status, or death by a signal. */
export type GuestResult = { status: number } | { signal: number };

export function runProgram(opts: UserOptions): GuestResult {
  const machine = new Machine({ trace: opts.inAsm });
  const paths = new PathResolver(opts.sysroot ?? null);
  const kernel = new Kernel(machine.mem, machine.cpu, paths, { strace: opts.strace, unimp: opts.unimp });
  const hostPath = path.resolve(opts.program);
  const prog = loadProgram(machine.mem, hostPath, opts.program, {
    argv: opts.argv,
    envp: opts.envp,
    resolvePath: (p) => paths.find(p),
  });
  kernel.brkStart = kernel.brk = prog.brk;
  kernel.setProgram(hostPath, opts.argv, opts.envp, prog.auxv);
  machine.cpu.pc = prog.entry;
  machine.cpu.setX(31, prog.sp);
  installProcessHooks(machine, kernel);
  return runLoop(machine, kernel);
}

/** Continue a guest forked by another tsemu-user from its snapshot (`tsemu-user --resume FILE`). */
export function resumeProgram(snapshot: string, log: (line: string) => void): GuestResult {
  const machine = new Machine();
  const kernel = resumeInto(machine, snapshot, (prefix, cwd, trace) => new Kernel(machine.mem, machine.cpu,
    new PathResolver(prefix, cwd), { strace: trace.strace ? log : undefined, unimp: trace.unimp ? log : undefined }));
  installProcessHooks(machine, kernel);
  return runLoop(machine, kernel);
}

export function runLoop(machine: Machine, kernel: Kernel): GuestResult {
  machine.interruptCheck = () => kernel.eventsDue();
  for (;;) {
    try {
      const stop = machine.run();
      if (stop.kind === 'svc') {
        dispatchSyscall(kernel);
        machine.setFpcrMode(machine.cpu.fpcr); // rt_sigreturn may have restored another FPCR
      } else if (stop.kind !== 'interrupt') {
        const [sig, code, addr, faultAddress] = exceptionSignal(stop);
        forceSignal(kernel, sig, code, addr, faultAddress);
      }
      deliverSignals(kernel);
    } catch (err) {
      if (err instanceof GuestExit) return { status: err.status };
      if (err instanceof GuestKilled) return { signal: err.signal };
      throw err;
    }
  }
}

export const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGSEGV = 11;

/**
 * The signal arm64 Linux raises for a synchronous exception: [signal, si_code, si_addr, the
 * sigcontext's fault_address (the FAR, set for memory aborts only)].
 */
function exceptionSignal(stop: Exclude<StopReason, { kind: 'svc' | 'interrupt' }>): [number, number, bigint, bigint] {
  const ILL_ILLOPC = 1, TRAP_BRKPT = 1, BUS_ADRALN = 1, SEGV_MAPERR = 1, SEGV_ACCERR = 2;
  switch (stop.kind) {
    case 'undefined': return [SIGILL, ILL_ILLOPC, BigInt(stop.pc), 0n];
    case 'breakpoint': return [SIGTRAP, TRAP_BRKPT, BigInt(stop.pc), 0n];
    case 'fault':
      if (stop.access === 'align') return [SIGBUS, BUS_ADRALN, stop.addr, stop.addr];
      return [SIGSEGV, stop.mapped ? SEGV_ACCERR : SEGV_MAPERR, stop.addr, stop.addr];
  }
}
