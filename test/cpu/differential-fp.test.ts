// Differential test: random sequences of scalar floating-point instructions (half, single and
// double precision) run under qemu-aarch64 and under tsemu from the same random state, with a
// random FPCR (default-NaN, flush-to-zero, rounding mode, sometimes AHP and FZ16); the whole CPU
// state must agree.
// Inputs come from a pool of interesting bit patterns (signed zeros, infinities, quiet and
// signalling NaNs with payloads, denormals, the largest and smallest normals, halfway cases,
// integer limits) and random values. The instruction words come from the encoders below
// (random valid fields), not from an assembler, so the test needs nothing but qemu.
// A failure prints the seed:
//   TSEMU_DIFF_SEED=<seed> npx vitest run test/cpu/differential-fp.test.ts
import { describe, it } from 'vitest';
import { expectAgreementWithQemu, hex, hex128, pattern, Rng } from '../support/differential.js';
import { FPSR_EXCEPTION_BITS, type Snippet } from '../support/snippet.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('qemu');

// The snippet harness has 2048-byte state blocks, so any batch size works; the cap keeps the
// snippet pages (one 4 KiB page each from SNIPPET_BASE) below the driver code.
const SEQUENCES = Math.min(Number(process.env.TSEMU_DIFF_COUNT ?? 1001) || 1001, 20000);
const MAX_LEN = 6;



// ---------------------------------------------------------------- encoders

const ENC = {
  fp1src: pattern('000 11110 ftype:2 1 0000 opc:2 10000 rn:5 rd:5'), // FMOV FABS FNEG FSQRT
  fcvt: pattern('000 11110 ftype:2 1 0001 opc:2 10000 rn:5 rd:5'),
  frint: pattern('000 11110 ftype:2 1 001 op:3 10000 rn:5 rd:5'),
  frintN: pattern('000 11110 ftype:2 1 0100 n64:1 x:1 10000 rn:5 rd:5'), // FRINT32Z/32X/64Z/64X
  fp2src: pattern('000 11110 ftype:2 1 rm:5 opcode:4 10 rn:5 rd:5'),
  fp3src: pattern('000 11111 ftype:2 o1:1 rm:5 o0:1 ra:5 rn:5 rd:5'),
  fcmp: pattern('000 11110 ftype:2 1 rm:5 00 1000 rn:5 e:1 zero:1 000'),
  fccmp: pattern('000 11110 ftype:2 1 rm:5 cond:4 01 rn:5 e:1 nzcv:4'),
  fcsel: pattern('000 11110 ftype:2 1 rm:5 cond:4 11 rn:5 rd:5'),
  fmovImm: pattern('000 11110 ftype:2 1 imm8:8 100 00000 rd:5'),
  fpInt: pattern('sf:1 00 11110 ftype:2 1 rmode:2 opcode:3 000000 rn:5 rd:5'),
  fpFixed: pattern('sf:1 00 11110 ftype:2 0 rmode:2 opcode:3 scale:6 rn:5 rd:5'),
};

/** Generation context: the PRNG and the registers the sequence touches (for failure reports). */
class Ctx {
  readonly vs = new Set<number>();
  readonly xs = new Set<number>();
  constructor(readonly r: Rng) {}
  /** A v register: mostly v0-v7, so instructions feed each other. */
  v(): number {
    const n = this.r.int(4) ? this.r.int(8) : this.r.int(32);
    this.vs.add(n);
    return n;
  }
  /** A general register x0-x27, sometimes 31 (XZR). */
  x(): number {
    const n = this.r.int(10) ? this.r.int(28) : 31;
    if (n !== 31) this.xs.add(n);
    return n;
  }
  /** ftype: 0 single, 1 double, 3 half. */
  ftype(): number {
    return this.r.pick([0, 0, 1, 1, 3]);
  }
}

type Gen = (c: Ctx) => number;

