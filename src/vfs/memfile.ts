// A read-only file whose contents are produced when it is opened: the synthetic /proc files
// (maps, cmdline, environ, auxv, comm) that must describe the guest, not the Node process.
import { E, SysError } from './errno.js';
import { OpenFile, S_IFREG, type StatInfo } from './file.js';

let nextIno = 0x7000_0000;

export class MemFile extends OpenFile {
  private pos = 0;
  private readonly ino = nextIno++;

  constructor(private readonly data: Uint8Array, path: string, flags: number) {
    super();
    this.path = path;
    this.flags = flags;
  }

  override read(buf: Uint8Array): number {
    const n = this.pread(buf, this.pos);
    this.pos += n;
    return n;
  }

  override pread(buf: Uint8Array, pos: number): number {
    if (pos >= this.data.length) return 0;
    const part = this.data.subarray(pos, Math.min(this.data.length, pos + buf.length));
    buf.set(part);
    return part.length;
  }

  override write(_buf: Uint8Array): number { throw new SysError(E.EBADF); }
  override pwrite(_buf: Uint8Array, _pos: number): number { throw new SysError(E.EBADF); }

  override seek(off: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.pos : whence === 2 ? this.data.length : NaN;
    const np = base + off;
    if (!(np >= 0)) throw new SysError(E.EINVAL);
    this.pos = np;
    return np;
  }

  override stat(): StatInfo {
    // Like procfs: a regular file of size 0, whatever reading it returns.
    const now = BigInt(Date.now()) * 1_000_000n;
    return {
      dev: 0x16, ino: this.ino, mode: S_IFREG | 0o444, nlink: 1, uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0, rdev: 0, size: 0, blksize: 1024, blocks: 0, atimeNs: now, mtimeNs: now, ctimeNs: now,
    };
  }

  override sync(): void {}
}
