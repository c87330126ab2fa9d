// Differential test: random sequences of AdvSIMD instructions (integer and floating point, over
// all arrangements, plus their scalar forms, and the AES/SHA extensions) run under qemu-aarch64 and under tsemu from the same
// random state; the whole CPU state must agree, including FPSR.QC from the saturating ops.
// Registers start with random 128-bit values mixing random bytes, integer edge values and FP
// special values per lane; FPCR is random (default-NaN, flush-to-zero, rounding mode). The
// instruction words come from the encoders below (random valid fields), not from an assembler,
// so the test needs nothing but qemu. A failure prints the seed:
//   TSEMU_DIFF_SEED=<seed> npx vitest run test/cpu/differential-simd.test.ts
import { describe, it } from 'vitest';
import { expectAgreementWithQemu, hex, hex128, pattern, Rng } from '../support/differential.js';
import { FPSR_EXCEPTION_BITS, type Snippet } from '../support/snippet.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('qemu');

// The snippet harness has 2048-byte state blocks, so any batch size works; the cap keeps the
// snippet pages (one 4 KiB page each from SNIPPET_BASE) below the driver code.
const SEQUENCES = Math.min(Number(process.env.TSEMU_DIFF_COUNT ?? 1201) || 1201, 20000);
const MAX_LEN = 6;



// ---------------------------------------------------------------- encoders

const ENC = {
  same: pattern('0 q:1 u:1 01110 size:2 1 rm:5 opcode:5 1 rn:5 rd:5'),
  sameScalar: pattern('01 u:1 11110 size:2 1 rm:5 opcode:5 1 rn:5 rd:5'),
  diff: pattern('0 q:1 u:1 01110 size:2 1 rm:5 opcode:4 00 rn:5 rd:5'),
  diffScalar: pattern('01 u:1 11110 size:2 1 rm:5 opcode:4 00 rn:5 rd:5'),
  misc: pattern('0 q:1 u:1 01110 size:2 10000 opcode:5 10 rn:5 rd:5'),
  miscScalar: pattern('01 u:1 11110 size:2 10000 opcode:5 10 rn:5 rd:5'),
  across: pattern('0 q:1 u:1 01110 size:2 11000 opcode:5 10 rn:5 rd:5'),
  pairScalar: pattern('01 u:1 11110 size:2 11000 opcode:5 10 rn:5 rd:5'),
  shift: pattern('0 q:1 u:1 011110 immh:4 immb:3 opcode:5 1 rn:5 rd:5'),
  shiftScalar: pattern('01 u:1 111110 immh:4 immb:3 opcode:5 1 rn:5 rd:5'),
  modImm: pattern('0 q:1 op:1 0111100000 abc:3 cmode:4 0 1 defgh:5 rd:5'),
  perm: pattern('0 q:1 001110 size:2 0 rm:5 0 opcode:3 10 rn:5 rd:5'),
  ext: pattern('0 q:1 101110 000 rm:5 0 imm4:4 0 rn:5 rd:5'),
  tbl: pattern('0 q:1 001110 000 rm:5 0 len:2 op:1 00 rn:5 rd:5'),
  copy: pattern('0 q:1 op:1 01110000 imm5:5 0 imm4:4 1 rn:5 rd:5'),
  dupScalar: pattern('01 0 11110000 imm5:5 0 0000 1 rn:5 rd:5'),
  elem: pattern('0 q:1 u:1 01111 size:2 l:1 m:1 rm:4 opcode:4 h:1 0 rn:5 rd:5'),
  elemScalar: pattern('01 u:1 11111 size:2 l:1 m:1 rm:4 opcode:4 h:1 0 rn:5 rd:5'),
  fsame: pattern('0 q:1 u:1 01110 a:1 sz:1 1 rm:5 11 op:3 1 rn:5 rd:5'),
  fsameScalar: pattern('01 u:1 11110 a:1 sz:1 1 rm:5 11 op:3 1 rn:5 rd:5'),
  rdm: pattern('0 q:1 1 01110 size:2 0 rm:5 1000 s:1 1 rn:5 rd:5'), // SQRDMLAH, SQRDMLSH
  rdmScalar: pattern('01 1 11110 size:2 0 rm:5 1000 s:1 1 rn:5 rd:5'),
  dot: pattern('0 q:1 u:1 01110 10 0 rm:5 1 0010 1 rn:5 rd:5'), // SDOT, UDOT
  aes: pattern('01001110 00 10100 001 op:2 10 rn:5 rd:5'), // AESE AESD AESMC AESIMC
  sha3: pattern('01011110 00 0 rm:5 0 opcode:3 00 rn:5 rd:5'), // SHA1C SHA1P SHA1M SHA1SU0 SHA256H SHA256H2 SHA256SU1
  sha2: pattern('01011110 00 10100 000 opcode:2 10 rn:5 rd:5'), // SHA1H SHA1SU1 SHA256SU0
};

