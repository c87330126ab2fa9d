// Exclusives (LDXR/STXR and pairs, CLREX is in system.ts), load-acquire/store-release
// (LDAR/STLR, LDLAR/STLLR, LDAPUR/STLUR) and compare-and-swap (CAS, CASP).
//
// The exclusive monitor is an address and the value(s) read: LDXR records them in the exclAddr/
// exclVal/exclVal2/exclSize slots, STXR succeeds iff it targets the same address and size and an
// atomic compare-and-swap from the remembered value succeeds (as QEMU does). That is atomic
// against other threads for 1..8 bytes; the 16-byte forms (LDXP/STXP of X registers, CASP of X
// registers) have no 16-byte wasm atomic to map onto, see cas128.
//
// WebAssembly atomics are sequentially consistent, so acquire/release variants of the
// read-modify-write forms need nothing more; plain-load acquires and plain-store releases get an
// atomic.fence (after the load, before the store).
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { ldstMnemonic, ldstReg, memOff, xr, xsp } from '../disasm.js';
import { insn } from '../insn.js';
import { sext } from './common.js';
import { decodeAccess, extendLoaded } from './ldst-access.js';

type N = 1 | 2 | 4 | 8;

/** Mask of the low `size` bytes, as an i64 constant value. */
function sizeMask(size: number): bigint {
  return size === 8 ? -1n : (1n << BigInt(size * 8)) - 1n;
}

function clearMonitor(e: Emitter): void {
  e.setSys('exclAddr', e.i64(-1));
}

/**
 * 16-byte compare-and-swap at a 16-aligned address: returns [oldLo, oldHi, success (i32)].
 * WebAssembly has no 16-byte atomic, so this is an 8-byte CAS on the low half (which only writes
 * when the high half also matched) followed by a plain store of the high half. Correct for a
 * single guest thread and for racing writers that change the low half; a concurrent writer that
 * changes only the high half between the read and the CAS is not detected, and readers may see
 * the two halves of a successful swap separately.
 */
function cas128(e: Emitter, addr: Val, expLo: Val, expHi: Val, newLo: Val, newHi: Val): [Val, Val, Val] {
  e.checkAlign(addr, 16);
  const hiAddr = e.add(addr, e.i64(8));
  const oldHi = e.load(hiAddr, 8);
  const hiOk = e.op('i64.eq', [oldHi, expHi]);
  const oldLo = e.atomicCas(addr, expLo, e.select(hiOk, newLo, expLo), 8);
  const ok = e.op('i32.and', [hiOk, e.op('i64.eq', [oldLo, expLo])]);
  e.if(ok, () => e.store(hiAddr, newHi, 8));
  return [oldLo, oldHi, ok];
}

/** STXR-style conditional store: status (i64 0/1) after trying to swap `newVal` in. */
function storeExclusive(e: Emitter, addr: Val, size: N, newVal: Val): Val {
  const status = e.local('i64', e.i64(1));
  const hit = e.op('i32.and', [
    e.op('i64.eq', [e.sys('exclAddr'), addr]),
    e.op('i32.eq', [e.sys('exclSize'), e.i32(size)]),
  ]);
  e.if(hit, () => {
    const expected = e.sys('exclVal');
    const old = e.atomicCas(addr, expected, newVal, size);
    e.assign(status, e.extendU(e.op('i64.ne', [old, expected])));
  });
  clearMonitor(e);
  return status;
}

function storeExclusivePair128(e: Emitter, addr: Val, lo: Val, hi: Val): Val {
  const status = e.local('i64', e.i64(1));
  const hit = e.op('i32.and', [
    e.op('i64.eq', [e.sys('exclAddr'), addr]),
    e.op('i32.eq', [e.sys('exclSize'), e.i32(16)]),
  ]);
  e.if(hit, () => {
    const [, , ok] = cas128(e, addr, e.sys('exclVal'), e.sys('exclVal2'), lo, hi);
    e.assign(status, e.extendU(e.op('i32.eqz', [ok])));
  });
  clearMonitor(e);
  return status;
}

/**
 * The load/store exclusive and ordered space: o2 L o1 select exclusive register (0 x 0),
 * exclusive pair or CASP (0 x 1, by size<1>), ordered (1 x 0), CAS (1 x 1).
 */
