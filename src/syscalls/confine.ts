// What a confined guest (--root, --memfs) may do to the host beyond its file system, and the
// refusals: host-native programs, signals to processes outside its own tree, abstract unix
// sockets, the network (--net none, with or without confinement) and other processes' /proc
// (at.ts). README's "Threat model" says the same for users. Each refusal is the errno Linux
// gives in the situation it imitates, and one line under -d unimp or -strace saying which flag
// would allow it.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Addr } from '../vfs/socket-protocol.js';
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';

export interface Confinement {
  /** --root or --memfs: the guest is confined. */
  confined: boolean;
  /** --allow-host-exec: execve may run host-native programs even when confined. */
  hostExec: boolean;
  /** --allow-abstract-sockets: abstract-namespace unix sockets even when confined. */
  abstractSockets: boolean;
  /** --net none: no AF_INET/AF_INET6 traffic, confined or not. */
  noNetwork: boolean;
}

export const UNCONFINED: Confinement = { confined: false, hostExec: true, abstractSockets: true, noNetwork: false };

const ERRNO_NAMES = new Map(Object.entries(E).map(([n, v]) => [v as number, n]));

/** Refuse what confinement does not allow: one line for the person running tsemu, `errno` for
 *  the guest. `what` names the attempt; `allow` the flag that would let it through. */
export function refuse(k: Kernel, errno: number, what: string, allow: string | null): never {
  const log = k.opts.unimp ?? k.opts.strace;
  log?.(`tsemu-user: confined: ${what} refused (${ERRNO_NAMES.get(errno) ?? errno})${allow ? `; ${allow} allows it` : ''}`);
  throw new SysError(errno);
}

/**
 * Is host process `pid` in the guest's own tree: itself, a child, or any tsemu process of its
 * job-control session (session.ts), which is every process the confined top-level tsemu and its
 * descendants forked (the session directory is the top-level one's, out of the guest's reach).
 * Without a session (no /dev/shm) the tree is the process and its children.
 */
export function inGuestTree(k: Kernel, pid: number): boolean {
  if (pid === k.pid || k.children.pids.has(pid)) return true;
  return k.session?.pgidOf(pid) != null;
}

/** kill and friends towards `pid` (> 0): EPERM outside the guest's tree when confined (ESRCH
 *  still for a process that does not exist, as Linux answers first). */
export function checkSignalTarget(k: Kernel, pid: number, sig: number): void {
  if (!k.confinement.confined || inGuestTree(k, pid)) return;
  try { process.kill(pid, 0); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') throw new SysError(E.ESRCH);
  }
  refuse(k, E.EPERM, `signal ${sig} to host process ${pid} outside the guest's tree`, null);
}

/**
 * A socket address the guest binds, connects or sends to. Refused:
 * - abstract unix names (sun_path starting with NUL) when confined: they reach host services
 *   (X11, D-Bus, container runtimes) without any path. A connect or send gets ECONNREFUSED, as
 *   in a network namespace of its own where nobody listens on that name; a bind EACCES.
 * - with --net none, IPv4 and IPv6: what Linux answers in a network namespace with no
 *   interface up (measured with `unshare -rn` on 6.x): connect and sendto ENETUNREACH, or
 *   EADDRNOTAVAIL for IPv6 destinations that are not IPv4-mapped. Linux would let a bind
 *   succeed there (nothing could ever connect to it); here a bind is EADDRNOTAVAIL, as no host
 *   port may be opened.
 */
export function checkSocketAddress(k: Kernel, use: 'bind' | 'connect' | 'send', a: Addr): void {
  const c = k.confinement;
  if (a.family === 'unix') {
    if (!c.confined || c.abstractSockets || !a.path?.startsWith('\0')) return;
    const name = JSON.stringify(a.path.slice(1)).slice(1, -1);
    refuse(k, use === 'bind' ? E.EACCES : E.ECONNREFUSED, `${use} to abstract unix socket "@${name}"`, '--allow-abstract-sockets');
  }
  if (!c.noNetwork) return;
  const mapped = a.family === 'inet6' && /^0:0:0:0:0:ffff:/.test(a.host);
  const errno = use === 'bind' || (a.family === 'inet6' && !mapped) ? E.EADDRNOTAVAIL : E.ENETUNREACH;
  const where = a.family === 'inet6' ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
  refuse(k, errno, `${use} to ${where} under --net none`, '--net host');
}

/** listen on an IPv4/IPv6 socket never bound (the kernel would pick a port): under --net none
 *  refused as its bind would be, so that no host port is opened. */
export function checkListen(k: Kernel, inet: boolean): void {
  if (inet && k.confinement.noNetwork) refuse(k, E.EADDRNOTAVAIL, 'listen on an unbound socket under --net none', '--net host');
}

/**
 * Under --memfs a unix socket's path names an in-memory file, which a host socket cannot be:
 * each path gets a host socket file of its own in the job-control session's directory (shared
 * by the guest's whole tree, removed with it), never the host path of the same name (which
 * would reach host services such as D-Bus, or leave files on the host). Without a session
 * (no /dev/shm) there is nowhere private for them: EACCES.
 */
export function memorySocketPath(k: Kernel, guestPath: string): string {
  if (!k.session) refuse(k, E.EACCES, `unix socket ${guestPath} under --memfs without /dev/shm`, null);
  return path.join(k.session.dir, `sock-${createHash('sha256').update(guestPath).digest('hex').slice(0, 32)}`);
}
