// Timers that raise signals or count expirations: setitimer/getitimer (glibc's alarm() is
// setitimer on aarch64), POSIX timers (timer_create and friends) and timerfd. Nothing runs in
// the background: each timer is a deadline, fired when the run loop or a wait looks at the clock
// (Kernel.pollEvents), which happens between guest blocks and whenever the guest sleeps.
//
// All deadlines are kept on the monotonic clock. CLOCK_REALTIME differs from it by a constant
// here (time.ts), so absolute realtime deadlines convert exactly, unless the host clock is set
// while a timer runs. CPU-time timers (ITIMER_VIRTUAL/PROF, CPU-time clocks) are approximated by
// elapsed time: the emulator is busy whenever the guest runs, and idle only when it sleeps.
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { readTimespec, writeTimespec } from '../structs.js';
import { clockNs } from './time.js';
import { OpenFile, O, type StatInfo } from '../../vfs/file.js';

const NS = 1_000_000_000n;
const SIGALRM = 14, SIGVTALRM = 26, SIGPROF = 27;
const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD_ID = 4;
const SI_TIMER = -2, SI_KERNEL = 0x80;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9;

export interface GuestTimer {
  /** Next expiry, monotonic ns, or null when disarmed. */
  next: bigint | null;
  interval: bigint;
  /** Signal raised on expiry (0: none, SIGEV_NONE). */
  sig: number;
  /** siginfo sent with it; null for the itimers (SI_KERNEL, no payload). */
  timerId: number | null;
  value: bigint;
  /** Expirations folded into the last signal (timer_getoverrun). */
  overrun: number;
  /** The clock an absolute (TIMER_ABSTIME) setting is read on. */
  clock: number;
  /** SIGEV_THREAD_ID: the thread the signal is for (glibc's SIGEV_THREAD helper thread);
   *  absent: the process. */
  tid?: number;
}

export class TimerSet {
  /** ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF. */
  readonly itimers: GuestTimer[] = [SIGALRM, SIGVTALRM, SIGPROF].map((sig) => ({
    next: null, interval: 0n, sig, timerId: null, value: 0n, overrun: 0, clock: CLOCK_MONOTONIC,
  }));
  /** POSIX timers by id. */
  readonly posix = new Map<number, GuestTimer>();

  *all(): Iterable<GuestTimer> {
    yield* this.itimers;
    yield* this.posix.values();
  }

  nextDeadline(): bigint | null {
    let best: bigint | null = null;
    for (const t of this.all()) if (t.next !== null && t.sig && (best === null || t.next < best)) best = t.next;
    return best;
  }

  /** Expire every timer due at `now`: the signals to raise, with their siginfo. */
  /** The timers due at `now`, re-armed: [signal, siginfo, target thread (0: the process)]. */
  fire(now: bigint): [number, Buffer, number][] {
    const out: [number, Buffer, number][] = [];
    for (const t of this.all()) {
      if (t.next === null || t.next > now || !t.sig) continue;
      let missed = 0;
      if (t.interval > 0n) {
        missed = Number((now - t.next) / t.interval);
        t.next += BigInt(missed + 1) * t.interval;
      } else {
        t.next = null;
      }
      t.overrun = missed;
      const info = Buffer.alloc(128);
      info.writeInt32LE(t.sig, 0);
      if (t.timerId === null) {
        info.writeInt32LE(SI_KERNEL, 8);
      } else {
        info.writeInt32LE(SI_TIMER, 8);
        info.writeInt32LE(t.timerId, 16);
        info.writeInt32LE(missed, 20);
        info.writeBigUInt64LE(t.value, 24);
      }
      out.push([t.sig, info, t.tid ?? 0]);
    }
    return out;
  }
}

/** Time left until `t` next expires: 0 when disarmed or a one-shot expiry has passed (even if
 *  its signal is not raised yet: Linux's timer would have fired by now). */
function remaining(t: { next: bigint | null; interval: bigint }): bigint {
  if (t.next === null) return 0n;
  const now = process.hrtime.bigint();
  if (t.next > now) return t.next - now;
  if (t.interval === 0n) return 0n;
  return t.interval - ((now - t.next) % t.interval);
}

// ---------------------------------------------------------------- setitimer / getitimer

