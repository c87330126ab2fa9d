// Descriptor operations: dup, dup3, fcntl, ioctl, pipe2, close_range.
import { spawnSync } from 'node:child_process';
import * as tty from 'node:tty';
import { PERM_W } from '../../cpu/memory.js';
import { lockKey, O, S_IFIFO, S_IFMT, S_IFREG } from '../../vfs/file.js';
import { F_RDLCK, F_UNLCK, F_WRLCK } from '../../vfs/locks.js';
import { LockConflict } from '../../vfs/shared-locks.js';
import { HostFile } from '../../vfs/host.js';
import { hostPipe } from '../../vfs/pipe.js';
import { SocketFile } from '../../vfs/socket.js';
import { WatchedStream } from '../../vfs/socket-watch.js';
import { watch } from './poll.js';
import { syscall } from '../define.js';
import { E, ERESTARTSYS, SysError } from '../errno.js';
import { checkReadable, checkWritable } from './files.js';
import { HOST_EVENTS, signalBit, type Kernel } from '../kernel.js';
import { hasControllingTerminal, loseControllingTerminal, takeControllingTerminal } from '../process/process.js';
import { signalGroup } from '../signal/signals.js';

syscall('dup', 'fd:int', (k, fd) => k.fds.dup(fd));

syscall('dup3', 'oldfd:int newfd:int flags:hex', (k, oldfd, newfd, flags) => {
  if (flags & ~O.CLOEXEC) throw new SysError(E.EINVAL);
  if (oldfd === newfd) throw new SysError(E.EINVAL);
  const f = k.fds.get(oldfd);
  if (newfd < 0 || newfd >= k.fds.limit) throw new SysError(E.EBADF);
  f.refs++;
  k.fds.set(newfd, f, (flags & O.CLOEXEC) !== 0);
  return newfd;
});

const F = {
  DUPFD: 0, GETFD: 1, SETFD: 2, GETFL: 3, SETFL: 4, GETLK: 5, SETLK: 6, SETLKW: 7, SETOWN: 8, GETOWN: 9,
  SETSIG: 10, GETSIG: 11, OFD_GETLK: 36, OFD_SETLK: 37, OFD_SETLKW: 38, DUPFD_CLOEXEC: 1030, SETPIPE_SZ: 1031,
  GETPIPE_SZ: 1032, ADD_SEALS: 1033, GET_SEALS: 1034,
} as const;
/** Status flags F_SETFL may change. */
const SETFL_MASK = O.APPEND | O.NONBLOCK | O.ASYNC | O.DIRECT | O.NOATIME;

/**
 * Record locks (see vfs/locks.ts for what they are and are not). struct flock on aarch64:
 * i16 l_type, i16 l_whence, (pad), i64 l_start @8, i64 l_len @16, i32 l_pid @24.
 */
function recordLock(k: Kernel, fd: number, cmd: number, arg: number): number {
  const f = k.fds.get(fd);
  const b = Buffer.from(k.mem.read(arg, 32));
  const type = b.readInt16LE(0);
  const whence = b.readInt16LE(2);
  const ofd = cmd === F.OFD_GETLK || cmd === F.OFD_SETLK || cmd === F.OFD_SETLKW;
  const get = cmd === F.GETLK || cmd === F.OFD_GETLK;
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) throw new SysError(E.EINVAL);
  if (get && type === F_UNLCK) throw new SysError(E.EINVAL);
  if (ofd && b.readInt32LE(24) !== 0) throw new SysError(E.EINVAL);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  // The range: l_start relative to l_whence; a negative l_len covers the bytes before l_start.
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f.seek(0, 1);
  else if (whence === 2) base = f.stat().size;
  else throw new SysError(E.EINVAL);
  const lstart = Number(b.readBigInt64LE(8));
  const llen = Number(b.readBigInt64LE(16));
  let start = base + lstart;
  let end = llen === 0 ? Infinity : start + llen - 1;
  if (llen < 0) { end = start - 1; start += llen; }
  if (start < 0) throw new SysError(E.EINVAL);
  const key = lockKey(f) ?? `fd:${fd}`;
  const owner = ofd ? f : k.fds.processOwner;
  if (get) {
    const c = k.fds.locks.conflict(key, owner, type, start, end);
    if (!c) {
      b.writeInt16LE(F_UNLCK, 0);
    } else {
      b.writeInt16LE(c.type, 0);
      b.writeInt16LE(0, 2);
      b.writeBigInt64LE(BigInt(c.start), 8);
      b.writeBigInt64LE(c.end === Infinity ? 0n : BigInt(c.end - c.start + 1), 16);
      b.writeInt32LE(c.ofd ? -1 : c.pid, 24);
    }
    k.mem.write(arg, b);
    return 0;
  }
  if (type === F_RDLCK) checkReadable(f);
  if (type === F_WRLCK) checkWritable(f);
  lockOrWait(k, cmd === F.SETLKW || cmd === F.OFD_SETLKW, () => k.fds.locks.set(key, { owner, ofd, type, start, end, pid: k.pid }));
  return 0;
}

