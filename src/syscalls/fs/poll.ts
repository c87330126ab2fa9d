// ppoll and pselect6, and the readiness check epoll shares with them.
//
// Where readiness comes from:
// - sockets, and host pipes/FIFOs/terminals polled for input: the socket worker, which waits
//   for them with libuv (see vfs/socket-watch.ts for how a pipe gets there);
// - eventfds, timerfds and epoll descriptors: their own state, here;
// - everything else (regular files, directories, /dev/null, write ends of pipes): always
//   ready, as Linux reports regular files.
// When nothing is ready the guest thread sleeps in Atomics.wait (inside the worker call, or
// in Kernel.waitInterruptibly when no descriptor can change but timers), never spinning, and
// wakes for the timeout, the first timerfd expiry or a signal (EINTR).
import { O, S_IFCHR, S_IFIFO, S_IFMT, S_IFSOCK, type OpenFile } from '../../vfs/file.js';
import { SocketFile, sockets } from '../../vfs/socket.js';
import { POLL } from '../../vfs/socket-protocol.js';
import { WatchedStream } from '../../vfs/socket-watch.js';
import { syscall } from '../define.js';
import { E, ERESTARTSYS, SysError } from '../errno.js';
import { EventFd } from './eventfd.js';
import type { Kernel } from '../kernel.js';
import { attachKernel } from '../net/sockets.js';
import { withWaitMask } from '../signal/signals.js';

/** What a file reports ready by itself, or a worker id to ask. */
type Source = { local: number } | { id: number; extra: number };

/** An object that computes its own readiness (epoll descriptors). */
export interface SelfPolling { readiness(k: Kernel): number }

const ALWAYS = POLL.IN | POLL.RDNORM | POLL.OUT | POLL.WRNORM;

function canRead(f: OpenFile): boolean { return (f.flags & O.ACCMODE) !== O.WRONLY; }
function canWrite(f: OpenFile): boolean { return (f.flags & O.ACCMODE) !== O.RDONLY; }

/** Replace every descriptor of host stream `f` by a WatchedStream; undefined if it cannot be. */
export function watch(k: Kernel, f: OpenFile): WatchedStream | undefined {
  const h = f.hostFd();
  if (h === undefined) return undefined;
  const w = WatchedStream.watch(f, h);
  if (!w) return undefined;
  for (const fd of k.fds.list()) {
    const e = k.fds.entry(fd);
    if (e.file === f) e.file = w;
  }
  return w;
}

function sourceOf(k: Kernel, fd: number, events: number): Source {
  const f = k.fds.has(fd) ? k.fds.get(fd) : undefined;
  if (!f) return { local: POLL.NVAL };
  if (f instanceof SocketFile) return { id: f.id, extra: 0 };
  if (f instanceof WatchedStream) return { id: f.id, extra: canWrite(f) ? POLL.OUT | POLL.WRNORM : 0 };
  if (f instanceof EventFd) return { local: f.readiness() };
  if ('readiness' in f && typeof (f as unknown as SelfPolling).readiness === 'function') {
    return { local: (f as unknown as SelfPolling).readiness(k) };
  }
  let mode = 0;
  try { mode = f.stat().mode & S_IFMT; } catch { return { local: ALWAYS }; }
  const stream = mode === S_IFIFO || mode === S_IFSOCK || (mode === S_IFCHR && f.isatty());
  if (stream && canRead(f) && events & (POLL.IN | POLL.RDNORM)) {
    const w = watch(k, f);
    if (w) return { id: w.id, extra: canWrite(f) ? POLL.OUT | POLL.WRNORM : 0 };
  }
  if (stream) return { local: (canRead(f) ? POLL.IN | POLL.RDNORM : 0) | (canWrite(f) ? POLL.OUT | POLL.WRNORM : 0) };
  return { local: ALWAYS };
}

/** A timerfd (timers.ts) is readable once its next expiry has passed. Read structurally: the
 *  class is private to timers.ts. */
function timerfdNext(f: OpenFile): bigint | null | undefined {
  if (f.path !== 'anon_inode:[timerfd]' || !('next' in f)) return undefined;
  return (f as unknown as { next: bigint | null }).next;
}

/**
 * One descriptor to poll. `since` asks for edge-triggered readiness: the item counts only if
 * its file has changed since the state token `since` (from an earlier call's `tokens`).
 */
export interface PollItem { fd: number; events: number; since?: string }

let untracked = 0;

/** A state token for a file polled here: what has happened to it, and what it reports. A file
 *  whose changes tsemu does not see (a pipe's write end, say: whether a reader made room) gets
 *  a new token every time, so edge-triggered epoll reports it as level-triggered would: a
 *  wake-up too many rather than one missed. */
