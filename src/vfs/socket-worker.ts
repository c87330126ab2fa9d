// The socket worker: owns every guest socket as a Node net.Socket, net.Server or dgram.Socket
// (Node has no synchronous socket API). Its event loop runs while the guest thread sleeps in
// Atomics.wait, buffers what arrives, and answers each request when it can be answered: a
// blocking recv waits here until data, EOF or an error arrives; a poll waits until one of its
// sockets is ready or its timeout passes. Nothing spins.
//
// Invariant: every request gets exactly one reply, in the order the guest thread expects it
// (the guest thread has at most one request outstanding).
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { E, ERESTARTSYS, errnoOf } from './errno.js';
import { POLL, type Addr, type Reply, type Request } from './socket-protocol.js';
import { quietFdWarnings } from './fd-warnings.js';

quietFdWarnings(); // a watched pipe's descriptor is closed by libuv, unseen by fs

const port = workerData.port as MessagePort;
const signal = new Int32Array(workerData.signal as SharedArrayBuffer);

/** Pause reading from the host once this much is buffered here (the kernel then applies
 *  TCP flow control to the sender), and report POLLOUT only below it for our own writes. */
const HIGH_WATER = 256 * 1024;

interface Datagram { data: Buffer; from?: Addr }

interface Sock {
  id: number;
  family: Addr['family'];
  dgram: boolean;
  stream?: net.Socket;
  server?: net.Server;
  udp?: dgram.Socket;
  /** The other end of an in-process socketpair. */
  peer?: Sock;
  listening: boolean;
  connecting: boolean;
  connected: boolean;
  rx: Buffer[];
  rxBytes: number;
  msgs: Datagram[];
  /** The peer sent FIN (or closed its end of a pair). */
  eof: boolean;
  rdShut: boolean;
  wrShut: boolean;
  /** Pending error (SO_ERROR), reported once. */
  err: number;
  /** Writing fails with EPIPE (reset, or closed). */
  broken: boolean;
  accepted: net.Socket[];
  local?: Addr;
  remote?: Addr;
  /** A host pipe, FIFO or terminal read through its own descriptor (see socket-watch.ts). */
  watch?: boolean;
  /** A nonblocking connect() whose outcome no connect() has reported yet. */
  asyncConnect?: boolean;
  /** A connected stream read on demand (see pull): bytes the current read may take, whether
   *  it reads, and the buffer the host kernel's bytes land in. */
  want: number;
  reading: boolean;
  buf?: Buffer;
  /** A watched pipe reads on past a short read until the loop's check phase (see onDemand). */
  lingering?: boolean;
  /** A listening socket no Node server accepts on yet: its host descriptor, and the handle
   *  that holds it (see activate, share). */
  fd?: number;
  held?: DupHandle;
  /** A duplicate of `held` is being made to accept one connection on (see activate). */
  activating?: boolean;
  /** Wake-ups so far that Linux would deliver to a waiter for input (data, a connection,
   *  EOF, an error) and for output (room to write, an error): what edge-triggered epoll
   *  reports on (poll's `since`; see wakesFor). */
  wakesIn: number;
  wakesOut: number;
  /** A nonblocking send said EAGAIN: room to write again is a wake-up. */
  noSpace?: boolean;
}

const socks = new Map<number, Sock>();
/** Streams the guest closed that still have bytes or a FIN for the kernel. */
const closing = new Set<net.Socket>();
let nextId = 1;

function newSock(family: Addr['family'], isDgram: boolean): Sock {
  const s: Sock = {
    id: nextId++, family, dgram: isDgram, listening: false, connecting: false, connected: false, rx: [], rxBytes: 0,
    msgs: [], eof: false, rdShut: false, wrShut: false, err: 0, broken: false, accepted: [], want: 0, reading: false, wakesIn: 0, wakesOut: 0,
  };
  socks.set(s.id, s);
  return s;
}

/** The guest kernel's wake word (Kernel.wake), bumped with every reply so that a guest
 *  waiting interruptibly (for signals and timers too) notices the answer. */
let wake: Int32Array | undefined;
/** Sequence number of the request being served, and whether it has its reply. */
let current = 0;
let answered = true;
/** What to do if the guest cancels the current request (a signal interrupted its wait). */
let onCancel: (() => void) | undefined;

function reply(r: Reply): void {
  // Exactly one reply per request: a late timer or a cancelled wait must not answer twice.
  if (answered) return;
  answered = true;
  onCancel = undefined;
  port.postMessage(r);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
  if (wake) {
    Atomics.add(wake, 0, 1);
    Atomics.notify(wake, 0);
  }
}

/** Run `fn` later, only if the request that scheduled it is still unanswered. */
function later(fn: () => void, ms?: number): NodeJS.Timeout | NodeJS.Immediate {
  const seq = current;
  const guarded = () => { if (seq === current && !answered) fn(); };
  return ms === undefined ? setImmediate(guarded) : setTimeout(guarded, ms);
}

const fail = (err: number) => reply({ err });

/** Requests that could not be answered yet; re-tried after every socket event. */
let waiters: (() => boolean)[] = [];

/** Something happened to `s` (see Sock.wakesIn): count it and re-try the waiters. */
function wakeUp(s: Sock, which: 'in' | 'out' | 'both' = 'both'): void {
  if (which !== 'out') s.wakesIn++;
  if (which !== 'in') s.wakesOut++;
  settle();
}

/** The wake-ups that concern a waiter for `events` (Linux filters them by the wake key). */
function wakesFor(s: Sock, events: number): number {
  const input = POLL.IN | POLL.RDNORM | POLL.RDBAND | POLL.PRI | POLL.RDHUP;
  const output = POLL.OUT | POLL.WRNORM | POLL.WRBAND;
  return (events & input ? s.wakesIn : 0) + (events & output ? s.wakesOut : 0);
}

let settling = false;
let again = false;

