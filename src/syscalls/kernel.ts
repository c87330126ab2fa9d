// The per-process context system calls run against: memory, CPU registers, descriptors, paths,
// the program break, identity, limits and recorded signal state. One object per guest process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CpuState } from '../cpu/cpustate.js';
import type { GuestMemory } from '../cpu/memory.js';
import { FdTable, O, type OpenFile } from '../vfs/file.js';
import { HostFile, hostFdInfo } from '../vfs/host.js';
import type { PathResolver } from '../vfs/paths.js';
import { Children } from './children.js';
import { initialFdLimit } from './hostlimits.js';

export interface ForkRequest {
  /** New stack pointer for the child, or 0 to keep the parent's. */
  stack: number;
  /** New TPIDR_EL0 (CLONE_SETTLS), or 0. */
  tls: number;
  /** CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID / CLONE_PARENT_SETTID addresses, or 0. */
  setChildTid: number;
  clearChildTid: number;
  parentTid: number;
  /** CLONE_VFORK: the parent waits until the child calls execve or exits. */
  vfork: boolean;
}

/** What only the run loop can do: it owns the machine and knows how to start tsemu. */
export interface ProcessHooks {
  /** Start a child carrying this process's state; returns its pid. */
  fork(req: ForkRequest): number;
  /** Replace the program (returns only on failure, by throwing SysError). */
  exec(path: string, argv: string[], envp: string[]): void;
}

export interface KernelOptions {
  /** Print each system call and its result (-strace). */
  strace?: (line: string) => void;
  /** Report unimplemented system calls (-d unimp). */
  unimp?: (line: string) => void;
  /** A handler threw something other than SysError/GuestFault: an emulator bug. */
  internalError?: (err: unknown) => void;
}

/** Thrown by exit/exit_group to end the run loop. */
export class GuestExit {
  constructor(readonly status: number) {}
}

/** Thrown when the guest is killed by a signal whose default action terminates it. */
export class GuestKilled {
  constructor(readonly signal: number) {}
}

/** A MAP_SHARED file mapping: its pages are written back on msync, munmap and exit. */
export interface SharedMapping {
  start: number;
  end: number;
  file: OpenFile;
  /** File offset of `start`. */
  offset: number;
  /** The contents as mapped (for files open for writing): what write-back compares against. */
  snapshot?: Uint8Array;
}

export const SIGPIPE = 13;

export class Kernel {
  readonly fds = new FdTable();
  brkStart = 0;
  brk = 0;
  /** Host path of the running guest binary (for /proc/self/exe). */
  exePath = '';
  /** What readlink("/proc/self/exe") returns: the binary's absolute, symlink-free path. */
  exeGuestPath = '';
  argv: string[] = [];
  envp: string[] = [];
  /** Guest address of the auxiliary vector on the initial stack (for /proc/self/auxv). */
  auxv = 0;
  readonly pid = process.pid;
  /** Process group and session: the host's, until the guest changes its group. */
  pgid: number;
  sid: number;
  /** prctl(PR_SET_NAME) / /proc/self/comm (at most 15 bytes). */
  comm = '';
  clearChildTid = 0;
  robustList = 0;
  /** rt_sigaction records: signal → [handler, flags, restorer, mask]. Delivery is not done yet. */
  readonly sigactions = new Map<number, [bigint, bigint, bigint, bigint]>();
  sigmask = 0n;
  /** Resource limits set by the guest (prlimit64/setrlimit): resource → [soft, hard]. */
  readonly rlimits = new Map<number, [bigint, bigint]>();
  readonly sharedMappings: SharedMapping[] = [];
  readonly startTime = process.hrtime.bigint();
  readonly children = new Children();
  /** Host fd a vfork child closes at execve or exit to let its parent go on (-1: none). */
  vforkNotify = -1;
  hooks: ProcessHooks = {
    fork: () => { throw new Error('fork is not available here'); },
    exec: () => { throw new Error('execve is not available here'); },
  };

