// The first tier with device access: an EvalEmitter whose loads and stores go to an IoBus when
// the address is a device's, and to guest memory (with the usual checks) otherwise. Used for one
// instruction at a time, after that instruction's access to a device page faulted (cpu/io.ts).
import type { IoBus } from '../cpu/io.js';
import type { Val } from '../cpu/emitter.js';
import { skip } from './eval-code.js';
import { EvalEmitter, type EvalRuntime } from './eval-emitter.js';

export class IoEmitter extends EvalEmitter {
  private readonly view: DataView;

  constructor(fpcrMode: number, rt: EvalRuntime, private readonly bus: IoBus) {
    super(fpcrMode, rt);
    this.view = rt.dv;
  }

  /** The device address in the slot at `off`, or -1 for an address no device claims. */
  private device(off: number): number {
    if (this.view.getUint32(off + 4, true) !== 0) return -1;
    const n = this.view.getUint32(off, true);
    return this.bus.claims(n) ? n : -1;
  }

  override load(addr: Val, size: 1 | 2 | 4 | 8 | 16): Val {
    const first = this.records;
    const d = super.load(addr, size);
    const ram = this.records - first; // the memory access super.load built: the fallback
    const at = this.slot(addr).off;
    const to = this.slot(d).off;
    const dv = this.view;
    const bus = this.bus;
    this.insertStep(first, () => {
      const a = this.device(at);
      if (a < 0) return 0;
      for (let i = 0; i < 16; i += 4) dv.setUint32(to + i, 0, true);
      if (size <= 4) dv.setUint32(to, bus.read(a, size) >>> 0, true);
      else for (let i = 0; i < size; i += 4) dv.setUint32(to + i, bus.read(a + i, 4) >>> 0, true);
      return skip(ram);
    });
    return d;
  }

  override store(addr: Val, v: Val, size: 1 | 2 | 4 | 8 | 16): void {
    const first = this.records;
    super.store(addr, v, size);
    const ram = this.records - first;
    const at = this.slot(addr).off;
    const from = this.slot(v).off;
    const dv = this.view;
    const bus = this.bus;
    this.insertStep(first, () => {
      const a = this.device(at);
      if (a < 0) return 0;
      if (size <= 4) bus.write(a, size, dv.getUint32(from, true) & (size === 4 ? 0xffffffff : (1 << (8 * size)) - 1));
      else for (let i = 0; i < size; i += 4) bus.write(a + i, 4, dv.getUint32(from + i, true));
      return skip(ram);
    });
  }
}
