// One guest thread other than the first, on a worker_thread of its own (see group.ts). It runs
// guest code with its own Machine (CPU state block, first-tier scratch area, translator, table,
// jump cache) over the process's shared guest memory, makes the system calls that concern only itself here, and
// hands every other one to the owning thread through its call box. When its guest thread
// exits it waits, warm, to be given the next one.
//
// Signals for it are chosen and delivered by the owning thread (group.ts); this thread asks
// for them when its signal word says so: when the block budget sends it out of generated code,
// after each call it made itself, and when a sleep or futex wait of its own is cut short. Its
// sleeps (nanosleep, futex, rt_sigtimedwait) happen here, so that they hold nobody else up.
import * as fs from 'node:fs';
import { workerData } from 'node:worker_threads';
import { GuestFault, GuestMemory } from '../cpu/memory.js';
import { MAX_THREADS, REG, STATE_BASE, threadJumpCache, threadScratch, threadStateBase } from '../cpu/state.js';
import { writeLogLine } from '../log-line.js';
import { E, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, SysError } from '../syscalls/errno.js';
import { futexCall, type FutexIo } from '../syscalls/process/futex.js';
import { futexExitRelease } from '../syscalls/process/futex-pi.js';
import { ROBUST_LIST_HEAD_SIZE } from '../syscalls/process/robust.js';
import { readTimespec, writeTimespec } from '../syscalls/structs.js';
import { clockNs } from '../syscalls/time/time.js';
import { Machine } from '../translate/machine.js';
import { exceptionSignal } from '../user-faults.js';
import type { ThreadWorkerData } from './group.js';
import { CodeSharing } from './code-share.js';
import {
  CALL, CALL_KIND, logInvalidation, replayInvalidations, RESTART, SLOT, slotWord, STATUS, WORD, WOULD_WAIT,
} from './mailbox.js';

const data = workerData as ThreadWorkerData;
const { slot, pid } = data;
const box = new Int32Array(data.mailbox);
const wake = new Int32Array(data.wake);
const mem = new GuestMemory(data.memory);
const words = new Int32Array(data.memory.buffer);
const machine = new Machine({
  stateBase: threadStateBase(slot), jumpCache: threadJumpCache(slot), scratch: threadScratch(slot), sharedCodeBits: true,
}, mem);
const cpu = machine.cpu;
// -d tier: this thread's modules and evictions, marked with its slot (each thread counts its own).
const tierLogFd = data.tierLogFd;
if (tierLogFd !== null) machine.translator.tierLog = (line) => writeLogLine(tierLogFd, `${line} [thread slot ${slot}]`);
// Listen for the code other threads compile from now on (and say so: the owner then sends what
// came before).
new CodeSharing(box, slot, data.codeChannel, machine.translator, data.codePort);
let seen = 0;
/** Set by the owning thread when a signal waits for this one (mailbox.ts SLOT.signal). */
const signalWord = slotWord(slot, SLOT.signal);
const signalled = () => Atomics.load(box, signalWord) !== 0;
/** TSEMU_THREAD_DEBUG=1: this thread reports its calls, replayed invalidations and, at each
 *  block-budget exit, its pc on stderr. */
const debug = !!process.env.TSEMU_THREAD_DEBUG;
machine.interruptCheck = () => {
  if (debug) fs.writeSync(2, `[thread ${slot}] pc 0x${cpu.pc.toString(16)}\n`);
  return signalled();
};
machine.codeChanged = (addr, len) => logAndKick(addr, len);
machine.takeInvalidations = () => {
  if (Atomics.load(box, WORD.logNext) === seen) return;
  seen = replayInvalidations(box, seen, slot, (a, l) => {
    if (debug) fs.writeSync(2, `[thread ${slot}] replay 0x${a.toString(16)}+${l}\n`);
    machine.translator.invalidate(a, l, false);
  }, () => machine.translator.flush());
};

/** Log an invalidation for the other threads and make the running ones leave their code. */
function logAndKick(addr: number, len: number): void {
  logInvalidation(box, addr, len, slot);
  for (let s = 0; s < MAX_THREADS; s++) {
    if (s !== slot && Atomics.load(box, slotWord(s, SLOT.status)) === STATUS.BUSY) {
      Atomics.store(words, (threadStateBase(s) + REG.budget) / 4, 0);
    }
  }
}