/**
 * Take a lock with `attempt`; when `wait`ing (F_SETLKW, flock without LOCK_NB) and another
 * process holds a conflicting one, try again after short sleeps until it goes or a signal
 * comes. A conflict only this process could resolve (its other open file descriptions, its
 * POSIX locks against its OFD locks) would never end while its one thread waits: EDEADLK.
 */
export function lockOrWait(k: Kernel, wait: boolean, attempt: () => void): void {
  for (let ms = 1; ; ms = Math.min(ms * 2, 50)) {
    try {
      attempt();
      return;
    } catch (err) {
      if (!wait || !(err instanceof LockConflict)) throw err;
      if (!err.waitable) throw new SysError(E.EDEADLK);
    }
    if (k.waitInterruptibly(process.hrtime.bigint() + BigInt(ms) * 1_000_000n) === 'signal') throw new SysError(ERESTARTSYS);
  }
}

syscall('fcntl', 'fd:int cmd:int arg:ulong', (k, fd, cmd, arg) => {
  const e = k.fds.entry(fd);
  const isPipe = () => (e.file.stat().mode & S_IFMT) === S_IFIFO;
  switch (cmd) {
    case F.DUPFD: return k.fds.dup(fd, arg);
    case F.DUPFD_CLOEXEC: return k.fds.dup(fd, arg, true);
    case F.GETFD: return e.cloexec ? 1 : 0;
    case F.SETFD: e.cloexec = (arg & 1) !== 0; return 0;
    case F.GETFL: return e.file.flags;
    case F.SETFL: e.file.flags = (e.file.flags & ~SETFL_MASK) | (arg & SETFL_MASK); return 0;
    case F.GETLK: case F.SETLK: case F.SETLKW: case F.OFD_GETLK: case F.OFD_SETLK: case F.OFD_SETLKW:
      return recordLock(k, fd, cmd, arg);
    case F.GETOWN: return 0;
    case F.SETOWN: return 0;
    case F.GETSIG: return 0;
    case F.SETSIG: if (arg > 64) throw new SysError(E.EINVAL); return 0;
    case F.GETPIPE_SZ:
      if (!isPipe()) throw new SysError(E.EBADF);
      return 65536;
    case F.SETPIPE_SZ:
      // The host pipe keeps its default capacity; asking for more than that is refused.
      if (!isPipe()) throw new SysError(E.EBADF);
      if (arg > 65536) throw new SysError(E.EPERM);
      return 65536;
    case F.GET_SEALS:
      if (e.file.seals === undefined) throw new SysError(E.EINVAL);
      return e.file.seals;
    case F.ADD_SEALS: {
      // Recorded and reported; the write/grow/shrink seals are not enforced on the host file.
      const F_SEAL_SEAL = 1, ALL = 0x3f;
      if (e.file.seals === undefined) throw new SysError(E.EINVAL);
      if (arg & ~ALL) throw new SysError(E.EINVAL);
      if ((e.file.flags & O.ACCMODE) === O.RDONLY) throw new SysError(E.EPERM);
      if (e.file.seals & F_SEAL_SEAL) throw new SysError(E.EPERM);
      e.file.seals |= arg;
      return 0;
    }
    default:
      throw new SysError(E.EINVAL);
  }
});

const TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCGPGRP = 0x540f;
const TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541b, FIONBIO = 0x5421;
const FIONCLEX = 0x5450, FIOCLEX = 0x5451, TIOCGSID = 0x5429, TIOCSCTTY = 0x540e, TIOCNOTTY = 0x5422;
const SIGTTOU = 22;

/** The terminal's foreground group when there is no job-control session to keep it in. */
const foregroundOf = new WeakMap<Kernel, number>();
const foreground = (k: Kernel): number => k.session?.foreground() ?? foregroundOf.get(k) ?? k.pgid;

/** Every terminal is taken to be the controlling one (tsemu's processes share one). */
function controllingTerminal(k: Kernel): void {
  if (!hasControllingTerminal(k)) throw new SysError(E.ENOTTY);
}

/**
 * Linux's tty_check_change: a process outside the foreground group that changes its terminal
 * (tcsetattr, tcsetpgrp) gets SIGTTOU, its whole group does, and the call is restarted once it
 * is continued, unless it ignores or blocks SIGTTOU. (Linux fails it with EIO in an orphaned
 * group instead; tsemu does not know whether a guest's group is orphaned.)
 */
