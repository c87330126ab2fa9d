// File attributes and durability: fchmod(at), fchown(at), utimensat, truncate, ftruncate,
// fsync, fdatasync, sync, syncfs, umask, fadvise64, fallocate, flock.
import { isMemoryFd } from '../../vfs/backend.js';
import { vfs as fs } from '../../vfs/backend.js';
import { lockKey, O, type OpenFile } from '../../vfs/file.js';
import { AT, AT_FDCWD, resolveAt } from './at.js';
import { syscall } from '../define.js';
import { E, SysError, host } from '../errno.js';
import { lockOrWait } from './fdops.js';
import { readPath, readString } from '../guest.js';
import type { Kernel } from '../kernel.js';
import { readTimespecRaw } from '../structs.js';

/** A host path that names the open file itself (works for pipes and deleted files too). */
function fdHostPath(f: OpenFile): string {
  const h = f.hostFd();
  if (h !== undefined && !isMemoryFd(h)) return `/proc/self/fd/${h}`;
  const p = f.hostPath();
  if (p === undefined) throw new SysError(E.EPERM);
  return p;
}

syscall('fchmod', 'fd:int mode:oct', (k, fd, mode) => {
  const f = k.fds.get(fd);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  const h = f.hostFd();
  if (h === undefined) throw new SysError(E.EPERM);
  host(() => fs.fchmodSync(h, mode & 0o7777));
  return 0;
});

syscall('fchmodat', 'dirfd:int path:str mode:oct', (k, dirfd, path, mode) => {
  host(() => fs.chmodSync(resolveAt(k, dirfd, readPath(k, path)).host, mode & 0o7777));
  return 0;
});

syscall('fchmodat2', 'dirfd:int path:str mode:oct flags:hex', (k, dirfd, path, mode, flags) => {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) throw new SysError(E.EINVAL);
  const p = readPath(k, path, (flags & AT.EMPTY_PATH) !== 0);
  const hp = p ? resolveAt(k, dirfd, p, (flags & AT.SYMLINK_NOFOLLOW) === 0).host : fdHostPath(k.fds.get(dirfd));
  if (flags & AT.SYMLINK_NOFOLLOW && host(() => fs.lstatSync(hp)).isSymbolicLink()) throw new SysError(E.EOPNOTSUPP);
  host(() => fs.chmodSync(hp, mode & 0o7777));
  return 0;
});

/** uid_t/gid_t -1 means "leave unchanged"; Node wants -1 too. */
const id = (v: number) => (v === 0xffffffff ? -1 : v);

syscall('fchown', 'fd:int uid:uint gid:uint', (k, fd, uid, gid) => {
  const f = k.fds.get(fd);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  const h = f.hostFd();
  if (h === undefined) throw new SysError(E.EPERM);
  host(() => fs.fchownSync(h, id(uid), id(gid)));
  return 0;
});

syscall('fchownat', 'dirfd:int path:str uid:uint gid:uint flags:hex', (k, dirfd, path, uid, gid, flags) => {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) throw new SysError(E.EINVAL);
  const p = readPath(k, path, (flags & AT.EMPTY_PATH) !== 0);
  const hp = p ? resolveAt(k, dirfd, p, (flags & AT.SYMLINK_NOFOLLOW) === 0).host : fdHostPath(k.fds.get(dirfd));
  host(() => (flags & AT.SYMLINK_NOFOLLOW ? fs.lchownSync(hp, id(uid), id(gid)) : fs.chownSync(hp, id(uid), id(gid))));
  return 0;
});

const UTIME_NOW = (1n << 30n) - 1n, UTIME_OMIT = (1n << 30n) - 2n;

