// The virt board's devices through their registers, with the behaviour their specifications
// give: GICv2 (ARM IHI 0048B: acknowledge, priority mask, running priority, end of interrupt,
// level and edge, SGIs) and the PL011 (ARM DDI 0183: flags, FIFO, interrupts, PrimeCell IDs).
import { describe, expect, it } from 'vitest';
import { GenericTimer } from '../../src/cpu/generic-timer.js';
import { GuestMemory } from '../../src/cpu/memory.js';
import { Gic } from '../../src/system/gic.js';
import { VirtBoard } from '../../src/system/virt.js';
import { Pl011 } from '../../src/system/pl011.js';

const D = (g: Gic) => g.distributor;
const C = (g: Gic) => g.cpuInterface;

/** A GIC with distributor and CPU interface on, every priority let through. */
function gicOn(): Gic {
  const g = new Gic();
  D(g).write(0x000, 4, 1);
  C(g).write(0x04, 4, 0xff);
  C(g).write(0x00, 4, 1);
  return g;
}

describe('GICv2', () => {
  it('identifies itself: TYPER lines, IIDR, PIDR2 architecture 2; SGIs enabled and edge-triggered', () => {
    const g = new Gic();
    expect(D(g).read(0x004, 4) & 0x1f).toBe(288 / 32 - 1);
    expect(D(g).read(0xfe8, 4)).toBe(0x2b);
    expect(D(g).read(0x100, 4)).toBe(0xffff);
    expect(D(g).read(0xc00, 4)).toBe(0xaaaaaaaa);
    expect(C(g).read(0xfc, 4)).toBe(0x0202043b);
  });

  it('a level interrupt: pending while high, IAR activates it, EOIR deactivates it', () => {
    const g = gicOn();
    D(g).write(0x100, 4, 1 << 27); // enable INTID 27
    g.setLevel(27, true);
    expect(g.irqLine()).toBe(true);
    expect(D(g).read(0x200, 4) & (1 << 27)).not.toBe(0); // ISPENDR0
    expect(C(g).read(0x18, 4)).toBe(27); // HPPIR
    expect(C(g).read(0x0c, 4)).toBe(27); // IAR
    expect(g.irqLine()).toBe(false); // active: not signalled again
    expect(D(g).read(0x300, 4) & (1 << 27)).not.toBe(0); // ISACTIVER0
    expect(C(g).read(0x14, 4)).toBe(0); // running priority: its priority
    g.setLevel(27, false);
    C(g).write(0x10, 4, 27); // EOIR
    expect(C(g).read(0x14, 4)).toBe(0xff); // idle
    expect(g.irqLine()).toBe(false);
    expect(C(g).read(0x0c, 4)).toBe(1023); // spurious
  });

  it('the priority mask and the running priority hold lower-priority interrupts back', () => {
    const g = gicOn();
    D(g).write(0x104, 4, 0b11); // INTIDs 32 and 33
    D(g).write(0x420, 1, 0x80); // IPRIORITYR byte for 32
    D(g).write(0x421, 1, 0x40); // 33 is more urgent
    C(g).write(0x04, 4, 0x80); // PMR: only priorities below 0x80
    g.setLevel(32, true);
    expect(g.irqLine()).toBe(false);
    g.setLevel(33, true);
    expect(C(g).read(0x0c, 4)).toBe(33);
    C(g).write(0x04, 4, 0xff);
    expect(g.irqLine()).toBe(false); // 32 (0x80) does not preempt 33 (0x40) running
    C(g).write(0x10, 4, 33);
    g.setLevel(33, false);
    expect(C(g).read(0x0c, 4)).toBe(32);
  });

  it('disabled interrupts, or a disabled distributor, are not signalled', () => {
    const g = gicOn();
    g.setLevel(40, true);
    expect(g.irqLine()).toBe(false);
    D(g).write(0x104, 4, 1 << 8);
    expect(g.irqLine()).toBe(true);
    D(g).write(0x184, 4, 1 << 8); // ICENABLER1
    expect(g.irqLine()).toBe(false);
    D(g).write(0x104, 4, 1 << 8);
    D(g).write(0x000, 4, 0);
    expect(g.irqLine()).toBe(false);
  });

  it('edge-triggered: a rising edge latches it; it stays pending after the line drops', () => {
    const g = gicOn();
    D(g).write(0xc08, 4, 2 << 2); // ICFGR2: INTID 33 edge
    D(g).write(0x104, 4, 1 << 1);
    g.setLevel(33, true);
    g.setLevel(33, false);
    expect(C(g).read(0x0c, 4)).toBe(33);
    C(g).write(0x10, 4, 33);
    expect(g.irqLine()).toBe(false);
  });

  it('SGIs through GICD_SGIR, and software pending through ISPENDR/ICPENDR', () => {
    const g = gicOn();
    D(g).write(0xf00, 4, (2 << 24) | 5); // to this CPU only
    expect(C(g).read(0x0c, 4)).toBe(5);
    C(g).write(0x10, 4, 5);
    D(g).write(0x104, 4, 1 << 3);
    D(g).write(0x204, 4, 1 << 3); // ISPENDR1: INTID 35
    expect(g.irqLine()).toBe(true);
    D(g).write(0x284, 4, 1 << 3);
    expect(g.irqLine()).toBe(false);
  });
});

