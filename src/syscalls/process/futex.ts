// futex: wait and wake on a 32-bit guest word. Guest memory is one shared WebAssembly.Memory
// and every guest thread runs on a worker over it, so waiting is Atomics.wait on the guest's
// own word and waking is Atomics.notify on it: the host's futex does the queueing, for every
// thread alike. The operations are written against FutexIo so that a guest thread's worker
// (threads/thread-worker.ts) runs them without the process's Kernel.
//
// What Atomics cannot express, and what is done instead:
// - bitsets: waiters are not filtered by bitset; a WAKE_BITSET wakes like WAKE. glibc, Rust and
//   Go only ever pass FUTEX_BITSET_MATCH_ANY, for which that is exact.
// - REQUEUE / CMP_REQUEUE: waiters are not moved to uaddr2 but woken (a spurious wake-up,
//   which every futex user tolerates: each rechecks its word and waits again).
// The priority-inheritance operations (LOCK_PI and the rest) keep state of their own, in a
// table the threads share: futex-pi.ts.
import type { GuestMemory } from '../../cpu/memory.js';
import { PERM_R, PERM_W } from '../../cpu/state.js';
import { clockNs } from '../time/time.js';
import { syscall } from '../define.js';
import { E, ERESTARTNOHAND, ERESTARTSYS, SysError } from '../errno.js';
import type { FutexWaitResult } from '../kernel.js';
import { readTimespec } from '../structs.js';
import { cmpRequeuePi, lockPi, unlockPi, waitRequeuePi, type PiThread } from './futex-pi.js';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5;
const FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8;
const FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_WAIT_REQUEUE_PI = 11, FUTEX_CMP_REQUEUE_PI = 12, FUTEX_LOCK_PI2 = 13;
const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;

/** What the futex operations need from the thread that makes the call. */
export interface FutexIo {
  mem: GuestMemory;
  /** Atomics.wait on the guest word (the owner of the process also serves other threads);
   *  'interrupted': a signal for the waiting thread ended it. */
  wait(addr: number, val: number, timeoutMs: number): FutexWaitResult;
  wake(addr: number, count: number): number;
  /** The calling thread and its process's PI futex table (futex-pi.ts). */
  pi: PiThread;
}

export function futexCall(io: FutexIo, uaddr: number, op: number, val: number, timeout: number, uaddr2: number, val3: number): number {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const realtime = (op & FUTEX_CLOCK_REALTIME) !== 0;
  if (realtime && cmd !== FUTEX_WAIT && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) {
    throw new SysError(E.ENOSYS);
  }
  if (uaddr % 4 !== 0) throw new SysError(E.EINVAL);
  const mem = io.mem;
  /** Time left to an absolute deadline on `clock`, read (EINVAL, EFAULT) before anything else. */
  const deadline = (clock: number): (() => number) | null => {
    if (!timeout) return null;
    const at = readTimespec(mem, timeout);
    return () => Number(at - clockNs(clock)) / 1e6;
  };
  switch (cmd) {
    // FUTEX_LOCK_PI's deadline is on CLOCK_REALTIME; LOCK_PI2's and WAIT_REQUEUE_PI's on
    // CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME says otherwise. TRYLOCK_PI has none.
    case FUTEX_LOCK_PI:
      return lockPi(io, uaddr, deadline(CLOCK_REALTIME), false);
    case FUTEX_LOCK_PI2:
      return lockPi(io, uaddr, deadline(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC), false);
    case FUTEX_TRYLOCK_PI:
      return lockPi(io, uaddr, null, true);
    case FUTEX_UNLOCK_PI:
      return unlockPi(io, uaddr);
    case FUTEX_WAIT_REQUEUE_PI:
      return waitRequeuePi(io, uaddr, val, deadline(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC), uaddr2);
    case FUTEX_CMP_REQUEUE_PI:
      return cmpRequeuePi(io, uaddr, val | 0, timeout | 0, uaddr2, val3); // nr_wake, nr_requeue
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      if (cmd === FUTEX_WAIT_BITSET && val3 === 0) throw new SysError(E.EINVAL);
      let ms = Infinity;
      if (timeout) {
        const ns = readTimespec(mem, timeout);
        // FUTEX_WAIT's timeout is relative (on CLOCK_MONOTONIC); FUTEX_WAIT_BITSET's is
        // absolute on the clock the op names.
        const left = cmd === FUTEX_WAIT ? ns : ns - clockNs(op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC);
        ms = left > 0n ? Number(left) / 1e6 : 0;
      }
      const current = mem.readU32(uaddr);
      if (current !== val >>> 0) throw new SysError(E.EAGAIN);
      const r = io.wait(uaddr, val, ms);
      if (r === 'not-equal') throw new SysError(E.EAGAIN);
      if (r === 'timed-out') throw new SysError(E.ETIMEDOUT);
      // Linux: restarted after a handler with SA_RESTART when there is no timeout; with one
      // (ERESTART_RESTARTBLOCK) EINTR after any handler, and a restart without a handler
      // waits the whole relative timeout again here, where Linux waits what was left.
      if (r === 'interrupted') throw new SysError(timeout ? ERESTARTNOHAND : ERESTARTSYS);
      return 0;
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      if (cmd === FUTEX_WAKE_BITSET && val3 === 0) throw new SysError(E.EINVAL);
      mem.readU32(uaddr);
      return io.wake(uaddr, Math.max(1, val | 0)); // Linux wakes one even for 0
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      if (uaddr2 % 4 !== 0) throw new SysError(E.EINVAL);
      if ((val | 0) < 0 || (timeout | 0) < 0) throw new SysError(E.EINVAL); // nr_wake, nr_requeue
      const current = mem.readU32(uaddr);
      mem.readU32(uaddr2);
      if (cmd === FUTEX_CMP_REQUEUE && current !== val3 >>> 0) throw new SysError(E.EAGAIN);
      // Linux counts woken plus requeued waiters; all are woken here (see the top).
      return io.wake(uaddr, Infinity);
    }
    case FUTEX_WAKE_OP:
      return wakeOp(io, uaddr, val, timeout >>> 0, uaddr2, val3);
    default:
      throw new SysError(E.ENOSYS);
  }
}

