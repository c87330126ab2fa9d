// Guest memory: one shared WebAssembly.Memory whose offsets are guest virtual addresses, the
// per-page permission table generated code checks, and checked access for the run loop and
// system calls (a bad guest pointer raises GuestFault, which syscalls turn into EFAULT).
import {
  ADDRESS_LIMIT, GUEST_END, GUEST_MIN, MEMORY_PAGES, PAGE_SIZE, PERM_BASE, PERM_CODE, PERM_R, PERM_W,
} from './state.js';

export class GuestFault extends Error {
  constructor(readonly addr: number, readonly write: boolean) {
    super(`guest fault at 0x${addr.toString(16)}`);
  }
}

export interface Mapping {
  start: number;
  end: number;
  perm: number;
  /** Shown in /proc/self/maps: a path, [heap], [stack], or '' for anonymous. */
  name: string;
}

const PAGES = ADDRESS_LIMIT / PAGE_SIZE;

export class GuestMemory {
  readonly memory: WebAssembly.Memory;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly perms: Uint8Array;
  /** Sorted, non-overlapping guest mappings (page-aligned). */
  mappings: Mapping[] = [];
  /** Called when pages holding translated code are written, unmapped or reprotected. */
  onCodeChange: (addr: number, len: number) => void = () => {};

  constructor(memory?: WebAssembly.Memory) {
    this.memory = memory ?? new WebAssembly.Memory({ initial: MEMORY_PAGES, maximum: MEMORY_PAGES, shared: true });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
    this.perms = this.u8.subarray(PERM_BASE, PERM_BASE + PAGES);
  }

  // ---------------------------------------------------------------- mappings
  /** Map [start, start+len) with `perm`, zero-filled, replacing whatever was there. */
  map(start: number, len: number, perm: number, name = ''): void {
    const end = pageUp(start + len);
    // The one gate every guest mapping passes: above GUEST_END lies tsemu's own data, whose
    // pages must keep permission 0 so that guest code faults there instead of corrupting it.
    if (!(start >= GUEST_MIN && end <= GUEST_END)) {
      throw new Error(`internal error: mapping 0x${start.toString(16)}-0x${end.toString(16)} outside the guest's part of the window`);
    }
    // Unmapped pages are always zero (unmap clears what it removes), so mapping touches no
    // memory: a large PROT_NONE reservation costs no RAM.
    this.unmap(start, end - start);
    this.setPerm(start, end, perm);
    this.mappings.push({ start, end, perm, name });
    this.mappings.sort((a, b) => a.start - b.start);
  }

  unmap(start: number, len: number): void {
    const end = Math.min(pageUp(start + len), GUEST_END);
    if (start >= end) return;
    this.touchCode(start, end);
    const out: Mapping[] = [];
    for (const m of this.mappings) {
      if (m.end <= start || m.start >= end) out.push(m);
      else {
        if (m.start < start) out.push({ ...m, end: start });
        if (m.end > end) out.push({ ...m, start: end });
        this.clearPages(Math.max(m.start, start), Math.min(m.end, end));
      }
    }
    this.mappings = out;
    this.perms.fill(0, start / PAGE_SIZE, end / PAGE_SIZE);
  }

  /** Pages that may hold non-zero bytes: ever writable, or filled by the emulator (markDirty). */
  private readonly dirty = new Uint8Array(PAGES);

  /** Record that the emulator wrote guest memory directly (ELF segments, file mappings, ...). */
  markDirty(start: number, end: number): void {
    this.dirty.fill(1, Math.floor(start / PAGE_SIZE), Math.ceil(end / PAGE_SIZE));
  }

  /** Zero the pages of [start, end) that hold anything, leaving untouched ones untouched. */
  private clearPages(start: number, end: number): void {
    for (let p = start; p < end; p += PAGE_SIZE) {
      if (!this.dirty[p / PAGE_SIZE]) continue;
      this.dirty[p / PAGE_SIZE] = 0;
      const words = new BigUint64Array(this.memory.buffer, p, PAGE_SIZE / 8);
      for (let i = 0; i < words.length; i++) {
        if (words[i] !== 0n) {
          this.u8.fill(0, p, p + PAGE_SIZE);
          break;
        }
      }
    }
  }

  /** Change permissions of whole mapped pages; false if part of the range is unmapped. */
  protect(start: number, len: number, perm: number): boolean {
    const end = pageUp(start + len);
    if (!this.isMapped(start, end)) return false;
    this.touchCode(start, end);
    const out: Mapping[] = [];
    for (const m of this.mappings) {
      if (m.end <= start || m.start >= end) { out.push(m); continue; }
      if (m.start < start) out.push({ ...m, end: start });
      out.push({ ...m, start: Math.max(m.start, start), end: Math.min(m.end, end), perm });
      if (m.end > end) out.push({ ...m, start: end });
    }
    this.mappings = out;
    this.setPerm(start, end, perm);
    return true;
  }

