// File system calls: open/close/read/write, stat family, directories, paths.
import * as fs from 'node:fs';
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';
import { writeStat, writeStatx } from './structs.js';
import { HostFile, host, statOf } from '../vfs/host.js';
import type { OpenFile } from '../vfs/file.js';

export const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_NOCTTY = 0o400;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_NONBLOCK = 0o4000;
const O_DIRECTORY = 0o40000; // aarch64 value
const O_NOFOLLOW = 0o100000; // aarch64 value
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;

/** Guest absolute path for (dirfd, path) as the *at calls take them. */
export function guestPathAt(k: Kernel, dirfd: number, p: string): string {
  if (p.startsWith('/') || dirfd === AT_FDCWD) return k.paths.absolute(p);
  const dir = k.fds.get(dirfd);
  if (!p) return dir.path;
  return k.paths.absolute(p, dir.path);
}

/** Host path for (dirfd, path), special-casing /proc/self/exe. */
export function hostPathAt(k: Kernel, dirfd: number, p: string): string {
  const g = guestPathAt(k, dirfd, p);
  if (g === '/proc/self/exe' || g === `/proc/${k.pid}/exe`) return k.exePath;
  return k.paths.toHost(g);
}

function readPath(k: Kernel, addr: number): string {
  const b = k.mem.readCBytes(addr, 4096);
  if (b.length === 0) throw new SysError(E.ENOENT);
  return b.toString('utf8');
}

function hostOpenFlags(flags: number): number {
  const c = fs.constants;
  let f = flags & O_ACCMODE;
  if (flags & O_CREAT) f |= c.O_CREAT;
  if (flags & O_EXCL) f |= c.O_EXCL;
  if (flags & O_NOCTTY) f |= c.O_NOCTTY;
  if (flags & O_TRUNC) f |= c.O_TRUNC;
  if (flags & O_APPEND) f |= c.O_APPEND;
  if (flags & O_DIRECTORY) f |= c.O_DIRECTORY;
  if (flags & O_NOFOLLOW) f |= c.O_NOFOLLOW;
  return f;
}

export function openFile(k: Kernel, dirfd: number, p: string, flags: number, mode: number): OpenFile {
  const guest = guestPathAt(k, dirfd, p);
  const hp = hostPathAt(k, dirfd, p);
  if (flags & O_PATH) {
    const fd = host(() => fs.openSync(hp, fs.constants.O_RDONLY | (flags & O_DIRECTORY ? fs.constants.O_DIRECTORY : 0)));
    return new HostFile(fd, guest, flags, hp);
  }
  const fd = host(() => fs.openSync(hp, hostOpenFlags(flags), mode & ~k.umask & 0o7777));
  return new HostFile(fd, guest, flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY), hp);
}

syscall('openat', 'dirfd:int path:str flags:hex mode:oct', (k, dirfd, path, flags, mode) => {
  const f = openFile(k, dirfd, readPath(k, path), flags, mode);
  return k.fds.alloc(f, (flags & O_CLOEXEC) !== 0);
});

syscall('close', 'fd:int', (k, fd) => {
  k.fds.close(fd);
  return 0;
});

function readInto(f: OpenFile, buf: Uint8Array): number {
  return f instanceof HostFile ? f.readAtOffset(buf) : f.read(buf);
}
function writeFrom(f: OpenFile, buf: Uint8Array): number {
  return f instanceof HostFile ? f.writeAtOffset(buf) : f.write(buf);
}

function checkReadable(f: OpenFile): void {
  if ((f.flags & O_ACCMODE) === 1 || (f.flags & O_PATH)) throw new SysError(E.EBADF);
}
function checkWritable(f: OpenFile): void {
  if ((f.flags & O_ACCMODE) === 0 || (f.flags & O_PATH)) throw new SysError(E.EBADF);
}

syscall('read', 'fd:int buf:ptr count:size', (k, fd, buf, count) => {
  const f = k.fds.get(fd);
  checkReadable(f);
  const tmp = new Uint8Array(Math.min(count, 1 << 24));
  k.mem.writableView(buf, tmp.length);
  const n = readInto(f, tmp);
  k.mem.write(buf, tmp.subarray(0, n));
  return n;
});

syscall('write', 'fd:int buf:ptr count:size', (k, fd, buf, count) => {
  const f = k.fds.get(fd);
  checkWritable(f);
  return writeFrom(f, k.mem.read(buf, Math.min(count, 1 << 30)));
});

syscall('pread64', 'fd:int buf:ptr count:size pos:long', (k, fd, buf, count, pos) => {
  const f = k.fds.get(fd);
  checkReadable(f);
  if (pos < 0) throw new SysError(E.EINVAL);
  const tmp = new Uint8Array(Math.min(count, 1 << 24));
  k.mem.writableView(buf, tmp.length);
  const n = f.read(tmp, pos);
  k.mem.write(buf, tmp.subarray(0, n));
  return n;
});