/**
 * FUTEX_WAKE_OP: atomically apply the op encoded in val3 to *uaddr2, wake `nr` waiters on
 * uaddr, and if the old value of *uaddr2 passes the encoded comparison, wake `nr2` on uaddr2.
 */
function wakeOp(io: FutexIo, uaddr: number, nr: number, nr2: number, uaddr2: number, encoded: number): number {
  if (uaddr2 % 4 !== 0) throw new SysError(E.EINVAL);
  const opShift = (encoded >>> 28) & 8;
  const op = (encoded >>> 28) & 7;
  const cmp = (encoded >>> 24) & 15;
  let oparg = (encoded << 8) >> 20; // sign-extended 12 bits
  const cmparg = (encoded << 20) >> 20;
  if (opShift) oparg = 1 << (oparg & 31); // Linux masks an out-of-range shift (and logs it)
  io.mem.readU32(uaddr);
  io.mem.check(uaddr2, 4, PERM_R | PERM_W);
  const words = new Int32Array(io.mem.memory.buffer);
  const i = uaddr2 / 4;
  let old: number;
  switch (op) {
    case 0: old = Atomics.exchange(words, i, oparg); break; // SET
    case 1: old = Atomics.add(words, i, oparg); break; // ADD
    case 2: old = Atomics.or(words, i, oparg); break; // OR
    case 3: old = Atomics.and(words, i, ~oparg); break; // ANDN
    case 4: old = Atomics.xor(words, i, oparg); break; // XOR
    default: throw new SysError(E.ENOSYS);
  }
  let pass: boolean;
  switch (cmp) {
    case 0: pass = old === cmparg; break;
    case 1: pass = old !== cmparg; break;
    case 2: pass = old < cmparg; break;
    case 3: pass = old <= cmparg; break;
    case 4: pass = old > cmparg; break;
    case 5: pass = old >= cmparg; break;
    default: throw new SysError(E.ENOSYS); // the op stays applied, nobody is woken: as Linux
  }
  let woken = io.wake(uaddr, nr);
  if (pass) woken += io.wake(uaddr2, nr2);
  return woken;
}

syscall('futex', 'uaddr:ptr op:int val:uint timeout:ptr uaddr2:ptr val3:uint', (k, uaddr, op, val, timeout, uaddr2, val3) =>
  // Only the first thread's own calls come here: other threads make theirs on their workers.
  futexCall({ mem: k.mem, wait: (a, v, ms) => k.futexWait(a, v, ms), wake: (a, n) => k.futexWake(a, n), pi: { table: k.piTable, slot: 0, tid: k.pid } },
    uaddr, op, val, timeout, uaddr2, val3));
