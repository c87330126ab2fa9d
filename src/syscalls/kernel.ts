// The per-process context system calls run against: memory, CPU registers, descriptors, paths,
// the program break, identity, limits and recorded signal state. One object per guest process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CpuState } from '../cpu/cpustate.js';
import type { GuestMemory } from '../cpu/memory.js';
import { FdTable, O, type OpenFile } from '../vfs/file.js';
import { blockingIo, HostFile, hostFdInfo } from '../vfs/host.js';
import type { PathResolver } from '../vfs/paths.js';
import { Children } from './process/children.js';
import { UNCONFINED, type Confinement } from './confine.js';
import { ERESTARTSYS, SysError } from './errno.js';
import { newPiTable } from './process/futex-pi.js';
import { initialFdLimit } from './process/hostlimits.js';
import { HOST_EVENTS, type HostLink } from './host-link.js';
import { Session } from './process/session.js';
import { TimerSet } from './time/timers.js';

export { HOST_EVENTS, type HostLink };

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
  /** The guest is about to end (exit or a fatal signal). */
  exiting?(): void;
  /** clone(CLONE_THREAD): start a guest thread (threads/group.ts) with the calling thread's
   *  registers (Kernel.cpu); returns its tid. */
  thread?(req: ForkRequest): number;
}

/** The process's other guest threads, as the syscalls see them (threads/group.ts). */
export interface ThreadHooks {
  /** Run the system calls other threads handed to this, the owning, thread. */
  serve(): void;
  /** Futex wait of the owning thread: it keeps serving the others while it sleeps, and ends
   *  early for a signal it would take. */
  futexWait(addr: number, val: number, timeoutMs: number): FutexWaitResult;
  /** Is `tid` one of the process's other threads? */
  has(tid: number): boolean;
  /** The robust list head thread `tid` registered (set_robust_list), 0 if none. */
  robustList(tid: number): number;
  /** The thread whose call runs now (the pid for the first thread). */
  currentTid(): number;
  /** Every thread of the process, the first (pid) included, as /proc/self/task lists them. */
  tids(): number[];
  /** What /proc/self/task/<tid> shows of thread `tid`, or null if it is none of the process's. */
  thread(tid: number): { comm: string; sigmask: bigint } | null;
  /** Write /proc/self/task/<tid>/comm. */
  setComm(tid: number, comm: string): void;
  /** execve's point of no return (Linux's de_thread): end every other thread. When the caller
   *  is not the first thread, the owning thread then abandons what it was doing (ThreadExeced)
   *  and runs the new image itself, as the caller, with the pid as its tid. */
  exec(): void;
  /** Make `sig` pending for thread `tid` (tgkill/tkill; the first thread's tid is the pid) and
   *  get it to that thread promptly. */
  signal(tid: number, sig: number, info: Buffer): void;
  /** A process-directed `sig` was made pending: get it to a thread that does not block it. */
  processSignal(sig: number): void;
  /** `sig` became ignored: drop it from every thread's pending set. */
  discardPending(sig: number): void;
  /** The owning thread ends alone (exit, not exit_group): serve the others until none is left. */
  outlive(): void;
}

export interface KernelOptions {
  /** Print each system call and its result (-strace). */
  strace?: (line: string) => void;
  /** Report unimplemented system calls (-d unimp). */
  unimp?: (line: string) => void;
  /** A handler threw something other than SysError/GuestFault: an emulator bug. */
  internalError?: (err: unknown) => void;
  /** Set when the guest runs on a thread other than the one that owns the host process. */
  host?: HostLink;
}

/** Thrown by exit/exit_group to end the run loop. */
export class GuestExit {
  constructor(readonly status: number) {}
}

/** Thrown when the guest is killed by a signal whose default action terminates it. */
/** Thrown out of the owning thread's wait or call when another thread's execve has put a new
 *  image in place: the run loop goes on with the new program. */