/** Generation context: the PRNG and the registers the sequence touches (for failure reports). */
class Ctx {
  readonly vs = new Set<number>();
  readonly xs = new Set<number>();
  constructor(readonly r: Rng) {}
  /** A v register: mostly v0-v7, so instructions feed each other. */
  v(limit = 32): number {
    const n = this.r.int(4) ? this.r.int(8) : this.r.int(limit);
    this.vs.add(n);
    return n;
  }
  /** A general register x0-x27, sometimes 31 (XZR). */
  x(): number {
    const n = this.r.int(10) ? this.r.int(28) : 31;
    if (n !== 31) this.xs.add(n);
    return n;
  }
  /** Q for an element size: 64-bit elements exist only in 128-bit vectors (2D). */
  q(size: number): number {
    return size === 3 ? 1 : this.r.bit();
  }
}

type Gen = (c: Ctx) => number;
const ALL = [0, 1, 2, 3];
const BHS = [0, 1, 2];
const HS = [1, 2];

/** [U, opcode, element sizes] rows of an encoding table. */
type Row = [number, number, number[]];
const both = (opcode: number, sizes: number[]): Row[] => [[0, opcode, sizes], [1, opcode, sizes]];

// Three registers, same arrangement (integer). Logical ops (opcode 3) are listed on their own.
const SAME: Row[] = [
  ...both(0b00000, BHS), ...both(0b00001, ALL), ...both(0b00010, BHS), ...both(0b00100, BHS), // [SU]HADD [SU]QADD [SU]RHADD [SU]HSUB
  ...both(0b00101, ALL), ...both(0b00110, ALL), ...both(0b00111, ALL), // [SU]QSUB CMGT/CMHI CMGE/CMHS
  ...both(0b01000, ALL), ...both(0b01001, ALL), ...both(0b01010, ALL), ...both(0b01011, ALL), // [SU]SHL [SU]QSHL [SU]RSHL [SU]QRSHL
  ...both(0b01100, BHS), ...both(0b01101, BHS), ...both(0b01110, BHS), ...both(0b01111, BHS), // MAX MIN ABD ABA
  ...both(0b10000, ALL), ...both(0b10001, ALL), ...both(0b10010, BHS), // ADD/SUB CMTST/CMEQ MLA/MLS
  [0, 0b10011, BHS], [1, 0b10011, [0]], ...both(0b10100, BHS), ...both(0b10101, BHS), // MUL PMUL MAXP MINP
  ...both(0b10110, HS), [0, 0b10111, ALL], // SQDMULH/SQRDMULH ADDP
];
const SAME_SCALAR: Row[] = [
  ...both(0b00001, ALL), ...both(0b00101, ALL), ...both(0b00110, [3]), ...both(0b00111, [3]), ...both(0b01000, [3]),
  ...both(0b01001, ALL), ...both(0b01010, [3]), ...both(0b01011, ALL), ...both(0b10000, [3]), ...both(0b10001, [3]),
  ...both(0b10110, HS),
];
// Three registers, different arrangements (widening and narrowing); Q selects the "2" forms.
const DIFF: Row[] = [
  // [SU]ADDL [SU]ADDW [SU]SUBL [SU]SUBW [R]ADDHN [SU]ABAL [R]SUBHN [SU]ABDL [SU]MLAL [SU]MLSL [SU]MULL
  ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12].flatMap((o) => both(o, BHS)),
  [0, 9, HS], [0, 11, HS], [0, 13, HS], [0, 14, [0, 3]], // SQDMLAL SQDMLSL SQDMULL PMULL
];
// Two-register miscellaneous (integer); 64-bit elements need Q=1, the narrowing and widening
// forms (MISC_NARROW) take any Q.
const MISC: Row[] = [
  [0, 0b00000, BHS], [1, 0b00000, [0, 1]], [0, 0b00001, [0]], // REV64 REV32 REV16
  ...both(0b00010, BHS), ...both(0b00011, ALL), [0, 0b00100, BHS], [1, 0b00100, BHS], // [SU]ADDLP SUQADD/USQADD CLS CLZ
  [0, 0b00101, [0]], [1, 0b00101, [0, 1]], ...both(0b00110, BHS), ...both(0b00111, ALL), // CNT NOT/RBIT [SU]ADALP SQABS/SQNEG
  ...both(0b01000, ALL), ...both(0b01001, ALL), [0, 0b01010, ALL], ...both(0b01011, ALL), // CMGT/CMGE/CMEQ/CMLE/CMLT #0 ABS/NEG
];
const MISC_NARROW: Row[] = [...both(0b10010, BHS), [1, 0b10011, BHS], ...both(0b10100, BHS)]; // XTN/SQXTUN SHLL SQXTN/UQXTN
const MISC_SCALAR: Row[] = [
  ...both(0b00011, ALL), ...both(0b00111, ALL), ...both(0b01000, [3]), ...both(0b01001, [3]), [0, 0b01010, [3]], ...both(0b01011, [3]),
  [1, 0b10010, BHS], ...both(0b10100, BHS), // SQXTUN SQXTN UQXTN
];
// Across lanes: 4S is the only 32-bit form (size 2 needs Q=1).
// [SU]ADDLV [SU]MAXV [SU]MINV ADDV
const ACROSS: Row[] = [...both(0b00011, BHS), ...both(0b01010, BHS), ...both(0b11010, BHS), [0, 0b11011, BHS]];

