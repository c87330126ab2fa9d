// The virtio-mmio transport (VIRTIO 1.2, 4.2.2: the modern register layout, version 2), as QEMU's
// virt board places it: 0x200 bytes of registers per device, the device's own configuration
// from 0x100, one interrupt line that is high while InterruptStatus is not zero (the driver
// acknowledges with InterruptACK). A transport without a device answers device ID 0, which the
// driver skips. Requests are served when the driver notifies, before its write returns.
import { GuestFault } from '../cpu/memory.js';
import type { Device } from './bus.js';
import { QueueError, SplitQueue, type Chain, type GuestRam } from './virtqueue.js';

export const VIRTIO_MMIO_SIZE = 0x200;
const MAGIC = 0x74726976; // "virt"
const VERSION = 2;
/** Our vendor ID: "tsem" in the register's little-endian bytes. */
const VENDOR = 0x6d657374;

// Feature bits the transport implements, offered with every device's own.
export const F_INDIRECT_DESC = 28n;
export const F_VERSION_1 = 32n;

// Device status bits (2.1).
export const STATUS = { ACKNOWLEDGE: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8, NEEDS_RESET: 64, FAILED: 128 } as const;
// InterruptStatus bits.
export const INT_USED_BUFFER = 1, INT_CONFIG_CHANGE = 2;

export const REG = {
  MagicValue: 0x000, Version: 0x004, DeviceID: 0x008, VendorID: 0x00c,
  DeviceFeatures: 0x010, DeviceFeaturesSel: 0x014, DriverFeatures: 0x020, DriverFeaturesSel: 0x024,
  QueueSel: 0x030, QueueNumMax: 0x034, QueueNum: 0x038, QueueReady: 0x044, QueueNotify: 0x050,
  InterruptStatus: 0x060, InterruptACK: 0x064, Status: 0x070,
  QueueDescLow: 0x080, QueueDescHigh: 0x084, QueueDriverLow: 0x090, QueueDriverHigh: 0x094,
  QueueDeviceLow: 0x0a0, QueueDeviceHigh: 0x0a4, SHMSel: 0x0ac, SHMLenLow: 0x0b0, SHMLenHigh: 0x0b4,
  SHMBaseLow: 0x0b8, SHMBaseHigh: 0x0bc, QueueReset: 0x0c0, ConfigGeneration: 0x0fc, Config: 0x100,
} as const;

/** What a device type (virtio-blk, ...) gives the transport. */
export interface VirtioDevice {
  readonly deviceId: number;
  /** The device type's own feature bits (the transport adds its own). */
  readonly features: bigint;
  readonly queueSizes: number[];
  configRead(offset: number, size: number): number;
  configWrite(offset: number, size: number, value: number): void;
  /** Serve one request from queue `queue`: read the chain's readable part, write the answer
   *  (the chain counts the bytes written). Throws QueueError for a malformed request. */
  serve(queue: number, chain: Chain): void;
}

export class VirtioMmio implements Device {
  readonly name = 'virtio-mmio';
  private readonly queues: SplitQueue[];
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private queueSel = 0;
  private interruptStatus = 0;
  private status = 0;
  /** Called when the interrupt line's level may have changed. */
  onLine: (level: boolean) => void = () => {};
  /** Told why the device stopped (a driver error), for -d int. */
  log: (line: string) => void = () => {};

  /** `device` null: an empty slot (device ID 0). */
  constructor(readonly device: VirtioDevice | null, ram: GuestRam) {
    this.queues = (device?.queueSizes ?? []).map((n) => new SplitQueue(ram, n));
  }

  get offered(): bigint { return this.device ? this.device.features | (1n << F_VERSION_1) | (1n << F_INDIRECT_DESC) : 0n; }
  /** The features the driver accepted (valid once FEATURES_OK holds). */
  get negotiated(): bigint { return this.driverFeatures; }

  private get queue(): SplitQueue | undefined { return this.queues[this.queueSel]; }