const GENS: Record<string, Gen> = {
  'FMOV/FABS/FNEG/FSQRT': (c) => ENC.fp1src({ ftype: c.ftype(), opc: c.r.int(4), rn: c.v(), rd: c.v() }),
  'FCVT (S, D, H)': (c) => {
    const ftype = c.ftype();
    const opc = c.r.pick([0, 1, 3].filter((t) => t !== ftype));
    return ENC.fcvt({ ftype, opc, rn: c.v(), rd: c.v() });
  },
  FRINT: (c) => ENC.frint({ ftype: c.ftype(), op: c.r.pick([0, 1, 2, 3, 4, 6, 7]), rn: c.v(), rd: c.v() }), // op 5 unallocated
  'FRINT32/64': (c) => ENC.frintN({ ftype: c.r.bit(), n64: c.r.bit(), x: c.r.bit(), rn: c.v(), rd: c.v() }),
  'FMUL/FDIV/FADD/FSUB/FMAX/FMIN/FMAXNM/FMINNM/FNMUL': (c) =>
    ENC.fp2src({ ftype: c.ftype(), opcode: c.r.int(9), rm: c.v(), rn: c.v(), rd: c.v() }),
  'FMADD/FMSUB/FNMADD/FNMSUB': (c) =>
    ENC.fp3src({ ftype: c.ftype(), o1: c.r.bit(), o0: c.r.bit(), rm: c.v(), ra: c.v(), rn: c.v(), rd: c.v() }),
  'FCMP/FCMPE': (c) => {
    const zero = c.r.int(4) === 0 ? 1 : 0; // the #0.0 form has Rm = 0
    return ENC.fcmp({ ftype: c.ftype(), rm: zero ? 0 : c.v(), rn: c.v(), e: c.r.bit(), zero });
  },
  'FCCMP/FCCMPE': (c) => ENC.fccmp({ ftype: c.ftype(), rm: c.v(), cond: c.r.int(16), rn: c.v(), e: c.r.bit(), nzcv: c.r.int(16) }),
  FCSEL: (c) => ENC.fcsel({ ftype: c.ftype(), rm: c.v(), cond: c.r.int(16), rn: c.v(), rd: c.v() }),
  'FMOV (immediate)': (c) => ENC.fmovImm({ ftype: c.ftype(), imm8: c.r.int(256), rd: c.v() }),
  // FCVTNS/NU/PS/PU/MS/MU/ZS/ZU, FCVTAS/AU
  'FCVT* to integer': (c) => {
    const opcode = c.r.pick([0, 1, 4, 5]);
    return ENC.fpInt({ sf: c.r.bit(), ftype: c.ftype(), rmode: opcode <= 1 ? c.r.int(4) : 0, opcode, rn: c.v(), rd: c.x() });
  },
  'SCVTF/UCVTF': (c) => ENC.fpInt({ sf: c.r.bit(), ftype: c.ftype(), opcode: c.r.pick([2, 3]), rn: c.x(), rd: c.v() }),
  'FMOV (general)': (c) => {
    const [sf, ftype, rmode] = c.r.pick([[0, 0, 0], [1, 1, 0], [0, 3, 0], [1, 3, 0], [1, 2, 1]]);
    const toGp = c.r.bit();
    return ENC.fpInt({ sf, ftype, rmode, opcode: toGp ? 6 : 7, rn: toGp ? c.v() : c.x(), rd: toGp ? c.x() : c.v() });
  },
  FJCVTZS: (c) => ENC.fpInt({ sf: 0, ftype: 1, rmode: 3, opcode: 6, rn: c.v(), rd: c.x() }),
  'fixed point': (c) => {
    const sf = c.r.bit();
    const [rmode, opcode] = c.r.pick([[3, 0], [3, 1], [0, 2], [0, 3]]); // FCVTZS FCVTZU SCVTF UCVTF
    const scale = sf ? c.r.int(64) : 32 + c.r.int(32); // fbits = 64 - scale: 1..64 (X), 1..32 (W)
    const toInt = opcode <= 1;
    return ENC.fpFixed({ sf, ftype: c.ftype(), rmode, opcode, scale, rn: toInt ? c.v() : c.x(), rd: toInt ? c.x() : c.v() });
  },
};
/** Arithmetic is picked more often than the other groups; the rest have weight 1. */
const WEIGHT: Record<string, number> = { 'FMUL/FDIV/FADD/FSUB/FMAX/FMIN/FMAXNM/FMINNM/FNMUL': 3, 'FMADD/FMSUB/FNMADD/FNMSUB': 2 };
const GEN_NAMES = Object.keys(GENS).flatMap((n) => Array<string>(WEIGHT[n] ?? 1).fill(n));

