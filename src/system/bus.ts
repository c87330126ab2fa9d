// The physical address map's device part: which device answers where. RAM is not here (it is
// guest memory with page permissions); a device region's pages have none, so accesses to them
// reach this bus through the run loop (cpu/io.ts).
import type { IoBus } from '../cpu/io.js';

export interface Device {
  readonly name: string;
  /** Offsets are from the region's base; sizes 1, 2 or 4. */
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
}

interface Region { base: number; size: number; device: Device }

export class DeviceBus implements IoBus {
  private regions: Region[] = [];
  private last: Region | null = null;
  /** The span all regions lie in: RAM accesses (every one, in the first tier with the MMU on)
   *  are told no at two comparisons. */
  private low = Infinity;
  private high = -Infinity;

  add(base: number, size: number, device: Device): void {
    this.regions.push({ base, size, device });
    this.low = Math.min(this.low, base);
    this.high = Math.max(this.high, base + size);
  }

  private find(addr: number): Region | null {
    const l = this.last;
    if (l && addr >= l.base && addr < l.base + l.size) return l;
    for (const r of this.regions) if (addr >= r.base && addr < r.base + r.size) return (this.last = r);
    return null;
  }

  claims(addr: number): boolean { return addr >= this.low && addr < this.high && this.find(addr) !== null; }

  read(addr: number, size: number): number {
    const r = this.find(addr)!;
    return r.device.read(addr - r.base, size);
  }

  write(addr: number, size: number, value: number): void {
    const r = this.find(addr)!;
    r.device.write(addr - r.base, size, value);
  }
}
