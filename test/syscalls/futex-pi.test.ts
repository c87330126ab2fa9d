// Priority-inheritance futexes (src/syscalls/process/futex-pi.ts) against the rules of Linux's
// kernel/futex/pi.c and requeue.c and the futex(2) man page: the word protocol (owner TID,
// FUTEX_WAITERS, FUTEX_OWNER_DIED), hand-over to the first waiter on unlock, the error codes,
// and the release of a dying thread's PI futexes after its robust list is walked.
//
// Several "threads" here are records of one table driven from this one test thread: a thread
// that would sleep has a wait() that either runs what another thread does meanwhile, or leaves
// by an exception (Asleep) with its record still queued, as a sleeping thread's is.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cmpRequeuePi, futexExitRelease, lockPi, piThreadStarted, unlockPi, waitRequeuePi, type PiIo,
} from '../../src/syscalls/process/futex-pi.js';
import { ERESTARTNOINTR, SysError } from '../../src/syscalls/errno.js';
import type { FutexWaitResult } from '../../src/syscalls/kernel.js';
import { BUF, E, makeGuest, type Guest } from './harness.js';

const WAITERS = 0x80000000, OWNER_DIED = 0x40000000;
const LOCK_PI = 6, UNLOCK_PI = 7, TRYLOCK_PI = 8, CMP_REQUEUE_PI = 12, LOCK_PI2 = 13;
const PRIVATE = 128, CLOCK_REALTIME_FLAG = 256;
const WORD = BUF + 0x100, COND = BUF + 0x104, TS = BUF + 0x200, HEAD = BUF + 0x400;
const T1 = 5001, T2 = 5002, T3 = 5003;

let g: Guest;
beforeEach(() => { g = makeGuest(); });
afterEach(() => { g.cleanup(); });

class Asleep extends Error {}

/** Thread `tid` in `slot` of the guest's table; `wait` is what its sleep does. */
function thread(slot: number, tid: number, wait: (addr: number, val: number) => FutexWaitResult = () => { throw new Asleep(); }): PiIo {
  piThreadStarted(g.k.piTable, slot, tid);
  return { mem: g.mem, wait, pi: { table: g.k.piTable, slot, tid } };
}

function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof SysError) return err.errno;
    if (err instanceof Asleep) return -1;
    throw err;
  }
  return 0;
}

const word = () => g.mem.readU32(WORD);
const setWord = (v: number) => g.mem.writeU32(WORD, v >>> 0);

describe('PI futex syscalls, one thread', () => {
  it('takes a free word, answers EDEADLK for its own, EPERM for an unlock it does not own', () => {
    setWord(0);
    expect(g.call('futex', WORD, LOCK_PI | PRIVATE, 0, 0)).toBe(0);
    expect(word()).toBe(g.k.pid);
    expect(g.call('futex', WORD, LOCK_PI, 0, 0)).toBe(-E.EDEADLK);
    expect(g.call('futex', WORD, TRYLOCK_PI, 0, 0)).toBe(-E.EDEADLK);
    expect(g.call('futex', WORD, UNLOCK_PI, 0, 0)).toBe(0);
    expect(word()).toBe(0);
    expect(g.call('futex', WORD, UNLOCK_PI, 0, 0)).toBe(-E.EPERM);
    setWord(T1);
    expect(g.call('futex', WORD, UNLOCK_PI, 0, 0)).toBe(-E.EPERM);
  });

  it('answers ESRCH for a word owned by no live thread, and takes over one whose owner died', () => {
    setWord(T1); // no thread has that tid
    expect(g.call('futex', WORD, LOCK_PI, 0, 0)).toBe(-E.ESRCH);
    expect(g.call('futex', WORD, TRYLOCK_PI, 0, 0)).toBe(-E.ESRCH);
    expect(word()).toBe(T1);
    setWord(OWNER_DIED | WAITERS);
    expect(g.call('futex', WORD, LOCK_PI, 0, 0)).toBe(0);
    expect(word()).toBe((OWNER_DIED | g.k.pid) >>> 0); // FUTEX_OWNER_DIED kept, FUTEX_WAITERS dropped
    expect(g.call('futex', WORD, UNLOCK_PI, 0, 0)).toBe(0);
    expect(word()).toBe(0);
  });

  it('TRYLOCK_PI of a word another live thread holds: EAGAIN, with FUTEX_WAITERS set as Linux leaves it', () => {
    thread(1, T1);
    setWord(T1);
    expect(g.call('futex', WORD, TRYLOCK_PI, 0, 0)).toBe(-E.EAGAIN);
    expect(word()).toBe((T1 | WAITERS) >>> 0);
  });

  it('times out on an absolute deadline already past, on either clock', () => {
    thread(1, T1);
    setWord(T1);
    g.mem.writeU64(TS, 1n);
    g.mem.writeU64(TS + 8, 0n);
    expect(g.call('futex', WORD, LOCK_PI, 0, TS)).toBe(-E.ETIMEDOUT);
    expect(g.call('futex', WORD, LOCK_PI2, 0, TS)).toBe(-E.ETIMEDOUT);
    expect(g.call('futex', WORD, LOCK_PI2 | CLOCK_REALTIME_FLAG, 0, TS)).toBe(-E.ETIMEDOUT);
    expect(word()).toBe((T1 | WAITERS) >>> 0);
    // The owner unlocks with nobody left waiting: the word goes to 0.
    expect(unlockPi(thread(1, T1), WORD)).toBe(0);
    expect(word()).toBe(0);
  });

  it('leaves a wait whose host wait does not sleep (as the syscall fuzz test stubs it) instead of spinning', () => {
    g.k.futexWait = () => 'timed-out';
    g.mem.writeU32(COND, 0);
    // As after a signal with no handler to run: the call is set to start again.
    expect(g.call('futex', COND, 11 /* WAIT_REQUEUE_PI */, 0, 0, WORD)).toBe(COND);
    expect(g.k.restartSyscall).toBe(false);
  });

  it('checks its arguments as Linux does', () => {
    setWord(0);
    expect(g.call('futex', WORD, LOCK_PI | CLOCK_REALTIME_FLAG, 0, 0)).toBe(-E.ENOSYS);
    expect(g.call('futex', WORD + 2, LOCK_PI, 0, 0)).toBe(-E.EINVAL);
    g.mem.writeU64(TS, 0n);
    g.mem.writeU64(TS + 8, 1_000_000_000n);
    expect(g.call('futex', WORD, LOCK_PI, 0, TS)).toBe(-E.EINVAL); // tv_nsec out of range
    expect(g.call('futex', 0x1000, LOCK_PI, 0, 0)).toBe(-E.EFAULT);
    expect(g.call('futex', COND, CMP_REQUEUE_PI, 2, 1, WORD, 0)).toBe(-E.EINVAL); // nr_wake must be 1
    expect(g.call('futex', COND, CMP_REQUEUE_PI, 1, 1, COND, 0)).toBe(-E.EINVAL); // same word
  });
});