syscall('utimensat', 'dirfd:int path:str times:ptr flags:hex', (k, dirfd, path, times, flags) => {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) throw new SysError(E.EINVAL);
  // [sec, nsec] for atime and mtime; nsec may be UTIME_NOW or UTIME_OMIT.
  let spec: [bigint, bigint][] = [[0n, UTIME_NOW], [0n, UTIME_NOW]];
  if (times) {
    spec = [readTimespecRaw(k.mem, times), readTimespecRaw(k.mem, times + 16)];
    for (const [, nsec] of spec) {
      if (nsec !== UTIME_NOW && nsec !== UTIME_OMIT && (nsec < 0n || nsec >= 1_000_000_000n)) throw new SysError(E.EINVAL);
    }
  }
  // A NULL path means dirfd itself (futimens); Linux takes no AT_EMPTY_PATH for that.
  let hp: string;
  if (path === 0) {
    if (dirfd === AT_FDCWD) throw new SysError(E.EFAULT);
    hp = fdHostPath(k.fds.get(dirfd));
  } else {
    const p = readPath(k, path, (flags & AT.EMPTY_PATH) !== 0);
    hp = p ? resolveAt(k, dirfd, p, (flags & AT.SYMLINK_NOFOLLOW) === 0).host : fdHostPath(k.fds.get(dirfd));
  }
  if (spec.every(([, nsec]) => nsec === UTIME_OMIT)) {
    host(() => fs.lstatSync(hp));
    return 0;
  }
  const nofollow = (flags & AT.SYMLINK_NOFOLLOW) !== 0;
  const old = host(() => (nofollow ? fs.lstatSync(hp, { bigint: true }) : fs.statSync(hp, { bigint: true })));
  const now = Date.now() / 1000;
  // Node takes seconds as a double: sub-microsecond precision is lost.
  const pick = ([sec, nsec]: [bigint, bigint], current: bigint) =>
    nsec === UTIME_NOW ? now : nsec === UTIME_OMIT ? Number(current) / 1e9 : Number(sec) + Number(nsec) / 1e9;
  const atime = pick(spec[0], old.atimeNs);
  const mtime = pick(spec[1], old.mtimeNs);
  host(() => (nofollow ? fs.lutimesSync(hp, atime, mtime) : fs.utimesSync(hp, atime, mtime)));
  return 0;
});

syscall('truncate', 'path:str length:long', (k, path, length) => {
  const hp = resolveAt(k, AT_FDCWD, readPath(k, path)).host;
  if (length < 0) throw new SysError(E.EINVAL);
  if (host(() => fs.statSync(hp)).isDirectory()) throw new SysError(E.EISDIR);
  host(() => fs.truncateSync(hp, length));
  return 0;
});

syscall('ftruncate', 'fd:int length:long', (k, fd, length) => {
  if (length < 0) throw new SysError(E.EINVAL);
  const f = k.fds.get(fd);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  if ((f.flags & O.ACCMODE) === O.RDONLY) throw new SysError(E.EINVAL);
  f.truncate(length);
  return 0;
});

syscall('fsync', 'fd:int', (k, fd) => { k.fds.get(fd).sync(false); return 0; });
syscall('fdatasync', 'fd:int', (k, fd) => { k.fds.get(fd).sync(true); return 0; });
syscall('sync', '', () => 0);
syscall('syncfs', 'fd:int', (k, fd) => { k.fds.get(fd); return 0; });

/** The guest's umask is the host process's: files tsemu creates for it get exactly its mode. */
// Only the thread owning the host process may set its umask (Node's rule): ask it if need be.
syscall('umask', 'mask:oct', (k, mask) => k.opts.host ? k.opts.host.umask(mask & 0o777) : process.umask(mask & 0o777));

syscall('fadvise64', 'fd:int offset:long len:long advice:int', (k, fd, _off, len, advice) => {
  const f = k.fds.get(fd);
  if (len < 0 || advice < 0 || advice > 5) throw new SysError(E.EINVAL);
  if (f.hostFd() !== undefined && !f.isatty()) {
    const t = f.stat().mode & 0o170000;
    if (t === 0o010000) throw new SysError(E.ESPIPE);
  }
  return 0;
});

const FALLOC = { KEEP_SIZE: 1, PUNCH_HOLE: 2, COLLAPSE_RANGE: 8, ZERO_RANGE: 0x10, INSERT_RANGE: 0x20 } as const;

syscall('fallocate', 'fd:int mode:int offset:long len:long', (k, fd, mode, offset, len) => {
  const f = k.fds.get(fd);
  if (offset < 0 || len <= 0) throw new SysError(E.EINVAL);
  const known = FALLOC.KEEP_SIZE | FALLOC.PUNCH_HOLE | FALLOC.COLLAPSE_RANGE | FALLOC.ZERO_RANGE | FALLOC.INSERT_RANGE;
  if (mode & ~known) throw new SysError(E.EOPNOTSUPP);
  // A hole can only be punched in place, and the range modes exclude each other.
  if ((mode & FALLOC.PUNCH_HOLE) && !(mode & FALLOC.KEEP_SIZE)) throw new SysError(E.EOPNOTSUPP);
  if ((mode & FALLOC.PUNCH_HOLE) && (mode & FALLOC.ZERO_RANGE)) throw new SysError(E.EINVAL);
  if ((f.flags & O.ACCMODE) === O.RDONLY || (f.flags & O.PATH)) throw new SysError(E.EBADF);
  const t = f.stat().mode & 0o170000;
  if (t === 0o040000) throw new SysError(E.EISDIR);
  if (t === 0o010000) throw new SysError(E.ESPIPE);
  if (t !== 0o100000) throw new SysError(E.ENODEV);
  // Moving the file's tail needs extent operations the host file cannot be asked for.
  if (mode & (FALLOC.COLLAPSE_RANGE | FALLOC.INSERT_RANGE)) throw new SysError(E.EOPNOTSUPP);
  const size = f.stat().size;
  if (mode & (FALLOC.PUNCH_HOLE | FALLOC.ZERO_RANGE)) {
    // The bytes read back as zeros afterwards (the host keeps them allocated).
    const end = mode & FALLOC.KEEP_SIZE ? Math.min(size, offset + len) : offset + len;
    const zeros = new Uint8Array(Math.min(1 << 20, Math.max(0, end - offset)));
    for (let at = offset; at < end; at += zeros.length) f.pwrite(zeros.subarray(0, Math.min(zeros.length, end - at)), at);
    return 0;
  }
  // Plain allocation: grow the file unless KEEP_SIZE (blocks are not reserved ahead on the host).
  if (!(mode & FALLOC.KEEP_SIZE) && offset + len > size) f.truncate(offset + len);
  return 0;
});