/** Hand the call in x8/x0..x5 (or a fatal signal) to the owning thread and wait for it. */
function forward(kind: number, arg = 0): void {
  const at = slotWord(slot, SLOT.call);
  Atomics.store(box, slotWord(slot, SLOT.kind), kind);
  Atomics.store(box, slotWord(slot, SLOT.arg), arg);
  Atomics.store(box, at, CALL.ASKED);
  Atomics.add(wake, 0, 1);
  Atomics.notify(wake, 0);
  Atomics.store(words, (STATE_BASE + REG.budget) / 4, 0);
  const waitingOn = Atomics.load(box, WORD.ownerWait) >>> 0;
  if (waitingOn) Atomics.notify(words, waitingOn / 4);
  for (let s; (s = Atomics.load(box, at)) !== CALL.DONE;) Atomics.wait(box, at, s);
  Atomics.store(box, at, CALL.IDLE);
  if (Atomics.load(box, slotWord(slot, SLOT.zap))) throw new ThreadExit(); // another thread's execve
}

/** Take the signals waiting for this thread (see the top); `restart`: how the call they
 *  interrupted settles (x0 still holds its first argument). */
function takeSignals(restart: number = RESTART.NONE): void {
  forward(CALL_KIND.SIGNALS, restart);
}

/**
 * A futex wait that a signal for this thread ends. The owning thread notifies the word named in
 * SLOT.waitAddr, which may come just before this thread sleeps: the wait goes in slices of
 * SIGNAL_SLICE_MS, so such a signal is late by at most one slice. A notify for a signal wakes
 * the word's other waiters too: a spurious wake-up (0), which every futex user tolerates.
 */
function futexWait(addr: number, val: number, ms: number): ReturnType<FutexIo['wait']> {
  const SIGNAL_SLICE_MS = 50;
  const end = performance.now() + ms;
  Atomics.store(box, slotWord(slot, SLOT.waitAddr), addr);
  try {
    for (;;) {
      if (signalled()) return 'interrupted';
      const left = end - performance.now();
      const r = Atomics.wait(words, addr / 4, val | 0, Math.max(0, Math.min(left, SIGNAL_SLICE_MS)));
      // Woken for a signal, or by a FUTEX_WAKE as a signal came: either way EINTR (or a
      // restart), as Linux may answer too; every futex user rechecks its word after that.
      if (r !== 'timed-out') return r === 'ok' && signalled() ? 'interrupted' : r;
      if (left <= SIGNAL_SLICE_MS) return signalled() ? 'interrupted' : 'timed-out';
    }
  } finally {
    Atomics.store(box, slotWord(slot, SLOT.waitAddr), 0);
  }
}

const piTable = new Int32Array(data.piTable);
const futexIo: FutexIo = {
  mem,
  wait: futexWait,
  wake: (addr, n) => Atomics.notify(words, addr / 4, n),
  pi: { table: piTable, slot, tid: 0 },
};

class ThreadExit {}

const NR = {
  exit: 93, exit_group: 94, set_tid_address: 96, futex: 98, set_robust_list: 99, get_robust_list: 100, nanosleep: 101,
  epoll_pwait: 22, epoll_pwait2: 441, pselect6: 72, ppoll: 73, waitid: 95, wait4: 260, clock_gettime: 113, clock_nanosleep: 115, sched_yield: 124,
  rt_sigsuspend: 133, rt_sigtimedwait: 137, getpid: 172, gettid: 178, rseq: 293,
} as const;

