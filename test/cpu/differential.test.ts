// Differential test: random sequences of integer data-processing instructions run under
// qemu-aarch64 and under tsemu from the same random state; the whole CPU state must agree.
// The instruction words come from the encoders below (random valid fields), not from an
// assembler, so the test needs nothing but qemu. A failure prints the seed:
//   TSEMU_DIFF_SEED=<seed> npx vitest run test/cpu/differential.test.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectAgreementWithQemu, Rng } from '../support/differential.js';
import { buildSnippetElf, QEMU, runTsemu, type Snippet } from '../support/snippet.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('qemu');

// TSEMU_DIFF_COUNT overrides the number of sequences; the cap keeps the snippet pages (one
// 4 KiB page each from SNIPPET_BASE) below the harness's driver code.
const SEQUENCES = Math.min(Number(process.env.TSEMU_DIFF_COUNT ?? 601) || 601, 20000);
const MAX_LEN = 8;


// ---------------------------------------------------------------- operand choices
/** A general register x0-x27, sometimes 31 (XZR, or SP where the encoding means SP). */
const reg = (r: Rng) => (r.int(10) === 0 ? 31 : r.int(28));
/** A destination; 31 discards (or writes SP in SP forms). */
const dst = reg;

const EDGE = [
  0n, 1n, 2n, 0xffffffffffffffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn,
  0x8000000000000000n, 0xffffffff80000000n, 0x00000000ffff8001n, 0x8000000000000001n, 0xfffffffffffffffen,
];

function randomValue(r: Rng): bigint {
  switch (r.int(5)) {
    case 0: return r.pick(EDGE);
    case 1: return BigInt(r.int(256));
    case 2: return r.u64() & 0xffffffffn;
    case 3: return r.u64() >> BigInt(r.int(64));
    default: return r.u64();
  }
}

/** A valid logical-immediate encoding (N, immr, imms) for the width. */
function bitmask(r: Rng, sf: number): { N: number; immr: number; imms: number } {
  const log = 1 + r.int(sf ? 6 : 5); // element size 2..64 (2..32 for 32-bit)
  const esize = 1 << log;
  const s = r.int(esize - 1); // all-ones elements are reserved
  const rot = r.int(esize);
  const N = esize === 64 ? 1 : 0;
  const imms = esize === 64 ? s : ((0x3f << (log + 1)) & 0x3f) | s;
  return { N, immr: rot, imms };
}

// ---------------------------------------------------------------- encoders (valid encodings only)
type Gen = (r: Rng) => number;

const GENS: Record<string, Gen> = {
  addsub_imm: (r) => {
    const S = r.bit();
    return (r.bit() << 31) | (r.bit() << 30) | (S << 29) | (0b100010 << 23) | (r.bit() << 22) | (r.int(4096) << 10) | (reg(r) << 5) | dst(r);
  },
  logic_imm: (r) => {
    const sf = r.bit();
    const { N, immr, imms } = bitmask(r, sf);
    return (sf << 31) | (r.int(4) << 29) | (0b100100 << 23) | (N << 22) | (immr << 16) | (imms << 10) | (reg(r) << 5) | dst(r);
  },
  movw: (r) => {
    const sf = r.bit();
    return (sf << 31) | (r.pick([0, 2, 3]) << 29) | (0b100101 << 23) | (r.int(sf ? 4 : 2) << 21) | (r.int(65536) << 5) | dst(r);
  },
  adr: (r) => (r.bit() << 31) | (r.int(4) << 29) | (0b10000 << 24) | (r.int(1 << 19) << 5) | dst(r),
  bitfield: (r) => {
    const sf = r.bit();
    const W = sf ? 64 : 32;
    return (sf << 31) | (r.int(3) << 29) | (0b100110 << 23) | (sf << 22) | (r.int(W) << 16) | (r.int(W) << 10) | (reg(r) << 5) | dst(r);
  },
  extr: (r) => {
    const sf = r.bit();
    const rn = reg(r);
    const rm = r.int(4) === 0 ? rn : reg(r); // sometimes ROR
    return (sf << 31) | (0b100111 << 23) | (sf << 22) | (rm << 16) | (r.int(sf ? 64 : 32) << 10) | (rn << 5) | dst(r);
  },
  logic_reg: (r) => {
    const sf = r.bit();
    return (sf << 31) | (r.int(4) << 29) | (0b01010 << 24) | (r.int(4) << 22) | (r.bit() << 21) | (reg(r) << 16) |
      (r.int(sf ? 64 : 32) << 10) | (reg(r) << 5) | dst(r);
  },
  addsub_shifted: (r) => {
    const sf = r.bit();
    return (sf << 31) | (r.bit() << 30) | (r.bit() << 29) | (0b01011 << 24) | (r.int(3) << 22) | (reg(r) << 16) |
      (r.int(sf ? 64 : 32) << 10) | (reg(r) << 5) | dst(r);
  },
  addsub_extended: (r) => (r.bit() << 31) | (r.bit() << 30) | (r.bit() << 29) | (0b01011001 << 21) | (reg(r) << 16) |
    (r.int(8) << 13) | (r.int(5) << 10) | (reg(r) << 5) | dst(r),
  adc: (r) => (r.bit() << 31) | (r.bit() << 30) | (r.bit() << 29) | (0b11010000 << 21) | (reg(r) << 16) | (reg(r) << 5) | dst(r),
  ccmp: (r) => (r.bit() << 31) | (r.bit() << 30) | (1 << 29) | (0b11010010 << 21) | (reg(r) << 16) | (r.int(16) << 12) |
    (r.bit() << 11) | (reg(r) << 5) | r.int(16),
  csel: (r) => (r.bit() << 31) | (r.bit() << 30) | (0b11010100 << 21) | (reg(r) << 16) | (r.int(16) << 12) | (r.bit() << 10) |
    (reg(r) << 5) | dst(r),
  rev: (r) => {
    const sf = r.bit();
    return (sf << 31) | (1 << 30) | (0b11010110 << 21) | (r.int(sf ? 4 : 3) << 10) | (reg(r) << 5) | dst(r);
  },
  clz: (r) => (r.bit() << 31) | (1 << 30) | (0b11010110 << 21) | (0b00010 << 11) | (r.bit() << 10) | (reg(r) << 5) | dst(r),
  div: (r) => (r.bit() << 31) | (0b11010110 << 21) | (reg(r) << 16) | (0b00001 << 11) | (r.bit() << 10) | (reg(r) << 5) | dst(r),
  shiftv: (r) => (r.bit() << 31) | (0b11010110 << 21) | (reg(r) << 16) | (0b0010 << 12) | (r.int(4) << 10) | (reg(r) << 5) | dst(r),
  crc32: (r) => {
    const sz = r.int(4);
    return ((sz === 3 ? 1 : 0) << 31) | (0b11010110 << 21) | (reg(r) << 16) | (0b010 << 13) | (r.bit() << 12) | (sz << 10) |
      (reg(r) << 5) | dst(r);
  },
  madd: (r) => (r.bit() << 31) | (0b11011 << 24) | (reg(r) << 16) | (r.bit() << 15) | (reg(r) << 10) | (reg(r) << 5) | dst(r),
  maddl: (r) => (1 << 31) | (0b11011 << 24) | (r.pick([1, 5]) << 21) | (reg(r) << 16) | (r.bit() << 15) | (reg(r) << 10) |
    (reg(r) << 5) | dst(r),
  mulh: (r) => (1 << 31) | (0b11011 << 24) | (r.pick([2, 6]) << 21) | (reg(r) << 16) | (31 << 10) | (reg(r) << 5) | dst(r),
};
const GEN_NAMES = Object.keys(GENS);