export class ThreadExeced {}

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
  /** Session and process group: the host's, until the guest changes them (setsid, setpgid);
   *  a forked child starts with its parent's. The group is shared through the job-control
   *  session when there is one: a parent's setpgid moves its child. */
  sid: number;
  private group: number;
  readonly session: Session | null;
  /** prctl(PR_SET_NAME) / /proc/self/comm (at most 15 bytes). */
  comm = '';
  clearChildTid = 0;
  robustList = 0;
  /** The process's PI futex state, shared with its threads' workers (process/futex-pi.ts). */
  readonly piTable = newPiTable();
  /** Set once the guest has started a second thread. */
  threads: ThreadHooks | null = null;
  /** rt_sigaction records: signal → [handler, flags, restorer, mask]; default action when absent. */
  readonly sigactions = new Map<number, [bigint, bigint, bigint, bigint]>();
  /** Blocked signals (bit n-1 for signal n). */
  sigmask = 0n;
  /** Process-directed signals generated and not yet delivered: signal → siginfo records (one
   *  for 1..31, a queue for the real-time ones, as Linux keeps them). Any thread that does not
   *  block one may take it. */
  readonly pendingSignals: PendingSignals = new Map();
  /** Thread-directed signals (tgkill, SIGPIPE) pending for the calling thread: another
   *  thread's set while the owning thread runs a call for it (threads/group.ts). */
  threadPending: PendingSignals = new Map();
  /** sigaltstack: where handlers with SA_ONSTACK run. */
  altstack = { sp: 0, size: 0, flags: SS_DISABLE };
  /** The mask rt_sigsuspend (or ppoll, pselect6, epoll_pwait) replaced, restored by the frame
   *  of the handler that ends it. */
  savedSigmask: bigint | null = null;
  /** Set while the first thread takes one look for another thread's ppoll, pselect6 or
   *  epoll_pwait (threads/group.ts): the call polls once, with no timeout, and fails with EINTR
   *  if nothing is ready and a signal may be delivered; the thread sleeps between looks. */
  pollLook = false;
  /** Set by a blocking call a signal interrupted: the run loop restarts it or makes it EINTR
   *  ('sys': ERESTARTSYS, restarted after a handler with SA_RESTART; 'nohand': ERESTARTNOHAND,
   *  EINTR after any handler; 'nointr': ERESTARTNOINTR, restarted after any handler). */
  restartSyscall: false | 'sys' | 'nohand' | 'nointr' = false;
  /** x0 as the current system call received it, to re-issue the call on restart. */
  syscallArg0 = 0n;
  /** Address of the page holding the sigreturn trampoline, once mapped (0: not yet). */
  sigTrampoline = 0;
  /** Interval and POSIX timers. */
  readonly timers = new TimerSet();
  /** Word 0 counts events other threads post (a child exited, a host signal); waits sleep on it. */
  readonly wake: Int32Array;
  private wakeSeen = 0;
  /** Resource limits set by the guest (prlimit64/setrlimit): resource → [soft, hard]. */
  readonly rlimits = new Map<number, [bigint, bigint]>();
  readonly sharedMappings: SharedMapping[] = [];
  readonly startTime = process.hrtime.bigint();
  readonly children: Children;
  /** Host fd a vfork child closes at execve or exit to let its parent go on (-1: none). */
  vforkNotify = -1;
  /** What the guest may do to the host beyond its file system (confine.ts); kept across fork
   *  and execve. */
  confinement: Confinement = UNCONFINED;
  hooks: ProcessHooks = {
    fork: () => { throw new Error('fork is not available here'); },
    exec: () => { throw new Error('execve is not available here'); },
  };

  constructor(
    readonly mem: GuestMemory,
    /** The calling thread's registers: another thread's while the owning thread runs a call
     *  for it (threads/group.ts). */
    public cpu: CpuState,
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
    this.wake = opts.host?.events ?? new Int32Array(new SharedArrayBuffer(HOST_EVENTS.words * 4));
    this.children = new Children(this.wake, (pid, status) => this.childChanged(pid, status), (exited) => {
      if (this.waitInterruptibly(null, exited) === 'signal') throw new SysError(ERESTARTSYS);
    });
    const ids = hostProcessIds();
    this.group = ids.pgid;
    this.sid = ids.sid;
    this.session = opts.host?.session ? Session.join(opts.host.session) : null;
    this.children.session = this.session;
    this.children.groupOfNew = () => this.pgid;
    blockingIo.pause = (ms) => this.waitInterruptibly(process.hrtime.bigint() + BigInt(Math.round(ms * 1e6))) !== 'signal';
  }

  get pgid(): number {
    const shared = this.session?.pgidOf(this.pid);
    if (shared) this.group = shared;
    return this.group;
  }

  set pgid(pgid: number) {
    this.group = pgid;
    this.session?.setPgid(this.pid, pgid);
  }

  /** A forked child takes its parent's group without announcing it: the parent already has
   *  (and may since have moved the child with setpgid). */
  inheritGroup(pgid: number): void {
    this.group = pgid;
  }

  /** A child exited, stopped or continued: SIGCHLD, unless SA_NOCLDSTOP says not for stops. */
  private childChanged(pid: number, status: number): void {
    const SA_NOCLDSTOP = 1n;
    const stopOrContinue = (status & 0xff) === 0x7f || status === 0xffff;
    if (stopOrContinue && ((this.sigactions.get(SIGCHLD)?.[1] ?? 0n) & SA_NOCLDSTOP)) return;
    this.queueSignal(SIGCHLD, childInfo(pid, status));
  }

  /** A stop signal's default action: stop the whole process until a SIGCONT (only a guest on a
   *  worker thread can be stopped; without one the signal is ignored, as it was). */
  stopProcess(sig: number): void {
    this.opts.host?.stop?.(sig);
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

  /**
   * Sleep until `deadline` (monotonic ns; null: no deadline) or until `done()` holds, firing the
   * guest's timers on the way. A signal the guest would act on ends the wait early: 'signal'.
   * Never busy-waits: between checks the thread sleeps in Atomics.wait on the wake word, which
   * other threads bump, until the earliest deadline.
   */
  waitInterruptibly(deadline: bigint | null, done: () => boolean = () => false): 'done' | 'timeout' | 'signal' {
    for (;;) {
      const seen = Atomics.load(this.wake, 0);
      this.pollEvents();
      if (done()) return 'done';
      if (this.hasDeliverableSignal()) return 'signal';
      const now = process.hrtime.bigint();
      if (deadline !== null && now >= deadline) return 'timeout';
      const next = [deadline, this.timers.nextDeadline()].filter((d): d is bigint => d !== null);
      const until = next.length ? next.reduce((a, b) => (a < b ? a : b)) : null;
      const ms = until === null ? Infinity : Math.max(0, Number(until - now) / 1e6);
      Atomics.wait(this.wake, 0, seen, ms);
    }
  }

  /** Block for `ns` nanoseconds; false when a signal interrupted the sleep. Tests replace this. */
  sleepNs(ns: bigint): boolean {
    return this.waitInterruptibly(process.hrtime.bigint() + ns) !== 'signal';
  }

  /** Take in what happened asynchronously: expired timers, exited children (SIGCHLD). */
  pollEvents(): void {
    const w = Atomics.load(this.wake, 0);
    if (w !== this.wakeSeen) {
      this.wakeSeen = w;
      this.threads?.serve();
      this.children.collect();
      if (Atomics.exchange(this.wake, HOST_EVENTS.children, 0)) this.children.checkStates();
      for (let word = 0; word < 2; word++) {
        const bits = Atomics.exchange(this.wake, HOST_EVENTS.signals + word, 0);
        for (let b = 0; b < 32; b++) {
          // The sender is not known (Node does not say): si_pid 0, as for a signal from the kernel.
          if (bits & (1 << b)) this.queueSignal(word * 32 + b + 1, userSignalInfo(word * 32 + b + 1, 0, 0));
        }
      }
    }
    // This runs after every system call: look at the clock only when a timer is armed.
    const due = this.timers.nextDeadline();
    if (due === null) return;
    const now = process.hrtime.bigint();
    if (now < due) return;
    for (const [sig, info, tid] of this.timers.fire(now)) {
      if (!tid) this.queueSignal(sig, info);
      else if (this.threads) {
        try {
          this.threads.signal(tid, sig, info);
        } catch { /* the thread is gone: Linux drops the signal too */ }
      } else this.queueSignal(sig, info, true);
    }
  }

  /** Cheap check the run loop makes between blocks: did something asynchronous happen? */
  eventsDue(): boolean {
    if (Atomics.load(this.wake, 0) !== this.wakeSeen) return true;
    const d = this.timers.nextDeadline();
    return d !== null && process.hrtime.bigint() >= d;
  }

  /** Make `sig` pending (Linux's generation step): for the calling thread only (`thread`), or
   *  for the process, whose threads are then asked to take it (ThreadHooks.processSignal). */
  queueSignal(sig: number, info: Buffer, thread = false): void {
    const blocked = (this.sigmask & signalBit(sig)) !== 0n;
    if (!addPending(thread ? this.threadPending : this.pendingSignals, sig, info, blocked || !this.signalIgnored(sig))) return;
    if (!thread) this.threads?.processSignal(sig);
  }

  /** `sig` is now ignored: a pending one is discarded (POSIX), in every thread. */
  discardPending(sig: number): void {
    this.pendingSignals.delete(sig);
    this.threadPending.delete(sig);
    this.threads?.discardPending(sig);
  }

  /** Tell the host side which signals the guest handles or ignores, so that only those are
   *  intercepted there; the others keep the host's default action (mirroring the guest's). */
  announceSignalInterest(sig?: number): void {
    const host = this.opts.host;
    if (!host) return;
    for (const s of sig ? [sig] : FORWARDABLE) {
      if (!FORWARDABLE.includes(s)) continue;
      const handler = this.sigactions.get(s)?.[0] ?? SIG_DFL;
      host.signalInterest(s, handler !== SIG_DFL);
    }
  }

  /** Would `sig` be discarded on arrival: SIG_IGN, or SIG_DFL whose default is to ignore. */
  signalIgnored(sig: number): boolean {
    const handler = this.sigactions.get(sig)?.[0] ?? SIG_DFL;
    return handler === SIG_IGN || (handler === SIG_DFL && IGNORED_BY_DEFAULT.has(sig));
  }

  hasDeliverableSignal(): boolean {
    for (const sig of this.threadPending.keys()) if (!(this.sigmask & signalBit(sig))) return true;
    for (const sig of this.pendingSignals.keys()) if (!(this.sigmask & signalBit(sig))) return true;
    return false;
  }

  /**
   * Wait on the 32-bit guest word at `addr` while it holds `val`, until woken by futexWake or
   * `timeoutMs` passes (Infinity: no timeout). Guest memory is one shared WebAssembly.Memory, so
   * this is Atomics.wait on the guest's own word; with a single thread and no timeout a match
   * blocks forever, as it would on Linux. Tests replace this.
   */
  futexWait(addr: number, val: number, timeoutMs: number): FutexWaitResult {
    if (this.threads) return this.threads.futexWait(addr, val, timeoutMs);
    const words = new Int32Array(this.mem.memory.buffer);
    return Atomics.wait(words, addr / 4, val | 0, timeoutMs);
  }

  futexWake(addr: number, count: number): number {
    const words = new Int32Array(this.mem.memory.buffer);
    return Atomics.notify(words, addr / 4, count);
  }

  /** A write hit a pipe with no reader: SIGPIPE, delivered when the call returns (EPIPE). */
  brokenPipe(): void {
    this.queueSignal(SIGPIPE, userSignalInfo(SIGPIPE, 0 /* SI_USER */, this.pid), true); // to the writer, as Linux
  }
}

