// The process's guest threads, seen from the thread that owns the process (the first guest
// thread, running the process's Kernel). Every other guest thread runs on a worker_thread of
// its own (thread-worker.ts) over the one shared guest memory, with its own CPU state block,
// first-tier scratch area, translator, table and jump cache.
//
// Where system calls run. The Kernel (fd table, cwd, signal handlers, memory map, children...)
// is a graph of JS objects in this thread's heap, which no other thread can reach. A worker runs
// the calls that only touch the thread itself — futex, gettid, exit, sigprocmask, sigaltstack,
// sleeping, clocks, affinity — on its own, in parallel; everything else it hands to this thread
// through its call box (mailbox.ts) and sleeps in Atomics.wait until the answer is there. Its
// registers are in shared memory, so this thread runs the call with Kernel.cpu pointed at the
// worker's state block, unchanged handlers and all. To be heard promptly, the caller bumps the
// host-events word this thread sleeps on, zeroes this thread's block budget (generated code
// returns to the run loop at the next block entry) and notifies the futex word this thread may
// be sleeping on. Chosen over a separate kernel thread because single-threaded programs (most)
// keep making their calls directly, at no cost; the price is that a call this thread makes for
// a worker and that blocks (a read of an empty pipe) holds up the owner's own guest code.
//
// Signals. Dispositions are the process's; mask, alternate stack and thread-directed pending
// signals are each thread's (PerThread, swapped into the Kernel while a call is served). Every
// signal is generated on this thread (a worker's kill or tgkill is a call served here), so the
// choice of the thread that gets it is made here too: the named one for tgkill, else the first
// thread if it does not block it, else any that does not (Linux's complete_signal). A worker is
// told by its signal word, its block budget (it leaves generated code at the next block entry,
// so a spinning thread is reached within a block) and a notify of the futex word or the signal
// word it sleeps on; it then asks (CALL_KIND.SIGNALS) and this thread delivers with that
// thread's state swapped in, as it would for itself: the frame goes on that thread's stack.
import { randomUUID } from 'node:crypto';
import { type MessagePort, Worker } from 'node:worker_threads';
import { CpuState } from '../cpu/cpustate.js';
import { MAX_THREADS, REG, STATE_SIZE, threadStateBase } from '../cpu/state.js';
import { dispatchSyscall } from '../syscalls/dispatch.js';
import { E, SysError } from '../syscalls/errno.js';
import {
  addPending, GuestKilled, signalBit, SS_DISABLE, ThreadExeced, type ForkRequest, type Kernel, type PendingSignals, type ThreadHooks,
} from '../syscalls/kernel.js';
import { deliverSignals, forceSignal, sigsuspendOnce, sigwaitOnce } from '../syscalls/signal/signals.js';
import type { Machine } from '../translate/machine.js';
import { GUEST_WORKER_LIMITS, newestEntry } from '../bundled.js';
import { futexExitRelease, piThreadStarted } from '../syscalls/process/futex-pi.js';
import { CodeSharing, codeShareReport, shareCodeFromEnv } from './code-share.js';
import {
  CALL, CALL_KIND, logFlush, logInvalidation, newMailbox, replayInvalidations, RESTART, SLOT, slotWord, STATUS, WORD, WOULD_WAIT,
} from './mailbox.js';

/** Every thread worker of this process that has not ended (see stopThreadWorkers). */
const liveWorkers = new Set<Worker>();

/**
 * End every thread worker before the process exits, from the guest thread's event loop once
 * the guest has ended. Node's teardown at process.exit stops workers too, but it races with
 * workers ending by themselves and then aborts the process (SIGABRT in uv_async_send under
 * Worker::Exit): go_execself died so after printing all its output, about 1 run in 14 at load
 * 40, and more often with every thread running the first tier. Waits at most `ms`.
 */
export async function stopThreadWorkers(ms = 2000): Promise<void> {
  if (!liveWorkers.size) return;
  let timer: NodeJS.Timeout | undefined;
  const stopped = [...liveWorkers].map((w) => {
    w.ref(); // an unref'd worker would let this thread's loop end before it has
    return w.terminate();
  });
  await Promise.race([Promise.allSettled(stopped), new Promise((r) => { timer = setTimeout(r, ms); })]);
  clearTimeout(timer);
}

