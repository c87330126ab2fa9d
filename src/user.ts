// The user-mode run loop: load the program, run guest code, and handle what stops it —
// system calls, faults and traps — the way Linux would for an aarch64 process.
import { loadProgram, LoadError, requireExecutable } from './loader/index.js';
import { dispatchSyscall } from './syscalls/dispatch.js';
import { deliverSignals, forceSignal, hangUpStoppedJobs } from './syscalls/signal/signals.js';
import { GuestExit, GuestKilled, Kernel, ThreadExeced, type HostLink } from './syscalls/kernel.js';
import { execLine, Machine } from './translate/machine.js';
import { installProcessHooks, resumeInto } from './user-process.js';
import { exceptionSignal } from './user-faults.js';
import { ThreadGroup } from './threads/group.js';
import { useMemoryFs, vfs } from './vfs/backend.js';
import { PathResolver } from './vfs/paths.js';
import * as fs from 'node:fs';
import * as path from 'node:path';

export { LoadError };
export { stopThreadWorkers } from './threads/group.js';
export { quietFdWarnings } from './vfs/fd-warnings.js';
/** For a front end running the guest on a worker (cli/guest-thread.ts). */
export { HOST_EVENTS, type HostLink } from './syscalls/kernel.js';

export interface UserOptions {
  /** Guest program as given on the command line. */
  program: string;
  /** Guest argv (argv[0] included). */
  argv: string[];
  envp: string[];
  /** Sysroot tried first for absolute guest paths (-L). */
  sysroot?: string | null;
  /** Confined root (--root): a host directory that is the guest's whole file system; the
   *  program path is a guest path inside it, and the guest starts in "/". */
  root?: string | null;
  /** In-memory file system (--memfs): the guest's "/" is a fresh memfs volume holding /tmp and
   *  a copy of the program at its absolute host path; /proc and host devices as with --root. */
  memfs?: boolean;
  /** Under --root/--memfs, what the guest may still do to the host (see syscalls/confine.ts). */
  allowHostExec?: boolean;
  allowAbstractSockets?: boolean;
  /** --net none: no IPv4 or IPv6 sockets reach anything. */
  noNetwork?: boolean;
  strace?: (line: string) => void;
  unimp?: (line: string) => void;
  inAsm?: (pc: number, text: string) => void;
  /** -d cache: what the on-disk translation cache did. */
  cacheLog?: (line: string) => void;
  /** -d tier: modules compiled, code cache evictions. */
  tierLog?: (line: string) => void;
  /** Where the -d lines above go (default stderr): further guest threads write theirs there. */
  logFd?: number;
  /** -d out_asm: each module's wasm. */
  outAsm?: (line: string) => void;
  /** -d exec: each block run (the first tier). */
  execLog?: (line: string) => void;
  /** The thread owning the host process, when the guest runs on a worker (see cli/guest-thread.ts). */
  host?: HostLink;
}

/** How the guest ended: an exit status, or death by a signal. */
export type GuestResult = { status: number } | { signal: number };

export function runProgram(opts: UserOptions): GuestResult {
  const machine = new Machine({ trace: opts.inAsm });
  const paths = new PathResolver(opts.sysroot ?? null);
  if (opts.root) confine(paths, opts.root);
  if (opts.memfs) inMemoryRoot(paths, path.resolve(opts.program));
  const kernel = new Kernel(machine.mem, machine.cpu, paths, { strace: opts.strace, unimp: opts.unimp, host: opts.host });
  const confined = !!(opts.root || opts.memfs);
  kernel.confinement = {
    confined,
    hostExec: !confined || !!opts.allowHostExec,
    abstractSockets: !confined || !!opts.allowAbstractSockets,
    noNetwork: !!opts.noNetwork,
  };
  const hostPath = paths.root !== null ? confinedProgram(paths, opts.program) : path.resolve(opts.program);
  requireExecutable(hostPath, opts.program);
  const prog = loadProgram(machine.mem, hostPath, opts.program, {
    argv: opts.argv,
    envp: opts.envp,
    resolvePath: (p) => paths.find(p),
  });
  kernel.brkStart = kernel.brk = prog.brk;
  kernel.setProgram(hostPath, opts.argv, opts.envp, prog.auxv);
  machine.cpu.pc = prog.entry;
  machine.cpu.setX(31, prog.sp);
  machine.cacheLog = opts.cacheLog ?? null;
  machine.translator.tierLog = opts.tierLog ?? null;
  machine.logFd = opts.logFd ?? 2;
  machine.translator.outAsm = opts.outAsm ?? null;
  const execLog = opts.execLog;
  machine.execLog = execLog ? (pc) => execLog(execLine(pc)) : null;
  machine.useDiskCache(programBytes(hostPath));
  installProcessHooks(machine, kernel);
  allowThreads(machine, kernel);
  return runLoop(machine, kernel);
}

