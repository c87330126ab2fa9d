// File status and names: fstat, newfstatat, statx, statfs, fstatfs, faccessat(2), readlinkat.
import { inMemory, isMemoryFd } from '../../vfs/backend.js';
import type * as nodeFs from 'node:fs';
import { vfs as fs } from '../../vfs/backend.js';
import type { StatInfo } from '../../vfs/file.js';
import { statOf } from '../../vfs/host.js';
import { AT, AT_FDCWD, resolveAt } from './at.js';
import { syscall } from '../define.js';
import { E, SysError, host } from '../errno.js';
import { readPath } from '../guest.js';
import type { Kernel } from '../kernel.js';
import { procLink } from './proc.js';
import { writeStat, writeStatfs, writeStatx } from '../structs.js';

/** Status of (dirfd, path) with AT_* flags; an empty path means dirfd itself (AT_EMPTY_PATH). */
function statAt(k: Kernel, dirfd: number, pathAddr: number, flags: number, nullPathOk = false): StatInfo {
  // statx accepts a NULL path with AT_EMPTY_PATH (Linux 6.11); otherwise NULL is EFAULT.
  const p = nullPathOk && pathAddr === 0 && (flags & AT.EMPTY_PATH) ? '' : readPath(k, pathAddr, true);
  if (!p) {
    if (!(flags & AT.EMPTY_PATH)) throw new SysError(E.ENOENT);
    if (dirfd === AT_FDCWD) return statOf(host(() => fs.statSync(k.paths.toHost(k.paths.cwd), { bigint: true })));
    return k.fds.get(dirfd).stat();
  }
  const { host: hp } = resolveAt(k, dirfd, p, (flags & AT.SYMLINK_NOFOLLOW) === 0);
  const opts = { bigint: true } as const;
  const st = statOf(host(() => (flags & AT.SYMLINK_NOFOLLOW ? fs.lstatSync(hp, opts) : fs.statSync(hp, opts))));
  // A symlink's size is the length of its target (memfs reports 0).
  if (inMemory() && (st.mode & 0o170000) === 0o120000) st.size = host(() => fs.readlinkSync(hp, { encoding: 'buffer' })).length;
  return st;
}

syscall('fstat', 'fd:int statbuf:ptr', (k, fd, buf) => {
  writeStat(k.mem, buf, k.fds.get(fd).stat());
  return 0;
});

syscall('newfstatat', 'dirfd:int path:str statbuf:ptr flags:hex', (k, dirfd, path, buf, flags) => {
  if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.NO_AUTOMOUNT | AT.EMPTY_PATH)) throw new SysError(E.EINVAL);
  writeStat(k.mem, buf, statAt(k, dirfd, path, flags));
  return 0;
});

syscall('statx', 'dirfd:int path:str flags:hex mask:hex statxbuf:ptr', (k, dirfd, path, flags, mask, buf) => {
  const valid = AT.SYMLINK_NOFOLLOW | AT.NO_AUTOMOUNT | AT.EMPTY_PATH | AT.STATX_SYNC_TYPE;
  if (flags & ~valid || (flags & AT.STATX_SYNC_TYPE) === AT.STATX_SYNC_TYPE) throw new SysError(E.EINVAL);
  if (mask & 0x80000000) throw new SysError(E.EINVAL); // STATX__RESERVED
  writeStatx(k.mem, buf, statAt(k, dirfd, path, flags, true));
  return 0;
});

syscall('statfs', 'path:str buf:ptr', (k, path, buf) => {
  const { host: hp } = resolveAt(k, AT_FDCWD, readPath(k, path));
  writeStatfs(k.mem, buf, host(() => fs.statfsSync(hp, { bigint: true })));
  return 0;
});

syscall('fstatfs', 'fd:int buf:ptr', (k, fd, buf) => {
  const f = k.fds.get(fd);
  const h = f.hostFd();
  const where = h !== undefined && !isMemoryFd(h) ? `/proc/self/fd/${h}` : f.hostPath();
  if (where === undefined) {
    // The kernel's own files (/proc/self/maps, /proc/self/fd, ...) live on procfs.
    const PROC_SUPER_MAGIC = 0x9fa0n;
    writeStatfs(k.mem, buf, { type: PROC_SUPER_MAGIC, bsize: 4096n, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n } as nodeFs.BigIntStatsFs);
    return 0;
  }
  writeStatfs(k.mem, buf, host(() => fs.statfsSync(where, { bigint: true })));
  return 0;
});

function access(k: Kernel, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if (mode & ~7) throw new SysError(E.EINVAL);
  const p = readPath(k, pathAddr, (flags & AT.EMPTY_PATH) !== 0);
  let hp: string;
  if (!p) {
    const f = dirfd === AT_FDCWD ? undefined : k.fds.get(dirfd);
    const h = f?.hostFd();
    hp = f === undefined ? k.paths.toHost(k.paths.cwd) : h !== undefined && !isMemoryFd(h) ? `/proc/self/fd/${h}` : f.hostPath() ?? '';
  } else {
    hp = resolveAt(k, dirfd, p, (flags & AT.SYMLINK_NOFOLLOW) === 0).host;
  }
  if (flags & AT.SYMLINK_NOFOLLOW) {
    // access(2) always follows; for a symlink itself only existence can be checked.
    const st = host(() => fs.lstatSync(hp));
    if (st.isSymbolicLink()) return 0;
  }
  host(() => fs.accessSync(hp, mode));
  return 0;
}

syscall('faccessat', 'dirfd:int path:str mode:oct', (k, dirfd, path, mode) => access(k, dirfd, path, mode, 0));

syscall('faccessat2', 'dirfd:int path:str mode:oct flags:hex', (k, dirfd, path, mode, flags) => {
  if (flags & ~(AT.EACCESS | AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) throw new SysError(E.EINVAL);
  return access(k, dirfd, path, mode, flags);
});

syscall('readlinkat', 'dirfd:int path:str buf:ptr size:int', (k, dirfd, path, buf, size) => {
  if (size <= 0) throw new SysError(E.EINVAL);
  const { guest, host: hp } = resolveAt(k, dirfd, readPath(k, path), false);
  const link = procLink(k, guest);
  const target = link !== null ? Buffer.from(link) : host(() => fs.readlinkSync(hp, { encoding: 'buffer' }));
  const n = Math.min(size, target.length);
  if (n > 0) k.mem.write(buf, target.subarray(0, n));
  return n;
});