export type FutexWaitResult = 'ok' | 'not-equal' | 'timed-out' | 'interrupted';

/** Pending signals of a thread or of the process: signal → siginfo records. */
export type PendingSignals = Map<number, Buffer[]>;

/**
 * Add `sig` to a pending set (Linux's prepare_signal + __send_signal): SIGCONT cancels pending
 * stops and a stop signal a pending SIGCONT, whatever their actions; a signal that would be
 * ignored on arrival is dropped unless `keep` (it is blocked); a standard signal already
 * pending is not queued twice. Returns whether it was added.
 */
export function addPending(set: PendingSignals, sig: number, info: Buffer, keep: boolean): boolean {
  if (sig === SIGCONT) for (const s of STOP_SIGNALS) set.delete(s);
  if (STOP_SIGNALS.has(sig)) set.delete(SIGCONT);
  if (!keep) return false;
  const queue = set.get(sig);
  if (queue && sig < SIGRTMIN) return false;
  if (queue) queue.push(info);
  else set.set(sig, [info]);
  return true;
}

export const SIG_DFL = 0n, SIG_IGN = 1n;
/** Signal `sig`'s bit in a sigset_t (and in the masks kept here). */
export const signalBit = (sig: number): bigint => 1n << BigInt(sig - 1);
export const SIGRTMIN = 32;
/** Default action "ignore": SIGCHLD, SIGCONT, SIGURG, SIGWINCH. */
export const IGNORED_BY_DEFAULT = new Set([17, 18, 23, 28]);
/** Default action "stop": SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU. */
export const STOP_SIGNALS = new Set([19, 20, 21, 22]);
const SIGCHLD = 17, SIGCONT = 18;
export const SS_ONSTACK = 1, SS_DISABLE = 2;
/**
 * Host signals passed on to a guest that handles or ignores them: the asynchronous ones a
 * person or another process sends. Not SIGCHLD (tsemu's own children; the guest's SIGCHLD is
 * made from their exits), not the synchronous ones, SIGKILL or SIGSTOP, and not SIGPIPE, which
 * Node ignores (a write reports EPIPE and the guest gets its own SIGPIPE).
 */
