// epoll_create1, epoll_ctl, epoll_pwait, epoll_pwait2: an interest list checked with the same
// readiness as poll (poll.ts) each time the guest waits.
//
// EPOLLET: an interest is reported when its file has changed since it was last reported (new
// data, a connection, EOF, room to write after EAGAIN, an eventfd write or read; see
// PollItem.since), not while a condition merely persists; at ADD and MOD a ready file is
// reported once, as Linux does. EPOLLONESHOT disables an interest after one report until MOD.
//
// Differences from Linux: EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted and have no effect. A
// file whose changes tsemu does not see (write ends of pipes, terminals' output, nested epoll
// descriptors) is reported under EPOLLET as if level-triggered. An interest ends when its descriptor is closed or now names
// another file (Linux keeps it while a dup of the file stays open).
import { PERM_W } from '../../cpu/memory.js';
import { O, OpenFile, S_IFDIR, S_IFMT, S_IFREG, type StatInfo } from '../../vfs/file.js';
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { withWaitMask } from '../signal/signals.js';
import { pollFds, timeoutOf, type SelfPolling } from './poll.js';

const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
const EPOLLONESHOT = 1 << 30, EPOLLEXCLUSIVE = 1 << 28, EPOLLET = 1 << 31;
/** Bits of epoll_event.events that are conditions (the rest are flags). */
const CONDITIONS = 0x3fff;

/** `seen`: with EPOLLET, the state token (pollFds) of the file when last reported. */
interface Interest { file: OpenFile; events: number; data: bigint; disabled: boolean; seen?: string }

let inodes = 0x30000;

export class EpollFile extends OpenFile implements SelfPolling {
  readonly interests = new Map<number, Interest>();
  /** Counts epoll_ctl calls: a wait in progress takes up the new list when it moves. */
  changes = 0;
  private readonly ino = inodes++;

  constructor() {
    super();
    this.flags = O.RDWR;
    this.path = 'anon_inode:[eventpoll]';
  }

  /** Interests whose descriptor still names the file they were added for. */
  live(k: Kernel): [number, Interest][] {
    for (const [fd, it] of this.interests) {
      if (!k.fds.has(fd) || k.fds.get(fd) !== it.file) {
        // A WatchedStream replaces a pipe's file under the same descriptors: follow it.
        const now = k.fds.has(fd) ? k.fds.get(fd) : undefined;
        if (now && (now as { inner?: OpenFile }).inner === it.file) it.file = now;
        else this.interests.delete(fd);
      }
    }
    return [...this.interests].filter(([, it]) => !it.disabled);
  }

  /** An epoll descriptor is readable when one of its interests is ready (nested epoll). */
  readiness(k: Kernel): number {
    const list = this.live(k).filter(([, it]) => it.file !== this);
    if (!list.length) return 0;
    const rev = pollFds(k, list.map(([fd, it]) => ({ fd, events: it.events & CONDITIONS })), 0);
    return rev.some((r) => r) ? 0x41 : 0;
  }

  override stat(): StatInfo {
    return {
      dev: 14, ino: this.ino, mode: 0o600, nlink: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
      rdev: 0, size: 0, blksize: 4096, blocks: 0, atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n,
    };
  }
}

function epollOf(k: Kernel, fd: number): EpollFile {
  const f = k.fds.get(fd);
  if (!(f instanceof EpollFile)) throw new SysError(E.EINVAL);
  return f;
}

syscall('epoll_create1', 'flags:hex', (k, flags) => {
  if (flags & ~O.CLOEXEC) throw new SysError(E.EINVAL);
  return k.fds.alloc(new EpollFile(), (flags & O.CLOEXEC) !== 0);
});

