// The robust futex list walk a thread's death makes (src/syscalls/process/robust.ts), on lists
// laid out as glibc lays them out, against the rules of Linux's kernel/futex/core.c
// (exit_robust_list, handle_futex_death): only words whose TID bits name the dying thread are
// marked, FUTEX_OWNER_DIED is set and FUTEX_WAITERS kept, the TID dropped; list_op_pending is
// handled last, and one whose unlock was under way (TID 0) still gets a wake-up; a bad pointer
// ends the walk.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitRobustList } from '../../src/syscalls/process/robust.js';
import { BUF, E, makeGuest, type Guest } from './harness.js';

const WAITERS = 0x80000000, OWNER_DIED = 0x40000000;
const TID = 4242;
/** glibc's struct pthread_mutex_t keeps its list entry 32 bytes past the futex word; futex_offset is negative. */
const OFFSET = -32;

let g: Guest;
beforeEach(() => { g = makeGuest(); });
afterEach(() => { g.cleanup(); });

/** A head at BUF and entries at BUF + 0x100 * (i + 1); returns the futex word addresses. */
function layout(words: number[], opts: { pending?: number; pi?: number[]; end?: number } = {}): number[] {
  const head = BUF;
  const entry = (i: number) => BUF + 0x100 * (i + 1) + 32;
  const futex = (i: number) => entry(i) + OFFSET;
  words.forEach((w, i) => {
    g.mem.writeU32(futex(i), w);
    const next = i + 1 < words.length ? entry(i + 1) : opts.end ?? head;
    g.mem.writeU64(entry(i), BigInt(next) | (opts.pi?.includes(i + 1) ? 1n : 0n));
  });
  g.mem.writeU64(head, words.length ? BigInt(entry(0)) | (opts.pi?.includes(0) ? 1n : 0n) : BigInt(head));
  g.mem.writeU64(head + 8, BigInt.asUintN(64, BigInt(OFFSET)));
  g.mem.writeU64(head + 16, opts.pending === undefined ? 0n : BigInt(entry(opts.pending)));
  return words.map((_, i) => futex(i));
}

describe('robust futex list at thread death', () => {
  it('marks the words the thread owns, keeping FUTEX_WAITERS and dropping the TID', () => {
    const at = layout([TID, (TID | WAITERS) >>> 0, 777, (777 | WAITERS) >>> 0, 0]);
    exitRobustList(g.mem, BUF, TID);
    expect(at.map((a) => g.mem.readU32(a))).toEqual([OWNER_DIED, (OWNER_DIED | WAITERS) >>> 0, 777, (777 | WAITERS) >>> 0, 0]);
  });

  it('handles list_op_pending last, and only as its owner', () => {
    const at = layout([TID, TID], { pending: 1 });
    exitRobustList(g.mem, BUF, TID);
    expect(g.mem.readU32(at[0])).toBe(OWNER_DIED);
    expect(g.mem.readU32(at[1])).toBe(OWNER_DIED); // pending, owned: marked too
    const other = layout([TID, 999], { pending: 1 });
    exitRobustList(g.mem, BUF, TID);
    expect(g.mem.readU32(other[1])).toBe(999);
  });

  it('wakes a waiter of a word it marks with FUTEX_WAITERS set', async () => {
    const [word] = layout([(TID | WAITERS) >>> 0]);
    const words = new Int32Array(g.mem.memory.buffer);
    const waiting = Atomics.waitAsync(words, word / 4, (TID | WAITERS) | 0, 5000);
    expect(waiting.async).toBe(true);
    exitRobustList(g.mem, BUF, TID);
    expect(await waiting.value).toBe('ok');
  });

  it('stops at a bad pointer, and at the list head of an empty list', () => {
    const at = layout([TID, TID], { end: 0xdead0000 });
    exitRobustList(g.mem, BUF, TID); // the second entry's next is unmapped: both marked, then stop
    expect(at.map((a) => g.mem.readU32(a))).toEqual([OWNER_DIED, OWNER_DIED]);
    layout([]);
    exitRobustList(g.mem, BUF, TID);
    exitRobustList(g.mem, 0xdead0000, TID);
    exitRobustList(g.mem, 0, TID);
  });

  it('set_robust_list takes exactly a 24-byte head, get_robust_list gives it back', () => {
    expect(g.call('set_robust_list', BUF, 25)).toBe(-E.EINVAL);
    expect(g.call('set_robust_list', BUF + 64, 24)).toBe(0);
    expect(g.call('get_robust_list', 0, BUF + 0x1000, BUF + 0x1008)).toBe(0);
    expect(g.mem.readU64(BUF + 0x1000)).toBe(BigInt(BUF + 64));
    expect(g.mem.readU64(BUF + 0x1008)).toBe(24n);
    expect(g.call('get_robust_list', 999999, BUF + 0x1000, BUF + 0x1008)).toBe(-E.ESRCH);
  });
});
