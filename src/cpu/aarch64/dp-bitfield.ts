// Bitfield moves (SBFM, BFM, UBFM and their aliases LSL/LSR/ASR #imm, SXT*, UXT*, BFI, BFXIL,
// SBFX, UBFX, SBFIZ, UBFIZ) and EXTR (ROR #imm). The field positions are decode-time numbers,
// so each form becomes a couple of shifts or masks; 32-bit forms use i32 operations.
import { Trap, type Emitter, type Val } from '../emitter.js';
import { xr } from '../disasm.js';
import { insn } from '../insn.js';

/** Operations on a 32- or 64-bit operand, chosen by sf at translation time. */
export interface Width {
  bits: number;
  /** Rn as an operand of this width (i64, or i32 for sf=0). */
  reg(n: number): Val;
  /** Write a result of this width to Xd (zero-extending a 32-bit one). */
  put(rd: number, v: Val): void;
  k(n: bigint | number): Val;
  op(name: string, a: Val, b: Val): Val;
  /** Shift by a decode-time amount; 0 emits nothing. */
  sh(name: 'shl' | 'shr_u' | 'shr_s' | 'rotr', v: Val, n: number): Val;
}

export function width(e: Emitter, sf: number): Width {
  const t = sf ? 'i64' : 'i32';
  const w: Width = {
    bits: sf ? 64 : 32,
    reg: (n) => (sf ? e.x(n) : e.wrap(e.x(n))),
    put: (rd, v) => e.setX(rd, sf ? v : e.extendU(v)),
    k: (n) => (sf ? e.i64(BigInt.asIntN(64, BigInt(n))) : e.i32(Number(BigInt.asIntN(32, BigInt(n))))),
    op: (name, a, b) => e.op(`${t}.${name}`, [a, b]),
    sh: (name, v, n) => (n ? w.op(name, v, w.k(n)) : v),
  };
  return w;
}

const ones = (n: number) => (1n << BigInt(n)) - 1n;

export const BITFIELD = insn({
  pattern: 'sf:1 opc:2 100110 N:1 immr:6 imms:6 rn:5 rd:5',
  asm(a) {
    if (a.opc === 3 || a.N !== a.sf || (!a.sf && (a.immr >= 32 || a.imms >= 32))) return null;
    const W = a.sf ? 64 : 32;
    const R = a.immr;
    const S = a.imms;
    const rd = xr(a.rd, a.sf);
    const rn = xr(a.rn, a.sf);
    // The aliases in the Arm ARM's order of preference.
    if (a.opc === 1) {
      if (S < R) return a.rn === 31 ? `bfc ${rd}, #${W - R}, #${S + 1}` : `bfi ${rd}, ${rn}, #${W - R}, #${S + 1}`;
      return `bfxil ${rd}, ${rn}, #${R}, #${S - R + 1}`;
    }
    const u = a.opc === 2 ? 'u' : 's';
    if (S === W - 1) return `${u === 'u' ? 'lsr' : 'asr'} ${rd}, ${rn}, #${R}`;
    if (u === 'u' && S + 1 === R) return `lsl ${rd}, ${rn}, #${W - 1 - S}`;
    if (S < R) return `${u}bfiz ${rd}, ${rn}, #${W - R}, #${S + 1}`;
    if (R === 0 && (S === 7 || S === 15 || (S === 31 && u === 's')) && (u === 's' || !a.sf)) {
      return `${u}xt${S === 7 ? 'b' : S === 15 ? 'h' : 'w'} ${rd}, ${xr(a.rn, 0)}`;
    }
    return `${u}bfx ${rd}, ${rn}, #${R}, #${S - R + 1}`;
  },
  sem(e, a) {
    if (a.opc === 3 || a.N !== a.sf || (!a.sf && (a.immr >= 32 || a.imms >= 32))) return e.trap(Trap.Undefined);
    const w = width(e, a.sf);
    const W = w.bits;
    const R = a.immr;
    const S = a.imms;
    const src = w.reg(a.rn);
    let r: Val;
    if (a.opc === 1) {
      // BFM: a field of Rn replaces the same-sized field of Rd; other bits of Rd are kept.
      let field: Val;
      let dstMask: bigint;
      if (S >= R) { // BFXIL: Rn<S:R> → Rd<S-R:0>
        dstMask = ones(S - R + 1);
        field = w.op('and', w.sh('shr_u', src, R), w.k(dstMask));
      } else { // BFI: Rn<S:0> → Rd<W-R+S:W-R>
        dstMask = ones(S + 1) << BigInt(W - R);
        field = w.sh('shl', w.op('and', src, w.k(ones(S + 1))), W - R);
      }
      if (dstMask === ones(W)) r = field;
      else r = w.op('or', w.op('and', w.reg(a.rd), w.k(~dstMask)), field);
    } else {
      const signed = a.opc === 0;
      if (R === 0 && S === W - 1) r = src;
      else if (R === 0 && !signed) r = w.op('and', src, w.k(ones(S + 1))); // UXTB, UXTH, UBFX #0
      else if (R === 0 && (S === 7 || S === 15 || (S === 31 && W === 64))) {
        r = e.op(`${a.sf ? 'i64' : 'i32'}.extend${S + 1}_s`, [src]); // SXTB, SXTH, SXTW
      } else {
        // Move the field's top bit to the MSB, then shift right (arithmetic for SBFM) into place:
        // S >= R extracts Rn<S:R> to the bottom, S < R inserts Rn<S:0> at bit W-R.
        const left = W - 1 - S;
        const right = S >= R ? left + R : R - 1 - S;
        r = w.sh(signed ? 'shr_s' : 'shr_u', w.sh('shl', src, left), right);
      }
    }
    w.put(a.rd, r);
  },
});

/** EXTR: bits lsb.. of the concatenation Rn:Rm; ROR #imm when Rn = Rm. */
export const EXTR = insn({
  pattern: 'sf:1 00 100111 N:1 0 rm:5 imms:6 rn:5 rd:5',
  asm(a) {
    if (a.N !== a.sf || (!a.sf && a.imms >= 32)) return null;
    if (a.rn === a.rm) return `ror ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}, #${a.imms}`;
    return `extr ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}, ${xr(a.rm, a.sf)}, #${a.imms}`;
  },
  sem(e, a) {
    if (a.N !== a.sf || (!a.sf && a.imms >= 32)) return e.trap(Trap.Undefined);
    const w = width(e, a.sf);
    const lsb = a.imms;
    let r: Val;
    if (lsb === 0) r = w.reg(a.rm);
    else if (a.rn === a.rm) r = w.sh('rotr', w.reg(a.rn), lsb);
    else r = w.op('or', w.sh('shr_u', w.reg(a.rm), lsb), w.sh('shl', w.reg(a.rn), w.bits - lsb));
    w.put(a.rd, r);
  },
});
