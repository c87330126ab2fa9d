// Semantics shared by several instruction groups: flag computation, condition codes, operand
// shifting and extension, immediate decoding. All written against the Emitter interface.
import type { Emitter, Val } from '../emitter.js';

/** a + b + carryIn with NZCV, for 64-bit (sf=1) or 32-bit (sf=0) operands. Returns the i64 result. */
export function addWithFlags(e: Emitter, a: Val, b: Val, carryIn: Val | null, sf: number): Val {
  if (sf) {
    const cin = carryIn ? e.extendU(carryIn) : e.i64(0);
    const r = e.add(e.add(a, b), cin);
    // carry: unsigned overflow of a + b + cin
    const s1 = e.add(a, b);
    const c1 = e.op('i64.lt_u', [s1, a]);
    const c2 = e.op('i64.lt_u', [r, s1]);
    const c = e.op('i32.or', [c1, c2]);
    // overflow: operands have the same sign and the result's sign differs
    const v = e.op('i64.lt_s', [e.and(e.xor(r, a), e.xor(r, b)), e.i64(0)]);
    setNZ(e, r, 1, c, v);
    return r;
  }
  const a32 = e.zext32(a);
  const b32 = e.zext32(b);
  const cin = carryIn ? e.extendU(carryIn) : e.i64(0);
  const wide = e.add(e.add(a32, b32), cin); // exact 33-bit unsigned sum
  const r = e.zext32(wide);
  const c = e.wrap(e.shrU(wide, e.i64(32)));
  const r32 = e.wrap(r);
  const x = e.op('i32.and', [e.op('i32.xor', [r32, e.wrap(a32)]), e.op('i32.xor', [r32, e.wrap(b32)])]);
  const v = e.op('i32.lt_s', [x, e.i32(0)]);
  setNZ(e, r, 0, c, v);
  return r;
}

/** a - b with NZCV (C set when no borrow). */
export function subWithFlags(e: Emitter, a: Val, b: Val, sf: number): Val {
  return addWithFlags(e, a, e.xor(b, e.i64(-1)), e.i32(1), sf);
}

/** Set N and Z from a result (of width sf), C and V as given (i32 0/1). */
export function setNZ(e: Emitter, r: Val, sf: number, c: Val, v: Val): void {
  if (sf) {
    e.setFlags(e.op('i64.lt_s', [r, e.i64(0)]), e.op('i64.eqz', [r]), c, v);
  } else {
    const r32 = e.wrap(r);
    e.setFlags(e.op('i32.lt_s', [r32, e.i32(0)]), e.op('i32.eqz', [r32]), c, v);
  }
}

/** The condition `cond` (4-bit A64 encoding) evaluated on NZCV, as an i32 0/1. */
export function condHolds(e: Emitter, cond: number): Val {
  const n = () => e.flag('n');
  const z = () => e.flag('z');
  const c = () => e.flag('c');
  const v = () => e.flag('v');
  let r: Val;
  switch (cond >> 1) {
    case 0: r = z(); break; // EQ
    case 1: r = c(); break; // CS
    case 2: r = n(); break; // MI
    case 3: r = v(); break; // VS
    case 4: r = e.op('i32.and', [c(), e.op('i32.eqz', [z()])]); break; // HI
    case 5: r = e.op('i32.eq', [n(), v()]); break; // GE
    case 6: r = e.op('i32.and', [e.op('i32.eq', [n(), v()]), e.op('i32.eqz', [z()])]); break; // GT
    default: return e.i32(1); // AL (and NV, which also means always in A64)
  }
  return cond & 1 ? e.op('i32.xor', [r, e.i32(1)]) : r;
}

/** Shift a register operand: type 0 LSL, 1 LSR, 2 ASR, 3 ROR, by a decode-time amount. */
export function shiftReg(e: Emitter, v: Val, type: number, amount: number, sf: number): Val {
  if (amount === 0) return v;
  if (sf) {
    const ops = ['i64.shl', 'i64.shr_u', 'i64.shr_s', 'i64.rotr'];
    return e.op(ops[type], [v, e.i64(amount)]);
  }
  const ops = ['i32.shl', 'i32.shr_u', 'i32.shr_s', 'i32.rotr'];
  return e.extendU(e.op(ops[type], [e.wrap(v), e.i32(amount)]));
}

/** Extend a register operand (UXTB..SXTX) and shift it left by 0..4. */
export function extendReg(e: Emitter, v: Val, option: number, shift: number): Val {
  let r: Val;
  switch (option) {
    case 0: r = e.and(v, e.i64(0xff)); break;
    case 1: r = e.and(v, e.i64(0xffff)); break;
    case 2: r = e.zext32(v); break;
    case 3: r = v; break;
    case 4: r = e.op('i64.extend8_s', [v]); break;
    case 5: r = e.op('i64.extend16_s', [v]); break;
    case 6: r = e.sext32(v); break;
    default: r = v; break;
  }
  return shift ? e.shl(r, e.i64(shift)) : r;
}

/** Sign-extend a `bits`-wide field value to a JS number. */
export function sext(value: number, bits: number): number {
  const m = 2 ** (bits - 1);
  return value >= m ? value - 2 * m : value;
}

/** DecodeBitMasks for logical immediates: the 64-bit wmask as a bigint, or null if reserved. */
export function decodeBitMask(n: number, imms: number, immr: number, sf: number): bigint | null {
  const len = 31 - Math.clz32((n << 6) | (~imms & 0x3f));
  if (len < 1) return null;
  if (!sf && n) return null;
  const size = 1 << len;
  const levels = size - 1;
  const s = imms & levels;
  const r = immr & levels;
  if (s === levels) return null;
  const esize = BigInt(size);
  const welem = (1n << BigInt(s + 1)) - 1n;
  const mask = (1n << esize) - 1n;
  const rot = BigInt(r);
  let elem = ((welem >> rot) | (welem << (esize - rot))) & mask;
  let out = 0n;
  for (let i = 0; i < 64 / size; i++) out |= elem << (BigInt(i) * esize);
  if (!sf) out &= 0xffffffffn;
  return out;
}