describe('the generic timer on the GIC (virt board)', () => {
  it('re-arming the timer in its handler ends the acknowledge loop: IAR answers 1023 with no IRQ taken in between', () => {
    // Linux's gic_handle_irq reads GICC_IAR until it answers 1023 with interrupts masked; the
    // timer's handler sets CNTV_CTL.IMASK or moves CVAL ahead, and the level PPI must follow
    // at once (it once stayed high until the CPU unmasked IRQs, and the loop never ended).
    const board = new VirtBoard(new GuestMemory(), 16 * 2 ** 20, () => {});
    const timer = new GenericTimer();
    board.connectTimer(timer);
    const g = board.gic;
    D(g).write(0x000, 4, 1);
    C(g).write(0x04, 4, 0xff);
    C(g).write(0x00, 4, 1);
    D(g).write(0x100, 4, 1 << 27);
    timer.virt.cval = 0n; // long past
    timer.virt.writeCtl(1); // enabled, unmasked
    expect(g.irqLine()).toBe(true);
    expect(C(g).read(0x0c, 4)).toBe(27);
    timer.virt.writeCtl(1 | 2); // the handler masks it
    C(g).write(0x10, 4, 27);
    expect(D(g).read(0x200, 4) & (1 << 27)).toBe(0); // ISPENDR0: no longer pending
    expect(C(g).read(0x0c, 4)).toBe(1023);
    // Unmasked again with a deadline ahead (tick_handle_periodic's next tick): still quiet.
    timer.virt.cval = 2n ** 62n;
    timer.virt.writeCtl(1);
    expect(C(g).read(0x18, 4)).toBe(1023); // HPPIR
    expect(C(g).read(0x0c, 4)).toBe(1023);
    expect(g.irqLine()).toBe(false);
  });
});

describe('PL011', () => {
  it('PrimeCell identification and reset values', () => {
    const u = new Pl011(() => {});
    expect([0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((o) => u.read(o))).toEqual([0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    expect(u.read(0x030)).toBe(0x300); // CR: TXE, RXE
    expect(u.read(0x018)).toBe(0x90); // FR: TXFE, RXFE
  });

  it('transmit: bytes out, the TX interrupt raised and cleared by ICR, the line follows IMSC', () => {
    const out: number[] = [];
    const levels: boolean[] = [];
    const u = new Pl011((b) => out.push(b));
    u.onLine = (l) => levels.push(l);
    u.write(0x000, 4, 0x141); // only the low byte is data
    expect(out).toEqual([0x41]);
    expect(u.read(0x03c) & 0x20).toBe(0x20); // RIS.TX
    expect(u.read(0x040)).toBe(0); // MIS: masked
    u.write(0x038, 4, 0x20);
    expect(u.read(0x040)).toBe(0x20);
    expect(levels.at(-1)).toBe(true);
    u.write(0x044, 4, 0x20);
    expect(levels.at(-1)).toBe(false);
  });

  it('receive: one byte of room with the FIFO off, 16 with it on; RX interrupt until drained', () => {
    const u = new Pl011(() => {});
    expect(u.canReceive()).toBe(true);
    u.receive(0x61);
    expect(u.canReceive()).toBe(false);
    expect(u.read(0x018) & 0x50).toBe(0x40); // RXFF, not RXFE
    expect(u.read(0x000)).toBe(0x61);
    u.write(0x02c, 4, 0x70); // LCR_H: FEN
    for (let i = 0; i < 16; i++) u.receive(i);
    expect(u.canReceive()).toBe(false);
    expect(u.read(0x03c) & 0x10).toBe(0x10);
    for (let i = 0; i < 16; i++) expect(u.read(0x000)).toBe(i);
    expect(u.read(0x03c) & 0x50).toBe(0);
    expect(u.read(0x018) & 0x10).toBe(0x10);
  });
});
