// Path arguments of the *at calls: (dirfd, path) → the guest path and the host path to use,
// with the guest's /proc/self (exe, fd/N) mapped onto what the guest, not Node, should see.
import { isMemoryFd } from '../../vfs/backend.js';
import { refuse } from '../confine.js';
import { E, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { S_IFDIR, S_IFMT } from '../../vfs/file.js';
import { posix } from 'node:path';
import { joinHost } from '../../vfs/paths.js';

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
  for (const base of ['/proc/self', `/proc/${k.pid}`]) {
    if (guest === base) return '';
    if (guest.startsWith(base + '/')) return taskPart(k, guest.slice(base.length + 1));
  }
  const me = '/proc/thread-self';
  if (guest === me || guest.startsWith(me + '/')) return taskPart(k, `task/${k.threads?.currentTid() ?? k.pid}${guest.slice(me.length)}`);
  return null;
}

/** Below /proc/self/task/<tid> of a thread of the process: its own comm, stat and status stay
 *  'task/<tid>/…' (proc.ts); the rest (fd, maps, exe, cwd...) is the process's, /proc/self's. */
function taskPart(k: Kernel, rest: string): string {
  const m = /^task\/(\d+)(\/.*)?$/.exec(rest);
  if (!m || !isThread(k, Number(m[1]))) return rest;
  const sub = m[2] ?? '';
  return sub === '' || /^\/(comm|stat|status)$/.test(sub) ? rest : sub.slice(1);
}

const isThread = (k: Kernel, tid: number) => tid === k.pid || !!k.threads?.has(tid);

/** The host file a synthetic /proc/self/task entry is stat'ed as: /proc/self's own. A thread
 *  that is none of the process's (any more) has no entry: ENOENT. */
function taskHost(k: Kernel, rest: string): string | null {
  const m = /^task\/(\d+)(\/.*)?$/.exec(rest);
  if (!m) return null;
  if (!isThread(k, Number(m[1]))) throw new SysError(E.ENOENT);
  return `/proc/self${m[2] ?? ''}`;
}

/** Host path for a /proc/self path whose host counterpart differs from the guest's. */
function procHost(k: Kernel, rest: string): string | null {
  if (rest === 'exe') return k.exePath;
  const fd = /^fd\/(\d+)$/.exec(rest);
  if (fd) {
    const f = k.fds.get(Number(fd[1])); // EBADF would be ENOENT on Linux
    const h = f.hostFd();
    return h !== undefined && !isMemoryFd(h) ? `/proc/self/fd/${h}` : f.hostPath() ?? null;
  }
  if (rest === 'cwd') return k.paths.toHost(k.paths.cwd);
  return taskHost(k, rest);
}

/** Resolve (dirfd, path) as openat and friends do. `p` must not be empty (see readPath).
 *  `follow`: a final symlink is followed (only a confined root resolves links itself; otherwise
 *  the host does, and the caller picks the host call that follows or not). */
