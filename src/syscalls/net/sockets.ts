// Socket system calls: socket, socketpair, bind, listen, accept(4), connect, getsockname,
// getpeername, sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg, shutdown, setsockopt,
// getsockopt.
// The sockets themselves live in the socket worker (vfs/socket.ts); this file turns guest
// structures (sockaddr, msghdr, cmsg, option values) into requests and back.
//
// What is not there (each fails as described rather than misbehaving):
// - SOCK_RAW, SOCK_SEQPACKET, AF_PACKET/NETLINK/...: ESOCKTNOSUPPORT / EAFNOSUPPORT.
// - AF_UNIX datagram sockets bound to a path (Node has none): bind/connect give EOPNOTSUPP;
//   socketpair(AF_UNIX, SOCK_DGRAM) works.
// - socketpair ends are connected inside this process; SCM_RIGHTS works across them (the
//   descriptors are queued with the next message). Sockets are not inherited by fork.
// - A connected UDP socket sends to its peer even when sendto names another address (Node's
//   dgram refuses both at once); Linux sends to the named address.
// - SO_RCVTIMEO times out recv and accept with EAGAIN; SO_SNDTIMEO is recorded only (a send
//   waits for the host kernel to take the bytes, not for the peer).
import { PERM_W } from '../../cpu/memory.js';
import { inMemory } from '../../vfs/backend.js';
import { O, type OpenFile } from '../../vfs/file.js';
import { AF, RECV_MAX, SOCK, SocketFile, sockets } from '../../vfs/socket.js';
import type { Addr } from '../../vfs/socket-protocol.js';
import { resolveAt, AT_FDCWD } from '../fs/at.js';
import { checkListen, checkSocketAddress, memorySocketPath } from '../confine.js';
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import { MAX_RW_COUNT, readableSpan, writableSpan } from '../guest.js';
import type { Kernel } from '../kernel.js';

const SOCK_NONBLOCK = O.NONBLOCK, SOCK_CLOEXEC = O.CLOEXEC;
const MSG = {
  OOB: 0x1, PEEK: 0x2, CTRUNC: 0x8, TRUNC: 0x20, DONTWAIT: 0x40, WAITALL: 0x100, NOSIGNAL: 0x4000,
  CMSG_CLOEXEC: 0x40000000,
} as const;
const IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IP = 0, IPPROTO_IPV6 = 41, SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const SOCKADDR_MAX = 128;

export function socketOf(k: Kernel, fd: number): SocketFile {
  const f = k.fds.get(fd);
  if (!(f instanceof SocketFile)) throw new SysError(E.ENOTSOCK);
  attachKernel(k);
  return f;
}

/** Let this kernel's signals and timers interrupt the socket worker's blocking waits. */
export function attachKernel(k: Kernel): void {
  sockets.attachKernel(k.wake, (done) => k.waitInterruptibly(null, done));
}

// ---------------------------------------------------------------- addresses

function ipv6Text(b: Uint8Array): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] << 8) | b[i + 1]).toString(16));
  return words.join(':');
}

function ipv6Bytes(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let t = text.replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  const tail: number[] = [];
  if (v4) {
    tail.push(...v4.slice(1).map(Number));
    t = t.slice(0, v4.index) + '0:0';
  }
  const [head, rest] = t.includes('::') ? t.split('::') : [t, undefined];
  const hw = head ? head.split(':').filter((x) => x !== '') : [];
  const rw = rest !== undefined ? rest.split(':').filter((x) => x !== '') : [];
  const words = [...hw, ...Array(8 - hw.length - rw.length).fill('0'), ...rw].map((w) => parseInt(w, 16) || 0);
  words.slice(0, 8).forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  if (v4) out.set(tail, 12);
  return out;
}

