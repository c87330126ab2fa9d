// Helpers for the disassembly functions in the instruction definitions: operand spellings as
// GNU objdump prints them (register names, immediates, conditions, branch targets), so that
// `-d in_asm` can be compared with `aarch64-linux-gnu-objdump -d` word for word.

/** General-purpose register n, 64-bit (sf=1) or 32-bit; 31 is the zero register. */
export function xr(n: number, sf: number | boolean = 1): string {
  if (n === 31) return sf ? 'xzr' : 'wzr';
  return (sf ? 'x' : 'w') + n;
}

/** General-purpose register n where 31 is the stack pointer. */
export function xsp(n: number, sf: number | boolean = 1): string {
  if (n === 31) return sf ? 'sp' : 'wsp';
  return (sf ? 'x' : 'w') + n;
}

/** Unsigned hexadecimal immediate: #0x1f. Accepts bigints for 64-bit values. */
export function hex(v: number | bigint): string {
  return '#0x' + BigInt.asUintN(64, BigInt(v)).toString(16);
}

/** A code or literal address, as objdump prints it for a stripped binary: 0x400080. */
export function target(pc: number, off: number): string {
  if (Number.isNaN(pc)) return off < 0 ? `.-0x${(-off).toString(16)}` : `.+0x${off.toString(16)}`; // address unknown: GNU as syntax
  return '0x' + BigInt.asUintN(64, BigInt(pc) + BigInt(off)).toString(16);
}

export const COND = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al', 'nv'];

export const SHIFT = ['lsl', 'lsr', 'asr', 'ror'];

export const EXTEND = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx'];

/** SIMD&FP scalar register of `bytes` width: b0, h0, s0, d0, q0. */
export function fpr(n: number, bytes: number): string {
  return ({ 1: 'b', 2: 'h', 4: 's', 8: 'd', 16: 'q' } as Record<number, string>)[bytes] + n;
}

/** [base, #off] with the offset left out when it is 0, as objdump does. */
export function memOff(rn: number, off: number): string {
  return off ? `[${xsp(rn)}, #${off}]` : `[${xsp(rn)}]`;
}

/** PRFM operation: pldl1keep ... pstl3strm, or #imm when unnamed. */
export function prfop(rt: number): string {
  const type = ['pld', 'pli', 'pst'][rt >> 3];
  const tgt = (rt >> 1) & 3;
  if (!type || tgt === 3) return `#0x${rt.toString(16).padStart(2, '0')}`;
  return `${type}l${tgt + 1}${rt & 1 ? 'strm' : 'keep'}`;
}

/** Instruction text for words whose definition has no disassembly yet: what objdump prints for
 *  an unknown word, with what the definition does say as a comment. */
export function rawInsn(word: number, note: string): string {
  return `.inst 0x${(word >>> 0).toString(16).padStart(8, '0')} // ${note}`;
}

/** What a single-register load or store moves (ldst-access.ts decodeAccess). */
export interface AccessShape { op: 'load' | 'store' | 'prefetch'; size: number; fp: boolean; sext: number }

/**
 * Mnemonic of a single-register access: `kind` is r (ldr, scaled or register offset), ur
 * (unscaled: ldur) or tr (unprivileged: ldtr); the b/h/sb/sh/sw suffix follows the access.
 */
export function ldstMnemonic(acc: AccessShape, kind: 'r' | 'ur' | 'tr'): string {
  if (acc.op === 'prefetch') return kind === 'ur' ? 'prfum' : 'prfm';
  const base = (acc.op === 'load' ? 'ld' : 'st') + kind;
  if (acc.fp) return base;
  const width = acc.size === 1 ? 'b' : acc.size === 2 ? 'h' : acc.size === 4 && acc.sext ? 'w' : '';
  return base + (acc.sext ? 's' : '') + width;
}

/** The transfer register of a single-register access (the prfop of a prefetch). */
export function ldstReg(acc: AccessShape, rt: number): string {
  if (acc.op === 'prefetch') return prfop(rt);
  if (acc.fp) return fpr(rt, acc.size);
  return xr(rt, acc.sext === 64 || (acc.size === 8 && !acc.sext));
}

/** A scalar FP register by the ftype field (0 S, 1 D, 3 H); null for 2 (unallocated). */
export function fpType(n: number, ftype: number): string | null {
  const p = ['s', 'd', '', 'h'][ftype];
  return p ? p + n : null;
}

/** A floating-point immediate as objdump prints it: C's %.18e (2.500000000000000000e+00). */
export function fpImm(v: number): string {
  const [m, e] = v.toExponential(18).split('e');
  const exp = Number(e);
  return `#${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/**
 * The mnemonic a SIMD definition's name list gives for its U bit (and, for the bitwise group,
 * its size field): 's/uhadd' → shadd or uhadd, 'add/sub' → add or sub, 'sq(r)dmulh' → sqdmulh
 * or sqrdmulh, 'and/bic/orr/orn/eor/bsl/bit/bif' → one of eight by U:size.
 */
export function simdMnemonic(names: string, u: number, size: number): string {
  if (names.startsWith('s/u')) return (u ? 'u' : 's') + names.slice(3);
  const m = /^(\w*)\((\w+)\)(\w*)$/.exec(names);
  if (m) return m[1] + (u ? m[2] : '') + m[3];
  const list = names.split('/');
  if (list.length === 8) return list[u * 4 + size];
  return list[Math.min(u, list.length - 1)];
}

/** A vector register with its arrangement: v3.16b, v0.2d. */
export function vreg(n: number, size: number, q: number): string {
  return `v${n}.${(q ? 16 : 8) >> size}${'bhsd'[size]}`;
}
