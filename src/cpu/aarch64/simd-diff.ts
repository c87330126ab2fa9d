// AdvSIMD "three different": widening (long/wide), narrowing high-half (ADDHN...), widening
// multiplies and the saturating doubling multiplies, vector and scalar forms.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { vreg } from '../disasm.js';
import {
  fit, lane0, narrowPack, qadd, qsub, setQC, shr, splat, vecAndScalar, vop, widen, writeNarrow, type Sat,
} from './simd-util.js';
import { abd, pmul } from './simd-same.js';
import { pmull64 } from './simd-crypto.js';

/** Widening multiply of the low (half=0) or high half of lanes of `size`. */
export function mull(e: Emitter, size: number, n: Val, m: Val, half: number, signed: boolean): Val {
  const SH = ['i8x16', 'i16x8', 'i32x4', 'i64x2'];
  return e.op(`${SH[size + 1]}.extmul_${half ? 'high' : 'low'}_${SH[size]}_${signed ? 's' : 'u'}`, [n, m]);
}

/** SQDMULL: 2*n*m widened, saturated (only MIN*MIN saturates). */
export function sqdmull(e: Emitter, size: number, n: Val, m: Val, half: number): Sat {
  const p = mull(e, size, n, m, half, true);
  return qadd(e, size + 1, p, p, true);
}

/** Accumulate a long product into d: op 0 plain (MLAL/MLSL), saturating otherwise. */
export function accumulate(e: Emitter, size: number, d: Val, p: Val | Sat, sub: boolean): Val | Sat {
  if ((p as Sat).q !== undefined && (p as Sat).r !== undefined) {
    const ps = p as Sat;
    const s = sub ? qsub(e, size + 1, d, ps.r, true) : qadd(e, size + 1, d, ps.r, true);
    return { r: s.r, q: e.op('i32.or', [ps.q, s.q]) };
  }
  return vop(e, size + 1, sub ? 'sub' : 'add', [d, p as Val]);
}

export const [THREE_DIFF, THREE_DIFF_s] = vecAndScalar({
  pattern: '0 q:1 u:1 s:1 1110 size:2 1 rm:5 opc:4 00 rn:5 rd:5',
  asm(a) {
    const { u, size, q, opc } = a;
    const scalar = !!a.s;
    const satOp = opc === 9 || opc === 11 || opc === 13;
    if (scalar && (!q || !satOp || u)) return null;
    if (opc === 15 || (satOp && (u || size === 0 || size === 3))) return null;
    if (opc === 14 && (u || (size !== 0 && size !== 3))) return null;
    if (size === 3 && opc !== 14) return null;
    const base = ['addl', 'addw', 'subl', 'subw', 'addhn', 'abal', 'subhn', 'abdl', 'mlal', 'qdmlal', 'mlsl', 'qdmlsl',
      'mull', 'qdmull', 'pmull'][opc];
    const name = opc === 14 ? base : opc === 4 || opc === 6 ? (u ? 'r' : '') + base : (u ? 'u' : 's') + base;
    if (scalar) return `${name} ${'bhsd'[size + 1]}${a.rd}, ${'bhsd'[size]}${a.rn}, ${'bhsd'[size]}${a.rm}`;
    const two = q ? '2' : '';
    const wide = (r: number) => (size === 3 ? `v${r}.1q` : vreg(r, size + 1, 1));
    const half = (r: number) => vreg(r, size, q);
    if (opc === 4 || opc === 6) return `${name}${two} ${half(a.rd)}, ${wide(a.rn)}, ${wide(a.rm)}`;
    if (opc === 1 || opc === 3) return `${name}${two} ${wide(a.rd)}, ${wide(a.rn)}, ${half(a.rm)}`;
    return `${name}${two} ${wide(a.rd)}, ${half(a.rn)}, ${half(a.rm)}`;
  },
  sem(e, a) {
    const { u, size, q, opc } = a;
    const scalar = !!a.s;
    const satOp = opc === 9 || opc === 11 || opc === 13;
    if (scalar && (!q || !satOp || u)) return e.trap(Trap.Undefined);
    if (opc === 15 || (satOp && (u || size === 0 || size === 3))) return e.trap(Trap.Undefined);
    if (opc === 14 && (u || (size !== 0 && size !== 3))) return e.trap(Trap.Undefined);
    if (size === 3 && opc !== 14) return e.trap(Trap.Undefined);
    const signed = !u;
    let n = e.v(a.rn);
    let m = e.v(a.rm);
    const half = scalar ? 0 : q;
    if (scalar) {
      n = lane0(e, size, n);
      m = lane0(e, size, m);
    }
    const W = size + 1;
    let r: Val | Sat;
    switch (opc) {
      case 0: case 2: // SADDL, SSUBL
        r = vop(e, W, opc ? 'sub' : 'add', [widen(e, size, n, half, signed), widen(e, size, m, half, signed)]);
        break;
      case 1: case 3: // SADDW, SSUBW
        r = vop(e, W, opc === 3 ? 'sub' : 'add', [n, widen(e, size, m, half, signed)]);
        break;
      case 4: case 6: { // ADDHN/RADDHN, SUBHN/RSUBHN
        let t = vop(e, W, opc === 6 ? 'sub' : 'add', [n, m]);
        if (u) t = vop(e, W, 'add', [t, splat(e, W, 1n << BigInt((8 << size) - 1))]);
        t = shr(e, W, t, 8 << size, false);
        writeNarrow(e, a.rd, narrowPack(e, W, t, t), q);
        return;
      }
      case 5: // SABAL
        r = vop(e, W, 'add', [e.v(a.rd), widen(e, size, abd(e, size, n, m, signed), half, false)]);
        break;
      case 7: // SABDL
        r = widen(e, size, abd(e, size, n, m, signed), half, false);
        break;
      case 8: case 10: // SMLAL, SMLSL
        r = accumulate(e, size, e.v(a.rd), mull(e, size, n, m, half, signed), opc === 10);
        break;
      case 9: case 11: // SQDMLAL, SQDMLSL
        r = accumulate(e, size, fit(e, e.v(a.rd), 1, scalar, W), sqdmull(e, size, n, m, half), opc === 11);
        break;
      case 12: // SMULL
        r = mull(e, size, n, m, half, signed);
        break;
      case 13: // SQDMULL
        r = sqdmull(e, size, n, m, half);
        break;
      default: { // PMULL
        if (size === 3) {
          e.setV(a.rd, pmull64(e, n, m, half));
          return;
        }
        const nw = widen(e, 0, n, half, false);
        const mw = widen(e, 0, m, half, false);
        r = pmul(e, 1, nw, mw, 8);
      }
    }
    if ((r as Sat).q !== undefined && (r as Sat).r !== undefined) {
      setQC(e, (r as Sat).q);
      r = (r as Sat).r;
    }
    e.setV(a.rd, scalar ? lane0(e, W, r as Val) : (r as Val));
  },
});
