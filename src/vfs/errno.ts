// Linux errno values (asm-generic, which aarch64 uses) and the typed error that file backends
// and system call handlers throw. It lives in vfs/ because backends raise errnos too and vfs/
// sits below syscalls/ in the import order; syscalls/errno.ts re-exports it.
export const E = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28,
  ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOLCK: 37,
  ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, ENODATA: 61, ETIME: 62, EOVERFLOW: 75, EBADFD: 77,
  EILSEQ: 84, ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENETUNREACH: 101,
  ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105, EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110,
  ECONNREFUSED: 111, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115, EDQUOT: 122, ECANCELED: 125,
} as const;

export type Errno = (typeof E)[keyof typeof E];

/** Kernel-internal: a blocking call a signal interrupted. The guest never sees it: the call is
 *  restarted (no handler ran, or the handler has SA_RESTART) or fails with EINTR. */
export const ERESTARTSYS = 512;
/** Kernel-internal, as Linux's ERESTARTNOHAND: restarted only when no handler ran; a handler
 *  makes it EINTR whatever SA_RESTART says (sleeps, and waits with a timeout). */
export const ERESTARTNOHAND = 514;
/** Kernel-internal, as Linux's ERESTARTNOINTR: restarted after any handler, whatever
 *  SA_RESTART says; never EINTR (FUTEX_LOCK_PI). */
export const ERESTARTNOINTR = 513;

/** Thrown by handlers and backends; the dispatcher returns -errno to the guest. */
export class SysError extends Error {
  constructor(readonly errno: number, message?: string) {
    super(message ?? `errno ${errno}`);
  }
}

const BY_CODE: Record<string, number> = Object.fromEntries(Object.entries(E));

/** Map a Node.js fs error (err.code like 'ENOENT') to a guest errno. */
export function errnoOf(err: unknown): number {
  if (err instanceof SysError) return err.errno;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && code in BY_CODE) return BY_CODE[code];
  if (code === 'ENOTSUP') return E.EOPNOTSUPP;
  if (code === 'EWOULDBLOCK') return E.EAGAIN;
  // Node validates arguments before the host call (ERR_OUT_OF_RANGE, ERR_INVALID_ARG_VALUE...):
  // the host would have rejected the same value.
  if (code?.startsWith('ERR_')) return E.EINVAL;
  return E.EIO;
}

/** Run a host call, turning Node errors into guest errnos. */
export function host<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new SysError(errnoOf(err));
  }
}