/** A guest sockaddr for a socket of `domain`. */
function readAddr(k: Kernel, addr: number, len: number, domain: number): Addr {
  if (len < 0 || len > SOCKADDR_MAX) throw new SysError(E.EINVAL);
  if (len < 2) throw new SysError(E.EINVAL);
  const b = Buffer.from(k.mem.read(addr, len));
  const fam = b.readUInt16LE(0);
  if (domain === AF.INET) {
    if (len < 16) throw new SysError(E.EINVAL);
    if (fam !== AF.INET) throw new SysError(E.EAFNOSUPPORT);
    return { family: 'inet', host: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port: b.readUInt16BE(2) };
  }
  if (domain === AF.INET6) {
    if (len < 24) throw new SysError(E.EINVAL);
    if (fam !== AF.INET6) throw new SysError(E.EAFNOSUPPORT);
    return { family: 'inet6', host: ipv6Text(b.subarray(8, 24)), port: b.readUInt16BE(2) };
  }
  if (fam !== AF.UNIX) throw new SysError(E.EINVAL);
  if (len <= 2) throw new SysError(E.EINVAL); // autobind to an abstract name: not supported
  const raw = b.subarray(2, len);
  if (raw[0] === 0) return { family: 'unix', host: '', port: 0, path: '\0' + raw.subarray(1).toString('latin1') };
  const end = raw.indexOf(0);
  const p = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  // Relative paths are relative to the guest's cwd, which is not necessarily Node's.
  const where = resolveAt(k, AT_FDCWD, p);
  return { family: 'unix', host: '', port: 0, path: inMemory() ? memorySocketPath(k, where.guest) : where.host, guestPath: p };
}

function addrBytes(a: Addr | undefined, domain: number): Buffer {
  if (domain === AF.UNIX) {
    const p = a?.guestPath ?? a?.path;
    if (!p) { const b = Buffer.alloc(2); b.writeUInt16LE(AF.UNIX, 0); return b; }
    const body = Buffer.from(p, 'latin1');
    const b = Buffer.alloc(2 + body.length + (p.startsWith('\0') ? 0 : 1));
    b.writeUInt16LE(AF.UNIX, 0);
    body.copy(b, 2);
    return b;
  }
  if (domain === AF.INET6) {
    const b = Buffer.alloc(28);
    b.writeUInt16LE(AF.INET6, 0);
    b.writeUInt16BE(a?.port ?? 0, 2);
    if (a) b.set(a.family === 'inet' ? ipv6Bytes('::ffff:' + a.host) : ipv6Bytes(a.host), 8);
    return b;
  }
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF.INET, 0);
  b.writeUInt16BE(a?.port ?? 0, 2);
  if (a) a.host.split('.').forEach((x, i) => { b[4 + i] = Number(x) & 0xff; });
  return b;
}

/** Copy an address out the way Linux does: truncated to *lenp, *lenp set to its full size. */
function writeAddr(k: Kernel, addr: number, lenp: number, a: Addr | undefined, domain: number): void {
  if (!addr) return;
  const len = k.mem.readI32(lenp);
  if (len < 0) throw new SysError(E.EINVAL);
  const b = addrBytes(a, domain);
  k.mem.write(addr, b.subarray(0, Math.min(len, b.length)));
  k.mem.writeU32(lenp, b.length);
}

// ---------------------------------------------------------------- creating

function install(k: Kernel, f: SocketFile, cloexec: boolean): number {
  try {
    return k.fds.alloc(f, cloexec);
  } catch (err) {
    f.close();
    throw err;
  }
}

/** Check (domain, type, protocol) as Linux does; returns the base type and the protocol. */
function checkKind(domain: number, type: number, protocol: number): [number, number] {
  if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) throw new SysError(E.EINVAL);
  const base = type & 0xf;
  if (domain !== AF.UNIX && domain !== AF.INET && domain !== AF.INET6) throw new SysError(E.EAFNOSUPPORT);
  if (base !== SOCK.STREAM && base !== SOCK.DGRAM) throw new SysError(E.ESOCKTNOSUPPORT);
  if (domain === AF.UNIX) {
    if (protocol !== 0 && protocol !== AF.UNIX) throw new SysError(E.EPROTONOSUPPORT);
    return [base, 0];
  }
  const want = base === SOCK.STREAM ? IPPROTO_TCP : IPPROTO_UDP;
  if (protocol !== 0 && protocol !== want) throw new SysError(E.EPROTONOSUPPORT);
  return [base, want];
}

syscall('socket', 'domain:int type:hex protocol:int', (k, domain, type, protocol) => {
  const [base, proto] = checkKind(domain, type, protocol);
  const family = domain === AF.UNIX ? 'unix' : domain === AF.INET6 ? 'inet6' : 'inet';
  attachKernel(k); // read(2) of it must be interruptible too, not only recv
  const { id } = sockets.call({ op: 'socket', family, dgram: base === SOCK.DGRAM });
  return install(k, new SocketFile(id!, domain, base, proto, type), (type & SOCK_CLOEXEC) !== 0);
});

