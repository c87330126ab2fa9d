// LSE atomic memory operations: LDADD, LDCLR, LDEOR, LDSET, LDSMAX, LDSMIN, LDUMAX, LDUMIN and
// SWP in every size and ordering (their ST* aliases are the Rt=XZR forms), plus LDAPR, which
// shares the encoding space. WebAssembly's read-modify-write operators are sequentially
// consistent, which covers the acquire/release variants; max/min have no wasm operator and use a
// compare-and-swap loop.
import type { Emitter, Val } from '../emitter.js';
import { Trap } from '../emitter.js';
import { xr, xsp } from '../disasm.js';
import { insn } from '../insn.js';

type N = 1 | 2 | 4 | 8;

function extendOperand(e: Emitter, v: Val, size: N, signed: boolean): Val {
  if (size === 8) return v;
  if (signed) return e.op(size === 1 ? 'i64.extend8_s' : size === 2 ? 'i64.extend16_s' : 'i64.extend32_s', [v]);
  return size === 4 ? e.zext32(v) : e.and(v, e.i64(size === 1 ? 0xff : 0xffff));
}

export const LSE_atomic = insn({
  pattern: 'size:2 111 0 00 A:1 R:1 1 rs:5 o3:1 opc:3 00 rn:5 rt:5',
  asm(a) {
    const sf = a.size === 3;
    const bh = a.size === 0 ? 'b' : a.size === 1 ? 'h' : '';
    const order = (a.A ? 'a' : '') + (a.R ? 'l' : '');
    const mem = `[${xsp(a.rn)}]`;
    if (a.o3) {
      if (a.opc === 0) return `swp${order}${bh} ${xr(a.rs, sf)}, ${xr(a.rt, sf)}, ${mem}`;
      if (a.opc === 4 && a.A && !a.R && a.rs === 31) return `ldapr${bh} ${xr(a.rt, sf)}, ${mem}`;
      return null;
    }
    const op = ['add', 'clr', 'eor', 'set', 'smax', 'smin', 'umax', 'umin'][a.opc];
    // ST<op> is the alias when the old value is discarded and there is no acquire.
    if (a.rt === 31 && !a.A) return `st${op}${order}${bh} ${xr(a.rs, sf)}, ${mem}`;
    return `ld${op}${order}${bh} ${xr(a.rs, sf)}, ${xr(a.rt, sf)}, ${mem}`;
  },
  sem(e, a) {
    const size = (1 << a.size) as N;
    const addr = e.xsp(a.rn);
    if (a.o3) {
      if (a.opc === 0) {
        e.setX(a.rt, e.atomicRmw('xchg', addr, e.x(a.rs), size)); // SWP
        return;
      }
      if (a.opc === 4 && a.A && !a.R && a.rs === 31) {
        // LDAPR: load-acquire (RCpc); natural alignment required.
        e.checkAlign(addr, size);
        const v = e.load(addr, size);
        e.fence();
        e.setX(a.rt, v);
        return;
      }
      return e.trap(Trap.Undefined);
    }
    const rs = e.x(a.rs);
    let old: Val;
    switch (a.opc) {
      case 0: old = e.atomicRmw('add', addr, rs, size); break;
      case 1: old = e.atomicRmw('and', addr, e.xor(rs, e.i64(-1)), size); break; // LDCLR: bit clear
      case 2: old = e.atomicRmw('xor', addr, rs, size); break;
      case 3: old = e.atomicRmw('or', addr, rs, size); break;
      default: {
        // 4 SMAX, 5 SMIN, 6 UMAX, 7 UMIN
        const signed = a.opc < 6;
        const max = (a.opc & 1) === 0;
        const operand = extendOperand(e, rs, size, signed);
        const cmp = signed ? (max ? 'i64.gt_s' : 'i64.lt_s') : (max ? 'i64.gt_u' : 'i64.lt_u');
        old = e.atomicUpdate(addr, size, (cur) => {
          const c = extendOperand(e, cur, size, signed);
          return e.select(e.op(cmp, [c, operand]), c, operand);
        });
      }
    }
    e.setX(a.rt, old);
  },
});
