// The socket, poll, epoll and eventfd calls with random arguments against live descriptors of
// each kind (the general fuzz test only hands them files, so they mostly stop at ENOTSOCK).
// Nothing may escape dispatch as a JS exception, and every result is a value or a real -errno.
//
// Safe for the host and bounded in time: the only network socket is a nonblocking TCP listener
// on 127.0.0.1 (so no call can send anything off the machine), every descriptor is
// nonblocking, and the timeouts of ppoll/pselect6/epoll_pwait(2) are forced to at most 2 ms
// (never null).
import { afterAll, describe, expect, it } from 'vitest';
import { PERM_R, PERM_W } from '../../src/cpu/state.js';
import { SYSCALLS, type ArgKind } from '../../src/syscalls/define.js';
import { BUF, BUF_SIZE, fuzzCall, makeGuest } from './harness.js';

const CALLS = 150;
const NAMES = [
  'socket', 'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'getsockname', 'getpeername', 'sendto',
  'recvfrom', 'sendmsg', 'recvmsg', 'shutdown', 'setsockopt', 'getsockopt', 'ppoll', 'pselect6', 'epoll_create1',
  'epoll_ctl', 'epoll_pwait', 'epoll_pwait2', 'eventfd2', 'read', 'write', 'sendmmsg', 'recvmmsg',
];
const AREA = 0x4000;
/** Where a zero or tiny timespec lives for the waiting calls. */
const TIMESPEC = BUF + AREA;

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  return { next, int: (n: number) => next() % n, pick: <T>(a: readonly T[]) => a[next() % a.length] };
}

describe('socket syscall fuzz', () => {
  const g = makeGuest();
  afterAll(() => g.cleanup());
  g.k.sleepNs = () => true;
  const seed = Number(process.env.TSEMU_FUZZ_SEED ?? Date.now() % 1_000_000);
  const setup = (): number[] => {
    for (const fd of g.k.fds.list()) if (fd > 2) g.k.fds.close(fd);
    // Build the descriptors with the calls themselves (on a clean area).
    const NB = 0o4000;
    const lst = g.call('socket', 2, 1 | NB, 0);
    const sin = Buffer.alloc(16);
    sin.writeUInt16LE(2, 0);
    sin.set([127, 0, 0, 1], 4);
    g.mem.write(BUF, sin);
    expect(g.call('bind', lst, BUF, 16)).toBe(0);
    expect(g.call('listen', lst, 4)).toBe(0);
    expect(g.call('socketpair', 1, 1 | NB, 0, BUF)).toBe(0);
    const [s1, s2] = [g.u32(BUF), g.u32(BUF + 4)];
    expect(g.call('socketpair', 1, 2 | NB, 0, BUF)).toBe(0);
    const [d1, d2] = [g.u32(BUF), g.u32(BUF + 4)];
    g.call('write', s2, BUF, 5); // something to read on s1
    const ev = g.call('eventfd2', 1, NB);
    const ep = g.call('epoll_create1', 0);
    g.mem.write(BUF, Buffer.from([5, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]));
    expect(g.call('epoll_ctl', ep, 1, s1, BUF)).toBe(0);
    return [lst, s1, s2, d1, d2, ev, ep];
  };

  for (const name of NAMES) {
    it(name, () => {
      const def = SYSCALLS.get(name)!;
      const r = rng(seed ^ [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 11));
      for (let i = 0; i < CALLS; i++) {
        if (g.mem.mappings.length !== 1) {
          for (const m of [...g.mem.mappings]) g.mem.unmap(m.start, m.end - m.start);
          g.mem.map(BUF, BUF_SIZE, PERM_R | PERM_W);
        }
        // A SIGPIPE the last call raised would be delivered by setup's own calls: drop it.
        g.k.pendingSignals.clear();
        g.k.threadPending.clear(); // where SIGPIPE goes: to the writing thread
        const fds = setup();
        const area = g.mem.u8.subarray(BUF, BUF + AREA);
        for (let j = 0; j < AREA; j++) area[j] = r.int(4) ? r.int(256) : r.int(8);
        // Some well-formed pieces: a sockaddr of each family, a msghdr pointing at an iovec.
        g.mem.write(TIMESPEC, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, r.int(2) ? 0 : 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0]));
        const arg = (kind: ArgKind, an: string): bigint => {
          if (/fd$/.test(an) || an === 'fd') return BigInt(r.int(5) ? r.pick(fds) : r.pick([-1, 999, 1023]));
          // Never a null timeout (wait forever): a zero or 1 ms timespec.
          if (an === 'tmo' || (name === 'epoll_pwait2' && an === 'timeout')) return BigInt(TIMESPEC);
          if (name === 'epoll_pwait' && an === 'timeout') return BigInt(r.int(3));
          if (kind === 'ptr' || kind === 'str') {
            return r.pick([0n, BigInt(BUF + r.int(AREA)), BigInt(BUF + 64 * r.int(AREA / 64)), 0x80000000n, 2n ** 48n]);
          }
          if (kind === 'size') return BigInt(r.pick([0, 1, 4, 8, 16, 28, 110, r.int(4096), 2 ** 32, 2 ** 63]));
          if (an === 'domain') return BigInt(r.pick([1, 2, 10, 0, 16, 17, 99]));
          if (an === 'level') return BigInt(r.pick([0, 1, 6, 17, 41, 255]));
          if (an === 'type') return BigInt(r.pick([1, 2, 3, 5, 0x801, 0x80002, 0x100]));
          return BigInt(r.pick([0, 1, 2, 3, 4, 7, 16, 26, 0x40, 0x100, 0x4000, r.next(), -1]));
        };
        // ppoll and pselect6 get a count that covers the descriptors above.
        const args = def.args.map((a) => (a.name === 'nfds' ? BigInt(r.int(16)) : arg(a.kind, a.name)));
        if (name === 'pselect6') args[5] = 0n;
        fuzzCall(g, name, [0, 1, 2, 3, 4, 5].map((j) => args[j] ?? 0n), args, `seed ${seed}, call ${i}`);
      }
    }, 60_000);
  }
});
