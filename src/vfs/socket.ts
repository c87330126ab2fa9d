// Guest sockets. Node has no synchronous socket API, so every socket lives in one worker
// thread (socket-worker.ts) as a Node net/dgram object; the guest thread sends it a request
// and sleeps in Atomics.wait until the answer is there (DESIGN §4). A blocking recv or accept
// therefore blocks only the guest, and the wait costs no CPU.
//
// Across fork (user-process.ts) a socket's host descriptor goes to the child like any other,
// and the child's worker takes it over (share and adopt below): connected and listening TCP
// and AF_UNIX stream sockets, and stream socketpairs, which become a real host pair first; a
// shared listening socket is accepted on one connection at a time, only while a guest asks
// (socket-worker.ts, activate). A
// socket with no host descriptor yet (never bound or connected) and a UDP socket (Node's dgram
// cannot take over a descriptor) are new, unconnected sockets in the child; a datagram
// socketpair is not inherited.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ERESTARTSYS, SysError } from './errno.js';
import { O, OpenFile, S_IFSOCK, type StatInfo } from './file.js';
import type { Addr, Reply, Request } from './socket-protocol.js';

/** The worker's script: next to this module when run from dist/, dist/ when run from src/ (tests). */
function workerScript(): string {
  const here = fileURLToPath(new URL('./socket-worker.js', import.meta.url));
  if (fs.existsSync(here)) return here;
  return here.replace(/\/src\/vfs\/socket-worker\.js$/, '/dist/vfs/socket-worker.js');
}

class SocketService {
  private worker?: Worker;
  private port?: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));

  private start(): Worker {
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(workerScript(), {
      workerData: { port: port2, signal: this.signal.buffer },
      transferList: [port2],
    });
    if (this.waiter) this.worker.postMessage({ op: 'wake', buffer: this.waiter.wake.buffer as SharedArrayBuffer });
    // Neither the worker nor its sockets keep tsemu alive once the guest has exited, but
    // what the guest sent is delivered first, as the kernel would after exit.
    this.worker.unref();
    this.port = port1;
    process.once('exit', () => {
      try { this.call({ op: 'flush' }); } catch { /* nothing more can be done */ }
    });
    return this.worker;
  }

  /**
   * How the guest's kernel waits: sleeping on its wake word (which the worker bumps with each
   * reply) until `done`, or until a signal the guest must handle arrives ('signal').
   */
  private waiter?: { wake: Int32Array; wait: (done: () => boolean) => string };

  /** Let the kernel's signals and timers interrupt blocking socket calls (see call()). */
  attachKernel(wake: Int32Array, wait: (done: () => boolean) => string): void {
    if (this.waiter?.wake === wake) return;
    this.waiter = { wake, wait };
    if (this.worker) this.worker.postMessage({ op: 'wake', buffer: wake.buffer as SharedArrayBuffer });
  }

  private seq = 0;
  /** The request waiting for its reply, if any (see call()). */
  private outstanding?: Outstanding;

  /**
   * Send one request and sleep until its reply; a reply with err set becomes SysError. With
   * `interruptible`, a signal for the guest ends the wait: the worker drops the request and
   * answers ERESTARTSYS (unless the real answer came first, which is then used).
   *
   * The worker serves one request at a time, but calls can nest: the first guest thread,
   * waiting interruptibly here (a poll), serves the calls other guest threads hand it
   * (threads/group.ts), and one of those may be a socket call too (a thread writing to the
   * socketpair the poll waits on: Python's asyncio wake-up). The nested call first takes the
   * waiting request back, as a signal would (cancel: the worker answers it, or drops it with
   * nothing done); the outer call then has its real answer, or asks again.
   *
   * `stop`, checked with the signals while an interruptible call waits, takes the request back
   * the same way once it holds (the reply is then ERESTARTSYS, or the real answer if it came
   * first): an epoll_wait whose interest list another thread changed (fs/epoll.ts).
   */
  call(req: Request, interruptible = false, stop?: () => boolean): Reply {
    const w = this.worker ?? this.start();
    const outer = this.outstanding;
    if (outer && outer.reply === undefined) {
      w.postMessage({ op: 'cancel', seq: outer.seq });
      const r = this.receive(outer.seen);
      outer.reply = r.err === ERESTARTSYS ? TAKEN_BACK : r;
    }
    try {
      for (;;) {
        const seen = Atomics.load(this.signal, 0);
        const mine: Outstanding = { seq: ++this.seq, seen };
        this.outstanding = mine;
        w.postMessage({ ...req, seq: mine.seq });
        if (interruptible && this.waiter) {
          const done = () => mine.reply !== undefined || Atomics.load(this.signal, 0) !== seen || !!stop?.();
          let woke;
          try {
            woke = this.waiter.wait(done);
          } catch (err) {
            // The wait itself ended the caller (another thread's execve, an exit): take the
            // request back, or its reply, whenever it comes, would be read as the next call's.
            if (mine.reply === undefined) {
              w.postMessage({ op: 'cancel', seq: mine.seq });
              this.receive(seen);
            }
            throw err;
          }
          if ((woke === 'signal' || stop?.()) && mine.reply === undefined) w.postMessage({ op: 'cancel', seq: mine.seq });
        }
        const r = mine.reply ?? this.receive(seen);
        if (r === TAKEN_BACK) continue;
        if (r.err) throw new SysError(r.err);
        return r;
      }
    } finally {
      this.outstanding = outer;
    }
  }

  /** The reply to the request posted when the signal word was `seen`. */
  private receive(seen: number): Reply {
    while (Atomics.load(this.signal, 0) === seen) Atomics.wait(this.signal, 0, seen);
    let m = receiveMessageOnPort(this.port!);
    // The reply is posted before the signal moves, so it is there; this only guards the
    // ordering of the two between threads.
    while (!m) {
      Atomics.wait(this.signal, 0, Atomics.load(this.signal, 0), 1);
      m = receiveMessageOnPort(this.port!);
    }
    return m.message as Reply;
  }
}

