// A split virtqueue (VIRTIO 1.2, 2.7) as the device side sees it: the driver's descriptor table,
// available ring and used ring in guest RAM. The device takes each new head from the available
// ring, follows its chain (NEXT links, or one INDIRECT table), hands the chain to the device, and
// returns it on the used ring with the number of bytes written into it.
//
// Every guest address goes through GuestRam, which refuses anything that is not RAM: a driver's
// bad pointer makes the queue broken (the transport then asks for a reset), never a host error
// or a write outside the guest.

/** Guest physical memory as a device reaches it (GuestMemory is one). */
export interface GuestRam {
  /** Bytes at [addr, addr+len), which must be RAM (throws otherwise). */
  view(addr: number, len: number): Uint8Array;
  /** The same, to write: translations of code on those pages are dropped. */
  writableView(addr: number, len: number): Uint8Array;
}

const DESC_SIZE = 16;
const F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;
/** Available ring flag: the driver does not want an interrupt for used buffers. */
const AVAIL_F_NO_INTERRUPT = 1;

/** The driver broke the queue's rules (a loop, a bad pointer, a bad index). */
export class QueueError extends Error {}

export interface Segment { addr: number; len: number }

/** One descriptor chain: the buffers the device reads (the driver's request) and then the
 *  buffers it writes (the answer), in order. */
export class Chain {
  readonly readable: Segment[] = [];
  readonly writable: Segment[] = [];
  /** Bytes written into the writable part, reported on the used ring. */
  written = 0;

  constructor(readonly head: number, private readonly ram: GuestRam) {}

  get readableLength(): number { return this.readable.reduce((n, s) => n + s.len, 0); }
  get writableLength(): number { return this.writable.reduce((n, s) => n + s.len, 0); }

  /** Call `f` with views of the readable bytes [from, from+len), in pieces. */
  eachReadable(from: number, len: number, f: (bytes: Uint8Array) => void): void {
    each(this.readable, from, len, (s) => f(this.ram.view(s.addr, s.len)));
  }

  /** Call `f` with writable views of [from, from+len) of the writable part, in pieces. */
  eachWritable(from: number, len: number, f: (bytes: Uint8Array) => void): void {
    each(this.writable, from, len, (s) => {
      f(this.ram.writableView(s.addr, s.len));
      this.written = Math.max(this.written, s.end);
    });
  }

  /** The readable bytes [from, from+len) as one copy. */
  gather(from: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let at = 0;
    this.eachReadable(from, len, (b) => { out.set(b, at); at += b.length; });
    return out;
  }

  /** Write `bytes` at offset `at` of the writable part. */
  scatter(at: number, bytes: Uint8Array): void {
    let from = 0;
    this.eachWritable(at, bytes.length, (v) => { v.set(bytes.subarray(from, from + v.length)); from += v.length; });
  }
}

/** The parts of `segs` covering [from, from+len), with each part's end offset in the whole. */
function each(segs: Segment[], from: number, len: number, f: (s: Segment & { end: number }) => void): void {
  let base = 0;
  const end = from + len;
  for (const s of segs) {
    const lo = Math.max(from, base), hi = Math.min(end, base + s.len);
    if (lo < hi) f({ addr: s.addr + (lo - base), len: hi - lo, end: hi });
    base += s.len;
    if (base >= end) return;
  }
  if (base < end) throw new QueueError(`a request needs ${end} bytes of buffers where the chain has ${base}`);
}

export class SplitQueue {
  size = 0;
  ready = false;
  desc = 0;
  avail = 0;
  used = 0;
  /** The next available-ring index to take (the driver's idx counts up the same way). */
  private lastAvail = 0;
  /** The used ring's index: the device's own count (the driver only reads the ring's copy). */
  private usedIdx = 0;

  constructor(private readonly ram: GuestRam, readonly sizeMax: number) {}

  reset(): void {
    this.size = 0;
    this.ready = false;
    this.desc = this.avail = this.used = 0;
    this.lastAvail = this.usedIdx = 0;
  }

  private u16(addr: number): number { const v = this.ram.view(addr, 2); return v[0] | (v[1] << 8); }
  private u32(addr: number): number { const v = this.ram.view(addr, 4); return (v[0] | (v[1] << 8) | (v[2] << 16) | (v[3] << 24)) >>> 0; }
  private put16(addr: number, x: number): void { const v = this.ram.writableView(addr, 2); v[0] = x & 0xff; v[1] = (x >>> 8) & 0xff; }
  private put32(addr: number, x: number): void {
    const v = this.ram.writableView(addr, 4);
    for (let i = 0; i < 4; i++) v[i] = (x >>> (8 * i)) & 0xff;
  }

  /** A 64-bit guest address as a number (RAM lies below 4 GiB here; above it is refused). */
  private addr64(at: number): number {
    const hi = this.u32(at + 4);
    if (hi !== 0) throw new QueueError(`a descriptor points at 0x${hi.toString(16)}${this.u32(at).toString(16).padStart(8, '0')}, outside RAM`);
    return this.u32(at);
  }

  /**
   * Take every chain the driver made available, in order, handing each to `serve` and putting
   * it on the used ring. Returns whether the driver wants an interrupt for them (false also
   * when there were none). Throws QueueError when the driver broke the rules.
   */
  process(serve: (chain: Chain) => void): boolean {
    if (!this.ready || this.size === 0) return false;
    const availIdx = this.u16(this.avail + 2);
    if (((availIdx - this.lastAvail) & 0xffff) > this.size) {
      throw new QueueError(`the available index moved ${(availIdx - this.lastAvail) & 0xffff} past the last one seen, more than the queue's ${this.size} entries`);
    }
    let served = 0;
    while (this.lastAvail !== availIdx) {
      const head = this.u16(this.avail + 4 + 2 * (this.lastAvail % this.size));
      const chain = this.chain(head);
      serve(chain);
      const elem = this.used + 4 + 8 * (this.usedIdx % this.size);
      this.put32(elem, head);
      this.put32(elem + 4, chain.written);
      this.usedIdx = (this.usedIdx + 1) & 0xffff;
      this.put16(this.used + 2, this.usedIdx); // after the element: the driver reads idx first
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
      served++;
    }
    return served > 0 && (this.u16(this.avail) & AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** Follow the chain from `head`: NEXT links in the table, or in one indirect table. */
  private chain(head: number): Chain {
    const chain = new Chain(head, this.ram);
    let table = this.desc;
    let entries = this.size;
    let i = head;
    let indirect = false;
    for (let seen = 0; ; seen++) {
      if (i >= entries) throw new QueueError(`descriptor ${i} is past the end of a table of ${entries}`);
      if (seen >= entries) throw new QueueError(`the chain from descriptor ${head} loops`);
      const at = table + DESC_SIZE * i;
      const addr = this.addr64(at);
      const len = this.u32(at + 8);
      const flags = this.u16(at + 12);
      if (flags & F_INDIRECT) {
        if (indirect) throw new QueueError('an indirect descriptor inside an indirect table');
        if (len === 0 || len % DESC_SIZE) throw new QueueError(`an indirect table of ${len} bytes (not a multiple of 16)`);
        indirect = true;
        table = addr;
        entries = len / DESC_SIZE;
        i = 0;
        seen = -1;
        continue;
      }
      if (flags & F_WRITE) chain.writable.push({ addr, len });
      else if (chain.writable.length) throw new QueueError('a device-readable descriptor after a device-writable one');
      else chain.readable.push({ addr, len });
      if (!(flags & F_NEXT)) return chain;
      i = this.u16(at + 14);
    }
  }
}
