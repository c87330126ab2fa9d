// Directories and names: getdents64, getcwd, chdir, fchdir, mkdirat, unlinkat, renameat(2),
// symlinkat, linkat.
import * as fs from 'node:fs';
import { O, S_IFDIR, S_IFMT } from '../vfs/file.js';
import { AT, AT_FDCWD, resolveAt } from './at.js';
import { syscall } from './define.js';
import { E, SysError, host } from './errno.js';
import { readPath, userRange, accessiblePrefix } from './guest.js';
import { PERM_W } from '../cpu/memory.js';

syscall('getdents64', 'fd:int dirp:ptr count:uint', (k, fd, dirp, count) => {
  const f = k.fds.get(fd);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  const entries = f.readdir();
  userRange(dirp, count);
  const room = accessiblePrefix(k, dirp, Math.min(count, 1 << 20), PERM_W);
  const out = Buffer.alloc(room);
  let used = 0;
  while (f.dirPos < entries.length) {
    const ent = entries[f.dirPos];
    const name = Buffer.from(ent.name, 'utf8');
    // struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name[], 8-aligned
    const reclen = (19 + name.length + 1 + 7) & ~7;
    if (used + reclen > out.length) {
      if (used === 0) throw new SysError(room < Math.min(count, 1 << 20) ? E.EFAULT : E.EINVAL);
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
  if (used > 0) k.mem.write(dirp, out.subarray(0, used));
  return used;
});

syscall('getcwd', 'buf:ptr size:size', (k, buf, size) => {
  const b = Buffer.from(k.paths.cwd + '\0');
  if (size < b.length) throw new SysError(E.ERANGE);
  k.mem.write(buf, b);
  return b.length;
});

syscall('chdir', 'path:str', (k, path) => {
  const { guest, host: hp } = resolveAt(k, AT_FDCWD, readPath(k, path));
  const st = host(() => fs.statSync(hp));
  if (!st.isDirectory()) throw new SysError(E.ENOTDIR);
  host(() => fs.accessSync(hp, fs.constants.X_OK));
  k.paths.cwd = guest;
  return 0;
});

syscall('fchdir', 'fd:int', (k, fd) => {
  const f = k.fds.get(fd);
  if ((f.stat().mode & S_IFMT) !== S_IFDIR) throw new SysError(E.ENOTDIR);
  k.paths.cwd = f.path;
  return 0;
});

syscall('mkdirat', 'dirfd:int path:str mode:oct', (k, dirfd, path, mode) => {
  const { host: hp } = resolveAt(k, dirfd, readPath(k, path));
  host(() => fs.mkdirSync(hp, mode & 0o7777));
  return 0;
});

syscall('unlinkat', 'dirfd:int path:str flags:hex', (k, dirfd, path, flags) => {
  if (flags & ~AT.REMOVEDIR) throw new SysError(E.EINVAL);
  const { host: hp } = resolveAt(k, dirfd, readPath(k, path));
  host(() => (flags & AT.REMOVEDIR ? fs.rmdirSync(hp) : fs.unlinkSync(hp)));
  return 0;
});

const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

function rename(k: Parameters<typeof resolveAt>[0], olddir: number, oldp: number, newdir: number, newp: number,
  flags: number): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new SysError(E.EINVAL);
  if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))) throw new SysError(E.EINVAL);
  const from = resolveAt(k, olddir, readPath(k, oldp)).host;
  const to = resolveAt(k, newdir, readPath(k, newp)).host;
  // Node has only rename(2): exchange and whiteout are refused as on a filesystem lacking them.
  if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new SysError(E.EINVAL);
  if (flags & RENAME_NOREPLACE) {
    host(() => fs.lstatSync(from));
    let exists = true;
    try { fs.lstatSync(to); } catch { exists = false; }
    if (exists) throw new SysError(E.EEXIST);
  }
  host(() => fs.renameSync(from, to));
  return 0;
}

syscall('renameat', 'olddirfd:int oldpath:str newdirfd:int newpath:str',
  (k, od, op, nd, np) => rename(k, od, op, nd, np, 0));
syscall('renameat2', 'olddirfd:int oldpath:str newdirfd:int newpath:str flags:hex',
  (k, od, op, nd, np, flags) => rename(k, od, op, nd, np, flags));

syscall('symlinkat', 'target:str newdirfd:int linkpath:str', (k, target, dirfd, linkpath) => {
  const t = readPath(k, target);
  const { host: hp } = resolveAt(k, dirfd, readPath(k, linkpath));
  // The target is stored as given: it is interpreted in the guest's view when followed.
  host(() => fs.symlinkSync(t, hp));
  return 0;
});

syscall('linkat', 'olddirfd:int oldpath:str newdirfd:int newpath:str flags:hex', (k, od, op, nd, np, flags) => {
  if (flags & ~(AT.SYMLINK_FOLLOW | AT.EMPTY_PATH)) throw new SysError(E.EINVAL);
  let from = resolveAt(k, od, readPath(k, op)).host;
  const to = resolveAt(k, nd, readPath(k, np)).host;
  if (flags & AT.SYMLINK_FOLLOW) from = host(() => fs.realpathSync(from));
  host(() => fs.linkSync(from, to));
  return 0;
});
