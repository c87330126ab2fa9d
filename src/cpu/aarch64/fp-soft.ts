// Exact software floating point with AArch64 semantics (the Arm ARM's FPRound, FPProcessNaNs,
// FPMulAdd, FPToFixed, ... rules), on BigInt mantissas. This is the slow path: generated code
// calls it only when FPCR asks for something wasm cannot do directly (a rounding mode other than
// nearest-even, flush-to-zero, the alternative half-precision format) and for the rare hard
// cases of the fast helpers. Values travel as raw bit patterns (bigint), never as JS numbers,
// so NaN payloads survive.

/** An IEEE binary interchange format. */
export interface FpFormat {
  readonly bits: 16 | 32 | 64;
  /** Exponent field width. */
  readonly ebits: number;
  /** Fraction field width (precision - 1). */
  readonly mbits: number;
}
export const FP16: FpFormat = { bits: 16, ebits: 5, mbits: 10 };
export const FP32: FpFormat = { bits: 32, ebits: 8, mbits: 23 };
export const FP64: FpFormat = { bits: 64, ebits: 11, mbits: 52 };

/** Rounding modes: the FPCR.RMode encodings, plus ties-away (FRINTA, FCVTAS) and round-to-odd. */
export const RN = 0, RP = 1, RM = 2, RZ = 3, RA = 4, RO = 5;

/** FPCR bits the translation depends on. */
export const FPCR_AHP = 1 << 26, FPCR_DN = 1 << 25, FPCR_FZ = 1 << 24, FPCR_FZ16 = 1 << 19;
export const FPCR_RMODE_SHIFT = 22;
export const fpcrRMode = (fpcr: number): number => (fpcr >>> FPCR_RMODE_SHIFT) & 3;

/** The settings one operation runs under. */
export interface FpEnv {
  rmode: number;
  /** Flush denormal single/double inputs and outputs to zero (FPCR.FZ). */
  fz: boolean;
  /** The same for half-precision arithmetic (FPCR.FZ16; conversions between formats ignore it). */
  fz16?: boolean;
  /** Default-NaN mode: every NaN result is the default NaN. */
  dn: boolean;
  /** Alternative half precision (no infinities or NaNs) for conversions to and from half. */
  ahp: boolean;
}
export function fpEnv(fpcr: number): FpEnv {
  return {
    rmode: fpcrRMode(fpcr), fz: (fpcr & FPCR_FZ) !== 0, fz16: (fpcr & FPCR_FZ16) !== 0, dn: (fpcr & FPCR_DN) !== 0,
    ahp: (fpcr & FPCR_AHP) !== 0,
  };
}

export enum Cls { Zero, Num, Inf, QNaN, SNaN }

/** An unpacked value: (-1)^sign * m * 2^e for Num. */
export interface Unpacked {
  cls: Cls;
  sign: number;
  m: bigint;
  e: number;
}

const B = (n: number) => BigInt(n);
const mask = (n: number) => (1n << B(n)) - 1n;
const bias = (f: FpFormat) => (1 << (f.ebits - 1)) - 1;
const flushes = (f: FpFormat, env: FpEnv) => (f.bits === 16 ? !!env.fz16 : env.fz);

export const signBit = (f: FpFormat): bigint => 1n << B(f.bits - 1);
export const quietBit = (f: FpFormat): bigint => 1n << B(f.mbits - 1);
export const infBits = (f: FpFormat, sign = 0): bigint => (mask(f.ebits) << B(f.mbits)) | (sign ? signBit(f) : 0n);
export const defaultNaN = (f: FpFormat): bigint => infBits(f) | quietBit(f);
export const zeroBits = (f: FpFormat, sign: number): bigint => (sign ? signBit(f) : 0n);
const maxNormal = (f: FpFormat, sign: number) => (infBits(f, sign) - 1n);