export interface ThreadWorkerData {
  memory: WebAssembly.Memory;
  mailbox: SharedArrayBuffer;
  /** The owner's host-events words (Kernel.wake): bumping word 0 wakes it. */
  wake: SharedArrayBuffer;
  /** The process's PI futex table (syscalls/process/futex-pi.ts). */
  piTable: SharedArrayBuffer;
  slot: number;
  pid: number;
  /** Compiled code shared between the threads (code-share.ts): the process's channel, and the
   *  worker's own port (transferred), or null when sharing is off. */
  codeChannel: string | null;
  codePort: MessagePort | null;
  /** -d tier: the descriptor the thread logs its modules and evictions to; null when off. */
  tierLogFd: number | null;
}

/** What the Kernel holds for the calling thread only; kept here for the others, by slot. */
interface PerThread {
  sigmask: bigint;
  altstack: Kernel['altstack'];
  comm: string;
  savedSigmask: bigint | null;
  /** Its thread-directed pending signals (the same Map is Kernel.threadPending while it runs). */
  pending: PendingSignals;
  /** The set it waits for in rt_sigtimedwait: counted as unblocked when a thread is picked. */
  sigwait: bigint;
}

const newThreadState = (sigmask: bigint, comm: string): PerThread => ({
  sigmask, altstack: { sp: 0, size: 0, flags: SS_DISABLE }, comm, savedSigmask: null, pending: new Map(), sigwait: 0n,
});

/** Thread ids: above the largest host pid (pid_max ≤ 2^22), so they never name a host process. */
const FIRST_TID = 2 ** 22;

export class ThreadGroup implements ThreadHooks {
  readonly box = newMailbox();
  private readonly words: Int32Array;
  private readonly cpus = new Map<number, CpuState>();
  /** Per-thread state the Kernel holds only for the calling thread, by slot. */
  private readonly threads = new Map<number, PerThread>();
  private readonly slotByTid = new Map<number, number>(); // tid → slot
  private nextTid = FIRST_TID;
  private seen = 0;
  private serving = false;
  private missed = false;
  private readonly workers: Worker[] = [];
  /** The slot whose state is in the Kernel: 0, or a worker's while one of its calls is served. */
  private current = 0;
  /** The first thread has exited (exit, not exit_group): it takes no more signals. */
  private mainGone = false;
  /** The slot of a thread other than the first whose execve just succeeded (-1: none). */
  private execedFrom = -1;
  private readonly ownCpu: CpuState;
  private readonly code: CodeSharing;
  private readonly codeChannel: string | null;

  constructor(private readonly k: Kernel, private readonly machine: Machine) {
    this.words = new Int32Array(machine.mem.memory.buffer);
    this.threads.set(0, { ...newThreadState(k.sigmask, k.comm), pending: k.threadPending });
    this.ownCpu = k.cpu;
    Atomics.store(this.box, slotWord(0, SLOT.status), STATUS.BUSY);
    Atomics.store(this.box, slotWord(0, SLOT.tid), k.pid);
    piThreadStarted(k.piTable, 0, k.pid);
    machine.translator.sharedCodeBits = true;
    machine.codeChanged = (addr, len) => this.codeChanged(addr, len, 0);
    machine.takeInvalidations = () => {
      if (Atomics.load(this.box, WORD.logNext) === this.seen) return;
      this.seen = replayInvalidations(this.box, this.seen, 0,
        (a, l) => machine.translator.invalidate(a, l, false), () => machine.translator.flush());
    };
    k.threads = this;
    this.codeChannel = shareCodeFromEnv() ? `tsemu-code-${randomUUID()}` : null;
    this.code = new CodeSharing(this.box, 0, this.codeChannel, machine.translator, null);
    const exiting = k.hooks.exiting;
    k.hooks.exiting = () => {
      if (machine.cacheLog) for (const line of codeShareReport(this.box)) machine.cacheLog(line);
      exiting?.();
    };
    const events = machine.interruptCheck;
    machine.interruptCheck = () => this.asked() || (events?.() ?? false);
    this.prestart();
  }

  /** Log an invalidation and make every running thread leave its generated code to replay it. */
  private codeChanged(addr: number, len: number, origin: number): void {
    logInvalidation(this.box, addr, len, origin);
    for (let s = 0; s < MAX_THREADS; s++) {
      if (s !== origin && Atomics.load(this.box, slotWord(s, SLOT.status)) === STATUS.BUSY) {
        Atomics.store(this.words, (threadStateBase(s) + REG.budget) / 4, 0);
      }
    }
  }