/** FP two-register misc rows: [U, a, opcode, which sz values]. */
type FRow = [number, number, number, number[]];
const F_MISC: FRow[] = [
  [0, 0, 0b11000, [0, 1]], [0, 0, 0b11001, [0, 1]], [0, 1, 0b11000, [0, 1]], [0, 1, 0b11001, [0, 1]], // FRINTN FRINTM FRINTP FRINTZ
  [1, 0, 0b11000, [0, 1]], [1, 0, 0b11001, [0, 1]], [1, 1, 0b11001, [0, 1]], // FRINTA FRINTX FRINTI
  // Not generated: vector FRINT32Z/32X/64Z/64X (opcodes 1111x, a=0; FEAT_FRINTTS, not advertised in
  // AT_HWCAP2): tsemu raises SIGILL for them, qemu executes them. The scalar forms are tested
  // in differential-fp.test.ts.
  ...[0, 1].flatMap((u): FRow[] => [[u, 0, 0b11010, [0, 1]], [u, 0, 0b11011, [0, 1]], [u, 0, 0b11100, [0, 1]], [u, 1, 0b11010, [0, 1]],
    [u, 1, 0b11011, [0, 1]], [u, 0, 0b11101, [0, 1]], [u, 1, 0b11101, [0, 1]]]), // FCVT[NMAPZ][SU] [SU]CVTF FRECPE/FRSQRTE
  [0, 1, 0b11100, [0]], [1, 1, 0b11100, [0]], // URECPE URSQRTE (2S/4S)
  // FCMGT FCMEQ FCMLT FCMGE FCMLE #0
  [0, 1, 0b01100, [0, 1]], [0, 1, 0b01101, [0, 1]], [0, 1, 0b01110, [0, 1]], [1, 1, 0b01100, [0, 1]], [1, 1, 0b01101, [0, 1]],
  [0, 1, 0b01111, [0, 1]], [1, 1, 0b01111, [0, 1]], [1, 1, 0b11111, [0, 1]], // FABS FNEG FSQRT
];
/** FP conversions between widths (any Q: the "2" forms): FCVTN FCVTL FCVTXN. */
const F_CVT_WIDTH: FRow[] = [[0, 0, 0b10110, [0, 1]], [0, 0, 0b10111, [0, 1]], [1, 0, 0b10110, [1]]];
const F_MISC_SCALAR: FRow[] = [
  // FCVT* [SU]CVTF FRECPE FRSQRTE FCM* #0
  ...F_MISC.filter(([, a, o]) => ((o >= 0b11010 && o <= 0b11101) && !(a === 1 && o === 0b11100)) // no scalar URECPE/URSQRTE
    || (a === 1 && o >= 0b01100 && o <= 0b01110)),
  [0, 1, 0b11111, [0, 1]], [1, 0, 0b10110, [1]], // FRECPX FCVTXN
];
/** FP three-same: [U, a, op]. */
const F_SAME: [number, number, number][] = [
  [0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 0, 3], [0, 0, 4], [0, 0, 6], [0, 0, 7], // FMAXNM FMLA FADD FMULX FCMEQ FMAX FRECPS
  [0, 1, 0], [0, 1, 1], [0, 1, 2], [0, 1, 6], [0, 1, 7], // FMINNM FMLS FSUB FMIN FRSQRTS
  [1, 0, 0], [1, 0, 2], [1, 0, 3], [1, 0, 4], [1, 0, 5], [1, 0, 6], [1, 0, 7], // FMAXNMP FADDP FMUL FCMGE FACGE FMAXP FDIV
  [1, 1, 0], [1, 1, 2], [1, 1, 4], [1, 1, 5], [1, 1, 6], // FMINNMP FABD FCMGT FACGT FMINP
];
// FMULX FCMEQ FRECPS FRSQRTS FCMGE FACGE FABD FCMGT FACGT
const F_SAME_SCALAR: [number, number, number][] = [
  [0, 0, 3], [0, 0, 4], [0, 0, 7], [0, 1, 7], [1, 0, 4], [1, 0, 5], [1, 1, 2], [1, 1, 4], [1, 1, 5],
];

