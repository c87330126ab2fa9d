// Clocks and sleeping.
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';
import { readTimespec, writeTimespec } from './structs.js';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3;
const CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7;

/** Wall-clock nanoseconds since the epoch with sub-millisecond resolution. */
const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function clockNs(k: Kernel, clock: number): bigint {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
      return origin + process.hrtime.bigint();
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
      return process.hrtime.bigint();
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: {
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
    default:
      void k;
      throw new SysError(E.EINVAL);
  }
}

syscall('clock_gettime', 'clock:int tp:ptr', (k, clock, tp) => {
  writeTimespec(k.mem, tp, clockNs(k, clock));
  return 0;
});

syscall('clock_getres', 'clock:int res:ptr', (k, clock, res) => {
  clockNs(k, clock);
  if (res) writeTimespec(k.mem, res, clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE ? 4_000_000n : 1n);
  return 0;
});

syscall('gettimeofday', 'tv:ptr tz:ptr', (k, tv, tz) => {
  const ns = clockNs(k, CLOCK_REALTIME);
  if (tv) {
    k.mem.writeU64(tv, ns / 1_000_000_000n);
    k.mem.writeU64(tv + 8, (ns % 1_000_000_000n) / 1000n);
  }
  if (tz) k.mem.write(tz, new Uint8Array(8));
  return 0;
});

function sleepNs(ns: bigint): void {
  const end = process.hrtime.bigint() + ns;
  for (;;) {
    const left = end - process.hrtime.bigint();
    if (left <= 0n) return;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(left) / 1e6);
  }
}

function checkTimespec(ns: bigint, k: Kernel, addr: number): void {
  const nsec = BigInt.asIntN(64, k.mem.readU64(addr + 8));
  if (ns < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new SysError(E.EINVAL);
}

syscall('nanosleep', 'req:ptr rem:ptr', (k, req) => {
  const ns = readTimespec(k.mem, req);
  checkTimespec(ns, k, req);
  sleepNs(ns);
  return 0;
});

syscall('clock_nanosleep', 'clock:int flags:int req:ptr rem:ptr', (k, clock, flags, req) => {
  let ns = readTimespec(k.mem, req);
  checkTimespec(ns, k, req);
  if (flags & 1) ns -= clockNs(k, clock); // TIMER_ABSTIME
  else clockNs(k, clock);
  if (ns > 0n) sleepNs(ns);
  return 0;
});