syscall('pwrite64', 'fd:int buf:ptr count:size pos:long', (k, fd, buf, count, pos) => {
  const f = k.fds.get(fd);
  checkWritable(f);
  if (pos < 0) throw new SysError(E.EINVAL);
  return f.write(k.mem.read(buf, count), pos);
});

function iovecs(k: Kernel, iov: number, cnt: number): [number, number][] {
  if (cnt < 0 || cnt > 1024) throw new SysError(E.EINVAL);
  const out: [number, number][] = [];
  for (let i = 0; i < cnt; i++) out.push([k.mem.readU64n(iov + i * 16), k.mem.readU64n(iov + i * 16 + 8)]);
  return out;
}

syscall('readv', 'fd:int iov:ptr iovcnt:int', (k, fd, iov, cnt) => {
  const f = k.fds.get(fd);
  checkReadable(f);
  let total = 0;
  for (const [base, len] of iovecs(k, iov, cnt)) {
    if (len === 0) continue;
    const tmp = new Uint8Array(len);
    k.mem.writableView(base, len);
    const n = readInto(f, tmp);
    k.mem.write(base, tmp.subarray(0, n));
    total += n;
    if (n < len) break;
  }
  return total;
});

syscall('writev', 'fd:int iov:ptr iovcnt:int', (k, fd, iov, cnt) => {
  const f = k.fds.get(fd);
  checkWritable(f);
  const parts = iovecs(k, iov, cnt).map(([base, len]) => k.mem.read(base, len));
  return writeFrom(f, Buffer.concat(parts));
});

syscall('lseek', 'fd:int offset:long whence:int', (k, fd, off, whence) => k.fds.get(fd).seek(off, whence));

syscall('fstat', 'fd:int statbuf:ptr', (k, fd, buf) => {
  writeStat(k.mem, buf, k.fds.get(fd).stat());
  return 0;
});

function statAt(k: Kernel, dirfd: number, pathAddr: number, flags: number) {
  const p = k.mem.readCBytes(pathAddr, 4096).toString('utf8');
  if (!p) {
    if (!(flags & AT_EMPTY_PATH)) throw new SysError(E.ENOENT);
    if (dirfd === AT_FDCWD) return statOf(host(() => fs.statSync(k.paths.toHost('.'), { bigint: true })));
    return k.fds.get(dirfd).stat();
  }
  const hp = hostPathAt(k, dirfd, p);
  const st = flags & AT_SYMLINK_NOFOLLOW ? host(() => fs.lstatSync(hp, { bigint: true })) : host(() => fs.statSync(hp, { bigint: true }));
  return statOf(st);
}

syscall('newfstatat', 'dirfd:int path:str statbuf:ptr flags:hex', (k, dirfd, path, buf, flags) => {
  writeStat(k.mem, buf, statAt(k, dirfd, path, flags));
  return 0;
});

syscall('statx', 'dirfd:int path:str flags:hex mask:hex statxbuf:ptr', (k, dirfd, path, flags, _mask, buf) => {
  writeStatx(k.mem, buf, statAt(k, dirfd, path, flags));
  return 0;
});

syscall('getdents64', 'fd:int dirp:ptr count:size', (k, fd, dirp, count) => {
  const f = k.fds.get(fd);
  const entries = f.readdir();
  const out = Buffer.alloc(Math.min(count, 1 << 20));
  let used = 0;
  while (f.dirPos < entries.length) {
    const ent = entries[f.dirPos];
    const name = Buffer.from(ent.name, 'utf8');
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (used + reclen > out.length) {
      if (used === 0) throw new SysError(E.EINVAL);
      break;
    }
    out.writeBigUInt64LE(BigInt(ent.ino), used);
    out.writeBigInt64LE(BigInt(f.dirPos + 1), used + 8);
    out.writeUInt16LE(reclen, used + 16);
    out.writeUInt8(ent.type, used + 18);
    name.copy(out, used + 19);
    used += reclen;
    f.dirPos++;
  }
  k.mem.write(dirp, out.subarray(0, used));
  return used;
});

syscall('faccessat', 'dirfd:int path:str mode:oct', (k, dirfd, path, mode) => {
  host(() => fs.accessSync(hostPathAt(k, dirfd, readPath(k, path)), mode));
  return 0;
});

syscall('faccessat2', 'dirfd:int path:str mode:oct flags:hex', (k, dirfd, path, mode) => {
  host(() => fs.accessSync(hostPathAt(k, dirfd, readPath(k, path)), mode));
  return 0;
});

