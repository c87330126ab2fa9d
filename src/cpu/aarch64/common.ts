// Semantics shared by several instruction groups: flag computation, condition codes, operand
// shifting and extension, immediate decoding. All written against the Emitter interface.
import type { Emitter, Val } from '../emitter.js';

/** NZCV as i32 0/1 values. */
export interface Nzcv { n: Val; z: Val; c: Val; v: Val }

/**
 * a + b + carryIn (an i32 0/1, or null for none) at 64 (sf=1) or 32 (sf=0) bits: the i64 result
 * (zero-extended for sf=0) and its NZCV, without writing the flags. 32-bit forms use i32 ops.
 */
export function addNzcv(e: Emitter, a: Val, b: Val, carryIn: Val | null, sf: number): { r: Val; f: Nzcv } {
  const t = sf ? 'i64' : 'i32';
  const op = (name: string, x: Val, y: Val) => e.op(`${t}.${name}`, [x, y]);
  const zero = sf ? e.i64(0) : e.i32(0);
  const A = sf ? a : e.wrap(a);
  const B = sf ? b : e.wrap(b);
  const s = op('add', A, B);
  let r = s;
  let c = op('lt_u', s, A); // unsigned overflow of A + B
  if (carryIn) {
    r = op('add', s, sf ? e.extendU(carryIn) : carryIn);
    c = e.op('i32.or', [c, op('lt_u', r, s)]); // ... or of adding the carry (never both)
  }
  // overflow: operands have the same sign and the result's sign differs
  const v = op('lt_s', op('and', op('xor', r, A), op('xor', r, B)), zero);
  const f = { n: op('lt_s', r, zero), z: e.op(`${t}.eqz`, [r]), c, v };
  return { r: sf ? r : e.extendU(r), f };
}

/** a - b at 64 or 32 bits (C set when no borrow): the i64 result and NZCV, flags not written. */
export function subNzcv(e: Emitter, a: Val, b: Val, sf: number): { r: Val; f: Nzcv } {
  const t = sf ? 'i64' : 'i32';
  const op = (name: string, x: Val, y: Val) => e.op(`${t}.${name}`, [x, y]);
  const zero = sf ? e.i64(0) : e.i32(0);
  const A = sf ? a : e.wrap(a);
  const B = sf ? b : e.wrap(b);
  const r = op('sub', A, B);
  // overflow: operands have different signs and the result's sign differs from a's
  const v = op('lt_s', op('and', op('xor', A, B), op('xor', A, r)), zero);
  const f = { n: op('lt_s', r, zero), z: e.op(`${t}.eqz`, [r]), c: op('ge_u', A, B), v };
  return { r: sf ? r : e.extendU(r), f };
}

/** a + b + carryIn with NZCV, for 64-bit (sf=1) or 32-bit (sf=0) operands. Returns the i64 result. */
export function addWithFlags(e: Emitter, a: Val, b: Val, carryIn: Val | null, sf: number): Val {
  const { r, f } = addNzcv(e, a, b, carryIn, sf);
  e.setFlags(f.n, f.z, f.c, f.v);
  return r;
}

/** a - b with NZCV (C set when no borrow). */
export function subWithFlags(e: Emitter, a: Val, b: Val, sf: number): Val {
  const { r, f } = subNzcv(e, a, b, sf);
  e.setFlags(f.n, f.z, f.c, f.v);
  return r;
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
