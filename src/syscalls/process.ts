// Process identity, exit, thread bookkeeping calls glibc makes at start-up, resource limits, futex.
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import { GuestExit, GuestKilled } from './kernel.js';
import { LAYOUT } from '../loader/index.js';

syscall('exit', 'status:int', (_k, status) => { throw new GuestExit(status & 0xff); });
syscall('exit_group', 'status:int', (_k, status) => { throw new GuestExit(status & 0xff); });

syscall('getpid', '', (k) => k.pid);
syscall('gettid', '', (k) => k.pid);
syscall('getppid', '', () => process.ppid);
syscall('getuid', '', () => process.getuid?.() ?? 0);
syscall('geteuid', '', () => process.geteuid?.() ?? 0);
syscall('getgid', '', () => process.getgid?.() ?? 0);
syscall('getegid', '', () => process.getegid?.() ?? 0);

syscall('set_tid_address', 'tidptr:ptr', (k, tidptr) => {
  k.clearChildTid = tidptr;
  return k.pid;
});
syscall('set_robust_list', 'head:ptr len:size', (_k, _head, len) => {
  if (len !== 24) throw new SysError(E.EINVAL);
  return 0;
});
// glibc probes these and falls back when they are absent, as on older kernels.
syscall('rseq', 'rseq:ptr len:uint flags:int sig:hex', () => { throw new SysError(E.ENOSYS); });
syscall('clone3', 'args:ptr size:size', () => { throw new SysError(E.ENOSYS); });

const RLIM_INFINITY = 0xffffffffffffffffn;
/** Limits reported to the guest; the stack limit matches the stack the loader maps. */
function limitOf(resource: number): [bigint, bigint] {
  switch (resource) {
    case 3: return [BigInt(LAYOUT.stackSize), RLIM_INFINITY]; // RLIMIT_STACK
    case 7: return [1024n, 1048576n]; // RLIMIT_NOFILE
    default: return [RLIM_INFINITY, RLIM_INFINITY];
  }
}

syscall('prlimit64', 'pid:int resource:int new:ptr old:ptr', (k, pid, resource, newp, oldp) => {
  if (pid !== 0 && pid !== k.pid) throw new SysError(E.ESRCH);
  if (resource < 0 || resource > 15) throw new SysError(E.EINVAL);
  if (oldp) {
    const [cur, max] = limitOf(resource);
    k.mem.writeU64(oldp, cur);
    k.mem.writeU64(oldp + 8, max);
  }
  if (newp) k.mem.read(newp, 16);
  return 0;
});

syscall('getrlimit', 'resource:int rlim:ptr', (k, resource, rlim) => {
  if (resource < 0 || resource > 15) throw new SysError(E.EINVAL);
  const [cur, max] = limitOf(resource);
  k.mem.writeU64(rlim, cur);
  k.mem.writeU64(rlim + 8, max);
  return 0;
});

syscall('futex', 'uaddr:ptr op:int val:uint timeout:ptr uaddr2:ptr val3:uint', (k, uaddr, op, val) => {
  const cmd = op & 0x7f;
  const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
  if (uaddr % 4 !== 0) throw new SysError(E.EINVAL);
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
      // One thread: nobody could wake us, so a matching value would block forever. Linux
      // would hang too; report the mismatch case exactly and the other as a timeout.
      if (k.mem.readU32(uaddr) !== val >>> 0) throw new SysError(E.EAGAIN);
      throw new SysError(E.ETIMEDOUT);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      k.mem.readU32(uaddr);
      return 0;
    default:
      throw new SysError(E.ENOSYS);
  }
});

syscall('getpgid', 'pid:int', () => process.pid);
syscall('getsid', 'pid:int', () => process.pid);

syscall('kill', 'pid:int sig:int', (k, pid, sig) => selfSignal(k.pid, pid, sig));
syscall('tgkill', 'tgid:int tid:int sig:int', (k, tgid, _tid, sig) => selfSignal(k.pid, tgid, sig));
syscall('tkill', 'tid:int sig:int', (k, tid, sig) => selfSignal(k.pid, tid, sig));

/** Signals to ourselves with the default action end the process, as Linux does. */
function selfSignal(self: number, pid: number, sig: number): number {
  if (sig < 0 || sig > 64) throw new SysError(E.EINVAL);
  if (pid !== self && pid !== 0 && pid !== -1) {
    try { process.kill(pid, sig); } catch (err) { throw new SysError((err as any).code === 'ESRCH' ? E.ESRCH : E.EPERM); }
    return 0;
  }
  if (sig === 0) return 0;
  const ignoredByDefault = [17, 23, 28]; // SIGCHLD, SIGURG, SIGWINCH
  if (ignoredByDefault.includes(sig)) return 0;
  throw new GuestKilled(sig);
}