/** The calls this thread makes on its own; undefined: hand it to the owner. */
function localCall(nr: number): bigint | undefined {
  const x = (i: number) => cpu.xn(i);
  switch (nr) {
    case NR.gettid: return BigInt(Atomics.load(box, slotWord(slot, SLOT.tid)));
    case NR.getpid: return BigInt(pid);
    case NR.exit: throw new ThreadExit();
    case NR.set_tid_address:
      Atomics.store(box, slotWord(slot, SLOT.clearTid), x(0));
      return BigInt(Atomics.load(box, slotWord(slot, SLOT.tid)));
    case NR.set_robust_list:
      if (x(1) !== ROBUST_LIST_HEAD_SIZE) return BigInt(-E.EINVAL);
      Atomics.store(box, slotWord(slot, SLOT.robustList), x(0));
      return 0n;
    case NR.get_robust_list: { // its own; another thread's is the owner's to answer
      const pid = Number(BigInt.asIntN(32, cpu.x(0)));
      if (pid !== 0 && pid !== Atomics.load(box, slotWord(slot, SLOT.tid))) return undefined;
      mem.writeU64(x(1), Atomics.load(box, slotWord(slot, SLOT.robustList)) >>> 0);
      mem.writeU64(x(2), ROBUST_LIST_HEAD_SIZE);
      return 0n;
    }
    case NR.rseq: return BigInt(-E.ENOSYS);
    case NR.sched_yield: return 0n;
    case NR.futex:
      futexIo.pi.tid = Atomics.load(box, slotWord(slot, SLOT.tid));
      return BigInt(futexCall(futexIo, x(0), Number(BigInt.asIntN(32, cpu.x(1))), Number(cpu.x(2) & 0xffffffffn),
      x(3), x(4), Number(cpu.x(5) & 0xffffffffn)));
    case NR.clock_gettime: {
      const clock = Number(BigInt.asIntN(32, cpu.x(0)));
      if (clock < 0 || clock > 11) return undefined; // CPU-time clocks: the owner knows them
      writeTimespec(mem, x(1), clockNs(clock));
      return 0n;
    }
    case NR.nanosleep: return sleep(readTimespec(mem, x(0)), x(1));
    case NR.clock_nanosleep: {
      const TIMER_ABSTIME = 1;
      const clock = Number(BigInt.asIntN(32, cpu.x(0)));
      if (clock !== 0 && clock !== 1 && clock !== 7) return undefined;
      const ns = readTimespec(mem, x(2));
      const rel = Number(cpu.x(1)) & TIMER_ABSTIME ? ns - clockNs(clock) : ns;
      return sleep(rel, Number(cpu.x(1)) & TIMER_ABSTIME ? 0 : x(3));
    }
    case NR.rt_sigtimedwait: return sigwait();
    case NR.rt_sigsuspend: return sigsuspend();
    default: return undefined;
  }
}

/** Sleep on the signal word: a signal for this thread ends it (EINTR after a handler, else
 *  the sleep starts again, as Linux restarts it; here with the whole time again). */
function sleep(ns: bigint, remain: number): bigint {
  const end = performance.now() + Number(ns) / 1e6;
  for (;;) {
    const left = end - performance.now();
    if (signalled()) {
      if (remain) writeTimespec(mem, remain, BigInt(Math.max(0, Math.round(left * 1e6))));
      throw new SysError(ERESTARTNOHAND);
    }
    if (left <= 0) break;
    Atomics.wait(box, signalWord, 0, left);
  }
  if (remain) writeTimespec(mem, remain, 0n);
  return 0n;
}

/** rt_sigsuspend (pause, sigsuspend): the owning thread sets the mask and looks; this one
 *  sleeps until a signal is delivered (the call then fails with EINTR). */
function sigsuspend(): bigint {
  for (let first = 1; ; first = 0) {
    forward(CALL_KIND.SIGSUSPEND, first);
    if (Atomics.load(box, slotWord(slot, SLOT.arg)) !== WOULD_WAIT) return cpu.x(0);
    Atomics.wait(box, signalWord, 0);
  }
}

/** rt_sigtimedwait: the owning thread looks (CALL_KIND.SIGWAIT), this one sleeps between
 *  looks until the owner says a signal came (the set counts as unblocked meanwhile). */
function sigwait(): bigint {
  const deadline = cpu.x(2) ? performance.now() + Number(readTimespec(mem, Number(cpu.x(2)))) / 1e6 : Infinity;
  for (;;) {
    forward(CALL_KIND.SIGWAIT);
    if (Atomics.load(box, slotWord(slot, SLOT.arg)) !== WOULD_WAIT) return cpu.x(0);
    const left = deadline - performance.now();
    if (left <= 0) return BigInt(-E.EAGAIN);
    Atomics.wait(box, signalWord, 0, left);
  }
}