syscall('socketpair', 'domain:int type:hex protocol:int sv:ptr', (k, domain, type, protocol, sv) => {
  const [base] = checkKind(domain, type, protocol);
  if (domain !== AF.UNIX) throw new SysError(E.EOPNOTSUPP);
  k.mem.check(sv, 8, PERM_W);
  attachKernel(k); // read(2) of it must be interruptible too, not only recv
  const r = sockets.call({ op: 'pair', dgram: base === SOCK.DGRAM });
  const a = new SocketFile(r.id!, domain, base, 0, type);
  const b = new SocketFile(r.id2!, domain, base, 0, type);
  a.peer = b;
  b.peer = a;
  const cloexec = (type & SOCK_CLOEXEC) !== 0;
  let fa = -1;
  try {
    fa = install(k, a, cloexec);
    const fb = install(k, b, cloexec);
    const out = Buffer.alloc(8);
    out.writeInt32LE(fa, 0);
    out.writeInt32LE(fb, 4);
    k.mem.write(sv, out);
    return 0;
  } catch (err) {
    if (fa >= 0) k.fds.close(fa); else a.close();
    b.close();
    throw err;
  }
});

syscall('bind', 'fd:int addr:ptr addrlen:int', (k, fd, addr, len) => {
  const s = socketOf(k, fd);
  const a = readAddr(k, addr, len, s.domain);
  checkSocketAddress(k, 'bind', a);
  const v6only = s.options.get(`${IPPROTO_IPV6}:26`);
  sockets.call({ op: 'bind', id: s.id, addr: a, v6only: v6only ? Buffer.from(v6only).readInt32LE(0) !== 0 : false });
  return 0;
});

syscall('listen', 'fd:int backlog:int', (k, fd, backlog) => {
  const s = socketOf(k, fd);
  checkListen(k, s.domain !== AF.UNIX);
  sockets.call({ op: 'listen', id: s.id, backlog });
  s.listening = true;
  return 0;
});

function accept(k: Kernel, fd: number, addr: number, lenp: number, flags: number): number {
  if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) throw new SysError(E.EINVAL);
  const s = socketOf(k, fd);
  if (s.type !== SOCK.STREAM) throw new SysError(E.EOPNOTSUPP);
  if (addr) k.mem.readI32(lenp);
  const r = sockets.call({ op: 'accept', id: s.id, nonblock: s.nonblock, timeoutMs: s.receiveTimeoutMs() }, true);
  const c = new SocketFile(r.id!, s.domain, s.type, s.protocol, flags);
  const nfd = install(k, c, (flags & SOCK_CLOEXEC) !== 0);
  try {
    writeAddr(k, addr, lenp, r.peer, s.domain);
  } catch (err) {
    k.fds.close(nfd);
    throw err;
  }
  return nfd;
}

syscall('accept', 'fd:int addr:ptr addrlen:ptr', (k, fd, addr, lenp) => accept(k, fd, addr, lenp, 0));
syscall('accept4', 'fd:int addr:ptr addrlen:ptr flags:hex', accept);

syscall('connect', 'fd:int addr:ptr addrlen:int', (k, fd, addr, len) => {
  const s = socketOf(k, fd);
  // AF_UNSPEC dissolves a datagram socket's association (connect(2)).
  if (s.type === SOCK.DGRAM && s.domain !== AF.UNIX && len >= 2 && len <= SOCKADDR_MAX && (k.mem.readU32(addr) & 0xffff) === 0) {
    sockets.call({ op: 'disconnect', id: s.id });
    return 0;
  }
  const a = readAddr(k, addr, len, s.domain);
  checkSocketAddress(k, 'connect', a);
  sockets.call({ op: 'connect', id: s.id, addr: a, nonblock: s.nonblock }, true);
  return 0;
});

syscall('getsockname', 'fd:int addr:ptr addrlen:ptr', (k, fd, addr, lenp) => {
  const s = socketOf(k, fd);
  const { local } = sockets.call({ op: 'names', id: s.id });
  writeAddr(k, addr, lenp, local, s.domain);
  return 0;
});

syscall('getpeername', 'fd:int addr:ptr addrlen:ptr', (k, fd, addr, lenp) => {
  const s = socketOf(k, fd);
  const { peer } = sockets.call({ op: 'names', id: s.id });
  if (!peer) throw new SysError(E.ENOTCONN);
  writeAddr(k, addr, lenp, peer, s.domain);
  return 0;
});

