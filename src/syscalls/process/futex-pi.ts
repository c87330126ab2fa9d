// Priority-inheritance futexes: FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, and the
// WAIT_REQUEUE_PI / CMP_REQUEUE_PI pair, after Linux's kernel/futex/pi.c and requeue.c and
// Documentation/locking/pi-futex.rst. glibc's PTHREAD_PRIO_INHERIT mutexes (and robust ones
// with it) are built on them.
//
// The word protocol is the kernel's: the owner's TID in bits 0-29, FUTEX_WAITERS (bit 31) once
// someone waits in the kernel, so that the owner's unlock comes here instead of a user-space
// TID -> 0; FUTEX_OWNER_DIED (bit 30) after an owner died holding the lock (set by the robust
// list walk, or by the hand-over to a waiter at the owner's death). Unlock hands
// the lock straight to the first waiter (the word becomes its TID | FUTEX_WAITERS, as Linux's
// wake_futex_pi, whether more wait or not); with no waiter it becomes 0.
//
// Where the kernel keeps its side. Linux has a pi_state per contended futex, in kernel memory.
// Here the process's threads run on separate workers that share no JS objects, so the state
// is a table in a SharedArrayBuffer (newPiTable, one per process): a lock word (the kernel's
// hash-bucket lock: held only across a few loads and stores, never across a wait) and one
// record per thread slot — the thread's TID, whether it has released its futexes at exit, and
// what it waits for (the PI futex it blocks on and the owner it is attached to, or the non-PI
// futex it waits on to be requeued). A waiter sleeps on the guest word itself with Atomics.wait
// (FutexIo.wait: a signal for it notifies that word, and the owning thread keeps serving the
// others while it sleeps); every hand-over changes the word, so none is missed. The order among
// waiters is first come, first served (a ticket per wait). A dying thread releases its futexes
// under the table lock and is marked dead in the same step, so Linux's transient answers for
// an owner caught half-way through its exit (EBUSY, retried, or EAGAIN) have no window here:
// a locker sees the owner alive (and is handed the lock by its death) or dead (ESRCH).
//
// Not modelled: priorities themselves. Linux orders waiters by priority and boosts the owner to
// its top waiter's; tsemu has no real-time scheduling to boost anything on (sched_setscheduler
// does not change how host threads run), so a PI futex here is a fair, kernel-arbitrated lock
// with Linux's ownership, hand-over, robustness and error rules.
// Private and shared futexes behave alike within the process. Across processes they are not
// supported: MAP_SHARED memory between tsemu processes is a copy today, and the table is the
// process's own, so a word owned by another process's thread looks like a dead owner (ESRCH).
import type { GuestMemory } from '../../cpu/memory.js';
import { MAX_THREADS, PERM_R, PERM_W } from '../../cpu/state.js';
import { E, ERESTARTNOINTR, SysError } from '../errno.js';
import type { FutexWaitResult } from '../kernel.js';
import { exitRobustList } from './robust.js';

export const FUTEX_WAITERS = 0x80000000;
export const FUTEX_OWNER_DIED = 0x40000000;
export const FUTEX_TID_MASK = 0x3fffffff;

const LOCK = 0, TICKETS = 1, HEADER = 4;
/** A thread slot's record: TID, DEAD (released its futexes at exit: Linux's FUTEX_STATE_DEAD),
 *  what it waits for (STATE), on which word (ADDR), in which order (TICKET), attached to which
 *  owner (OWNER, LOCK_WAIT), to be requeued to which PI word (TARGET, REQUEUE_WAIT). */
const TID = 0, DEAD = 1, STATE = 2, ADDR = 3, TICKET = 4, OWNER = 5, TARGET = 6, RECORD_WORDS = 8;
const NONE = 0, LOCK_WAIT = 1, REQUEUE_WAIT = 2, GRANTED = 3;
export const PI_TABLE_WORDS = HEADER + MAX_THREADS * RECORD_WORDS;
/** A requeue moves a waiter without changing the word it sleeps on, so a wake-up can be missed
 *  between its look and its sleep: such a waiter looks again after at most this long. */
const REQUEUE_SLICE_MS = 10;

const rec = (slot: number): number => HEADER + slot * RECORD_WORDS;

export function newPiTable(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(PI_TABLE_WORDS * 4));
}

