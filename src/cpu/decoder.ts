// The decoder is built from the instruction patterns. Patterns must not overlap: two
// definitions matching the same word is a bug found at start-up, not a priority rule.
import { extractFields, type Fields, type Insn } from './insn.js';

/** Most words the decoder remembers (see Decoder.cache). */
const DECODE_CACHE = 1 << 16;

export interface Decoded {
  insn: Insn;
  fields: Fields;
}

export class Decoder {
  /** Buckets by bits 28:25 (the A64 top-level op0 field) to keep the scan short. */
  private buckets: Insn[][] = Array.from({ length: 16 }, () => []);

  constructor(readonly insns: Insn[]) {
    const overlaps = findOverlaps(insns);
    if (overlaps.length) {
      throw new Error('overlapping instruction patterns: ' +
        overlaps.slice(0, 10).map(([a, b]) => `${a.name} ~ ${b.name}`).join(', '));
    }
    for (const d of insns) {
      for (let op0 = 0; op0 < 16; op0++) {
        const m = (d.mask >>> 25) & 0xf;
        const v = (d.value >>> 25) & 0xf;
        if ((op0 & m) === v) this.buckets[op0].push(d);
      }
    }
  }

  /** Words decoded lately (the same word recurs across a program's code: `ret`, register moves,
   *  stack pushes), cleared when it holds DECODE_CACHE of them. Callers never change what they
   *  are given. */
  private cache = new Map<number, Decoded | null>();

  decode(word: number): Decoded | null {
    word >>>= 0;
    const hit = this.cache.get(word);
    if (hit !== undefined) return hit;
    let found: Decoded | null = null;
    for (const d of this.buckets[(word >>> 25) & 0xf]) {
      if (((word & d.mask) >>> 0) === d.value) {
        found = { insn: d, fields: extractFields(d, word) };
        break;
      }
    }
    if (this.cache.size >= DECODE_CACHE) this.cache.clear();
    this.cache.set(word, found);
    return found;
  }
}

export function findOverlaps(insns: Insn[]): [Insn, Insn][] {
  const out: [Insn, Insn][] = [];
  for (let i = 0; i < insns.length; i++) {
    for (let j = i + 1; j < insns.length; j++) {
      const a = insns[i];
      const b = insns[j];
      if ((((a.value ^ b.value) & a.mask & b.mask) >>> 0) === 0) out.push([a, b]);
    }
  }
  return out;
}
