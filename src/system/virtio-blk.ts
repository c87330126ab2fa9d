// A virtio block device (VIRTIO 1.2, 5.2) over a raw disk image file on the host: one request
// queue; reads, writes, flush and the device ID string. Each request is a header the driver
// wrote (type, sector), the data, and a status byte the device writes last. A file that cannot
// be opened for writing is offered read-only (VIRTIO_BLK_F_RO), as QEMU does with readonly=on.
import * as fs from 'node:fs';
import { BootError } from './boot.js';
import type { VirtioDevice } from './virtio-mmio.js';
import { QueueError, type Chain } from './virtqueue.js';

export const VIRTIO_ID_BLOCK = 2;
export const SECTOR = 512;
/** Entries in the request queue (QEMU's default for virtio-blk). */
export const QUEUE_SIZE = 256;

// Feature bits (5.2.3) offered here.
export const BLK_F_SEG_MAX = 2n, BLK_F_RO = 5n, BLK_F_FLUSH = 9n;
// Request types and status values (5.2.6).
export const BLK_T = { IN: 0, OUT: 1, FLUSH: 4, GET_ID: 8 } as const;
export const BLK_S = { OK: 0, IOERR: 1, UNSUPP: 2 } as const;
const HEADER = 16;
const ID_BYTES = 20;

export interface DiskOptions {
  /** Open read-only even if the file could be written (qemu's readonly=on). */
  readOnly?: boolean;
  /** The answer to VIRTIO_BLK_T_GET_ID (at most 20 bytes; qemu's serial=). */
  serial?: string;
}

export class VirtioBlk implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly queueSizes = [QUEUE_SIZE];
  readonly features: bigint;
  readonly readOnly: boolean;
  /** Bytes of the image the guest sees: whole sectors. */
  readonly size: number;
  private readonly fd: number;
  private readonly config = new Uint8Array(0x24);
  private readonly id: Uint8Array;

  /** Open `file` (`option` names it in errors: "-drive file=disk.img"). Errors are one line. */
  constructor(readonly file: string, option: string, opts: DiskOptions = {}) {
    let fd: number;
    let readOnly = !!opts.readOnly;
    try {
      fd = fs.openSync(file, readOnly ? 'r' : 'r+');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new BootError(`${option}: no such file; create the disk image first (e.g. truncate -s 64M ${file}, or qemu-img create -f raw ${file} 64M)`);
      if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw new BootError(`${option}: cannot open it (${code}); pass a raw disk image file`);
      readOnly = true;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        throw new BootError(`${option}: cannot read it (${code}); check its permissions`);
      }
    }
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      fs.closeSync(fd);
      throw new BootError(`${option}: not a regular file; pass a raw disk image file`);
    }
    this.fd = fd;
    this.readOnly = readOnly;
    this.size = Math.floor(st.size / SECTOR) * SECTOR;
    this.features = (1n << BLK_F_SEG_MAX) | (1n << BLK_F_FLUSH) | (readOnly ? 1n << BLK_F_RO : 0n);
    const dv = new DataView(this.config.buffer);
    dv.setBigUint64(0x00, BigInt(this.size / SECTOR), true); // capacity in 512-byte sectors
    dv.setUint32(0x0c, QUEUE_SIZE - 2, true); // seg_max: a request's data segments (QEMU's choice)
    this.id = new Uint8Array(ID_BYTES);
    this.id.set(Buffer.from(opts.serial ?? '', 'utf8').subarray(0, ID_BYTES));
  }

  close(): void { fs.closeSync(this.fd); }

  configRead(offset: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= (offset + i < this.config.length ? this.config[offset + i] : 0) << (8 * i);
    return v >>> 0;
  }

  configWrite(): void { /* nothing here is writable (no VIRTIO_BLK_F_CONFIG_WCE) */ }

  serve(_queue: number, chain: Chain): void {
    if (chain.readableLength < HEADER) throw new QueueError(`a block request of ${chain.readableLength} readable bytes, short of its 16-byte header`);
    const statusAt = chain.writableLength - 1;
    if (statusAt < 0) throw new QueueError('a block request without room for its status byte');
    const header = new DataView(chain.gather(0, HEADER).buffer);
    const type = header.getUint32(0, true);
    const sector = header.getBigUint64(8, true);
    let status: number;
    try {
      status = this.perform(type, sector, chain, statusAt);
    } catch (e) {
      if (!(e as NodeJS.ErrnoException).code) throw e;
      status = BLK_S.IOERR; // the host's read or write failed
    }
    chain.scatter(statusAt, Uint8Array.of(status));
  }

  private perform(type: number, sector: bigint, chain: Chain, statusAt: number): number {
    const inRange = (len: number) => sector <= BigInt(this.size / SECTOR) && Number(sector) * SECTOR + len <= this.size;
    switch (type) {
      case BLK_T.IN: {
        const len = statusAt;
        if (!inRange(len)) return BLK_S.IOERR;
        let pos = Number(sector) * SECTOR;
        chain.eachWritable(0, len, (buf) => {
          for (let done = 0; done < buf.length;) {
            const n = fs.readSync(this.fd, buf, done, buf.length - done, pos + done);
            if (n === 0) { buf.fill(0, done); break; } // the file shrank under us
            done += n;
          }
          pos += buf.length;
        });
        return BLK_S.OK;
      }
      case BLK_T.OUT: {
        const len = chain.readableLength - HEADER;
        if (this.readOnly || !inRange(len)) return BLK_S.IOERR;
        let pos = Number(sector) * SECTOR;
        chain.eachReadable(HEADER, len, (buf) => {
          for (let done = 0; done < buf.length;) done += fs.writeSync(this.fd, buf, done, buf.length - done, pos + done);
          pos += buf.length;
        });
        return BLK_S.OK;
      }
      case BLK_T.FLUSH:
        if (!this.readOnly) fs.fdatasyncSync(this.fd);
        return BLK_S.OK;
      case BLK_T.GET_ID:
        chain.scatter(0, this.id.subarray(0, Math.min(ID_BYTES, statusAt)));
        return BLK_S.OK;
      default:
        return BLK_S.UNSUPP;
    }
  }
}
