// The per-process context system calls run against: memory, CPU registers, descriptors, paths,
// the program break and process identity. One object per guest process.
import type { CpuState } from '../cpu/cpustate.js';
import type { GuestMemory } from '../cpu/memory.js';
import { FdTable } from '../vfs/file.js';
import { HostFile } from '../vfs/host.js';
import type { PathResolver } from '../vfs/paths.js';

export interface KernelOptions {
  /** Print each system call and its result (-strace). */
  strace?: (line: string) => void;
  /** Report unimplemented system calls (-d unimp). */
  unimp?: (line: string) => void;
}

/** Thrown by exit/exit_group to end the run loop. */
export class GuestExit {
  constructor(readonly status: number) {}
}

/** Thrown when the guest is killed by a signal whose default action terminates it. */
export class GuestKilled {
  constructor(readonly signal: number) {}
}

export class Kernel {
  readonly fds = new FdTable();
  brkStart = 0;
  brk = 0;
  /** Host path of the running guest binary (for /proc/self/exe). */
  exePath = '';
  /** Guest path of the running guest binary as given. */
  exeGuestPath = '';
  argv: string[] = [];
  envp: string[] = [];
  auxv = 0;
  readonly pid = process.pid;
  umask = 0o022;
  clearChildTid = 0;
  /** rt_sigaction records: signal → [handler, flags, restorer, mask]. Delivery is not done yet. */
  readonly sigactions = new Map<number, [bigint, bigint, bigint, bigint]>();
  sigmask = 0n;
  readonly startTime = process.hrtime.bigint();

  constructor(
    readonly mem: GuestMemory,
    readonly cpu: CpuState,
    readonly paths: PathResolver,
    readonly opts: KernelOptions = {},
  ) {
    for (const fd of [0, 1, 2]) this.fds.set(fd, new HostFile(fd, `/dev/fd/${fd}`, fd === 0 ? 0 : 1, `/dev/fd/${fd}`, false));
  }
}
