// A read-only directory whose entries are produced when it is opened: /proc/self/fd and
// /proc/self/fdinfo, which must list the guest's descriptors, not the Node process's.
import { E, SysError } from './errno.js';
import { OpenFile, S_IFDIR, type DirEntry, type StatInfo } from './file.js';

let nextIno = 0x7800_0000;

export class SyntheticDir extends OpenFile {
  private readonly ino = nextIno++;

  constructor(private readonly entries: DirEntry[], path: string, flags: number, private readonly mode = 0o500) {
    super();
    this.path = path;
    this.flags = flags;
  }

  override readdir(): DirEntry[] {
    return [{ name: '.', ino: this.ino, type: 4 }, { name: '..', ino: 1, type: 4 }, ...this.entries];
  }

  override read(): number { throw new SysError(E.EISDIR); }

  override seek(off: number, whence: number): number {
    // As for any directory: the offset is the getdents64 index.
    const np = whence === 0 ? off : whence === 1 ? this.dirPos + off : -1;
    if (np < 0) throw new SysError(E.EINVAL);
    this.dirPos = np;
    return np;
  }

  override stat(): StatInfo {
    const now = BigInt(Date.now()) * 1_000_000n;
    return {
      dev: 0x16, ino: this.ino, mode: S_IFDIR | this.mode, nlink: 2, uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0, rdev: 0, size: 0, blksize: 1024, blocks: 0, atimeNs: now, mtimeNs: now, ctimeNs: now,
    };
  }

  override sync(): void {}
}