syscall('shutdown', 'fd:int how:int', (k, fd, how) => {
  const s = socketOf(k, fd);
  if (how < 0 || how > 2) throw new SysError(E.EINVAL);
  sockets.call({ op: 'shutdown', id: s.id, how });
  return 0;
});

// ---------------------------------------------------------------- data

/** Send, turning EPIPE into SIGPIPE unless MSG_NOSIGNAL (as Linux does for stream sockets). */
function sendOrSigpipe(k: Kernel, s: SocketFile, data: Uint8Array, to: Addr | undefined, flags: number): number {
  try {
    return s.send(data, to, (flags & MSG.DONTWAIT) !== 0);
  } catch (err) {
    if (err instanceof SysError && err.errno === E.EPIPE && !(flags & MSG.NOSIGNAL)) k.brokenPipe();
    throw err;
  }
}

syscall('sendto', 'fd:int buf:ptr len:size flags:hex addr:ptr addrlen:int', (k, fd, buf, len, flags, addr, alen) => {
  const s = socketOf(k, fd);
  if (flags & MSG.OOB) throw new SysError(E.EOPNOTSUPP);
  const n = readableSpan(k, buf, len);
  const to = addr ? readAddr(k, addr, alen, s.domain) : undefined;
  // A stream socket ignores the address, as Linux does for a connected one.
  if (to && s.type === SOCK.DGRAM) checkSocketAddress(k, 'send', to);
  return sendOrSigpipe(k, s, k.mem.view(buf, n), s.type === SOCK.DGRAM ? to : undefined, flags);
});

function recvFlags(flags: number): { peek: boolean; waitall: boolean; dontwait: boolean } {
  return { peek: (flags & MSG.PEEK) !== 0, waitall: (flags & MSG.WAITALL) !== 0, dontwait: (flags & MSG.DONTWAIT) !== 0 };
}

syscall('recvfrom', 'fd:int buf:ptr len:size flags:hex addr:ptr addrlen:ptr', (k, fd, buf, len, flags, addr, lenp) => {
  const s = socketOf(k, fd);
  if (flags & MSG.OOB) throw new SysError(E.EINVAL);
  const n = writableSpan(k, buf, len);
  if (addr) k.mem.readI32(lenp);
  const f = recvFlags(flags);
  const tmp = new Uint8Array(Math.min(n, RECV_MAX));
  const r = s.recv(tmp, f.peek, f.waitall, f.dontwait);
  k.mem.write(buf, tmp.subarray(0, r.n));
  if (addr && s.type === SOCK.DGRAM) writeAddr(k, addr, lenp, r.from, s.domain);
  else if (addr) k.mem.writeU32(lenp, 0);
  return (flags & MSG.TRUNC) && s.type === SOCK.DGRAM ? r.full : r.n;
});

interface MsgHdr { name: number; namelen: number; iov: [number, number][]; control: number; controllen: number }

/** struct msghdr (56 bytes on 64-bit) and its iovec array. */
function readMsg(k: Kernel, msg: number): MsgHdr {
  const b = Buffer.from(k.mem.read(msg, 56));
  const iovp = Number(b.readBigUInt64LE(16));
  const iovlen = b.readBigUInt64LE(24);
  if (iovlen > 1024n) throw new SysError(E.EMSGSIZE);
  const iov: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < Number(iovlen); i++) {
    const base = Number(k.mem.readU64(iovp + i * 16));
    const len = k.mem.readU64(iovp + i * 16 + 8);
    if (len > 0x7fffffffffffffffn) throw new SysError(E.EINVAL);
    const l = Math.min(Number(len), MAX_RW_COUNT - total);
    total += l;
    iov.push([base, l]);
  }
  const controllen = b.readBigUInt64LE(40);
  return {
    name: Number(b.readBigUInt64LE(0)), namelen: b.readInt32LE(8), iov,
    control: Number(b.readBigUInt64LE(32)), controllen: controllen > 0x7fffffffn ? 0x7fffffff : Number(controllen),
  };
}

syscall('sendmsg', 'fd:int msg:ptr flags:hex', (k, fd, msgp, flags) => sendMsg(k, socketOf(k, fd), msgp, flags));

