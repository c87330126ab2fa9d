// -d in_asm prints what GNU objdump prints. Every word of hello.static's text, every word of
// the golden instruction tests, and random words in each disassembled definition's encoding
// space: wherever tsemu disassembles a word (rather than printing `.inst`), the text must be
// objdump's, whitespace aside (test/support/objdump.ts says what else normalise drops).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { A64_INSNS } from '../../src/cpu/aarch64/index.js';
import { compare, objdumpElf, objdumpWords, type Comparison } from '../support/objdump.js';
import { needs, titled } from '../support/requires.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lacking = needs('objdump');

function differences(c: Comparison): string[] {
  return c.differ.slice(0, 20).map((d) => `${d.word.toString(16).padStart(8, '0')}: objdump '${d.objdump}', tsemu '${d.tsemu}'`);
}

/** A deterministic stream of 32-bit values (xorshift32). */
function randomWords(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x >>> 0;
  };
}

describe.skipIf(lacking)(titled('disassembly against aarch64-linux-gnu-objdump', lacking), () => {
  it('prints hello.static as objdump does', () => {
    const c = compare(objdumpElf(join(root, 'fixtures', 'bin', 'hello.static')));
    expect(differences(c)).toEqual([]);
    // The integer, branch, load/store and system forms are done: nearly every word of a static
    // glibc program. What is left is SIMD and FP (.inst) and SVE/MTE (not decoded at all).
    expect(c.same / c.total).toBeGreaterThan(0.99);
  });

  it('prints the golden test words as objdump does', () => {
    const dir = join(root, 'test', 'golden');
    const words: number[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      for (const k of JSON.parse(readFileSync(join(dir, f), 'utf8')) as { code: string[] }[]) words.push(...k.code.map(Number));
    }
    const c = compare(objdumpWords(words, 0x1000000));
    expect(differences(c)).toEqual([]);
    expect(c.same).toBeGreaterThan(1000);
  });

  it('prints random words of every disassembled definition as objdump does', () => {
    const next = randomWords(0x2545f491);
    const words: number[] = [];
    for (const d of A64_INSNS) {
      if (typeof d.asm !== 'function') continue;
      for (let i = 0; i < 400; i++) words.push(((next() & ~d.mask) | d.value) >>> 0);
    }
    const lines = objdumpWords(words, 0x400000);
    const c = compare(lines);
    // objdump knows ~1,500 system register names; tsemu names the ones an OS and programs
    // commonly use and spells the rest s<op0>_<op1>_c<n>_c<m>_<op2>, which objdump then names.
    const generic = /^(mrs x\w+, s\d_\d_c\d+_c\d+_\d|msr s\d_\d_c\d+_c\d+_\d, x\w+)$/;
    c.differ = c.differ.filter((d) => !(generic.test(d.tsemu) && /^(mrs|msr) /.test(d.objdump)));
    expect(differences(c)).toEqual([]);
    // Of the words objdump decodes (many random field values are unallocated), nearly all are
    // disassembled rather than left as .inst.
    const decoded = compare(lines.filter((l) => !l.text.startsWith('.inst')));
    expect(decoded.same / decoded.total).toBeGreaterThan(0.95);
  });
});
