// Host passthrough files: a guest fd backed by a host fd, through Node's synchronous fs calls.
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { E, SysError, errnoOf } from '../syscalls/errno.js';
import { OpenFile, type DirEntry, type StatInfo } from './file.js';

const DT = { FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12, UNKNOWN: 0 };

export function statOf(s: fs.BigIntStats): StatInfo {
  return {
    dev: Number(s.dev), ino: Number(s.ino), mode: Number(s.mode), nlink: Number(s.nlink), uid: Number(s.uid),
    gid: Number(s.gid), rdev: Number(s.rdev), size: Number(s.size), blksize: Number(s.blksize),
    blocks: Number(s.blocks), atimeNs: s.atimeNs, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs, birthtimeNs: s.birthtimeNs,
  };
}

/** Run a host fs call, turning Node errors into guest errnos. */
export function host<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new SysError(errnoOf(err));
  }
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class HostFile extends OpenFile {
  private pos = 0;
  private entries?: DirEntry[];

  constructor(private fd: number, path: string, flags: number, private hostPath: string, private owned = true) {
    super();
    this.path = path;
    this.flags = flags;
  }

  override hostFd(): number { return this.fd; }

  override read(buf: Uint8Array, pos?: number): number {
    for (;;) {
      try {
        return fs.readSync(this.fd, buf, 0, buf.length, pos ?? null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A host descriptor shared with a non-blocking parent: wait, as a blocking read would.
        if (code === 'EAGAIN' && !(this.flags & 0o4000)) { sleepMs(5); continue; }
        if (code === 'EOF') return 0;
        throw new SysError(errnoOf(err));
      }
    }
  }

  override write(buf: Uint8Array, pos?: number): number {
    let done = 0;
    while (done < buf.length) {
      try {
        done += fs.writeSync(this.fd, buf, done, buf.length - done, pos === undefined ? null : pos + done);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' && !(this.flags & 0o4000)) { sleepMs(1); continue; }
        if (done > 0) return done;
        throw new SysError(errnoOf(err));
      }
    }
    return done;
  }

  override seek(off: number, whence: number): number {
    const st = this.stat();
    if ((st.mode & 0o170000) === 0o010000 || (st.mode & 0o170000) === 0o140000) throw new SysError(E.ESPIPE);
    // Node has no lseek: reads and writes pass explicit positions, so track the offset here
    // and keep the host offset in step for children that inherit the descriptor.
    let base = 0;
    if (whence === 1) base = this.pos;
    else if (whence === 2) base = st.size;
    else if (whence !== 0) throw new SysError(E.EINVAL);
    const np = base + off;
    if (np < 0) throw new SysError(E.EINVAL);
    this.pos = np;
    if ((st.mode & 0o170000) === 0o040000) { this.dirPos = 0; this.entries = undefined; }
    return np;
  }

  /** Read/write at the tracked offset for seekable files, the host's for streams. */
  readAtOffset(buf: Uint8Array): number {
    if (!this.seekable()) return this.read(buf);
    const n = this.read(buf, this.pos);
    this.pos += n;
    return n;
  }

  writeAtOffset(buf: Uint8Array): number {
    if (!this.seekable()) return this.write(buf);
    if (this.flags & 0o2000) this.pos = this.stat().size; // O_APPEND
    const n = this.write(buf, this.pos);
    this.pos += n;
    return n;
  }

  private seekableCache?: boolean;
  /** Files we opened track their own offset (Node has no lseek); descriptors inherited from
   *  the host (stdin/out/err) keep using the host's offset, which they may share with others. */
  private seekable(): boolean {
    if (!this.owned) return false;
    if (this.seekableCache === undefined) {
      const t = this.stat().mode & 0o170000;
      this.seekableCache = t === 0o100000 || t === 0o060000;
    }
    return this.seekableCache;
  }

  get offset(): number { return this.pos; }

  override stat(): StatInfo {
    return statOf(host(() => fs.fstatSync(this.fd, { bigint: true })));
  }

  override readdir(): DirEntry[] {
    if (!this.entries) {
      const list = host(() => fs.readdirSync(this.hostPath, { withFileTypes: true }));
      const st = this.stat();
      const entries: DirEntry[] = [{ name: '.', ino: st.ino, type: DT.DIR }, { name: '..', ino: 1, type: DT.DIR }];
      for (const d of list) {
        let ino = 0;
        try { ino = Number(fs.lstatSync(this.hostPath + '/' + d.name, { bigint: true }).ino); } catch { /* raced away */ }
        const type = d.isFile() ? DT.REG : d.isDirectory() ? DT.DIR : d.isSymbolicLink() ? DT.LNK : d.isFIFO() ? DT.FIFO
          : d.isSocket() ? DT.SOCK : d.isCharacterDevice() ? DT.CHR : d.isBlockDevice() ? DT.BLK : DT.UNKNOWN;
        entries.push({ name: d.name, ino, type });
      }
      this.entries = entries;
    }
    return this.entries;
  }

  override isatty(): boolean {
    return tty.isatty(this.fd);
  }

  override truncate(len: number): void { host(() => fs.ftruncateSync(this.fd, len)); }
  override sync(): void { host(() => fs.fsyncSync(this.fd)); }
  override close(): void { if (this.owned) { try { fs.closeSync(this.fd); } catch { /* already gone */ } } }
}
