// The fused multiply-add helpers against an exact reference: operands are turned into BigInt
// rationals (integer * 2^e), a*b + c is computed exactly and rounded once here, independently of
// src/cpu/aarch64/fp-soft.ts. Covers the binary64 helper (fma64), the exact software path
// (softMulAdd, all rounding modes) and the inline binary32 sequence (run as FMADD under tsemu).
import { describe, expect, it } from 'vitest';
import { fma64 } from '../../src/cpu/aarch64/fp-fma.js';
import { FP32, FP64, RM, RN, RP, RZ, softMulAdd, type FpEnv } from '../../src/cpu/aarch64/fp-soft.js';
import { runTsemu, type Snippet } from '../support/snippet.js';

const buf = new DataView(new ArrayBuffer(8));
const bits64 = (x: number) => { buf.setFloat64(0, x); return buf.getBigUint64(0); };
const fromBits64 = (b: bigint) => { buf.setBigUint64(0, b); return buf.getFloat64(0); };
const bits32 = (x: number) => { buf.setFloat32(0, x); return buf.getUint32(0); };
const fromBits32 = (b: number) => { buf.setUint32(0, b >>> 0); return buf.getFloat32(0); };

interface Fmt { p: number; emin: number; emax: number; ebits: number }
const F64: Fmt = { p: 53, emin: -1022, emax: 1023, ebits: 11 };
const F32: Fmt = { p: 24, emin: -126, emax: 127, ebits: 8 };

/** A finite float as [integer, exponent] with value = n * 2^e (n signed). */
function decompose(bits: bigint, f: Fmt): [bigint, number] {
  const mb = BigInt(f.p - 1);
  const sign = (bits >> (mb + BigInt(f.ebits))) & 1n;
  const be = Number((bits >> mb) & ((1n << BigInt(f.ebits)) - 1n));
  let m = bits & ((1n << mb) - 1n);
  const bias = f.emax;
  let e: number;
  if (be === 0) e = 1 - bias - (f.p - 1);
  else { m |= 1n << mb; e = be - bias - (f.p - 1); }
  return [sign ? -m : m, e];
}

/** Round n * 2^e (exact, nonzero) to the format; returns the JS number (binary32 values are
 *  exact in a double). */
function roundRef(n: bigint, e: number, f: Fmt, mode: number): number {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const k = a.toString(2).length - 1 + e; // floor(log2 |value|)
  const lsb = Math.max(k - (f.p - 1), f.emin - (f.p - 1));
  let q: bigint;
  if (lsb <= e) q = a << BigInt(e - lsb);
  else {
    const sh = BigInt(lsb - e);
    q = a >> sh;
    const r = a - (q << sh);
    const half = 1n << (sh - 1n);
    let up = false;
    if (mode === RN) up = r > half || (r === half && (q & 1n) === 1n);
    else if (mode === RP) up = r > 0n && !neg;
    else if (mode === RM) up = r > 0n && neg;
    if (up) q += 1n;
  }
  const maxQ = (1n << BigInt(f.p)) - 1n;
  const maxLsb = f.emax - (f.p - 1);
  const overflow = lsb > maxLsb || (lsb === maxLsb && q > maxQ);
  if (overflow) {
    const toInf = mode === RN || (mode === RP && !neg) || (mode === RM && neg);
    const mag = toInf ? Infinity : Number(maxQ) * 2 ** maxLsb;
    return neg ? -mag : mag;
  }
  const v = Number(q) * 2 ** lsb;
  return neg ? -v : v;
}

/** Exact a*b + c for finite, nonzero-result operands; null when the exact result is zero. */
function fmaRef(a: bigint, b: bigint, c: bigint, f: Fmt, mode = RN): number | null {
  const [na, ea] = decompose(a, f);
  const [nb, eb] = decompose(b, f);
  const [nc, ec] = decompose(c, f);
  const ep = ea + eb;
  const e = Math.min(ep, ec);
  const n = ((na * nb) << BigInt(ep - e)) + (nc << BigInt(ec - e));
  if (n === 0n) return null;
  return roundRef(n, e, f, mode);
}

// Deterministic generator (xorshift), so failures reproduce.
let s0 = 0x9e3779b9, s1 = 0x243f6a88;
function rnd32(): number {
  let x = s0 ^ (s0 << 11);
  s0 = s1;
  s1 = (s1 ^ (s1 >>> 19) ^ x ^ (x >>> 8)) >>> 0;
  return s1;
}
const rnd64 = () => (BigInt(rnd32()) << 32n) | BigInt(rnd32());
/** A random finite double with exponent in [lo, hi] (biased), random sign. */
function randD(lo = 1, hi = 2046): bigint {
  const be = BigInt(lo + (rnd32() % (hi - lo + 1)));
  return (BigInt(rnd32() & 1) << 63n) | (be << 52n) | (rnd64() & ((1n << 52n) - 1n));
}
function randS(lo = 1, hi = 254): number {
  const be = lo + (rnd32() % (hi - lo + 1));
  return ((rnd32() & 1) << 31 | be << 23 | (rnd32() & 0x7fffff)) >>> 0;
}
const isFiniteBits64 = (b: bigint) => ((b >> 52n) & 0x7ffn) !== 0x7ffn;