function sendMsg(k: Kernel, s: SocketFile, msgp: number, flags: number): number {
  if (flags & MSG.OOB) throw new SysError(E.EOPNOTSUPP);
  const m = readMsg(k, msgp);
  const to = m.name && s.type === SOCK.DGRAM ? readAddr(k, m.name, m.namelen, s.domain) : undefined;
  if (to) checkSocketAddress(k, 'send', to);
  const rights = m.controllen ? readRights(k, m.control, m.controllen) : [];
  if (rights.length && !s.peer) throw new SysError(E.EOPNOTSUPP);
  const data = Buffer.concat(m.iov.map(([base, len]) => k.mem.read(base, len)));
  const n = sendOrSigpipe(k, s, data, to, flags);
  if (rights.length && s.peer) {
    for (const f of rights) f.refs++;
    s.peer.rights.push(rights);
  }
  return n;
}

/** The descriptors of SCM_RIGHTS messages in a control buffer (other cmsgs are ignored). */
function readRights(k: Kernel, control: number, len: number): OpenFile[] {
  const b = Buffer.from(k.mem.read(control, Math.min(len, 4096)));
  const files: OpenFile[] = [];
  for (let at = 0; at + 16 <= b.length;) {
    const clen = Number(b.readBigUInt64LE(at));
    if (clen < 16 || at + clen > b.length) throw new SysError(E.EINVAL);
    if (b.readInt32LE(at + 8) === SOL_SOCKET && b.readInt32LE(at + 12) === SCM_RIGHTS) {
      for (let p = at + 16; p + 4 <= at + clen; p += 4) files.push(k.fds.get(b.readInt32LE(p)));
    }
    at += (clen + 7) & ~7;
  }
  if (files.length > 253) throw new SysError(E.EINVAL);
  return files;
}

syscall('recvmsg', 'fd:int msg:ptr flags:hex', (k, fd, msgp, flags) => recvMsg(k, socketOf(k, fd), msgp, flags));

function recvMsg(k: Kernel, s: SocketFile, msgp: number, flags: number): number {
  if (flags & MSG.OOB) throw new SysError(E.EINVAL);
  const m = readMsg(k, msgp);
  const total = m.iov.reduce((t, [, l]) => t + l, 0);
  const f = recvFlags(flags);
  const tmp = new Uint8Array(Math.min(total, RECV_MAX));
  const r = s.recv(tmp, f.peek, f.waitall, f.dontwait);
  let at = 0;
  for (const [base, len] of m.iov) {
    if (at >= r.n) break;
    const take = Math.min(len, r.n - at);
    k.mem.write(base, tmp.subarray(at, at + take));
    at += take;
  }
  let outFlags = 0;
  if (s.type === SOCK.DGRAM && r.full > r.n) outFlags |= MSG.TRUNC;
  // msg_namelen and msg_controllen are updated in place, as Linux does.
  if (m.name && s.type === SOCK.DGRAM) {
    const b = addrBytes(r.from, s.domain);
    k.mem.write(m.name, b.subarray(0, Math.min(Math.max(m.namelen, 0), b.length)));
    k.mem.writeU32(msgp + 8, b.length);
  } else {
    k.mem.writeU32(msgp + 8, 0);
  }
  let clen = 0;
  const rights = !f.peek && r.n > 0 ? s.rights.shift() : undefined;
  if (rights) {
    const fit = m.control ? Math.max(0, Math.min(rights.length, Math.floor((m.controllen - 16) / 4))) : 0;
    if (fit < rights.length) outFlags |= MSG.CTRUNC;
    const fds: number[] = [];
    for (let i = 0; i < rights.length; i++) {
      const file = rights[i];
      if (i < fit) {
        try {
          fds.push(k.fds.alloc(file, (flags & MSG.CMSG_CLOEXEC) !== 0));
          continue;
        } catch { outFlags |= MSG.CTRUNC; }
      }
      if (--file.refs === 0) file.close();
    }
    if (fds.length) {
      const b = Buffer.alloc(16 + fds.length * 4);
      b.writeBigUInt64LE(BigInt(16 + fds.length * 4), 0);
      b.writeInt32LE(SOL_SOCKET, 8);
      b.writeInt32LE(SCM_RIGHTS, 12);
      fds.forEach((x, i) => b.writeInt32LE(x, 16 + i * 4));
      k.mem.write(m.control, b);
      clen = (b.length + 7) & ~7;
    }
  }
  k.mem.writeU64(msgp + 40, clen);
  k.mem.writeU32(msgp + 48, outFlags);
  return (flags & MSG.TRUNC) && s.type === SOCK.DGRAM ? r.full : r.n;
}