describe('PI futex hand-over between threads', () => {
  it('unlock hands the lock to the waiter, whose word then says FUTEX_WAITERS', () => {
    setWord(0);
    const owner = thread(1, T1);
    expect(lockPi(owner, WORD, null, false)).toBe(0);
    expect(word()).toBe(T1);
    const waiter = thread(2, T2, () => {
      expect(word()).toBe((T1 | WAITERS) >>> 0);
      expect(unlockPi(owner, WORD)).toBe(0); // meanwhile, the owner unlocks
      return 'ok';
    });
    expect(lockPi(waiter, WORD, null, false)).toBe(0);
    expect(word()).toBe((T2 | WAITERS) >>> 0);
    expect(unlockPi(waiter, WORD)).toBe(0);
    expect(word()).toBe(0);
  });

  it('hands over first come, first served', () => {
    setWord(T1);
    const owner = thread(1, T1), a = thread(2, T2), b = thread(3, T3);
    expect(errnoOf(() => lockPi(a, WORD, null, false))).toBe(-1); // asleep, queued
    expect(errnoOf(() => lockPi(b, WORD, null, false))).toBe(-1);
    expect(unlockPi(owner, WORD)).toBe(0);
    expect(word()).toBe((T2 | WAITERS) >>> 0);
    expect(errnoOf(() => unlockPi(owner, WORD))).toBe(E.EPERM); // no longer its lock
    expect(unlockPi(a, WORD)).toBe(0);
    expect(word()).toBe((T3 | WAITERS) >>> 0);
    expect(unlockPi(b, WORD)).toBe(0);
    expect(word()).toBe(0);
  });

  it('a waiter a signal interrupts leaves the queue and restarts (ERESTARTNOINTR)', () => {
    setWord(T1);
    const owner = thread(1, T1);
    const waiter = thread(2, T2, () => 'interrupted');
    expect(errnoOf(() => lockPi(waiter, WORD, null, false))).toBe(ERESTARTNOINTR);
    expect(unlockPi(owner, WORD)).toBe(0);
    expect(word()).toBe(0); // nobody was left to hand it to
  });

  it('a waiter whose deadline passes leaves the queue with ETIMEDOUT, unless the lock came first', () => {
    setWord(T1);
    const owner = thread(1, T1);
    let now = 5;
    const waiter = thread(2, T2, () => { now = 0; return 'timed-out'; });
    expect(errnoOf(() => lockPi(waiter, WORD, () => now, false))).toBe(E.ETIMEDOUT);
    const lucky = thread(2, T2, () => {
      unlockPi(owner, WORD); // handed over just as the time ran out
      now = 0;
      return 'timed-out';
    });
    now = 5;
    expect(lockPi(lucky, WORD, () => now, false)).toBe(0);
    expect(word()).toBe((T2 | WAITERS) >>> 0);
  });
});

