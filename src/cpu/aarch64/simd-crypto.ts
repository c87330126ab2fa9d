// Cryptographic extension: AESE/AESD/AESMC/AESIMC, SHA1 (C, P, M, H, SU0, SU1), SHA256 (H, H2,
// SU0, SU1) and PMULL/PMULL2 .1q (64x64 carry-less multiply). AES runs on v128 (S-box lookups
// as 16 swizzles, MixColumns with byte shuffles); SHA works on the four 32-bit lanes as i32s.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { insn } from '../insn.js';
import { splat, xor } from './simd-util.js';

// ---------------------------------------------------------------- AES
function gmul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

// The multiplicative inverse through powers of the generator 3 (x⁻¹ = 3^(255 − log₃ x)): a search
// over every product cost milliseconds of every start-up.
const EXP: number[] = [];
const LOG: number[] = [];
for (let i = 0, v = 1; i < 255; i++, v = gmul(v, 3)) {
  EXP[i] = v;
  LOG[v] = i;
}
const SBOX: number[] = [];
const INV_SBOX: number[] = [];
for (let x = 0; x < 256; x++) {
  const inv = x ? EXP[(255 - LOG[x]) % 255] : 0;
  const rotl = (v: number, n: number) => ((v << n) | (v >> (8 - n))) & 0xff;
  const s = inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63;
  SBOX[x] = s;
  INV_SBOX[s] = x;
}

/** Byte-wise table lookup of a 256-entry table: 16 swizzles of 16-byte slices. */
function lookup(e: Emitter, table: number[], idx: Val): Val {
  let r: Val | null = null;
  let i = idx;
  for (let k = 0; k < 16; k++) {
    if (k) i = e.op('i8x16.sub', [i, splat(e, 0, 16)]);
    const part = e.op('i8x16.swizzle', [e.v128(table.slice(16 * k, 16 * k + 16)), i]);
    r = r ? e.op('v128.or', [r, part]) : part;
  }
  return r!;
}

/** ShiftRows (inv=false) or InvShiftRows on the column-major state. */
function shiftRows(e: Emitter, v: Val, inv: boolean): Val {
  const sel: number[] = [];
  for (let i = 0; i < 16; i++) {
    const r = i & 3;
    const c = i >> 2;
    sel.push(r + 4 * ((inv ? c - r + 4 : c + r) & 3));
  }
  return e.op('i8x16.shuffle', [v, v], sel);
}

/** Multiply every byte by x in GF(2^8). */
function xtime(e: Emitter, v: Val): Val {
  const carry = e.op('v128.and', [e.op('i8x16.shr_s', [v, e.i32(7)]), splat(e, 0, 0x1b)]);
  return xor(e, e.op('i8x16.shl', [v, e.i32(1)]), carry);
}

/** Rotate the bytes of each 4-byte column by k. */
function rotCol(e: Emitter, v: Val, k: number): Val {
  return e.op('i8x16.shuffle', [v, v], Array.from({ length: 16 }, (_, i) => (i & ~3) + ((i + k) & 3)));
}

function mixColumns(e: Emitter, a: Val): Val {
  const r1 = rotCol(e, a, 1);
  return xor(e, xor(e, xtime(e, xor(e, a, r1)), r1), xor(e, rotCol(e, a, 2), rotCol(e, a, 3)));
}

function invMixColumns(e: Emitter, a: Val): Val {
  const w = xtime(e, xtime(e, xor(e, a, rotCol(e, a, 2))));
  return mixColumns(e, xor(e, a, w));
}

export const AES = insn({
  pattern: '01001110 00 10100 001 op:2 10 rn:5 rd:5',
  asm: (a) => `${['aese', 'aesd', 'aesmc', 'aesimc'][a.op]} v${a.rd}.16b, v${a.rn}.16b`,
  sem(e, a) {
    const n = e.v(a.rn);
    switch (a.op) {
      case 0: e.setV(a.rd, lookup(e, SBOX, shiftRows(e, xor(e, e.v(a.rd), n), false))); break;
      case 1: e.setV(a.rd, lookup(e, INV_SBOX, shiftRows(e, xor(e, e.v(a.rd), n), true))); break;
      case 2: e.setV(a.rd, mixColumns(e, n)); break;
      default: e.setV(a.rd, invMixColumns(e, n)); break;
    }
  },
});