/** The calling thread, as the PI operations need it. */
export interface PiThread {
  table: Int32Array;
  slot: number;
  tid: number;
}

/** What the PI operations need from the calling thread (a subset of futex.ts FutexIo). */
export interface PiIo {
  mem: GuestMemory;
  wait(addr: number, val: number, timeoutMs: number): FutexWaitResult;
  pi: PiThread;
}

/** A thread now runs in `slot` with `tid` (clone; the first thread at start and after execve). */
export function piThreadStarted(table: Int32Array, slot: number, tid: number): void {
  const r = rec(slot);
  Atomics.store(table, r + STATE, NONE);
  Atomics.store(table, r + DEAD, 0);
  Atomics.store(table, r + TID, tid);
}

/** After execve every other thread is gone: only the first, `pid`, is left. */
export function piTableReset(table: Int32Array, pid: number): void {
  lockTable(table);
  for (let s = 0; s < MAX_THREADS; s++) for (let i = 0; i < RECORD_WORDS; i++) Atomics.store(table, rec(s) + i, 0);
  unlockTable(table);
  piThreadStarted(table, 0, pid);
}

// A futex-style lock on the table's LOCK word: 0 free, 1 held, 2 held with others waiting.
function lockTable(t: Int32Array): void {
  let c = Atomics.compareExchange(t, LOCK, 0, 1);
  if (c === 0) return;
  if (c !== 2) c = Atomics.exchange(t, LOCK, 2);
  while (c !== 0) {
    Atomics.wait(t, LOCK, 2);
    c = Atomics.exchange(t, LOCK, 2);
  }
}

function unlockTable(t: Int32Array): void {
  if (Atomics.sub(t, LOCK, 1) !== 1) {
    Atomics.store(t, LOCK, 0);
    Atomics.notify(t, LOCK, 1);
  }
}

function locked<T>(t: Int32Array, fn: () => T): T {
  lockTable(t);
  try {
    return fn();
  } finally {
    unlockTable(t);
  }
}

/** Is `tid` a thread of this process that has not released its futexes (exit)? */
function live(t: Int32Array, tid: number): boolean {
  for (let s = 0; s < MAX_THREADS; s++) {
    const r = rec(s);
    if (Atomics.load(t, r + TID) === tid && !Atomics.load(t, r + DEAD)) return true;
  }
  return false;
}

/** The slots in `state` waiting on `addr`, first come first. */
function waitersOn(t: Int32Array, addr: number, state: number): number[] {
  const slots: number[] = [];
  for (let s = 0; s < MAX_THREADS; s++) {
    const r = rec(s);
    if (Atomics.load(t, r + STATE) === state && Atomics.load(t, r + ADDR) >>> 0 === addr) slots.push(s);
  }
  return slots.sort((a, b) => (Atomics.load(t, rec(a) + TICKET) - Atomics.load(t, rec(b) + TICKET)) | 0);
}

function enqueue(t: Int32Array, slot: number, state: number, addr: number, owner: number, target: number): void {
  const r = rec(slot);
  Atomics.store(t, r + ADDR, addr);
  Atomics.store(t, r + OWNER, owner);
  Atomics.store(t, r + TARGET, target);
  Atomics.store(t, r + TICKET, Atomics.add(t, TICKETS, 1));
  Atomics.store(t, r + STATE, state);
}

/** Compare-and-exchange the guest word (EFAULT unless writable; a code page's translations go). */
function cas(mem: GuestMemory, uaddr: number, from: number, to: number): boolean {
  mem.writableView(uaddr, 4);
  const words = new Int32Array(mem.memory.buffer);
  return Atomics.compareExchange(words, uaddr / 4, from | 0, to | 0) === (from | 0);
}

/**
 * Linux's futex_lock_pi_atomic, under the table lock: take the futex for `tid` (0), or make the
 * word say FUTEX_WAITERS and return the owner to wait for. `setWaiters`: a requeue takes it for
 * a waiter while others may follow, so the new owner must unlock through the kernel.
 */