  /** clone(CLONE_THREAD): the new thread starts after the svc with x0 = 0. */
  spawn(req: ForkRequest): number {
    let slot = this.findSlot(STATUS.IDLE);
    const cold = slot < 0;
    if (cold) slot = this.findSlot(STATUS.NONE);
    if (slot < 0) throw new SysError(E.EAGAIN);
    const tid = this.nextTid++;
    const caller = this.k.cpu;
    // A new thread inherits its creator's signal mask, nothing of its alternate stack, its name.
    this.threads.set(slot, newThreadState(this.k.sigmask, this.k.comm));
    Atomics.store(this.box, slotWord(slot, SLOT.signal), 0);
    Atomics.store(this.box, slotWord(slot, SLOT.waitAddr), 0);
    Atomics.store(this.box, slotWord(slot, SLOT.robustList), 0);
    Atomics.store(this.box, slotWord(slot, SLOT.zap), 0);
    const base = threadStateBase(slot);
    this.k.mem.u8.copyWithin(base, caller.base, caller.base + STATE_SIZE);
    const child = this.cpu(slot);
    child.setX(0, 0);
    if (req.stack) child.setX(31, req.stack);
    if (req.tls) child.tpidr = BigInt(req.tls);
    child.clearExclusive();
    if (req.parentTid) this.k.mem.writeU32(req.parentTid, tid);
    if (req.setChildTid) this.k.mem.writeU32(req.setChildTid, tid);
    this.slotByTid.set(tid, slot);
    const box = this.box;
    Atomics.store(box, slotWord(slot, SLOT.tid), tid);
    piThreadStarted(this.k.piTable, slot, tid);
    Atomics.store(box, slotWord(slot, SLOT.clearTid), req.clearChildTid);
    // A warm worker starts with the code compiled so far (code-share.ts).
    this.code.take(true);
    Atomics.store(box, slotWord(slot, SLOT.status), STATUS.BUSY);
    Atomics.add(box, WORD.live, 1);
    Atomics.store(box, slotWord(slot, SLOT.start), 1);
    Atomics.notify(box, slotWord(slot, SLOT.start));
    if (cold) this.startWorker(slot);
    this.prestart();
    return tid;
  }

  /** Keep one worker started and waiting, so that the next clone does not wait ~50 ms for one. */
  private prestart(): void {
    if (this.findSlot(STATUS.IDLE) >= 0) return;
    const slot = this.findSlot(STATUS.NONE);
    if (slot < 0) return;
    Atomics.store(this.box, slotWord(slot, SLOT.status), STATUS.IDLE);
    this.startWorker(slot);
  }

  private findSlot(status: number): number {
    for (let s = 1; s < MAX_THREADS; s++) if (Atomics.load(this.box, slotWord(s, SLOT.status)) === status) return s;
    return -1;
  }

  private startWorker(slot: number): void {
    const codePort = this.code.portFor(slot);
    const data: ThreadWorkerData = {
      memory: this.machine.mem.memory, mailbox: this.box.buffer as SharedArrayBuffer,
      wake: this.k.wake.buffer as SharedArrayBuffer, piTable: this.k.piTable.buffer as SharedArrayBuffer, slot, pid: this.k.pid, codeChannel: this.codeChannel, codePort,
      tierLogFd: this.machine.translator.tierLog ? this.machine.logFd : null,
    };
    const w = new Worker(newestEntry(import.meta.url, 'thread-worker'), {
      workerData: data, transferList: codePort ? [codePort] : [], stdout: false, stderr: false, resourceLimits: GUEST_WORKER_LIMITS,
    });
    w.unref();
    w.on('error', (err) => process.emitWarning(`tsemu: guest thread worker failed: ${err.stack ?? err}`));
    this.workers.push(w);
    liveWorkers.add(w);
    w.once('exit', () => liveWorkers.delete(w));
  }

  private perThread(slot: number): PerThread {
    let t = this.threads.get(slot);
    if (!t) this.threads.set(slot, (t = newThreadState(0n, this.k.comm)));
    return t;
  }

  /** Put thread `slot`'s state into the Kernel (the first thread's is kept meanwhile). */
  private enter(slot: number): void {
    this.save(0);
    this.load(slot);
  }

  private leave(slot: number): void {
    this.save(slot);
    this.load(0);
  }

  private save(slot: number): void {
    const k = this.k, t = this.perThread(slot);
    t.sigmask = k.sigmask;
    t.altstack = k.altstack;
    t.comm = k.comm;
    t.savedSigmask = k.savedSigmask;
  }

