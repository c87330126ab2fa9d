// Memory-mapped devices as the CPU sees them (system mode). Device pages carry no permission in
// the page table generated code checks, so any access to one leaves translated code as a
// precise fault; the run loop then performs that one instruction again in the first tier with
// its loads and stores sent here (translate/io-emitter.ts). Instructions keep one definition,
// and the fast path of every RAM access is untouched: no device check is ever emitted.
export interface IoBus {
  /** Whether a device answers at this physical address. */
  claims(addr: number): boolean;
  /** Read `size` (1, 2 or 4) bytes; wider accesses arrive as 4-byte halves. */
  read(addr: number, size: number): number;
  write(addr: number, size: number, value: number): void;
}

/** Stage-1 translation for the first tier's memory accesses and instruction fetch (system mode
 *  with the MMU on; see translate/mmu-emitter.ts). */
export interface AddressTranslation {
  /** The physical address of [va, va+size) for this access, or -1 after recording the fault
   *  for the run loop, or -2 when the access crosses onto a page that is not physically next:
   *  then `split` says where its two parts are (in RAM). */
  data(va: bigint, size: number, write: boolean): number;
  readonly split: { first: number; firstLength: number; second: number };
  /** The same from a TLB of recent answers, without BigInt (va = hi:lo, each unsigned 32
   *  bits); -1 when it has none (then `data` answers, faults included). */
  cached(lo: number, hi: number, size: number, write: boolean): number;
  /** The physical address of the instruction at va, or -1 (fault recorded). */
  fetch(va: number): number;
  /** The exception level translations are made for now: code translated at one level (its
   *  execute permission) is not run at another. */
  readonly level: number;
}
