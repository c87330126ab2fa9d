// The virtio-mmio transport, split virtqueues and virtio-blk, driven as Linux's virtio_mmio and
// virtio_blk drivers drive them (VIRTIO 1.2, 4.2.2 and 5.2): a small driver here writes
// descriptor tables and rings into a RAM buffer, notifies, and reads the used ring, the
// interrupt status and the data back. Expected values come from the specification and from the
// disk image the test wrote, never from the device itself.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { GuestFault } from '../../src/cpu/memory.js';
import { VirtioBlk } from '../../src/system/virtio-blk.js';
import { REG, STATUS, VirtioMmio } from '../../src/system/virtio-mmio.js';
import type { GuestRam } from '../../src/system/virtqueue.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-virtio-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const RAM_BASE = 0x40000000;
const RAM_SIZE = 1 << 20;
const DESC = RAM_BASE + 0x1000, AVAIL = RAM_BASE + 0x2000, USED = RAM_BASE + 0x3000;
const F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;

class Ram implements GuestRam {
  readonly u8 = new Uint8Array(RAM_SIZE);
  readonly dv = new DataView(this.u8.buffer);
  /** Ranges written through writableView (the device's DMA writes). */
  written: [number, number][] = [];
  private at(addr: number, len: number, write: boolean): number {
    if (addr < RAM_BASE || addr + len > RAM_BASE + RAM_SIZE) throw new GuestFault(addr, write);
    return addr - RAM_BASE;
  }
  view(addr: number, len: number): Uint8Array { const o = this.at(addr, len, false); return this.u8.subarray(o, o + len); }
  writableView(addr: number, len: number): Uint8Array {
    const o = this.at(addr, len, true);
    this.written.push([addr, len]);
    return this.u8.subarray(o, o + len);
  }
  bytes(addr: number, len: number): Uint8Array { return this.u8.slice(addr - RAM_BASE, addr - RAM_BASE + len); }
  set(addr: number, b: Uint8Array): void { this.u8.set(b, addr - RAM_BASE); }
  u16(addr: number): number { return this.dv.getUint16(addr - RAM_BASE, true); }
  u32(addr: number): number { return this.dv.getUint32(addr - RAM_BASE, true); }
  put16(addr: number, v: number): void { this.dv.setUint16(addr - RAM_BASE, v, true); }
  put32(addr: number, v: number): void { this.dv.setUint32(addr - RAM_BASE, v, true); }
  put64(addr: number, v: number): void { this.dv.setBigUint64(addr - RAM_BASE, BigInt(v), true); }
}

interface Buf { addr: number; len: number; write?: boolean }