function settle(): void {
  // Re-entrant calls (a waiter's answer changes another socket) run one more round instead.
  if (settling) { again = true; return; }
  settling = true;
  do {
    again = false;
    const list = waiters;
    waiters = [];
    for (const w of list) if (!w()) waiters.push(w);
  } while (again);
  settling = false;
}

/**
 * A receive or accept: blocking, answer when `attempt` can (or at SO_RCVTIMEO); nonblocking,
 * answer now if possible, else after libuv has polled for I/O once more (setImmediate runs
 * after the poll phase), so that what just arrived on loopback, say from this very process,
 * is seen as it would be on Linux. `attempt(final)` must answer when `final` is set.
 */
function answer(r: { nonblock: boolean; timeoutMs?: number }, attempt: (final: boolean) => boolean): void {
  if (!r.nonblock) return whenReady(() => attempt(false), r.timeoutMs);
  if (attempt(false)) return;
  // A read pull() just started reaches epoll only at the next poll phase, which comes after
  // the first setImmediate: hence two turns.
  later(() => { if (!attempt(false)) later(() => attempt(true)); });
}

/** Answer now if `attempt` can, else each time something happens until it can (or times out). */
function whenReady(attempt: () => boolean, timeoutMs = 0): void {
  if (attempt()) return;
  if (timeoutMs <= 0) {
    waiters.push(attempt);
    return;
  }
  // SO_RCVTIMEO: give up with EAGAIN, as Linux does, unless the answer came first.
  let done = false;
  const guarded = () => (done ? true : (done = attempt()));
  waiters.push(guarded);
  later(() => {
    if (done) return;
    done = true;
    waiters = waiters.filter((w) => w !== guarded);
    fail(E.EAGAIN);
  }, timeoutMs);
}

function fromNode(family: string | undefined, host: string | undefined, p: number | undefined): Addr | undefined {
  if (!host) return undefined;
  return { family: family === 'IPv6' || family === 'inet6' ? 'inet6' : 'inet', host, port: p ?? 0 };
}

function watchStream(s: Sock, st: net.Socket): void {
  s.stream = st;
  st.on('data', (d: Buffer) => {
    s.rx.push(d);
    s.rxBytes += d.length;
    if (s.rxBytes > HIGH_WATER) st.pause();
    wakeUp(s, 'in');
  });
  st.on('end', () => { s.eof = true; wakeUp(s, 'in'); });
  st.on('error', (e) => {
    s.err = errnoOf(e);
    s.broken = true;
    s.connecting = false;
    wakeUp(s);
  });
  st.on('close', () => {
    // A watched pipe closes right after its end, which was the wake-up (an edge for EPOLLET).
    const news = !(s.watch && s.eof);
    s.eof = true;
    s.broken = true;
    s.connecting = false;
    if (news) wakeUp(s);
  });
  st.on('drain', () => wakeUp(s, 'out'));
}

// Connected streams are read on demand, never ahead: a byte stays in the host kernel until
// this guest asks for input (recv, read, or poll for POLLIN), and a recv of n bytes takes at
// most n from the kernel. A socket may be shared with forked processes (fork passes its host
// descriptor on), and on Linux the bytes belong to whichever process reads them; reading ahead
// would take them from the process that does. Node's `onread` mode reads into a buffer we
// give (so a read(2) asks for no more than the guest did) and stops reading whenever the
// callback says so.

/** Most a read for poll takes (Linux would leave it in the kernel; see pull). */
const POLL_CHUNK = 64 * 1024;

/** Options that make a net.Socket for `s` read only when pull() asks. */
function onDemand(s: Sock): { onread: { buffer: () => Buffer; callback: (n: number) => boolean } } {
  return {
    onread: {
      buffer: () => (s.buf = Buffer.alloc(Math.max(1, s.want || POLL_CHUNK))),
      callback: (n) => {
        s.reading = false;
        const short = n < s.buf!.length;
        const d = Buffer.from(s.buf!.subarray(0, n));
        s.rx.push(d);
        s.rxBytes += d.length;
        s.want = 0;
        s.wakesIn++;
        // A short read of a pipe may bring its end with it: waiters learn of both at once.
        if (short && s.watch) linger(s);
        else settle(); // a waiter that needs more calls pull() again, which keeps reading
        return s.reading;
      },
    },
  };
}

/**
 * A short read of a pipe whose writers are gone came with POLLHUP, which libuv turns into
 * end-of-file, but only for a stream still reading. Stay reading until the end is seen, so
 * that it comes along with the last bytes, as Linux's POLLIN|POLLHUP says. Node 20's libuv
 * reads the end in the same poll phase as the bytes; Node 24's in the next poll phase: so look
 * in the check phase that follows, and once more after the next poll phase if no end came yet
 * (a writer still there sends nothing in between that a poll phase with no wait would read,
 * barring a race of microseconds).
 */
function linger(s: Sock): void {
  s.reading = true;
  s.lingering = true;
  let looks = 2;
  const look = () => {
    if (s.lingering && !s.eof && --looks > 0) {
      setImmediate(look);
      return;
    }
    if (s.lingering) {
      s.lingering = false;
      s.reading = false;
      if (s.stream && !s.stream.destroyed) s.stream.pause();
    }
    settle(); // a waiter that needs more calls pull() again, which reads on
  };
  setImmediate(look);
}

/** Let the host kernel's bytes for `s` in: up to `n` of them, with the next read. */
function pull(s: Sock, n: number): void {
  const st = s.stream;
  if (!st || s.peer || s.eof || s.connecting || st.destroyed) return;
  s.want = Math.min(Math.max(n, 1), HIGH_WATER);
  s.lingering = false;
  if (s.reading) return;
  s.reading = true;
  const h = (st as unknown as { _handle?: { reading?: boolean; useUserBuffer?: (b: Buffer) => void } })._handle;
  if (!h) return;
  if (!h.reading) {
    s.buf = Buffer.alloc(s.want);
    h.useUserBuffer?.(s.buf);
  }
  st.resume();
}