  /** True if no mapping overlaps [start, end). */
  isFree(start: number, end: number): boolean {
    return !this.mappings.some((m) => m.start < end && m.end > start);
  }

  /** Grow the mapping list by fresh zeroed pages at [start, start+len) (for brk and mremap). */
  extend(start: number, len: number, perm: number, name: string): void {
    this.map(start, len, perm, name);
  }

  isMapped(start: number, end: number): boolean {
    let at = start;
    for (const m of this.mappings) {
      if (m.end <= at) continue;
      if (m.start > at) return false;
      at = m.end;
      if (at >= end) return true;
    }
    return at >= end;
  }

  /** Highest free, page-aligned range of `len` bytes below `below` and at or above `above`. */
  findFree(len: number, below: number, above = GUEST_MIN): number {
    len = pageUp(len);
    let top = below;
    for (let i = this.mappings.length - 1; i >= -1; i--) {
      const m = this.mappings[i];
      const gapStart = m ? m.end : above;
      if (m && m.start >= top) continue;
      const start = Math.max(gapStart, above);
      if (top - start >= len) return top - len;
      if (!m) break;
      top = Math.min(top, m.start);
    }
    return -1;
  }

  private setPerm(start: number, end: number, perm: number): void {
    this.perms.fill(perm & ~PERM_CODE, start / PAGE_SIZE, end / PAGE_SIZE);
    if (perm & PERM_W) this.markDirty(start, end);
  }

  private touchCode(start: number, end: number): void {
    for (let p = start / PAGE_SIZE; p < end / PAGE_SIZE; p++) {
      if (this.perms[p] & PERM_CODE) {
        this.onCodeChange(start, end - start);
        return;
      }
    }
  }

  // ---------------------------------------------------------------- checked access
  /** Throw GuestFault unless every page of [addr, addr+len) has `need`. */
  check(addr: number, len: number, need: number): void {
    if (len === 0) return;
    if (!(addr >= 0) || addr + len > ADDRESS_LIMIT || !Number.isSafeInteger(addr)) {
      throw new GuestFault(addr, need === PERM_W);
    }
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = Math.floor(addr / PAGE_SIZE); p <= last; p++) {
      if ((this.perms[p] & need) !== need) throw new GuestFault(Math.max(addr, p * PAGE_SIZE), need === PERM_W);
    }
  }

  read(addr: number, len: number): Uint8Array {
    this.check(addr, len, PERM_R);
    return this.u8.slice(addr, addr + len);
  }

  /** A view (not a copy) of readable guest memory. */
  view(addr: number, len: number): Uint8Array {
    this.check(addr, len, PERM_R);
    return this.u8.subarray(addr, addr + len);
  }

  /** A writable view; translations on those pages are dropped. */
  writableView(addr: number, len: number): Uint8Array {
    this.checkWrite(addr, len);
    return this.u8.subarray(addr, addr + len);
  }

  write(addr: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.checkWrite(addr, bytes.length);
    this.u8.set(bytes, addr);
  }

  private checkWrite(addr: number, len: number): void {
    this.check(addr, len, PERM_W);
    if (len > 0) this.touchCode(Math.floor(addr / PAGE_SIZE) * PAGE_SIZE, pageUp(addr + len));
  }

  readU32(addr: number): number { this.check(addr, 4, PERM_R); return this.dv.getUint32(addr, true); }
  readI32(addr: number): number { this.check(addr, 4, PERM_R); return this.dv.getInt32(addr, true); }
  readU64(addr: number): bigint { this.check(addr, 8, PERM_R); return this.dv.getBigUint64(addr, true); }
  /** A 64-bit value as a number; pointers and sizes in the 4 GiB window fit. */
  readU64n(addr: number): number { return Number(this.readU64(addr)); }
  writeU32(addr: number, v: number): void { this.checkWrite(addr, 4); this.dv.setUint32(addr, v >>> 0, true); }
  writeU64(addr: number, v: bigint | number): void {
    this.checkWrite(addr, 8);
    this.dv.setBigUint64(addr, BigInt.asUintN(64, BigInt(v)), true);
  }

  /** A NUL-terminated string of at most `max` bytes. */
  readCString(addr: number, max = 4096): string {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      this.check(addr + i, 1, PERM_R);
      const b = this.u8[addr + i];
      if (b === 0) return Buffer.from(bytes).toString('utf8');
      bytes.push(b);
    }
    throw new GuestFault(addr + max, false);
  }

  /** Raw bytes of a NUL-terminated string (paths are bytes on Linux). */
  readCBytes(addr: number, max = 4096): Buffer {
    for (let i = 0; i < max; i++) {
      this.check(addr + i, 1, PERM_R);
      if (this.u8[addr + i] === 0) return Buffer.from(this.u8.slice(addr, addr + i));
    }
    throw new GuestFault(addr + max, false);
  }
}

export function pageUp(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}
export function pageDown(n: number): number {
  return Math.floor(n / PAGE_SIZE) * PAGE_SIZE;
}
export { PERM_R, PERM_W };
