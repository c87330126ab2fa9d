// The process's guest threads, seen from the thread that owns the process (the first guest
// thread, running the process's Kernel). Every other guest thread runs on a worker_thread of
// its own (thread-worker.ts) over the one shared guest memory, with its own CPU state block,
// translator, table and jump cache.
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
import { Worker } from 'node:worker_threads';
import { CpuState } from '../cpu/cpustate.js';
import { MAX_THREADS, REG, STATE_SIZE, threadStateBase } from '../cpu/state.js';
import { dispatchSyscall } from '../syscalls/dispatch.js';
import { E, SysError } from '../syscalls/errno.js';
import { GuestKilled, SS_DISABLE, type ForkRequest, type Kernel, type ThreadHooks } from '../syscalls/kernel.js';
import type { Machine } from '../translate/machine.js';
import { newestEntry } from '../bundled.js';
import {
  CALL, CALL_KIND, logInvalidation, newMailbox, replayInvalidations, SLOT, slotWord, STATUS, WORD,
} from './mailbox.js';

export interface ThreadWorkerData {
  memory: WebAssembly.Memory;
  mailbox: SharedArrayBuffer;
  /** The owner's host-events words (Kernel.wake): bumping word 0 wakes it. */
  wake: SharedArrayBuffer;
  slot: number;
  pid: number;
}

interface PerThread {
  sigmask: bigint;
  altstack: Kernel['altstack'];
  comm: string;
}

/** Thread ids: above the largest host pid (pid_max ≤ 2^22), so they never name a host process. */
const FIRST_TID = 2 ** 22;

export class ThreadGroup implements ThreadHooks {
  readonly box = newMailbox();
  private readonly words: Int32Array;
  private readonly cpus = new Map<number, CpuState>();
  /** Per-thread state the Kernel holds only for the calling thread, by slot. */
  private readonly threads = new Map<number, PerThread>();
  private readonly tids = new Map<number, number>(); // tid → slot
  private nextTid = FIRST_TID;
  private seen = 0;
  private serving = false;
  private missed = false;
  private readonly workers: Worker[] = [];

  constructor(private readonly k: Kernel, private readonly machine: Machine) {
    this.words = new Int32Array(machine.mem.memory.buffer);
    Atomics.store(this.box, slotWord(0, SLOT.status), STATUS.BUSY);
    Atomics.store(this.box, slotWord(0, SLOT.tid), k.pid);
    machine.translator.sharedCodeBits = true;
    machine.codeChanged = (addr, len) => this.codeChanged(addr, len, 0);
    machine.takeInvalidations = () => {
      if (Atomics.load(this.box, WORD.logNext) === this.seen) return;
      this.seen = replayInvalidations(this.box, this.seen, 0,
        (a, l) => machine.translator.invalidate(a, l, false), () => machine.translator.flush());
    };
    k.threads = this;
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
    this.threads.set(slot, { sigmask: this.k.sigmask, altstack: { sp: 0, size: 0, flags: SS_DISABLE }, comm: this.k.comm });
    const base = threadStateBase(slot);
    this.k.mem.u8.copyWithin(base, caller.base, caller.base + STATE_SIZE);
    const child = this.cpu(slot);
    child.setX(0, 0);
    if (req.stack) child.setX(31, req.stack);
    if (req.tls) child.tpidr = BigInt(req.tls);
    child.clearExclusive();
    if (req.parentTid) this.k.mem.writeU32(req.parentTid, tid);
    if (req.setChildTid) this.k.mem.writeU32(req.setChildTid, tid);
    this.tids.set(tid, slot);
    const box = this.box;
    Atomics.store(box, slotWord(slot, SLOT.tid), tid);
    Atomics.store(box, slotWord(slot, SLOT.clearTid), req.clearChildTid);
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
    const data: ThreadWorkerData = {
      memory: this.machine.mem.memory, mailbox: this.box.buffer as SharedArrayBuffer,
      wake: this.k.wake.buffer as SharedArrayBuffer, slot, pid: this.k.pid,
    };
    const w = new Worker(newestEntry(import.meta.url, 'thread-worker'), { workerData: data, stdout: false, stderr: false });
    w.unref();
    w.on('error', (err) => process.emitWarning(`tsemu: guest thread worker failed: ${err.stack ?? err}`));
    this.workers.push(w);
  }

  private perThread(slot: number): PerThread {
    let t = this.threads.get(slot);
    if (!t) this.threads.set(slot, (t = { sigmask: 0n, altstack: { sp: 0, size: 0, flags: SS_DISABLE }, comm: this.k.comm }));
    return t;
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
          this.missed = true; // serving took time: others may have asked meanwhile
        }
      } while (this.missed);
    } finally {
      this.serving = false;
    }
  }

  /** Is a call waiting? (Asked at every block-budget exit, in case a wake-up was missed.) */
  asked(): boolean {
    for (let s = 1; s < MAX_THREADS; s++) if (Atomics.load(this.box, slotWord(s, SLOT.call)) === CALL.ASKED) return true;
    return false;
  }

  private serveOne(slot: number): void {
    const k = this.k;
    const kind = Atomics.load(this.box, slotWord(slot, SLOT.kind));
    if (kind === CALL_KIND.FATAL_SIGNAL) {
      // A fault the thread's own handler would have to take: not delivered to worker threads
      // yet, so it ends the process as an unhandled one would.
      throw new GuestKilled(Atomics.load(this.box, slotWord(slot, SLOT.arg)));
    }
    // What the Kernel keeps for the thread it serves: swapped in for the call.
    const own = { cpu: k.cpu, restart: k.restartSyscall, arg0: k.syscallArg0, sigmask: k.sigmask, altstack: k.altstack, comm: k.comm };
    const t = this.perThread(slot);
    k.cpu = this.cpu(slot);
    k.sigmask = t.sigmask;
    k.altstack = t.altstack;
    k.comm = t.comm;
    try {
      dispatchSyscall(k);
    } finally {
      t.sigmask = k.sigmask;
      t.altstack = k.altstack;
      t.comm = k.comm;
      k.cpu = own.cpu;
      k.restartSyscall = own.restart;
      k.syscallArg0 = own.arg0;
      k.sigmask = own.sigmask;
      k.altstack = own.altstack;
      k.comm = own.comm;
    }
  }

  /** The owner's futex wait: sleep on the guest word, in slices, serving calls between them. A
   *  caller notifies the word too, so a slice ends early when someone needs this thread. */
  futexWait(addr: number, val: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    const end = performance.now() + timeoutMs;
    for (;;) {
      this.serve();
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
    const slot = this.tids.get(tid);
    return slot !== undefined && Atomics.load(this.box, slotWord(slot, SLOT.tid)) === tid &&
      Atomics.load(this.box, slotWord(slot, SLOT.status)) === STATUS.BUSY;
  }

  /** Signals are not delivered to worker threads yet: a thread-directed signal is dropped
   *  (Go's SIGURG preemption then falls back to cooperative preemption at calls). */
  signal(_tid: number, _sig: number): void {}

  outlive(): void {
    for (;;) {
      const seen = Atomics.load(this.k.wake, 0);
      this.serve();
      if (Atomics.load(this.box, WORD.live) === 0) return;
      Atomics.wait(this.k.wake, 0, seen, 1000);
    }
  }
}