syscall('readlinkat', 'dirfd:int path:str buf:ptr size:size', (k, dirfd, path, buf, size) => {
  const g = guestPathAt(k, dirfd, readPath(k, path));
  let target: Buffer;
  if (g === '/proc/self/exe' || g === `/proc/${k.pid}/exe`) target = Buffer.from(k.exeGuestPath);
  else target = host(() => fs.readlinkSync(k.paths.toHost(g), { encoding: 'buffer' }));
  if ((size | 0) <= 0) throw new SysError(E.EINVAL);
  const n = Math.min(size, target.length);
  k.mem.write(buf, target.subarray(0, n));
  return n;
});

syscall('getcwd', 'buf:ptr size:size', (k, buf, size) => {
  const b = Buffer.from(k.paths.cwd + '\0');
  if (size < b.length) throw new SysError(E.ERANGE);
  k.mem.write(buf, b);
  return b.length;
});

syscall('chdir', 'path:str', (k, path) => {
  const g = k.paths.absolute(readPath(k, path));
  const st = host(() => fs.statSync(k.paths.toHost(g)));
  if (!st.isDirectory()) throw new SysError(E.ENOTDIR);
  k.paths.cwd = g;
  return 0;
});

syscall('fchdir', 'fd:int', (k, fd) => {
  const f = k.fds.get(fd);
  if ((f.stat().mode & 0o170000) !== 0o040000) throw new SysError(E.ENOTDIR);
  k.paths.cwd = f.path;
  return 0;
});

syscall('ioctl', 'fd:int request:hex arg:ptr', (k, fd, req, arg) => {
  const f = k.fds.get(fd);
  const TCGETS = 0x5401;
  const TIOCGWINSZ = 0x5413;
  if (req === TCGETS || req === TIOCGWINSZ) {
    if (!f.isatty()) throw new SysError(E.ENOTTY);
    if (req === TIOCGWINSZ) {
      const hfd = f.hostFd();
      const out = hfd === 1 ? process.stdout : hfd === 2 ? process.stderr : undefined;
      const rows = (out as any)?.rows ?? 24;
      const cols = (out as any)?.columns ?? 80;
      const b = Buffer.alloc(8);
      b.writeUInt16LE(rows, 0);
      b.writeUInt16LE(cols, 2);
      k.mem.write(arg, b);
      return 0;
    }
    // A plausible cooked-mode termios: c_iflag, c_oflag, c_cflag, c_lflag, c_line, c_cc[19].
    const b = Buffer.alloc(36);
    b.writeUInt32LE(0x500, 0); // ICRNL | IXON
    b.writeUInt32LE(0x5, 4); // OPOST | ONLCR
    b.writeUInt32LE(0xbf, 8); // B38400 | CS8 | CREAD
    b.writeUInt32LE(0x8a3b, 12); // ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
    Buffer.from([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0]).copy(b, 17);
    k.mem.write(arg, b);
    return 0;
  }
  throw new SysError(E.ENOTTY);
});

syscall('fcntl', 'fd:int cmd:int arg:ulong', (k, fd, cmd, arg) => {
  const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
  const e = k.fds.entry(fd);
  switch (cmd) {
    case F_DUPFD: return k.fds.dup(fd, arg);
    case F_DUPFD_CLOEXEC: return k.fds.dup(fd, arg, true);
    case F_GETFD: return e.cloexec ? 1 : 0;
    case F_SETFD: e.cloexec = (arg & 1) !== 0; return 0;
    case F_GETFL: return e.file.flags;
    case F_SETFL: e.file.flags = (e.file.flags & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK)); return 0;
    default: throw new SysError(E.EINVAL);
  }
});

syscall('dup', 'fd:int', (k, fd) => k.fds.dup(fd));

syscall('dup3', 'oldfd:int newfd:int flags:hex', (k, oldfd, newfd, flags) => {
  if (oldfd === newfd) throw new SysError(E.EINVAL);
  const f = k.fds.get(oldfd);
  if (newfd < 0 || newfd >= 1024) throw new SysError(E.EBADF);
  f.refs++;
  k.fds.set(newfd, f, (flags & O_CLOEXEC) !== 0);
  return newfd;
});

syscall('unlinkat', 'dirfd:int path:str flags:hex', (k, dirfd, path, flags) => {
  const hp = hostPathAt(k, dirfd, readPath(k, path));
  host(() => (flags & 0x200 ? fs.rmdirSync(hp) : fs.unlinkSync(hp)));
  return 0;
});

syscall('mkdirat', 'dirfd:int path:str mode:oct', (k, dirfd, path, mode) => {
  host(() => fs.mkdirSync(hostPathAt(k, dirfd, readPath(k, path)), mode & ~k.umask));
  return 0;
});

syscall('umask', 'mask:oct', (k, mask) => {
  const old = k.umask;
  k.umask = mask & 0o777;
  return old;
});