function lockAtomic(mem: GuestMemory, t: Int32Array, uaddr: number, tid: number, setWaiters: boolean): number {
  for (;;) {
    const uval = mem.readU32(uaddr);
    const owner = uval & FUTEX_TID_MASK;
    if (owner === tid) throw new SysError(E.EDEADLK);
    const waiters = waitersOn(t, uaddr, LOCK_WAIT);
    if (uval === 0) {
      // Free in user space while the kernel has waiters: the word was corrupted.
      if (waiters.length) throw new SysError(E.EINVAL);
      if (cas(mem, uaddr, 0, tid | (setWaiters ? FUTEX_WAITERS : 0))) return 0;
      continue;
    }
    if (waiters.length) {
      // attach_to_pi_state: the waiters' owner must be the one the word names.
      const attached = Atomics.load(t, rec(waiters[0]) + OWNER);
      if (owner !== attached) throw new SysError(E.EINVAL);
      if (uval & FUTEX_WAITERS || cas(mem, uaddr, uval, uval | FUTEX_WAITERS)) return attached;
      continue;
    }
    if (owner === 0) {
      // No owner (it died holding a robust lock, or a stray FUTEX_WAITERS): take it over,
      // keeping FUTEX_OWNER_DIED so that the new owner learns (glibc: EOWNERDEAD).
      if (cas(mem, uaddr, uval, (uval & FUTEX_OWNER_DIED) | tid | (setWaiters ? FUTEX_WAITERS : 0))) return 0;
      continue;
    }
    // handle_exit_race: the owner is no live thread and the word did not change meanwhile:
    // Linux gives up with ESRCH (no robust list marked it; or it is another process's).
    if (!live(t, owner)) {
      if (mem.readU32(uaddr) !== uval) continue;
      throw new SysError(E.ESRCH);
    }
    if (uval & FUTEX_WAITERS || cas(mem, uaddr, uval, uval | FUTEX_WAITERS)) return owner;
  }
}

/** Give the futex at `uaddr`, whose word holds `uval`, to the waiter in slot `top` (Linux's
 *  wake_futex_pi). At an owner's death with FUTEX_OWNER_DIED set, robust mutex or not, as
 *  Linux's fixup_pi_state_owner does for a pi_state left with no owner. False if the word
 *  changed under us. */
function handOver(mem: GuestMemory, t: Int32Array, uaddr: number, uval: number, top: number, ownerDied: boolean): boolean {
  const newOwner = Atomics.load(t, rec(top) + TID);
  const newval = ((ownerDied ? FUTEX_OWNER_DIED : 0) | FUTEX_WAITERS | newOwner) >>> 0;
  if (!cas(mem, uaddr, uval, newval)) return false;
  for (const s of waitersOn(t, uaddr, LOCK_WAIT)) Atomics.store(t, rec(s) + OWNER, newOwner);
  Atomics.store(t, rec(top) + STATE, GRANTED);
  Atomics.notify(new Int32Array(mem.memory.buffer), uaddr / 4);
  return true;
}

/**
 * Sleep until the lock is handed to this thread. Returns 'owned', or why it stopped waiting
 * (the record is then still queued: see leaveQueue).
 */
function sleepUntilGranted(io: PiIo, msLeft: (() => number) | null): 'owned' | 'timed-out' | 'interrupted' {
  const { table: t, slot, tid } = io.pi;
  const r = rec(slot);
  const words = new Int32Array(io.mem.memory.buffer);
  for (;;) {
    const addr = Atomics.load(t, r + ADDR) >>> 0;
    // The word first, then the state: a hand-over changes the word before it marks the record.
    const v = Atomics.load(words, addr / 4);
    const state = Atomics.load(t, r + STATE);
    if (state === GRANTED) return 'owned';
    if (Atomics.load(t, r + ADDR) >>> 0 !== addr) continue; // requeued meanwhile
    if (state === LOCK_WAIT && (v & FUTEX_TID_MASK) === tid) {
      // Being handed over right now, between the word and the record: the giver holds the
      // table lock until it is done.
      locked(t, () => undefined);
      continue;
    }
    const left = msLeft ? msLeft() : Infinity;
    if (left <= 0) return 'timed-out';
    const ms = state === REQUEUE_WAIT ? Math.min(left, REQUEUE_SLICE_MS) : left;
    const start = performance.now();
    const r2 = io.wait(addr, v, ms);
    if (r2 === 'interrupted') return 'interrupted';
    // A wait that says it timed out before its time did not sleep (a test's stand-in for the
    // host wait): leave as if interrupted rather than go round without end.
    if (r2 === 'timed-out' && performance.now() - start < ms - 1 && !(msLeft && msLeft() <= 0)) return 'interrupted';
  }
}