/** Triples that stress the single rounding: cancellation against the rounded product, ties,
 *  overflow, subnormal results and huge exponent gaps. */
function hardTriples64(n: number): [bigint, bigint, bigint][] {
  const out: [bigint, bigint, bigint][] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 8;
    let a = randD(), b = randD(), c = randD();
    switch (kind) {
      case 0: a = randD(900, 1150); b = randD(900, 1150); c = randD(); break;
      case 1: { // c = -(a*b) rounded, nudged by a few ulps: the exact error term decides
        a = randD(600, 1400); b = randD(600, 1400);
        const p = fromBits64(a) * fromBits64(b);
        if (!Number.isFinite(p) || p === 0) break;
        c = bits64(-p) + BigInt((rnd32() % 5) - 2);
        break;
      }
      case 2: { // products with an exact half-ulp tail: (1 + x 2^-27)(1 + y 2^-27), c tiny
        const x = BigInt(rnd32() % 4096), y = BigInt(rnd32() % 4096);
        a = 0x3ff0000000000000n | (x << 25n);
        b = 0x3ff0000000000000n | (y << 25n);
        c = [0n, 1n, 0x8000000000000001n, 0x3c90000000000000n, 0xbc90000000000000n, 0x3960000000000000n][rnd32() % 6];
        if (c === 0n) c = 0x0000000000000001n;
        break;
      }
      case 3: a = randD(1, 600); b = randD(1, 600); c = randD(0, 60); break; // tiny: subnormal territory
      case 4: a = randD(1000, 1080); b = randD(1, 80); c = randD(0, 20); break; // huge * tiny
      case 5: a = randD(1500, 2046); b = randD(1000, 1100); c = randD(1900, 2046); break; // overflow
      case 6: a = randD(); b = randD(); c = randD(0, 2046); break;
      case 7: a = randD(1010, 1035); b = randD(1010, 1035); c = randD(1000, 1060); break;
    }
    out.push([a, b, c]);
  }
  return out;
}

describe('fma64 (binary64 helper)', () => {
  it('is correctly rounded on random and hard finite inputs', () => {
    const bad: string[] = [];
    for (const [a, b, c] of hardTriples64(40000)) {
      if (![a, b, c].every(isFiniteBits64)) continue;
      const want = fmaRef(a, b, c, F64);
      const got = fma64(fromBits64(a), fromBits64(b), fromBits64(c));
      const ok = want === null ? Object.is(got, 0) : Object.is(got, want);
      if (!ok && bad.length < 5) bad.push(`${a.toString(16)} ${b.toString(16)} ${c.toString(16)}: got ${got}, want ${want}`);
    }
    expect(bad).toEqual([]);
  });

  it('handles zeros, infinities and signed zero results', () => {
    const cases: [number, number, number, number][] = [
      [0, 5, -0, 0], [-0, 5, -0, -0], [-0, 5, 0, 0], [1e-200, -1e-200, 0, -0], [1e-200, 1e-200, -0, 0],
      [2, 3, -6, 0], [Infinity, 2, -1, Infinity], [1e308, 10, -Infinity, -Infinity], [1e308, 10, -1e308, 1e309 - 1e308],
      [1e308, 10, 0, Infinity], [-1e308, 10, 0, -Infinity], [0, Infinity, 1, NaN], [Infinity, 1, -Infinity, NaN],
      [5e-324, 0.5, 0, 0], [5e-324, -0.5, 0, -0], [3 * 5e-324, 0.5, 0, 2 * 5e-324],
    ];
    for (const [a, b, c, want] of cases) expect(Object.is(fma64(a, b, c), want), `${a} ${b} ${c}`).toBe(true);
  });
});

