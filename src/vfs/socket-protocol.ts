// Messages between the guest thread (socket.ts) and the socket worker (socket-worker.ts).
// Requests go by postMessage; each answer comes back on a MessageChannel port that the guest
// thread reads synchronously (receiveMessageOnPort) after Atomics.wait on `signal` says one
// is there.

/** Address as the worker speaks it: an IP with a port, or a unix path ('\0…' = abstract). */
export interface Addr {
  family: 'inet' | 'inet6' | 'unix';
  host: string;
  port: number;
  path?: string;
  /** A unix path as the guest gave it (what getsockname reports), when `path` is its host form. */
  guestPath?: string;
}

export type Request = (
  | { op: 'socket'; family: Addr['family']; dgram: boolean }
  | { op: 'bind'; id: number; addr: Addr; v6only?: boolean }
  | { op: 'listen'; id: number; backlog: number }
  | { op: 'accept'; id: number; nonblock: boolean; timeoutMs?: number }
  | { op: 'connect'; id: number; addr: Addr; nonblock: boolean }
  | { op: 'send'; id: number; data: Uint8Array; addr?: Addr; nonblock: boolean }
  | { op: 'recv'; id: number; max: number; peek: boolean; nonblock: boolean; waitall: boolean; timeoutMs?: number }
  | { op: 'shutdown'; id: number; how: number }
  | { op: 'close'; id: number }
  | { op: 'names'; id: number }
  | { op: 'option'; id: number; name: 'nodelay' | 'keepalive' | 'broadcast'; value: boolean }
  | { op: 'takeError'; id: number }
  /** `since` (edge-triggered epoll): the item counts only once its socket has had more
   *  wake-ups than that; the reply's `wakes` says how many each has had. */
  | { op: 'poll'; items: { id: number; events: number; since?: number }[]; timeoutMs: number }
  | { op: 'pair'; dgram: boolean }
  | { op: 'watch'; path: string; tty: boolean }
  | { op: 'flush' }
  | { op: 'disconnect'; id: number }
  /** FIONREAD: bytes this socket or watched pipe has for reading (a datagram socket: the next datagram's size). */
  | { op: 'inq'; id: number }
  /** fork: the socket's host descriptor for the child (n; -1: none), made real if need be. */
  | { op: 'share'; id: number }
  /** In a forked child: take over an inherited host descriptor (or make a new socket). */
  | { op: 'adopt'; fd: number; kind: 'stream' | 'server' | 'fresh'; family: Addr['family']; dgram: boolean; local?: Addr; peer?: Addr }
  /** Answer the request `seq` with ERESTARTSYS unless it has its answer already. */
  | { op: 'cancel' }
  /** From now on also bump this word (Kernel.wake) with every reply. */
  | { op: 'wake'; buffer: SharedArrayBuffer }
) & { seq?: number };

export interface Reply {
  /** errno, 0 on success */
  err: number;
  id?: number;
  id2?: number;
  n?: number;
  data?: Uint8Array;
  /** For a datagram: its length before truncation to what was asked. */
  full?: number;
  addr?: Addr;
  local?: Addr;
  peer?: Addr;
  revents?: number[];
  wakes?: number[];
}

/** poll(2) bits, the same on every Linux architecture. */
export const POLL = {
  IN: 0x1, PRI: 0x2, OUT: 0x4, ERR: 0x8, HUP: 0x10, NVAL: 0x20, RDNORM: 0x40, RDBAND: 0x80,
  WRNORM: 0x100, WRBAND: 0x200, RDHUP: 0x2000,
} as const;
