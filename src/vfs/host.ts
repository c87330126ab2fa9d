// Host passthrough files: a guest descriptor backed by a host descriptor, through Node's
// synchronous fs calls.
//
// File offsets. Node has no lseek(2): it offers read/write at the host offset (position null)
// and pread/pwrite at an explicit position, nothing else. So:
// - Regular files and block devices that tsemu opened keep their offset here and use
//   positional I/O. dup'd descriptors share the OpenFile and so share the offset, as Linux's
//   open file description does.
// - Descriptors inherited from the host (0, 1, 2) start out using the host offset, which the
//   host may share with other processes (`(prog; cat) < file`). The first lseek that moves
//   the offset of one that is a regular file reads the current host offset from
//   /proc/self/fdinfo and from then on tracks the offset here with positional I/O; the shared
//   host offset stops moving. An lseek that leaves the offset where it is (ftell's
//   lseek(fd, 0, SEEK_CUR), a seek to the end when already there) keeps using the host
//   offset. Without /proc, lseek on such a descriptor fails with ESPIPE rather than return a
//   wrong offset.
// - A description shared with a forked child keeps its offset in an OffsetCell that parent and
//   child both hold (offset-cell.ts), as Linux's forked processes share the description's
//   offset. Descriptions never shared have no cell and pay nothing for it.
// - Pipes, sockets and terminals have no offset (ESPIPE); other character devices such as
//   /dev/null accept any lseek and report 0, as Linux's do.
import type * as nodeFs from 'node:fs';
import { vfs as fs } from './backend.js';
import * as tty from 'node:tty';
import { E, ERESTARTSYS, SysError, errnoOf, host } from './errno.js';
import { isMemoryFd } from './backend.js';
import { HOST_OFFSET, OffsetCell } from './offset-cell.js';
import {
  O, OpenFile, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, type DirEntry, type StatInfo,
} from './file.js';

export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12 };

export function statOf(s: nodeFs.BigIntStats): StatInfo {
  return {
    dev: Number(s.dev), ino: Number(s.ino), mode: Number(s.mode), nlink: Number(s.nlink), uid: Number(s.uid),
    gid: Number(s.gid), rdev: Number(s.rdev), size: Number(s.size), blksize: Number(s.blksize),
    blocks: Number(s.blocks), atimeNs: s.atimeNs, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs,
    birthtimeNs: s.birthtimeNs > 0n ? s.birthtimeNs : undefined,
  };
}

export { host };

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * How a blocking read or write of a host pipe waits between tries: the Kernel replaces `pause`
 * with a wait that fires the guest's timers and ends early (false) for a signal the calling
 * thread would take, so that the call is cut short (ERESTARTSYS) as on Linux.
 */
export const blockingIo = {
  pause(ms: number): boolean {
    sleepMs(ms);
    return true;
  },
};

/** Current offset and open flags of an inherited host descriptor, from /proc/self/fdinfo. */
export function hostFdInfo(fd: number): { pos: number; flags: number } | null {
  try {
    const text = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1');
    const pos = /^pos:\s*(\d+)/m.exec(text);
    const flags = /^flags:\s*([0-7]+)/m.exec(text);
    if (!pos || !flags) return null;
    return { pos: Number(pos[1]), flags: parseInt(flags[1], 8) };
  } catch {
    return null;
  }
}

type Kind = 'file' | 'dir' | 'tty' | 'chr' | 'stream';

function kindOf(mode: number, fd: number): Kind {
  switch (mode & S_IFMT) {
    case S_IFREG: case S_IFBLK: return 'file';
    case S_IFDIR: return 'dir';
    case S_IFCHR: return tty.isatty(fd) ? 'tty' : 'chr';
    default: return 'stream';
  }
}

export class HostFile extends OpenFile {
  private pos = 0;
  /** 'own': offset tracked here, positional I/O; 'host': the host descriptor's own offset. */
  private offsetMode: 'own' | 'host';
  private readonly kind: Kind;
  private entries?: DirEntry[];
  /** Non-blocking twin of a blocking host FIFO descriptor (see ioFd), or -1. */
  private nonblockFd = -1;
  private isFifo?: boolean;
  /** Where the offset lives once the description is shared with another process, or null. */
  private cell: OffsetCell | null = null;

  /**
   * @param fd host descriptor
   * @param path guest path it was opened by
   * @param flags guest O_* status flags
   * @param hostName host path (for directory listings and *at calls relative to it)
   * @param owned tsemu opened it (and closes it); false for inherited descriptors 0-2
   */
  constructor(private readonly fd: number, path: string, flags: number, private readonly hostName: string,
    private readonly owned = true) {
    super();
    this.path = path;
    this.flags = flags;
    const st = host(() => fs.fstatSync(fd));
    this.kind = kindOf(st.mode, fd);
    this.offsetMode = this.kind === 'file' && !owned ? 'host' : 'own';
  }

  override hostFd(): number { return this.fd; }

