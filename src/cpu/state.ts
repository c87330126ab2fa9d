// Layout of the 4 GiB guest window. In user mode a guest virtual address is the offset into one
// shared WebAssembly.Memory, so tsemu's own data (CPU state, permission table, jump cache) lives
// in the window too: at its top, above GUEST_END, where no guest mapping can ever be placed
// (GuestMemory.map refuses it; mmap treats it as Linux treats addresses above TASK_SIZE). Those
// pages keep permission 0, so a guest load, store or jump there faults like any unmapped page,
// and the guard gap below the data means an overrun from the guest's top page faults too.
//
//   0 .. GUEST_MIN          never mapped: Linux's mmap_min_addr (0x10000); null pointers fault
//   GUEST_MIN .. GUEST_END  the guest's: ELF images, brk, mmap, stack
//   GUEST_END .. +1 MiB     guard, never mapped
//   THREAD_SCRATCH_BASE     the first tier's scratch areas of the other guest threads (6 MiB)
//   STATE_BASE              CPU state (1 MiB set aside: one state block per thread)
//   SCRATCH_BASE            the first thread's first-tier scratch
//   PERM_BASE               one permission byte per 4 KiB page of the window (1 MiB)
//   JCACHE_BASE             jump cache (1 MiB)
//   THREAD_JCACHE_BASE      smaller jump caches of the other guest threads (3 MiB)
//
// Generated code uses these as compile-time constants (wasm memarg offsets): moving them costs
// nothing at run time.

import type { SysSlot, Ty } from './emitter.js';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
/** The 4 GiB window every guest mapping lives in. */
export const ADDRESS_LIMIT = 2 ** 32;
export const MEMORY_PAGES = 65536; // wasm pages of 64 KiB: the whole 4 GiB window

/** Lowest address a guest mapping may use: Linux's default mmap_min_addr (Go links text here). */
export const GUEST_MIN = 0x10000;
/** End of what the guest may map: its TASK_SIZE. Everything above belongs to tsemu. */
export const GUEST_END = 0xff200000;

/** CPU state: registers at fixed offsets (see REG below). */
export const STATE_BASE = 0xff900000;
/** The first thread's first-tier scratch (see threadScratch). */
export const SCRATCH_BASE = 0xffa00000;
export const SCRATCH_SIZE = 0x100000;
/** One permission byte per 4 KiB guest page. */
export const PERM_BASE = 0xffb00000;
/** Direct-mapped jump cache: guest pc → table slot of its translation. */
export const JCACHE_BASE = 0xffc00000;
export const JCACHE_ENTRIES = 65536;
export const JCACHE_ENTRY_SIZE = 16;

/** Guest threads (src/threads/): thread slot 0 is the first thread and uses STATE_BASE and
 *  JCACHE_BASE; slot k > 0 has its state block k blocks above STATE_BASE and a jump cache of
 *  its own (each thread's table numbers its translations differently) in the 3 MiB above the
 *  first one's. That space is what bounds the number of threads alive at once (the state
 *  blocks would allow 1024): the first BIG_JCACHE_SLOTS other threads (slots are taken lowest
 *  first, so a program with few threads has only these) get 8192 entries each, the next ones
 *  1024 each (16 KiB), enough for a pool of 64 or 128 threads or Go's thread per blocked call;
 *  a smaller cache costs its thread more returns to the run loop, not correctness. */
export const STATE_SLOT_SIZE = 0x400;
export const THREAD_JCACHE_BASE = 0xffd00000;
const THREAD_JCACHE_SPACE = 3 * 2 ** 20;
const BIG_JCACHE_ENTRIES = 8192;
const BIG_JCACHE_SLOTS = 8;
const SMALL_JCACHE_ENTRIES = 1024;
const SMALL_JCACHE_BASE = THREAD_JCACHE_BASE + BIG_JCACHE_SLOTS * BIG_JCACHE_ENTRIES * JCACHE_ENTRY_SIZE;
/** Thread slots, the first thread's included: 1 + 8 + 128 = 137. */
export const MAX_THREADS = 1 + BIG_JCACHE_SLOTS +
  (THREAD_JCACHE_SPACE - BIG_JCACHE_SLOTS * BIG_JCACHE_ENTRIES * JCACHE_ENTRY_SIZE) / (SMALL_JCACHE_ENTRIES * JCACHE_ENTRY_SIZE);
