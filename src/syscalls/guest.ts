// Checked access to guest memory for handlers: every guest pointer goes through GuestMemory's
// permission checks (a bad pointer raises GuestFault, which the dispatcher turns into EFAULT),
// plus the partial-buffer rules Linux follows for read/write-style calls.
import { PERM_R, PERM_W } from '../cpu/memory.js';
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';

/** Top of the aarch64 user address space (48-bit VA): Linux's access_ok() bound. */
export const TASK_SIZE = 2 ** 48;
/** Linux caps one read or write at this many bytes (MAX_RW_COUNT). */
export const MAX_RW_COUNT = 0x7ffff000;
export const PATH_MAX = 4096;

/** access_ok(): a range reaching past the user address space is EFAULT before anything runs. */
export function userRange(addr: number, len: number): void {
  if (!(addr + len <= TASK_SIZE)) throw new SysError(E.EFAULT);
}

/**
 * How many bytes from `addr` (up to `len`) are accessible with `need`. Linux copies a buffer
 * until the first bad page and returns a short count, so calls like read() and write() work on
 * the accessible prefix and fail with EFAULT only when it is empty.
 */
export function accessiblePrefix(k: Kernel, addr: number, len: number, need: number): number {
  if (len <= 0) return 0;
  try {
    k.mem.check(addr, len, need);
    return len;
  } catch { /* find where it stops */ }
  let ok = 0;
  let at = addr;
  while (ok < len) {
    const pageEnd = Math.floor(at / 4096) * 4096 + 4096;
    const chunk = Math.min(pageEnd - at, len - ok);
    try { k.mem.check(at, chunk, need); } catch { break; }
    ok += chunk;
    at += chunk;
  }
  return ok;
}

/** The writable prefix of a buffer of `len` bytes, capped at `cap`; EFAULT if none of it is. */
export function writableSpan(k: Kernel, addr: number, len: number, cap = MAX_RW_COUNT): number {
  userRange(addr, len);
  const n = accessiblePrefix(k, addr, Math.min(len, cap), PERM_W);
  if (n === 0 && len > 0) throw new SysError(E.EFAULT);
  return n;
}

/** The readable prefix of a buffer of `len` bytes, capped at `cap`; EFAULT if none of it is. */
export function readableSpan(k: Kernel, addr: number, len: number, cap = MAX_RW_COUNT): number {
  userRange(addr, len);
  const n = accessiblePrefix(k, addr, Math.min(len, cap), PERM_R);
  if (n === 0 && len > 0) throw new SysError(E.EFAULT);
  return n;
}

/** Raw bytes of a NUL-terminated string of at most `max` bytes including the NUL. */
function readCBytes(k: Kernel, addr: number, max: number, tooLong: number): Buffer {
  const end = Math.min(addr + max, 2 ** 32);
  const out: number[] = [];
  for (let a = addr; a < end;) {
    const pageEnd = Math.min(end, Math.floor(a / 4096) * 4096 + 4096);
    const bytes = k.mem.view(a, pageEnd - a);
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      for (let i = 0; i < nul; i++) out.push(bytes[i]);
      return Buffer.from(out);
    }
    for (const b of bytes) out.push(b);
    a = pageEnd;
  }
  if (addr + max > 2 ** 32) throw new SysError(E.EFAULT); // ran off the end of the guest window
  throw new SysError(tooLong);
}

/** A path argument: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX, ENOENT if empty. */
export function readPath(k: Kernel, addr: number, allowEmpty = false): string {
  const b = readCBytes(k, addr, PATH_MAX, E.ENAMETOOLONG);
  if (b.length === 0 && !allowEmpty) throw new SysError(E.ENOENT);
  return b.toString('utf8');
}

/** A short string argument such as a name for prctl (at most `max` bytes are read). */
export function readString(k: Kernel, addr: number, max: number): string {
  try {
    return readCBytes(k, addr, max, E.EINVAL).toString('utf8');
  } catch (err) {
    if (err instanceof SysError && err.errno === E.EINVAL) return Buffer.from(k.mem.read(addr, max)).toString('utf8');
    throw err;
  }
}