/** Shift-by-immediate kinds: R right (1..esize), L left (0..esize-1), N narrowing right, W widening left, F fixed-point FP. */
type Kind = 'R' | 'L' | 'N' | 'W' | 'F';
const SHIFT: [number, number, Kind][] = [
  // [SU]SHR [SU]SRA [SU]RSHR [SU]RSRA, SHL/SLI [SU]QSHL, [R]SHRN/SQ[R]SHRUN [SU]Q[R]SHRN
  ...[0, 1].flatMap((u): [number, number, Kind][] => [[u, 0b00000, 'R'], [u, 0b00010, 'R'], [u, 0b00100, 'R'], [u, 0b00110, 'R'],
    [u, 0b01010, 'L'], [u, 0b01110, 'L'], [u, 0b10000, 'N'], [u, 0b10001, 'N'], [u, 0b10010, 'N'], [u, 0b10011, 'N'],
    [u, 0b10100, 'W'], [u, 0b11100, 'F'], [u, 0b11111, 'F']]), // [SU]SHLL [SU]CVTF FCVTZ[SU]
  [1, 0b01000, 'R'], [1, 0b01100, 'L'], // SRI SQSHLU
];
const SHIFT_SCALAR: [number, number, Kind][] = SHIFT.filter(([u, o, k]) => k !== 'W' && !(k === 'N' && u === 0 && o <= 0b10001));

/** immh:immb for a shift of element size 8 << log: right shifts 1..esize, left 0..esize-1. */
function shiftImm(c: Ctx, log: number, right: boolean): { immh: number; immb: number } {
  const esize = 8 << log;
  const v = right ? 2 * esize - (1 + c.r.int(esize)) : esize + c.r.int(esize);
  return { immh: v >> 3, immb: v & 7 };
}

/** An index field split as H:L:M over the bits of the element number for by-element forms. */
function elemIndex(c: Ctx, size: number): { h: number; l: number; m: number; rm: number } {
  if (size === 1) { // H: index H:L:M, Rm v0-v15
    const i = c.r.int(8);
    return { h: i >> 2, l: (i >> 1) & 1, m: i & 1, rm: c.v(16) };
  }
  const rm = c.v();
  if (size === 2) { const i = c.r.int(4); return { h: i >> 1, l: i & 1, m: rm >> 4, rm: rm & 15 }; }
  return { h: c.r.bit(), l: 0, m: rm >> 4, rm: rm & 15 }; // D (FP only)
}

