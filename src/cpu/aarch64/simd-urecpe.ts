// URECPE and URSQRTE: unsigned 32-bit reciprocal and reciprocal square root estimates, built on
// the same 9-bit RecipEstimate / RecipSqrtEstimate tables as FRECPE/FRSQRTE (Arm ARM
// UnsignedRecipEstimate, UnsignedRSqrtEstimate). Rare, so one small helper call per lane.
import { Trap } from '../emitter.js';
import { helper } from '../helpers.js';
import { vreg } from '../disasm.js';
import { insn } from '../insn.js';
import { recipEstimate, rsqrtEstimate } from './simd-fp-estimate.js';

/** One lane: the estimate in bits 31:23, or all ones when the operand is out of range. */
const estimate = helper('urecpe_lane', ['i32', 'i32'], 'i32', (x: number, sqrt: number) => {
  x >>>= 0;
  if (sqrt) return x >>> 30 === 0 ? -1 : rsqrtEstimate(x >>> 23) << 23;
  return x >>> 31 === 0 ? -1 : recipEstimate(x >>> 23) << 23;
});

export const URECPE_URSQRTE = insn({
  pattern: '0 q:1 u:1 01110 1 sz:1 10000 11100 10 rn:5 rd:5',
  asm: (a) => (a.sz ? null : `${a.u ? 'ursqrte' : 'urecpe'} ${vreg(a.rd, 2, a.q)}, ${vreg(a.rn, 2, a.q)}`),
  sem(e, a) {
    if (a.sz) return e.trap(Trap.Undefined);
    const src = e.v(a.rn);
    let r = e.v128(new Uint8Array(16));
    for (let lane = 0; lane < (a.q ? 4 : 2); lane++) {
      const x = e.op('i32x4.extract_lane', [src], lane);
      r = e.op('i32x4.replace_lane', [r, e.call(estimate, [x, e.i32(a.u)])], lane);
    }
    e.setV(a.rd, r);
  },
});