export function unpack(bits: bigint, f: FpFormat, env: FpEnv, ahp = false): Unpacked {
  const sign = Number((bits >> B(f.bits - 1)) & 1n);
  const bexp = Number((bits >> B(f.mbits)) & mask(f.ebits));
  const frac = bits & mask(f.mbits);
  if (bexp === (1 << f.ebits) - 1 && !ahp) {
    if (frac === 0n) return { cls: Cls.Inf, sign, m: 0n, e: 0 };
    return { cls: frac & quietBit(f) ? Cls.QNaN : Cls.SNaN, sign, m: frac, e: 0 };
  }
  if (bexp === 0) {
    if (frac === 0n || flushes(f, env)) return { cls: Cls.Zero, sign, m: 0n, e: 0 };
    return { cls: Cls.Num, sign, m: frac, e: 1 - bias(f) - f.mbits };
  }
  return { cls: Cls.Num, sign, m: frac | (1n << B(f.mbits)), e: bexp - bias(f) - f.mbits };
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/**
 * FPRound: the value (-1)^sign * (m + f) * 2^e, 0 <= f < 1 and `sticky` meaning f > 0, rounded
 * to `fmt` with `rmode`. Tininess is detected before rounding (as Arm does) for flush-to-zero.
 * Callers pass at least precision+2 significant bits whenever sticky is set.
 */
export function roundPack(sign: number, m: bigint, e: number, sticky: boolean, f: FpFormat, rmode: number, env: FpEnv, ahp = false): bigint {
  if (m === 0n && !sticky) return zeroBits(f, sign);
  const p = f.mbits + 1;
  const emin = 1 - bias(f);
  const E = e + bitLength(m) - 1;
  if (E < emin && flushes(f, env)) return zeroBits(f, sign);
  let lsbExp = Math.max(E - (p - 1), emin - (p - 1));
  let q: bigint;
  let inexact: boolean;
  let up = false;
  const shift = lsbExp - e;
  if (shift <= 0) {
    q = m << B(-shift);
    inexact = sticky;
    if (sticky) throw new Error('roundPack: sticky needs guard bits');
  } else {
    q = m >> B(shift);
    const rem = m & mask(shift);
    const half = 1n << B(shift - 1);
    inexact = rem !== 0n || sticky;
    switch (rmode) {
      case RN: up = rem > half || (rem === half && (sticky || (q & 1n) === 1n)); break;
      case RA: up = rem >= half; break;
      case RP: up = inexact && !sign; break;
      case RM: up = inexact && !!sign; break;
      case RO: up = inexact && (q & 1n) === 0n; break;
      default: up = false;
    }
  }
  if (up) q += 1n;
  if (q >> B(p) !== 0n) {
    q >>= 1n;
    lsbExp++;
  }
  const normal = q >> B(p - 1) !== 0n;
  const bexp = normal ? lsbExp + (p - 1) + bias(f) : 0;
  const maxExp = (1 << f.ebits) - (ahp ? 1 : 2);
  if (bexp > maxExp) {
    if (ahp) return (sign ? signBit(f) : 0n) | mask(f.bits - 1);
    const toInf = rmode === RN || rmode === RA || (rmode === RP && !sign) || (rmode === RM && !!sign);
    return toInf ? infBits(f, sign) : maxNormal(f, sign);
  }
  return (sign ? signBit(f) : 0n) | (B(bexp) << B(f.mbits)) | (q & mask(f.mbits));
}

/** FPProcessNaNs over any number of operands: the first signalling NaN quieted, else the first
 *  quiet NaN; null when no operand is a NaN. */
export function processNaNs(ops: bigint[], u: Unpacked[], f: FpFormat, env: FpEnv): bigint | null {
  for (let i = 0; i < u.length; i++) if (u[i].cls === Cls.SNaN) return env.dn ? defaultNaN(f) : ops[i] | quietBit(f);
  for (let i = 0; i < u.length; i++) if (u[i].cls === Cls.QNaN) return env.dn ? defaultNaN(f) : ops[i];
  return null;
}

/** (-1)^s * m * 2^e plus another such value, exactly. */
function addExact(s1: number, m1: bigint, e1: number, s2: number, m2: bigint, e2: number): [number, bigint, number] {
  const e = Math.min(e1, e2);
  const a = (m1 << B(e1 - e)) * (s1 ? -1n : 1n);
  const b = (m2 << B(e2 - e)) * (s2 ? -1n : 1n);
  const r = a + b;
  return r < 0n ? [1, -r, e] : [0, r, e];
}

export const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3, OP_MAX = 4, OP_MIN = 5, OP_MAXNM = 6, OP_MINNM = 7, OP_NMUL = 8;

/** FADD, FSUB, FMUL, FDIV, FMAX, FMIN, FMAXNM, FMINNM, FNMUL on raw bits. */
export function softBinary(op: number, a: bigint, b: bigint, f: FpFormat, env: FpEnv): bigint {
  let ua = unpack(a, f, env);
  let ub = unpack(b, f, env);
  if (op === OP_MAXNM || op === OP_MINNM) {
    // FPMaxNum/FPMinNum: a single quiet NaN loses against a number (replaced by an infinity that
    // cannot win).
    const aq = ua.cls === Cls.QNaN, bq = ub.cls === Cls.QNaN;
    const inf: Unpacked = { cls: Cls.Inf, sign: op === OP_MAXNM ? 1 : 0, m: 0n, e: 0 };
    if (aq && !bq) { ua = inf; a = infBits(f, inf.sign); }
    else if (bq && !aq) { ub = inf; b = infBits(f, inf.sign); }
    op = op === OP_MAXNM ? OP_MAX : OP_MIN;
  }
  const nan = processNaNs([a, b], [ua, ub], f, env);
  // FNMUL negates the product after the multiply, NaN included (Arm pseudocode and qemu agree).
  if (nan !== null) return op === OP_NMUL ? nan ^ signBit(f) : nan;
  const inv = defaultNaN(f);
  switch (op) {
    case OP_SUB:
    case OP_ADD: {
      if (op === OP_SUB) ub = { ...ub, sign: ub.sign ^ 1 };
      if (ua.cls === Cls.Inf && ub.cls === Cls.Inf) return ua.sign === ub.sign ? infBits(f, ua.sign) : inv;
      if (ua.cls === Cls.Inf) return infBits(f, ua.sign);
      if (ub.cls === Cls.Inf) return infBits(f, ub.sign);
      if (ua.cls === Cls.Zero && ub.cls === Cls.Zero) {
        const s = ua.sign === ub.sign ? ua.sign : env.rmode === RM ? 1 : 0;
        return zeroBits(f, s);
      }
      const [s, m, e] = addExact(ua.sign, ua.m, ua.e, ub.sign, ub.m, ub.e);
      if (m === 0n) return zeroBits(f, env.rmode === RM ? 1 : 0);
      return roundPack(s, m, e, false, f, env.rmode, env);
    }
    case OP_MUL:
    case OP_NMUL: {
      const s = ua.sign ^ ub.sign;
      let r: bigint;
      if ((ua.cls === Cls.Inf && ub.cls === Cls.Zero) || (ua.cls === Cls.Zero && ub.cls === Cls.Inf)) r = inv;
      else if (ua.cls === Cls.Inf || ub.cls === Cls.Inf) r = infBits(f, s);
      else if (ua.cls === Cls.Zero || ub.cls === Cls.Zero) r = zeroBits(f, s);
      else r = roundPack(s, ua.m * ub.m, ua.e + ub.e, false, f, env.rmode, env);
      return op === OP_NMUL ? r ^ signBit(f) : r;
    }
    case OP_DIV: {
      const s = ua.sign ^ ub.sign;
      if ((ua.cls === Cls.Inf && ub.cls === Cls.Inf) || (ua.cls === Cls.Zero && ub.cls === Cls.Zero)) return inv;
      if (ua.cls === Cls.Inf || ub.cls === Cls.Zero) return infBits(f, s);
      if (ua.cls === Cls.Zero || ub.cls === Cls.Inf) return zeroBits(f, s);
      const shift = f.mbits + 4 + bitLength(ub.m) - bitLength(ua.m);
      const num = ua.m << B(Math.max(shift, 0));
      const q = num / ub.m;
      return roundPack(s, q, ua.e - ub.e - Math.max(shift, 0), q * ub.m !== num, f, env.rmode, env);
    }
    case OP_MAX:
    case OP_MIN: {
      const cmp = compareReal(ua, ub);
      if (ua.cls === Cls.Zero && ub.cls === Cls.Zero && ua.sign !== ub.sign) return zeroBits(f, op === OP_MAX ? 0 : 1);
      const pickA = op === OP_MAX ? cmp > 0 : cmp < 0;
      return repack(pickA ? ua : ub, f);
    }
  }
  throw new Error(`softBinary: bad op ${op}`);
}

/** Pack an unpacked non-NaN value that is exactly representable (after input flushing). */
function repack(u: Unpacked, f: FpFormat): bigint {
  if (u.cls === Cls.Zero) return zeroBits(f, u.sign);
  if (u.cls === Cls.Inf) return infBits(f, u.sign);
  return roundPack(u.sign, u.m, u.e, false, f, RZ, { rmode: RZ, fz: false, dn: false, ahp: false });
}

/** Compare two non-NaN unpacked values as real numbers: -1, 0, 1. */
export function compareReal(a: Unpacked, b: Unpacked): number {
  const val = (u: Unpacked): [number, bigint, number] => (u.cls === Cls.Zero ? [0, 0n, 0] : [u.sign, u.m, u.e]);
  if (a.cls === Cls.Inf || b.cls === Cls.Inf) {
    const ra = a.cls === Cls.Inf ? (a.sign ? -2 : 2) : 0;
    const rb = b.cls === Cls.Inf ? (b.sign ? -2 : 2) : 0;
    if (ra !== rb) return Math.sign(ra - rb);
    if (ra !== 0) return 0;
  }
  const [sa, ma, ea] = val(a);
  const [sb, mb, eb] = val(b);
  const [s, m] = addExact(sa, ma, ea, sb ^ 1, mb, eb);
  return m === 0n ? 0 : s ? -1 : 1;
}

/** FCMP: NZCV (packed in bits 3:0) for a compare of a with b. */
export function softCompare(a: bigint, b: bigint, f: FpFormat, env: FpEnv): number {
  const ua = unpack(a, f, env), ub = unpack(b, f, env);
  if (ua.cls >= Cls.QNaN || ub.cls >= Cls.QNaN) return 0b0011;
  const c = compareReal(ua, ub);
  return c === 0 ? 0b0110 : c < 0 ? 0b1000 : 0b0010;
}

/** FPMulAdd(addend, op1, op2): addend + op1*op2 with one rounding (negations are the caller's). */
export function softMulAdd(addend: bigint, op1: bigint, op2: bigint, f: FpFormat, env: FpEnv): bigint {
  const ua = unpack(addend, f, env), u1 = unpack(op1, f, env), u2 = unpack(op2, f, env);
  const infzero = (u1.cls === Cls.Inf && u2.cls === Cls.Zero) || (u1.cls === Cls.Zero && u2.cls === Cls.Inf);
  const nan = processNaNs([addend, op1, op2], [ua, u1, u2], f, env);
  if (ua.cls === Cls.QNaN && infzero) return defaultNaN(f);
  if (nan !== null) return nan;
  const sp = u1.sign ^ u2.sign;
  const infP = u1.cls === Cls.Inf || u2.cls === Cls.Inf;
  const zeroP = u1.cls === Cls.Zero || u2.cls === Cls.Zero;
  if (infzero || (ua.cls === Cls.Inf && infP && ua.sign !== sp)) return defaultNaN(f);
  if (ua.cls === Cls.Inf) return infBits(f, ua.sign);
  if (infP) return infBits(f, sp);
  if (ua.cls === Cls.Zero && zeroP && ua.sign === sp) return zeroBits(f, sp);
  const [s, m, e] = addExact(ua.sign, ua.m, ua.e, sp, zeroP ? 0n : u1.m * u2.m, zeroP ? 0 : u1.e + u2.e);
  if (m === 0n) return zeroBits(f, env.rmode === RM ? 1 : 0);
  return roundPack(s, m, e, false, f, env.rmode, env);
}

/** Integer square root (floor) of a non-negative bigint. */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  if (x === 0n) x = 1n;
  // Newton from a close start; then fix up by one step either way.
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

export function softSqrt(a: bigint, f: FpFormat, env: FpEnv): bigint {
  const u = unpack(a, f, env);
  const nan = processNaNs([a], [u], f, env);
  if (nan !== null) return nan;
  if (u.cls === Cls.Zero) return zeroBits(f, u.sign);
  if (u.sign) return defaultNaN(f);
  if (u.cls === Cls.Inf) return infBits(f, 0);
  let k = 2 * (f.mbits + 4) - bitLength(u.m) + 2;
  if (k < 0) k = 0;
  if ((u.e - k) % 2 !== 0) k++;
  const n = u.m << B(k);
  const r = isqrt(n);
  return roundPack(0, r, (u.e - k) / 2, r * r !== n, f, env.rmode, env);
}

/** FPRoundInt (FRINT*): round to an integral value in the same format. `exact` is FRINTX (only
 *  affects the inexact flag, which we do not model). */
export function softRoundInt(a: bigint, f: FpFormat, rmode: number, env: FpEnv): bigint {
  const u = unpack(a, f, env);
  const nan = processNaNs([a], [u], f, env);
  if (nan !== null) return nan;
  if (u.cls !== Cls.Num) return repack(u, f);
  const i = roundToInteger(u, rmode);
  if (i === 0n) return zeroBits(f, u.sign);
  return roundPack(u.sign, i, 0, false, f, RN, env);
}

/** |u| rounded to an integer (magnitude) with rmode, for a Num. */
function roundToInteger(u: Unpacked, rmode: number, fbits = 0): bigint {
  const e = u.e + fbits;
  if (e >= 0) return u.m << B(e);
  const sh = -e;
  if (sh > 4000) return roundBits(0n, 1n, 2n, false, u.sign, rmode);
  const q = u.m >> B(sh);
  const rem = u.m & mask(sh);
  return roundBits(q, rem, 1n << B(sh - 1), false, u.sign, rmode);
}

function roundBits(q: bigint, rem: bigint, half: bigint, sticky: boolean, sign: number, rmode: number): bigint {
  const inexact = rem !== 0n || sticky;
  let up = false;
  switch (rmode) {
    case RN: up = rem > half || (rem === half && (sticky || (q & 1n) === 1n)); break;
    case RA: up = rem >= half; break;
    case RP: up = inexact && !sign; break;
    case RM: up = inexact && !!sign; break;
    default: up = false;
  }
  return up ? q + 1n : q;
}

/** FRINT32Z/32X/64Z/64X: round, and give the most negative integer of `isize` bits when the
 *  result does not fit (or for NaN and infinity). */
export function softRoundIntN(a: bigint, f: FpFormat, rmode: number, isize: number, env: FpEnv): bigint {
  const u = unpack(a, f, env);
  const minInt = roundPack(1, 1n, isize - 1, false, f, RN, env);
  if (u.cls >= Cls.Inf) return minInt;
  if (u.cls === Cls.Zero) return zeroBits(f, u.sign);
  const i = roundToInteger(u, rmode);
  if (i === 0n) return zeroBits(f, u.sign);
  const limit = 1n << B(isize - 1);
  if (u.sign ? i > limit : i >= limit) return minInt;
  return roundPack(u.sign, i, 0, false, f, RN, env);
}

/** FPToFixed: FCVT[ZNAPM][SU] and the fixed-point FCVTZS/U; saturating; NaN gives 0.
 *  Returns the integer as a bigint in two's complement of `isize` bits. */
export function softToInt(a: bigint, f: FpFormat, fbits: number, unsigned: boolean, isize: number, rmode: number, env: FpEnv): bigint {
  const u = unpack(a, f, env);
  if (u.cls >= Cls.QNaN) return 0n;
  const max = unsigned ? mask(isize) : mask(isize - 1);
  const min = unsigned ? 0n : -(1n << B(isize - 1));
  let v: bigint;
  if (u.cls === Cls.Inf) v = u.sign ? min : max;
  else if (u.cls === Cls.Zero) v = 0n;
  else {
    const mag = roundToInteger(u, rmode, fbits);
    v = u.sign ? -mag : mag;
  }
  if (v > max) v = max;
  if (v < min) v = min;
  return BigInt.asUintN(isize, v);
}

/** FixedToFP: SCVTF/UCVTF of an `isize`-bit integer with `fbits` fraction bits. */
export function softFromInt(x: bigint, isize: number, unsigned: boolean, fbits: number, f: FpFormat, rmode: number, env: FpEnv): bigint {
  let v = unsigned ? BigInt.asUintN(isize, x) : BigInt.asIntN(isize, x);
  const sign = v < 0n ? 1 : 0;
  if (sign) v = -v;
  if (v === 0n) return zeroBits(f, 0);
  // Guard bits so that roundPack sees at least precision+2 bits.
  return roundPack(sign, v << 64n, -fbits - 64, false, f, rmode, env);
}

/** FPConvert between H, S and D. AHP applies to the half-precision side. */
export function softConvert(a: bigint, from: FpFormat, to: FpFormat, rmode: number, env: FpEnv): bigint {
  env = { ...env, fz16: false };
  const ahpIn = env.ahp && from.bits === 16;
  const ahpOut = env.ahp && to.bits === 16;
  const u = unpack(a, from, env, ahpIn);
  if (u.cls === Cls.QNaN || u.cls === Cls.SNaN) {
    if (ahpOut) return zeroBits(to, u.sign);
    if (env.dn) return defaultNaN(to);
    const payload = to.mbits >= from.mbits ? u.m << B(to.mbits - from.mbits) : u.m >> B(from.mbits - to.mbits);
    return (u.sign ? signBit(to) : 0n) | infBits(to) | quietBit(to) | payload;
  }
  if (u.cls === Cls.Inf) return ahpOut ? (u.sign ? signBit(to) : 0n) | mask(to.bits - 1) : infBits(to, u.sign);
  if (u.cls === Cls.Zero) return zeroBits(to, u.sign);
  return roundPack(u.sign, u.m << 8n, u.e - 8, false, to, rmode, env, ahpOut);
}

/** FJCVTZS: JavaScript ToInt32 of a double; returns [result as uint32, Z flag]. */
export function softJsConvert(a: bigint, env: FpEnv): [number, number] {
  const u = unpack(a, FP64, env);
  if (u.cls !== Cls.Num) return [0, u.cls === Cls.Zero && !u.sign ? 1 : 0];
  const mag = roundToInteger(u, RZ);
  const exact = u.e >= 0 || (u.m & mask(-u.e)) === 0n;
  const v = u.sign ? -mag : mag;
  const r = BigInt.asIntN(32, v);
  return [Number(BigInt.asUintN(32, r)), exact && r === v && !(u.sign && mag === 0n) ? 1 : 0];
}
