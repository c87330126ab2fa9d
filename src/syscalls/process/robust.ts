// Robust futex lists (set_robust_list). glibc keeps, per thread, a list of the robust mutexes
// the thread holds, in its own memory, and registers the list's head with the kernel. When the
// thread dies the kernel walks that list, as Linux's exit_robust_list and handle_futex_death
// (kernel/futex/core.c) do here: each futex word whose owner TID is the dead thread gets
// FUTEX_OWNER_DIED (keeping FUTEX_WAITERS, dropping the TID), and one waiter is woken if any
// waited, so that the next pthread_mutex_lock returns EOWNERDEAD instead of hanging.
// Written against GuestMemory alone: a thread's worker walks its own list as it dies
// (threads/thread-worker.ts), the owning thread walks the first thread's (exit); both through
// futex-pi.ts futexExitRelease, which then hands the PI futexes the thread held to their waiters.
import { GuestFault, type GuestMemory } from '../../cpu/memory.js';

/** sizeof(struct robust_list_head): next, futex_offset, list_op_pending. */
export const ROBUST_LIST_HEAD_SIZE = 24;

const FUTEX_WAITERS = 0x80000000;
const FUTEX_OWNER_DIED = 0x40000000;
const FUTEX_TID_MASK = 0x3fffffff;
/** Linux stops after this many entries, so a circular list cannot hold a dying thread forever. */
const ROBUST_LIST_LIMIT = 2048;

/** A list pointer: bit 0 marks a PI futex (fetch_robust_entry). */
function fetchEntry(mem: GuestMemory, at: number): [entry: number, pi: boolean] {
  const raw = mem.readU64(at);
  return [Number(raw & ~1n), (raw & 1n) !== 0n];
}

/** Walk the robust list at `head` of the thread `tid`, which is dying (or exec'ing). A fault
 *  anywhere ends the walk quietly, as in Linux. */
export function exitRobustList(mem: GuestMemory, head: number, tid: number): void {
  if (!head) return;
  try {
    let [entry, pi] = fetchEntry(mem, head);
    const offset = Number(BigInt.asIntN(64, mem.readU64(head + 8)));
    const [pending, pendingPi] = fetchEntry(mem, head + 16);
    for (let limit = ROBUST_LIST_LIMIT; entry !== head;) {
      // Fetch the next entry before the futex is marked: another thread may take the mutex
      // (and reuse the entry) as soon as it is.
      let next: [number, boolean] | null = null;
      try {
        next = fetchEntry(mem, entry);
      } catch (err) {
        if (!(err instanceof GuestFault)) throw err;
      }
      // The entry being locked or unlocked right now is handled last, as list_op_pending.
      if (entry !== pending && !futexDeath(mem, entry + offset, tid, pi, false)) return;
      if (!next) return;
      [entry, pi] = next;
      if (!--limit) break;
    }
    if (pending) futexDeath(mem, pending + offset, tid, pendingPi, true);
  } catch (err) {
    if (!(err instanceof GuestFault)) throw err;
  }
}

/** handle_futex_death: false ends the walk (a misaligned or unreadable word). */
function futexDeath(mem: GuestMemory, uaddr: number, tid: number, pi: boolean, pendingOp: boolean): boolean {
  if (uaddr % 4 !== 0 || uaddr < 0) return false;
  const words = new Int32Array(mem.memory.buffer);
  const i = uaddr / 4;
  for (;;) {
    let uval: number;
    try {
      uval = mem.readU32(uaddr);
    } catch {
      return false;
    }
    const owner = uval & FUTEX_TID_MASK;
    // A non-PI unlock was under way (the word already released): its waiter may have missed
    // the wake-up that unlock would have made, so make it.
    if (pendingOp && !pi && owner === 0) {
      Atomics.notify(words, i, 1);
      return true;
    }
    if (owner !== tid) return true;
    const mval = ((uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0;
    try {
      mem.writableView(uaddr, 4); // a write fault ends the walk; translations there are dropped
    } catch {
      return false;
    }
    if ((Atomics.compareExchange(words, i, uval | 0, mval | 0) >>> 0) !== uval) continue; // changed meanwhile
    // PI futexes are handed to their waiters after the walk (futex-pi.ts futexExitRelease,
    // Linux's exit_pi_state_list), keeping FUTEX_OWNER_DIED set here.
    if (!pi && (uval & FUTEX_WAITERS)) Atomics.notify(words, i, 1);
    return true;
  }
}
