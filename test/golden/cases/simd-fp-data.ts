// Input vectors shared by the AdvSIMD FP golden cases: lanes chosen to hit NaN ordering,
// infinities, signed zeros, denormals, rounding ties and saturation.
const h = (n: bigint) => '0x' + n.toString(16);

/** Four single lanes (bit patterns) as a 'hi:lo' register value. */
export function s4(l0: number, l1: number, l2: number, l3: number): string {
  const w = (a: number, b: number) => (BigInt(b >>> 0) << 32n) | BigInt(a >>> 0);
  return `${h(w(l2, l3))}:${h(w(l0, l1))}`;
}

/** Two double lanes (bit patterns) as a 'hi:lo' register value. */
export function d2(l0: bigint, l1: bigint): string {
  return `${h(BigInt.asUintN(64, l1))}:${h(BigInt.asUintN(64, l0))}`;
}

export const F = {
  one: 0x3f800000, m2_5: 0xc0200000, zero: 0, mzero: 0x80000000, inf: 0x7f800000, minf: 0xff800000,
  qnan: 0x7fc00001, snan: 0x7f800005, snan2: 0x7fa00003, mqnan: 0xffc00002, den: 0x00000001, mden: 0x807fffff,
  max: 0x7f7fffff, p1: 0x3dcccccd, e10: 0x501502f9, me10: 0xd01502f9, three: 0x40400000, half: 0x3f000000,
  mhalf: 0xbf000000, two5: 0x40200000, m3_7: 0xc06ccccd, two31: 0x4f000000, one5: 0x3fc00000, m1_5: 0xbfc00000,
};

export const D = {
  one: 0x3ff0000000000000n, m2_5: 0xc004000000000000n, zero: 0n, mzero: 0x8000000000000000n,
  inf: 0x7ff0000000000000n, minf: 0xfff0000000000000n, qnan: 0x7ff8000000000123n, snan: 0x7ff0000000000456n,
  mqnan: 0xfff8000000000789n, den: 1n, max: 0x7fefffffffffffffn, p1: 0x3fb999999999999an,
  e300: 0x7e37e43c8800759cn, em300: 0x01a56e1fc2f8f359n, two63: 0x43e0000000000000n, mhalf: 0xbfe0000000000000n,
  half: 0x3fe0000000000000n, two5: 0x4004000000000000n, m3_5: 0xc00c000000000000n, e20: 0x4415af1d78b58c40n,
};

/** Pairs of single vectors (v1, v2) for binary operations. */
export const S_PAIRS: [string, string][] = [
  [s4(F.one, F.m2_5, F.qnan, F.snan), s4(F.p1, F.snan2, F.mqnan, F.one5)],
  [s4(F.inf, F.mzero, F.den, F.max), s4(F.zero, F.inf, F.minf, F.me10)],
  [s4(F.three, F.half, F.mhalf, F.two5), s4(F.e10, F.m3_7, F.two31, F.mden)],
  [s4(F.zero, F.inf, F.minf, F.me10), s4(F.inf, F.mzero, F.mden, F.max)],
  [s4(F.mqnan, F.snan2, F.inf, F.minf), s4(F.snan, F.qnan, F.inf, F.inf)],
];

export const D_PAIRS: [string, string][] = [
  [d2(D.one, D.qnan), d2(D.snan, D.m2_5)],
  [d2(D.inf, D.zero), d2(D.zero, D.minf)],
  [d2(D.p1, D.e300), d2(D.em300, D.mhalf)],
  [d2(D.den, D.max), d2(D.mzero, D.two5)],
  [d2(D.snan, D.mqnan), d2(D.qnan, D.snan)],
  [d2(D.inf, D.minf), d2(D.inf, D.inf)],
];

/** Single vectors for unary operations (roundings, conversions, estimates). */
export const S_LANES: number[][] = [
  [F.one, F.m2_5, F.qnan, F.snan],
  [F.inf, F.mzero, F.den, F.max],
  [F.three, F.half, F.mhalf, F.two5],
  [F.e10, F.m3_7, F.two31, F.mden],
  [0x3fbfffff, 0xbf400000, 0x4b7fffff, 0x00800000],
  [F.m1_5, 0x3effffff, 0x7e800000, 0x00400000],
];
export const S_ONE: string[] = S_LANES.map((l) => s4(l[0], l[1], l[2], l[3]));

export const D_LANES: bigint[][] = [
  [D.one, D.qnan], [D.snan, D.m2_5], [D.inf, D.mzero], [D.den, D.max], [D.p1, D.e300],
  [D.em300, D.mhalf], [D.two63, D.two5], [D.m3_5, D.e20], [0x000c000000000000n, 0x0000000010000000n],
];
export const D_ONE: string[] = D_LANES.map((l) => d2(l[0], l[1]));

/** Integer lanes for SCVTF/UCVTF. */
export const I32_ONE: string[] = [
  s4(0, -1, 0x7fffffff, 0x80000000),
  s4(0x01000001, 123, -7, 0xfffffffe),
];
export const I64_ONE: string[] = [
  d2(0x7fffffffffffffffn, 0x8000000000000000n),
  d2(0x20000000000001n, -1n),
  d2(12345n, 0xfffffffffffffc00n),
];

/** A small deterministic generator of "ordinary" float bit patterns (for FMA rounding checks). */
export function randomSingles(seed: number, n: number): number[] {
  let x = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const exp = 120 + (x >>> 28); // around 2^-7 .. 2^8
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push((((x >>> 31) << 31) | (exp << 23) | (x & 0x7fffff)) >>> 0);
  }
  return out;
}

export function randomDoubles(seed: number, n: number): bigint[] {
  const s = randomSingles(seed, n * 2);
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const a = BigInt(s[2 * i]);
    const b = BigInt(s[2 * i + 1]);
    const sign = a >> 31n;
    const exp = 1023n - 8n + ((a >> 23n) & 15n);
    out.push((sign << 63n) | (exp << 52n) | ((a & 0x7fffffn) << 29n) | (b & 0x1fffffffn));
  }
  return out;
}
