// AdvSIMD shift by immediate (vector and scalar) and modified immediate (MOVI/MVNI/ORR/BIC).
// The two classes share the encoding space: immh == 0 in the vector form is a modified immediate.
// FP owns shift-by-immediate opcodes 11100/11111 (SCVTF/FCVTZS fixed point) and cmode 1111 (FMOV).
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { hex, vreg } from '../disasm.js';
import { insn, type Fields } from '../insn.js';
import {
  and, andnot, anyTrue, bsel, clamp, cmp, fit, lane0, narrowPack, or, setQC, shl, shr, splat, SMAX, SMIN, UMAX, vop,
  vecAndScalar, widen, writeNarrow, xor, ZERO, type Sat,
} from './simd-util.js';
import { writeResult } from './simd-same.js';

/** Shift right by 1..esize (esize itself allowed: all sign bits, or zero). */
export function shrImm(e: Emitter, size: number, a: Val, n: number, signed: boolean): Val {
  const es = 8 << size;
  if (n >= es) return signed ? shr(e, size, a, es - 1, true) : ZERO(e);
  return shr(e, size, a, n, signed);
}

/** Rounding shift right by 1..esize. */
export function rshrImm(e: Emitter, size: number, a: Val, n: number, signed: boolean): Val {
  const bit = and(e, shr(e, size, a, n - 1, signed), splat(e, size, 1));
  return vop(e, size, 'add', [shrImm(e, size, a, n, signed), bit]);
}

/** Saturating shift left by 0..esize-1: kind 0 SQSHL, 1 UQSHL, 2 SQSHLU. */
export function qshlImm(e: Emitter, size: number, a: Val, n: number, kind: number): Sat {
  const top = (8 << size) - 1;
  const r = shl(e, size, a, n);
  if (kind === 0) {
    const ov = cmp(e, size, 'ne', shr(e, size, r, n, true), a);
    const sat = xor(e, vop(e, size, 'shr_s', [a, e.i32(top)]), splat(e, size, SMAX(size)));
    return { r: bsel(e, sat, r, ov), q: anyTrue(e, ov) };
  }
  const ov = cmp(e, size, 'ne', shr(e, size, r, n, false), a);
  const res = or(e, r, ov);
  if (kind === 1) return { r: res, q: anyTrue(e, ov) };
  const negMask = vop(e, size, 'shr_s', [a, e.i32(top)]);
  return { r: andnot(e, res, negMask), q: anyTrue(e, or(e, ov, negMask)) };
}

/** The vector modified immediate as 16 bytes (null: unallocated). */
export function modImm(op: number, cmode: number, imm8: number): number[] | null {
  let v64 = 0n;
  const rep = (x: bigint, bits: number) => {
    let r = 0n;
    for (let i = 0; i < 64; i += bits) r |= x << BigInt(i);
    return r;
  };
  const i8 = BigInt(imm8);
  switch (cmode >> 1) {
    case 0: case 1: case 2: case 3: v64 = rep(i8 << BigInt(8 * (cmode >> 1)), 32); break;
    case 4: case 5: v64 = rep(i8 << BigInt(8 * ((cmode >> 1) & 1)), 16); break;
    case 6: v64 = rep(cmode & 1 ? (i8 << 16n) | 0xffffn : (i8 << 8n) | 0xffn, 32); break;
    default:
      if (cmode === 14 && !op) v64 = rep(i8, 8);
      else if (cmode === 14) {
        for (let i = 0; i < 8; i++) if ((imm8 >> i) & 1) v64 |= 0xffn << BigInt(8 * i);
      } else return null;
  }
  const out: number[] = [];
  for (let i = 0; i < 16; i++) out.push(Number((v64 >> BigInt(8 * (i & 7))) & 0xffn));
  return out;
}

