// Disassembly compared with GNU objdump: objdump's text for each word, and tsemu's text for the
// same word at the same address (src/cpu/insn.ts formatAsm over the A64 decoder).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { a64Decoder } from '../../src/cpu/aarch64/index.js';
import { formatAsm } from '../../src/cpu/insn.js';

export interface Line { pc: number; word: number; text: string }

/**
 * Whitespace collapsed, and the parts of objdump's line that are annotations rather than the
 * instruction left out: the `// ...` comment (`// #99` after mov, `// b.none` after b.eq) and
 * the `<symbol+off>` after an address, which needs a symbol table.
 */
export function normalise(text: string): string {
  return text.replace(/\s*\/\/.*$/, '').replace(/\s*<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
}

/** Parse `objdump -d` output: one Line per instruction word. */
export function parseObjdump(out: string): Line[] {
  const lines: Line[] = [];
  for (const l of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t([0-9a-f]{8}) \t(.*)$/.exec(l);
    if (m) lines.push({ pc: parseInt(m[1], 16), word: parseInt(m[2], 16), text: normalise(m[3]) });
  }
  return lines;
}

/** objdump of an ELF file's executable sections. */
export function objdumpElf(file: string): Line[] {
  return parseObjdump(execFileSync('aarch64-linux-gnu-objdump', ['-d', file], { maxBuffer: 1 << 30, encoding: 'utf8' }));
}

/** objdump of raw words placed one after another from `base`. */
export function objdumpWords(words: number[], base: number): Line[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsemu-dis-'));
  try {
    const buf = Buffer.alloc(words.length * 4);
    words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, i * 4));
    writeFileSync(join(dir, 'w.bin'), buf);
    return parseObjdump(execFileSync('aarch64-linux-gnu-objdump',
      ['-D', '-b', 'binary', '-m', 'aarch64', `--adjust-vma=0x${base.toString(16)}`, join(dir, 'w.bin')],
      { maxBuffer: 1 << 30, encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tsemu's text for a word at pc: null when the decoder rejects it (objdump's `.inst` or an
 *  instruction tsemu does not implement). */
export function tsemuText(word: number, pc: number): string | null {
  const d = a64Decoder().decode(word);
  return d ? formatAsm(d.insn, d.fields, pc) : null;
}

export interface Comparison {
  total: number;
  /** Decoded by tsemu and printed exactly as objdump does. */
  same: number;
  /** Decoded, but printed as `.inst` (no disassembly written for that form yet). */
  notDone: number;
  /** Not decoded by tsemu at all. */
  undecoded: number;
  /** Decoded and disassembled, but not as objdump prints it. */
  differ: { pc: number; word: number; objdump: string; tsemu: string }[];
}

export function compare(lines: Line[]): Comparison {
  const c: Comparison = { total: lines.length, same: 0, notDone: 0, undecoded: 0, differ: [] };
  for (const l of lines) {
    const t = tsemuText(l.word, l.pc);
    if (t === null) c.undecoded++;
    else if (t.startsWith('.inst ')) c.notDone++;
    else if (normalise(t) === l.text) c.same++;
    else c.differ.push({ pc: l.pc, word: l.word, objdump: l.text, tsemu: normalise(t) });
  }
  return c;
}