describe('softMulAdd (exact software path)', () => {
  const env = (rmode: number): FpEnv => ({ rmode, fz: false, dn: false, ahp: false });
  it('matches the reference in every rounding mode, binary64', () => {
    for (const mode of [RN, RP, RM, RZ]) {
      for (const [a, b, c] of hardTriples64(1500)) {
        if (![a, b, c].every(isFiniteBits64)) continue;
        const want = fmaRef(a, b, c, F64, mode);
        const got = fromBits64(softMulAdd(c, a, b, FP64, env(mode)));
        if (want === null) expect(Object.is(got, mode === RM ? -0 : 0)).toBe(true);
        else expect(got, `${mode}: ${a.toString(16)} ${b.toString(16)} ${c.toString(16)}`).toBe(want);
      }
    }
  });
  it('matches the reference in every rounding mode, binary32', () => {
    for (const mode of [RN, RP, RM, RZ]) {
      for (let i = 0; i < 3000; i++) {
        const a = randS(), b = randS(), c = i % 3 ? randS(1, 60) : randS();
        const want = fmaRef(BigInt(a), BigInt(b), BigInt(c), F32, mode);
        const got = fromBits32(Number(softMulAdd(BigInt(c), BigInt(a), BigInt(b), FP32, env(mode))));
        if (want !== null) expect(got, `${mode}: ${a.toString(16)} ${b.toString(16)} ${c.toString(16)}`).toBe(want);
      }
    }
  });
});

/** Run fmadd <i>, <8+i>, <16+i>, <24+i> (Vd = Va + Vn*Vm) eight at a time under tsemu (compiling
 *  a snippet costs more than running it); returns the low 64 bits of each result. */
function runFmadd(triples: [bigint, bigint, bigint][], ftype: number): bigint[] {
  const snippets: Snippet[] = [];
  for (let k = 0; k < triples.length; k += 8) {
    const group = triples.slice(k, k + 8);
    const v: Record<number, [bigint, bigint]> = {};
    const code: number[] = [];
    group.forEach(([a, b, c], i) => {
      v[8 + i] = [a, 0n]; v[16 + i] = [b, 0n]; v[24 + i] = [c, 0n];
      code.push((0x1f000000 | (ftype << 22) | ((16 + i) << 16) | ((24 + i) << 10) | ((8 + i) << 5) | i) >>> 0);
    });
    snippets.push({ name: `fmadd #${k}`, code, in: { v } });
  }
  const outs = runTsemu(snippets);
  return triples.map((_, j) => outs[j >> 3].v[j & 7][0]);
}

describe('binary64 FMADD (inline wasm sequence with the fma64 fallback)', () => {
  it('is correctly rounded on random and hard inputs', () => {
    const triples = hardTriples64(2400).filter((t) => t.every(isFiniteBits64));
    const got = runFmadd(triples, 1);
    const bad: string[] = [];
    triples.forEach(([a, b, c], j) => {
      const want = fmaRef(a, b, c, F64);
      const g = fromBits64(got[j]);
      const ok = want === null ? Object.is(g, 0) : Object.is(g, want);
      if (!ok && bad.length < 5) bad.push(`${a.toString(16)} ${b.toString(16)} ${c.toString(16)}: got ${g}, want ${want}`);
    });
    expect(bad).toEqual([]);
  }, 120_000);
});

describe('binary32 FMADD (inline wasm sequence)', () => {
  it('is correctly rounded on random and hard inputs', () => {
    const triples: [number, number, number][] = [];
    for (let i = 0; i < 1500; i++) {
      let a = randS(), b = randS(), c = randS();
      switch (i % 5) {
        case 0: { // cancellation against the rounded product
          a = randS(80, 170); b = randS(80, 170);
          c = (bits32(-(Math.fround(fromBits32(a) * fromBits32(b)))) + (rnd32() % 5) - 2) >>> 0;
          break;
        }
        case 1: { // exact half-ulp tails with tiny addends
          a = 0x3f800000 | ((rnd32() % 4096) << 11);
          b = 0x3f800000 | ((rnd32() % 4096) << 11);
          c = [0x00000001, 0x80000001, 0x33000000, 0xb3000000, 0x2f800000][rnd32() % 5];
          break;
        }
        case 2: a = randS(1, 70); b = randS(1, 90); c = randS(0, 10); break; // subnormal results
        case 3: a = randS(200, 254); b = randS(120, 200); c = randS(240, 254); break; // overflow
      }
      triples.push([a, b, c]);
    }
    const got = runFmadd(triples.map(([a, b, c]) => [BigInt(a), BigInt(b), BigInt(c)]), 0);
    const bad: string[] = [];
    triples.forEach(([a, b, c], j) => {
      const want = fmaRef(BigInt(a), BigInt(b), BigInt(c), F32);
      const g = fromBits32(Number(got[j] & 0xffffffffn));
      const ok = want === null ? Object.is(g, 0) : Object.is(g, want);
      if (!ok && bad.length < 5) bad.push(`${a.toString(16)} ${b.toString(16)} ${c.toString(16)}: got ${g}, want ${want}`);
    });
    expect(bad).toEqual([]);
  }, 120_000);
});