/** MOVI, MVNI, ORR (vector, immediate), BIC (vector, immediate). */
function modifiedImmediate(e: Emitter, a: Fields): void {
  const { q, u: op, cmode, o2 } = a;
  const imm8 = (a.abc << 5) | a.defgh;
  if (o2 || cmode === 15) return e.trap(Trap.Undefined);
  const bytes = modImm(op, cmode, imm8);
  if (!bytes) return e.trap(Trap.Undefined);
  // cmode 0xx1 / 10x1: ORR (op 0) or BIC (op 1); otherwise MOVI (op 0) or MVNI (op 1), except
  // cmode 1110 which is MOVI for both op values.
  const logical = cmode < 12 && (cmode & 1) === 1;
  let imm = e.v128(bytes);
  let r: Val;
  if (logical) r = op ? andnot(e, e.v(a.rd), imm) : or(e, e.v(a.rd), imm);
  else {
    if (op && cmode !== 14) imm = e.v128(bytes.map((b) => ~b & 0xff));
    r = imm;
  }
  e.setV(a.rd, q ? r : fit(e, r, 0, false, 3));
}

// Each pattern covers shift opcodes and, with immh == 0 in the vector form, the modified
// immediates with the same bits 15:11 (cmode:o2).
/** MOVI, MVNI, ORR, BIC (vector, immediate) as objdump prints them. */
function modifiedImmediateAsm(a: Fields): string | null {
  const { q, u: op, cmode, o2 } = a;
  const imm8 = (a.abc << 5) | a.defgh;
  if (o2 || cmode === 15) return null;
  const imm = hex(imm8);
  const v = (size: number) => vreg(a.rd, size, q);
  const lsl = (n: number) => (n ? `, lsl #${n}` : '');
  if (cmode < 8) return `${(cmode & 1 ? ['orr', 'bic'] : ['movi', 'mvni'])[op]} ${v(2)}, ${imm}${lsl(8 * (cmode >> 1))}`;
  if (cmode < 12) return `${(cmode & 1 ? ['orr', 'bic'] : ['movi', 'mvni'])[op]} ${v(1)}, ${imm}${lsl(8 * ((cmode >> 1) & 1))}`;
  if (cmode < 14) return `${op ? 'mvni' : 'movi'} ${v(2)}, ${imm}, msl #${cmode & 1 ? 16 : 8}`;
  if (!op) return `movi ${v(0)}, ${imm}`;
  let v64 = 0n;
  for (let i = 0; i < 8; i++) if ((imm8 >> i) & 1) v64 |= 0xffn << BigInt(8 * i);
  return `movi ${q ? `v${a.rd}.2d` : `d${a.rd}`}, ${hex(v64)}`;
}

const SHIFT_NAMES = [['sshr', 'ushr'], ['ssra', 'usra'], ['srshr', 'urshr'], ['srsra', 'ursra'], ['', 'sri'], ['shl', 'sli'],
  ['', 'sqshlu'], ['sqshl', 'uqshl']];
const NARROW_NAMES = [['shrn', 'sqshrun'], ['rshrn', 'sqrshrun'], ['sqshrn', 'uqshrn'], ['sqrshrn', 'uqrshrn']];

/** A shift by immediate's element size (from immh's top bit), and its amount read as a right
 *  shift (2*esize - immh:immb) and as a left one (immh:immb - esize). */
function shiftAmounts(immh: number, immb: number): { size: number; es: number; right: number; left: number } {
  const size = 31 - Math.clz32(immh);
  const es = 8 << size;
  const raw = (immh << 3) | immb;
  return { size, es, right: 2 * es - raw, left: raw - es };
}

