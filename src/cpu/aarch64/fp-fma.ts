// Fused multiply-add with one rounding. JavaScript has no Math.fma and wasm has none outside
// relaxed SIMD (which may or may not fuse), so:
// - binary32: the product of two floats is exact in binary64; the sum is rounded to binary64
//   with round-to-odd (TwoSum gives the exact error; if the sum is inexact and its last bit is
//   even, step one ulp towards the error), then to binary32 with round-to-nearest. Rounding to
//   odd at precision p >= q + 2 followed by any rounding to precision q equals a single rounding
//   to q (Boldo & Melquiond, "When double rounding is odd", 2005), and 53 >= 24 + 2, including
//   for binary32 subnormal results, which have even fewer bits. This is inlined in wasm
//   (emitFma32 in fp-common.ts) with the same steps.
// - binary64: Boldo & Melquiond's emulated FMA ("Emulation of FMA and correctly rounded sums:
//   proved algorithms using rounding to odd", IEEE TC 2008): the exact product uh + ul
//   (Veltkamp/Dekker), th + tl = c + uh (TwoSum), v = RO(tl + ul), result RN(th + v). The proof
//   needs no underflow or overflow in the intermediate steps, so operands outside a safe
//   exponent range (and results near the subnormal range) go to the exact BigInt path.
import { FP64, RN, softMulAdd, type FpEnv } from './fp-soft.js';

const buf = new Float64Array(1);
const lohi = new Uint32Array(buf.buffer);
const big = new BigUint64Array(buf.buffer);
const SPLIT = 134217729; // 2^27 + 1
const HUGE = 2 ** 995;
const PROD_MAX = 2 ** 1000;
const PROD_MIN = 2 ** -900;
const RESULT_MIN = 2 ** -960;
const NEAREST: FpEnv = { rmode: RN, fz: false, dn: false, ahp: false };

/** Round-to-odd of x + y given s = RN(x + y) and err = (x + y) - s exactly. */
function roundOdd(s: number, err: number): number {
  if (err === 0) return s;
  buf[0] = s;
  if (lohi[0] & 1) return s;
  if (err > 0 === s > 0) {
    lohi[0] |= 1; // magnitude up by one ulp; the low word is even, so no carry
  } else if (lohi[0] === 0) {
    lohi[0] = 0xffffffff;
    lohi[1]--;
  } else {
    lohi[0]--;
  }
  return buf[0];
}

function toBits(x: number): bigint {
  buf[0] = x;
  return big[0];
}
function fromBits(b: bigint): number {
  big[0] = b;
  return buf[0];
}

/** a*b + c rounded once to nearest-even (binary64). NaN results may have any payload: callers
 *  apply the AArch64 NaN rules. */
export function fma64(a: number, b: number, c: number): number {
  // A zero, infinite or NaN factor makes the product exact: the unfused expression rounds once.
  if (a === 0 || b === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return a * b + c;
  if (!Number.isFinite(c)) return c; // finite product: the infinity (or NaN) wins
  const p = a * b;
  if (c === 0) return p; // exact product is nonzero, so the sign of zero is the product's
  const ap = Math.abs(p);
  const ac = Math.abs(c);
  if (ap < PROD_MAX && ap > PROD_MIN && ac < PROD_MAX && Math.abs(a) < HUGE && Math.abs(b) < HUGE) {
    // Exact product p + e.
    let t = SPLIT * a;
    const ah = t - (t - a);
    const al = a - ah;
    t = SPLIT * b;
    const bh = t - (t - b);
    const bl = b - bh;
    const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    // th + tl = c + p exactly.
    const th = c + p;
    let bb = th - c;
    const tl = (c - (th - bb)) + (p - bb);
    // v = RO(tl + e).
    const s = tl + e;
    bb = s - tl;
    const err = (tl - (s - bb)) + (e - bb);
    const z = th + roundOdd(s, err);
    if (Math.abs(z) > RESULT_MIN) return z;
    if (err === 0 && s === -th) return 0; // exact cancellation: +0 when rounding to nearest
  }
  return fromBits(softMulAdd(toBits(c), toBits(a), toBits(b), FP64, NEAREST));
}