function checkForeground(k: Kernel): void {
  if (!hasControllingTerminal(k) || foreground(k) === k.pgid) return;
  if ((k.sigmask & signalBit(SIGTTOU)) || k.signalIgnored(SIGTTOU)) return;
  signalGroup(k, k.pgid, SIGTTOU);
  throw new SysError(ERESTARTSYS);
}

/** tcsetpgrp: the group must exist in the caller's session (kept in session.ts). */
function setForeground(k: Kernel, pgrp: number): void {
  controllingTerminal(k);
  checkForeground(k);
  if (pgrp < 0) throw new SysError(E.EINVAL);
  const exists = pgrp === k.pgid || [...k.children.pids].some((c) => k.children.groupOf(c) === pgrp) ||
    (k.session?.members(pgrp).length ?? 0) > 0;
  if (!exists) throw new SysError(E.ESRCH);
  if (k.session) k.session.setForeground(pgrp);
  else foregroundOf.set(k, pgrp);
}

/** struct termios as the kernel passes it (36 bytes: 4 flag words, c_line, c_cc[19]), per tty. */
const termiosByTty = new Map<number, Uint8Array>();

/**
 * The host terminal's termios, through stty: Node cannot call tcgetattr/tcsetattr. `stty -g`
 * prints c_iflag:c_oflag:c_cflag:c_lflag and glibc's 32 c_cc bytes in hex and takes the same
 * string back; x86-64 and arm64 share asm-generic's termios bits and c_cc indexes, so the values
 * pass unchanged. Null when stty cannot tell (what TCGETS then reports is the last TCSETS).
 */
