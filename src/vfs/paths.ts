// The guest's view of paths: a current directory of its own, and an optional sysroot prefix
// tried first (as qemu-user's -L does), falling back to the host.
//
// Host paths are built by joining, not normalising: the host kernel then resolves "..", symlinks
// and a trailing "/" (ENOTDIR on a file) exactly as Linux would for the guest. Normalised guest
// paths are used only to look a path up in the prefix and to recognise /proc/self.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class PathResolver {
  /** Guest current directory (absolute, normalised, guest view). */
  cwd: string;

  constructor(readonly prefix: string | null, cwd = process.cwd()) {
    this.prefix = prefix ? path.resolve(prefix) : null;
    this.cwd = cwd;
  }

  /** Absolute, normalised guest path for `p` relative to `dir` (the guest cwd by default). */
  absolute(p: string, dir = this.cwd): string {
    return path.posix.resolve(dir, p);
  }

  /** Host path for a guest path: inside the prefix if it exists there, else the same path. */
  toHost(p: string, dir = this.cwd): string {
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
   * The guest's symlink-free absolute name of an existing host path (what getcwd shows after a
   * chdir through a symlink): the host's real path, with the prefix taken off when it is inside.
   */
  realGuest(hostPath: string): string {
    const real = fs.realpathSync(hostPath);
    if (this.prefix && (real === this.prefix || real.startsWith(this.prefix + '/'))) {
      return real.slice(this.prefix.length) || '/';
    }
    return real;
  }

  /** Like toHost, but null when the file exists nowhere (for the ELF interpreter). */
  find(p: string): string | null {
    const h = this.toHost(p);
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
