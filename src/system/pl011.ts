// The PL011 UART (ARM DDI 0183), as Linux's amba-pl011 driver and earlycon use it: transmit is
// immediate (the FIFO never fills), receive is not wired to the host yet (RXFE always set).
// PrimeCell identification registers at 0xFE0-0xFFC let the AMBA bus match the driver.
import type { Device } from './bus.js';

const DR = 0x000, RSR = 0x004, FR = 0x018, ILPR = 0x020, IBRD = 0x024, FBRD = 0x028, LCR_H = 0x02c,
  CR = 0x030, IFLS = 0x034, IMSC = 0x038, RIS = 0x03c, MIS = 0x040, ICR = 0x044, DMACR = 0x048;
const FR_RXFE = 0x10, FR_TXFE = 0x80;
const INT_TX = 0x20;
/** UARTPeriphID0-3 (PL011 r1p5) and UARTPCellID0-3, from 0xFE0. */
const ID = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

export class Pl011 implements Device {
  readonly name = 'pl011';
  private regs = new Map<number, number>([[CR, 0x300], [IFLS, 0x12]]);
  private imsc = 0;
  private ris = 0;
  /** Called when the interrupt line's level may have changed. */
  onLine: (level: boolean) => void = () => {};

  constructor(private readonly out: (byte: number) => void) {}

  read(off: number): number {
    if (off >= 0xfe0 && off < 0x1000) return ID[(off - 0xfe0) >> 2];
    switch (off) {
      case DR: return 0;
      case FR: return FR_RXFE | FR_TXFE;
      case IMSC: return this.imsc;
      case RIS: return this.ris;
      case MIS: return this.ris & this.imsc;
      case RSR: case ILPR: case IBRD: case FBRD: case LCR_H: case CR: case IFLS: case DMACR:
        return this.regs.get(off) ?? 0;
      default: return 0;
    }
  }

  write(off: number, _size: number, v: number): void {
    switch (off) {
      case DR:
        this.out(v & 0xff);
        // Sent at once: the transmit interrupt (FIFO below its level) is raised, as in QEMU.
        this.ris |= INT_TX;
        break;
      case IMSC: this.imsc = v & 0x7ff; break;
      case ICR: this.ris &= ~v; break;
      case RSR: case ILPR: case IBRD: case FBRD: case LCR_H: case CR: case IFLS: case DMACR:
        this.regs.set(off, v);
        break;
      default: return;
    }
    this.onLine((this.ris & this.imsc) !== 0);
  }
}
