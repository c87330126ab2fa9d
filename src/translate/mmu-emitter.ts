// The first tier with the MMU on (system mode): every load, store and atomic first turns its
// virtual address into a physical one through the CPU's stage-1 translation (a JS soft TLB in
// front of the page-table walk, src/system.ts), then goes where the physical address leads:
// a device (as IoEmitter) or guest memory with the usual permission checks, so pages holding
// translated code still invalidate on a store. This is the memory-access seam's system-mode
// strategy in the first tier; the wasm tier does not have it yet, so with the MMU on the
// machine runs the first tier only (translate/machine.ts).
import type { AddressTranslation, IoBus } from '../cpu/io.js';
import type { Val } from '../cpu/emitter.js';
import { Exit, FaultKind, REG } from '../cpu/state.js';
import type { EvalRuntime } from './eval-emitter.js';
import { IoEmitter } from './io-emitter.js';

export class MmuEmitter extends IoEmitter {
  private readonly dvm: DataView;

  constructor(fpcrMode: number, rt: EvalRuntime, bus: IoBus, private readonly mmu: AddressTranslation) {
    super(fpcrMode, rt, bus);
    this.dvm = rt.dv;
  }

  /** A step putting the physical address of `addr` in a new slot (or exiting with a fault). */
  private physical(addr: Val, size: number, write: boolean): Val {
    const at = this.slot(addr).off;
    const pa = this.tempSlot('i64');
    const to = pa.off;
    const dv = this.dvm;
    const mmu = this.mmu;
    const pc = this.pc;
    const S = this.S;
    this.steps.push(() => {
      const va = dv.getBigUint64(at, true);
      const p = mmu.data(va, size, write);
      if (p < 0) {
        dv.setBigUint64(S + REG.faultAddr, va, true);
        dv.setInt32(S + REG.faultKind, FaultKind.Translation, true);
        dv.setBigUint64(S + REG.pc, BigInt(pc), true);
        return Exit.Fault;
      }
      dv.setBigUint64(to, BigInt(p), true);
      return 0;
    });
    return pa;
  }

  override load(addr: Val, size: 1 | 2 | 4 | 8 | 16): Val {
    return super.load(this.physical(addr, size, false), size);
  }

  override store(addr: Val, v: Val, size: 1 | 2 | 4 | 8 | 16): void {
    super.store(this.physical(addr, size, true), v, size);
  }

  override atomicRmw(kind: 'add' | 'and' | 'or' | 'xor' | 'xchg', addr: Val, v: Val, size: 1 | 2 | 4 | 8): Val {
    return super.atomicRmw(kind, this.physical(addr, size, true), v, size);
  }

  override atomicCas(addr: Val, expected: Val, replacement: Val, size: 1 | 2 | 4 | 8): Val {
    return super.atomicCas(this.physical(addr, size, true), expected, replacement, size);
  }

  override atomicUpdate(addr: Val, size: 1 | 2 | 4 | 8, f: (old: Val) => Val): Val {
    return super.atomicUpdate(this.physical(addr, size, true), size, f);
  }
}