/** Stop waiting (a timeout, a signal): the state it was in, GRANTED if the lock came anyway. */
function leaveQueue(t: Int32Array, slot: number): number {
  return locked(t, () => {
    const state = Atomics.load(t, rec(slot) + STATE);
    Atomics.store(t, rec(slot) + STATE, NONE);
    return state;
  });
}

/** The record says who the caller is: a fork or an execve changes the first thread's TID. */
function enter(pi: PiThread): void {
  Atomics.store(pi.table, rec(pi.slot) + TID, pi.tid);
}

/**
 * FUTEX_LOCK_PI, LOCK_PI2 (`msLeft`: time to the absolute deadline, null for none) and
 * TRYLOCK_PI. A signal makes the call restart after the handler (ERESTARTNOINTR: never EINTR),
 * as Linux's futex_lock_pi; the deadline is absolute, so the restart keeps it.
 */
export function lockPi(io: PiIo, uaddr: number, msLeft: (() => number) | null, trylock: boolean): number {
  const { mem, pi } = io;
  const t = pi.table;
  enter(pi);
  const owner = locked(t, () => {
    const o = lockAtomic(mem, t, uaddr, pi.tid, false);
    // Linux's trylock attaches (FUTEX_WAITERS stays set) and then fails to take the rt_mutex.
    if (o && !trylock) enqueue(t, pi.slot, LOCK_WAIT, uaddr, o, 0);
    return o;
  });
  if (!owner) return 0;
  if (trylock) throw new SysError(E.EAGAIN);
  const r = sleepUntilGranted(io, msLeft);
  if (r !== 'owned' && leaveQueue(t, pi.slot) !== GRANTED) {
    throw new SysError(r === 'timed-out' ? E.ETIMEDOUT : ERESTARTNOINTR);
  }
  Atomics.store(t, rec(pi.slot) + STATE, NONE);
  return 0;
}

/** FUTEX_UNLOCK_PI: only the owner may; the first waiter gets the lock, else the word is 0. */
export function unlockPi(io: PiIo, uaddr: number): number {
  const { mem, pi } = io;
  enter(pi);
  return locked(pi.table, () => {
    for (;;) {
      const uval = mem.readU32(uaddr);
      if ((uval & FUTEX_TID_MASK) !== pi.tid) throw new SysError(E.EPERM);
      const [top] = waitersOn(pi.table, uaddr, LOCK_WAIT);
      if (top !== undefined) {
        if (handOver(mem, pi.table, uaddr, uval, top, false)) return 0;
        continue;
      }
      // No waiter: neither FUTEX_WAITERS nor FUTEX_OWNER_DIED is kept. A word changed under
      // us is left to user space (Linux: EAGAIN).
      if (!cas(mem, uaddr, uval, 0)) throw new SysError(E.EAGAIN);
      return 0;
    }
  });
}

/**
 * FUTEX_WAIT_REQUEUE_PI: wait on the non-PI `uaddr` (holding `val`) until a CMP_REQUEUE_PI
 * takes the PI futex `uaddr2` for this thread or queues it there, then until it owns uaddr2.
 * A signal before the requeue restarts the call; after it, the call fails with EAGAIN (Linux
 * cannot restart it either: uaddr has moved on).
 */
export function waitRequeuePi(io: PiIo, uaddr: number, val: number, msLeft: (() => number) | null, uaddr2: number): number {
  const { mem, pi } = io;
  const t = pi.table;
  if (uaddr2 % 4 !== 0 || uaddr === uaddr2) throw new SysError(E.EINVAL);
  enter(pi);
  locked(t, () => {
    const current = mem.readU32(uaddr);
    mem.check(uaddr2, 4, PERM_R | PERM_W);
    if (current !== val >>> 0) throw new SysError(E.EAGAIN);
    enqueue(t, pi.slot, REQUEUE_WAIT, uaddr, 0, uaddr2);
  });
  const r = sleepUntilGranted(io, msLeft);
  if (r !== 'owned') {
    const state = leaveQueue(t, pi.slot);
    if (state !== GRANTED) {
      if (r === 'timed-out') throw new SysError(E.ETIMEDOUT);
      throw new SysError(state === REQUEUE_WAIT ? ERESTARTNOINTR : E.EAGAIN);
    }
  }
  Atomics.store(t, rec(pi.slot) + STATE, NONE);
  return 0;
}