// ---------------------------------------------------------------- SHA
const lanes = (e: Emitter, v: Val): Val[] => [0, 1, 2, 3].map((i) => e.op('i32x4.extract_lane', [v], i));
function fromLanes(e: Emitter, xs: Val[]): Val {
  let v = e.op('i32x4.splat', [xs[0]]);
  for (let i = 1; i < 4; i++) v = e.op('i32x4.replace_lane', [v, xs[i]], i);
  return v;
}
const I = (e: Emitter) => ({
  add: (...xs: Val[]) => xs.reduce((p, q) => e.op('i32.add', [p, q])),
  xor: (...xs: Val[]) => xs.reduce((p, q) => e.op('i32.xor', [p, q])),
  and: (p: Val, q: Val) => e.op('i32.and', [p, q]),
  or: (p: Val, q: Val) => e.op('i32.or', [p, q]),
  not: (p: Val) => e.op('i32.xor', [p, e.i32(-1)]),
  ror: (p: Val, n: number) => e.op('i32.rotr', [p, e.i32(n)]),
  rol: (p: Val, n: number) => e.op('i32.rotl', [p, e.i32(n)]),
  shr: (p: Val, n: number) => e.op('i32.shr_u', [p, e.i32(n)]),
});

function sha256hash(e: Emitter, X: Val[], Y: Val[], W: Val[], part1: boolean): Val {
  const o = I(e);
  let x = X.slice();
  let y = Y.slice();
  for (let i = 0; i < 4; i++) {
    const ch = o.or(o.and(y[0], y[1]), o.and(o.not(y[0]), y[2]));
    const maj = o.or(o.or(o.and(x[0], x[1]), o.and(x[0], x[2])), o.and(x[1], x[2]));
    const s1 = o.xor(o.ror(y[0], 6), o.ror(y[0], 11), o.ror(y[0], 25));
    const s0 = o.xor(o.ror(x[0], 2), o.ror(x[0], 13), o.ror(x[0], 22));
    const t = o.add(y[3], s1, ch, W[i]);
    const x3 = o.add(t, x[3]);
    const y3 = o.add(t, s0, maj);
    // <Y, X> = ROL(Y:X, 32)
    const nx = [y3, x[0], x[1], x[2]];
    const ny = [x3, y[0], y[1], y[2]];
    x = nx;
    y = ny;
  }
  return fromLanes(e, part1 ? x : y);
}

function sha1hash(e: Emitter, X: Val[], y: Val, W: Val[], f: (a: Val, b: Val, c: Val) => Val): Val {
  const o = I(e);
  let x = X.slice();
  for (let i = 0; i < 4; i++) {
    const t = f(x[1], x[2], x[3]);
    const ny = o.add(y, o.rol(x[0], 5), t, W[i]);
    const x1 = o.rol(x[1], 30);
    y = x[3];
    x = [ny, x[0], x1, x[2]];
  }
  return fromLanes(e, x);
}