  /** The offset a forked child continues from: -1 when the host descriptor's own offset is in
   *  use (the child's inherited descriptor shares it, as on Linux). */
  forkOffset(): number { return this.offsetMode === 'host' ? -1 : this.pos; }

  restoreOffset(off: number): void {
    if (off < 0) this.offsetMode = 'host';
    else { this.offsetMode = 'own'; this.pos = off; }
  }

  /**
   * At fork: the cell through which this description's offset is shared with the child,
   * created the first time it is shared (a child forking again passes the same one on). Null
   * when the file has no offset to share, or no cell could be made (the child then starts
   * from a copy of the offset, forkOffset).
   */
  shareOffset(): OffsetCell | null {
    if (this.kind !== 'file' || isMemoryFd(this.fd)) return null;
    if (!this.cell) {
      try {
        this.cell = OffsetCell.create(this.offsetMode === 'host' ? HOST_OFFSET : this.pos);
      } catch {
        return null; // no room for one (EMFILE, ENOSPC)
      }
    }
    return this.cell;
  }

  /** In a forked child: use the parent's cell, inherited as host descriptor `cellFd`. */
  adoptOffset(cellFd: number): void {
    this.cell = new OffsetCell(cellFd);
    this.loadOffset();
  }

  /** Before using the offset of a shared description: take it from the cell. */
  private loadOffset(): void {
    if (!this.cell) return;
    const v = this.cell.get();
    if (v === HOST_OFFSET) this.offsetMode = 'host';
    else { this.offsetMode = 'own'; this.pos = v; }
  }

  /** After moving the offset of a shared description: put it back in the cell. */
  private storeOffset(): void {
    this.cell?.set(this.offsetMode === 'host' ? HOST_OFFSET : this.pos);
  }
  override hostPath(): string { return this.hostName; }

  private hostRead(buf: Uint8Array, pos: number | null): number {
    if (this.kind === 'dir') throw new SysError(E.EISDIR);
    for (;;) {
      try {
        return fs.readSync(this.ioFd(), buf, 0, buf.length, pos);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // The host descriptor is non-blocking (shared with a parent that set O_NONBLOCK, or a
        // pipe end): wait, as a blocking read would, unless the guest asked for O_NONBLOCK.
        if (code === 'EAGAIN' && !(this.flags & O.NONBLOCK)) {
          if (!blockingIo.pause(5)) throw new SysError(ERESTARTSYS);
          continue;
        }
        if (code === 'EOF') return 0;
        throw new SysError(errnoOf(err));
      }
    }
  }