const GENS: [string, Gen][] = [
  ['three same', (c) => {
    const [u, opcode, sizes] = c.r.pick(SAME);
    const size = c.r.pick(sizes);
    return ENC.same({ q: c.q(size), u, size, opcode, rm: c.v(), rn: c.v(), rd: c.v() });
  }],
  ['logical (AND BIC ORR ORN EOR BSL BIT BIF)', (c) =>
    ENC.same({ q: c.r.bit(), u: c.r.bit(), size: c.r.int(4), opcode: 0b00011, rm: c.v(), rn: c.v(), rd: c.v() })],
  ['three same (scalar)', (c) => {
    const [u, opcode, sizes] = c.r.pick(SAME_SCALAR);
    return ENC.sameScalar({ u, size: c.r.pick(sizes), opcode, rm: c.v(), rn: c.v(), rd: c.v() });
  }],
  ['three different', (c) => {
    const [u, opcode, sizes] = c.r.pick(DIFF);
    return ENC.diff({ q: c.r.bit(), u, size: c.r.pick(sizes), opcode, rm: c.v(), rn: c.v(), rd: c.v() });
  }],
  ['three different (scalar SQDMULL SQDMLAL SQDMLSL)', (c) =>
    ENC.diffScalar({ u: 0, size: c.r.pick(HS), opcode: c.r.pick([9, 11, 13]), rm: c.v(), rn: c.v(), rd: c.v() })],
  ['two-register misc', (c) => {
    const [u, opcode, sizes] = c.r.pick(MISC);
    const size = c.r.pick(sizes);
    return ENC.misc({ q: c.q(size), u, size, opcode, rn: c.v(), rd: c.v() });
  }],
  ['two-register misc, narrowing', (c) => {
    const [u, opcode, sizes] = c.r.pick(MISC_NARROW);
    return ENC.misc({ q: c.r.bit(), u, size: c.r.pick(sizes), opcode, rn: c.v(), rd: c.v() });
  }],
  ['two-register misc (scalar)', (c) => {
    const [u, opcode, sizes] = c.r.pick(MISC_SCALAR);
    return ENC.miscScalar({ u, size: c.r.pick(sizes), opcode, rn: c.v(), rd: c.v() });
  }],
  ['across lanes', (c) => {
    const [u, opcode, sizes] = c.r.pick(ACROSS);
    const size = c.r.pick(sizes);
    return ENC.across({ q: size === 2 ? 1 : c.r.bit(), u, size, opcode, rn: c.v(), rd: c.v() });
  }],
  ['ADDP (scalar)', (c) => ENC.pairScalar({ u: 0, size: 3, opcode: 0b11011, rn: c.v(), rd: c.v() })],
  ['shift by immediate', (c) => {
    const [u, opcode, kind] = c.r.pick(SHIFT);
    const log = kind === 'F' ? 2 + c.r.bit() : kind === 'N' || kind === 'W' ? c.r.int(3) : c.r.int(4);
    const { immh, immb } = shiftImm(c, log, kind !== 'L' && kind !== 'W');
    const q = kind === 'N' || kind === 'W' ? c.r.bit() : c.q(log);
    return ENC.shift({ q, u, immh, immb, opcode, rn: c.v(), rd: c.v() });
  }],
  ['shift by immediate (scalar)', (c) => {
    const [u, opcode, kind] = c.r.pick(SHIFT_SCALAR);
    const plain = (kind === 'R' || kind === 'L') && opcode !== 0b01110 && opcode !== 0b01100; // 64-bit only
    const log = plain ? 3 : kind === 'F' ? 2 + c.r.bit() : kind === 'N' ? c.r.int(3) : c.r.int(4);
    const { immh, immb } = shiftImm(c, log, kind !== 'L');
    return ENC.shiftScalar({ u, immh, immb, opcode, rn: c.v(), rd: c.v() });
  }],
  ['MOVI/MVNI/ORR/BIC/FMOV (vector, immediate)', (c) => {
    const op = c.r.bit();
    const cmode = c.r.int(16);
    const q = op && cmode === 15 ? 1 : c.r.bit(); // FMOV Vd.2D only
    const imm8 = c.r.int(256);
    return ENC.modImm({ q, op, abc: imm8 >> 5, cmode, defgh: imm8 & 31, rd: c.v() });
  }],
  ['UZP/TRN/ZIP', (c) => {
    const size = c.r.int(4);
    return ENC.perm({ q: c.q(size), size, opcode: c.r.pick([1, 2, 3, 5, 6, 7]), rm: c.v(), rn: c.v(), rd: c.v() });
  }],
  ['EXT', (c) => {
    const q = c.r.bit();
    return ENC.ext({ q, imm4: c.r.int(q ? 16 : 8), rm: c.v(), rn: c.v(), rd: c.v() });
  }],
  ['TBL/TBX', (c) => ENC.tbl({ q: c.r.bit(), len: c.r.int(4), op: c.r.bit(), rm: c.v(), rn: c.v(), rd: c.v() })],
  ['DUP (element)', (c) => {
    const size = c.r.int(4);
    return ENC.copy({ q: c.q(size), imm5: ((c.r.int(16 >> size) << 1 | 1) << size), imm4: 0, rn: c.v(), rd: c.v() });
  }],
  ['DUP (element, scalar)', (c) => {
    const size = c.r.int(4);
    return ENC.dupScalar({ imm5: ((c.r.int(16 >> size) << 1 | 1) << size), rn: c.v(), rd: c.v() });
  }],
  ['DUP (general)', (c) => {
    const size = c.r.int(4);
    return ENC.copy({ q: c.q(size), imm5: 1 << size, imm4: 1, rn: c.x(), rd: c.v() });
  }],
  ['INS (general)', (c) => {
    const size = c.r.int(4);
    return ENC.copy({ q: 1, imm5: ((c.r.int(16 >> size) << 1 | 1) << size), imm4: 3, rn: c.x(), rd: c.v() });
  }],
  ['INS (element)', (c) => {
    const size = c.r.int(4);
    const imm5 = (c.r.int(16 >> size) << 1 | 1) << size;
    return ENC.copy({ q: 1, op: 1, imm5, imm4: c.r.int(16 >> size) << size, rn: c.v(), rd: c.v() });
  }],
  ['SMOV/UMOV', (c) => {
    // imm4 5 SMOV (to W: B, H; to X: B, H, S), 7 UMOV (to W: B, H, S; to X: D)
    const [q, imm4, size] = c.r.pick([[0, 5, 0], [0, 5, 1], [1, 5, 0], [1, 5, 1], [1, 5, 2], [0, 7, 0], [0, 7, 1], [0, 7, 2],
      [1, 7, 3]]);
    return ENC.copy({ q, imm5: ((c.r.int(16 >> size) << 1 | 1) << size), imm4, rn: c.v(), rd: c.x() });
  }],
  ['by element (integer)', (c) => {
    // MUL MLA MLS [SU]MULL [SU]MLAL [SU]MLSL SQDMULH SQRDMULH SQDMULL SQDMLAL SQDMLSL SQRDMLAH SQRDMLSH
    const [u, opcode] = c.r.pick([[0, 8], [1, 0], [1, 4], [0, 10], [1, 10], [0, 2], [1, 2], [0, 6], [1, 6], [0, 12], [0, 13],
      [0, 11], [0, 3], [0, 7], [1, 13], [1, 15]]);
    const size = c.r.pick(HS);
    return ENC.elem({ q: c.r.bit(), u, size, opcode, ...elemIndex(c, size), rn: c.v(), rd: c.v() });
  }],
  ['SDOT/UDOT (by element)', (c) =>
    ENC.elem({ q: c.r.bit(), u: c.r.bit(), size: 2, opcode: 14, ...elemIndex(c, 2), rn: c.v(), rd: c.v() })],
  ['by element (scalar)', (c) => {
    const [u, opcode] = c.r.pick([[0, 12], [0, 13], [0, 11], [0, 3], [0, 7], [1, 13], [1, 15]]);
    const size = c.r.pick(HS);
    return ENC.elemScalar({ u, size, opcode, ...elemIndex(c, size), rn: c.v(), rd: c.v() });
  }],
  ['SQRDMLAH/SQRDMLSH', (c) => {
    const f = { size: c.r.pick(HS), s: c.r.bit(), rm: c.v(), rn: c.v(), rd: c.v() };
    return c.r.bit() ? ENC.rdmScalar(f) : ENC.rdm({ q: c.r.bit(), ...f });
  }],
  ['SDOT/UDOT (vector)', (c) => ENC.dot({ q: c.r.bit(), u: c.r.bit(), rm: c.v(), rn: c.v(), rd: c.v() })],
  ['FP three same', (c) => {
    const [u, a, op] = c.r.pick(F_SAME);
    const sz = c.r.bit();
    return ENC.fsame({ q: sz ? 1 : c.r.bit(), u, a, sz, op, rm: c.v(), rn: c.v(), rd: c.v() });
  }],
  ['FP three same (scalar)', (c) => {
    const [u, a, op] = c.r.pick(F_SAME_SCALAR);
    const sz = c.r.bit();
    return ENC.fsameScalar({ u, a, sz, op, rm: c.v(), rn: c.v(), rd: c.v() });
  }],
  ['FP two-register misc', (c) => {
    const [u, a, opcode, szs] = c.r.pick(F_MISC);
    const sz = c.r.pick(szs);
    return ENC.misc({ q: sz ? 1 : c.r.bit(), u, size: a << 1 | sz, opcode, rn: c.v(), rd: c.v() });
  }],
  ['FCVTN/FCVTL/FCVTXN', (c) => {
    const [u, a, opcode, szs] = c.r.pick(F_CVT_WIDTH);
    return ENC.misc({ q: c.r.bit(), u, size: a << 1 | c.r.pick(szs), opcode, rn: c.v(), rd: c.v() });
  }],
  ['FP two-register misc (scalar)', (c) => {
    const [u, a, opcode, szs] = c.r.pick(F_MISC_SCALAR);
    return ENC.miscScalar({ u, size: a << 1 | c.r.pick(szs), opcode, rn: c.v(), rd: c.v() });
  }],
  ['FP across lanes (FMAXV FMINV FMAXNMV FMINNMV)', (c) =>
    ENC.across({ q: 1, u: 1, size: c.r.bit() << 1, opcode: c.r.pick([0b01100, 0b01111]), rn: c.v(), rd: c.v() })],
  ['FP pairwise (scalar)', (c) => {
    // FMAXNMP FMINNMP FADDP FMAXP FMINP
    const [a, opcode] = c.r.pick([[0, 0b01100], [1, 0b01100], [0, 0b01101], [0, 0b01111], [1, 0b01111]]);
    return ENC.pairScalar({ u: 1, size: a << 1 | c.r.bit(), opcode, rn: c.v(), rd: c.v() });
  }],
  ['FP by element', (c) => {
    const [u, opcode] = c.r.pick([[0, 1], [0, 5], [0, 9], [1, 9]]); // FMLA FMLS FMUL FMULX
    const sz = c.r.bit();
    const scalar = c.r.int(3) === 0;
    const f = { u, size: 2 | sz, opcode, ...elemIndex(c, 2 + sz), rn: c.v(), rd: c.v() };
    return scalar ? ENC.elemScalar(f) : ENC.elem({ q: sz ? 1 : c.r.bit(), ...f });
  }],
  ['AES', (c) => ENC.aes({ op: c.r.int(4), rn: c.v(), rd: c.v() })],
  ['SHA1/SHA256 (three registers)', (c) => ENC.sha3({ opcode: c.r.int(7), rm: c.v(), rn: c.v(), rd: c.v() })],
  ['SHA1/SHA256 (two registers)', (c) => ENC.sha2({ opcode: c.r.int(3), rn: c.v(), rd: c.v() })],
];

