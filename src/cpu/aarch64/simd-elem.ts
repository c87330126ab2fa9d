// AdvSIMD integer "by element" (vector and scalar): MUL, MLA, MLS, S/UMULL, S/UMLAL, S/UMLSL,
// SQDMULH, SQRDMULH, SQDMULL, SQDMLAL, SQDMLSL. The FP by-element opcodes belong to simd-fp.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { vreg } from '../disasm.js';
import { insn, type Fields, type Insn, type InsnSpec } from '../insn.js';
import { fit, lane0, mul, setQC, shuffleLanes, vecAndScalar, vop, type Sat } from './simd-util.js';
import { qdmulh, writeResult } from './simd-same.js';
import { accumulate, mull, sqdmull } from './simd-diff.js';

type Kind = 'mul' | 'mla' | 'mls' | 'mull' | 'mlal' | 'mlsl' | 'qdmulh' | 'qrdmulh' | 'qdmull' | 'qdmlal' | 'qdmlsl';

/** The indexed element of Vm, broadcast to every lane (null: reserved size). */
function element(e: Emitter, a: Fields): Val | null {
  let reg: number;
  let idx: number;
  if (a.size === 1) {
    reg = a.rm;
    idx = (a.h << 2) | (a.l << 1) | a.m;
  } else if (a.size === 2) {
    reg = (a.m << 4) | a.rm;
    idx = (a.h << 1) | a.l;
  } else return null;
  const v = e.v(reg);
  return shuffleLanes(e, a.size, v, v, new Array(16 >> a.size).fill(idx));
}

function spec(u: string, opc: string, kind: Kind, scalar: boolean): InsnSpec {
  return {
    pattern: `0 q:1 ${u} ${scalar ? 's:1' : '0'} 1111 size:2 l:1 m:1 rm:4 ${opc} h:1 0 rn:5 rd:5`,
    asm(a) {
      let el: string;
      if (a.size === 1) el = `v${a.rm}.h[${(a.h << 2) | (a.l << 1) | a.m}]`;
      else if (a.size === 2) el = `v${(a.m << 4) | a.rm}.s[${(a.h << 1) | a.l}]`;
      else return null;
      const long = ['mull', 'mlal', 'mlsl', 'qdmull', 'qdmlal', 'qdmlsl'].includes(kind);
      const name = (kind.startsWith('q') ? 's' : long ? (a.u ? 'u' : 's') : '') + kind;
      if (a.s) return `${name} ${'bhsd'[a.size + (long ? 1 : 0)]}${a.rd}, ${'bhsd'[a.size]}${a.rn}, ${el}`;
      if (long) return `${name}${a.q ? '2' : ''} ${vreg(a.rd, a.size + 1, 1)}, ${vreg(a.rn, a.size, a.q)}, ${el}`;
      return `${name} ${vreg(a.rd, a.size, a.q)}, ${vreg(a.rn, a.size, a.q)}, ${el}`;
    },
    sem(e, a) {
      const isScalar = !!a.s;
      const mm = element(e, a);
      if (!mm) return e.trap(Trap.Undefined);
      const { size, q } = a;
      const signed = !a.u;
      let n = e.v(a.rn);
      const half = isScalar ? 0 : q;
      switch (kind) {
        case 'mul': case 'mla': case 'mls': {
          let r = mul(e, size, n, mm);
          if (kind !== 'mul') r = vop(e, size, kind === 'mla' ? 'add' : 'sub', [e.v(a.rd), r]);
          e.setV(a.rd, fit(e, r, q, false, size));
          return;
        }
        case 'qdmulh': case 'qrdmulh':
          n = fit(e, n, q, isScalar, size);
          writeResult(e, a.rd, qdmulh(e, size, n, fit(e, mm, q, isScalar, size), kind === 'qrdmulh'), q, isScalar, size);
          return;
        default: {
          if (isScalar) n = lane0(e, size, n);
          let r: Val | Sat;
          if (kind === 'mull') r = mull(e, size, n, mm, half, signed);
          else if (kind === 'mlal' || kind === 'mlsl') r = accumulate(e, size, e.v(a.rd), mull(e, size, n, mm, half, signed), kind === 'mlsl');
          else if (kind === 'qdmull') r = sqdmull(e, size, n, mm, half);
          else r = accumulate(e, size, fit(e, e.v(a.rd), 1, isScalar, size + 1), sqdmull(e, size, n, mm, half), kind === 'qdmlsl');
          if ((r as Sat).q !== undefined && (r as Sat).r !== undefined) {
            setQC(e, (r as Sat).q);
            r = (r as Sat).r;
          }
          e.setV(a.rd, isScalar ? lane0(e, size + 1, r as Val) : (r as Val));
        }
      }
    },
  };
}

const vec = (u: string, opc: string, kind: Kind): Insn => insn(spec(u, opc, kind, false));
const both = (u: string, opc: string, kind: Kind): [Insn, Insn] => vecAndScalar(spec(u, opc, kind, true));

export const MUL_elem = vec('0', '1000', 'mul');
export const MLA_elem = vec('1', '0000', 'mla');
export const MLS_elem = vec('1', '0100', 'mls');
export const SMULL_elem = vec('u:1', '1010', 'mull');
export const SMLAL_elem = vec('u:1', '0010', 'mlal');
export const SMLSL_elem = vec('u:1', '0110', 'mlsl');
export const [SQDMULH_elem, SQDMULH_elem_s] = both('0', '1100', 'qdmulh');
export const [SQRDMULH_elem, SQRDMULH_elem_s] = both('0', '1101', 'qrdmulh');
export const [SQDMULL_elem, SQDMULL_elem_s] = both('0', '1011', 'qdmull');
export const [SQDMLAL_elem, SQDMLAL_elem_s] = both('0', '0011', 'qdmlal');
export const [SQDMLSL_elem, SQDMLSL_elem_s] = both('0', '0111', 'qdmlsl');