  private hostWrite(buf: Uint8Array, pos: number | null): number {
    if (this.kind === 'dir') throw new SysError(E.EISDIR);
    let done = 0;
    while (done < buf.length) {
      try {
        done += fs.writeSync(this.ioFd(), buf, done, buf.length - done, pos === null ? null : pos + done);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && !(this.flags & O.NONBLOCK)) {
          if (blockingIo.pause(1)) continue;
          if (done > 0) return done;
          throw new SysError(ERESTARTSYS);
        }
        if (done > 0) return done;
        throw new SysError(errnoOf(err));
      }
    }
    return done;
  }

  override read(buf: Uint8Array): number {
    if (this.kind !== 'file') return this.hostRead(buf, null);
    this.loadOffset();
    if (this.offsetMode === 'host') return this.hostRead(buf, null);
    const n = this.hostRead(buf, this.pos);
    this.pos += n;
    this.storeOffset();
    return n;
  }

  override write(buf: Uint8Array): number {
    if (this.kind !== 'file') return this.hostWrite(buf, null);
    this.loadOffset();
    if (this.offsetMode === 'host') return this.hostWrite(buf, null);
    // Positional writes on an O_APPEND host descriptor append anyway (Linux ignores the
    // position); keep the tracked offset at the new end.
    if (this.flags & O.APPEND) this.pos = this.stat().size;
    const n = this.hostWrite(buf, this.pos);
    this.pos += n;
    this.storeOffset();
    return n;
  }

  override pread(buf: Uint8Array, pos: number): number {
    if (this.kind === 'tty' || this.kind === 'stream') throw new SysError(E.ESPIPE);
    return this.hostRead(buf, pos);
  }

  override pwrite(buf: Uint8Array, pos: number): number {
    if (this.kind === 'tty' || this.kind === 'stream') throw new SysError(E.ESPIPE);
    return this.hostWrite(buf, pos);
  }

  override seek(off: number, whence: number): number {
    const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
    if (this.kind === 'tty' || this.kind === 'stream') throw new SysError(E.ESPIPE);
    if (whence < SEEK_SET || whence > SEEK_HOLE) throw new SysError(E.EINVAL);
    if (this.kind === 'chr') return 0;
    if (this.kind === 'dir') {
      // The directory offset is the index getdents64 reported as d_off.
      const np = whence === SEEK_SET ? off : whence === SEEK_CUR ? this.dirPos + off : -1;
      if (np < 0) throw new SysError(E.EINVAL);
      if (np === 0) this.entries = undefined; // rewinddir sees new entries
      this.dirPos = np;
      return np;
    }
    this.loadOffset();
    let cur = this.pos;
    if (this.offsetMode === 'host') {
      const info = hostFdInfo(this.fd);
      if (!info) throw new SysError(E.ESPIPE);
      cur = info.pos;
    }
    const size = this.stat().size;
    let np: number;
    switch (whence) {
      case SEEK_SET: np = off; break;
      case SEEK_CUR: np = cur + off; break;
      case SEEK_END: np = size + off; break;
      case SEEK_DATA:
        if (off < 0) throw new SysError(E.EINVAL);
        if (off >= size) throw new SysError(E.ENXIO);
        np = off;
        break;
      default: // SEEK_HOLE: no holes are reported; the end of the file is the first one
        if (off < 0) throw new SysError(E.EINVAL);
        if (off >= size) throw new SysError(E.ENXIO);
        np = size;
    }
    if (np < 0) throw new SysError(E.EINVAL);
    if (!Number.isSafeInteger(np)) throw new SysError(E.EOVERFLOW);
    // A seek that leaves the host offset where it is (ftell's lseek(fd, 0, SEEK_CUR), a seek
    // to the end when already there) keeps using it: the host may share it.
    if (this.offsetMode === 'host' && np === cur) return np;
    this.offsetMode = 'own';
    this.pos = np;
    this.storeOffset();
    return np;
  }

  override stat(): StatInfo {
    return statOf(host(() => fs.fstatSync(this.fd, { bigint: true })));
  }

  override readdir(): DirEntry[] {
    if (this.kind !== 'dir') throw new SysError(E.ENOTDIR);
    if (!this.entries) {
      const list = host(() => fs.readdirSync(this.hostName, { withFileTypes: true }));
      const inoOf = (p: string) => {
        try { return Number(fs.lstatSync(p, { bigint: true }).ino); } catch { return 0; /* raced away */ }
      };
      const entries: DirEntry[] = [
        { name: '.', ino: this.stat().ino, type: DT.DIR },
        { name: '..', ino: inoOf(this.hostName + '/..'), type: DT.DIR },
      ];
      for (const d of list) {
        const type = d.isFile() ? DT.REG : d.isDirectory() ? DT.DIR : d.isSymbolicLink() ? DT.LNK : d.isFIFO() ? DT.FIFO
          : d.isSocket() ? DT.SOCK : d.isCharacterDevice() ? DT.CHR : d.isBlockDevice() ? DT.BLK : DT.UNKNOWN;
        entries.push({ name: d.name, ino: inoOf(this.hostName + '/' + d.name), type });
      }
      this.entries = entries;
    }
    return this.entries;
  }

  override isatty(): boolean { return this.kind === 'tty'; }

  override truncate(len: number): void {
    if (this.kind !== 'file') throw new SysError(E.EINVAL);
    host(() => fs.ftruncateSync(this.fd, len));
  }

  override sync(dataOnly: boolean): void {
    if (this.kind === 'tty' || this.kind === 'stream' || this.kind === 'chr') throw new SysError(E.EINVAL);
    host(() => (dataOnly ? fs.fdatasyncSync(this.fd) : fs.fsyncSync(this.fd)));
  }

  /**
   * The host descriptor to read and write through. A pipe (a host FIFO) whose host descriptor
   * blocks while the guest set O_NONBLOCK (fcntl F_SETFL, FIONBIO) gets a second host
   * descriptor on the same pipe, opened non-blocking through /proc/self/fd (Node cannot
   * fcntl(F_SETFL) the first), so an empty pipe reads EAGAIN instead of blocking tsemu.
   */
  private ioFd(): number {
    if (!(this.flags & O.NONBLOCK) || this.kind !== 'stream') return this.fd;
    if (this.nonblockFd >= 0) return this.nonblockFd;
    if (this.isFifo === undefined) {
      try { this.isFifo = (fs.fstatSync(this.fd).mode & S_IFMT) === S_IFIFO; } catch { this.isFifo = false; }
    }
    if (!this.isFifo) return this.fd;
    const info = hostFdInfo(this.fd);
    if (!info || info.flags & O.NONBLOCK) return this.fd;
    const acc = (this.flags & O.ACCMODE) === O.RDONLY ? fs.constants.O_RDONLY : fs.constants.O_WRONLY;
    try {
      this.nonblockFd = fs.openSync(`/proc/self/fd/${this.fd}`, acc | fs.constants.O_NONBLOCK);
    } catch {
      return this.fd; // no /proc, or a write end whose reader is gone (the write then fails anyway)
    }
    return this.nonblockFd;
  }

  override close(): void {
    this.cell?.close();
    if (this.nonblockFd >= 0) { try { fs.closeSync(this.nonblockFd); } catch { /* gone */ } }
    if (this.owned) { try { fs.closeSync(this.fd); } catch { /* already gone */ } }
  }
}
