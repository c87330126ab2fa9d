// The first tier with the MMU on (system mode): every load, store and atomic first turns its
// virtual address into a physical one through the CPU's stage-1 translation (a JS soft TLB in
// front of the page-table walk, src/system.ts), then goes where the physical address leads:
// a device (as IoEmitter) or guest memory with the usual permission checks, so pages holding
// translated code still invalidate on a store. This is the memory-access seam's system-mode
// strategy in the first tier; the wasm tier does not have it yet, so with the MMU on the
// machine runs the first tier only (translate/machine.ts).
import type { AddressTranslation, IoBus } from '../cpu/io.js';
import type { Val } from '../cpu/emitter.js';
import { Exit, FaultKind, PAGE_SIZE, PERM_BASE, PERM_CODE, REG } from '../cpu/state.js';
import { skip } from './eval-code.js';
import type { EvalRuntime } from './eval-emitter.js';
import { IoEmitter } from './io-emitter.js';

export class MmuEmitter extends IoEmitter {
  private readonly dvm: DataView;
  private readonly u8m: Uint8Array;
  /** Whether the page at physical address `a` holds translated code. */
  private readonly codePage: (a: number) => boolean;

  constructor(fpcrMode: number, rt: EvalRuntime, bus: IoBus, private readonly mmu: AddressTranslation) {
    super(fpcrMode, rt, bus);
    this.dvm = rt.dv;
    this.u8m = rt.u8;
    this.codePage = (a) => (rt.u8[PERM_BASE + Math.floor(a / PAGE_SIZE)] & PERM_CODE) !== 0;
  }

  /** Set by a `physical` step for an access split over two pages not physically adjacent: the
   *  access that follows moves its bytes one by one (splitLoad, splitStore). */
  private splitPending = false;

  /** A step putting the physical address of `addr` in a new slot (or exiting with a fault). */
  private physical(addr: Val, size: number, write: boolean, splittable = false): Val {
    const at = this.slot(addr).off;
    const pa = this.tempSlot('i64');
    const to = pa.off;
    const dv = this.dvm;
    const mmu = this.mmu;
    const pc = this.pc;
    const S = this.S;
    this.pushStep(() => {
      let p = mmu.cached(dv.getUint32(at, true), dv.getUint32(at + 4, true), size, write);
      if (p >= 0) {
        dv.setUint32(to, p, true);
        dv.setUint32(to + 4, 0, true);
        return 0;
      }
      const va = dv.getBigUint64(at, true);
      p = mmu.data(va, size, write);
      if (p === -2) {
        if (!splittable) throw new Error(`internal error: an atomic access at 0x${va.toString(16)} crosses onto a page mapped elsewhere`);
        this.splitPending = true;
        return 0;
      }
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

  /** The i-th byte's physical address of the split access. */
  private splitByte(i: number): number {
    const s = this.mmu.split;
    return i < s.firstLength ? s.first + i : s.second + (i - s.firstLength);
  }

  override load(addr: Val, size: 1 | 2 | 4 | 8 | 16): Val {
    const pa = this.physical(addr, size, false, true);
    const first = this.records;
    const d = super.load(pa, size);
    const whole = this.records - first;
    const to = this.slot(d).off;
    const u8 = this.u8m;
    this.insertStep(first, () => {
      if (!this.splitPending) return 0;
      this.splitPending = false;
      for (let i = 0; i < 16; i++) u8[to + i] = i < size ? u8[this.splitByte(i)] : 0;
      return skip(whole);
    });
    return d;
  }

  override store(addr: Val, v: Val, size: 1 | 2 | 4 | 8 | 16): void {
    const pa = this.physical(addr, size, true, true);
    const first = this.records;
    super.store(pa, v, size);
    const whole = this.records - first;
    const from = this.slot(v).off;
    const u8 = this.u8m;
    const pc = this.pc;
    this.insertStep(first, () => {
      if (!this.splitPending) return 0;
      this.splitPending = false;
      for (let i = 0; i < size; i++) {
        const a = this.splitByte(i);
        if (this.codePage(a)) throw new Error(`internal error: a store at pc 0x${BigInt.asUintN(64, BigInt(pc)).toString(16)} split over two pages writes translated code (not supported yet)`);
        u8[a] = u8[from + i];
      }
      return skip(whole);
    });
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