function syscall(): void {
  const nr = Number(cpu.x(8));
  if (debug) fs.writeSync(2, `[thread ${slot}] syscall ${nr}(0x${cpu.x(0).toString(16)}, 0x${cpu.x(1).toString(16)}, 0x${cpu.x(2).toString(16)})\n`);
  let r: bigint | undefined;
  try {
    r = localCall(nr);
  } catch (err) {
    if (err instanceof ThreadExit) throw err;
    if (err instanceof SysError && (err.errno === ERESTARTSYS || err.errno === ERESTARTNOHAND || err.errno === ERESTARTNOINTR)) {
      takeSignals(err.errno === ERESTARTSYS ? RESTART.SYS : err.errno === ERESTARTNOHAND ? RESTART.NOHAND : RESTART.NOINTR);
      return;
    }
    if (err instanceof SysError) r = BigInt(-err.errno);
    else if (err instanceof GuestFault) r = BigInt(-E.EFAULT);
    else throw err;
  }
  if (r !== undefined) {
    cpu.setX(0, r);
    if (signalled()) takeSignals();
  } else if (nr in POLL_TIMEOUT) pollWithoutBlockingOwner(nr);
  else if (nr === NR.wait4 || nr === NR.waitid) reapWithoutBlockingOwner(nr);
  else forward(CALL_KIND.SYSCALL); // signals for this thread are delivered as it is answered
}

/** Where each waiting call keeps its timeout: milliseconds in a register, or a timespec's
 *  address (null: no timeout); and whether the call writes the time left back into it. */
const POLL_TIMEOUT: Record<number, { reg: number; timespec: boolean; writesLeft: boolean }> = {
  [NR.epoll_pwait]: { reg: 3, timespec: false, writesLeft: false },
  [NR.epoll_pwait2]: { reg: 3, timespec: true, writesLeft: false },
  [NR.ppoll]: { reg: 2, timespec: true, writesLeft: true },
  [NR.pselect6]: { reg: 4, timespec: true, writesLeft: true },
};

/**
 * ppoll (pause() too), pselect6 and epoll_pwait, as Go's scheduler makes the last on an idle
 * thread (netpoll). Run by the owner as they stand, they would hold the owner's own guest code
 * up for the whole timeout. Instead the owner takes one look (CALL_KIND.POLL: no timeout, and
 * EINTR if a signal is to be taken, under the call's own mask) and this thread sleeps in
 * between on the word every forwarded call and every signal for it bumps, so a write to the
 * poller's eventfd by another thread (Go's netpollBreak) ends the sleep at once; readiness from
 * outside the process is seen within POLL_SLICE_MS.
 */
function pollWithoutBlockingOwner(nr: number): void {
  const POLL_SLICE_MS = 10;
  const { reg, timespec, writesLeft } = POLL_TIMEOUT[nr];
  const tmo = Number(cpu.x(reg));
  let timeout: number; // milliseconds, -1: none
  if (!timespec) timeout = Number(BigInt.asIntN(32, cpu.x(reg)));
  else if (!tmo) timeout = -1;
  else {
    try {
      timeout = Number(readTimespec(mem, tmo)) / 1e6;
    } catch {
      timeout = 0; // the look reports the fault
    }
  }
  const x0 = cpu.x(0);
  const end = timeout < 0 ? Infinity : performance.now() + timeout;
  for (;;) {
    cpu.setX(0, x0);
    const pc = cpu.pc;
    forward(CALL_KIND.POLL);
    // A handler was entered as the answer came back: its frame holds this call's result.
    if (cpu.pc !== pc) break;
    const seen = Atomics.load(wake, 0);
    const left = end - performance.now();
    if (cpu.x(0) !== 0n || timeout === 0 || left <= 0) break;
    Atomics.wait(wake, 0, seen, Math.min(left, POLL_SLICE_MS));
  }
  if (writesLeft && tmo && timeout > 0) {
    try {
      writeTimespec(mem, tmo, BigInt(Math.max(0, Math.round((end - performance.now()) * 1e6))));
    } catch { /* unmapped meanwhile */ }
  }
}

/**
 * wait4 and waitid without WNOHANG, as a thread that reaps a child makes them (Python asyncio's
 * child watcher thread, Go's os/exec). Run by the owner as they stand, they would hold the
 * owner's own guest code up until the child changes state, and the child may be waiting for
 * that very code (the event loop that writes its stdin): a deadlock. Instead the owner is asked
 * with WNOHANG and this thread sleeps in between on the word every child's exit bumps.
 */
