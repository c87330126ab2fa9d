// GICv2 (ARM IHI 0048B) for one CPU without the Security Extensions, as QEMU's virt machine has
// it with gic-version=2: a distributor (GICD, 4 KiB) and a CPU interface (GICC, 8 KiB).
// INTIDs 0-15 are SGIs (always enabled, edge), 16-31 PPIs (the timers: CNTV 27, CNTP 30),
// 32 up SPIs (the PL011 is SPI 1 = INTID 33).
//
// Model: an interrupt is pending when software latched it (ISPENDR, an edge, an SGI) or, if
// level-sensitive, while its line is high. The CPU's IRQ line is up when the highest-priority
// pending, enabled, inactive interrupt of an enabled group is below the priority mask and the
// running priority (preemption by group priority is not modelled: BPR is kept, not used).
// Reading GICC_IAR activates it; writing GICC_EOIR deactivates it (EOImode 0).
import type { Device } from './bus.js';

export const NUM_IRQ = 288; // 32 private + 256 shared, as QEMU's virt
const SPURIOUS = 1023;
/** GICD_PIDR4..7, PIDR0..3, CIDR0..3 from 0xFD0 (GICv2: PIDR2 ArchRev = 2). */
const DIST_ID = [0x04, 0x00, 0x00, 0x00, 0x90, 0xb4, 0x2b, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

export class Gic {
  private dctlr = 0;
  private cctlr = 0;
  private pmr = 0;
  private bpr = 2;
  private abpr = 3;
  private readonly enabled = new Uint8Array(NUM_IRQ).fill(0);
  private readonly latched = new Uint8Array(NUM_IRQ);
  private readonly level = new Uint8Array(NUM_IRQ);
  private readonly active = new Uint8Array(NUM_IRQ);
  private readonly edge = new Uint8Array(NUM_IRQ);
  private readonly group = new Uint8Array(NUM_IRQ);
  private readonly priority = new Uint8Array(NUM_IRQ);
  private readonly targets = new Uint8Array(NUM_IRQ);

  readonly distributor: Device;
  readonly cpuInterface: Device;
  /** Brings the levels of lines that change without an event of their own up to date: the
   *  generic timer's, whose condition CNT >= CVAL starts to hold as time passes and stops when
   *  the guest writes CTL or CVAL. Called before anything that depends on pending state, so that
   *  an acknowledge after the handler re-armed the timer does not see the level of before (the
   *  kernel's gic_handle_irq reads GICC_IAR until it answers 1023). */
  sampleLines: () => void = () => {};

  constructor() {
    this.enabled.fill(1, 0, 16);
    this.edge.fill(1, 0, 16);
    this.distributor = {
      name: 'gic-distributor',
      read: (off, size) => {
        if (off >= 0x200 && off < 0x300) this.sampleLines(); // ISPENDR, ICPENDR
        return off === 0xf00 ? 0 : bytes(size, (i) => this.distByte(off + i));
      },
      write: (off, size, v) => {
        if (off === 0xf00) return this.softwareInterrupt(v);
        for (let i = 0; i < size; i++) this.setDistByte(off + i, (v >>> (8 * i)) & 0xff);
      },
    };
    this.cpuInterface = { name: 'gic-cpu-interface', read: (off) => this.cpuRead(off), write: (off, _s, v) => this.cpuWrite(off, v) };
  }

  /** A device's or the timer's interrupt line. */
  setLevel(intid: number, high: boolean): void {
    const was = this.level[intid];
    this.level[intid] = high ? 1 : 0;
    if (high && !was && this.edge[intid]) this.latched[intid] = 1;
  }

  private pending(i: number): boolean { return this.latched[i] === 1 || (this.level[i] === 1 && this.edge[i] === 0); }

  /** The pending interrupt the CPU interface would signal next, or -1. */
  private best(): number {
    let best = -1;
    let prio = 0x100;
    for (let i = 0; i < NUM_IRQ; i++) {
      if (this.enabled[i] && !this.active[i] && this.priority[i] < prio && this.pending(i)) {
        const g = this.group[i];
        if ((this.dctlr >> g) & 1 && (this.cctlr >> g) & 1) {
          best = i;
          prio = this.priority[i];
        }
      }
    }
    return best;
  }

  private runningPriority(): number {
    let p = 0x100;
    for (let i = 0; i < NUM_IRQ; i++) if (this.active[i] && this.priority[i] < p) p = this.priority[i];
    return p;
  }

  /** The level of the IRQ line into the CPU. */
  irqLine(): boolean {
    this.sampleLines();
    const i = this.best();
    return i >= 0 && this.priority[i] < this.pmr && this.priority[i] < this.runningPriority();
  }

  private acknowledge(): number {
    this.sampleLines();
    const i = this.best();
    if (i < 0 || !(this.priority[i] < this.pmr && this.priority[i] < this.runningPriority())) return SPURIOUS;
    this.active[i] = 1;
    this.latched[i] = 0;
    return i;
  }

  private softwareInterrupt(v: number): void {
    const filter = (v >>> 24) & 3;
    const targets = (v >>> 16) & 0xff;
    if (filter === 2 || (filter === 0 && targets & 1)) this.latched[v & 15] = 1;
  }

  // ---- distributor, byte by byte (every register is byte-accessible or read as words of bytes)
  private bits(off: number, base: number, arr: Uint8Array): number {
    let b = 0;
    const first = (off - base) * 8;
    for (let k = 0; k < 8; k++) if (first + k < NUM_IRQ && arr[first + k]) b |= 1 << k;
    return b;
  }

  private distByte(off: number): number {
    const word = (w: number) => (w >>> (8 * (off & 3))) & 0xff;
    if (off < 0x004) return word(this.dctlr);
    if (off < 0x008) return word(NUM_IRQ / 32 - 1); // ITLinesNumber; one CPU
    if (off < 0x00c) return word(0x0200043b); // IIDR: ARM, GICv2
    if (off >= 0x080 && off < 0x100) return this.bits(off, 0x080, this.group);
    if (off >= 0x100 && off < 0x200) return this.bits(off, off < 0x180 ? 0x100 : 0x180, this.enabled);
    if (off >= 0x200 && off < 0x300) {
      const first = (off - (off < 0x280 ? 0x200 : 0x280)) * 8;
      let b = 0;
      for (let k = 0; k < 8; k++) if (first + k < NUM_IRQ && this.pending(first + k)) b |= 1 << k;
      return b;
    }
    if (off >= 0x300 && off < 0x400) return this.bits(off, off < 0x380 ? 0x300 : 0x380, this.active);
    if (off >= 0x400 && off < 0x400 + NUM_IRQ) return this.priority[off - 0x400];
    if (off >= 0x800 && off < 0x800 + NUM_IRQ) return off - 0x800 < 32 ? 1 : this.targets[off - 0x800];
    if (off >= 0xc00 && off < 0xc00 + NUM_IRQ / 4) {
      let b = 0;
      for (let k = 0; k < 4; k++) if (this.edge[(off - 0xc00) * 4 + k]) b |= 2 << (2 * k);
      return b;
    }
    if (off >= 0xfd0 && off < 0x1000) return (off & 3) === 0 ? DIST_ID[(off - 0xfd0) >> 2] : 0;
    return 0;
  }

  private setDistByte(off: number, v: number): void {
    const each = (base: number, f: (irq: number) => void) => {
      const first = (off - base) * 8;
      for (let k = 0; k < 8; k++) if (v & (1 << k) && first + k < NUM_IRQ) f(first + k);
    };
    if (off < 0x004) { if (off === 0) this.dctlr = v & 3; return; }
    if (off >= 0x080 && off < 0x100) {
      const first = (off - 0x080) * 8;
      for (let k = 0; k < 8; k++) if (first + k < NUM_IRQ) this.group[first + k] = (v >> k) & 1;
      return;
    }
    if (off >= 0x100 && off < 0x180) return each(0x100, (i) => { this.enabled[i] = 1; });
    if (off >= 0x180 && off < 0x200) return each(0x180, (i) => { if (i >= 16) this.enabled[i] = 0; });
    if (off >= 0x200 && off < 0x280) return each(0x200, (i) => { this.latched[i] = 1; });
    if (off >= 0x280 && off < 0x300) return each(0x280, (i) => { this.latched[i] = 0; });
    if (off >= 0x300 && off < 0x380) return each(0x300, (i) => { this.active[i] = 1; });
    if (off >= 0x380 && off < 0x400) return each(0x380, (i) => { this.active[i] = 0; });
    if (off >= 0x400 && off < 0x400 + NUM_IRQ) { this.priority[off - 0x400] = v; return; }
    if (off >= 0x800 && off < 0x800 + NUM_IRQ) { if (off - 0x800 >= 32) this.targets[off - 0x800] = v; return; }
    if (off >= 0xc00 && off < 0xc00 + NUM_IRQ / 4) {
      for (let k = 0; k < 4; k++) {
        const i = (off - 0xc00) * 4 + k;
        if (i >= 16) this.edge[i] = (v >> (2 * k + 1)) & 1; // SGIs stay edge-triggered
      }
    }
  }

  // ---- CPU interface (word registers)
  private cpuRead(off: number): number {
    switch (off) {
      case 0x00: return this.cctlr;
      case 0x04: return this.pmr;
      case 0x08: return this.bpr;
      case 0x0c: return this.acknowledge();
      case 0x14: { const p = this.runningPriority(); return p > 0xff ? 0xff : p; }
      case 0x18: { this.sampleLines(); const i = this.best(); return i < 0 ? SPURIOUS : i; }
      case 0x1c: return this.abpr;
      case 0xfc: return 0x0202043b; // GICC_IIDR: ARM, GICv2
      default: return 0;
    }
  }

  private cpuWrite(off: number, v: number): void {
    switch (off) {
      case 0x00: this.cctlr = v & 0x21b; break;
      case 0x04: this.pmr = v & 0xff; break;
      case 0x08: this.bpr = v & 7; break;
      case 0x1c: this.abpr = v & 7; break;
      case 0x10: // EOIR (EOImode 0: priority drop and deactivation)
      case 0x1000: { // DIR
        const i = v & 0x3ff;
        if (i < NUM_IRQ) this.active[i] = 0;
        break;
      }
      default: break;
    }
  }
}

function bytes(size: number, byte: (i: number) => number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v |= byte(i) << (8 * i);
  return v >>> 0;
}