export const FORWARDABLE = [1, 2, 3, 10, 12, 14, 15, 18, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30];

/** siginfo for a signal sent by a process (si_code SI_USER, SI_TKILL, SI_QUEUE ...). */
export function userSignalInfo(sig: number, code: number, pid: number, value = 0n): Buffer {
  const b = Buffer.alloc(128);
  b.writeInt32LE(sig, 0);
  b.writeInt32LE(code, 8);
  b.writeInt32LE(pid, 16);
  b.writeUInt32LE(process.getuid?.() ?? 0, 20);
  b.writeBigUInt64LE(value, 24);
  return b;
}

/** si_code and si_status of SIGCHLD (and of waitid) for a child's wait status. */
export function childCode(status: number): [number, number] {
  const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_STOPPED = 5, CLD_CONTINUED = 6;
  if (status === 0xffff) return [CLD_CONTINUED, SIGCONT];
  if ((status & 0xff) === 0x7f) return [CLD_STOPPED, (status >> 8) & 0xff];
  const sig = status & 0x7f;
  return [sig ? (status & 0x80 ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED, sig || (status >> 8) & 0xff];
}

/** siginfo of SIGCHLD for a child's wait status. */
function childInfo(pid: number, status: number): Buffer {
  const b = userSignalInfo(SIGCHLD, 0, pid);
  const [code, st] = childCode(status);
  b.writeInt32LE(code, 8);
  b.writeInt32LE(st, 24);
  return b;
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