/** The shift-by-immediate group (and the modified immediates where immh is 0) as objdump prints it. */
function shiftAsm(a: Fields): string | null {
  const { immh, immb, u, q } = a;
  const scalar = !!a.s;
  if (immh === 0) return scalar ? null : modifiedImmediateAsm({ q, u, rd: a.rd, cmode: a.opc >> 1, o2: a.opc & 1, abc: immb, defgh: a.rn });
  if (scalar && !q) return null;
  const { size, right, left } = shiftAmounts(immh, immb);
  const opc = a.opc;
  const sc = (n: number, sz: number) => `${'bhsd'[sz]}${n}`;
  if (opc >= 16) {
    if (size === 3 || opc > 20) return null;
    if (opc === 20) {
      if (scalar) return null;
      const name = left ? (u ? 'ushll' : 'sshll') : u ? 'uxtl' : 'sxtl';
      return `${name}${q ? '2' : ''} ${vreg(a.rd, size + 1, 1)}, ${vreg(a.rn, size, q)}${left ? `, #${left}` : ''}`;
    }
    const name = NARROW_NAMES[opc - 16][u];
    if (opc < 18 && !u && scalar) return null;
    if (scalar) return `${name} ${sc(a.rd, size)}, ${sc(a.rn, size + 1)}, #${right}`;
    return `${name}${q ? '2' : ''} ${vreg(a.rd, size, q)}, ${vreg(a.rn, size + 1, 1)}, #${right}`;
  }
  if (opc & 1) return null;
  const op = opc >> 1;
  const name = SHIFT_NAMES[op][u];
  if (!name) return null;
  if (op < 6 && (scalar ? size !== 3 : size === 3 && !q)) return null;
  if (op >= 6 && !scalar && size === 3 && !q) return null;
  const amount = op >= 5 ? left : right;
  if (scalar) return `${name} ${sc(a.rd, size)}, ${sc(a.rn, size)}, #${amount}`;
  return `${name} ${vreg(a.rd, size, q)}, ${vreg(a.rn, size, q)}, #${amount}`;
}

function shiftSem(e: Emitter, a: Fields): void {
  const { immh, immb, u, q } = a;
  const scalar = !!a.s;
  if (immh === 0) {
    if (scalar) return e.trap(Trap.Undefined);
    return modifiedImmediate(e, { q, u, rd: a.rd, cmode: a.opc >> 1, o2: a.opc & 1, abc: immb, defgh: a.rn });
  }
  if (scalar && !q) return e.trap(Trap.Undefined);
  const { size, es, right, left } = shiftAmounts(immh, immb);
  const opc = a.opc;
  const signed = !u;
  // Narrowing and widening: source/destination of size+1.
  if (opc >= 16) {
    if (size === 3) return e.trap(Trap.Undefined);
    if (opc === 20) { // SSHLL/USHLL
      if (scalar) return e.trap(Trap.Undefined);
      e.setV(a.rd, shl(e, size + 1, widen(e, size, e.v(a.rn), q, signed), left));
      return;
    }
    if (opc > 20) return e.trap(Trap.Undefined);
    const rsh = right; // 1..esize of the narrow element
    const W = size + 1;
    let n = e.v(a.rn);
    if (scalar) n = lane0(e, W, n);
    const round = (opc & 1) === 1;
    // 10000 SHRN / SQSHRUN, 10001 RSHRN / SQRSHRUN, 10010 SQSHRN / UQSHRN, 10011 SQRSHRN / UQRSHRN
    const plain = opc < 18 && !u;
    if (plain && scalar) return e.trap(Trap.Undefined);
    const srcSigned = opc < 18 ? !plain : signed;
    const t = round ? rshrImm(e, W, n, rsh, srcSigned) : shrImm(e, W, n, rsh, srcSigned);
    let s: Sat;
    if (plain) s = { r: t, q: e.i32(0) };
    else if (opc < 18) s = clamp(e, W, t, 0n, UMAX(size), true);
    else if (signed) s = clamp(e, W, t, SMIN(size), SMAX(size), true);
    else s = clamp(e, W, t, null, UMAX(size), false);
    if (!plain) setQC(e, s.q);
    writeNarrow(e, a.rd, narrowPack(e, W, s.r, s.r), scalar ? 0 : q);
    return;
  }
  if (opc & 1) return e.trap(Trap.Undefined);
  const op = opc >> 1; // 0 SSHR, 1 SSRA, 2 SRSHR, 3 SRSRA, 4 SRI, 5 SHL/SLI, 6 SQSHLU, 7 SQSHL
  if (op === 7 || (op === 6 && u)) {
    if (!scalar && size === 3 && !q) return e.trap(Trap.Undefined);
    const n = fit(e, e.v(a.rn), q, scalar, size);
    writeResult(e, a.rd, qshlImm(e, size, n, left, op === 6 ? 2 : u), q, scalar, size);
    return;
  }
  if ((op === 4 || op === 6) && !u) return e.trap(Trap.Undefined);
  if (scalar ? size !== 3 : size === 3 && !q) return e.trap(Trap.Undefined);
  const n = e.v(a.rn);
  let r: Val;
  switch (op) {
    case 0: r = shrImm(e, size, n, right, signed); break;
    case 1: r = vop(e, size, 'add', [e.v(a.rd), shrImm(e, size, n, right, signed)]); break;
    case 2: r = rshrImm(e, size, n, right, signed); break;
    case 3: r = vop(e, size, 'add', [e.v(a.rd), rshrImm(e, size, n, right, signed)]); break;
    case 4: { // SRI
      if (right >= es) { r = e.v(a.rd); break; }
      const mask = splat(e, size, UMAX(size) >> BigInt(right));
      r = or(e, andnot(e, e.v(a.rd), mask), shr(e, size, n, right, false));
      break;
    }
    default: // SHL, SLI
      r = shl(e, size, n, left);
      if (u) r = or(e, andnot(e, e.v(a.rd), splat(e, size, (UMAX(size) << BigInt(left)) & UMAX(size))), r);
  }
  e.setV(a.rd, fit(e, r, q, scalar, size));
}

