// Clocks and sleeping: clock_gettime, clock_getres, gettimeofday, nanosleep, clock_nanosleep.
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { readTimespec, writeTimespec, writeTimeval } from '../structs.js';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;
const CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;

/** Wall-clock nanoseconds since the epoch, with hrtime's resolution. */
const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

function cpuTimeNs(): bigint {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
}

/**
 * Negative clock ids are CPU-time clocks of a process or thread (clock_getcpuclockid):
 * ~pid << 3 | type, with bit 2 set for threads and type 3 meaning an fd clock.
 */
function cpuClockOf(k: Kernel | undefined, clock: number): bigint {
  if ((clock & 7) === 7 || (clock & 3) === 3) throw new SysError(E.EINVAL);
  const pid = ~(clock >> 3);
  if (pid !== 0 && pid !== k?.pid) throw new SysError(E.EINVAL);
  return cpuTimeNs();
}

export function clockNs(clock: number, k?: Kernel): bigint {
  if (clock < 0) return cpuClockOf(k, clock);
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI: // TAI-UTC offset not known here: 0, as a kernel whose NTP never set it
    case CLOCK_REALTIME_ALARM:
      return origin + process.hrtime.bigint();
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
      return process.hrtime.bigint();
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
      return cpuTimeNs();
    default:
      throw new SysError(E.EINVAL);
  }
}

syscall('clock_gettime', 'clock:int tp:ptr', (k, clock, tp) => {
  writeTimespec(k.mem, tp, clockNs(clock, k));
  return 0;
});

syscall('clock_getres', 'clock:int res:ptr', (k, clock, res) => {
  clockNs(clock, k);
  // Coarse clocks tick with the scheduler (HZ=250 on arm64 distributions); the rest are 1 ns.
  const coarse = clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE;
  if (res) writeTimespec(k.mem, res, coarse ? 4_000_000n : 1n);
  return 0;
});

syscall('gettimeofday', 'tv:ptr tz:ptr', (k, tv, tz) => {
  if (tv) writeTimeval(k.mem, tv, clockNs(CLOCK_REALTIME));
  if (tz) k.mem.write(tz, new Uint8Array(8)); // struct timezone: UTC, no DST
  return 0;
});

/** Sleep `ns`; interrupted by a signal, store the time left in `rem` (if given) and fail EINTR. */
function sleepOrEintr(k: Kernel, ns: bigint, rem: number): void {
  const end = process.hrtime.bigint() + ns;
  if (k.sleepNs(ns)) return;
  if (rem) {
    const left = end - process.hrtime.bigint();
    writeTimespec(k.mem, rem, left > 0n ? left : 0n);
  }
  throw new SysError(E.EINTR);
}

syscall('nanosleep', 'req:ptr rem:ptr', (k, req, rem) => {
  sleepOrEintr(k, readTimespec(k.mem, req), rem);
  return 0;
});

syscall('clock_nanosleep', 'clock:int flags:int req:ptr rem:ptr', (k, clock, flags, req, rem) => {
  const TIMER_ABSTIME = 1;
  if (clock === CLOCK_THREAD_CPUTIME_ID || (clock < 0 && (clock & 4))) throw new SysError(E.EINVAL);
  if (clock === CLOCK_MONOTONIC_RAW || clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE) {
    throw new SysError(E.EOPNOTSUPP);
  }
  const now = clockNs(clock, k);
  let ns = readTimespec(k.mem, req);
  const abs = (flags & TIMER_ABSTIME) !== 0;
  if (abs) ns -= now;
  // An absolute sleep leaves `rem` alone: restarting it with the same deadline is correct.
  if (ns > 0n) sleepOrEintr(k, ns, abs ? 0 : rem);
  return 0;
});
