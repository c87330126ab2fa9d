// Data processing with 1, 2 or 3 source registers: bit/byte reversal and counting, divide,
// variable shifts, CRC32, multiply(-add) including the widening and high-half forms.
import { Trap, type Emitter, type Val } from '../emitter.js';
import { helper } from '../helpers.js';
import { SHIFT, xr } from '../disasm.js';
import { insn } from '../insn.js';
import { width, type Width } from './dp-bitfield.js';

/** Swap adjacent k-bit groups selected by mask m: ((v >> k) & m) | ((v & m) << k). */
function swapBits(w: Width, v: Val, k: number, m: bigint): Val {
  return w.op('or', w.op('and', w.sh('shr_u', v, k), w.k(m)), w.sh('shl', w.op('and', v, w.k(m)), k));
}

const M1 = 0x5555555555555555n;
const M2 = 0x3333333333333333n;
const M4 = 0x0f0f0f0f0f0f0f0fn;
const M8 = 0x00ff00ff00ff00ffn;
const M16 = 0x0000ffff0000ffffn;

/** RBIT, REV16, REV32, REV (opc 0-3; sf=0 opc 2 is the 32-bit REV, opc 3 is reserved). */
export const REV = insn({
  pattern: 'sf:1 1 0 11010110 00000 0000 opc:2 rn:5 rd:5',
  asm(a) {
    if (!a.sf && a.opc === 3) return null;
    const name = a.opc === 3 || (!a.sf && a.opc === 2) ? 'rev' : ['rbit', 'rev16', 'rev32'][a.opc];
    return `${name} ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}`;
  },
  sem(e, a) {
    if (!a.sf && a.opc === 3) return e.trap(Trap.Undefined);
    const w = width(e, a.sf);
    const half = w.bits / 2;
    let r = w.reg(a.rn);
    if (a.opc === 0) {
      for (const [k, m] of [[1, M1], [2, M2], [4, M4], [8, M8]] as const) r = swapBits(w, r, k, m);
      if (a.sf) r = swapBits(w, r, 16, M16);
      r = w.sh('rotr', r, half);
    } else {
      r = swapBits(w, r, 8, M8); // REV16: bytes swapped within each halfword
      if (a.opc >= 2) {
        // REV32 (sf=1) swaps halfwords within words; REV swaps every halfword end to end
        if (a.sf) r = swapBits(w, r, 16, M16);
        if (a.opc === 3 || !a.sf) r = w.sh('rotr', r, half);
      }
    }
    w.put(a.rd, r);
  },
});

/** CLZ, CLS. */
export const CLZ = insn({
  pattern: 'sf:1 1 0 11010110 00000 00010 op:1 rn:5 rd:5',
  asm: (a) => `${a.op ? 'cls' : 'clz'} ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}`,
  sem(e, a) {
    const w = width(e, a.sf);
    const v = w.reg(a.rn);
    const t = a.sf ? 'i64' : 'i32';
    if (!a.op) return w.put(a.rd, e.op(`${t}.clz`, [v]));
    // Leading sign bits = leading zeros of v ^ (v >> 1) (arithmetic), minus the sign bit itself.
    const lz = e.op(`${t}.clz`, [w.op('xor', v, w.sh('shr_s', v, 1))]);
    w.put(a.rd, w.op('sub', lz, w.k(1)));
  },
});

/** UDIV, SDIV: x / 0 = 0 and INT_MIN / -1 = INT_MIN, where wasm would trap. */
export const DIV = insn({
  pattern: 'sf:1 0 0 11010110 rm:5 00001 signed:1 rn:5 rd:5',
  asm: (a) => `${a.signed ? 'sdiv' : 'udiv'} ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}, ${xr(a.rm, a.sf)}`,
  sem(e, a) {
    const w = width(e, a.sf);
    const t = a.sf ? 'i64' : 'i32';
    const n = w.reg(a.rn);
    const d = w.reg(a.rm);
    if (!a.signed) {
      const zero = e.op(`${t}.eqz`, [d]);
      const q = w.op('div_u', n, e.select(zero, w.k(1), d));
      return w.put(a.rd, e.select(zero, w.k(0), q));
    }
    // d in {0, -1}: divide by 1 instead, then q & d is 0 or q, and 0 - (q & d) is 0 or -q
    // (which wraps INT_MIN to INT_MIN, as A64 requires).
    const bad = e.op(`${t}.le_u`, [w.op('add', d, w.k(1)), w.k(1)]);
    const q = w.op('div_s', n, e.select(bad, w.k(1), d));
    w.put(a.rd, e.select(bad, w.op('sub', w.k(0), w.op('and', q, d)), q));
  },
});

/** LSLV, LSRV, ASRV, RORV: the amount is Rm modulo the width, as wasm shifts already do. */
export const SHIFTV = insn({
  pattern: 'sf:1 0 0 11010110 rm:5 0010 op2:2 rn:5 rd:5',
  asm: (a) => `${SHIFT[a.op2]} ${xr(a.rd, a.sf)}, ${xr(a.rn, a.sf)}, ${xr(a.rm, a.sf)}`,
  sem(e, a) {
    const w = width(e, a.sf);
    w.put(a.rd, w.op(['shl', 'shr_u', 'shr_s', 'rotr'][a.op2], w.reg(a.rn), w.reg(a.rm)));
  },
});

// CRC32 (polynomial 0x04C11DB7) and CRC32C (0x1EDC6F41), bit-reflected, without the
// pre/post inversion software CRCs add. Table-driven helpers: i32 arguments only (no BigInt).
function crcTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
}

