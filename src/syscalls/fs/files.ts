// Opening, closing, reading and writing files: openat, close, read, write, readv, writev,
// pread64, pwrite64, lseek, sendfile.
import { inMemory } from '../../vfs/backend.js';
import { vfs as fs } from '../../vfs/backend.js';
import { PERM_R, PERM_W } from '../../cpu/memory.js';
import { O, S_IFBLK, S_IFCHR, S_IFMT, type OpenFile } from '../../vfs/file.js';
import { HostFile } from '../../vfs/host.js';
import { SyntheticDir } from '../../vfs/syntheticdir.js';
import { resolveAt } from './at.js';
import { refuse } from '../confine.js';
import { syscall } from '../define.js';
import { E, SysError, host } from '../errno.js';
import { accessiblePrefix, MAX_RW_COUNT, readableSpan, readPath, userRange, writableSpan } from '../guest.js';
import type { Kernel } from '../kernel.js';
import { CommFile, openProcFile } from './proc.js';

/** Guest open flags → host open flags (O_DIRECTORY and O_NOFOLLOW differ between arches). */
function hostOpenFlags(flags: number): number {
  const c = fs.constants;
  let f = flags & O.ACCMODE;
  const pairs: [number, number | undefined][] = [
    [O.CREAT, c.O_CREAT], [O.EXCL, c.O_EXCL], [O.NOCTTY, c.O_NOCTTY], [O.TRUNC, c.O_TRUNC],
    [O.APPEND, c.O_APPEND], [O.NONBLOCK, c.O_NONBLOCK], [O.DIRECTORY, c.O_DIRECTORY],
    [O.NOFOLLOW, c.O_NOFOLLOW], [O.SYNC, c.O_SYNC], [O.DSYNC, c.O_DSYNC], [O.NOATIME, c.O_NOATIME],
  ];
  for (const [g, h] of pairs) if ((flags & g) === g && h !== undefined) f |= h;
  // __O_TMPFILE has the same value everywhere; its O_DIRECTORY half was mapped above.
  if ((flags & O.TMPFILE) === O.TMPFILE) f |= O.TMPFILE & ~O.DIRECTORY;
  // O_PATH has the same value on every Linux architecture; Node passes it through.
  if (flags & O.PATH) f = O.PATH | (flags & O.DIRECTORY ? c.O_DIRECTORY : 0) | (flags & O.NOFOLLOW ? c.O_NOFOLLOW : 0);
  return f;
}

/** The process umask (the guest's, see umask in attrs.ts). Read without an argument: a worker
 *  thread (where the guest runs under tsemu-user) may read the umask but not set it. */
export function processUmask(): number {
  return process.umask();
}