/** A request a nested call took back before the worker answered it: ask again. */
const TAKEN_BACK = Symbol('taken back');

/** A request waiting for its reply: the signal word's value when it was posted, and the reply
 *  once a nested call has received it. */
interface Outstanding { seq: number; seen: number; reply?: Reply | typeof TAKEN_BACK }

export const sockets = new SocketService();

/** Most bytes one receive moves (a stream may return less than asked; a datagram is smaller). */
export const RECV_MAX = 4 << 20;

export const AF = { UNIX: 1, INET: 2, INET6: 10 } as const;
export const SOCK = { STREAM: 1, DGRAM: 2 } as const;

let inodes = 0x10000;

/** What a forked child needs to take a socket over (in FdRecord.socket). */
export interface SocketRecord {
  domain: number;
  type: number;
  protocol: number;
  listening: boolean;
  local?: Addr;
  peer?: Addr;
  /** setsockopt values, as "level:name" and hex bytes. */
  options: [string, string][];
}

/** A guest socket descriptor: a handle on a socket in the worker, plus the options set on it. */
export class SocketFile extends OpenFile {
  /** setsockopt values read back by getsockopt: "level:name" → raw option bytes. */
  readonly options = new Map<string, Uint8Array>();
  /** The other end, for a socketpair (both ends live in this process). */
  peer?: SocketFile;
  /** SCM_RIGHTS descriptors sent to this end, one entry per sendmsg, oldest first. */
  readonly rights: OpenFile[][] = [];
  listening = false;
  private readonly ino = inodes++;
  private closed = false;

  constructor(readonly id: number, readonly domain: number, readonly type: number, readonly protocol: number, flags: number) {
    super();
    this.flags = O.RDWR | (flags & O.NONBLOCK);
    this.path = `socket:[${this.ino}]`;
  }

  get family(): Addr['family'] {
    return this.domain === AF.UNIX ? 'unix' : this.domain === AF.INET6 ? 'inet6' : 'inet';
  }

  get nonblock(): boolean { return (this.flags & O.NONBLOCK) !== 0; }

  override read(buf: Uint8Array): number {
    return this.recv(buf, false, false, false).n;
  }

  override write(buf: Uint8Array): number {
    return this.send(buf, undefined, false);
  }