function localToken(f: OpenFile | undefined, rev: number): string {
  const timer = f && timerfdNext(f);
  if (f instanceof EventFd) return `l${f.changes}:${rev}`;
  if (timer !== undefined) return `l${timer}:${rev}`;
  return `u${untracked++}`;
}

/**
 * Readiness of each (fd, events): revents as poll(2) reports them (POLLERR, POLLHUP and
 * POLLNVAL always, other bits only when asked). Waits up to `timeoutMs` (negative: forever)
 * for one to be non-zero; a signal for the guest ends the wait with EINTR (poll, select and
 * epoll_wait are not restarted after a handler). `stop` ends the wait early too, with what is
 * ready then (none, as a rule): epoll_wait's interest list changed meanwhile.
 */
export function pollFds(k: Kernel, items: PollItem[], timeoutMs: number, tokens?: string[], stop?: () => boolean): number[] {
  if (!k.pollLook) return pollUntil(k, items, timeoutMs, tokens, stop);
  // One look for a thread that waits by itself (Kernel.pollLook): nothing ready and a signal
  // to take ends its wait as a signal would end this one.
  const out = pollUntil(k, items, 0, tokens, stop);
  if (!out.some((r) => r)) {
    k.pollEvents();
    if (k.hasDeliverableSignal()) throw new SysError(E.EINTR);
  }
  return out;
}

function pollUntil(k: Kernel, items: PollItem[], timeoutMs: number, tokens?: string[], stop?: () => boolean): number[] {
  attachKernel(k);
  const always = POLL.ERR | POLL.HUP | POLL.NVAL;
  const deadline = timeoutMs < 0 ? null : process.hrtime.bigint() + BigInt(timeoutMs) * 1_000_000n;
  for (;;) {
    const now = process.hrtime.bigint();
    let timerDue: bigint | null = null;
    const sources = items.map(({ fd, events }): Source => {
      if (fd < 0) return { local: 0 };
      const f = k.fds.has(fd) ? k.fds.get(fd) : undefined;
      const next = f && timerfdNext(f);
      if (next === undefined) return sourceOf(k, fd, events);
      if (next !== null && next > now && (timerDue === null || next < timerDue)) timerDue = next;
      return { local: next !== null && next <= now ? POLL.IN | POLL.RDNORM : 0 };
    });
    const out = sources.map((s, i) => ('local' in s ? s.local & (items[i].events | always) : 0));
    // Edge-triggered: a file polled here counts only when its token moved on.
    items.forEach((it, i) => {
      if (!('local' in sources[i])) return;
      const tok = localToken(k.fds.has(it.fd) ? k.fds.get(it.fd) : undefined, out[i]);
      if (tokens) tokens[i] = tok;
      if (it.since !== undefined && tok === it.since) out[i] = 0;
    });
    const asks = sources.flatMap((s, i) => ('id' in s ? [{ i, id: s.id, extra: s.extra }] : []));
    const sinceOf = (i: number) => {
      const t = items[i].since;
      return t === undefined ? undefined : t.startsWith('w') ? Number(t.slice(1)) : -1;
    };
    for (const a of asks) out[a.i] = sinceOf(a.i) === undefined ? a.extra & items[a.i].events : 0;
    const ready = out.some((x) => x);
    const timedOut = deadline !== null && now >= deadline;
    // Wake for the caller's deadline or the first timerfd expiry, whichever comes first.
    const until = [deadline, timerDue].filter((d): d is bigint => d !== null).reduce<bigint | null>((a, b) => (a === null || b < a ? b : a), null);
    if (asks.length) {
      const wait = ready || timedOut ? 0 : until === null ? -1 : Math.max(1, Math.ceil(Number(until - now) / 1e6));
      let r;
      try {
        r = sockets.call({ op: 'poll', items: asks.map((a) => ({ id: a.id, events: items[a.i].events, since: sinceOf(a.i) })), timeoutMs: wait }, wait !== 0, stop);
      } catch (err) {
        if (err instanceof SysError && err.errno === ERESTARTSYS) {
          if (stop?.() && !k.hasDeliverableSignal()) return out;
          throw new SysError(E.EINTR);
        }
        throw err;
      }
      asks.forEach((a, j) => {
        const since = sinceOf(a.i);
        const wakes = r.wakes?.[j] ?? 0;
        if (tokens) tokens[a.i] = `w${wakes}`;
        if (since !== undefined && wakes <= since) return;
        out[a.i] |= r.revents![j] | (since !== undefined ? a.extra & items[a.i].events : 0);
      });
      if (out.some((x) => x) || wait === 0 || (deadline !== null && process.hrtime.bigint() >= deadline) || stop?.()) return out;
      continue;
    }
    if (ready || timedOut || timeoutMs === 0) return out;
    // Nothing here can change but timers: sleep until the deadline, a timerfd, a signal or `stop`.
    const woke = k.waitInterruptibly(until, stop);
    if (woke === 'signal') throw new SysError(E.EINTR);
    if (woke === 'done') return out;
  }
}

