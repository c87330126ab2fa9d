// What a guest file descriptor refers to. Backends implement the operations they support;
// the rest fail with the errno Linux gives for that kind of file.
import { E, SysError } from '../syscalls/errno.js';

export interface StatInfo {
  dev: number; ino: number; mode: number; nlink: number; uid: number; gid: number; rdev: number;
  size: number; blksize: number; blocks: number;
  atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint; birthtimeNs?: bigint;
}

export interface DirEntry {
  name: string;
  ino: number;
  /** DT_* type */
  type: number;
}

export abstract class OpenFile {
  /** O_* status flags (O_APPEND, O_NONBLOCK, access mode) as the guest set them. */
  flags = 0;
  /** Guest path used to open it (for /proc/self/fd and error messages). */
  path = '';
  refs = 1;

  read(_buf: Uint8Array, _pos?: number): number { throw new SysError(E.EINVAL); }
  write(_buf: Uint8Array, _pos?: number): number { throw new SysError(E.EINVAL); }
  seek(_off: number, _whence: number): number { throw new SysError(E.ESPIPE); }
  stat(): StatInfo { throw new SysError(E.EINVAL); }
  readdir(): DirEntry[] { throw new SysError(E.ENOTDIR); }
  /** Directory read position (index into readdir()). */
  dirPos = 0;
  isatty(): boolean { return false; }
  truncate(_len: number): void { throw new SysError(E.EINVAL); }
  sync(): void {}
  /** Host fd, if this file is backed by one (for mmap of files, ioctl on terminals). */
  hostFd(): number | undefined { return undefined; }
  close(): void {}
}

/** A file descriptor table entry: the open file plus the per-descriptor close-on-exec flag. */
export interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

export class FdTable {
  private fds = new Map<number, FdEntry>();

  get(fd: number): OpenFile {
    const e = this.fds.get(fd);
    if (!e) throw new SysError(E.EBADF);
    return e.file;
  }

  entry(fd: number): FdEntry {
    const e = this.fds.get(fd);
    if (!e) throw new SysError(E.EBADF);
    return e;
  }

  has(fd: number): boolean {
    return this.fds.has(fd);
  }

  /** Lowest free descriptor at or above `min`. */
  alloc(file: OpenFile, cloexec = false, min = 0): number {
    let fd = min;
    while (this.fds.has(fd)) fd++;
    if (fd >= 1024) throw new SysError(E.EMFILE);
    this.fds.set(fd, { file, cloexec });
    return fd;
  }

  /** Install at exactly `fd`, closing what was there. */
  set(fd: number, file: OpenFile, cloexec = false): void {
    if (this.fds.has(fd)) this.close(fd);
    this.fds.set(fd, { file, cloexec });
  }

  close(fd: number): void {
    const e = this.fds.get(fd);
    if (!e) throw new SysError(E.EBADF);
    this.fds.delete(fd);
    if (--e.file.refs === 0) e.file.close();
  }

  dup(fd: number, min = 0, cloexec = false): number {
    const f = this.get(fd);
    f.refs++;
    return this.alloc(f, cloexec, min);
  }

  list(): number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }
}