/**
 * FUTEX_CMP_REQUEUE_PI: if *uaddr still holds `cmpval`, take the PI futex uaddr2 for the first
 * waiter of uaddr if it is free (that one is woken owning it), and queue waiters on uaddr2, up
 * to 1 + nrRequeue moved in all. Returns how many were woken or moved. Only WAIT_REQUEUE_PI
 * waiters are seen: a plain FUTEX_WAIT waiter on uaddr sleeps in Atomics.wait, out of the
 * table's sight, where Linux would answer EINVAL for it.
 */
export function cmpRequeuePi(io: PiIo, uaddr: number, nrWake: number, nrRequeue: number, uaddr2: number, cmpval: number): number {
  const { mem, pi } = io;
  const t = pi.table;
  if (uaddr2 % 4 !== 0 || uaddr === uaddr2 || nrWake !== 1 || nrRequeue < 0) throw new SysError(E.EINVAL);
  enter(pi);
  return locked(t, () => {
    const current = mem.readU32(uaddr);
    mem.check(uaddr2, 4, PERM_R | PERM_W);
    if (current !== cmpval >>> 0) throw new SysError(E.EAGAIN);
    const waiters = waitersOn(t, uaddr, REQUEUE_WAIT);
    if (!waiters.length) return 0;
    let moved = 0;
    const limit = nrRequeue + 1;
    const words = new Int32Array(mem.memory.buffer);
    for (const s of waiters) {
      if (moved >= limit) break;
      const r = rec(s);
      if (Atomics.load(t, r + TARGET) >>> 0 !== uaddr2) {
        if (moved) break; // Linux stops there with EINVAL, leaving the moved ones moved
        throw new SysError(E.EINVAL);
      }
      const owner = lockAtomic(mem, t, uaddr2, Atomics.load(t, r + TID), true);
      if (owner === 0) {
        Atomics.store(t, r + ADDR, uaddr2);
        Atomics.store(t, r + STATE, GRANTED);
      } else {
        enqueue(t, s, LOCK_WAIT, uaddr2, owner, 0);
      }
      moved++;
    }
    Atomics.notify(words, uaddr / 4);
    return moved;
  });
}

/**
 * A thread's futexes at its death (or execve), Linux's futex_cleanup: its robust list is
 * walked (robust.ts: FUTEX_OWNER_DIED on the words it held), then every PI futex it owned that
 * others wait on goes to its first waiter (exit_pi_state_list) with FUTEX_OWNER_DIED set, so
 * that a robust mutex reports EOWNERDEAD (glibc asserts on a plain PI mutex that comes back
 * so: Linux's rule, kept); from then on its TID counts as dead (a locker
 * of a word still naming it gets ESRCH). All under the table lock, so that no locker attaches
 * to it in between.
 */
export function futexExitRelease(mem: GuestMemory, t: Int32Array, slot: number, tid: number, robustHead: number): void {
  lockTable(t);
  try {
    exitRobustList(mem, robustHead, tid);
    for (let owned = ownedBy(t, tid); owned >= 0; owned = ownedBy(t, tid)) {
      const addr = Atomics.load(t, rec(owned) + ADDR) >>> 0;
      const [top] = waitersOn(t, addr, LOCK_WAIT);
      const words = new Int32Array(mem.memory.buffer);
      for (;;) {
        const uval = Atomics.load(words, addr / 4) >>> 0;
        try {
          if (handOver(mem, t, addr, uval, top, true)) break;
        } catch {
          // The word is no longer writable: the waiters cannot be told through it. Give up on
          // them as Linux's fixup would fail: they wait on (until their timeout or a signal).
          for (const s of waitersOn(t, addr, LOCK_WAIT)) Atomics.store(t, rec(s) + OWNER, 0);
          break;
        }
      }
    }
    Atomics.store(t, rec(slot) + DEAD, 1);
    Atomics.store(t, rec(slot) + STATE, NONE);
  } finally {
    unlockTable(t);
  }
}

/** A slot waiting on a PI futex owned by `tid`, or -1. */
function ownedBy(t: Int32Array, tid: number): number {
  for (let s = 0; s < MAX_THREADS; s++) {
    const r = rec(s);
    if (Atomics.load(t, r + STATE) === LOCK_WAIT && Atomics.load(t, r + OWNER) === tid) return s;
  }
  return -1;
}