function hostTermios(fd: number): Uint8Array | null {
  const r = spawnSync('stty', ['-g'], { stdio: [fd, 'pipe', 'ignore'], encoding: 'latin1' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const parts = r.stdout.trim().split(':').map((h) => parseInt(h, 16));
  if (parts.length < 4 + 19 || parts.some((v) => Number.isNaN(v))) return null;
  const b = Buffer.alloc(36);
  for (let i = 0; i < 4; i++) b.writeUInt32LE(parts[i] >>> 0, i * 4);
  for (let i = 0; i < 19; i++) b[17 + i] = parts[4 + i] & 0xff; // c_line (16) stays N_TTY
  return b;
}

function setHostTermios(fd: number, t: Uint8Array): void {
  const b = Buffer.from(t);
  const words = [0, 4, 8, 12].map((o) => b.readUInt32LE(o).toString(16));
  const cc = Array.from({ length: 32 }, (_, i) => (i < 19 ? b[17 + i] : 0).toString(16));
  spawnSync('stty', [[...words, ...cc].join(':')], { stdio: [fd, 'ignore', 'ignore'] });
}

/** A cooked-mode termios like a fresh terminal's (what `stty sane` sets). */
function defaultTermios(): Uint8Array {
  const b = Buffer.alloc(36);
  b.writeUInt32LE(0o2400 | 0o40000, 0); // c_iflag: ICRNL | IXON | IUTF8
  b.writeUInt32LE(0o5, 4); // c_oflag: OPOST | ONLCR
  b.writeUInt32LE(0o277, 8); // c_cflag: B38400 | CS8 | CREAD
  b.writeUInt32LE(0o105073, 12); // c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
  // c_cc: VINTR ^C, VQUIT ^\, VERASE DEL, VKILL ^U, VEOF ^D, VTIME 0, VMIN 1, VSTART ^Q, VSTOP ^S,
  // VSUSP ^Z, VREPRINT ^R, VDISCARD ^O, VWERASE ^W, VLNEXT ^V
  Buffer.from([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0]).copy(b, 17);
  return b;
}

/**
 * Rows and columns of the terminal tsemu runs on. process.stdout/stderr are touched only when
 * they are terminals: for a pipe, creating Node's stream would change the host descriptor.
 */
function windowSize(k: Kernel): [number, number] {
  // On a guest thread, the owning thread keeps the size up to date in the shared words.
  const host = k.opts.host;
  if (host) {
    const rows = Atomics.load(host.events, HOST_EVENTS.rows), cols = Atomics.load(host.events, HOST_EVENTS.cols);
    return rows > 0 && cols > 0 ? [rows, cols] : [24, 80];
  }
  for (const [fd, s] of [[1, () => process.stdout], [2, () => process.stderr]] as const) {
    if (tty.isatty(fd)) {
      const [cols, rows] = s().getWindowSize();
      if (rows > 0 && cols > 0) return [rows, cols];
    }
  }
  return [24, 80];
}

syscall('ioctl', 'fd:int request:hex arg:ptr', (k, fd, req, arg) => {
  const e = k.fds.entry(fd);
  const f = e.file;
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  switch (req) {
    case FIOCLEX: e.cloexec = true; return 0;
    case FIONCLEX: e.cloexec = false; return 0;
    case FIONBIO:
      f.flags = k.mem.readI32(arg) ? f.flags | O.NONBLOCK : f.flags & ~O.NONBLOCK;
      return 0;
    case FIONREAD: {
      // Sockets, pipes and terminals: what the socket worker holds, plus for a stream socket
      // what the host kernel has for it. A pipe or FIFO's read end, or a terminal, is handed
      // to the worker first, as when it is polled (see vfs/socket-watch.ts): asking how much
      // input waits is asking about input. Write ends are not known: Node cannot ask.
      const st = f.stat();
      const input = ((st.mode & S_IFMT) === S_IFIFO && (f.flags & O.ACCMODE) !== O.WRONLY) || f.isatty();
      const pipeEnd = input && !(f instanceof WatchedStream);
      const w = pipeEnd ? watch(k, f) : undefined;
      const q = w ?? f;
      if (q instanceof SocketFile || q instanceof WatchedStream) {
        k.mem.check(arg, 4, PERM_W);
        k.mem.writeU32(arg, Math.min(0x7fffffff, q.queued()));
        return 0;
      }
      if ((st.mode & S_IFMT) !== S_IFREG) throw new SysError(E.ENOTTY);
      k.mem.writeU32(arg, Math.max(0, Math.min(0x7fffffff, st.size - f.seek(0, 1))));
      return 0;
    }
  }
  if (!f.isatty()) throw new SysError(E.ENOTTY);
  const tty = f.stat().rdev;
  switch (req) {
    case TCGETS: {
      const host = f.hostFd();
      k.mem.write(arg, (host !== undefined ? hostTermios(host) : null) ?? termiosByTty.get(tty) ?? defaultTermios());
      return 0;
    }
    case TCSETS: case TCSETSW: case TCSETSF: {
      const t = k.mem.read(arg, 36);
      checkForeground(k);
      termiosByTty.set(tty, t);
      const host = f.hostFd();
      if (host !== undefined) setHostTermios(host, t);
      return 0;
    }
    case TIOCGWINSZ: {
      const [rows, cols] = windowSize(k);
      const b = Buffer.alloc(8);
      b.writeUInt16LE(rows, 0);
      b.writeUInt16LE(cols, 2);
      k.mem.write(arg, b);
      return 0;
    }
    case TIOCSWINSZ: k.mem.read(arg, 8); return 0;
    case TIOCGPGRP: controllingTerminal(k); k.mem.writeU32(arg, foreground(k)); return 0;
    case TIOCSPGRP: setForeground(k, k.mem.readI32(arg)); return 0;
    case TIOCGSID: controllingTerminal(k); k.mem.writeU32(arg, k.sid); return 0;
    case TIOCSCTTY: takeControllingTerminal(k); return 0;
    case TIOCNOTTY:
      // Giving up the controlling terminal. (A session leader would also hang up the
      // foreground group; tsemu's leader is the last to hold the terminal anyway.)
      controllingTerminal(k);
      loseControllingTerminal(k);
      return 0;
    default: throw new SysError(E.ENOTTY);
  }
});

syscall('pipe2', 'fds:ptr flags:hex', (k, fdsAddr, flags) => {
  if (flags & ~(O.CLOEXEC | O.NONBLOCK | O.DIRECT)) throw new SysError(E.EINVAL);
  k.mem.check(fdsAddr, 8, PERM_W);
  const nonblock = (flags & O.NONBLOCK) !== 0;
  const [r, w] = hostPipe(nonblock);
  const extra = flags & (O.NONBLOCK | O.DIRECT); // pipes have no O_LARGEFILE in F_GETFL
  const rf = new HostFile(r, 'pipe:[read]', O.RDONLY | extra, `/proc/self/fd/${r}`);
  const wf = new HostFile(w, 'pipe:[write]', O.WRONLY | extra, `/proc/self/fd/${w}`);
  const cloexec = (flags & O.CLOEXEC) !== 0;
  let rfd = -1;
  try {
    rfd = k.fds.alloc(rf, cloexec);
    const wfd = k.fds.alloc(wf, cloexec);
    const b = Buffer.alloc(8);
    b.writeInt32LE(rfd, 0);
    b.writeInt32LE(wfd, 4);
    k.mem.write(fdsAddr, b);
    return 0;
  } catch (err) {
    if (rfd >= 0) k.fds.close(rfd);
    else rf.close();
    wf.close();
    throw err;
  }
});

syscall('close_range', 'first:uint last:uint flags:hex', (k, first, last, flags) => {
  const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;
  if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || first > last) throw new SysError(E.EINVAL);
  for (const fd of k.fds.list()) {
    if (fd < first || fd > last) continue;
    if (flags & CLOSE_RANGE_CLOEXEC) k.fds.entry(fd).cloexec = true;
    else k.fds.close(fd);
  }
  return 0;
});