/** The driver side, as Linux's virtio_mmio.c and virtio_ring.c do it. */
class Driver {
  line = false;
  private nextDesc = 0;
  private availIdx = 0;
  constructor(readonly t: VirtioMmio, readonly ram: Ram, readonly qsize = 16) {
    t.onLine = (l) => { this.line = l; };
  }
  r(off: number): number { return this.t.read(off, 4); }
  w(off: number, v: number): void { this.t.write(off, 4, v); }
  features(): bigint {
    this.w(REG.DeviceFeaturesSel, 1);
    const hi = BigInt(this.r(REG.DeviceFeatures));
    this.w(REG.DeviceFeaturesSel, 0);
    return (hi << 32n) | BigInt(this.r(REG.DeviceFeatures));
  }
  /** Reset, negotiate `want` (default: everything offered), set up queue 0; returns the status. */
  init(want?: bigint): number {
    this.w(REG.Status, 0);
    this.w(REG.Status, STATUS.ACKNOWLEDGE);
    this.w(REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    const f = want ?? this.features();
    this.w(REG.DriverFeaturesSel, 1);
    this.w(REG.DriverFeatures, Number(f >> 32n));
    this.w(REG.DriverFeaturesSel, 0);
    this.w(REG.DriverFeatures, Number(f & 0xffffffffn));
    this.w(REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
    if (!(this.r(REG.Status) & STATUS.FEATURES_OK)) return this.r(REG.Status);
    this.w(REG.QueueSel, 0);
    expect(this.r(REG.QueueReady)).toBe(0);
    expect(this.r(REG.QueueNumMax)).toBeGreaterThanOrEqual(this.qsize);
    this.w(REG.QueueNum, this.qsize);
    this.w(REG.QueueDescLow, DESC); this.w(REG.QueueDescHigh, 0);
    this.w(REG.QueueDriverLow, AVAIL); this.w(REG.QueueDriverHigh, 0);
    this.w(REG.QueueDeviceLow, USED); this.w(REG.QueueDeviceHigh, 0);
    this.w(REG.QueueReady, 1);
    this.w(REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
    return this.r(REG.Status);
  }
  /** Write descriptors for `bufs` into `table` (linked by NEXT from `first`); returns the head. */
  private writeChain(table: number, size: number, first: number, bufs: Buf[], links = true): number {
    bufs.forEach((b, k) => {
      const i = (first + k) % size;
      const at = table + 16 * i;
      this.ram.put64(at, b.addr);
      this.ram.put32(at + 8, b.len);
      const last = k === bufs.length - 1;
      this.ram.put16(at + 12, (b.write ? F_WRITE : 0) | (last || !links ? 0 : F_NEXT));
      this.ram.put16(at + 14, last ? 0 : (i + 1) % size);
    });
    return first % size;
  }
  /** Make a chain available (not yet notified); returns its head. */
  post(bufs: Buf[]): number {
    const head = this.writeChain(DESC, this.qsize, this.nextDesc, bufs);
    this.nextDesc += bufs.length;
    return this.offer(head);
  }
  /** One descriptor pointing at an indirect table at `table` holding `bufs`. */
  postIndirect(table: number, bufs: Buf[]): number {
    this.writeChain(table, bufs.length, 0, bufs);
    const head = this.writeChain(DESC, this.qsize, this.nextDesc, [{ addr: table, len: 16 * bufs.length }]);
    this.ram.put16(DESC + 16 * head + 12, F_INDIRECT);
    this.nextDesc += 1;
    return this.offer(head);
  }
  private offer(head: number): number {
    this.ram.put16(AVAIL + 4 + 2 * (this.availIdx % this.qsize), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.ram.put16(AVAIL + 2, this.availIdx);
    return head;
  }
  notify(): void { this.w(REG.QueueNotify, 0); }
  usedIdx(): number { return this.ram.u16(USED + 2); }
  used(i: number): { id: number; len: number } {
    const at = USED + 4 + 8 * (i % this.qsize);
    return { id: this.ram.u32(at), len: this.ram.u32(at + 4) };
  }
}

/** Deterministic bytes (xorshift32), as the Linux test's disk image. */
function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const IMAGE_SECTORS = 64;
const HDR = RAM_BASE + 0x8000, STATUS_BYTE = RAM_BASE + 0x8100, DATA = RAM_BASE + 0x10000;

function header(type: number, sector: number): Uint8Array {
  const h = new Uint8Array(16);
  const dv = new DataView(h.buffer);
  dv.setUint32(0, type, true);
  dv.setBigUint64(8, BigInt(sector), true);
  return h;
}

describe('virtio-mmio transport', () => {
  let image = '';
  let content: Uint8Array;
  let ram: Ram;
  let blk: VirtioBlk;
  let d: Driver;
  beforeEach((ctx) => {
    image = path.join(dir, `${ctx.task.id}.img`);
    content = pattern(IMAGE_SECTORS * 512, 0x9e3779b9);
    fs.writeFileSync(image, content);
    ram = new Ram();
    blk = new VirtioBlk(image, `-drive file=${image}`, { serial: 'tsemu-disk-0' });
    d = new Driver(new VirtioMmio(blk, ram), ram);
    return () => blk.close();
  });

  it('identifies itself as a version 2 transport; an empty one is device 0', () => {
    expect(d.r(REG.MagicValue)).toBe(0x74726976);
    expect(d.r(REG.Version)).toBe(2);
    expect(d.r(REG.DeviceID)).toBe(2); // block
    const empty = new VirtioMmio(null, ram);
    expect(empty.read(REG.MagicValue, 4)).toBe(0x74726976);
    expect(empty.read(REG.Version, 4)).toBe(2);
    expect(empty.read(REG.DeviceID, 4)).toBe(0);
    expect(empty.read(REG.QueueNumMax, 4)).toBe(0);
  });

  it('offers VIRTIO_F_VERSION_1 (bit 32), INDIRECT_DESC (28) and the block features SEG_MAX (2) and FLUSH (9), not RO', () => {
    const f = d.features();
    expect((f >> 32n) & 1n).toBe(1n);
    expect((f >> 28n) & 1n).toBe(1n);
    expect((f >> 29n) & 1n).toBe(0n); // EVENT_IDX is not implemented, so not offered
    expect((f >> 2n) & 1n).toBe(1n);
    expect((f >> 9n) & 1n).toBe(1n);
    expect((f >> 5n) & 1n).toBe(0n);
  });

  it('refuses FEATURES_OK for a feature it did not offer, or without VERSION_1', () => {
    expect(d.init(d.features() | (1n << 29n)) & STATUS.FEATURES_OK).toBe(0);
    expect(d.init(d.features() & ~(1n << 32n)) & STATUS.FEATURES_OK).toBe(0);
    expect(d.init() & STATUS.FEATURES_OK).toBe(STATUS.FEATURES_OK);
  });

  it('device configuration: capacity in sectors (read as two 32-bit halves, and bytewise), seg_max', () => {
    expect(d.r(REG.Config)).toBe(IMAGE_SECTORS);
    expect(d.r(REG.Config + 4)).toBe(0);
    expect(d.t.read(REG.Config, 1)).toBe(IMAGE_SECTORS);
    expect(d.r(REG.Config + 0x0c)).toBe(254);
  });

  it('a queue size above the maximum or not a power of 2 leaves the queue unusable', () => {
    d.init();
    d.w(REG.Status, 0);
    d.w(REG.QueueSel, 0);
    d.w(REG.QueueNum, 12);
    d.w(REG.QueueReady, 1);
    expect(d.r(REG.QueueReady)).toBe(0);
    d.w(REG.QueueNum, 512);
    d.w(REG.QueueReady, 1);
    expect(d.r(REG.QueueReady)).toBe(0);
    d.w(REG.QueueNum, 16);
    d.w(REG.QueueReady, 1);
    expect(d.r(REG.QueueReady)).toBe(1);
  });

  it('a read (header, data, status in a chain of three) fills the buffer from the image, returns the chain on the used ring and raises the interrupt until acknowledged', () => {
    expect(d.init() & STATUS.DRIVER_OK).toBe(STATUS.DRIVER_OK);
    ram.set(HDR, header(0, 3));
    ram.set(STATUS_BYTE, Uint8Array.of(0xff));
    const head = d.post([{ addr: HDR, len: 16 }, { addr: DATA, len: 1024, write: true }, { addr: STATUS_BYTE, len: 1, write: true }]);
    expect(d.line).toBe(false);
    d.notify();
    expect(d.usedIdx()).toBe(1);
    expect(d.used(0)).toEqual({ id: head, len: 1025 });
    expect(ram.bytes(STATUS_BYTE, 1)[0]).toBe(0);
    expect(ram.bytes(DATA, 1024)).toEqual(content.slice(3 * 512, 5 * 512));
    expect(d.r(REG.InterruptStatus)).toBe(1);
    expect(d.line).toBe(true);
    d.w(REG.InterruptACK, 1);
    expect(d.r(REG.InterruptStatus)).toBe(0);
    expect(d.line).toBe(false);
  });

  it('an indirect table, with the data in two pieces apart from each other', () => {
    d.init();
    ram.set(HDR, header(0, 10));
    const head = d.postIndirect(RAM_BASE + 0x9000, [
      { addr: HDR, len: 16 }, { addr: DATA + 0x3000, len: 512, write: true }, { addr: DATA, len: 1536, write: true },
      { addr: STATUS_BYTE, len: 1, write: true },
    ]);
    d.notify();
    expect(d.used(0)).toEqual({ id: head, len: 2049 });
    expect(ram.bytes(STATUS_BYTE, 1)[0]).toBe(0);
    expect(ram.bytes(DATA + 0x3000, 512)).toEqual(content.slice(10 * 512, 11 * 512));
    expect(ram.bytes(DATA, 1536)).toEqual(content.slice(11 * 512, 14 * 512));
  });

  it('several chains in one notify are served in order; a write reaches the file; flush and GET_ID answer OK', () => {
    d.init();
    const out = pattern(1024, 7);
    ram.set(DATA, out);
    ram.set(HDR, header(1, 5));
    ram.set(HDR + 16, header(4, 0));
    ram.set(HDR + 32, header(8, 0));
    const h1 = d.post([{ addr: HDR, len: 16 }, { addr: DATA, len: 1024 }, { addr: STATUS_BYTE, len: 1, write: true }]);
    const h2 = d.post([{ addr: HDR + 16, len: 16 }, { addr: STATUS_BYTE + 1, len: 1, write: true }]);
    const h3 = d.post([{ addr: HDR + 32, len: 16 }, { addr: DATA + 0x2000, len: 20, write: true }, { addr: STATUS_BYTE + 2, len: 1, write: true }]);
    ram.set(STATUS_BYTE, Uint8Array.of(0xff, 0xff, 0xff));
    d.notify();
    expect(d.usedIdx()).toBe(3);
    expect([d.used(0), d.used(1), d.used(2)]).toEqual([{ id: h1, len: 1 }, { id: h2, len: 1 }, { id: h3, len: 21 }]);
    expect([...ram.bytes(STATUS_BYTE, 3)]).toEqual([0, 0, 0]);
    const file = fs.readFileSync(image);
    expect(file.subarray(5 * 512, 7 * 512)).toEqual(Buffer.from(out));
    expect(file.subarray(0, 5 * 512)).toEqual(Buffer.from(content.subarray(0, 5 * 512)));
    expect(file.subarray(7 * 512)).toEqual(Buffer.from(content.subarray(7 * 512)));
    expect(Buffer.from(ram.bytes(DATA + 0x2000, 20)).toString('latin1')).toBe('tsemu-disk-0'.padEnd(20, '\0'));
  });

  it('a read past the end is IOERR and reads nothing; an unknown request type is UNSUPP', () => {
    d.init();
    ram.set(HDR, header(0, IMAGE_SECTORS - 1));
    ram.set(HDR + 16, header(11, 0)); // DISCARD, not offered
    ram.u8.fill(0xee, DATA - RAM_BASE, DATA - RAM_BASE + 1024);
    d.post([{ addr: HDR, len: 16 }, { addr: DATA, len: 1024, write: true }, { addr: STATUS_BYTE, len: 1, write: true }]);
    d.post([{ addr: HDR + 16, len: 16 }, { addr: STATUS_BYTE + 1, len: 1, write: true }]);
    d.notify();
    expect([...ram.bytes(STATUS_BYTE, 2)]).toEqual([1, 2]);
    expect(ram.bytes(DATA, 1024).every((b) => b === 0xee)).toBe(true);
  });

  it('read-only: RO offered, a write is IOERR and leaves the file alone', () => {
    blk.close();
    blk = new VirtioBlk(image, 'x', { readOnly: true });
    d = new Driver(new VirtioMmio(blk, ram), ram);
    expect((d.features() >> 5n) & 1n).toBe(1n);
    d.init();
    ram.set(HDR, header(1, 0));
    d.post([{ addr: HDR, len: 16 }, { addr: DATA, len: 512 }, { addr: STATUS_BYTE, len: 1, write: true }]);
    d.notify();
    expect(ram.bytes(STATUS_BYTE, 1)[0]).toBe(1);
    expect(createHash('md5').update(fs.readFileSync(image)).digest('hex')).toBe(createHash('md5').update(content).digest('hex'));
  });

  it('the rings wrap: ten requests one by one through a queue of 4 land at used[i % 4] with the right ids', () => {
    d = new Driver(new VirtioMmio(blk, ram), ram, 4);
    d.init();
    for (let i = 0; i < 10; i++) {
      ram.set(HDR, header(0, i));
      const head = d.post([{ addr: HDR, len: 16 }, { addr: DATA, len: 512, write: true }]);
      // the status byte: its own descriptor would need 3 of the 4 each time; here it is the data's last byte
      d.notify();
      expect(d.usedIdx()).toBe(i + 1);
      expect(d.used(i)).toEqual({ id: head, len: 512 });
      expect(ram.bytes(DATA, 511)).toEqual(content.slice(i * 512, i * 512 + 511));
    }
  });

  it('VIRTQ_AVAIL_F_NO_INTERRUPT: the chain is used, no interrupt', () => {
    d.init();
    ram.put16(AVAIL, 1);
    ram.set(HDR, header(4, 0));
    d.post([{ addr: HDR, len: 16 }, { addr: STATUS_BYTE, len: 1, write: true }]);
    d.notify();
    expect(d.usedIdx()).toBe(1);
    expect(d.r(REG.InterruptStatus)).toBe(0);
    expect(d.line).toBe(false);
  });

  it('nothing is served before DRIVER_OK', () => {
    d.init();
    d.w(REG.Status, STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK); // status only grows: set it again below
    d.w(REG.Status, 0);
    d.w(REG.QueueNum, 16); d.w(REG.QueueDescLow, DESC); d.w(REG.QueueDriverLow, AVAIL); d.w(REG.QueueDeviceLow, USED);
    d.w(REG.QueueReady, 1);
    ram.set(HDR, header(4, 0));
    d.post([{ addr: HDR, len: 16 }, { addr: STATUS_BYTE, len: 1, write: true }]);
    d.notify();
    expect(d.usedIdx()).toBe(0);
  });

  it('a descriptor loop stops the device (NEEDS_RESET, a configuration interrupt); a reset clears it', () => {
    d.init();
    ram.set(HDR, header(0, 0));
    const head = d.post([{ addr: HDR, len: 16 }, { addr: DATA, len: 512, write: true }]);
    ram.put16(DESC + 16 * (head + 1) + 12, F_WRITE | F_NEXT);
    ram.put16(DESC + 16 * (head + 1) + 14, head); // back to the start
    d.notify();
    expect(d.usedIdx()).toBe(0);
    expect(d.r(REG.Status) & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    expect(d.r(REG.InterruptStatus)).toBe(2);
    expect(d.line).toBe(true);
    d.w(REG.Status, 0);
    expect(d.r(REG.Status)).toBe(0);
    expect(d.line).toBe(false);
    expect(d.r(REG.QueueReady)).toBe(0);
  });

  it('a buffer outside RAM stops the device instead of writing there', () => {
    d.init();
    ram.set(HDR, header(0, 0));
    d.post([{ addr: HDR, len: 16 }, { addr: RAM_BASE + RAM_SIZE - 256, len: 512, write: true }, { addr: STATUS_BYTE, len: 1, write: true }]);
    d.notify();
    expect(d.r(REG.Status) & STATUS.NEEDS_RESET).toBe(STATUS.NEEDS_RESET);
    expect(d.usedIdx()).toBe(0);
  });
});
