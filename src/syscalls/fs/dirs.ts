// Directories and names: getdents64, getcwd, chdir, fchdir, mkdirat, unlinkat, renameat(2),
// symlinkat, linkat.
import { inMemory } from '../../vfs/backend.js';
import { vfs as fs } from '../../vfs/backend.js';
import { execFileSync } from 'node:child_process';
import { dirname, posix } from 'node:path';
import { O, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, S_IFSOCK } from '../../vfs/file.js';
import { AT, AT_FDCWD, confinedProcEntry, procSelfPart, resolveAt } from './at.js';
import { refuse } from '../confine.js';
import { syscall } from '../define.js';
import { processUmask } from './files.js';
import { E, SysError, host } from '../errno.js';
import { readPath, userRange, accessiblePrefix } from '../guest.js';
import { PERM_W } from '../../cpu/memory.js';

syscall('getdents64', 'fd:int dirp:ptr count:uint', (k, fd, dirp, count) => {
  const f = k.fds.get(fd);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  let entries = f.readdir();
  // A confined guest's /proc lists what it can open there: no other process (at.ts).
  if (k.paths.root !== null && f.path === '/proc') entries = entries.filter((e) => confinedProcEntry(k, e.name));
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
  // Linux's cwd is a directory, not a name: getcwd shows its path without symlinks.
  try { k.paths.cwd = k.paths.realGuest(hp); } catch { k.paths.cwd = guest; }
  return 0;
});

syscall('fchdir', 'fd:int', (k, fd) => {
  const f = k.fds.get(fd);
  if ((f.stat().mode & S_IFMT) !== S_IFDIR) throw new SysError(E.ENOTDIR);
  const hp = f.hostPath();
  let cwd = f.path;
  if (hp !== undefined) { try { cwd = k.paths.realGuest(hp); } catch { /* keep the name it was opened by */ } }
  k.paths.cwd = cwd;
  return 0;
});

syscall('mkdirat', 'dirfd:int path:str mode:oct', (k, dirfd, path, mode) => {
  const { host: hp } = resolveAt(k, dirfd, readPath(k, path), false);
  // The host applies the umask itself; memfs does not.
  host(() => fs.mkdirSync(hp, mode & 0o7777 & (inMemory() ? ~processUmask() : 0o7777)));
  return 0;
});

syscall('unlinkat', 'dirfd:int path:str flags:hex', (k, dirfd, path, flags) => {
  if (flags & ~AT.REMOVEDIR) throw new SysError(E.EINVAL);
  const { host: hp } = resolveAt(k, dirfd, readPath(k, path), false);
  if (inMemory()) {
    // memfs does not tell these apart the way Linux does.
    const st = host(() => fs.lstatSync(hp));
    if (!(flags & AT.REMOVEDIR) && st.isDirectory()) throw new SysError(E.EISDIR);
    if ((flags & AT.REMOVEDIR) && !st.isDirectory()) throw new SysError(E.ENOTDIR);
  }
  host(() => (flags & AT.REMOVEDIR ? fs.rmdirSync(hp) : fs.unlinkSync(hp)));
  return 0;
});

const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

function rename(k: Parameters<typeof resolveAt>[0], olddir: number, oldp: number, newdir: number, newp: number,
  flags: number): number {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new SysError(E.EINVAL);
  if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))) throw new SysError(E.EINVAL);
  const from = resolveAt(k, olddir, readPath(k, oldp), false).host;
  const to = resolveAt(k, newdir, readPath(k, newp), false).host;
  // Node has only rename(2): exchange and whiteout are refused as on a filesystem lacking them.
  if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new SysError(E.EINVAL);
  if (flags & RENAME_NOREPLACE) {
    host(() => fs.lstatSync(from));
    let exists = true;
    try { fs.lstatSync(to); } catch { exists = false; }
    if (exists) throw new SysError(E.EEXIST);
  }
  if (inMemory()) memoryRenameChecks(from, to);
  else host(() => fs.renameSync(from, to));
  return 0;
}