/**
 * Let a new reader of one of our pipes (an unlinked FIFO, see pipe.ts) see end-of-file. Linux
 * reports POLLHUP on a FIFO only to a reader that was open while some writer was (fifo_open
 * suppresses it for a non-blocking reader opened with no writer, so that a fresh FIFO does not
 * poll as hung up). A watch opened after the guest closed the write end would therefore never
 * be woken for its end, though read() returns 0; a pipe(2) reader sees POLLHUP. Opening and
 * closing a writer counts as one seen. Not for a guest's own FIFO, where the suppression is
 * what Linux shows.
 */
function seeWriters(fdPath: string): void {
  try {
    if (!/\/tsemu-pipe-[^/]*\/fifo \(deleted\)$/.test(fs.readlinkSync(fdPath))) return;
    fs.closeSync(fs.openSync(fdPath, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch { /* the pipe is gone: nothing to see */ }
}

/** A stream socket on a connection Node accepted (paused, unread) or on an inherited descriptor. */
function demandSocket(s: Sock, from: { handle?: unknown; fd?: number }): net.Socket {
  return new net.Socket({
    ...(from as object), allowHalfOpen: true, pauseOnCreate: true, readable: true, writable: true, ...onDemand(s),
  } as net.SocketConstructorOpts);
}

function readiness(s: Sock): number {
  let m = 0;
  if (s.err) m |= POLL.ERR;
  if (s.watch) {
    // As pipe_poll: readable while data is buffered, hung up once no writer is left.
    return m | (s.rxBytes ? POLL.IN | POLL.RDNORM : 0) | (s.eof ? POLL.HUP : 0);
  }
  if (s.peer !== undefined && s.dgram) {
    if (s.msgs.length || s.rdShut) m |= POLL.IN | POLL.RDNORM;
    if (s.rdShut && s.wrShut) m |= POLL.HUP;
    return m | (s.wrShut ? 0 : POLL.OUT | POLL.WRNORM);
  }
  if (s.peer !== undefined || s.stream) {
    if (s.connecting) return m;
    if (s.rxBytes || s.msgs.length || s.eof || s.rdShut || s.err) m |= POLL.IN | POLL.RDNORM;
    if (s.eof) m |= POLL.RDHUP;
    if (s.eof && (s.wrShut || s.broken)) m |= POLL.HUP;
    const queued = s.stream ? s.stream.writableLength : (s.peer?.rxBytes ?? 0);
    if (!s.wrShut && !s.broken && queued < HIGH_WATER) m |= POLL.OUT | POLL.WRNORM;
    return m;
  }
  if (s.udp) return m | (s.msgs.length ? POLL.IN | POLL.RDNORM : 0) | POLL.OUT | POLL.WRNORM;
  if (s.listening) return m | (s.accepted.length ? POLL.IN | POLL.RDNORM : 0);
  // A stream socket never connected: Linux reports it writable and hung up (state CLOSE).
  return m | POLL.OUT | POLL.WRNORM | POLL.HUP;
}

function ensureUdp(s: Sock): dgram.Socket {
  if (!s.udp) {
    const u = dgram.createSocket({ type: s.family === 'inet6' ? 'udp6' : 'udp4' });
    u.on('message', (data, rinfo) => {
      // Linux drops datagrams when the receive buffer is full; so do we, at a similar size.
      if (s.msgs.length < 1024) s.msgs.push({ data, from: fromNode(rinfo.family, rinfo.address, rinfo.port) });
      wakeUp(s, 'in');
    });
    u.on('error', (e) => { s.err = errnoOf(e); wakeUp(s); });
    s.udp = u;
  }
  return s.udp;
}

function take(s: Sock, max: number, peek: boolean): Buffer {
  const out = Buffer.concat(s.rx).subarray(0, max);
  if (!peek) {
    const rest = Buffer.concat(s.rx).subarray(out.length);
    s.rx = rest.length ? [Buffer.from(rest)] : [];
    s.rxBytes = rest.length;
    if (s.peer) wakeUp(s.peer, 'out'); // the writer's POLLOUT may have come back
  }
  return Buffer.from(out);
}

/** A listening socket's Node server; what it accepts waits unread in the queue (see pull). */
function newServer(s: Sock, oneShot = false): net.Server {
  const srv = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  srv.on('connection', (c) => {
    // Until accept() the connection only waits in the queue; a reset meanwhile is seen by
    // the guest after accept (Node would otherwise throw the unhandled 'error').
    c.on('error', () => {});
    s.accepted.push(c);
    // Closed at once, libuv's accept loop takes no second connection (see activate).
    if (oneShot && s.server === srv) { srv.close(); s.server = undefined; }
    wakeUp(s, 'in');
  });
  return srv;
}

/**
 * Close a listening socket's Node server. libuv removes an AF_UNIX socket's file when its
 * handle closes, but Linux leaves it (and a forked process may still be accepting on it): a
 * second link keeps the file, and takes its name back afterwards.
 */
function closeServer(srv: net.Server, local: Addr | undefined): void {
  const file = local?.family === 'unix' && local.path && !local.path.startsWith('\0') ? local.path : undefined;
  const keep = file && `${file}.tsemu-${process.pid}-keep`;
  try { if (keep) fs.linkSync(file, keep); } catch { /* gone already: nothing to keep */ }
  srv.close();
  try {
    // rename() between two links of one file does nothing: drop ours when the name stayed.
    if (keep) { if (fs.existsSync(file!)) fs.unlinkSync(keep); else fs.renameSync(keep, file!); }
  } catch { /* was not linked */ }
}

/**
 * A listening socket shared between processes (inherited, or passed to a child by fork) is
 * held here as a descriptor no Node server accepts on: Node accepts every connection as soon as
 * it arrives, which would take connections from the process whose guest is in accept(). When
 * this guest accepts or polls for a connection, a server on a duplicate of the descriptor takes
 * exactly one and closes (so the one taken waits in `accepted` for the guest's accept).
 */
function activate(s: Sock): void {
  if (s.server || s.activating || s.accepted.length || s.fd === undefined) return;
  const listenOn = (srv: net.Server, h: DupHandle | undefined, fd: number) => {
    srv.on('error', () => {});
    // A TCP handle is listened on as it is; for anything else Node opens the descriptor anew
    // (the handle then stays unused and is never closed, which would close `fd` twice).
    if (h?.constructor.name === 'TCP') srv.listen(h as unknown as net.Server);
    else { if (h) keep.push(h); srv.listen({ fd }); }
    s.server = srv;
  };
  if (!s.held) {
    // No handle to duplicate (Node's bindings missing): accept on the descriptor itself.
    listenOn(newServer(s), undefined, s.fd);
    s.fd = undefined;
    return;
  }
  s.activating = true;
  dupHandle(s.held, (h) => {
    s.activating = false;
    if (!socks.has(s.id) || !s.held) { h?.close(); return; }
    if (!h) {
      const held = s.held;
      const fd = s.fd!;
      s.held = s.fd = undefined;
      listenOn(newServer(s), held, fd);
    } else listenOn(newServer(s, true), h, h.fd);
    settle();
  });
}

/** A handle (not listening) on an inherited listening descriptor, to duplicate. */
function serverHandle(fd: number, family: Addr['family']): DupHandle | undefined {
  try {
    const mod = binding(family === 'unix' ? 'pipe_wrap' : 'tcp_wrap');
    const Ctor = (mod.TCP ?? mod.Pipe) as new (t: number) => DupHandle & { open(fd: number): number };
    const h = new Ctor((mod.constants as { SERVER: number }).SERVER);
    return h.open(fd) === 0 ? h : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- dup(2)
//
// Node has no dup(2). A listening socket shared with a forked child must stop being accepted on
// here (see activate) yet stay open for this guest: so its descriptor is sent to this very
// worker over an AF_UNIX connection with SCM_RIGHTS (libuv's IPC pipes, as Node's cluster
// module passes servers to workers), which yields a second descriptor, and the server on the
// first is closed. Internal Node bindings: if they are missing, nothing is duplicated and the
// server stays (the child then competes with this process's worker for connections).

interface DupHandle { fd: number; close(): void; constructor: { name: string } }
interface IpcPipe { open(fd: number): number; readStart(): number; onread: unknown; pendingHandle?: DupHandle | null; writeUtf8String(req: unknown, s: string, h?: unknown): number }
const binding = (name: string) => (process as unknown as { binding(n: string): Record<string, unknown> }).binding(name);

interface Dupper { sender: net.Socket; waiting: ((h: DupHandle | undefined) => void)[] }
let dupper: Dupper | null | undefined;
let dupperWait: ((d: Dupper | null) => void)[] | undefined;
/** Accepted connections whose descriptor an IPC pipe uses: never closed, never collected. */
const keep: unknown[] = [];

function withDupper(cb: (d: Dupper | null) => void): void {
  if (dupper !== undefined) return cb(dupper);
  if (dupperWait) { dupperWait.push(cb); return; }
  dupperWait = [cb];
  const done = (d: Dupper | null) => {
    if (dupper !== undefined) return;
    dupper = d;
    for (const f of dupperWait!.splice(0)) f(d);
  };
  try {
    const { Pipe, constants } = binding('pipe_wrap') as { Pipe: new (t: number) => IpcPipe; constants: { IPC: number } };
    const file = path.join(os.tmpdir(), `tsemu-dup-${process.pid}-${Date.now()}.sock`);
    const srv = net.createServer({ pauseOnConnect: true });
    srv.on('error', () => done(null));
    srv.listen(file, () => {
      srv.once('connection', (c) => {
        srv.close();
        fs.rmSync(file, { force: true });
        const recv = new Pipe(constants.IPC);
        if (recv.open((c as unknown as { _handle: { fd: number } })._handle.fd) !== 0) return done(null);
        keep.push(c);
        const d: Dupper = { sender, waiting: [] };
        recv.onread = () => {
          const h = recv.pendingHandle;
          if (!h) return;
          recv.pendingHandle = null;
          d.waiting.shift()?.(h);
        };
        recv.readStart();
        done(d);
      });
      const sender = new net.Socket({ handle: new Pipe(constants.IPC), manualStart: true } as net.SocketConstructorOpts);
      sender.on('error', () => done(null));
      sender.connect(file);
    });
    setTimeout(() => done(null), 2000).unref();
  } catch {
    done(null);
  }
}

/** A second descriptor for `handle`'s (undefined if that cannot be had). */
function dupHandle(handle: unknown, cb: (h: DupHandle | undefined) => void): void {
  withDupper((d) => {
    if (!d) return cb(undefined);
    let called = false;
    const once = (h: DupHandle | undefined) => { if (!called) { called = true; cb(h); } };
    try {
      const { WriteWrap } = binding('stream_wrap') as { WriteWrap: new () => Record<string, unknown> };
      const req = new WriteWrap();
      const sh = (d.sender as unknown as { _handle: IpcPipe })._handle;
      Object.assign(req, { handle: sh, oncomplete: () => {}, async: false });
      d.waiting.push(once);
      if (sh.writeUtf8String(req, 'x', handle) !== 0) { d.waiting.pop(); once(undefined); }
    } catch {
      once(undefined);
    }
    setTimeout(() => { d.waiting = d.waiting.filter((w) => w !== once); once(undefined); }, 2000).unref();
  });
}

/**
 * A stream socketpair end about to be shared with a forked child: both ends become a real
 * connected pair of host AF_UNIX sockets (made through a listening socket on a scratch path,
 * Node having no socketpair), and what each end held unread is sent again through the new
 * pair, so it waits in the host kernel for whichever process reads first.
 */
function realPair(a: Sock, done: () => void): void {
  const b = a.peer!;
  const file = path.join(os.tmpdir(), `tsemu-pair-${process.pid}-${a.id}.sock`);
  const srv = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  const fail2 = (e: Error) => { srv.close(); fail(errnoOf(e)); };
  srv.once('error', fail2);
  let sideA: net.Socket | undefined;
  let sideB: net.Socket | undefined;
  let connected = false;
  const finish = () => {
    if (!sideB || !connected) return;
    fs.rmSync(file, { force: true });
    srv.close();
    const alive = socks.has(b.id);
    for (const [x, from] of [[a, sideB], [b, sideA!]] as const) {
      // x's unread bytes came from the other end: they go in again from its new socket.
      if (x.rxBytes) from.write(Buffer.concat(x.rx));
      x.rx = [];
      x.rxBytes = 0;
      x.peer = undefined;
      x.eof = false;
      x.local = x.remote = { family: 'unix', host: '', port: 0 };
    }
    watchStream(a, sideA!);
    if (a.wrShut) sideA!.end();
    if (alive) {
      watchStream(b, sideB);
      if (b.wrShut) sideB.end();
    } else {
      // The other end was closed already: its descriptor goes once it has sent what it held.
      sideB.on('error', () => {});
      sideB.write(Buffer.alloc(0), () => sideB!.destroy());
    }
    done();
  };
  srv.listen(file, () => {
    srv.once('connection', (c) => {
      const handle = (c as unknown as { _handle: unknown })._handle;
      c.removeAllListeners();
      sideB = demandSocket(b, { handle });
      finish();
    });
    sideA = new net.Socket({ allowHalfOpen: true, ...onDemand(a) });
    sideA.pause();
    sideA.once('error', fail2);
    sideA.connect({ path: file }, () => { sideA!.off('error', fail2); connected = true; finish(); });
  });
}

type Op = Exclude<Request['op'], 'cancel' | 'wake'>;

const handlers: { [K in Op]: (r: Extract<Request, { op: K }>) => void } = {
  socket(r) {
    const s = newSock(r.family, r.dgram);
    if (r.dgram && r.family !== 'unix') ensureUdp(s);
    reply({ err: 0, id: s.id });
  },

  watch(r) {
    let fd: number;
    try {
      fd = fs.openSync(r.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
      return fail(errnoOf(e));
    }
    seeWriters(r.path);
    const s = newSock('unix', false);
    // Read on demand, like a connected stream (see pull): a forked child or an exec'd program
    // reading the same pipe or terminal gets what arrives while this guest is not asking.
    const opts = { allowHalfOpen: true, pauseOnCreate: true, ...onDemand(s) };
    let st: net.Socket;
    try {
      st = r.tty ? new tty.ReadStream(fd, opts as net.SocketConstructorOpts) : new net.Socket({ fd, readable: true, writable: false, ...opts } as net.SocketConstructorOpts);
    } catch (e) {
      socks.delete(s.id);
      fs.closeSync(fd);
      return fail(errnoOf(e));
    }
    s.watch = true;
    s.connected = true;
    s.wrShut = true;
    watchStream(s, st);
    reply({ err: 0, id: s.id });
  },

  pair(r) {
    const a = newSock('unix', r.dgram);
    const b = newSock('unix', r.dgram);
    a.peer = b;
    b.peer = a;
    a.connected = b.connected = true;
    reply({ err: 0, id: a.id, id2: b.id });
  },

  bind(r) {
    const s = socks.get(r.id)!;
    if (s.server || s.local || s.stream || s.peer) return fail(E.EINVAL);
    if (s.dgram) {
      if (s.family === 'unix') return fail(E.EOPNOTSUPP);
      const u = ensureUdp(s);
      const onErr = (e: Error) => fail(errnoOf(e));
      u.once('error', onErr);
      u.bind({ address: r.addr.host, port: r.addr.port, exclusive: true }, () => {
        u.off('error', onErr);
        const a = u.address();
        s.local = fromNode(a.family, a.address, a.port);
        reply({ err: 0 });
      });
      return;
    }
    // A stream socket: Node binds only by listening, so a bound socket already listens on the
    // host (connections that arrive before listen() wait in the accept queue). connect() after
    // bind() closes this server and connects from the bound address instead.
    const srv = newServer(s);
    srv.once('error', (e) => fail(errnoOf(e)));
    const opts: net.ListenOptions = r.addr.family === 'unix'
      ? { path: r.addr.path!, exclusive: true }
      : { host: r.addr.host, port: r.addr.port, exclusive: true, ipv6Only: r.v6only };
    srv.listen(opts, () => {
      srv.removeAllListeners('error');
      srv.on('error', () => {});
      s.server = srv;
      const a = srv.address();
      s.local = typeof a === 'string' || a === null ? r.addr : fromNode(a.family, a.address, a.port);
      reply({ err: 0 });
    });
  },

  listen(r) {
    const s = socks.get(r.id)!;
    if (s.dgram) return fail(E.EOPNOTSUPP);
    if (s.stream || s.peer) return fail(E.EINVAL);
    if (s.server) {
      s.listening = true;
      return reply({ err: 0 });
    }
    // listen() without bind(): Linux picks an ephemeral port on every address; an unbound
    // AF_UNIX socket cannot listen (unix_listen: EINVAL).
    if (s.family === 'unix') return fail(E.EINVAL);
    handlers.bind({
      op: 'bind', id: r.id,
      addr: s.family === 'inet6' ? { family: 'inet6', host: '::', port: 0 } : { family: 'inet', host: '0.0.0.0', port: 0 },
    });
    s.listening = true;
  },

  accept(r) {
    const s = socks.get(r.id)!;
    if (!s.listening || (!s.server && s.fd === undefined && !s.accepted.length)) return fail(E.EINVAL);
    answer(r, (final) => {
      if (!socks.has(s.id)) { fail(E.EBADF); return true; }
      const c = s.accepted.shift();
      if (!c) {
        if (!final) activate(s);
        if (r.nonblock) { if (!final) return false; fail(E.EAGAIN); return true; }
        return false;
      }
      const n = newSock(s.family, false);
      n.connected = true;
      if (c.destroyed) {
        watchStream(n, c);
        n.eof = n.broken = true;
        if (c.errored) n.err = errnoOf(c.errored);
      } else {
        // Node made `c` paused and unread; a socket of our own on its handle reads on demand.
        const handle = (c as unknown as { _handle: unknown })._handle;
        c.removeAllListeners();
        watchStream(n, demandSocket(n, { handle }));
      }
      if (s.family === 'unix') {
        n.local = s.local;
        n.remote = { family: 'unix', host: '', port: 0 };
      }
      reply({ err: 0, id: n.id, peer: names(n).peer });
      return true;
    });
  },

  connect(r) {
    const s = socks.get(r.id)!;
    if (s.dgram) {
      if (s.family === 'unix') return fail(E.EOPNOTSUPP);
      const u = ensureUdp(s);
      try { u.disconnect(); } catch { /* was not connected */ }
      const onErr = (e: Error) => fail(errnoOf(e));
      u.once('error', onErr);
      u.connect(r.addr.port, r.addr.host, () => {
        u.off('error', onErr);
        s.remote = r.addr;
        reply({ err: 0 });
      });
      return;
    }
    if (s.asyncConnect) {
      // The first connect() after a nonblocking one finishes reports how it ended (Linux
      // moves the socket to SS_CONNECTED only then); later ones say EISCONN.
      if (s.connecting) return fail(E.EALREADY);
      s.asyncConnect = false;
      if (s.connected) return reply({ err: 0 });
      const e = s.err || E.ECONNREFUSED;
      s.err = 0;
      return fail(e);
    }
    if (s.connected || s.peer) return fail(E.EISCONN);
    if (s.listening) return fail(E.EISCONN);
    let local: Addr | undefined;
    if (s.server) {
      local = s.local;
      s.server.close();
      for (const c of s.accepted.splice(0)) c.destroy();
      s.server = undefined;
    }
    const opts: net.NetConnectOpts = r.addr.family === 'unix'
      ? { path: r.addr.path!, allowHalfOpen: true }
      : { host: r.addr.host, port: r.addr.port, allowHalfOpen: true, localAddress: local?.host, localPort: local?.port || undefined };
    s.connecting = true;
    s.err = 0;
    const st = new net.Socket({ allowHalfOpen: true, ...onDemand(s) });
    st.pause(); // no read once connected until the guest asks (see pull)
    st.connect(opts);
    watchStream(s, st);
    if (r.addr.family === 'unix') {
      s.remote = r.addr;
      s.local = { family: 'unix', host: '', port: 0 };
    }
    st.once('connect', () => { s.connecting = false; s.connected = true; wakeUp(s); });
    if (r.nonblock) {
      s.asyncConnect = true;
      return fail(E.EINPROGRESS);
    }
    // Interrupted by a signal, the connection goes on in the background, as on Linux (a
    // later connect() says EALREADY, then how it ended).
    onCancel = () => { s.asyncConnect = true; };
    whenReady(() => {
      if (s.connecting) return false;
      if (s.connected) reply({ err: 0 });
      else { const e = s.err || E.ECONNREFUSED; s.err = 0; fail(e); }
      return true;
    });
  },

  send(r) {
    const s = socks.get(r.id)!;
    const data = Buffer.from(r.data);
    if (s.udp) {
      const cb = (e: Error | null) => (e ? fail(errnoOf(e)) : reply({ err: 0, n: data.length }));
      try {
        if (r.addr && !s.remote) s.udp.send(data, r.addr.port, r.addr.host, cb);
        else if (s.remote) s.udp.send(data, cb);
        else fail(E.EDESTADDRREQ);
      } catch (e) { fail(errnoOf(e)); }
      return;
    }
    if (s.dgram && s.peer === undefined) return fail(r.addr ? E.EOPNOTSUPP : E.ENOTCONN); // AF_UNIX, no pair
    if (s.peer !== undefined) {
      const p = s.peer;
      // A datagram pair whose other end is closed refuses (ECONNREFUSED); a stream pair breaks.
      if (s.dgram && (s.broken || !socks.has(p.id)) && !s.wrShut) return fail(E.ECONNREFUSED);
      if (s.wrShut || s.broken || !socks.has(p.id)) return fail(E.EPIPE);
      if (s.dgram) p.msgs.push({ data, from: { family: 'unix', host: '', port: 0 } });
      else { p.rx.push(data); p.rxBytes += data.length; }
      wakeUp(p, 'in');
      return reply({ err: 0, n: data.length });
    }
    const st = s.stream;
    if (!st || s.connecting) return fail(s.connecting ? E.EAGAIN : s.family === 'unix' ? E.ENOTCONN : E.EPIPE);
    if (s.wrShut || s.broken) {
      if (s.err) { const e = s.err; s.err = 0; return fail(e === E.EPIPE ? E.EPIPE : e); }
      return fail(E.EPIPE);
    }
    if (r.nonblock) {
      // Take what fits below the high-water mark now (Node passes it to the kernel as soon as
      // the kernel takes it) and say how much, as a nonblocking send with a full buffer does;
      // never wait for the peer, which may be this very guest.
      // Chunk by chunk while the kernel takes them at once (libuv writes synchronously when
      // nothing is queued): the count is about what Linux would take, plus one chunk that
      // waits here. Once Node holds unsent bytes the kernel buffer is full: EAGAIN.
      if (st.writableLength > 0) { s.noSpace = true; return fail(E.EAGAIN); }
      let n = 0;
      while (n < data.length && st.writableLength === 0) {
        const part = data.subarray(n, n + 65536);
        // Room again after an EAGAIN is a wake-up (as sk_stream_write_space); other writes are not.
        st.write(part, () => { if (s.noSpace && st.writableLength === 0) { s.noSpace = false; wakeUp(s, 'out'); } else settle(); });
        n += part.length;
      }
      return reply({ err: 0, n });
    }
    // The reply waits until Node has handed the bytes to the host kernel: then they are sent
    // even if the guest exits right away, and a blocking write blocks while the peer is slow.
    st.write(data, (e) => (e ? fail(errnoOf(e) === E.ECONNRESET ? E.EPIPE : errnoOf(e)) : reply({ err: 0, n: data.length })));
  },

  recv(r) {
    const s = socks.get(r.id)!;
    if (s.dgram) {
      if (s.udp && !s.local && !s.remote && !s.msgs.length && r.nonblock) return fail(E.EAGAIN);
      answer(r, (final) => {
        if (!socks.has(s.id)) { fail(E.EBADF); return true; }
        const m = s.msgs[0];
        if (!m) {
          // Only shutdown() ends a datagram pair's input; the other end closing does not.
          if (s.peer !== undefined && s.rdShut) { reply({ err: 0, data: new Uint8Array(0), full: 0 }); return true; }
          if (r.nonblock) { if (!final) return false; fail(E.EAGAIN); return true; }
          return false;
        }
        if (!r.peek) s.msgs.shift();
        reply({ err: 0, data: m.data.subarray(0, r.max), full: m.data.length, addr: m.from });
        return true;
      });
      return;
    }
    if (!s.stream && s.peer === undefined) return fail(E.ENOTCONN);
    answer(r, (final) => {
      if (!socks.has(s.id)) { fail(E.EBADF); return true; }
      if (s.connecting) {
        if (r.nonblock) { if (!final) return false; fail(E.EAGAIN); return true; }
        return false;
      }
      const enough = r.waitall ? Math.min(r.max, HIGH_WATER) : 1;
      if (s.rxBytes >= enough || (s.rxBytes > 0 && (s.eof || s.err || s.rdShut || r.nonblock))) {
        reply({ err: 0, data: take(s, r.max, r.peek) });
        return true;
      }
      if (s.rxBytes === 0 && s.err && !s.eof) { const e = s.err; s.err = 0; fail(e); return true; }
      if (s.eof || s.rdShut) { reply({ err: 0, data: new Uint8Array(0) }); return true; }
      if (s.err) { const e = s.err; s.err = 0; fail(e); return true; }
      if (!final) pull(s, (r.waitall ? enough : r.max) - s.rxBytes);
      if (r.nonblock) { if (!final) return false; fail(E.EAGAIN); return true; }
      return false;
    });
  },

  shutdown(r) {
    const s = socks.get(r.id)!;
    if (!s.connected && !s.connecting && s.peer === undefined && !s.udp) return fail(E.ENOTCONN);
    if (s.udp && !s.remote) return fail(E.ENOTCONN);
    if (r.how === 0 || r.how === 2) s.rdShut = true;
    if (r.how === 1 || r.how === 2) {
      if (!s.wrShut) {
        s.wrShut = true;
        if (s.stream) s.stream.end();
        if (s.peer) { s.peer.eof = true; s.peer.wakesIn++; }
      }
    }
    wakeUp(s);
    reply({ err: 0 });
  },

  close(r) {
    const s = socks.get(r.id);
    if (!s) return reply({ err: 0 });
    socks.delete(r.id);
    if (s.stream && s.watch) s.stream.destroy();
    else if (s.stream && !s.stream.destroyed) {
      // close(2) releases this descriptor only: the host kernel sends FIN (or a reset, with
      // unread data) once no process holds the socket, as Linux does; never shutdown(2) here,
      // which would end the connection for a forked process that shares it. Bytes Node still
      // queues go to the kernel first.
      const st = s.stream;
      if (st.writableLength === 0) st.destroy();
      else {
        closing.add(st);
        st.once('close', () => { closing.delete(st); settle(); });
        st.write(Buffer.alloc(0), () => st.destroy());
        setTimeout(() => st.destroy(), 5000).unref();
      }
    }
    if (s.held) s.held.close();
    else if (s.fd !== undefined) { try { fs.closeSync(s.fd); } catch { /* gone */ } }
    if (s.server) closeServer(s.server, s.local);
    for (const c of s.accepted) c.destroy();
    s.udp?.close();
    if (s.peer) { s.peer.eof = true; s.peer.broken = true; s.peer.wakesIn++; s.peer.wakesOut++; }
    settle();
    reply({ err: 0 });
  },

  inq(r) {
    const s = socks.get(r.id)!;
    // A listening socket has no input queue (tcp_ioctl, unix_ioctl: EINVAL).
    if (s.listening || s.fd !== undefined) return fail(E.EINVAL);
    const count = () => reply({ err: 0, n: s.dgram ? s.msgs[0]?.data.length ?? 0 : s.rxBytes });
    if (s.dgram || s.peer !== undefined || !s.stream) return count();
    // What the host kernel holds counts too: the asking process reads it in (see pull), and
    // the answer waits the two loop turns a nonblocking recv does.
    pull(s, HIGH_WATER);
    later(() => later(count));
  },

  share(r) {
    const s = socks.get(r.id)!;
    const fdOf = (x: unknown) => ((x as { _handle?: { fd?: number } } | undefined)?._handle?.fd ?? -1);
    const done = () => reply({ err: 0, n: s.fd ?? (s.stream && !s.watch ? fdOf(s.stream) : s.server ? fdOf(s.server) : -1) });
    if (s.peer !== undefined && !s.dgram) return realPair(s, done);
    if (s.server && s.listening && !s.held) {
      // This process stops accepting until its guest asks (see activate and dup(2) below).
      const srv = s.server;
      return dupHandle((srv as unknown as { _handle: unknown })._handle, (h) => {
        if (h && s.server === srv) {
          closeServer(srv, s.local);
          s.server = undefined;
          s.held = h;
          s.fd = h.fd;
        } else h?.close();
        done();
      });
    }
    done();
  },

  adopt(r) {
    const s = newSock(r.family, r.dgram);
    s.local = r.local;
    s.remote = r.peer;
    try {
      if (r.kind === 'stream') {
        s.connected = true;
        watchStream(s, demandSocket(s, { fd: r.fd }));
      } else if (r.kind === 'server') {
        s.listening = true;
        s.fd = r.fd;
        s.held = serverHandle(r.fd, r.family);
      } else {
        // A new socket stands in (see socket.ts); the descriptor inherited for it is not used.
        if (r.fd >= 0) fs.closeSync(r.fd);
        if (r.dgram && r.family !== 'unix') ensureUdp(s);
      }
    } catch (e) {
      socks.delete(s.id);
      return fail(errnoOf(e));
    }
    reply({ err: 0, id: s.id });
  },

  disconnect(r) {
    const s = socks.get(r.id)!;
    if (s.udp && s.remote) {
      try { s.udp.disconnect(); } catch { /* was not connected */ }
      s.remote = undefined;
    }
    reply({ err: 0 });
  },

  flush() {
    // The guest is exiting: Linux would still send what its sockets hold, so wait (a while)
    // until Node has handed every queued byte and FIN to the kernel.
    const pending = () => [...closing].some((st) => !st.destroyed)
      || [...socks.values()].some((x) => x.stream && !x.watch && !x.stream.destroyed && x.stream.writableLength > 0);
    let done = false;
    const finish = () => { if (!done) { done = true; reply({ err: 0 }); } return true; };
    whenReady(() => (pending() ? false : finish()));
    setTimeout(finish, 3000).unref();
  },

  names(r) {
    const s = socks.get(r.id)!;
    reply({ err: 0, ...names(s) });
  },

  option(r) {
    const s = socks.get(r.id)!;
    if (r.name === 'nodelay') s.stream?.setNoDelay(r.value);
    if (r.name === 'keepalive') s.stream?.setKeepAlive(r.value);
    if (r.name === 'broadcast' && s.udp) { try { s.udp.setBroadcast(r.value); } catch { /* not bound yet */ } }
    reply({ err: 0 });
  },

  takeError(r) {
    const s = socks.get(r.id)!;
    const e = s.connecting ? 0 : s.err;
    s.err = 0;
    reply({ err: 0, n: e });
  },

  poll(r) {
    let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
    let done = false;
    /** A scan has a read going, whose bytes (already in the host kernel, maybe) libuv takes
     *  in only at its next poll phase. */
    let started = false;
    const scan = (): number[] => r.items.map(({ id, events, since }) => {
      const s = socks.get(id);
      if (!s) return POLL.NVAL;
      if (s.listening && events & POLL.IN) activate(s);
      // Polling for input reads (Node learns readiness no other way); see pull. Edge-triggered,
      // new bytes count even while older ones wait unread: those are read in as well.
      const more = since === undefined ? !s.rxBytes : s.rxBytes < HIGH_WATER;
      if (events & (POLL.IN | POLL.RDNORM | POLL.RDHUP) && more) {
        pull(s, POLL_CHUNK);
        if (s.reading) started = true;
      }
      if (since !== undefined && wakesFor(s, events) <= since) return 0;
      return readiness(s) & (events | POLL.ERR | POLL.HUP);
    });
    const wakes = () => r.items.map(({ id, events }) => { const s = socks.get(id); return s ? wakesFor(s, events) : 0; });
    const attempt = (final = false) => {
      if (done) return true;
      const rev = scan();
      if (!rev.some((x) => x) && !final) return false;
      done = true;
      if (timer) clearTimeout(timer as NodeJS.Timeout);
      reply({ err: 0, revents: rev, wakes: wakes() });
      return true;
    };
    const proceed = () => {
      if (attempt()) return;
      // A zero timeout still lets libuv poll for I/O once (see answer()).
      if (r.timeoutMs === 0) {
        later(() => { if (!attempt()) later(() => attempt(true)); });
        return;
      }
      waiters.push(attempt);
      if (r.timeoutMs > 0) {
        timer = later(() => {
          if (done) return;
          waiters = waiters.filter((w) => w !== attempt);
          attempt(true);
        }, r.timeoutMs);
      }
    };
    // Linux reports every file ready at the call, so when one is ready already and another is
    // being read (bytes the guest itself just wrote to a pipe, say), the answer waits until
    // libuv has polled for I/O once (two turns, see answer()).
    const ready = scan().some((x) => x);
    if (ready && started) later(() => later(proceed));
    else proceed(); // nothing ready yet: the wait sees what the reads bring
  },
};

function names(s: Sock): { local?: Addr; peer?: Addr } {
  let local = s.local;
  let peer = s.remote;
  if (s.family !== 'unix') {
    if (s.stream) {
      local = fromNode(s.stream.localFamily, s.stream.localAddress, s.stream.localPort) ?? local;
      peer = fromNode(s.stream.remoteFamily, s.stream.remoteAddress, s.stream.remotePort) ?? (s.connected ? peer : undefined);
    } else if (s.udp) {
      try { const a = s.udp.address(); local = fromNode(a.family, a.address, a.port); } catch { /* unbound */ }
      try { const a = s.udp.remoteAddress(); peer = fromNode(a.family, a.address, a.port); } catch { peer = undefined; }
    }
  } else if (s.peer !== undefined) {
    local = { family: 'unix', host: '', port: 0 };
    peer = local;
  }
  return { local, peer };
}

// A failure inside an event handler must not end the worker: the guest thread would wait
// for its answers forever. The request being served still gets its reply (below).
process.on('uncaughtException', () => {});

parentPort!.on('message', (r: Request) => {
  if (r.op === 'wake') {
    wake = new Int32Array(r.buffer);
    return;
  }
  if (r.op === 'cancel') {
    // The guest stopped waiting: drop the request's waiters and say so (ERESTARTSYS, which the
    // guest's dispatcher turns into a restart or EINTR). Nothing else is pending: the guest
    // has one request at a time.
    if (answered || r.seq !== current) return;
    waiters = [];
    onCancel?.();
    fail(ERESTARTSYS);
    return;
  }
  current = r.seq ?? current + 1;
  answered = false;
  onCancel = undefined;
  try {
    if ('id' in r && !socks.has(r.id) && r.op !== 'close') return fail(E.EBADF);
    (handlers[r.op as Op] as (r: Request) => void)(r);
  } catch (e) {
    fail(errnoOf(e));
  }
});