// ---------------------------------------------------------------- inputs
const M64 = (1n << 64n) - 1n;

/** Interesting values per format: [bits of the exponent field, pool]. */
const DOUBLE = [
  0x0000000000000000n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, // ±0, ±inf
  0x7ff8000000000000n, 0x7ff8000000000123n, 0xfff8000000000789n, // qNaN
  0x7ff0000000000456n, 0xfff4000000000001n, 0x7ff0000000000001n, // sNaN
  0x0000000000000001n, 0x000fffffffffffffn, 0x8000000000000001n, 0x800fffffffffffffn, 0x0008000000000000n, // denormals
  0x0010000000000000n, 0x8010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, // min / max normal
  0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n, 0x3ff8000000000000n, 0x4004000000000000n, // 1 -1 .5 1.5 2.5
  0xc00e000000000000n, 0xbfe8000000000000n, 0x3fefffffffffffffn, 0x4330000000000001n, 0x4340000000000001n,
  0x41dfffffffc00000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0xc1e0000000200000n, 0x41efffffffe00000n, 0x41f0000000000000n,
  0x43dfffffffffffffn, 0x43e0000000000000n, 0xc3e0000000000000n, 0xc3e0000000000001n, 0x43f0000000000000n,
  0x36a0000000000000n, 0x3690000000000000n, 0x47efffffe0000000n, 0x47effffff0000000n, 0x380fffffe0000000n, // S-edge values
  0x40effe0000000000n, 0x40effc0000000000n, 0x3f10000000000000n, 0x3e70000000000000n, // H-edge values
];
const SINGLE = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fc00123, 0xffc00789, 0x7f800456, 0xffa00001, 0x7f800001,
  0x00000001, 0x007fffff, 0x80000001, 0x807fffff, 0x00400000, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff,
  0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xc0700000, 0xbf400000, 0x3f7fffff, 0x4b000001, 0x4b800001,
  0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x4f7fffff, 0x4f800000, 0x5effffff, 0x5f000000, 0xdf000000, 0xdf000001,
  0x5f800000, 0x477fe000, 0x477ff000, 0x38800000, 0x33800000, 0x33000000,
];
const HALF = [
  0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7e01, 0xfe12, 0x7c01, 0xfd00, 0x0001, 0x03ff, 0x8001, 0x83ff, 0x0200,
  0x0400, 0x8400, 0x7bff, 0xfbff, 0x3c00, 0xbc00, 0x3800, 0x3e00, 0x4100, 0xc380, 0xba00, 0x3bff, 0x6400, 0x6401, 0x7800,
];

function fpValue(r: Rng, fmt: 'd' | 's' | 'h'): bigint {
  const bits = fmt === 'd' ? 64 : fmt === 's' ? 32 : 16;
  const [ebits, bias] = fmt === 'd' ? [11, 1023] : fmt === 's' ? [8, 127] : [5, 15];
  const fbits = bits - 1 - ebits;
  const rand = r.u64() & ((1n << BigInt(bits)) - 1n);
  switch (r.int(8)) {
    case 0: case 1: case 2:
      return fmt === 'd' ? r.pick(DOUBLE) : BigInt(fmt === 's' ? r.pick(SINGLE) : r.pick(HALF));
    case 3: case 4: { // a moderate magnitude, so arithmetic is mostly exact-ish and rounding matters
      const e = bias - 4 + r.int(bits === 16 ? 14 : 40);
      return (BigInt(r.bit()) << BigInt(bits - 1)) | (BigInt(e) << BigInt(fbits)) | (rand & ((1n << BigInt(fbits)) - 1n));
    }
    case 5: { // a small integer or half-integer
      const v = (r.int(41) - 20) / (r.bit() ? 1 : 2);
      const b = Buffer.alloc(8);
      if (fmt === 'd') { b.writeDoubleLE(v); return b.readBigUInt64LE(); }
      if (fmt === 's') { b.writeFloatLE(v); return BigInt(b.readUInt32LE()); }
      return BigInt(Math.sign(1 / v) < 0 ? 0x8000 : 0) | halfOfSmall(Math.abs(v));
    }
    default: return rand;
  }
}

/** Half-precision bits of a small non-negative multiple of 0.5 (|v| <= 20). */
function halfOfSmall(v: number): bigint {
  if (v === 0) return 0n;
  const e = Math.floor(Math.log2(v));
  const m = Math.round((v / 2 ** e - 1) * 1024);
  return BigInt(((e + 15) << 10) | m);
}