export const LDST_excl = insn({
  pattern: 'size:2 001000 o2:1 L:1 o1:1 rs:5 o0:1 rt2:5 rn:5 rt:5',
  asm(a) {
    const sf = a.size === 3;
    const bh = a.size === 0 ? 'b' : a.size === 1 ? 'h' : '';
    const mem = `[${xsp(a.rn)}]`;
    // objdump takes LDAR's should-be-ones fields as part of the encoding (others it ignores).
    if (a.o2 && !a.o1 && a.L && a.o0 && (a.rs !== 31 || a.rt2 !== 31)) return null;
    if (!a.o2 && !a.o1) {
      const name = `${a.L ? 'ld' : 'st'}${a.o0 ? (a.L ? 'a' : 'l') : ''}xr${bh}`;
      return a.L ? `${name} ${xr(a.rt, sf)}, ${mem}` : `${name} ${xr(a.rs, 0)}, ${xr(a.rt, sf)}, ${mem}`;
    }
    if (!a.o2) {
      const wide = a.size & 1;
      if (a.size & 2) {
        const name = `${a.L ? 'ld' : 'st'}${a.o0 ? (a.L ? 'a' : 'l') : ''}xp`;
        const pair = `${xr(a.rt, wide)}, ${xr(a.rt2, wide)}`;
        return a.L ? `${name} ${pair}, ${mem}` : `${name} ${xr(a.rs, 0)}, ${pair}, ${mem}`;
      }
      if (a.rt2 !== 31 || (a.rs & 1) || (a.rt & 1)) return null;
      const r2 = (r: number) => `${xr(r, wide)}, ${xr(r + 1, wide)}`;
      return `casp${a.L ? 'a' : ''}${a.o0 ? 'l' : ''} ${r2(a.rs)}, ${r2(a.rt)}, ${mem}`;
    }
    if (!a.o1) return `${a.L ? 'ld' : 'st'}${a.o0 ? (a.L ? 'ar' : 'lr') : (a.L ? 'lar' : 'llr')}${bh} ${xr(a.rt, sf)}, ${mem}`;
    if (a.rt2 !== 31) return null;
    return `cas${a.L ? 'a' : ''}${a.o0 ? 'l' : ''}${bh} ${xr(a.rs, sf)}, ${xr(a.rt, sf)}, ${mem}`;
  },
  sem(e, a) {
    const size = (1 << a.size) as N;
    const addr = e.xsp(a.rn);
    if (!a.o2 && !a.o1) {
      // LDXR/LDAXR, STXR/STLXR
      e.checkAlign(addr, size);
      if (a.L) {
        const v = e.load(addr, size);
        e.setSys('exclAddr', addr);
        e.setSys('exclVal', v);
        e.setSys('exclSize', e.i32(size));
        e.setX(a.rt, v);
        if (a.o0) e.fence();
      } else {
        const v = e.x(a.rt);
        if (a.o0) e.fence();
        e.setX(a.rs, storeExclusive(e, addr, size, v));
      }
      return;
    }
    if (!a.o2) {
      if (a.size & 2) exclusivePair(e, a, addr);
      else casPair(e, a, addr);
      return;
    }
    if (!a.o1) {
      // LDAR/STLR (o0=1), LDLAR/STLLR (o0=0: LORegions, the same at EL0).
      e.checkAlign(addr, size);
      if (a.L) {
        const v = e.load(addr, size);
        e.fence();
        e.setX(a.rt, v);
      } else {
        const v = e.x(a.rt);
        e.fence();
        e.store(addr, v, size);
      }
      return;
    }
    // CAS, CASA, CASL, CASAL (B/H/W/X)
    if (a.rt2 !== 31) return e.trap(Trap.Undefined);
    const expected = size === 8 ? e.x(a.rs) : e.and(e.x(a.rs), e.i64(sizeMask(size)));
    const old = e.atomicCas(addr, expected, e.x(a.rt), size);
    e.setX(a.rs, old);
  },
});

