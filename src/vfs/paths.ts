// The guest's view of paths: a current directory of its own, and an optional sysroot prefix
// tried first for absolute paths (as qemu-user's -L does), falling back to the host.
import * as fs from 'node:fs';
import * as path from 'node:path';

export class PathResolver {
  /** Guest current directory (absolute, guest view). */
  cwd: string;

  constructor(readonly prefix: string | null, cwd = process.cwd()) {
    this.prefix = prefix ? path.resolve(prefix) : null;
    this.cwd = cwd;
  }

  /** Absolute guest path for `p` relative to `dir` (the guest cwd by default). */
  absolute(p: string, dir = this.cwd): string {
    return path.posix.resolve(dir, p);
  }

  /** Host path for a guest path: inside the prefix if it exists there, else the same path. */
  toHost(p: string, dir = this.cwd): string {
    const abs = this.absolute(p, dir);
    if (this.prefix && p.startsWith('/')) {
      const inPrefix = this.prefix + abs;
      if (exists(inPrefix)) return inPrefix;
    }
    return abs;
  }

  /** Like toHost, but null when the file exists nowhere (for the ELF interpreter). */
  find(p: string): string | null {
    const h = this.toHost(p);
    return exists(h) ? h : null;
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