describe('PI futexes at an owner\'s death', () => {
  /** A robust list at HEAD with one PI entry whose futex word is WORD (futex_offset 0). */
  function robustListOf(entry = BUF + 0x800): void {
    g.mem.writeU64(HEAD, BigInt(entry) | 1n); // bit 0: a PI futex
    g.mem.writeU64(HEAD + 8, BigInt.asUintN(64, BigInt(WORD - entry)));
    g.mem.writeU64(HEAD + 16, 0n);
    g.mem.writeU64(entry, BigInt(HEAD));
  }

  it('a robust PI lock goes to its waiter with FUTEX_OWNER_DIED set', () => {
    robustListOf();
    setWord(T1);
    const owner = thread(1, T1), waiter = thread(2, T2);
    expect(errnoOf(() => lockPi(waiter, WORD, null, false))).toBe(-1);
    futexExitRelease(g.mem, g.k.piTable, owner.pi.slot, T1, HEAD);
    expect(word()).toBe((T2 | WAITERS | OWNER_DIED) >>> 0);
    // The dead thread's TID is dead for good: a word still naming it gives ESRCH.
    g.mem.writeU32(COND, T1);
    expect(errnoOf(() => lockPi(thread(3, T3), COND, null, false))).toBe(E.ESRCH);
  });

  it('a robust PI lock nobody waits for is marked FUTEX_OWNER_DIED, and the next locker takes it so', () => {
    robustListOf();
    setWord(T1);
    futexExitRelease(g.mem, g.k.piTable, thread(1, T1).pi.slot, T1, HEAD);
    expect(word()).toBe(OWNER_DIED);
    expect(lockPi(thread(2, T2), WORD, null, false)).toBe(0);
    expect(word()).toBe((OWNER_DIED | T2) >>> 0);
  });

  it('a PI lock off the robust list goes to its waiter with FUTEX_OWNER_DIED set too', () => {
    setWord(T1);
    thread(1, T1);
    expect(errnoOf(() => lockPi(thread(2, T2), WORD, null, false))).toBe(-1);
    futexExitRelease(g.mem, g.k.piTable, 1, T1, 0);
    expect(word()).toBe((T2 | WAITERS | OWNER_DIED) >>> 0);
  });
});

describe('requeue to a PI futex', () => {
  it('takes a free PI futex for the first waiter and queues the next ones on it', () => {
    setWord(0);
    g.mem.writeU32(COND, 7);
    const signaller = thread(1, T1), a = thread(2, T2), b = thread(3, T3);
    expect(errnoOf(() => waitRequeuePi(a, COND, 7, null, WORD))).toBe(-1);
    expect(errnoOf(() => waitRequeuePi(b, COND, 7, null, WORD))).toBe(-1);
    expect(errnoOf(() => waitRequeuePi(a, COND, 6, null, WORD))).toBe(E.EAGAIN); // *uaddr != val
    expect(errnoOf(() => cmpRequeuePi(signaller, COND, 1, 1, WORD, 6))).toBe(E.EAGAIN); // *uaddr != cmpval
    expect(cmpRequeuePi(signaller, COND, 1, 1, WORD, 7)).toBe(2);
    expect(word()).toBe((T2 | WAITERS) >>> 0); // taken for the first waiter
    expect(unlockPi(a, WORD)).toBe(0); // the second was queued on the PI futex
    expect(word()).toBe((T3 | WAITERS) >>> 0);
  });

  it('a requeued waiter owns the PI futex when its wait returns', () => {
    setWord(T1);
    g.mem.writeU32(COND, 1);
    const owner = thread(1, T1);
    let step = 0;
    const waiter = thread(2, T2, () => {
      if (step++ === 0) expect(cmpRequeuePi(owner, COND, 1, 0, WORD, 1)).toBe(1); // held: queued
      else expect(unlockPi(owner, WORD)).toBe(0);
      return 'ok';
    });
    expect(waitRequeuePi(waiter, COND, 1, null, WORD)).toBe(0);
    expect(word()).toBe((T2 | WAITERS) >>> 0);
  });

  it('refuses a waiter that waits to be requeued elsewhere (EINVAL) and a PI futex whose owner is dead (ESRCH)', () => {
    g.mem.writeU32(COND, 1);
    setWord(0);
    const signaller = thread(1, T1);
    expect(errnoOf(() => waitRequeuePi(thread(2, T2), COND, 1, null, WORD + 8))).toBe(-1);
    expect(errnoOf(() => cmpRequeuePi(signaller, COND, 1, 1, WORD, 1))).toBe(E.EINVAL);
    expect(word()).toBe(0); // nothing taken
    g.mem.writeU32(WORD + 8, 4999); // no such thread
    expect(errnoOf(() => cmpRequeuePi(signaller, COND, 1, 1, WORD + 8, 1))).toBe(E.ESRCH);
  });

  it('a signal restarts the wait before the requeue and fails it with EAGAIN after', () => {
    g.mem.writeU32(COND, 1);
    setWord(T1);
    const owner = thread(1, T1);
    expect(errnoOf(() => waitRequeuePi(thread(2, T2, () => 'interrupted'), COND, 1, null, WORD))).toBe(ERESTARTNOINTR);
    let step = 0;
    const late = thread(2, T2, () => {
      if (step++ === 0) {
        cmpRequeuePi(owner, COND, 1, 0, WORD, 1);
        return 'ok';
      }
      return 'interrupted';
    });
    expect(errnoOf(() => waitRequeuePi(late, COND, 1, null, WORD))).toBe(E.EAGAIN);
  });
});