export const [SHIFT_IMM_A, SHIFT_IMM_A_s] = vecAndScalar({
  pattern: '0 q:1 u:1 s:1 11110 immh:4 immb:3 0 opc:4 1 rn:5 rd:5',
  asm: shiftAsm,
  sem: shiftSem,
});
export const [SHIFT_IMM_B, SHIFT_IMM_B_s] = vecAndScalar({
  pattern: '0 q:1 u:1 s:1 11110 immh:4 immb:3 100 op2:2 1 rn:5 rd:5',
  asm: (a) => shiftAsm({ ...a, opc: 16 | a.op2 }),
  sem: (e, a) => shiftSem(e, { ...a, opc: 16 | a.op2 }),
});
export const [SHIFT_IMM_C, SHIFT_IMM_C_s] = vecAndScalar({
  pattern: '0 q:1 u:1 s:1 11110 immh:4 immb:3 10100 1 rn:5 rd:5',
  asm: (a) => shiftAsm({ ...a, opc: 20 }),
  sem: (e, a) => shiftSem(e, { ...a, opc: 20 }),
});

/** The rest of the modified immediates (cmode 1010 with o2, 1011, 110x, 1110). */
function movi(bits: string, cmode: (a: Fields) => number) {
  return insn({
    pattern: `0 q:1 op:1 0 11110 0000 abc:3 ${bits} 1 defgh:5 rd:5`,
    asm: (a) => modifiedImmediateAsm({ q: a.q, u: a.op, rd: a.rd, cmode: cmode(a), o2: bits === '1010 1' ? 1 : a.o2, abc: a.abc, defgh: a.defgh }),
    sem(e, a) {
      const o2 = bits === '1010 1' ? 1 : a.o2;
      modifiedImmediate(e, { q: a.q, u: a.op, rd: a.rd, cmode: cmode(a), o2, abc: a.abc, defgh: a.defgh });
    },
  });
}
export const MOVI_1010_1 = movi('1010 1', () => 10);
export const MOVI_1011 = movi('1011 o2:1', () => 11);
export const MOVI_110x = movi('110 c0:1 o2:1', (a) => 12 | a.c0);
export const MOVI_1110 = movi('1110 o2:1', () => 14);