/** rename(2)'s rules, which memfs does not apply itself, then the rename. */
function memoryRenameChecks(from: string, to: string): void {
  const src = host(() => fs.lstatSync(from));
  let dst: ReturnType<typeof fs.lstatSync> | undefined;
  try { dst = fs.lstatSync(to); } catch { dst = undefined; }
  if (dst) {
    if (dst.ino === src.ino && dst.dev === src.dev) return; // two names of one file: nothing happens
    if (src.isDirectory() && !dst.isDirectory()) throw new SysError(E.ENOTDIR);
    if (!src.isDirectory() && dst.isDirectory()) throw new SysError(E.EISDIR);
    if (dst.isDirectory() && fs.readdirSync(to).length > 0) throw new SysError(E.ENOTEMPTY);
  }
  const a = posix.normalize(from), b = posix.normalize(to);
  if (src.isDirectory() && b.startsWith(a + '/')) throw new SysError(E.EINVAL);
  if (dst) host(() => (dst!.isDirectory() ? fs.rmdirSync(to) : fs.unlinkSync(to)));
  host(() => fs.renameSync(from, to));
}

syscall('renameat', 'olddirfd:int oldpath:str newdirfd:int newpath:str',
  (k, od, op, nd, np) => rename(k, od, op, nd, np, 0));
syscall('renameat2', 'olddirfd:int oldpath:str newdirfd:int newpath:str flags:hex',
  (k, od, op, nd, np, flags) => rename(k, od, op, nd, np, flags));

syscall('symlinkat', 'target:str newdirfd:int linkpath:str', (k, target, dirfd, linkpath) => {
  const t = readPath(k, target);
  const { host: hp } = resolveAt(k, dirfd, readPath(k, linkpath), false);
  // The target is stored as given: it is interpreted in the guest's view when followed.
  host(() => fs.symlinkSync(t, hp));
  return 0;
});

/** errno from a failed coreutils command's message (they print strerror text). */
function errnoFromMessage(text: string): number {
  const known: [string, number][] = [
    ['File exists', E.EEXIST], ['No such file', E.ENOENT], ['Permission denied', E.EACCES],
    ['Operation not permitted', E.EPERM], ['cross-device', E.EXDEV], ['Not a directory', E.ENOTDIR],
    ['Too many levels', E.ELOOP], ['No space', E.ENOSPC], ['Read-only', E.EROFS], ['Too many links', E.EMLINK],
  ];
  return known.find(([m]) => text.includes(m))?.[1] ?? E.EIO;
}

/**
 * linkat(AT_SYMLINK_FOLLOW) on a descriptor's /proc/self/fd link: this is how an O_TMPFILE
 * file gets its name. Node has link(2) only, which cannot follow that magic link, so GNU ln -L
 * (linkat with AT_SYMLINK_FOLLOW) does it, handed the descriptor as its fd 3.
 */
function linkDescriptor(hostFd: number, to: string): void {
  if (inMemory()) throw new SysError(E.ENOENT); // nothing in memory is unnamed
  try {
    execFileSync('ln', ['-L', '--', '/proc/self/fd/3', to], { stdio: ['ignore', 'ignore', 'pipe', hostFd] });
  } catch (err) {
    throw new SysError(errnoFromMessage(String((err as { stderr?: Buffer }).stderr ?? '')));
  }
}

syscall('linkat', 'olddirfd:int oldpath:str newdirfd:int newpath:str flags:hex', (k, od, op, nd, np, flags) => {
  if (flags & ~(AT.SYMLINK_FOLLOW | AT.EMPTY_PATH)) throw new SysError(E.EINVAL);
  const oldPath = readPath(k, op, (flags & AT.EMPTY_PATH) !== 0);
  // AT_EMPTY_PATH (link the descriptor itself) needs CAP_DAC_READ_SEARCH; as Linux does for an
  // unprivileged caller, it is refused with ENOENT.
  if (!oldPath) throw new SysError(E.ENOENT);
  const confined = k.paths.root !== null;
  const src = resolveAt(k, od, oldPath, confined && (flags & AT.SYMLINK_FOLLOW) !== 0);
  const to = resolveAt(k, nd, readPath(k, np), false).host;
  const rest = procSelfPart(k, src.guest);
  const fdLink = rest !== null ? /^fd\/(\d+)$/.exec(rest) : null;
  if (fdLink && (flags & AT.SYMLINK_FOLLOW)) {
    const h = k.fds.get(Number(fdLink[1])).hostFd();
    if (h === undefined) throw new SysError(E.ENOENT);
    linkDescriptor(h, to);
    return 0;
  }
  let from = src.host;
  if (inMemory() && host(() => fs.lstatSync(from)).isDirectory()) throw new SysError(E.EPERM);
  // In a confined root the walk above already followed the link inside the root.
  if ((flags & AT.SYMLINK_FOLLOW) && !confined) from = host(() => fs.realpathSync(from));
  host(() => fs.linkSync(from, to));
  return 0;
});