syscall('epoll_ctl', 'epfd:int op:int fd:int event:ptr', (k, epfd, op, fd, ev) => {
  const ep = k.fds.get(epfd);
  const target = k.fds.get(fd);
  let events = 0;
  let data = 0n;
  if (op === EPOLL_CTL_ADD || op === EPOLL_CTL_MOD) {
    events = k.mem.readU32(ev);
    data = k.mem.readU64(ev + 8);
  }
  if (!(ep instanceof EpollFile) || fd === epfd) throw new SysError(E.EINVAL);
  let mode = 0;
  try { mode = target.stat().mode & S_IFMT; } catch { /* no stat: treat as pollable */ }
  // Linux refuses files without a poll method: regular files and directories.
  if ((mode === S_IFREG || mode === S_IFDIR) && !(target instanceof EpollFile)) throw new SysError(E.EPERM);
  ep.live(k);
  const cur = ep.interests.get(fd);
  ep.changes++;
  switch (op) {
    case EPOLL_CTL_ADD:
      if (cur) throw new SysError(E.EEXIST);
      if (events & EPOLLEXCLUSIVE && target instanceof EpollFile) throw new SysError(E.EINVAL);
      ep.interests.set(fd, { file: target, events, data, disabled: false });
      return 0;
    case EPOLL_CTL_MOD:
      if (!cur) throw new SysError(E.ENOENT);
      if (events & EPOLLEXCLUSIVE || cur.events & EPOLLEXCLUSIVE) throw new SysError(E.EINVAL);
      Object.assign(cur, { events, data, disabled: false, seen: undefined });
      return 0;
    case EPOLL_CTL_DEL:
      if (!cur) throw new SysError(E.ENOENT);
      ep.interests.delete(fd);
      return 0;
    default:
      throw new SysError(E.EINVAL);
  }
});

function wait(k: Kernel, epfd: number, events: number, max: number, timeoutMs: number): number {
  if (max <= 0 || max > 0x7fffffff / 16) throw new SysError(E.EINVAL);
  const ep = epollOf(k, epfd);
  // The result array must be writable even when nothing is ready (Linux checks it first).
  k.mem.check(events, Math.min(max, 4096) * 16, PERM_W);
  // The first thread serves the other threads' calls while it waits (threads/group.ts), an
  // epoll_ctl on this very epoll among them (Go's netpoller waits while a goroutine adds a new
  // pipe): such a change ends the wait (the socket worker's poll is taken back), and it starts
  // again over the interests as they are now.
  if (!k.threads || timeoutMs === 0 || k.pollLook) return waitOnce(k, ep, events, max, timeoutMs);
  const end = timeoutMs < 0 ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const left = timeoutMs < 0 ? -1 : Math.max(0, end - Date.now());
    const seen = ep.changes;
    const n = waitOnce(k, ep, events, max, left, () => ep.changes !== seen);
    if (n || left === 0 || ep.changes === seen) return n;
  }
}

function waitOnce(k: Kernel, ep: EpollFile, events: number, max: number, timeoutMs: number, stop?: () => boolean): number {
  const list = ep.live(k);
  const tokens: string[] = [];
  const edge = (it: Interest) => (it.events & EPOLLET) !== 0;
  // An edge-triggered interest never reported yet has no token, so it counts if ready.
  const rev = pollFds(k, list.map(([fd, it]) => ({ fd, events: it.events & CONDITIONS, since: edge(it) ? it.seen ?? '' : undefined })), timeoutMs, tokens, stop);
  const out = Buffer.alloc(Math.min(max, list.length) * 16);
  let n = 0;
  for (let i = 0; i < list.length && n < max; i++) {
    if (!rev[i]) continue;
    const it = list[i][1];
    out.writeUInt32LE(rev[i] >>> 0, n * 16);
    out.writeBigUInt64LE(it.data, n * 16 + 8);
    if (it.events & EPOLLONESHOT) it.disabled = true;
    if (edge(it)) it.seen = tokens[i];
    n++;
  }
  if (n) k.mem.write(events, out.subarray(0, n * 16));
  return n;
}

syscall('epoll_pwait', 'epfd:int events:ptr maxevents:int timeout:int sigmask:ptr sigsetsize:size',
  (k, epfd, events, max, timeout, sigmask, sigsetsize) => withWaitMask(k, sigmask, sigsetsize, () => wait(k, epfd, events, max, timeout < 0 ? -1 : timeout)));

syscall('epoll_pwait2', 'epfd:int events:ptr maxevents:int timeout:ptr sigmask:ptr sigsetsize:size',
  (k, epfd, events, max, tmo, sigmask, sigsetsize) => {
    const ms = timeoutOf(k, tmo);
    return withWaitMask(k, sigmask, sigsetsize, () => wait(k, epfd, events, max, ms));
  });