/** struct timeval → ns; EINVAL for microseconds out of range, as Linux checks. */
function readTimeval(k: Kernel, addr: number): bigint {
  const sec = BigInt.asIntN(64, k.mem.readU64(addr));
  const usec = BigInt.asIntN(64, k.mem.readU64(addr + 8));
  if (sec < 0n || usec < 0n || usec >= 1_000_000n) throw new SysError(E.EINVAL);
  return sec * NS + usec * 1000n;
}

function writeItimerval(k: Kernel, addr: number, t: GuestTimer): void {
  const b = Buffer.alloc(32);
  // Linux rounds a remaining time up to whole microseconds so a running timer never reads 0.
  const us = (ns: bigint) => (ns + 999n) / 1000n;
  const put = (ns: bigint, off: number) => {
    const u = us(ns);
    b.writeBigInt64LE(u / 1_000_000n, off);
    b.writeBigInt64LE(u % 1_000_000n, off + 8);
  };
  put(t.interval, 0);
  put(remaining(t), 16);
  k.mem.write(addr, b);
}

function itimer(k: Kernel, which: number): GuestTimer {
  const t = k.timers.itimers[which];
  if (which < 0 || !t) throw new SysError(E.EINVAL);
  return t;
}

syscall('getitimer', 'which:int value:ptr', (k, which, value) => {
  writeItimerval(k, value, itimer(k, which));
  return 0;
});

syscall('setitimer', 'which:int new:ptr old:ptr', (k, which, nv, old) => {
  const t = itimer(k, which);
  const interval = nv ? readTimeval(k, nv) : 0n;
  const value = nv ? readTimeval(k, nv + 16) : 0n;
  if (old) writeItimerval(k, old, t);
  t.interval = interval;
  t.next = value > 0n ? process.hrtime.bigint() + value : null;
  return 0;
});

// ---------------------------------------------------------------- POSIX timers

function checkClock(clock: number): void {
  if (clock === CLOCK_REALTIME_ALARM || clock === CLOCK_BOOTTIME_ALARM) throw new SysError(E.EPERM); // CAP_WAKE_ALARM
  if (![CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLOCK_BOOTTIME].includes(clock) &&
      !(clock < 0 && (clock & 7) !== 7)) {
    throw new SysError(E.EINVAL);
  }
}

syscall('timer_create', 'clock:int sevp:ptr timerid:ptr', (k, clock, sevp, timerid) => {
  checkClock(clock);
  let id = 0;
  while (k.timers.posix.has(id)) id++;
  let sig = SIGALRM;
  let tid = 0;
  let value = BigInt(id);
  if (sevp) {
    // struct sigevent: sigev_value (8), sigev_signo (4), sigev_notify (4), _tid (4) ...
    value = k.mem.readU64(sevp);
    const signo = k.mem.readI32(sevp + 8);
    const notify = k.mem.readI32(sevp + 12);
    if (notify === SIGEV_NONE) sig = 0;
    else if (notify === SIGEV_SIGNAL || notify === SIGEV_THREAD_ID) {
      if (signo < 1 || signo > 64) throw new SysError(E.EINVAL);
      if (notify === SIGEV_THREAD_ID) {
        tid = k.mem.readI32(sevp + 16);
        if (tid !== k.pid && !k.threads?.has(tid)) throw new SysError(E.EINVAL);
      }
      sig = signo;
    } else {
      throw new SysError(E.EINVAL);
    }
  }
  k.mem.writeU32(timerid, id);
  const t: GuestTimer = { next: null, interval: 0n, sig, timerId: id, value, overrun: 0, clock, ...(tid ? { tid } : {}) };
  k.timers.posix.set(id, t);
  return 0;
});

function posixTimer(k: Kernel, id: number): GuestTimer {
  const t = k.timers.posix.get(id);
  if (!t) throw new SysError(E.EINVAL);
  return t;
}

function writeItimerspec(k: Kernel, addr: number, t: { interval: bigint; next: bigint | null }): void {
  writeTimespec(k.mem, addr, t.interval);
  writeTimespec(k.mem, addr + 16, remaining(t));
}