  constructor(
    readonly mem: GuestMemory,
    readonly cpu: CpuState,
    readonly paths: PathResolver,
    readonly opts: KernelOptions = {},
  ) {
    for (const fd of [0, 1, 2]) {
      // Only descriptors the host actually has open: a guest started with `2>&-` sees EBADF.
      const info = hostFdInfo(fd);
      const flags = info ? info.flags & (O.ACCMODE | O.APPEND | O.NONBLOCK) : fd === 0 ? O.RDONLY : O.WRONLY;
      try {
        this.fds.set(fd, new HostFile(fd, `/dev/fd/${fd}`, flags, `/proc/self/fd/${fd}`, false));
      } catch { /* not open on the host */ }
    }
    this.fds.limit = initialFdLimit();
    const ids = hostProcessIds();
    this.pgid = ids.pgid;
    this.sid = ids.sid;
  }

  /** Record the guest program (for /proc/self/exe and comm). */
  setProgram(hostPath: string, argv: string[], envp: string[], auxv: number): void {
    this.exePath = hostPath;
    try { this.exeGuestPath = this.paths.guestOfHost(fs.realpathSync(hostPath)); } catch { this.exeGuestPath = path.resolve(hostPath); }
    this.comm = path.basename(hostPath).slice(0, 15);
    nameProgramMappings(this, hostPath);
    this.argv = argv;
    this.envp = envp;
    this.auxv = auxv;
  }

  /** Block for `ns` nanoseconds (nanosleep and friends). Tests replace this. */
  sleepNs(ns: bigint): void {
    const end = process.hrtime.bigint() + ns;
    const cell = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      const left = end - process.hrtime.bigint();
      if (left <= 0n) return;
      Atomics.wait(cell, 0, 0, Math.min(Number(left) / 1e6, 2 ** 31));
    }
  }

  /**
   * Wait on the 32-bit guest word at `addr` while it holds `val`, until woken by futexWake or
   * `timeoutMs` passes (Infinity: no timeout). Guest memory is one shared WebAssembly.Memory, so
   * this is Atomics.wait on the guest's own word; with a single thread and no timeout a match
   * blocks forever, as it would on Linux. Tests replace this.
   */
  futexWait(addr: number, val: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    const words = new Int32Array(this.mem.memory.buffer);
    return Atomics.wait(words, addr / 4, val | 0, timeoutMs);
  }

  futexWake(addr: number, count: number): number {
    const words = new Int32Array(this.mem.memory.buffer);
    return Atomics.notify(words, addr / 4, count);
  }

  /** A write hit a pipe with no reader: SIGPIPE kills the process unless caught, ignored or
   *  blocked (then the write fails with EPIPE; handlers are not run yet). */
  brokenPipe(): void {
    const handler = this.sigactions.get(SIGPIPE)?.[0] ?? 0n;
    const blocked = (this.sigmask >> BigInt(SIGPIPE - 1)) & 1n;
    if (handler === 0n && !blocked) throw new GuestKilled(SIGPIPE);
  }
}

/** Process group and session of this (host) process, from /proc/self/stat. */
function hostProcessIds(): { pgid: number; sid: number } {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pgid: Number(fields[2]), sid: Number(fields[3]) };
  } catch {
    return { pgid: process.pid, sid: process.pid };
  }
}

/**
 * The loader names the program's mappings by the path it was started with (maybe relative, or
 * through a symlink); /proc/self/maps shows the file's absolute, symlink-free path, as Linux
 * does. Called when a program has just been loaded, while the guest cwd is the one that path
 * was relative to.
 */
function nameProgramMappings(k: Kernel, hostPath: string): void {
  const real = (p: string) => { try { return fs.realpathSync(p); } catch { return null; } };
  const exe = real(hostPath);
  if (exe === null) return;
  const same = new Map<string, boolean>();
  for (const m of k.mem.mappings) {
    if (!m.name || m.name.startsWith('[') || m.name === k.exeGuestPath) continue;
    if (!same.has(m.name)) {
      let host: string | null = null;
      try { host = k.paths.toHost(m.name); } catch { /* e.g. /proc/self/exe inside a confined root */ }
      same.set(m.name, m.name === hostPath || m.name === '/proc/self/exe' || (host !== null && real(host) === exe));
    }
    if (same.get(m.name)) m.name = k.exeGuestPath;
  }
}
