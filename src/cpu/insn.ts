// One definition per instruction: its encoding pattern, its semantics written against the
// Emitter interface, and its disassembly text. Every execution tier runs the same `sem`.
import { rawInsn } from './disasm.js';
import type { Emitter } from './emitter.js';

export type Fields = Record<string, number>;

export interface InsnSpec {
  /** 32 bits, most significant first: literal bits (0/1), don't-care bits (x), and fields name:width. */
  pattern: string;
  /**
   * Disassembly. A function of the fields and the instruction's address gives what GNU objdump
   * prints for the word (null where a form is not written yet); a string is an older template
   * ({name} replaced by the field's value), shown only as a comment after `.inst 0x...`.
   */
  asm: string | AsmFn;
  sem(e: Emitter, a: Fields): void;
}

/** pc is NaN when the caller does not know it (branch targets are then printed relative). */
export type AsmFn = (a: Fields, pc: number) => string | null;

export interface Insn extends InsnSpec {
  name: string;
  mask: number;
  value: number;
  fields: { name: string; shift: number; width: number }[];
}

/** Parse a pattern into mask/value and field positions. Throws on malformed patterns. */
export function insn(spec: InsnSpec): Insn {
  let bit = 32;
  let mask = 0;
  let value = 0;
  const fields: Insn['fields'] = [];
  for (const tok of spec.pattern.trim().split(/\s+/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*):(\d+)$/.exec(tok);
    if (m) {
      const width = Number(m[2]);
      bit -= width;
      fields.push({ name: m[1], shift: bit, width });
      continue;
    }
    if (!/^[01x]+$/.test(tok)) throw new Error(`bad pattern token '${tok}' in '${spec.pattern}'`);
    for (const ch of tok) {
      bit--;
      if (ch !== 'x') {
        mask |= 1 << bit;
        if (ch === '1') value |= 1 << bit;
      }
    }
  }
  if (bit !== 0) throw new Error(`pattern '${spec.pattern}' has ${32 - bit} bits, not 32`);
  return { ...spec, name: '', mask: mask >>> 0, value: value >>> 0, fields };
}

export function extractFields(d: Insn, word: number): Fields {
  const a: Fields = {};
  for (const f of d.fields) a[f.name] = (word >>> f.shift) & (2 ** f.width - 1);
  return a;
}

/** Collect the instruction definitions exported by group modules, named after their exports. */
export function collect(...groups: Record<string, unknown>[]): Insn[] {
  const out: Insn[] = [];
  for (const g of groups) {
    for (const [name, d] of Object.entries(g)) {
      if (d && typeof d === 'object' && 'pattern' in d && 'sem' in d) {
        (d as Insn).name = name;
        out.push(d as Insn);
      }
    }
  }
  return out;
}

/** The instruction word again from its fields (don't-care bits read as 0). */
export function encodeFields(d: Insn, a: Fields): number {
  let w = d.value;
  for (const f of d.fields) w |= (a[f.name] & (2 ** f.width - 1)) << f.shift;
  return w >>> 0;
}

/** Disassemble as GNU objdump does; forms without a disassembly yet print as `.inst 0x...`. */
export function formatAsm(d: Insn, a: Fields, pc = NaN): string {
  if (typeof d.asm === 'function') {
    const text = d.asm(a, pc);
    if (text !== null) return text;
    return rawInsn(encodeFields(d, a), d.name || 'not disassembled yet');
  }
  const old = d.asm.replace(/\{(\w+)(:x)?\}/g, (_, n: string, hex?: string) =>
    n in a ? (hex ? '0x' + a[n].toString(16) : String(a[n])) : `{${n}}`);
  return rawInsn(encodeFields(d, a), old);
}