function crcHelper(name: string, poly: number) {
  const t = crcTable(poly);
  return helper(name, ['i32', 'i32', 'i32', 'i32'], 'i32', (acc: number, lo: number, hi: number, bytes: number) => {
    let c = acc >>> 0;
    for (let i = 0; i < bytes; i++) {
      const b = i < 4 ? (lo >>> (8 * i)) & 0xff : (hi >>> (8 * (i - 4))) & 0xff;
      c = t[(c ^ b) & 0xff] ^ (c >>> 8);
    }
    return c | 0;
  });
}

const crc32 = crcHelper('crc32', 0xedb88320);
const crc32c = crcHelper('crc32c', 0x82f63b78);

/** CRC32B/H/W/X, CRC32CB/H/W/X (X needs sf=1, the others sf=0). */
export const CRC32 = insn({
  pattern: 'sf:1 0 0 11010110 rm:5 010 C:1 sz:2 rn:5 rd:5',
  asm(a) {
    if ((a.sz === 3) !== (a.sf === 1)) return null;
    return `crc32${a.C ? 'c' : ''}${'bhwx'[a.sz]} ${xr(a.rd, 0)}, ${xr(a.rn, 0)}, ${xr(a.rm, a.sz === 3)}`;
  },
  sem(e, a) {
    if ((a.sz === 3) !== (a.sf === 1)) return e.trap(Trap.Undefined);
    const m = e.x(a.rm);
    const hi = a.sz === 3 ? e.wrap(e.shrU(m, e.i64(32))) : e.i32(0);
    const r = e.call(a.C ? crc32c : crc32, [e.wrap(e.x(a.rn)), e.wrap(m), hi, e.i32(1 << a.sz)]);
    e.setX(a.rd, e.extendU(r));
  },
});

/** High 64 bits of the unsigned 128-bit product, from 32-bit halves (no BigInt). */
function umulh(e: Emitter, a: Val, b: Val): Val {
  const lo = (v: Val) => e.zext32(v);
  const hi = (v: Val) => e.shrU(v, e.i64(32));
  const aL = lo(a);
  const aH = hi(a);
  const bL = lo(b);
  const bH = hi(b);
  const mul = (x: Val, y: Val) => e.op('i64.mul', [x, y]);
  // Neither sum can overflow: (2^32 - 1)^2 + 2 × (2^32 - 1) < 2^64.
  const t = e.add(mul(aH, bL), hi(mul(aL, bL)));
  const w = e.add(mul(aL, bH), lo(t));
  return e.add(e.add(mul(aH, bH), hi(t)), hi(w));
}

/** MADD, MSUB, SMADDL, SMSUBL, UMADDL, UMSUBL, SMULH, UMULH. */
export const MUL = insn({
  pattern: 'sf:1 00 11011 op31:3 rm:5 o0:1 ra:5 rn:5 rd:5',
  asm(a) {
    const { op31, o0 } = a;
    const n = (r: number, sf: number) => xr(r, sf);
    if (op31 === 0) {
      if (a.ra === 31) return `${o0 ? 'mneg' : 'mul'} ${n(a.rd, a.sf)}, ${n(a.rn, a.sf)}, ${n(a.rm, a.sf)}`;
      return `${o0 ? 'msub' : 'madd'} ${n(a.rd, a.sf)}, ${n(a.rn, a.sf)}, ${n(a.rm, a.sf)}, ${n(a.ra, a.sf)}`;
    }
    if (!a.sf) return null;
    if (op31 === 1 || op31 === 5) {
      const u = op31 === 5 ? 'u' : 's';
      if (a.ra === 31) return `${u}${o0 ? 'mnegl' : 'mull'} ${n(a.rd, 1)}, ${n(a.rn, 0)}, ${n(a.rm, 0)}`;
      return `${u}${o0 ? 'msubl' : 'maddl'} ${n(a.rd, 1)}, ${n(a.rn, 0)}, ${n(a.rm, 0)}, ${n(a.ra, 1)}`;
    }
    if ((op31 === 2 || op31 === 6) && !o0) return `${op31 === 2 ? 's' : 'u'}mulh ${n(a.rd, 1)}, ${n(a.rn, 1)}, ${n(a.rm, 1)}`;
    return null;
  },
  sem(e, a) {
    const { op31, o0 } = a;
    if (op31 === 0) { // MADD, MSUB
      const w = width(e, a.sf);
      const p = w.op('mul', w.reg(a.rn), w.reg(a.rm));
      const r = a.ra === 31 && !o0 ? p : w.op(o0 ? 'sub' : 'add', w.reg(a.ra), p);
      return w.put(a.rd, r);
    }
    if (!a.sf) return e.trap(Trap.Undefined);
    if (op31 === 1 || op31 === 5) { // SMADDL, SMSUBL, UMADDL, UMSUBL
      const ext = (v: Val) => (op31 === 1 ? e.sext32(v) : e.zext32(v));
      const p = e.op('i64.mul', [ext(e.x(a.rn)), ext(e.x(a.rm))]);
      return e.setX(a.rd, a.ra === 31 && !o0 ? p : o0 ? e.sub(e.x(a.ra), p) : e.add(e.x(a.ra), p));
    }
    if ((op31 === 2 || op31 === 6) && !o0) { // SMULH, UMULH (Ra is ignored)
      const n = e.x(a.rn);
      const m = e.x(a.rm);
      let r = umulh(e, n, m);
      if (op31 === 2) {
        // signed high half = unsigned high half - (n < 0 ? m : 0) - (m < 0 ? n : 0)
        r = e.sub(r, e.and(e.shrS(n, e.i64(63)), m));
        r = e.sub(r, e.and(e.shrS(m, e.i64(63)), n));
      }
      return e.setX(a.rd, r);
    }
    e.trap(Trap.Undefined);
  },
});