  /** Receive into `buf`; returns the count copied, the datagram's full length and its sender. */
  recv(buf: Uint8Array, peek: boolean, waitall: boolean, dontwait: boolean): { n: number; full: number; from?: Addr } {
    const r = sockets.call({
      op: 'recv', id: this.id, max: Math.min(buf.length, RECV_MAX), peek, waitall, nonblock: dontwait || this.nonblock, timeoutMs: this.receiveTimeoutMs(),
    }, true);
    const data = r.data ?? new Uint8Array(0);
    buf.set(data.subarray(0, buf.length));
    return { n: Math.min(data.length, buf.length), full: r.full ?? data.length, from: r.addr };
  }

  /** SO_RCVTIMEO (struct timeval, SOL_SOCKET option 20) in ms, rounded up; 0: none. */
  receiveTimeoutMs(): number {
    const tv = this.options.get('1:20');
    if (!tv) return 0;
    const b = Buffer.from(tv.buffer, tv.byteOffset, tv.byteLength);
    const ms = Number(b.readBigInt64LE(0)) * 1000 + Math.ceil(Number(b.readBigInt64LE(8)) / 1000);
    return ms > 0 ? Math.min(ms, 0x7fffffff) : 0;
  }

  send(buf: Uint8Array, to: Addr | undefined, dontwait: boolean): number {
    // Copied: the guest's buffer is a view of shared memory the worker must not see change.
    // A stream takes at most 16 MiB per call (a short count the guest's write loop continues).
    const part = this.type === SOCK.STREAM ? buf.subarray(0, 16 << 20) : buf;
    return sockets.call({ op: 'send', id: this.id, data: Uint8Array.from(part), addr: to, nonblock: dontwait || this.nonblock }).n!;
  }

  /** FIONREAD: bytes ready to be read (a datagram socket: the next datagram's size). */
  queued(): number {
    return sockets.call({ op: 'inq', id: this.id }).n!;
  }

  /** For fork: the host descriptor the child inherits (-1: none, the child makes a new
   *  socket) and what the child needs to know; undefined: not inherited. */
  share(): { fd: number; rec: SocketRecord } | undefined {
    if (this.type === SOCK.DGRAM && this.peer) return undefined;
    const fd = sockets.call({ op: 'share', id: this.id }).n!;
    const { local, peer } = sockets.call({ op: 'names', id: this.id });
    return {
      fd,
      rec: {
        domain: this.domain, type: this.type, protocol: this.protocol, listening: this.listening, local, peer,
        options: [...this.options].map(([key, v]) => [key, Buffer.from(v).toString('hex')]),
      },
    };
  }

  /** In a forked child: the socket `rec` on inherited host descriptor `fd` (< 0: none). */
  static adopt(rec: SocketRecord, fd: number, flags: number): SocketFile {
    const family = rec.domain === AF.UNIX ? 'unix' : rec.domain === AF.INET6 ? 'inet6' : 'inet';
    const dgram = rec.type === SOCK.DGRAM;
    const kind = fd < 0 || dgram ? 'fresh' : rec.listening ? 'server' : rec.peer ? 'stream' : 'fresh';
    let id: number;
    try {
      id = sockets.call({ op: 'adopt', fd, kind, family, dgram, local: rec.local, peer: rec.peer }).id!;
    } catch {
      // The host refused the descriptor: a new socket stands in for it.
      id = sockets.call({ op: 'adopt', fd: -1, kind: 'fresh', family, dgram }).id!;
    }
    const s = new SocketFile(id, rec.domain, rec.type, rec.protocol, flags);
    s.listening = rec.listening;
    for (const [key, hex] of rec.options) s.options.set(key, Uint8Array.from(Buffer.from(hex, 'hex')));
    return s;
  }

  override stat(): StatInfo {
    const now = BigInt(Date.now()) * 1_000_000n;
    return {
      dev: 8, ino: this.ino, mode: S_IFSOCK | 0o777, nlink: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
      rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: now, mtimeNs: now, ctimeNs: now,
    };
  }

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    try { sockets.call({ op: 'close', id: this.id }); } catch { /* the worker is gone: nothing to close */ }
    // Descriptors in flight to this end are dropped with it.
    for (const files of this.rights.splice(0)) for (const f of files) if (--f.refs === 0) f.close();
  }
}