// ---------------------------------------------------------------- inputs
const M64 = (1n << 64n) - 1n;

const DOUBLE = [
  0x0000000000000000n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff8000000000123n,
  0xfff8000000000789n, 0x7ff0000000000456n, 0xfff4000000000001n, 0x0000000000000001n, 0x000fffffffffffffn, 0x800fffffffffffffn,
  0x0010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, 0x3ff0000000000000n, 0xbff0000000000000n, 0x3fe0000000000000n,
  0x4004000000000000n, 0xc00e000000000000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0x43e0000000000000n, 0xc3e0000000000001n,
  0x43f0000000000000n, 0x4330000000000001n, 0x47efffffe0000000n, 0x380fffffe0000000n, 0x36a0000000000000n,
];
const SINGLE = [
  0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fc00123, 0xffc00789, 0x7f800456, 0xffa00001, 0x00000001,
  0x007fffff, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x3f000000, 0x40200000, 0xc0700000,
  0x4f000000, 0xcf000000, 0x4f800000, 0x5f000000, 0xdf000001, 0x5f800000, 0x4b000001, 0x477fe000, 0x477ff000, 0x33800000,
];
const HALF = [0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7e01, 0x7c01, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x3c00, 0xbc00, 0x3800, 0x4100];
const INT_EDGE = [0n, 1n, -1n, 2n, -2n]; // plus the signed/unsigned limits of the lane width

