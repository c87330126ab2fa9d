// Shared by the differential tests (test/cpu/differential*.test.ts): a seeded PRNG, so a
// failing run reproduces from the seed it prints, and an encoder that builds instruction words
// from encoding diagrams with random fields (no assembler at test time).
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