/** Open (dirfd, path) for the guest. */
export function openFile(k: Kernel, dirfd: number, p: string, flags: number, mode: number): OpenFile {
  const tmpBit = O.TMPFILE & ~O.DIRECTORY;
  if (flags & tmpBit) {
    // O_TMPFILE is __O_TMPFILE | O_DIRECTORY, without O_CREAT, opened for writing.
    if ((flags & (O.TMPFILE | O.CREAT)) !== O.TMPFILE) throw new SysError(E.EINVAL);
    if ((flags & O.ACCMODE) !== O.WRONLY && (flags & O.ACCMODE) !== O.RDWR) throw new SysError(E.EINVAL);
    // The in-memory file system has no unnamed files (as Linux file systems without it say).
    if (inMemory()) throw new SysError(E.EOPNOTSUPP);
  }
  // O_NOFOLLOW, and O_CREAT|O_EXCL (which never creates through a symlink), act on a final link itself.
  const follow = !(flags & O.NOFOLLOW) && (flags & (O.CREAT | O.EXCL)) !== (O.CREAT | O.EXCL);
  const { guest, host: hp } = resolveAt(k, dirfd, p, follow);
  // F_GETFL shows what open(2) keeps: not the creation flags, and O_LARGEFILE always on 64-bit.
  const kept = (flags & ~(O.CREAT | O.EXCL | O.NOCTTY | O.TRUNC | O.CLOEXEC)) | O.LARGEFILE;
  const proc = openProcFile(k, guest, kept);
  if (proc) {
    if ((flags & O.ACCMODE) !== O.RDONLY && proc instanceof SyntheticDir) throw new SysError(E.EISDIR);
    if (proc instanceof CommFile && (flags & O.ACCMODE) !== O.RDONLY) return proc; // a thread's name
    if ((flags & O.ACCMODE) !== O.RDONLY || (flags & (O.CREAT | O.TRUNC))) throw new SysError(E.EACCES);
    return proc;
  }
  if ((flags & O.ACCMODE) === 3 && !(flags & O.PATH)) throw new SysError(E.EINVAL);
  // The host's umask is the guest's (see umask), so the mode is passed as the guest gave it.
  // The host applies the umask itself; memfs does not.
  const umask = inMemory() && (flags & O.CREAT) ? processUmask() : 0;
  const insideRoot = !!k.paths.root && hp.startsWith(k.paths.root + '/');
  if (insideRoot) refuseDevice(k, guest, statOrNothing(hp)); // (the open then fails as it fails)
  const fd = host(() => fs.openSync(hp, hostOpenFlags(flags), mode & 0o7777 & ~umask));
  try {
    if (insideRoot) refuseDevice(k, guest, fs.fstatSync(fd)); // swapped in since the stat
    return new HostFile(fd, guest, kept, hp);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/**
 * A device node found inside a confined root (an extracted image's /dev/sda, say) would be the
 * host's device: it is refused with EACCES, as on a file system mounted nodev. The host devices
 * a confined guest has (/dev/null, tty...) are not inside the root.
 */
function statOrNothing(hp: string): { mode: number } | undefined {
  try { return fs.statSync(hp); } catch { return undefined; }
}

function refuseDevice(k: Kernel, guest: string, st: { mode: number } | undefined): void {
  const type = (st?.mode ?? 0) & S_IFMT;
  if (type === S_IFCHR || type === S_IFBLK) refuse(k, E.EACCES, `open of device node ${guest} inside the root`, null);
}

syscall('openat', 'dirfd:int path:str flags:hex mode:oct', (k, dirfd, path, flags, mode) => {
  const f = openFile(k, dirfd, readPath(k, path), flags, mode);
  try {
    return k.fds.alloc(f, (flags & O.CLOEXEC) !== 0);
  } catch (err) {
    f.close();
    throw err;
  }
});

syscall('close', 'fd:int', (k, fd) => {
  k.fds.close(fd);
  return 0;
});

export function checkReadable(f: OpenFile): void {
  if ((f.flags & O.ACCMODE) === O.WRONLY || (f.flags & O.PATH)) throw new SysError(E.EBADF);
}
export function checkWritable(f: OpenFile): void {
  if ((f.flags & O.ACCMODE) === O.RDONLY || (f.flags & O.PATH)) throw new SysError(E.EBADF);
}

/** Write to a file, turning EPIPE into SIGPIPE as Linux does. */
function writeOrSigpipe(k: Kernel, write: () => number): number {
  try {
    return write();
  } catch (err) {
    if (err instanceof SysError && err.errno === E.EPIPE) k.brokenPipe();
    throw err;
  }
}

// Reads go straight into guest memory (views of the shared memory), limited to the accessible
// prefix of the buffer: Linux returns a short count when a buffer runs into a bad page and
// EFAULT only when nothing could be transferred.
syscall('read', 'fd:int buf:ptr count:size', (k, fd, buf, count) => {
  const f = k.fds.get(fd);
  checkReadable(f);
  const n = writableSpan(k, buf, count);
  return f.read(k.mem.writableView(buf, n));
});

syscall('write', 'fd:int buf:ptr count:size', (k, fd, buf, count) => {
  const f = k.fds.get(fd);
  checkWritable(f);
  const n = readableSpan(k, buf, count);
  return writeOrSigpipe(k, () => f.write(k.mem.view(buf, n)));
});

syscall('pread64', 'fd:int buf:ptr count:size pos:long', (k, fd, buf, count, pos) => {
  if (pos < 0) throw new SysError(E.EINVAL);
  const f = k.fds.get(fd);
  checkReadable(f);
  const n = writableSpan(k, buf, count);
  return f.pread(k.mem.writableView(buf, n), pos);
});

syscall('pwrite64', 'fd:int buf:ptr count:size pos:long', (k, fd, buf, count, pos) => {
  if (pos < 0) throw new SysError(E.EINVAL);
  const f = k.fds.get(fd);
  checkWritable(f);
  const n = readableSpan(k, buf, count);
  return writeOrSigpipe(k, () => f.pwrite(k.mem.view(buf, n), pos));
});

const UIO_MAXIOV = 1024;

/**
 * The iovec array as (base, len) pairs cut to the accessible prefix of the whole sequence:
 * like read/write, the transfer stops at the first bad byte, and EFAULT only if none is good.
 */
function iovecs(k: Kernel, iov: number, cnt: number, need: number): [number, number][] {
  if (cnt < 0 || cnt > UIO_MAXIOV) throw new SysError(E.EINVAL);
  const raw: [number, number][] = [];
  for (let i = 0; i < cnt; i++) {
    const base = Number(k.mem.readU64(iov + i * 16));
    const len = k.mem.readU64(iov + i * 16 + 8);
    if (len > 0x7fffffffffffffffn) throw new SysError(E.EINVAL);
    userRange(base, Number(len));
    raw.push([base, Number(len)]);
  }
  const out: [number, number][] = [];
  let left = MAX_RW_COUNT;
  for (const [base, len] of raw) {
    if (len === 0) continue;
    const want = Math.min(len, left);
    const ok = accessiblePrefix(k, base, want, need);
    if (ok > 0) out.push([base, ok]);
    left -= ok;
    if (ok < want || left === 0) break;
  }
  if (out.length === 0 && raw.some(([, len]) => len > 0)) throw new SysError(E.EFAULT);
  return out;
}

/** Read into an iovec array: one read (a pipe or terminal must not block again between parts),
 *  at `pos` or, with pos -1, at the file offset. */
function readInto(k: Kernel, f: OpenFile, iov: number, cnt: number, pos: number): number {
  checkReadable(f);
  const parts = iovecs(k, iov, cnt, PERM_W);
  const tmp = new Uint8Array(parts.reduce((s, [, len]) => s + len, 0));
  const n = pos < 0 ? f.read(tmp) : f.pread(tmp, pos);
  let at = 0;
  for (const [base, len] of parts) {
    if (at >= n) break;
    const take = Math.min(len, n - at);
    k.mem.write(base, tmp.subarray(at, at + take));
    at += take;
  }
  return n;
}

/** Write an iovec array as one write, at `pos` or, with pos -1, at the file offset. */
function writeFrom(k: Kernel, f: OpenFile, iov: number, cnt: number, pos: number): number {
  checkWritable(f);
  const parts = iovecs(k, iov, cnt, PERM_R).map(([base, len]) => k.mem.view(base, len));
  const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  return writeOrSigpipe(k, () => (pos < 0 ? f.write(data) : f.pwrite(data, pos)));
}

syscall('readv', 'fd:int iov:ptr iovcnt:int', (k, fd, iov, cnt) => readInto(k, k.fds.get(fd), iov, cnt, -1));
syscall('writev', 'fd:int iov:ptr iovcnt:int', (k, fd, iov, cnt) => writeFrom(k, k.fds.get(fd), iov, cnt, -1));

// On a 64-bit architecture pos_l holds the whole offset and pos_h is unused.
syscall('preadv', 'fd:int iov:ptr iovcnt:int pos:long', (k, fd, iov, cnt, pos) => {
  if (pos < 0) throw new SysError(E.EINVAL);
  return readInto(k, k.fds.get(fd), iov, cnt, pos);
});
syscall('pwritev', 'fd:int iov:ptr iovcnt:int pos:long', (k, fd, iov, cnt, pos) => {
  if (pos < 0) throw new SysError(E.EINVAL);
  return writeFrom(k, k.fds.get(fd), iov, cnt, pos);
});

/** RWF_* flags of preadv2/pwritev2: HIPRI, DSYNC, SYNC, NOWAIT, APPEND, NOAPPEND. */
const RWF = { HIPRI: 1, DSYNC: 2, SYNC: 4, NOWAIT: 8, APPEND: 0x10, NOAPPEND: 0x20 } as const;
const RWF_ALL = 0x3f;

// preadv2/pwritev2: offset -1 means the file offset. The hints (HIPRI, DSYNC, SYNC) change
// nothing visible; NOWAIT is refused as on a file that cannot promise not to block.
syscall('preadv2', 'fd:int iov:ptr iovcnt:int pos:long pos_h:long flags:hex', (k, fd, iov, cnt, pos, _h, flags) => {
  if (flags & ~RWF_ALL || pos < -1) throw new SysError(E.EINVAL);
  const f = k.fds.get(fd);
  if (flags & RWF.NOWAIT) throw new SysError(E.EOPNOTSUPP);
  return readInto(k, f, iov, cnt, pos);
});
syscall('pwritev2', 'fd:int iov:ptr iovcnt:int pos:long pos_h:long flags:hex', (k, fd, iov, cnt, pos, _h, flags) => {
  if (flags & ~RWF_ALL || pos < -1) throw new SysError(E.EINVAL);
  if ((flags & RWF.APPEND) && (flags & RWF.NOAPPEND)) throw new SysError(E.EINVAL);
  const f = k.fds.get(fd);
  if (flags & RWF.NOWAIT) throw new SysError(E.EOPNOTSUPP);
  // RWF_APPEND writes at the end whatever the offset says.
  const at = flags & RWF.APPEND ? f.stat().size : pos;
  const n = writeFrom(k, f, iov, cnt, at);
  if ((flags & (RWF.SYNC | RWF.DSYNC)) && n > 0) f.sync((flags & RWF.SYNC) === 0);
  return n;
});

syscall('sync_file_range', 'fd:int offset:long nbytes:long flags:uint', (k, fd, off, n, flags) => {
  if (flags & ~7 || off < 0 || n < 0) throw new SysError(E.EINVAL);
  const f = k.fds.get(fd);
  const t = f.stat().mode & 0o170000;
  if (t !== 0o100000 && t !== 0o060000 && t !== 0o040000 && t !== 0o120000) throw new SysError(E.ESPIPE);
  if (flags & 2) f.sync(true); // SYNC_FILE_RANGE_WRITE: the whole file's data, a superset
  return 0;
});

syscall('readahead', 'fd:int offset:long count:size', (k, fd) => {
  const f = k.fds.get(fd);
  if ((f.flags & O.ACCMODE) === O.WRONLY || (f.flags & O.PATH)) throw new SysError(E.EBADF);
  if ((f.stat().mode & 0o170000) !== 0o100000) throw new SysError(E.EINVAL);
  return 0; // a hint: the host page cache does its own read-ahead
});

syscall('lseek', 'fd:int offset:long whence:int', (k, fd, off, whence) => k.fds.get(fd).seek(off, whence));

// sendfile(out, in, offset*, count): busybox cat and others copy with it.
syscall('sendfile', 'out_fd:int in_fd:int offset:ptr count:size', (k, outFd, inFd, offp, count) => {
  const inf = k.fds.get(inFd);
  const outf = k.fds.get(outFd);
  checkReadable(inf);
  checkWritable(outf);
  if (outf.flags & O.APPEND) throw new SysError(E.EINVAL);
  let pos = -1;
  if (offp) {
    k.mem.check(offp, 8, PERM_W);
    pos = Number(BigInt.asIntN(64, k.mem.readU64(offp)));
    if (pos < 0) throw new SysError(E.EINVAL);
  }
  const tmp = new Uint8Array(Math.min(count, 1 << 20));
  const n = pos >= 0 ? inf.pread(tmp, pos) : inf.read(tmp);
  const written = n > 0 ? writeOrSigpipe(k, () => outf.write(tmp.subarray(0, n))) : 0;
  if (pos >= 0) k.mem.writeU64(offp, pos + written);
  return written;
});