export const threadStateBase = (slot: number): number => STATE_BASE + slot * STATE_SLOT_SIZE;
export const threadJumpCache = (slot: number): { base: number; entries: number } => {
  if (slot === 0) return { base: JCACHE_BASE, entries: JCACHE_ENTRIES };
  if (slot <= BIG_JCACHE_SLOTS) {
    return { base: THREAD_JCACHE_BASE + (slot - 1) * BIG_JCACHE_ENTRIES * JCACHE_ENTRY_SIZE, entries: BIG_JCACHE_ENTRIES };
  }
  return { base: SMALL_JCACHE_BASE + (slot - 1 - BIG_JCACHE_SLOTS) * SMALL_JCACHE_ENTRIES * JCACHE_ENTRY_SIZE, entries: SMALL_JCACHE_ENTRIES };
};
/** Each guest thread's first tier (translate/eval-emitter.ts) has a scratch area of its own for
 *  its temporaries and constants: slot 0 the 1 MiB at SCRATCH_BASE, slot k > 0 one in the 6 MiB
 *  below STATE_BASE: the first BIG_JCACHE_SLOTS other threads (as with jump caches) 256 KiB
 *  each, the rest 32 KiB. Measured: python3 -c with json, re and decimal, the whole run in the
 *  first tier, takes ~200 KiB of constants (2 KiB of temporaries at most for one instruction);
 *  a thread whose constants fill its area drops its first-tier blocks and starts again (bounded
 *  per thread). */
export const THREAD_SCRATCH_SIZE = 0x40000;
const SMALL_SCRATCH_SIZE = 0x8000;
export const THREAD_SCRATCH_BASE = STATE_BASE - BIG_JCACHE_SLOTS * THREAD_SCRATCH_SIZE - (MAX_THREADS - 1 - BIG_JCACHE_SLOTS) * SMALL_SCRATCH_SIZE;
export const threadScratch = (slot: number): { base: number; size: number } => {
  if (slot === 0) return { base: SCRATCH_BASE, size: SCRATCH_SIZE };
  if (slot <= BIG_JCACHE_SLOTS) return { base: THREAD_SCRATCH_BASE + (slot - 1) * THREAD_SCRATCH_SIZE, size: THREAD_SCRATCH_SIZE };
  return { base: THREAD_SCRATCH_BASE + BIG_JCACHE_SLOTS * THREAD_SCRATCH_SIZE + (slot - 1 - BIG_JCACHE_SLOTS) * SMALL_SCRATCH_SIZE, size: SMALL_SCRATCH_SIZE };
};
if (THREAD_SCRATCH_BASE < GUEST_END + 0x100000) throw new Error('internal error: thread scratch areas overlap the guard below them');

/** Page permission bits. CODE marks pages holding translated code: a store there invalidates. */
export const PERM_R = 1;
export const PERM_W = 2;
export const PERM_X = 4;
export const PERM_CODE = 8;

/** Offsets from STATE_BASE. */
export const REG = {
  x: (n: number) => n * 8, // x0..x30; 31 is SP
  sp: 31 * 8,
  pc: 32 * 8,
  n: 264,
  z: 268,
  c: 272,
  v: 276,
  fpcr: 280,
  fpsr: 284,
  tpidr: 288,
  exclAddr: 296,
  exclVal: 304,
  exclVal2: 312,
  exclSize: 320,
  /** Fault information written by generated code before it exits with Exit.Fault. */
  faultAddr: 328,
  faultKind: 336,
  /** Blocks left before generated code returns to the run loop (checked at each block entry). */
  budget: 340,
  /** Immediate of SVC/BRK, or the Sync kind, for the run loop. */
  exitArg: 344,
  /** i64 argument of a Sync exit (e.g. IC IVAU address). */
  syncArg: 352,
  vreg: (n: number) => 0x200 + n * 16,
} as const;

/** Where each named system slot of the Emitter interface lives in the CPU state, and its type. */
export const SYS_SLOT: Record<SysSlot, readonly [number, Ty]> = {
  tpidr: [REG.tpidr, 'i64'], fpcr: [REG.fpcr, 'i32'], fpsr: [REG.fpsr, 'i32'], exclAddr: [REG.exclAddr, 'i64'],
  exclVal: [REG.exclVal, 'i64'], exclVal2: [REG.exclVal2, 'i64'], exclSize: [REG.exclSize, 'i32'],
};
export const STATE_SIZE = 0x200 + 32 * 16;

/** Why generated code returned to the run loop. The guest pc is in the state. */
export enum Exit {
  /** Next block not in the jump cache. */
  Miss = 1,
  Svc = 2,
  /** Memory fault; faultAddr/faultKind say which. pc is the faulting instruction. */
  Fault = 3,
  /** Budget ran out; pc is the next block. */
  Budget = 4,
  /** Trap (SIGILL/SIGTRAP): exitArg has the Trap kind, syncArg the immediate; pc is the instruction. */
  Trap = 5,
  /** Sync request (see Sync in emitter.ts); pc is the next instruction. */
  Sync = 6,
}

export enum FaultKind {
  Read = 1,
  /** Store to a page that is not writable, or that holds translated code. */
  Write = 2,
  Align = 3,
  /** System mode with the MMU on: stage-1 translation refused the access (the run loop's
   *  translation object knows the details). */
  Translation = 4,
}
