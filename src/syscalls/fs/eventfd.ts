// eventfd2: a 64-bit counter behind a descriptor. It lives in this process only (a forked child
// does not inherit it: it has no host descriptor), so while the guest is blocked on it nothing
// else can change it; a blocking read of 0 or a write that would overflow then sleeps until a
// signal interrupts it, as the same single-threaded program would on Linux.
import { O, OpenFile, type StatInfo } from '../../vfs/file.js';
import { syscall } from '../define.js';
import { E, ERESTARTSYS, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';

const EFD_SEMAPHORE = 1;
const MAX = 0xfffffffffffffffen;

let inodes = 0x20000;

/** Nothing but a signal can end this wait (restarted or EINTR, as the dispatcher decides). */
function waitForSignal(k: Kernel): never {
  for (;;) if (k.waitInterruptibly(null) === 'signal') throw new SysError(ERESTARTSYS);
}

export class EventFd extends OpenFile {
  private readonly ino = inodes++;
  /** Successful reads and writes so far: each wakes pollers on Linux (edge-triggered epoll). */
  changes = 0;

  constructor(private readonly k: Kernel, public count: bigint, readonly semaphore: boolean, flags: number) {
    super();
    this.flags = O.RDWR | (flags & O.NONBLOCK);
    this.path = 'anon_inode:[eventfd]';
  }

  override read(buf: Uint8Array): number {
    if (buf.length < 8) throw new SysError(E.EINVAL);
    if (this.count === 0n) {
      if (this.flags & O.NONBLOCK) throw new SysError(E.EAGAIN);
      waitForSignal(this.k);
    }
    const v = this.semaphore ? 1n : this.count;
    this.count -= v;
    this.changes++;
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, v, true);
    return 8;
  }

  override write(buf: Uint8Array): number {
    if (buf.length < 8) throw new SysError(E.EINVAL);
    const v = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
    if (v === 0xffffffffffffffffn) throw new SysError(E.EINVAL);
    if (this.count + v > MAX) {
      if (this.flags & O.NONBLOCK) throw new SysError(E.EAGAIN);
      waitForSignal(this.k);
    }
    this.count += v;
    this.changes++;
    return 8;
  }

  /** poll bits: readable while non-zero, writable while 1 more fits, POLLERR at overflow. */
  readiness(): number {
    return (this.count > 0n ? 0x41 : 0) | (this.count < MAX ? 0x104 : 0);
  }

  override stat(): StatInfo {
    return {
      dev: 14, ino: this.ino, mode: 0o600, nlink: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
      rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }
}

syscall('eventfd2', 'initval:uint flags:hex', (k, initval, flags) => {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK | EFD_SEMAPHORE)) throw new SysError(E.EINVAL);
  return k.fds.alloc(new EventFd(k, BigInt(initval), (flags & EFD_SEMAPHORE) !== 0, flags), (flags & O.CLOEXEC) !== 0);
});
