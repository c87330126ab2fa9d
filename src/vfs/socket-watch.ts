// Readiness of host pipes, FIFOs and terminals. Node cannot poll(2) a descriptor, and the only
// way it learns that one is readable is by reading it. So the first time the guest polls such a
// descriptor for input (or asks FIONREAD), the socket worker opens the same pipe again (through
// /proc/self/fd, a second non-blocking open file description of the same FIFO or terminal) and
// reads it with a Node stream, which knows readiness from libuv's epoll. From then on every
// descriptor that referred to the host file refers to a WatchedStream, whose reads go through
// the worker (blocking in Atomics.wait, or EAGAIN with O_NONBLOCK), so nothing is reordered or
// lost between what the worker took and what the guest reads.
//
// The worker reads only while this guest asks for input, as for sockets (socket-worker.ts,
// pull): a read takes at most what the guest asked for, a poll at most 64 KiB. So a forked
// child or an exec'd program that inherited the host descriptor gets what arrives while this
// guest is not reading or polling; what a poll took in stays with this guest (on Linux it would
// stay in the pipe for whichever reader comes first). Write ends are reported always writable:
// a full pipe's write blocks in the host kernel instead of poll waiting for space.
import { E, SysError } from './errno.js';
import { O, OpenFile, type DirEntry, type StatInfo } from './file.js';
import { RECV_MAX, sockets } from './socket.js';

export class WatchedStream extends OpenFile {
  private closed = false;

  constructor(readonly inner: OpenFile, readonly id: number) {
    super();
    this.flags = inner.flags;
    this.path = inner.path;
    this.refs = inner.refs;
  }

  /** Start watching `f` (whose host descriptor is `hostFd`); undefined if the host refuses. */
  static watch(f: OpenFile, hostFd: number): WatchedStream | undefined {
    try {
      const r = sockets.call({ op: 'watch', path: `/proc/self/fd/${hostFd}`, tty: f.isatty() });
      return new WatchedStream(f, r.id!);
    } catch {
      return undefined;
    }
  }

  override read(buf: Uint8Array): number {
    if (buf.length === 0) return 0;
    const r = sockets.call({ op: 'recv', id: this.id, max: Math.min(buf.length, RECV_MAX), peek: false, waitall: false, nonblock: (this.flags & O.NONBLOCK) !== 0 }, true);
    const data = r.data ?? new Uint8Array(0);
    buf.set(data);
    return data.length;
  }

  /** FIONREAD: bytes the worker holds for the guest. */
  queued(): number {
    return sockets.call({ op: 'inq', id: this.id }).n!;
  }

  override write(buf: Uint8Array): number {
    // A FIFO opened O_RDWR: writing still goes straight to the host.
    this.inner.flags = this.flags;
    return this.inner.write(buf);
  }

  override pread(): number { throw new SysError(E.ESPIPE); }
  override pwrite(): number { throw new SysError(E.ESPIPE); }
  override seek(): number { throw new SysError(E.ESPIPE); }
  override stat(): StatInfo { return this.inner.stat(); }
  override readdir(): DirEntry[] { throw new SysError(E.ENOTDIR); }
  override isatty(): boolean { return this.inner.isatty(); }
  override hostFd(): number | undefined { return this.inner.hostFd(); }
  override hostPath(): string | undefined { return this.inner.hostPath(); }

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    try { sockets.call({ op: 'close', id: this.id }); } catch { /* worker gone */ }
    this.inner.close();
  }
}
