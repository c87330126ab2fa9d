// What a single-register load or store moves, decoded from its size/V/opc fields, and the two
// halves of performing it: the memory access, then the register write. Every instruction does
// all of its memory accesses before it writes any register, so a fault leaves the state as it
// was before the instruction (writeback included).
import type { Emitter, Val } from '../emitter.js';

export type Size = 1 | 2 | 4 | 8 | 16;

export interface Access {
  op: 'load' | 'store' | 'prefetch';
  size: Size;
  /** SIMD&FP register (B/H/S/D/Q) rather than a general-purpose one. */
  fp: boolean;
  /** Loads: sign-extend to 32 or 64 bits; 0 zero-extends. */
  sext: 0 | 32 | 64;
}

/** The size/V/opc decoding shared by all single-register forms. null: unallocated. */
export function decodeAccess(size: number, v: number, opc: number): Access | null {
  if (v) {
    if (opc & 2) return size === 0 ? { op: opc & 1 ? 'load' : 'store', size: 16, fp: true, sext: 0 } : null;
    return { op: opc ? 'load' : 'store', size: (1 << size) as Size, fp: true, sext: 0 };
  }
  const bytes = (1 << size) as Size;
  switch (opc) {
    case 0: return { op: 'store', size: bytes, fp: false, sext: 0 };
    case 1: return { op: 'load', size: bytes, fp: false, sext: 0 };
    case 2: return size === 3 ? { op: 'prefetch', size: 8, fp: false, sext: 0 } : { op: 'load', size: bytes, fp: false, sext: 64 };
    default: return size <= 1 ? { op: 'load', size: bytes, fp: false, sext: 32 } : null;
  }
}

export const log2 = (n: number): number => 31 - Math.clz32(n);

const ZERO16 = new Array<number>(16).fill(0);

/** A zero v128 with `v` (an i64 already zero-extended from its access size) in the low bits. */
export function scalarToVector(e: Emitter, v: Val): Val {
  return e.op('i64x2.replace_lane', [e.v128(ZERO16), v], 0);
}

/** The low 64 bits of Vn as an i64 (what B/H/S/D stores take their bytes from). */
export function vectorLow(e: Emitter, n: number): Val {
  return e.op('i64x2.extract_lane', [e.v(n)], 0);
}

/** Sign-extend a zero-extended `size`-byte load as the access asks; result i64 (upper half of a
 *  32-bit result still to be cleared by setX(.., 0)). */
export function extendLoaded(e: Emitter, v: Val, size: Size, sext: 0 | 32 | 64): Val {
  if (!sext) return v;
  switch (size) {
    case 1: return e.op('i64.extend8_s', [v]);
    case 2: return e.op('i64.extend16_s', [v]);
    default: return e.op('i64.extend32_s', [v]);
  }
}

/** Write a loaded value to register `rt` as the access asks. */
export function writeLoaded(e: Emitter, acc: Access, rt: number, v: Val): void {
  if (acc.fp) {
    e.setV(rt, acc.size === 16 ? v : scalarToVector(e, v));
    return;
  }
  e.setX(rt, extendLoaded(e, v, acc.size, acc.sext), acc.sext === 32 ? 0 : 1);
}

/** The value a store of register `rt` writes (i64, or v128 for Q). */
export function storedValue(e: Emitter, acc: Access, rt: number): Val {
  if (!acc.fp) return e.x(rt);
  return acc.size === 16 ? e.v(rt) : vectorLow(e, rt);
}

/**
 * Perform the memory side of a single-register access at `addr`. Returns the register write
 * still to be done (a no-op for stores and prefetches): call it after every memory access of the
 * instruction has been made.
 */
export function transfer(e: Emitter, acc: Access, rt: number, addr: Val): () => void {
  if (acc.op === 'prefetch') return () => {};
  if (acc.op === 'store') {
    e.store(addr, storedValue(e, acc, rt), acc.size);
    return () => {};
  }
  const v = e.load(addr, acc.size);
  return () => writeLoaded(e, acc, rt, v);
}

/** Base register plus a decode-time offset. */
export function offsetAddr(e: Emitter, base: Val, off: number): Val {
  return off === 0 ? base : e.add(base, e.i64(off));
}