export function resolveAt(k: Kernel, dirfd: number, p: string, follow = true): ResolvedPath {
  if (k.paths.root !== null) return resolveConfined(k, dirfd, p, follow, 0);
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

/** /proc files a confined guest reads from the host (system-wide facts, nothing of a path). */
const ROOT_HOST_PROC = new Set(['/proc', '/proc/meminfo', '/proc/uptime', '/proc/loadavg', '/proc/stat', '/proc/version',
  '/proc/filesystems', '/proc/cpuinfo']);
/** Does a confined guest's /proc hold `name` (what its listing shows)? */
export function confinedProcEntry(k: Kernel, name: string): boolean {
  return name === 'self' || name === 'thread-self' || name === String(k.pid) || ROOT_HOST_PROC.has(`/proc/${name}`);
}
/** /proc/self entries the kernel produces itself (see proc.ts); their host twins are only stat'ed. */
const SELF_SYNTHETIC = /^(|maps|cmdline|environ|auxv|comm|stat|status|fd|fdinfo|fdinfo\/\d+|task|task\/\d+(\/(comm|stat|status))?)$/;

/**
 * (dirfd, path) inside a confined root: walked by PathResolver.resolveInRoot, so nothing names
 * a host file outside the root. /proc/self's links are what they are on Linux, inside the root:
 * root is "/", cwd the guest cwd, fd/N the descriptor's file, and paths below them continue in
 * the root. Other /proc paths exist only when they are system-wide host facts.
 */
function resolveConfined(k: Kernel, dirfd: number, p: string, follow: boolean, depth: number): ResolvedPath {
  if (depth > 40) throw new SysError(E.ELOOP);
  let base = k.paths.cwd;
  if (!p.startsWith('/') && dirfd !== AT_FDCWD) {
    const dir = k.fds.get(dirfd);
    if ((dir.stat().mode & S_IFMT) !== S_IFDIR) throw new SysError(E.ENOTDIR);
    base = dir.path;
  }
  const joined = p.startsWith('/') ? p : `${base}/${p}`;
  // /dev/stdin, /dev/fd/N and friends are links into /proc/self/fd.
  const lexical = posix.normalize(joined);
  const std = procSelfPart(k, lexical);
  if (std !== null && lexical.startsWith('/dev/')) {
    // The link itself (lstat; readlink is answered by procLink from the guest name).
    if (!follow) return { guest: lexical, host: '/proc/self/cwd' };
    return resolveConfined(k, AT_FDCWD, `/proc/self/${std}`, follow, depth + 1);
  }
  const r = k.paths.resolveInRoot(joined, follow);
  if (r.host !== null) return { guest: r.guest, host: r.host };
  // Walk below /proc: ".." may climb back out, and a link with more components after it
  // (root, cwd, fd/N) continues from its target inside the root.
  const comps = r.guest.split('/').filter((c) => c !== '' && c !== '.').slice(1);
  const stack = ['proc'];
  for (let i = 0; i < comps.length; i++) {
    const c = comps[i];
    const after = comps.slice(i + 1).join('/');
    if (c === '..') {
      stack.pop();
      if (stack.length === 0) return resolveConfined(k, AT_FDCWD, '/' + after, follow, depth + 1);
      continue;
    }
    stack.push(c);
    const part = procSelfPart(k, '/' + stack.join('/'));
    if (part === null || !after) continue;
    const hop = /^(root|cwd|fd\/(\d+))$/.exec(part);
    if (!hop) continue;
    let target: string;
    if (hop[1] === 'root') target = '';
    else if (hop[1] === 'cwd') target = k.paths.cwd;
    else {
      try { target = k.fds.get(Number(hop[2])).path; } catch { throw new SysError(E.ENOENT); }
    }
    return resolveConfined(k, AT_FDCWD, `${target}/${after}`, follow, depth + 1);
  }
  r.guest = '/' + stack.join('/');
  const rest = procSelfPart(k, r.guest);
  if (rest === null) {
    if (ROOT_HOST_PROC.has(r.guest)) return { guest: r.guest, host: r.guest };
    // Another process's /proc/<pid> tells its environment, command line, files (and through
    // its root and cwd links, the host's whole file system): as if in a pid namespace of its
    // own, the guest sees no other process there.
    const other = /^\/proc\/(\d+)(\/|$)/.exec(r.guest);
    if (other) refuse(k, E.ENOENT, `${r.guest} (another process's /proc)`, null);
    throw new SysError(E.ENOENT);
  }
  const link = /^(root|cwd|fd\/(\d+))(\/.*)?$/.exec(rest);
  if (link) {
    let target: string;
    if (link[1] === 'root') target = '/';
    else if (link[1] === 'cwd') target = k.paths.cwd;
    else {
      let f;
      try { f = k.fds.get(Number(link[2])); } catch { throw new SysError(E.ENOENT); }
      if (link[3] === undefined) {
        // The descriptor itself (a pipe, a deleted file): the host's link to the open file.
        const h = f.hostFd();
        return { guest: r.guest, host: h !== undefined && !isMemoryFd(h) ? `/proc/self/fd/${h}` : f.hostPath() ?? '/nonexistent' };
      }
      target = f.path;
    }
    // The link itself (lstat, readlink is answered by procLink): any host symlink will do.
    if (link[3] === undefined && !follow) return { guest: r.guest, host: '/proc/self/cwd' };
    return resolveConfined(k, AT_FDCWD, target + (link[3] ?? ''), follow, depth + 1);
  }
  if (rest === 'exe') return { guest: r.guest, host: k.exePath };
  if (SELF_SYNTHETIC.test(rest)) return { guest: r.guest, host: taskHost(k, rest) ?? `/proc/self/${rest}` };
  throw new SysError(E.ENOENT);
}