function randomSnippet(r: Rng, i: number): Snippet {
  const len = 1 + r.int(MAX_LEN);
  const code = Array.from({ length: len }, () => GENS[r.pick(GEN_NAMES)](r) >>> 0);
  const x: Record<number, bigint> = {};
  for (let n = 0; n < 31; n++) if (n !== 28) x[n] = randomValue(r);
  // equal operands make compares, EXTR and subtraction corner cases likely
  for (let k = r.int(4); k > 0; k--) x[r.int(28)] = x[r.int(28)];
  return { name: `seq ${i}`, code, in: { x, nzcv: (r.int(16) << 28) >>> 0 } };
}

describe.skipIf(lacking)(titled('differential: integer data processing, tsemu vs qemu-aarch64', lacking), () => {
  it(`${SEQUENCES} random sequences agree`, async () => {
    await expectAgreementWithQemu('differential', SEQUENCES, (r, i) => ({ snippet: randomSnippet(r, i) }));
  }, PROGRAM_TEST_MS);
});

// ---------------------------------------------------------------- reserved encodings
/** Unallocated encodings inside this group's patterns: both emulators must raise SIGILL. */
const RESERVED: Record<string, number> = {
  'logical imm, sf=0 N=1': 0x12400000 | (1 << 22) | (1 << 5),
  'logical imm, all-ones element': 0x92400000 | (1 << 22) | (0x3f << 10),
  'movw opc=01': 0x92800000 & ~(3 << 29) | (1 << 29) | (1 << 31),
  'movz w, hw=2': 0x52800000 | (2 << 21),
  'bitfield opc=11': 0x73000000 | (1 << 31) | (1 << 22),
  'bitfield sf=1 N=0': 0xd3000000,
  'bitfield sf=0 immr=32': 0x53000000 | (32 << 16),
  'extr sf=0 imms=32': 0x13800000 | (32 << 10),
  'extr sf=1 N=0': 0x93800000 & ~(1 << 22),
  'logical shifted, sf=0 imm6=32': 0x0a000000 | (32 << 10),
  'add shifted, shift=11': 0x8b000000 | (3 << 22),
  'add shifted, sf=0 imm6=32': 0x0b000000 | (32 << 10),
  'add extended, imm3=5': 0x8b200000 | (5 << 10),
  'rev sf=0 opc=3': 0x5ac00c00,
  'crc32x with sf=0': 0x1ac04c00,
  'crc32b with sf=1': 0x9ac04000,
  'smaddl with sf=0': 0x1b200000,
  'smulh with o0=1': 0x9b408000,
  '3-source op31=011': 0x9b600000,
};

/** The signal qemu-aarch64 died of running the snippet (qemu re-raises the guest's fatal signal). */
function qemuSignal(s: Snippet): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'tsemu-reserved-'));
  try {
    const path = join(dir, 'snippet.elf');
    writeFileSync(path, buildSnippetElf([s]), { mode: 0o755 });
    return spawnSync(QEMU, ['-cpu', 'max', path], { stdio: 'pipe' }).signal;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(lacking)(titled('reserved integer encodings raise SIGILL', lacking), () => {
  it.each(Object.entries(RESERVED))('%s', (name, word) => {
    const s: Snippet = { name, code: [word >>> 0] };
    expect(qemuSignal(s), 'qemu does not treat the word as unallocated: the list is wrong').toBe('SIGILL');
    expect(() => runTsemu([s])).toThrow(/"kind":"undefined"/);
  });
});
