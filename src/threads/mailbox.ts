// The words guest threads share besides guest memory: one SharedArrayBuffer, Int32 words.
//
// Per thread slot (see cpu/state.ts threadStateBase): whether a worker exists and runs a thread,
// the start signal, and the call box through which a worker hands a system call that touches
// process state to the owning thread (threads/group.ts). Then the invalidation log: every
// translation invalidation any thread makes, for the other threads' translators to replay.
import { MAX_THREADS } from '../cpu/state.js';

export const WORD = {
  /** Next index in the invalidation log (entries below it are written or being written). */
  logNext: 0,
  /** Guest address of the futex word the owning thread sleeps on (0: none): a caller notifies it. */
  ownerWait: 1,
  /** Threads running on workers. */
  live: 2,
  /** Bumped after each compiled module is posted to other threads, and when a worker has
   *  subscribed to them (code-share.ts): a thread looks at its ports only when it moved. */
  codePosted: 3,
} as const;

export const SLOT = {
  /** Status: NONE, IDLE (a worker waits for START), BUSY (it runs a guest thread). */
  status: 0,
  start: 1,
  /** Call box: IDLE, ASKED, SERVING, DONE. */
  call: 2,
  kind: 3,
  arg: 4,
  tid: 5,
  clearTid: 6,
  /** Set (only by the owning thread, which generates every signal) when a signal waits for
   *  this thread; the thread then asks for it (CALL_KIND.SIGNALS). Sleeps wait on this word. */
  signal: 7,
  /** Guest address of the futex word the thread sleeps on (0: none): a signal notifies it. */
  waitAddr: 8,
  /** A fault's si_code and address (CALL_KIND.FAULT, whose arg is the signal). */
  faultCode: 9,
  faultAddrLo: 10,
  faultAddrHi: 11,
  /** Guest address of the thread's robust list head (set_robust_list; 0: none). */
  robustList: 12,
  /** Set when the thread must end at once, with no signal handler run: another thread's
   *  execve (Linux's de_thread). Its worker checks it whenever the owner answers it. */
  zap: 13,
  /** The worker's part in sharing compiled code (code-share.ts): CODE_SHARE. */
  codeShare: 14,
  /** For -d cache: region modules the thread compiled, and those it installed from others. */
  modulesCompiled: 15,
  modulesInstalled: 16,
} as const;
/** SLOT.codeShare: the worker listens to the other threads' modules (SUBSCRIBED), and has been
 *  sent every module from before that (CAUGHT_UP). */
export const CODE_SHARE = { NONE: 0, SUBSCRIBED: 1, CAUGHT_UP: 2 } as const;
export const SLOT_WORDS = 20;
export const STATUS = { NONE: 0, IDLE: 1, BUSY: 2 } as const;
export const CALL = { IDLE: 0, ASKED: 1, SERVING: 3, DONE: 2 } as const;
/**
 * What a call box asks: a system call (x8, x0..x5 in the thread's registers); a fatal error of
 * the emulator (arg: the signal to end the process with); take the signals pending for the
 * thread (arg: RESTART, how an interrupted call settles); a synchronous fault (arg: signal);
 * one look for rt_sigtimedwait (the thread sleeps between looks; arg answers WOULD_WAIT); one
 * look for the ppoll, pselect6 or epoll_pwait in x8 (Kernel.pollLook); a
 * look for rt_sigsuspend (arg 1 the first, which sets the mask; answers WOULD_WAIT too).
 */
export const CALL_KIND = { SYSCALL: 1, FATAL_SIGNAL: 2, SIGNALS: 3, FAULT: 4, SIGWAIT: 5, POLL: 6, SIGSUSPEND: 7 } as const;
/** SIGNALS' arg: the thread's call was interrupted (x0 still its first argument) as by
 *  ERESTARTSYS, ERESTARTNOHAND or ERESTARTNOINTR, or nothing was interrupted. */
export const RESTART = { NONE: 0, SYS: 1, NOHAND: 2, NOINTR: 3 } as const;
export const WOULD_WAIT = 1;

const SLOTS_AT = 8;
export const slotWord = (slot: number, field: number): number => SLOTS_AT + slot * SLOT_WORDS + field;

/** Invalidation log: a ring of [seq, addr, len, origin slot]; seq = index + 1 once written. */
export const LOG_ENTRIES = 1024;
export const LOG_AT = SLOTS_AT + MAX_THREADS * SLOT_WORDS;
export const MAILBOX_WORDS = LOG_AT + LOG_ENTRIES * 4;

export function newMailbox(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(MAILBOX_WORDS * 4));
}

/** Make every thread drop all its translations before it next runs guest code (an execve
 *  replaced the image): skipping more than the ring holds makes replayInvalidations flush. */
export function logFlush(box: Int32Array): void {
  Atomics.add(box, WORD.logNext, LOG_ENTRIES + 1);
}

/** Append an invalidation of [addr, addr+len) made by thread `origin`. */
export function logInvalidation(box: Int32Array, addr: number, len: number, origin: number): void {
  const i = Atomics.add(box, WORD.logNext, 1);
  const at = LOG_AT + (i % LOG_ENTRIES) * 4;
  box[at + 1] = addr | 0;
  box[at + 2] = Math.min(len, 2 ** 31 - 1) | 0;
  box[at + 3] = origin;
  Atomics.store(box, at, i + 1);
}

/**
 * Replay the log from `seen` for thread `self`: invalidate(addr, len) for the others' entries,
 * or flush() if more than the ring holds went by. Returns the new `seen`.
 */
export function replayInvalidations(box: Int32Array, seen: number, self: number,
  invalidate: (addr: number, len: number) => void, flush: () => void): number {
  const next = Atomics.load(box, WORD.logNext);
  if (next - seen > LOG_ENTRIES) {
    flush();
    return next;
  }
  for (let i = seen; i < next; i++) {
    const at = LOG_AT + (i % LOG_ENTRIES) * 4;
    // The writer reserved the entry and is between two stores: wait for its last one.
    while (Atomics.load(box, at) !== i + 1) {
      if (Atomics.load(box, at) > i + 1) { flush(); return next; } // overwritten by a later lap
    }
    if (box[at + 3] !== self) invalidate(box[at + 1] >>> 0, box[at + 2]);
  }
  return next;
}