syscall('flock', 'fd:int op:int', (k: Kernel, fd, op) => {
  const f = k.fds.get(fd);
  const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
  const kind = op & ~LOCK_NB;
  if (kind !== LOCK_SH && kind !== LOCK_EX && kind !== LOCK_UN) throw new SysError(E.EINVAL);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  const key = lockKey(f) ?? `fd:${fd}`;
  lockOrWait(k, !(op & LOCK_NB), () => k.fds.locks.flock(key, f, kind === LOCK_SH ? 'sh' : kind === LOCK_EX ? 'ex' : 'un'));
  return 0;
});

// Extended attributes. Node has no xattr calls, so tsemu answers as Linux does for a file system
// without xattr support: after the usual checks of the path or descriptor and of the name,
// EOPNOTSUPP (cp -a, tar and ls treat that as "no attributes here").
const XATTR_NAME_MAX = 255, XATTR_CREATE = 1, XATTR_REPLACE = 2;

function xattrName(k: Kernel, addr: number): void {
  const name = readString(k, addr, XATTR_NAME_MAX + 1);
  if (Buffer.byteLength(name) > XATTR_NAME_MAX) throw new SysError(E.ERANGE);
  if (name === '') throw new SysError(E.ERANGE);
}

function xattrPath(k: Kernel, pathAddr: number, follow: boolean): void {
  const hp = resolveAt(k, AT_FDCWD, readPath(k, pathAddr), follow).host;
  host(() => (follow ? fs.statSync(hp) : fs.lstatSync(hp)));
}

for (const [prefix, follow] of [['', true], ['l', false]] as const) {
  syscall(`${prefix}setxattr`, 'path:str name:str value:ptr size:size flags:int', (k, p, name, _v, size, flags) => {
    if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) throw new SysError(E.EINVAL);
    xattrPath(k, p, follow);
    xattrName(k, name);
    if (size > 65536) throw new SysError(E.E2BIG);
    throw new SysError(E.EOPNOTSUPP);
  });
  syscall(`${prefix}getxattr`, 'path:str name:str value:ptr size:size', (k, p, name) => {
    xattrPath(k, p, follow);
    xattrName(k, name);
    throw new SysError(E.EOPNOTSUPP);
  });
  syscall(`${prefix}listxattr`, 'path:str list:ptr size:size', (k, p) => {
    xattrPath(k, p, follow);
    throw new SysError(E.EOPNOTSUPP);
  });
  syscall(`${prefix}removexattr`, 'path:str name:str', (k, p, name) => {
    xattrPath(k, p, follow);
    xattrName(k, name);
    throw new SysError(E.EOPNOTSUPP);
  });
}

syscall('fsetxattr', 'fd:int name:str value:ptr size:size flags:int', (k, fd, name, _v, size, flags) => {
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) throw new SysError(E.EINVAL);
  if (k.fds.get(fd).flags & O.PATH) throw new SysError(E.EBADF);
  xattrName(k, name);
  if (size > 65536) throw new SysError(E.E2BIG);
  throw new SysError(E.EOPNOTSUPP);
});
syscall('fgetxattr', 'fd:int name:str value:ptr size:size', (k, fd, name) => {
  if (k.fds.get(fd).flags & O.PATH) throw new SysError(E.EBADF);
  xattrName(k, name);
  throw new SysError(E.EOPNOTSUPP);
});
syscall('flistxattr', 'fd:int list:ptr size:size', (k, fd) => {
  if (k.fds.get(fd).flags & O.PATH) throw new SysError(E.EBADF);
  throw new SysError(E.EOPNOTSUPP);
});
syscall('fremovexattr', 'fd:int name:str', (k, fd, name) => {
  if (k.fds.get(fd).flags & O.PATH) throw new SysError(E.EBADF);
  xattrName(k, name);
  throw new SysError(E.EOPNOTSUPP);
});