export const SHA3REG = insn({
  pattern: '01011110 00 0 rm:5 0 opc:3 00 rn:5 rd:5',
  asm(a) {
    const name = ['sha1c', 'sha1p', 'sha1m', 'sha1su0', 'sha256h', 'sha256h2', 'sha256su1'][a.opc];
    if (!name) return null;
    if (a.opc === 3 || a.opc === 6) return `${name} v${a.rd}.4s, v${a.rn}.4s, v${a.rm}.4s`;
    return `${name} q${a.rd}, ${a.opc < 3 ? 's' : 'q'}${a.rn}, v${a.rm}.4s`;
  },
  sem(e, a) {
    const o = I(e);
    const d = lanes(e, e.v(a.rd));
    const n = lanes(e, e.v(a.rn));
    const m = lanes(e, e.v(a.rm));
    let r: Val;
    switch (a.opc) {
      case 0: r = sha1hash(e, d, n[0], m, (x, y, z) => o.xor(o.and(o.xor(y, z), x), z)); break; // SHA1C
      case 1: r = sha1hash(e, d, n[0], m, (x, y, z) => o.xor(x, y, z)); break; // SHA1P
      case 2: r = sha1hash(e, d, n[0], m, (x, y, z) => o.or(o.and(x, y), o.and(o.or(x, y), z))); break; // SHA1M
      case 3: r = fromLanes(e, [d[2], d[3], n[0], n[1]].map((v, i) => o.xor(v, d[i], m[i]))); break; // SHA1SU0
      case 4: r = sha256hash(e, d, n, m, true); break; // SHA256H
      case 5: r = sha256hash(e, n, d, m, false); break; // SHA256H2
      case 6: { // SHA256SU1
        const t0 = [n[1], n[2], n[3], m[0]];
        const sig = (v: Val) => o.xor(o.ror(v, 17), o.ror(v, 19), o.shr(v, 10));
        const r0 = o.add(sig(m[2]), d[0], t0[0]);
        const r1 = o.add(sig(m[3]), d[1], t0[1]);
        const r2 = o.add(sig(r0), d[2], t0[2]);
        const r3 = o.add(sig(r1), d[3], t0[3]);
        r = fromLanes(e, [r0, r1, r2, r3]);
        break;
      }
      default: return e.trap(Trap.Undefined);
    }
    e.setV(a.rd, r);
  },
});

export const SHA2REG = insn({
  pattern: '01011110 00 10100 000 opc:2 10 rn:5 rd:5',
  asm(a) {
    if (a.opc === 0) return `sha1h s${a.rd}, s${a.rn}`;
    return a.opc === 3 ? null : `${a.opc === 1 ? 'sha1su1' : 'sha256su0'} v${a.rd}.4s, v${a.rn}.4s`;
  },
  sem(e, a) {
    const o = I(e);
    const n = lanes(e, e.v(a.rn));
    let r: Val;
    switch (a.opc) {
      case 0: r = e.op('i32x4.replace_lane', [e.v128(new Array(16).fill(0)), o.rol(n[0], 30)], 0); break; // SHA1H
      case 1: { // SHA1SU1
        const d = lanes(e, e.v(a.rd));
        const t = [o.xor(d[0], n[1]), o.xor(d[1], n[2]), o.xor(d[2], n[3]), d[3]];
        r = fromLanes(e, [o.rol(t[0], 1), o.rol(t[1], 1), o.rol(t[2], 1), o.xor(o.rol(t[3], 1), o.rol(t[0], 2))]);
        break;
      }
      case 2: { // SHA256SU0
        const d = lanes(e, e.v(a.rd));
        const t = [d[1], d[2], d[3], n[0]];
        r = fromLanes(e, t.map((v, i) => o.add(o.xor(o.ror(v, 7), o.ror(v, 18), o.shr(v, 3)), d[i])));
        break;
      }
      default: return e.trap(Trap.Undefined);
    }
    e.setV(a.rd, r);
  },
});

/** 64x64 -> 128 carry-less multiply of the low (half=0) or high doublewords (PMULL/PMULL2 .1q). */
export function pmull64(e: Emitter, n: Val, m: Val, half: number): Val {
  const a = e.op('i64x2.extract_lane', [n], half);
  const b = e.op('i64x2.extract_lane', [m], half);
  const lo = e.local('i64', e.i64(0));
  const hi = e.local('i64', e.i64(0));
  const i = e.local('i64', e.i64(0));
  e.loop(() => {
    const mask = e.sub(e.i64(0), e.and(e.shrU(b, i), e.i64(1)));
    e.assign(lo, e.xor(lo, e.and(e.shl(a, i), mask)));
    e.assign(hi, e.xor(hi, e.and(e.shrU(e.shrU(a, e.i64(1)), e.sub(e.i64(63), i)), mask)));
    e.assign(i, e.add(i, e.i64(1)));
    return e.op('i64.lt_u', [i, e.i64(64)]);
  });
  return e.op('i64x2.replace_lane', [e.op('i64x2.splat', [lo]), hi], 1);
}
