// What a file descriptor refers to (an open file description, shared by dup'd descriptors),
// and the per-process descriptor table. Backends implement the operations they support; the
// defaults fail with the errno Linux gives for a file that lacks that operation.
import { E, SysError } from './errno.js';
import { Locks } from './shared-locks.js';

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

export const S_IFMT = 0o170000;
export const S_IFIFO = 0o010000, S_IFCHR = 0o020000, S_IFDIR = 0o040000, S_IFBLK = 0o060000;
export const S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFSOCK = 0o140000;

/** O_* bits as aarch64 defines them (O_DIRECTORY and O_NOFOLLOW differ from x86). */
export const O = {
  ACCMODE: 3, RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000,
  APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, ASYNC: 0o20000, DIRECTORY: 0o40000, NOFOLLOW: 0o100000,
  DIRECT: 0o200000, LARGEFILE: 0o400000, NOATIME: 0o1000000, CLOEXEC: 0o2000000, SYNC: 0o4010000,
  PATH: 0o10000000, TMPFILE: 0o20040000,
} as const;

export abstract class OpenFile {
  /** O_* status flags as F_GETFL reports them (access mode, O_APPEND, O_NONBLOCK, ...). */
  flags = 0;
  /** Guest path used to open it (for /proc/self/fd and readlink). */
  path = '';
  /** Descriptors referring to this open file description. */
  refs = 1;
  /** Directory read position: index into readdir(), which getdents64 reports as d_off. */
  dirPos = 0;
  /** What readlink(/proc/self/fd/N) shows when the host's answer would be wrong (memfd). */
  linkName?: string;
  /** memfd seals (F_GET_SEALS); undefined for files that cannot be sealed. */
  seals?: number;
  /** Name of this open file description in the lock log shared with forked processes
   *  (shared-locks.ts); given when first needed. */
  lockId?: string;

  /** Read at the file offset, advancing it. */
  read(_buf: Uint8Array): number { throw new SysError(E.EINVAL); }
  /** Write at the file offset (or the end, with O_APPEND), advancing it. */
  write(_buf: Uint8Array): number { throw new SysError(E.EINVAL); }
  /** Read at `pos` without moving the offset. */
  pread(_buf: Uint8Array, _pos: number): number { throw new SysError(E.ESPIPE); }
  pwrite(_buf: Uint8Array, _pos: number): number { throw new SysError(E.ESPIPE); }
  seek(_off: number, _whence: number): number { throw new SysError(E.ESPIPE); }
  stat(): StatInfo { throw new SysError(E.EINVAL); }
  readdir(): DirEntry[] { throw new SysError(E.ENOTDIR); }
  isatty(): boolean { return false; }
  truncate(_len: number): void { throw new SysError(E.EINVAL); }
  sync(_dataOnly: boolean): void { throw new SysError(E.EINVAL); }
  /** Host fd, if this file is backed by one (ioctl on terminals, fchmod, ...). */
  hostFd(): number | undefined { return undefined; }
  /** Host path, if the file has one (directory-relative *at calls, statfs). */
  hostPath(): string | undefined { return undefined; }
  close(): void {}
}

/** A file descriptor table entry: the open file plus the per-descriptor close-on-exec flag. */
export interface FdEntry {
  file: OpenFile;
  cloexec: boolean;
}

/** Identity of the file behind an open file (what record locks are keyed by), or null. */
export function lockKey(f: OpenFile): string | null {
  try {
    const st = f.stat();
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
}

export class FdTable {
  private fds = new Map<number, FdEntry>();
  /** RLIMIT_NOFILE soft limit: descriptors are numbered below it. */
  limit = 1024;
  /** Owner of this process's POSIX record locks. */
  readonly processOwner = {};
  /** fcntl and flock locks, shared with forked processes (shared-locks.ts). */
  readonly locks = new Locks(this.processOwner);

  get(fd: number): OpenFile {
    return this.entry(fd).file;
  }

  entry(fd: number): FdEntry {
    const e = this.fds.get(fd);
    if (!e) throw new SysError(E.EBADF);
    return e;
  }

  has(fd: number): boolean {
    return this.fds.has(fd);
  }

  /** Install `file` at the lowest free descriptor at or above `min` (EMFILE at the limit). */
  alloc(file: OpenFile, cloexec = false, min = 0): number {
    let fd = min;
    while (this.fds.has(fd)) fd++;
    if (fd >= this.limit) throw new SysError(E.EMFILE);
    this.fds.set(fd, { file, cloexec });
    return fd;
  }

  /** Install at exactly `fd`, closing what was there (dup2 semantics; the caller took a ref). */
  set(fd: number, file: OpenFile, cloexec = false): void {
    const old = this.fds.get(fd);
    this.fds.set(fd, { file, cloexec });
    if (old) this.drop(old.file);
  }

  close(fd: number): void {
    const e = this.fds.get(fd);
    if (!e) throw new SysError(E.EBADF);
    this.fds.delete(fd);
    this.drop(e.file);
  }

  /** One descriptor of `file` went away: closing any descriptor of a file drops the process's
   *  POSIX locks on it, and the last one of a description drops its OFD and flock locks. */
  private drop(file: OpenFile): void {
    const last = --file.refs === 0;
    this.locks.closed(file, last, () => lockKey(file));
    if (last) file.close();
  }

  /** A new descriptor for the same open file, the lowest free one at or above `min`. */
  dup(fd: number, min = 0, cloexec = false): number {
    const f = this.get(fd);
    if (min >= this.limit) throw new SysError(E.EINVAL);
    const nfd = this.alloc(f, cloexec, min);
    f.refs++;
    return nfd;
  }

  list(): number[] {
    return [...this.fds.keys()].sort((a, b) => a - b);
  }
}