function intLane(r: Rng, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const half = 1n << BigInt(bits - 1);
  switch (r.int(3)) {
    case 0: return r.pick([...INT_EDGE, half, half - 1n, half + 1n, -half + 1n]) & mask;
    case 1: return (BigInt(r.int(64)) - 32n) & mask;
    default: return r.u64() & mask;
  }
}

function fpLane(r: Rng, bits: number): bigint {
  if (bits === 64) {
    if (r.bit()) return r.pick(DOUBLE);
    const e = BigInt(1023 - 8 + r.int(48));
    return (BigInt(r.bit()) << 63n) | (e << 52n) | (r.u64() & ((1n << 52n) - 1n));
  }
  if (bits === 32) {
    if (r.bit()) return BigInt(r.pick(SINGLE));
    const e = BigInt(127 - 8 + r.int(48));
    return (BigInt(r.bit()) << 31n) | (e << 23n) | (r.u64() & 0x7fffffn);
  }
  return BigInt(r.pick(HALF));
}

/** A 128-bit register: random bits, small bytes (TBL/TBX indices, some out of range), or lanes of
 *  one width, each lane an FP special or moderate value, an integer edge value or random bits. */
function vValue(r: Rng): [bigint, bigint] {
  const mode = r.int(8);
  if (mode === 0) return [r.u64(), r.u64()];
  const bits = mode === 1 ? 8 : r.pick([8, 16, 32, 32, 64, 64]);
  let v = 0n;
  for (let i = 0; i < 128 / bits; i++) {
    let lane: bigint;
    const k = r.int(4);
    if (mode === 1) lane = BigInt(r.int(70));
    else if (k <= 1 && bits >= 16) lane = fpLane(r, bits);
    else if (k <= 2) lane = intLane(r, bits);
    else lane = r.u64() & ((1n << BigInt(bits)) - 1n);
    v |= lane << BigInt(i * bits);
  }
  return [v & M64, v >> 64n];
}