// sendmmsg/recvmmsg: struct mmsghdr is a msghdr (56 bytes) and msg_len, 64 bytes in all. As on
// Linux, an error after the first message ends the batch with the count done so far.
const MSG_WAITFORONE = 0x10000;

function batch(k: Kernel, vec: number, vlen: number, one: (msgp: number, i: number) => number): number {
  const n = Math.min(vlen, 1024);
  let done = 0;
  for (; done < n; done++) {
    let len: number;
    try {
      len = one(vec + done * 64, done);
    } catch (err) {
      if (done === 0) throw err;
      break;
    }
    k.mem.writeU32(vec + done * 64 + 56, len);
  }
  return done;
}

syscall('sendmmsg', 'fd:int msgvec:ptr vlen:uint flags:hex', (k, fd, vec, vlen, flags) => {
  const s = socketOf(k, fd);
  return batch(k, vec, vlen, (m) => sendMsg(k, s, m, flags));
});

syscall('recvmmsg', 'fd:int msgvec:ptr vlen:uint flags:hex timeout:ptr', (k, fd, vec, vlen, flags, tmo) => {
  const s = socketOf(k, fd);
  if (tmo) {
    const nsec = BigInt.asIntN(64, k.mem.readU64(tmo + 8));
    if (BigInt.asIntN(64, k.mem.readU64(tmo)) < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new SysError(E.EINVAL);
  }
  // The timeout is only checked between messages on Linux too; here the batch stops once one
  // message had to be waited for (MSG_WAITFORONE behaviour) when a timeout is given.
  const after = (flags & MSG_WAITFORONE) || tmo ? MSG.DONTWAIT : 0;
  return batch(k, vec, vlen, (m, i) => recvMsg(k, s, m, (flags & ~MSG_WAITFORONE) | (i > 0 ? after : 0)));
});

// ---------------------------------------------------------------- options

/** Options a socket has at each level: name → size of its value (4: an int). */
const KNOWN: Record<number, Record<number, number>> = {
  [SOL_SOCKET]: {
    2: 4, 5: 4, 6: 4, 7: 4, 8: 4, 9: 4, 10: 4, 12: 4, 13: 8, 15: 4, 16: 4, 18: 4, 19: 4, 20: 16, 21: 16, 29: 4,
  },
  [IPPROTO_TCP]: { 1: 4, 2: 4, 3: 4, 4: 4, 5: 4, 6: 4, 7: 4, 8: 4, 9: 4, 10: 4, 12: 4, 18: 4, 23: 4, 25: 4 },
  [IPPROTO_IP]: { 1: 4, 2: 4, 11: 4, 33: 4, 34: 4 },
  [IPPROTO_IPV6]: { 16: 4, 18: 4, 19: 4, 26: 4 },
};
/** Values an option reads as before any setsockopt (Linux's defaults). */
const DEFAULTS: Record<string, number> = {
  [`${SOL_SOCKET}:7`]: 16384, [`${SOL_SOCKET}:8`]: 131072, [`${SOL_SOCKET}:18`]: 1, [`${SOL_SOCKET}:19`]: 1,
  [`${IPPROTO_IP}:2`]: 64, [`${IPPROTO_IP}:33`]: 1, [`${IPPROTO_IP}:34`]: 1, [`${IPPROTO_IPV6}:16`]: 64,
  [`${IPPROTO_IPV6}:19`]: 1, [`${IPPROTO_TCP}:2`]: 536, [`${IPPROTO_TCP}:4`]: 7200, [`${IPPROTO_TCP}:5`]: 75,
  [`${IPPROTO_TCP}:6`]: 9, [`${IPPROTO_TCP}:7`]: 6,
};

function levelApplies(s: SocketFile, level: number): boolean {
  if (level === SOL_SOCKET) return true;
  if (s.domain === AF.UNIX) return false;
  if (level === IPPROTO_TCP) return s.type === SOCK.STREAM;
  if (level === IPPROTO_IPV6) return s.domain === AF.INET6;
  return level === IPPROTO_IP;
}

syscall('setsockopt', 'fd:int level:int name:int val:ptr len:int', (k, fd, level, name, val, len) => {
  const s = socketOf(k, fd);
  const size = KNOWN[level]?.[name];
  if (size === undefined || !levelApplies(s, level)) {
    throw new SysError(s.domain === AF.UNIX && level === IPPROTO_TCP ? E.EOPNOTSUPP : E.ENOPROTOOPT);
  }
  if (len < size && !(size === 4 && len >= 1 && level === IPPROTO_IP)) throw new SysError(E.EINVAL);
  if (level === SOL_SOCKET && (name === 20 || name === 21)) {
    // struct timeval: usec must be below a second (EDOM otherwise); negative seconds mean none.
    const tv = Buffer.from(k.mem.read(val, 16));
    const usec = tv.readBigInt64LE(8);
    if (usec < 0n || usec >= 1_000_000n) throw new SysError(E.EDOM);
    if (tv.readBigInt64LE(0) < 0n) tv.fill(0);
    s.options.set(`${level}:${name}`, tv);
    return 0;
  }
  const raw = Buffer.alloc(size);
  Buffer.from(k.mem.read(val, Math.min(len, size))).copy(raw);
  const on = raw.readInt32LE(0) !== 0;
  if (level === SOL_SOCKET && (name === 7 || name === 8)) {
    // Linux doubles the buffer sizes it is given (for its bookkeeping) and reports the double.
    raw.writeInt32LE(Math.max(name === 7 ? 4608 : 2304, Math.min(0x7fffffff, raw.readInt32LE(0) * 2) | 0), 0);
  } else if (size === 4 && !(level === IPPROTO_IP || level === IPPROTO_IPV6) && name !== 4 && name !== 18) {
    // Boolean options read back as 0 or 1.
    if (level === SOL_SOCKET || (level === IPPROTO_TCP && [1, 3, 12].includes(name))) raw.writeInt32LE(on ? 1 : 0, 0);
  }
  s.options.set(`${level}:${name}`, raw);
  if (level === IPPROTO_TCP && name === 1) sockets.call({ op: 'option', id: s.id, name: 'nodelay', value: on });
  if (level === SOL_SOCKET && name === 9) sockets.call({ op: 'option', id: s.id, name: 'keepalive', value: on });
  if (level === SOL_SOCKET && name === 6) sockets.call({ op: 'option', id: s.id, name: 'broadcast', value: on });
  return 0;
});

function intBytes(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

syscall('getsockopt', 'fd:int level:int name:int val:ptr lenp:ptr', (k, fd, level, name, val, lenp) => {
  const s = socketOf(k, fd);
  const len = k.mem.readI32(lenp);
  if (len < 0) throw new SysError(E.EINVAL);
  let value: Uint8Array | undefined;
  if (level === SOL_SOCKET) {
    switch (name) {
      case 3: value = intBytes(s.type); break; // SO_TYPE
      case 4: value = intBytes(sockets.call({ op: 'takeError', id: s.id }).n ?? 0); break; // SO_ERROR
      case 30: value = intBytes(s.listening ? 1 : 0); break; // SO_ACCEPTCONN
      case 38: value = intBytes(s.protocol); break; // SO_PROTOCOL
      case 39: value = intBytes(s.domain); break; // SO_DOMAIN
      case 17: { // SO_PEERCRED: only socketpair peers are known to be this process
        const b = Buffer.alloc(12);
        if (s.peer) {
          b.writeInt32LE(k.pid, 0);
          b.writeUInt32LE(process.getuid?.() ?? 0, 4);
          b.writeUInt32LE(process.getgid?.() ?? 0, 8);
        } else {
          b.writeInt32LE(0, 0);
          b.writeInt32LE(-1, 4);
          b.writeInt32LE(-1, 8);
        }
        value = b;
        break;
      }
    }
  }
  if (!value) {
    const size = KNOWN[level]?.[name];
    if (size === undefined || !levelApplies(s, level)) {
      throw new SysError(s.domain === AF.UNIX && level === IPPROTO_TCP ? E.EOPNOTSUPP : E.ENOPROTOOPT);
    }
    const key = `${level}:${name}`;
    value = s.options.get(key) ?? (size === 4 ? intBytes(DEFAULTS[key] ?? 0) : new Uint8Array(size));
  }
  const n = Math.min(len, value.length);
  k.mem.write(val, value.subarray(0, n));
  k.mem.writeU32(lenp, n);
  return 0;
});
