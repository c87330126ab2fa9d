// The guest's view of paths: a current directory of its own, and an optional sysroot prefix
// tried first (as qemu-user's -L does), falling back to the host.
//
// Host paths are built by joining, not normalising: the host kernel then resolves "..", symlinks
// and a trailing "/" (ENOTDIR on a file) exactly as Linux would for the guest. Normalised guest
// paths are used only to look a path up in the prefix and to recognise /proc/self.
import type * as nodeFs from 'node:fs';
import { vfs as fs } from './backend.js';
import * as path from 'node:path';
import { E, SysError } from './errno.js';

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/** /dev entries a confined guest sees from the host (as a container's minimal /dev). */
export const ROOT_HOST_DEVICES = new Set(['null', 'zero', 'full', 'random', 'urandom', 'tty']);

/** A guest path resolved inside a confined root. */
export interface RootResolved {
  /** Absolute guest path, symlinks resolved (except a final one when not following). */
  guest: string;
  /** Host path to use; null for paths below /proc, which the kernel serves itself. */
  host: string | null;
}

export class PathResolver {
  /** Guest current directory (absolute, normalised, guest view). */
  cwd: string;
  /**
   * Confined root (--root): a host directory that is the guest's "/". Guest paths are resolved
   * here component by component, symlinks included (an absolute target starts again at the
   * root, ".." stops at it), so the host is only ever handed paths whose directories are real
   * directories inside the root. Not defended: another host process swapping a directory for
   * a symlink between this walk and the host call. Under --memfs it is '': the in-memory
   * volume is walked the same way, its paths being the guest's.
   */
  root: string | null = null;

  constructor(readonly prefix: string | null, cwd = process.cwd()) {
    this.prefix = prefix ? path.resolve(prefix) : null;
    this.cwd = cwd;
  }

  /** Absolute, normalised guest path for `p` relative to `dir` (the guest cwd by default). */
  absolute(p: string, dir = this.cwd): string {
    return path.posix.resolve(dir, p);
  }

  /** Host path for a guest path: inside the prefix if it exists there, else the same path.
   *  With a confined root: the path inside it (`follow`: resolve a final symlink too). */
  toHost(p: string, dir = this.cwd, follow = true): string {
    if (this.root !== null) {
      const r = this.resolveInRoot(p.startsWith('/') ? p : `${dir}/${p}`, follow);
      if (r.host === null) throw new SysError(E.ENOENT);
      return r.host;
    }
    const joined = p.startsWith('/') ? p : dir === '/' ? '/' + p : `${dir}/${p}`;
    if (this.prefix) {
      const norm = path.posix.normalize(joined);
      if (norm !== '/') {
        const inPrefix = this.prefix + norm.replace(/\/$/, '');
        if (exists(inPrefix)) return p.endsWith('/') ? inPrefix + '/' : inPrefix;
      }
    }
    return joined;
  }

  /**
   * Walk absolute guest path `abs` inside the confined root. Missing or non-directory
   * components end the walk: the rest is appended as it is, and the host then fails the way
   * Linux would (ENOENT, ENOTDIR) without anything beyond that point being looked at.
   */
  resolveInRoot(abs: string, follow: boolean): RootResolved {
    const root = this.root!;
    const trailing = abs.endsWith('/');
    let todo = abs.split('/').filter((c) => c !== '');
    let done: string[] = [];
    let links = 0;
    // (root is '' for the in-memory file system: host paths are guest paths there)
    const hostOf = (parts: string[]) => (root + (parts.length ? '/' + parts.join('/') : '') + (trailing && parts.length ? '/' : '')) || '/';
    while (todo.length) {
      const c = todo.shift()!;
      if (c === '.') continue;
      if (c === '..') { done.pop(); continue; }
      if (done.length === 0 && c === 'proc') {
        // /proc is the kernel's own: no host path, whatever the root holds there. The rest is
        // left as it is ("..": /proc/self/root/.. is "/", not /proc/self) for the kernel to walk.
        return { guest: '/proc' + (todo.length ? '/' + todo.join('/') : ''), host: null };
      }
      if (done.length === 0 && c === 'dev' && todo.length === 1 && ROOT_HOST_DEVICES.has(todo[0])) {
        return { guest: `/dev/${todo[0]}`, host: `/dev/${todo[0]}` };
      }
      done.push(c);
      const last = todo.length === 0;
      const h = root + '/' + done.join('/');
      let st: nodeFs.Stats;
      try {
        st = fs.lstatSync(h);
      } catch {
        return { guest: '/' + [...done, ...todo].join('/'), host: hostOf([...done, ...todo]) };
      }
      if (st.isSymbolicLink() && (!last || follow || trailing)) {
        if (++links > MAX_SYMLINKS) throw new SysError(E.ELOOP);
        let target: string;
        try { target = fs.readlinkSync(h); } catch { throw new SysError(E.ENOENT); }
        done.pop();
        if (target.startsWith('/')) done = [];
        todo = [...target.split('/').filter((x) => x !== ''), ...todo];
        continue;
      }
      if (!last && !st.isDirectory()) return { guest: '/' + [...done, ...todo].join('/'), host: hostOf([...done, ...todo]) };
    }
    return { guest: '/' + done.join('/'), host: hostOf(done) };
  }

  /** The guest name of a host path inside the confined root (or the host path unchanged). */
  guestOfHost(hostPath: string): string {
    if (this.root === null) return hostPath;
    if (hostPath === this.root) return '/';
    return hostPath.startsWith(this.root + '/') ? hostPath.slice(this.root.length) : hostPath;
  }

  /**
   * The guest's symlink-free absolute name of an existing host path (what getcwd shows after a
   * chdir through a symlink): the host's real path, with the prefix taken off when it is inside.
   */
  realGuest(hostPath: string): string {
    const real = fs.realpathSync(hostPath);
    if (this.root !== null) return this.guestOfHost(real);
    if (this.prefix && (real === this.prefix || real.startsWith(this.prefix + '/'))) {
      return real.slice(this.prefix.length) || '/';
    }
    return real;
  }

  /** Like toHost, but null when the file exists nowhere (for the ELF interpreter). */
  find(p: string): string | null {
    let h: string;
    try { h = this.toHost(p); } catch { return null; }
    return exists(h) ? h : null;
  }
}

/** Host path of `p` relative to the host directory `hostDir` (for *at calls with a dirfd). */
export function joinHost(hostDir: string, p: string): string {
  return hostDir.endsWith('/') ? hostDir + p : `${hostDir}/${p}`;
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