/** LDXP/LDAXP/STXP/STLXP of W (one 8-byte access) or X (16 bytes) registers. */
function exclusivePair(e: Emitter, a: Record<string, number>, addr: Val): void {
  const wide = a.size & 1;
  if (!wide) {
    e.checkAlign(addr, 8);
    if (a.L) {
      const v = e.load(addr, 8);
      e.setSys('exclAddr', addr);
      e.setSys('exclVal', v);
      e.setSys('exclSize', e.i32(8));
      e.setX(a.rt, e.zext32(v));
      e.setX(a.rt2, e.shrU(v, e.i64(32)));
      if (a.o0) e.fence();
    } else {
      const v = e.or(e.zext32(e.x(a.rt)), e.shl(e.x(a.rt2), e.i64(32)));
      if (a.o0) e.fence();
      e.setX(a.rs, storeExclusive(e, addr, 8, v));
    }
    return;
  }
  e.checkAlign(addr, 16);
  if (a.L) {
    const v = e.load(addr, 16);
    const lo = e.op('i64x2.extract_lane', [v], 0);
    const hi = e.op('i64x2.extract_lane', [v], 1);
    e.setSys('exclAddr', addr);
    e.setSys('exclVal', lo);
    e.setSys('exclVal2', hi);
    e.setSys('exclSize', e.i32(16));
    e.setX(a.rt, lo);
    e.setX(a.rt2, hi);
    if (a.o0) e.fence();
  } else {
    const lo = e.x(a.rt);
    const hi = e.x(a.rt2);
    if (a.o0) e.fence();
    e.setX(a.rs, storeExclusivePair128(e, addr, lo, hi));
  }
}

/** CASP/CASPA/CASPL/CASPAL of W or X register pairs (Rs and Rt even). */
function casPair(e: Emitter, a: Record<string, number>, addr: Val): void {
  if (a.rt2 !== 31 || (a.rs & 1) || (a.rt & 1)) return e.trap(Trap.Undefined);
  // The pair's second register; for 30 that is XZR (reads zero, writes are discarded).
  const r2 = (r: number) => r + 1;
  if (!(a.size & 1)) {
    const expected = e.or(e.zext32(e.x(a.rs)), e.shl(e.x(r2(a.rs)), e.i64(32)));
    const repl = e.or(e.zext32(e.x(a.rt)), e.shl(e.x(r2(a.rt)), e.i64(32)));
    const old = e.atomicCas(addr, expected, repl, 8);
    e.setX(a.rs, e.zext32(old));
    e.setX(r2(a.rs), e.shrU(old, e.i64(32)));
    return;
  }
  const [lo, hi] = cas128(e, addr, e.x(a.rs), e.x(r2(a.rs)), e.x(a.rt), e.x(r2(a.rt)));
  e.setX(a.rs, lo);
  e.setX(r2(a.rs), hi);
}

/** LDAPUR*, STLUR* (RCpc, unscaled signed offset): natural alignment required. */
export const LDAPUR = insn({
  pattern: 'size:2 011001 opc:2 0 imm9:9 00 rn:5 rt:5',
  asm(a) {
    const acc = decodeAccess(a.size, 0, a.opc);
    if (!acc || acc.op === 'prefetch') return null;
    const name = acc.op === 'load' ? ldstMnemonic(acc, 'ur').replace(/^ldur/, 'ldapur') : ldstMnemonic(acc, 'ur').replace(/^stur/, 'stlur');
    return `${name} ${ldstReg(acc, a.rt)}, ${memOff(a.rn, sext(a.imm9, 9))}`;
  },
  sem(e, a) {
    const acc = decodeAccess(a.size, 0, a.opc);
    if (!acc || acc.op === 'prefetch') return e.trap(Trap.Undefined);
    const addr = e.add(e.xsp(a.rn), e.i64(sext(a.imm9, 9)));
    const size = acc.size as N;
    e.checkAlign(addr, size);
    if (acc.op === 'load') {
      const v = e.load(addr, size);
      e.fence();
      e.setX(a.rt, extendLoaded(e, v, size, acc.sext), acc.sext === 32 ? 0 : 1);
    } else {
      const v = e.x(a.rt);
      e.fence();
      e.store(addr, v, size);
    }
  },
});