  private load(slot: number): void {
    const k = this.k, t = this.perThread(slot);
    k.cpu = slot === 0 ? this.ownCpu : this.cpu(slot);
    k.sigmask = t.sigmask;
    k.altstack = t.altstack;
    k.comm = t.comm;
    k.savedSigmask = t.savedSigmask;
    k.threadPending = t.pending;
    this.current = slot;
  }

  private maskOf(slot: number): bigint {
    return slot === this.current ? this.k.sigmask : this.perThread(slot).sigmask;
  }

  private cpu(slot: number): CpuState {
    let c = this.cpus.get(slot);
    if (!c) this.cpus.set(slot, (c = new CpuState(this.k.mem.dv, threadStateBase(slot))));
    return c;
  }

  /** Run the calls waiting in the call boxes (see the top of this file). */
  serve(): void {
    // Called again from inside a call being served (a handler polling events consumes the
    // wake-up meant for a new call): remember it, so the outer pass scans once more.
    if (this.serving) {
      this.missed = true;
      return;
    }
    this.serving = true;
    this.code.take();
    try {
      do {
        this.missed = false;
        for (let s = 1; s < MAX_THREADS; s++) {
          const at = slotWord(s, SLOT.call);
          if (Atomics.load(this.box, at) !== CALL.ASKED) continue;
          Atomics.store(this.box, at, CALL.SERVING);
          this.serveOne(s);
          Atomics.store(this.box, at, CALL.DONE);
          Atomics.notify(this.box, at);
          if (this.execedFrom === s) this.becomeExecedThread(s);
          this.missed = true; // serving took time: others may have asked meanwhile
        }
      } while (this.missed);
    } finally {
      this.serving = false;
    }
  }

  /**
   * execve's point of no return, Linux's de_thread: every other thread ends, with no handler
   * run (zap: its worker ends as soon as it is answered, which this thread does for every call
   * asked meanwhile, or leaves guest code, or wakes from a sleep), walking its robust list and
   * clearing its tid in the old image, before the image goes. Idle workers drop their
   * translations of the old image before they run a thread again.
   */
  exec(): void {
    const self = this.current, box = this.box;
    for (let s = 1; s < MAX_THREADS; s++) {
      if (s === self || Atomics.load(box, slotWord(s, SLOT.status)) !== STATUS.BUSY) continue;
      Atomics.store(box, slotWord(s, SLOT.zap), 1);
      this.kick(s);
    }
    for (;;) {
      const seen = Atomics.load(this.k.wake, 0);
      for (let s = 1; s < MAX_THREADS; s++) {
        const at = slotWord(s, SLOT.call);
        if (s === self || Atomics.load(box, at) !== CALL.ASKED) continue;
        Atomics.store(box, at, CALL.DONE);
        Atomics.notify(box, at);
      }
      if (Atomics.load(box, WORD.live) <= (self === 0 ? 0 : 1)) break;
      Atomics.wait(this.k.wake, 0, seen, 10);
    }
    logFlush(box);
    this.seen = Atomics.load(box, WORD.logNext);
    this.mainGone = false;
    if (self === 0) return;
    // The caller's robust list is walked as at its death (futex_exec_release); its worker then
    // ends without touching memory, which holds the new image by then.
    futexExitRelease(this.k.mem, this.k.piTable, self, this.currentTid(), Atomics.load(box, slotWord(self, SLOT.robustList)) >>> 0);
    Atomics.store(box, slotWord(self, SLOT.robustList), 0);
    Atomics.store(box, slotWord(self, SLOT.clearTid), 0);
    Atomics.store(box, slotWord(self, SLOT.zap), 1);
    this.execedFrom = self;
  }

  /** After the execve of the thread in `slot` (see exec): its mask, pending signals and name
   *  become the first thread's, and this thread drops what it was doing to run the new image
   *  (user.ts catches ThreadExeced). */
  private becomeExecedThread(slot: number): void {
    this.execedFrom = -1;
    // Its worker ends as soon as it sees the answer: wait for that, so that the new program
    // never sees it among its threads.
    for (let seen; Atomics.load(this.box, slotWord(slot, SLOT.status)) === STATUS.BUSY;) {
      seen = Atomics.load(this.k.wake, 0);
      if (Atomics.load(this.box, slotWord(slot, SLOT.status)) !== STATUS.BUSY) break;
      Atomics.wait(this.k.wake, 0, seen, 10);
    }
    this.threads.set(0, this.perThread(slot));
    this.threads.delete(slot);
    this.load(0);
    this.k.restartSyscall = false;
    throw new ThreadExeced();
  }

