// Shared by the differential tests (test/cpu/differential*.test.ts): a seeded PRNG, so a
// failing run reproduces from the seed it prints, an encoder that builds instruction words from
// encoding diagrams with random fields (no assembler at test time), and the run that executes
// random sequences under qemu-aarch64 and tsemu and compares the whole CPU state.
import { expect } from 'vitest';
import { a64Decoder } from '../../src/cpu/aarch64/index.js';
import { formatAsm } from '../../src/cpu/insn.js';
import { runQemuAsync, runTsemu, type CpuSnapshot, type Snippet } from './snippet.js';

/** xorshift128+, seeded through splitmix64. */
export class Rng {
  private s0: bigint;
  private s1: bigint;
  constructor(seed: number) {
    const M = (1n << 64n) - 1n;
    let z = BigInt(seed) & M; // splitmix64 spreads the seed over the state
    const next = () => {
      z = (z + 0x9e3779b97f4a7c15n) & M;
      let t = z;
      t = ((t ^ (t >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
      t = ((t ^ (t >> 27n)) * 0x94d049bb133111ebn) & M;
      return t ^ (t >> 31n);
    };
    this.s0 = next();
    this.s1 = next() | 1n;
  }
  u64(): bigint {
    const M = (1n << 64n) - 1n;
    let x = this.s0;
    const y = this.s1;
    this.s0 = y;
    x = (x ^ (x << 23n)) & M;
    this.s1 = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (this.s1 + y) & M;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Number(this.u64() % BigInt(n));
  }
  bit(): number {
    return this.int(2);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}


/**
 * An encoder from an encoding diagram, most significant bit first: literal bits and fields
 * name:width, e.g. '000 11110 ftype:2 1 rm:5 opcode:4 10 rn:5 rd:5'. A missing field is 0.
 */
export function pattern(diagram: string): (f: Record<string, number>) => number {
  const parts: { lit?: string; name?: string; width: number; shift: number }[] = [];
  let bit = 32;
  for (const tok of diagram.trim().split(/\s+/)) {
    const m = /^(\w+):(\d+)$/.exec(tok);
    if (m) { bit -= Number(m[2]); parts.push({ name: m[1], width: Number(m[2]), shift: bit }); }
    else { bit -= tok.length; parts.push({ lit: tok, width: tok.length, shift: bit }); }
  }
  if (bit !== 0) throw new Error(`${diagram}: ${32 - bit} bits`);
  return (f) => {
    let w = 0;
    for (const p of parts) {
      const v = p.lit !== undefined ? parseInt(p.lit, 2) : (f[p.name!] ?? 0);
      if (v < 0 || v >= 2 ** p.width) throw new Error(`${diagram}: ${p.name}=${v} does not fit`);
      w += v * 2 ** p.shift;
    }
    return w >>> 0;
  };
}

// ---------------------------------------------------------------- comparing with qemu
export const hex = (v: bigint | number) => '0x' + v.toString(16);
export const hex128 = ([lo, hi]: [bigint, bigint]) => `${hi.toString(16).padStart(16, '0')}:${lo.toString(16).padStart(16, '0')}`;

export function disassemble(words: number[]): string {
  const dec = a64Decoder();
  return words.map((w) => {
    const d = dec.decode(w);
    return `  ${w.toString(16).padStart(8, '0')}  ${d ? formatAsm(d.insn, d.fields) : '(undefined)'}`;
  }).join('\n');
}

/** How two states differ, register by register; FPSR bits in `fpsrMask` are not compared. */
export function differences(want: CpuSnapshot, got: CpuSnapshot, fpsrMask = 0): string[] {
  const out: string[] = [];
  want.x.forEach((v, i) => v !== got.x[i] && out.push(`x${i}: qemu ${hex(v)} tsemu ${hex(got.x[i])}`));
  if (want.sp !== got.sp) out.push(`sp: qemu ${hex(want.sp)} tsemu ${hex(got.sp)}`);
  if (want.nzcv !== got.nzcv) out.push(`nzcv: qemu ${hex(want.nzcv)} tsemu ${hex(got.nzcv)}`);
  const [wf, gf] = [want.fpsr & ~fpsrMask, got.fpsr & ~fpsrMask];
  if (wf !== gf) out.push(`fpsr${fpsrMask ? ' (exception bits masked)' : ''}: qemu ${hex(wf)} tsemu ${hex(gf)}`);
  if (want.fpcr !== got.fpcr) out.push(`fpcr: qemu ${hex(want.fpcr)} tsemu ${hex(got.fpcr)}`);
  want.v.forEach((v, i) => {
    if (v[0] !== got.v[i][0] || v[1] !== got.v[i][1]) out.push(`v${i}: qemu ${hex128(v)} tsemu ${hex128(got.v[i])}`);
  });
  if (want.mem.some((b, i) => b !== got.mem[i])) out.push('scratch memory differs');
  return out;
}

/** A random sequence, and optionally what to show about its inputs when it fails. */
export interface DiffCase {
  snippet: Snippet;
  inputs?: () => string;
}

/**
 * Run `count` random cases (seed from TSEMU_DIFF_SEED, else random, printed either way) under
 * qemu-aarch64 and tsemu and expect identical states. Callers skip without qemu (requires.ts).
 */
export async function expectAgreementWithQemu(label: string, count: number, make: (r: Rng, i: number) => DiffCase, fpsrMask = 0): Promise<void> {
  const seed = process.env.TSEMU_DIFF_SEED ? Number(process.env.TSEMU_DIFF_SEED) : Math.floor(Math.random() * 2 ** 32);
  console.log(`${label} seed ${seed} (rerun with TSEMU_DIFF_SEED=${seed})`);
  const r = new Rng(seed);
  const cases = Array.from({ length: count }, (_, i) => make(r, i));
  const snippets = cases.map((k) => k.snippet);
  const want = await runQemuAsync(snippets);
  const got = runTsemu(snippets);
  const failures: string[] = [];
  cases.forEach((k, i) => {
    const d = differences(want[i], got[i], fpsrMask);
    if (d.length) {
      failures.push([`${k.snippet.name}:`, disassemble(k.snippet.code), ...(k.inputs ? [k.inputs()] : []), `  ${d.join('\n  ')}`].join('\n'));
    }
  });
  expect(failures.slice(0, 5).join('\n'), `seed ${seed}: ${failures.length} of ${count} sequences differ`).toBe('');
}