/** Arm from a struct itimerspec: relative, or absolute on `clock` with TIMER_ABSTIME. */
function arm(k: Kernel, t: { interval: bigint; next: bigint | null }, spec: number, abs: boolean, clock: number): void {
  const interval = readTimespec(k.mem, spec);
  const value = readTimespec(k.mem, spec + 16);
  t.interval = interval;
  if (value === 0n) t.next = null;
  else if (abs) t.next = process.hrtime.bigint() + (value - clockNs(clock, k));
  else t.next = process.hrtime.bigint() + value;
}

syscall('timer_settime', 'id:int flags:int new:ptr old:ptr', (k, id, flags, nv, old) => {
  const TIMER_ABSTIME = 1;
  const t = posixTimer(k, id);
  if (old) writeItimerspec(k, old, t);
  arm(k, t, nv, (flags & TIMER_ABSTIME) !== 0, t.clock);
  return 0;
});

syscall('timer_gettime', 'id:int cur:ptr', (k, id, cur) => {
  writeItimerspec(k, cur, posixTimer(k, id));
  return 0;
});

syscall('timer_getoverrun', 'id:int', (k, id) => posixTimer(k, id).overrun);

syscall('timer_delete', 'id:int', (k, id) => {
  posixTimer(k, id);
  k.timers.posix.delete(id);
  return 0;
});

// ---------------------------------------------------------------- timerfd

/** A timerfd: reads return the expirations since the last read, blocking until there is one. */
class TimerFd extends OpenFile {
  next: bigint | null = null;
  interval = 0n;

  constructor(private readonly k: Kernel, readonly clock: number, flags: number) {
    super();
    this.flags = O.RDWR | (flags & O.NONBLOCK);
    this.path = 'anon_inode:[timerfd]';
  }

  /** Expirations due by now, advancing the timer past them. */
  private take(): bigint {
    const now = process.hrtime.bigint();
    if (this.next === null || now < this.next) return 0n;
    if (this.interval === 0n) {
      this.next = null;
      return 1n;
    }
    const n = (now - this.next) / this.interval + 1n;
    this.next += n * this.interval;
    return n;
  }

  override read(buf: Uint8Array): number {
    if (buf.length < 8) throw new SysError(E.EINVAL);
    let n = this.take();
    while (n === 0n) {
      if (this.flags & O.NONBLOCK) throw new SysError(E.EAGAIN);
      const r = this.k.waitInterruptibly(this.next, () => this.next !== null && process.hrtime.bigint() >= this.next);
      if (r === 'signal') throw new SysError(E.EINTR);
      n = this.take();
    }
    Buffer.from(buf.buffer, buf.byteOffset, 8).writeBigUInt64LE(n);
    return 8;
  }

  override stat(): StatInfo {
    // anon_inode files are mode 0600 with no file type bits.
    return {
      dev: 0, ino: 0, mode: 0o600, nlink: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
      rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }
}

syscall('timerfd_create', 'clock:int flags:hex', (k, clock, flags) => {
  const TFD_CLOEXEC = O.CLOEXEC, TFD_NONBLOCK = O.NONBLOCK;
  if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) throw new SysError(E.EINVAL);
  if (![CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM].includes(clock)) {
    throw new SysError(E.EINVAL);
  }
  if (clock === CLOCK_REALTIME_ALARM || clock === CLOCK_BOOTTIME_ALARM) throw new SysError(E.EPERM);
  return k.fds.alloc(new TimerFd(k, clock, flags), (flags & TFD_CLOEXEC) !== 0);
});

function timerFd(k: Kernel, fd: number): TimerFd {
  const f = k.fds.get(fd);
  if (!(f instanceof TimerFd)) throw new SysError(E.EINVAL);
  return f;
}

syscall('timerfd_settime', 'fd:int flags:hex new:ptr old:ptr', (k, fd, flags, nv, old) => {
  const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;
  if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) throw new SysError(E.EINVAL);
  const t = timerFd(k, fd);
  if (old) writeItimerspec(k, old, t);
  arm(k, t, nv, (flags & TFD_TIMER_ABSTIME) !== 0, t.clock);
  return 0;
});

syscall('timerfd_gettime', 'fd:int cur:ptr', (k, fd, cur) => {
  writeItimerspec(k, cur, timerFd(k, fd));
  return 0;
});