/** A 128-bit register: one FP value (of a random format) in the low bits, random bits above. */
function vValue(r: Rng): [bigint, bigint] {
  const fmt = r.pick(['d', 's', 'h'] as const);
  const low = fpValue(r, fmt);
  const width = fmt === 'd' ? 64n : fmt === 's' ? 32n : 16n;
  const above = r.int(4) === 0 ? 0n : r.u64() << width;
  return [(low | above) & M64, r.int(4) === 0 ? 0n : r.u64()];
}

const X_EDGE = [0n, 1n, M64, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n, 0x8000000000000001n,
  0x0020000000000001n, 0x0000000001000001n, 0xfffffffffffff800n];

function xValue(r: Rng): bigint {
  switch (r.int(5)) {
    case 0: return r.pick(X_EDGE);
    case 1: return BigInt(r.int(256));
    case 2: return (-BigInt(r.int(1000))) & M64;
    case 3: return r.u64() >> BigInt(r.int(64));
    default: return r.u64();
  }
}

const FPCR_DN = 1 << 25;
const FPCR_FZ = 1 << 24;
const FPCR_RMODE = [0, 1 << 22, 2 << 22, 3 << 22]; // RN, RP, RM, RZ

const FPCR_AHP = 1 << 26; // alternative half precision (FCVT to and from half)
const FPCR_FZ16 = 1 << 19; // flush-to-zero for half-precision arithmetic

function randomFpcr(r: Rng): number {
  let fpcr: number;
  switch (r.int(4)) {
    case 0: fpcr = 0; break;
    case 1: fpcr = r.pick([FPCR_DN, FPCR_FZ, FPCR_DN | FPCR_FZ]); break;
    case 2: fpcr = r.pick(FPCR_RMODE); break;
    default: fpcr = r.pick(FPCR_RMODE) | (r.bit() ? FPCR_DN : 0) | (r.bit() ? FPCR_FZ : 0); break;
  }
  if (r.int(6) === 0) fpcr |= FPCR_AHP;
  if (r.int(6) === 0) fpcr |= FPCR_FZ16;
  return fpcr >>> 0;
}

interface Case { snippet: Snippet; vs: number[]; xs: number[] }

function randomCase(r: Rng, i: number): Case {
  const c = new Ctx(r);
  const len = 1 + r.int(MAX_LEN);
  const code = Array.from({ length: len }, () => GENS[r.pick(GEN_NAMES)](c));
  const v: Record<number, [bigint, bigint]> = {};
  for (let n = 0; n < 32; n++) v[n] = vValue(r);
  // equal operands: FMAX(x, x), FSUB(x, x), FCMP x, x with NaNs...
  for (let k = r.int(3); k > 0; k--) v[r.int(8)] = v[r.int(8)];
  const x: Record<number, bigint> = {};
  for (let n = 0; n < 28; n++) x[n] = xValue(r);
  const snippet = { name: `seq ${i}`, code, in: { v, x, fpcr: randomFpcr(r), nzcv: (r.int(16) << 28) >>> 0 } };
  return { snippet, vs: [...c.vs].sort((a, b) => a - b), xs: [...c.xs].sort((a, b) => a - b) };
}

// ---------------------------------------------------------------- comparing
function describeInput(k: Case): string {
  const inp = k.snippet.in!;
  const vs = k.vs.map((n) => `v${n}=${hex128(inp.v![n])}`);
  const xs = k.xs.map((n) => `x${n}=${hex(inp.x![n])}`);
  return `  in: fpcr=${hex(inp.fpcr!)} nzcv=${hex(inp.nzcv!)} ${[...vs, ...xs].join(' ')}`;
}

describe.skipIf(lacking)(titled('differential: scalar floating point, tsemu vs qemu-aarch64', lacking), () => {
  it(`${SEQUENCES} random sequences agree`, async () => {
    await expectAgreementWithQemu('differential-fp', SEQUENCES, (r, i) => {
      const k = randomCase(r, i);
      return { snippet: k.snippet, inputs: () => describeInput(k) };
    }, FPSR_EXCEPTION_BITS);
  }, PROGRAM_TEST_MS);
});