  read(off: number, size: number): number {
    if (off >= REG.Config) return this.device ? this.device.configRead(off - REG.Config, size) : 0;
    if (size !== 4 || off & 3) return 0; // registers are 32-bit wide (4.2.2.1)
    switch (off) {
      case REG.MagicValue: return MAGIC;
      case REG.Version: return VERSION;
      case REG.DeviceID: return this.device?.deviceId ?? 0;
      case REG.VendorID: return VENDOR;
      case REG.DeviceFeatures: return this.deviceFeaturesSel < 2 ? Number((this.offered >> BigInt(32 * this.deviceFeaturesSel)) & 0xffffffffn) : 0;
      case REG.QueueNumMax: return this.queue?.sizeMax ?? 0;
      case REG.QueueNum: return this.queue?.size ?? 0;
      case REG.QueueReady: return this.queue?.ready ? 1 : 0;
      case REG.InterruptStatus: return this.interruptStatus;
      case REG.Status: return this.status;
      case REG.QueueDescLow: return this.queue ? this.queue.desc >>> 0 : 0;
      case REG.QueueDriverLow: return this.queue ? this.queue.avail >>> 0 : 0;
      case REG.QueueDeviceLow: return this.queue ? this.queue.used >>> 0 : 0;
      case REG.SHMLenLow: case REG.SHMLenHigh: return 0xffffffff; // no shared memory regions
      case REG.ConfigGeneration: return 0; // the configuration never changes under the driver
      default: return 0;
    }
  }

  write(off: number, size: number, value: number): void {
    if (off >= REG.Config) return this.device?.configWrite(off - REG.Config, size, value);
    if (size !== 4 || off & 3) return;
    const v = value >>> 0;
    const q = this.queue;
    switch (off) {
      case REG.DeviceFeaturesSel: this.deviceFeaturesSel = v; break;
      case REG.DriverFeaturesSel: this.driverFeaturesSel = v; break;
      case REG.DriverFeatures:
        if (this.driverFeaturesSel < 2) {
          const shift = BigInt(32 * this.driverFeaturesSel);
          this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) | (BigInt(v) << shift);
        }
        break;
      case REG.QueueSel: this.queueSel = v; break;
      case REG.QueueNum: if (q && !q.ready) q.size = v <= q.sizeMax && v > 0 && (v & (v - 1)) === 0 ? v : 0; break;
      case REG.QueueReady: if (q) q.ready = (v & 1) === 1 && q.size > 0; break;
      case REG.QueueDescLow: if (q && !q.ready) q.desc = v; break;
      case REG.QueueDriverLow: if (q && !q.ready) q.avail = v; break;
      case REG.QueueDeviceLow: if (q && !q.ready) q.used = v; break;
      // Above 4 GiB is not RAM here: a queue placed there cannot be used.
      case REG.QueueDescHigh: case REG.QueueDriverHigh: case REG.QueueDeviceHigh:
        if (q && !q.ready && v !== 0) q.size = 0;
        break;
      case REG.QueueNotify: this.notify(v & 0xffff); break;
      case REG.InterruptACK: this.setInterrupt(this.interruptStatus & ~v); break;
      case REG.Status: this.setStatus(v & 0xff); break;
      default: break;
    }
  }

  private setStatus(v: number): void {
    if (v === 0) return this.reset();
    // FEATURES_OK only holds for a subset of what was offered, with VERSION_1 (no legacy here).
    if (v & STATUS.FEATURES_OK && !(this.status & STATUS.FEATURES_OK)) {
      const ok = (this.driverFeatures & ~this.offered) === 0n && (this.driverFeatures >> F_VERSION_1) & 1n;
      if (!ok) v &= ~STATUS.FEATURES_OK;
    }
    this.status = (this.status & STATUS.NEEDS_RESET) | v;
  }

  private reset(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    this.deviceFeaturesSel = this.driverFeaturesSel = this.queueSel = 0;
    for (const q of this.queues) q.reset();
    this.setInterrupt(0);
  }

  private notify(index: number): void {
    const q = this.queues[index];
    if (!q || !this.device || !(this.status & STATUS.DRIVER_OK) || this.status & STATUS.NEEDS_RESET) return;
    try {
      if (q.process((chain) => this.device!.serve(index, chain))) this.setInterrupt(this.interruptStatus | INT_USED_BUFFER);
    } catch (e) {
      if (e instanceof QueueError) this.fail(e.message);
      else if (e instanceof GuestFault) this.fail(`the driver gave an address outside RAM (0x${e.addr.toString(16)})`);
      else throw e;
    }
  }

  /** The driver broke the rules: the device stops and asks to be reset (2.1.2). */
  fail(why: string): void {
    this.log(`virtio-mmio: queue stopped: ${why}; the driver must reset the device`);
    this.status |= STATUS.NEEDS_RESET;
    if (this.status & STATUS.DRIVER_OK) this.setInterrupt(this.interruptStatus | INT_CONFIG_CHANGE);
  }

  private setInterrupt(v: number): void {
    this.interruptStatus = v;
    this.onLine(v !== 0);
  }
}