const X_EDGE = [0n, 1n, M64, 0x7fn, 0x80n, 0x7fffn, 0x8000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x7fffffffffffffffn,
  0x8000000000000000n];
const xValue = (r: Rng) => (r.bit() ? r.pick(X_EDGE) : r.u64());

const FPCR_DN = 1 << 25;
const FPCR_FZ = 1 << 24;
const FPCR_RMODE = [0, 1 << 22, 2 << 22, 3 << 22]; // RN, RP, RM, RZ

function randomFpcr(r: Rng): number {
  switch (r.int(4)) {
    case 0: case 1: return 0;
    case 2: return r.pick([FPCR_DN, FPCR_FZ, FPCR_DN | FPCR_FZ, ...FPCR_RMODE]);
    default: return (r.pick(FPCR_RMODE) | (r.bit() ? FPCR_DN : 0) | (r.bit() ? FPCR_FZ : 0)) >>> 0;
  }
}

interface Case { snippet: Snippet; vs: number[]; xs: number[] }

function randomCase(r: Rng, i: number): Case {
  const c = new Ctx(r);
  const len = 1 + r.int(MAX_LEN);
  const code = Array.from({ length: len }, () => r.pick(GENS)[1](c));
  const v: Record<number, [bigint, bigint]> = {};
  for (let n = 0; n < 32; n++) v[n] = vValue(r);
  for (let k = r.int(3); k > 0; k--) v[r.int(8)] = v[r.int(8)]; // equal operands
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

describe.skipIf(lacking)(titled('differential: AdvSIMD, tsemu vs qemu-aarch64', lacking), () => {
  it(`${SEQUENCES} random sequences agree`, async () => {
    await expectAgreementWithQemu('differential-simd', SEQUENCES, (r, i) => {
      const k = randomCase(r, i);
      return { snippet: k.snippet, inputs: () => describeInput(k) };
    }, FPSR_EXCEPTION_BITS);
  }, PROGRAM_TEST_MS);
});