  /** Is a call waiting? (Asked at every block-budget exit, in case a wake-up was missed.) */
  asked(): boolean {
    for (let s = 1; s < MAX_THREADS; s++) if (Atomics.load(this.box, slotWord(s, SLOT.call)) === CALL.ASKED) return true;
    return false;
  }

  private serveOne(slot: number): void {
    const k = this.k;
    const kind = Atomics.load(this.box, slotWord(slot, SLOT.kind));
    const arg = Atomics.load(this.box, slotWord(slot, SLOT.arg));
    // An internal error in the worker: end the process as an unhandled signal would.
    if (kind === CALL_KIND.FATAL_SIGNAL) throw new GuestKilled(arg);
    // The first thread's own call may be between its return and its signal delivery (the run
    // loop serves before it delivers): its restart state is not this thread's.
    const own = { restart: k.restartSyscall, arg0: k.syscallArg0 };
    k.restartSyscall = false;
    this.enter(slot);
    try {
      // The call, then signal delivery on the way back to the thread's guest code, as the run
      // loop does for the first thread (unless the thread goes on waiting).
      const back = this.perform(slot, kind, arg);
      Atomics.store(this.box, slotWord(slot, SLOT.signal), 0);
      if (back) deliverSignals(k);
    } finally {
      this.leave(slot);
      k.restartSyscall = own.restart;
      k.syscallArg0 = own.arg0;
    }
  }

  /** What a call box asks (mailbox.ts CALL_KIND), with the thread's state in the Kernel.
   *  Returns false when the thread goes on waiting (its signals are not delivered yet). */
  private perform(slot: number, kind: number, arg: number): boolean {
    const k = this.k, cpu = k.cpu, t = this.perThread(slot);
    const answer = (waiting: boolean) => Atomics.store(this.box, slotWord(slot, SLOT.arg), waiting ? WOULD_WAIT : 0);
    if (kind !== CALL_KIND.SIGWAIT) t.sigwait = 0n;
    switch (kind) {
      case CALL_KIND.SYSCALL:
        dispatchSyscall(k);
        return true;
      case CALL_KIND.POLL:
        // One look, with no timeout, for a thread that sleeps between looks (Kernel.pollLook).
        k.pollLook = true;
        try {
          dispatchSyscall(k);
        } finally {
          k.pollLook = false;
        }
        return true;
      case CALL_KIND.SIGNALS:
        if (arg !== RESTART.NONE) {
          // A call the thread runs itself (a futex wait, a sleep) was cut short by a signal.
          k.syscallArg0 = cpu.x(0);
          cpu.setX(0, BigInt(-E.EINTR));
          k.restartSyscall = arg === RESTART.SYS ? 'sys' : arg === RESTART.NOHAND ? 'nohand' : 'nointr';
        }
        return true;
      case CALL_KIND.FAULT: {
        const code = Atomics.load(this.box, slotWord(slot, SLOT.faultCode));
        const addr = BigInt(Atomics.load(this.box, slotWord(slot, SLOT.faultAddrLo)) >>> 0) |
          BigInt(Atomics.load(this.box, slotWord(slot, SLOT.faultAddrHi)) >>> 0) << 32n;
        const SIGBUS = 7, SIGSEGV = 11; // memory aborts also set the frame's fault_address
        forceSignal(k, arg, code, addr, arg === SIGSEGV || arg === SIGBUS ? addr : 0n);
        return true;
      }
      case CALL_KIND.SIGWAIT: {
        const r = sigwaitOnce(k);
        if ('result' in r) cpu.setX(0, r.result);
        t.sigwait = 'result' in r ? 0n : r.waitFor;
        answer(!('result' in r));
        return true;
      }
      case CALL_KIND.SIGSUSPEND: {
        // Still waiting: the suspended mask stays (and counts when a thread is picked).
        const waiting = sigsuspendOnce(k, arg === 1) === 'wait';
        answer(waiting);
        return !waiting;
      }
      default:
        throw new Error(`internal error: call box kind ${kind}`);
    }
  }