/** clone(CLONE_THREAD) starts the process's thread group (threads/group.ts) on first use. */
function allowThreads(machine: Machine, kernel: Kernel): void {
  let group: ThreadGroup | null = null;
  kernel.hooks.thread = (req) => (group ??= new ThreadGroup(kernel, machine)).spawn(req);
}

/** Continue a guest forked by another tsemu-user from its snapshot (`tsemu-user --resume FILE`). */
export function resumeProgram(snapshot: string, log: (line: string) => void, host?: HostLink): GuestResult {
  const machine = new Machine();
  const kernel = resumeInto(machine, snapshot, log, (prefix, cwd, trace) => new Kernel(machine.mem, machine.cpu,
    new PathResolver(prefix, cwd), { strace: trace.strace ? log : undefined, unimp: trace.unimp ? log : undefined, host }));
  installProcessHooks(machine, kernel);
  allowThreads(machine, kernel);
  kernel.announceSignalInterest(); // handlers inherited from the parent
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
      kernel.threads?.serve();
      deliverSignals(kernel);
    } catch (err) {
      if (err instanceof GuestExit || err instanceof GuestKilled) {
        kernel.hooks.exiting?.();
        // A forked child's parent is often waiting for it (a shell's command substitution).
        machine.saveDiskCache(!machine.forked);
        hangUpStoppedJobs(kernel);
      }
      if (err instanceof ThreadExeced) continue; // another thread's execve: the new image runs here
      if (err instanceof GuestExit) return { status: err.status };
      if (err instanceof GuestKilled) return { signal: err.signal };
      throw err;
    }
  }
}

/** The program file's bytes (the key of its translation cache), or null if unreadable. */
function programBytes(hostPath: string): Uint8Array | null {
  try {
    return vfs.readFileSync(hostPath);
  } catch {
    return null;
  }
}

/** Make `paths` resolve everything inside the host directory `root` (see PathResolver.root). */
function confine(paths: PathResolver, root: string): void {
  let real: string;
  try {
    real = fs.realpathSync(root);
    if (!fs.statSync(real).isDirectory()) throw new Error();
  } catch {
    throw new LoadError(`--root ${root}: not a directory`);
  }
  paths.root = real;
  paths.cwd = '/';
}

/** Host path of the program named inside a confined root. */
function confinedProgram(paths: PathResolver, program: string): string {
  try {
    return paths.toHost(program);
  } catch {
    throw new LoadError(`${program}: not found inside --root ${paths.root}`);
  }
}

/** Switch the guest to a fresh in-memory file system holding the program (see UserOptions). */
function inMemoryRoot(paths: PathResolver, program: string): void {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(program);
  } catch {
    throw new LoadError(`${program}: no such file`);
  }
  // The program keeps its absolute path, and the guest starts where tsemu was started (an
  // empty directory in memory), so relative program names and /proc/self/exe work as usual.
  const mem = useMemoryFs({ [program]: bytes });
  mem.mkdirSync(process.cwd(), { recursive: true });
  paths.cwd = process.cwd();
  // A confined root whose host is the in-memory volume itself (host path = guest path): paths
  // are walked there, and /proc is the kernel's own, as under --root (at.ts resolveConfined),
  // so /proc/self/root or /proc/<pid>/cwd do not lead to the host's files.
  paths.root = '';
}