function reapWithoutBlockingOwner(nr: number): void {
  const WNOHANG = 1, REAP_SLICE_MS = 50;
  const optionsReg = nr === NR.wait4 ? 2 : 3;
  const infop = nr === NR.waitid ? Number(cpu.x(2)) : 0;
  // waitid with no siginfo to look at cannot tell "none yet" from a child: ask the owner as is.
  if (cpu.x(optionsReg) & BigInt(WNOHANG) || (nr === NR.waitid && !infop)) {
    forward(CALL_KIND.SYSCALL);
    return;
  }
  const saved = [0, 1, 2, 3, 4, 5].map((i) => cpu.x(i));
  for (;;) {
    saved.forEach((v, i) => cpu.setX(i, v));
    // A signal for this thread ends the wait as Linux's does (ERESTARTSYS: restarted under
    // SA_RESTART, else EINTR), with the call's own arguments in place.
    if (signalled()) {
      takeSignals(RESTART.SYS);
      return;
    }
    cpu.setX(optionsReg, saved[optionsReg] | BigInt(WNOHANG));
    const pc = cpu.pc;
    forward(CALL_KIND.SYSCALL);
    // A signal that came during that one look was delivered as it was answered: the handler's
    // frame holds the look's result (0 when none changed state: a spurious return the caller
    // sees, in that narrow window, where Linux would restart).
    if (cpu.pc !== pc) return;
    // Read after the call, which bumps the word itself; an exit between the two is what the
    // slice bounds.
    const seen = Atomics.load(wake, 0);
    // None changed state yet: wait4 returns 0; waitid returns 0 with si_pid 0 (Linux zeroes it).
    const none = cpu.x(0) === 0n && (nr === NR.wait4 || mem.readU32(infop + 16) === 0);
    if (!none) break;
    Atomics.wait(wake, 0, seen, REAP_SLICE_MS);
  }
  const result = cpu.x(0);
  saved.forEach((v, i) => cpu.setX(i, v));
  cpu.setX(0, result);
}

/** Run the guest thread until it exits. */
function runThread(): void {
  machine.setFpcrMode(cpu.fpcr);
  for (;;) {
    const stop = machine.run();
    if (stop.kind === 'svc') syscall();
    else if (stop.kind === 'interrupt') {
      if (signalled()) takeSignals();
    } else {
      // A synchronous fault: the owning thread gives it to this thread's handler, or ends the
      // process if there is none.
      const [sig, code, addr] = exceptionSignal(stop);
      Atomics.store(box, slotWord(slot, SLOT.faultCode), code);
      Atomics.store(box, slotWord(slot, SLOT.faultAddrLo), Number(addr & 0xffffffffn) | 0);
      Atomics.store(box, slotWord(slot, SLOT.faultAddrHi), Number(addr >> 32n) | 0);
      forward(CALL_KIND.FAULT, sig);
    }
    machine.setFpcrMode(cpu.fpcr); // rt_sigreturn or a handler's frame may have changed FPCR
  }
}

/** CLONE_CHILD_CLEARTID: now that the thread has left its stack, zero the word and wake one. */
function threadExited(): void {
  // Linux marks the robust mutexes it held, and hands the PI ones others wait for to them,
  // before it clears the tid (mm_release).
  futexExitRelease(mem, piTable, slot, Atomics.load(box, slotWord(slot, SLOT.tid)), Atomics.load(box, slotWord(slot, SLOT.robustList)) >>> 0);
  const ctid = Atomics.load(box, slotWord(slot, SLOT.clearTid)) >>> 0;
  if (ctid) {
    try {
      mem.writeU32(ctid, 0);
      Atomics.notify(words, ctid / 4, 1);
    } catch { /* unmapped meanwhile: Linux ignores the fault too */ }
  }
  Atomics.store(box, slotWord(slot, SLOT.status), STATUS.IDLE);
  Atomics.sub(box, WORD.live, 1);
  Atomics.add(wake, 0, 1);
  Atomics.notify(wake, 0);
}

for (;;) {
  const start = slotWord(slot, SLOT.start);
  while (Atomics.load(box, start) === 0) Atomics.wait(box, start, 0);
  Atomics.store(box, start, 0);
  try {
    runThread();
  } catch (err) {
    // ThreadExit: exit, or another thread's execve. Anything else is an internal error: the
    // owner's event loop is busy running guest code and would never report this thread's
    // 'error' event, so say it here, and end the process as the owner would.
    if (!(err instanceof ThreadExit)) {
      fs.writeSync(2, `tsemu-user: internal error in guest thread ${slot}: ${(err as Error)?.stack ?? err}\n`);
      try { forward(CALL_KIND.FATAL_SIGNAL, 6); } catch { /* zapped meanwhile */ }
    }
  }
  threadExited();
}
