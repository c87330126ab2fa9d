// Path arguments of the *at calls: (dirfd, path) → the guest path and the host path to use,
// with the guest's /proc/self (exe, fd/N) mapped onto what the guest, not Node, should see.
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';
import { S_IFDIR, S_IFMT } from '../vfs/file.js';
import { joinHost } from '../vfs/paths.js';

export const AT_FDCWD = -100;
export const AT = {
  SYMLINK_NOFOLLOW: 0x100, REMOVEDIR: 0x200, EACCESS: 0x200, SYMLINK_FOLLOW: 0x400, NO_AUTOMOUNT: 0x800,
  EMPTY_PATH: 0x1000, STATX_SYNC_TYPE: 0x6000,
} as const;

export interface ResolvedPath {
  /** Absolute, normalised guest path. */
  guest: string;
  /** Path to hand to the host. */
  host: string;
}

/** The part of a guest path below /proc/self (or /proc/<our pid>, /proc/thread-self), or null.
 *  /dev/fd/N and /dev/std{in,out,err} are the links into /proc/self/fd they are on Linux. */
export function procSelfPart(k: Kernel, guest: string): string | null {
  const std = ['/dev/stdin', '/dev/stdout', '/dev/stderr'].indexOf(guest);
  if (std >= 0) return `fd/${std}`;
  if (guest.startsWith('/dev/fd/')) return `fd/${guest.slice(8)}`;
  for (const base of ['/proc/self', `/proc/${k.pid}`, '/proc/thread-self', `/proc/${k.pid}/task/${k.pid}`]) {
    if (guest === base) return '';
    if (guest.startsWith(base + '/')) return guest.slice(base.length + 1);
  }
  return null;
}

/** Host path for a /proc/self path whose host counterpart differs from the guest's. */
function procHost(k: Kernel, rest: string): string | null {
  if (rest === 'exe') return k.exePath;
  const fd = /^fd\/(\d+)$/.exec(rest);
  if (fd) {
    const f = k.fds.get(Number(fd[1])); // EBADF would be ENOENT on Linux
    const h = f.hostFd();
    return h !== undefined ? `/proc/self/fd/${h}` : f.hostPath() ?? null;
  }
  if (rest === 'cwd') return k.paths.toHost(k.paths.cwd);
  return null;
}

/** Resolve (dirfd, path) as openat and friends do. `p` must not be empty (see readPath). */
export function resolveAt(k: Kernel, dirfd: number, p: string): ResolvedPath {
  if (p.startsWith('/') || dirfd === AT_FDCWD) {
    const guest = k.paths.absolute(p);
    const rest = procSelfPart(k, guest);
    let hostPath: string | null = null;
    if (rest !== null) {
      try { hostPath = procHost(k, rest); } catch { throw new SysError(E.ENOENT); }
    }
    return { guest, host: hostPath ?? k.paths.toHost(p) };
  }
  const dir = k.fds.get(dirfd);
  const hostDir = dir.hostPath();
  if (hostDir === undefined || (dir.stat().mode & S_IFMT) !== S_IFDIR) throw new SysError(E.ENOTDIR);
  return { guest: k.paths.absolute(p, dir.path), host: joinHost(hostDir, p) };
}
