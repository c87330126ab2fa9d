// The PL011 UART (ARM DDI 0183), as Linux's amba-pl011 driver and earlycon use it: transmit is
// immediate (the FIFO never fills); received bytes wait in a 16-byte FIFO (1 byte with the FIFO
// off), and raise the receive interrupt from the first byte on, as QEMU's pl011.c does.
// PrimeCell identification registers at 0xFE0-0xFFC let the AMBA bus match the driver.
import type { Device } from './bus.js';

const DR = 0x000, RSR = 0x004, FR = 0x018, ILPR = 0x020, IBRD = 0x024, FBRD = 0x028, LCR_H = 0x02c,
  CR = 0x030, IFLS = 0x034, IMSC = 0x038, RIS = 0x03c, MIS = 0x040, ICR = 0x044, DMACR = 0x048;
const FR_RXFE = 0x10, FR_RXFF = 0x40, FR_TXFE = 0x80;
const INT_RX = 0x10, INT_TX = 0x20, INT_RT = 0x40;
const LCR_H_FEN = 0x10;
const FIFO_DEPTH = 16;
/** UARTPeriphID0-3 (PL011 r1p5) and UARTPCellID0-3, from 0xFE0. */
const ID = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

export class Pl011 implements Device {
  readonly name = 'pl011';
  private regs = new Map<number, number>([[CR, 0x300], [IFLS, 0x12]]);
  private imsc = 0;
  private ris = 0;
  private rx: number[] = [];
  /** Called when the interrupt line's level may have changed. */
  onLine: (level: boolean) => void = () => {};

  constructor(private readonly out: (byte: number) => void) {}

  /** Room for another received byte. */
  canReceive(): boolean { return this.rx.length < (((this.regs.get(LCR_H) ?? 0) & LCR_H_FEN) ? FIFO_DEPTH : 1); }

  receive(byte: number): void {
    this.rx.push(byte);
    this.ris |= INT_RX | INT_RT;
    this.onLine((this.ris & this.imsc) !== 0);
  }

  private readData(): number {
    const b = this.rx.shift();
    if (this.rx.length === 0) this.ris &= ~(INT_RX | INT_RT);
    this.onLine((this.ris & this.imsc) !== 0);
    return b ?? 0;
  }

  read(off: number): number {
    if (off >= 0xfe0 && off < 0x1000) return ID[(off - 0xfe0) >> 2];
    switch (off) {
      case DR: return this.readData();
      case FR: return FR_TXFE | (this.rx.length === 0 ? FR_RXFE : 0) | (this.canReceive() ? 0 : FR_RXFF);
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