  /** The owner's futex wait: sleep on the guest word, in slices, serving calls between them. A
   *  caller notifies the word too, so a slice ends early when someone needs this thread. Timers
   *  (alarm, setitimer, POSIX timers) fire between slices, so within one slice of their time. */
  futexWait(addr: number, val: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' | 'interrupted' {
    const end = performance.now() + timeoutMs;
    for (;;) {
      this.k.pollEvents();
      this.serve();
      if (this.k.hasDeliverableSignal()) return 'interrupted';
      Atomics.store(this.box, WORD.ownerWait, addr);
      const left = end - performance.now();
      const r = Atomics.wait(this.words, addr / 4, val | 0, Math.max(0, Math.min(left, 20)));
      Atomics.store(this.box, WORD.ownerWait, 0);
      if (r !== 'timed-out') {
        this.serve();
        return r;
      }
      if (left <= 20) return 'timed-out';
    }
  }

  has(tid: number): boolean {
    const slot = this.slotByTid.get(tid);
    return slot !== undefined && Atomics.load(this.box, slotWord(slot, SLOT.tid)) === tid &&
      Atomics.load(this.box, slotWord(slot, SLOT.status)) === STATUS.BUSY;
  }

  currentTid(): number {
    return this.current === 0 ? this.k.pid : Atomics.load(this.box, slotWord(this.current, SLOT.tid));
  }

  tids(): number[] {
    return [this.k.pid, ...[...this.slotByTid.keys()].filter((tid) => this.has(tid)).sort((a, b) => a - b)];
  }

  private slotOf(tid: number): number | undefined {
    return tid === this.k.pid ? 0 : this.has(tid) ? this.slotByTid.get(tid) : undefined;
  }

  thread(tid: number): { comm: string; sigmask: bigint } | null {
    const slot = this.slotOf(tid);
    if (slot === undefined) return null;
    return slot === this.current ? { comm: this.k.comm, sigmask: this.k.sigmask } : this.perThread(slot);
  }

  setComm(tid: number, comm: string): void {
    const slot = this.slotOf(tid);
    if (slot === this.current) this.k.comm = comm;
    else if (slot !== undefined) this.perThread(slot).comm = comm;
  }

  robustList(tid: number): number {
    const slot = this.slotByTid.get(tid);
    return slot === undefined ? 0 : Atomics.load(this.box, slotWord(slot, SLOT.robustList)) >>> 0;
  }

  signal(tid: number, sig: number, info: Buffer): void {
    const slot = tid === this.k.pid ? 0 : this.slotByTid.get(tid);
    if (slot === undefined || (slot === 0 ? this.mainGone : !this.has(tid))) throw new SysError(E.ESRCH);
    const blocked = (this.maskOf(slot) & signalBit(sig)) !== 0n;
    if (!addPending(this.perThread(slot).pending, sig, info, blocked || !this.k.signalIgnored(sig))) return;
    if (slot !== 0) this.kick(slot);
    // The first thread takes it on its way back to guest code: nothing runs it meanwhile, as
    // signals are generated on this, its own, host thread.
  }

  processSignal(sig: number): void {
    const bit = signalBit(sig);
    const open = (s: number) => (this.maskOf(s) & ~this.perThread(s).sigwait & bit) === 0n;
    if (!this.mainGone && open(0)) return;
    for (let s = 1; s < MAX_THREADS; s++) {
      if (Atomics.load(this.box, slotWord(s, SLOT.status)) === STATUS.BUSY && open(s)) {
        this.kick(s);
        return;
      }
    }
    // Every thread blocks it: it stays pending until one unblocks it or waits for it.
  }

  discardPending(sig: number): void {
    for (const t of this.threads.values()) t.pending.delete(sig);
  }

  /** Tell the thread in `slot` a signal waits for it (see the top of this file). */
  private kick(slot: number): void {
    const word = slotWord(slot, SLOT.signal);
    Atomics.store(this.box, word, 1);
    Atomics.notify(this.box, word);
    Atomics.store(this.words, (threadStateBase(slot) + REG.budget) / 4, 0);
    const waitingOn = Atomics.load(this.box, slotWord(slot, SLOT.waitAddr)) >>> 0;
    if (waitingOn) Atomics.notify(this.words, waitingOn / 4);
    // A thread between two looks of its epoll_pwait sleeps on the host-events word.
    Atomics.add(this.k.wake, 0, 1);
    Atomics.notify(this.k.wake, 0);
  }

  outlive(): void {
    this.mainGone = true;
    for (;;) {
      const seen = Atomics.load(this.k.wake, 0);
      this.serve();
      if (Atomics.load(this.box, WORD.live) === 0) return;
      Atomics.wait(this.k.wake, 0, seen, 1000);
    }
  }
}
