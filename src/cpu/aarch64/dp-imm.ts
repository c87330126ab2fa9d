// Data processing (immediate): add/sub, logical, moves, PC-relative addresses, bitfield, extract.
import { Trap, type Val } from '../emitter.js';
import { hex, target, xr, xsp } from '../disasm.js';
import { insn } from '../insn.js';
import { addWithFlags, decodeBitMask, sext, setNZ, subWithFlags } from './common.js';

/** MoveWidePreferred (Arm ARM): would MOVZ/MOVN encode this bitmask immediate? Then objdump
 *  prints the ORR as itself, not as the MOV alias. */
function moveWidePreferred(sf: number, n: number, imms: number, immr: number): boolean {
  const width = sf ? 64 : 32;
  if (sf && n !== 1) return false;
  if (!sf && (n !== 0 || (imms & 0x20))) return false;
  if (imms < 16) return (-immr % 16 + 16) % 16 <= 15 - imms;
  if (imms >= width - 15) return immr % 16 <= imms - (width - 15);
  return false;
}

export const ADD_imm = insn({
  pattern: 'sf:1 op:1 S:1 100010 sh:1 imm12:12 rn:5 rd:5',
  asm(a) {
    const imm = hex(a.imm12) + (a.sh ? ', lsl #12' : '');
    if (a.S && a.rd === 31) return `${a.op ? 'cmp' : 'cmn'} ${xsp(a.rn, a.sf)}, ${imm}`;
    if (!a.op && !a.S && !a.sh && !a.imm12 && (a.rd === 31 || a.rn === 31)) return `mov ${xsp(a.rd, a.sf)}, ${xsp(a.rn, a.sf)}`;
    const rd = a.S ? xr(a.rd, a.sf) : xsp(a.rd, a.sf);
    return `${a.op ? 'sub' : 'add'}${a.S ? 's' : ''} ${rd}, ${xsp(a.rn, a.sf)}, ${imm}`;
  },
  sem(e, a) {
    const imm = e.i64(a.imm12 * (a.sh ? 4096 : 1));
    const rn = e.xsp(a.rn);
    if (a.S) {
      const r = a.op ? subWithFlags(e, rn, imm, a.sf) : addWithFlags(e, rn, imm, null, a.sf);
      e.setX(a.rd, r, a.sf);
    } else {
      const r = a.op ? e.sub(rn, imm) : e.add(rn, imm);
      e.setXsp(a.rd, r, a.sf);
    }
  },
});

export const MOVW = insn({
  pattern: 'sf:1 opc:2 100101 hw:2 imm16:16 rd:5',
  asm(a) {
    if (a.opc === 1 || (!a.sf && a.hw >= 2)) return null;
    const shift = BigInt(a.hw * 16);
    const bits = a.sf ? 64 : 32;
    const alias = !(a.imm16 === 0 && a.hw !== 0);
    if (a.opc === 2 && alias) return `mov ${xr(a.rd, a.sf)}, ${hex(BigInt(a.imm16) << shift)}`;
    if (a.opc === 0 && alias && (a.sf || a.imm16 !== 0xffff)) {
      return `mov ${xr(a.rd, a.sf)}, ${hex(BigInt.asUintN(bits, ~(BigInt(a.imm16) << shift)))}`;
    }
    return `${['movn', '', 'movz', 'movk'][a.opc]} ${xr(a.rd, a.sf)}, ${hex(a.imm16)}${a.hw ? `, lsl #${a.hw * 16}` : ''}`;
  },
  sem(e, a) {
    if (a.opc === 1 || (!a.sf && a.hw >= 2)) return e.trap(1);
    const shift = BigInt(a.hw * 16);
    const imm = BigInt(a.imm16) << shift;
    if (a.opc === 0) e.setX(a.rd, e.i64(~imm), a.sf); // MOVN
    else if (a.opc === 2) e.setX(a.rd, e.i64(imm), a.sf); // MOVZ
    else {
      const keep = e.and(e.x(a.rd), e.i64(~(0xffffn << shift)));
      e.setX(a.rd, e.or(keep, e.i64(imm)), a.sf); // MOVK
    }
  },
});

export const ADR = insn({
  pattern: 'op:1 immlo:2 10000 immhi:19 rd:5',
  asm(a, pc) {
    const off = sext(a.immhi * 4 + a.immlo, 21);
    if (!a.op) return `adr ${xr(a.rd)}, ${target(pc, off)}`;
    return `adrp ${xr(a.rd)}, ${target(Math.floor(pc / 4096) * 4096, off * 4096)}`;
  },
  sem(e, a) {
    let off = (a.immhi * 4 + a.immlo);
    if (off >= 2 ** 20) off -= 2 ** 21;
    const target = a.op ? Math.floor(e.pc / 4096) * 4096 + off * 4096 : e.pc + off;
    e.setX(a.rd, e.i64(BigInt.asUintN(64, BigInt(target))));
  },
});

/** AND, ORR, EOR, ANDS with a bitmask immediate (DecodeBitMasks at translation time). */
export const LOGIC_imm = insn({
  pattern: 'sf:1 opc:2 100100 N:1 immr:6 imms:6 rn:5 rd:5',
  asm(a) {
    const mask = decodeBitMask(a.N, a.imms, a.immr, a.sf);
    if (mask === null) return null;
    if (a.opc === 3 && a.rd === 31) return `tst ${xr(a.rn, a.sf)}, ${hex(mask)}`;
    if (a.opc === 1 && a.rn === 31 && !moveWidePreferred(a.sf, a.N, a.imms, a.immr)) return `mov ${xsp(a.rd, a.sf)}, ${hex(mask)}`;
    const rd = a.opc === 3 ? xr(a.rd, a.sf) : xsp(a.rd, a.sf);
    return `${['and', 'orr', 'eor', 'ands'][a.opc]} ${rd}, ${xr(a.rn, a.sf)}, ${hex(mask)}`;
  },
  sem(e, a) {
    const mask = decodeBitMask(a.N, a.imms, a.immr, a.sf);
    if (mask === null) return e.trap(Trap.Undefined);
    const imm = e.i64(mask);
    let r: Val;
    if (a.opc === 1 && a.rn === 31) r = imm; // MOV (bitmask immediate)
    else {
      // For sf=0 the mask has no upper bits, so AND/ANDS need no zero-extension of Rn.
      const rn = a.opc === 0 || a.opc === 3 ? e.x(a.rn) : e.x(a.rn, a.sf);
      r = a.opc === 1 ? e.or(rn, imm) : a.opc === 2 ? e.xor(rn, imm) : e.and(rn, imm);
    }
    if (a.opc === 3) {
      setNZ(e, r, a.sf, e.i32(0), e.i32(0));
      e.setX(a.rd, r);
    } else {
      e.setXsp(a.rd, r);
    }
  },
});

export * from './dp-bitfield.js';