/** A timespec at `addr` as milliseconds, rounded up (-1: null pointer, wait forever). */
export function timeoutOf(k: Kernel, addr: number): number {
  if (!addr) return -1;
  const sec = BigInt.asIntN(64, k.mem.readU64(addr));
  const nsec = BigInt.asIntN(64, k.mem.readU64(addr + 8));
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new SysError(E.EINVAL);
  const ms = sec * 1000n + (nsec + 999_999n) / 1_000_000n;
  return ms > 0x7fffffffn ? -1 : Number(ms);
}

/** Linux writes the time left back into the timespec of ppoll and pselect6 (a thread that
 *  waits by itself between looks writes it itself). */
function writeLeft(k: Kernel, addr: number, timeoutMs: number, start: bigint): void {
  if (!addr || timeoutMs < 0 || k.pollLook) return;
  const left = BigInt(timeoutMs) * 1_000_000n - (process.hrtime.bigint() - start);
  const ns = left > 0n ? left : 0n;
  k.mem.writeU64(addr, ns / 1_000_000_000n);
  k.mem.writeU64(addr + 8, ns % 1_000_000_000n);
}

syscall('ppoll', 'fds:ptr nfds:uint tmo:ptr sigmask:ptr sigsetsize:size', (k, fds, nfds, tmo, sigmask, sigsetsize) => {
  if (nfds > k.fds.limit) throw new SysError(E.EINVAL);
  const timeout = timeoutOf(k, tmo);
  const b = Buffer.from(k.mem.read(fds, nfds * 8));
  const items: PollItem[] = [];
  for (let i = 0; i < nfds; i++) items.push({ fd: b.readInt32LE(i * 8), events: b.readUInt16LE(i * 8 + 4) });
  const start = process.hrtime.bigint();
  const rev = withWaitMask(k, sigmask, sigsetsize, () => pollFds(k, items, timeout));
  rev.forEach((r, i) => b.writeUInt16LE(r, i * 8 + 6));
  k.mem.write(fds, b);
  writeLeft(k, tmo, timeout, start);
  return rev.filter((r) => r).length;
});

const SELECT_IN = POLL.IN | POLL.RDNORM | POLL.RDBAND | POLL.HUP | POLL.ERR;
const SELECT_OUT = POLL.OUT | POLL.WRNORM | POLL.WRBAND | POLL.ERR;
const SELECT_EX = POLL.PRI;

syscall('pselect6', 'nfds:int readfds:ptr writefds:ptr exceptfds:ptr tmo:ptr sig:ptr', (k, nfds, rd, wr, ex, tmo, sig) => {
  if (nfds < 0) throw new SysError(E.EINVAL);
  nfds = Math.min(nfds, k.fds.limit);
  const timeout = timeoutOf(k, tmo);
  const bytes = Math.ceil(nfds / 64) * 8;
  const sets = [rd, wr, ex].map((p) => (p ? Buffer.from(k.mem.read(p, bytes)) : null));
  const masks = [SELECT_IN, SELECT_OUT, SELECT_EX];
  const items: { fd: number; events: number }[] = [];
  for (let fd = 0; fd < nfds; fd++) {
    let events = 0;
    sets.forEach((set, j) => { if (set && set[fd >> 3] & (1 << (fd & 7))) events |= masks[j]; });
    if (!events) continue;
    if (!k.fds.has(fd)) throw new SysError(E.EBADF);
    items.push({ fd, events });
  }
  // The sixth argument points to the mask's address and size.
  const [sigmask, sigsetsize] = sig ? [Number(k.mem.readU64(sig)), Number(k.mem.readU64(sig + 8))] : [0, 0];
  const start = process.hrtime.bigint();
  const rev = withWaitMask(k, sigmask, sigsetsize, () => pollFds(k, items, timeout));
  let ready = 0;
  for (const set of sets) set?.fill(0);
  items.forEach(({ fd, events }, i) => {
    sets.forEach((set, j) => {
      if (set && events & masks[j] && rev[i] & masks[j]) {
        set[fd >> 3] |= 1 << (fd & 7);
        ready++;
      }
    });
  });
  [rd, wr, ex].forEach((p, j) => { if (p) k.mem.write(p, sets[j]!); });
  writeLeft(k, tmo, timeout, start);
  return ready;
});