/** mknodat: FIFOs and regular files for anyone; device nodes only for root (CAP_MKNOD), and
 *  not when confined. */
syscall('mknodat', 'dirfd:int path:str mode:oct dev:hex', (k, dirfd, path, mode, dev) => {
  const { host: hp } = resolveAt(k, dirfd, readPath(k, path), false);
  const type = mode & S_IFMT;
  const perm = mode & 0o7777 & ~processUmask();
  switch (type) {
    case 0: case S_IFREG:
      host(() => fs.closeSync(fs.openSync(hp, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, perm)));
      return 0;
    case S_IFIFO: case S_IFCHR: case S_IFBLK: case S_IFSOCK: {
      if (type === S_IFCHR || type === S_IFBLK) {
        if (process.getuid?.() !== 0) throw new SysError(E.EPERM);
        // Even for root: a device node is the host's device (as in a user namespace, EPERM).
        if (k.confinement.confined) refuse(k, E.EPERM, `mknod of a device node`, null);
      }
      // Node cannot call mknod(2): the coreutils commands do it (their own mode, no umask).
      let exists = true;
      try { fs.lstatSync(hp); } catch { exists = false; }
      if (exists) throw new SysError(E.EEXIST);
      host(() => fs.statSync(dirname(hp)));
      if (type === S_IFSOCK) throw new SysError(E.EPERM); // no tool makes a bare socket inode
      if (inMemory()) throw new SysError(E.EPERM); // memfs has regular files, directories, links only
      const m = perm.toString(8);
      const args = type === S_IFIFO ? ['mkfifo', '-m', m, '--', hp]
        : ['mknod', '-m', m, '--', hp, type === S_IFCHR ? 'c' : 'b', String(major(dev)), String(minor(dev))];
      try {
        execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        throw new SysError(errnoFromMessage(String((err as { stderr?: Buffer }).stderr ?? '')));
      }
      return 0;
    }
    case S_IFDIR: throw new SysError(E.EPERM);
    default: throw new SysError(E.EINVAL);
  }
});


// A dev_t as the kernel's new_decode_dev reads it (32-bit: 12-bit major, 20-bit minor split).
const major = (dev: number) => (dev >>> 8) & 0xfff;
const minor = (dev: number) => (dev & 0xff) | ((dev >>> 12) & 0xfff00);

/**
 * chroot: for root, the directory becomes the guest's confined root (see PathResolver.root),
 * inside any root it already has; others get EPERM as on Linux. The working directory stays
 * where it is when that is inside the new root and is "/" otherwise (Linux would leave it
 * outside, reachable only by relative paths).
 */
syscall('chroot', 'path:str', (k, path) => {
  const { host: hp } = resolveAt(k, AT_FDCWD, readPath(k, path));
  const st = host(() => fs.statSync(hp));
  if (!st.isDirectory()) throw new SysError(E.ENOTDIR);
  if (process.getuid?.() !== 0 || inMemory()) throw new SysError(E.EPERM);
  const real = host(() => fs.realpathSync(hp));
  let cwdHost: string | null = null;
  try { cwdHost = fs.realpathSync(k.paths.toHost(k.paths.cwd)); } catch { /* gone */ }
  k.paths.root = real;
  k.paths.cwd = cwdHost !== null && (cwdHost === real || cwdHost.startsWith(real + '/')) ? k.paths.guestOfHost(cwdHost) : '/';
  return 0;
});
