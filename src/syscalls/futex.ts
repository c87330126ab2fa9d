// futex: wait and wake on a 32-bit guest word. Guest memory is a shared WebAssembly.Memory, so
// waiting is Atomics.wait on the guest's own word (Kernel.futexWait) and waking Atomics.notify:
// correct for one thread now and for worker threads later.
import { clockNs } from './time.js';
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import { readTimespec } from './structs.js';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4;
const FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;

syscall('futex', 'uaddr:ptr op:int val:uint timeout:ptr uaddr2:ptr val3:uint', (k, uaddr, op, val, timeout, uaddr2, val3) => {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  if ((op & FUTEX_CLOCK_REALTIME) && cmd !== FUTEX_WAIT && cmd !== FUTEX_WAIT_BITSET) throw new SysError(E.ENOSYS);
  if (uaddr % 4 !== 0) throw new SysError(E.EINVAL);
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      if (cmd === FUTEX_WAIT_BITSET && val3 === 0) throw new SysError(E.EINVAL);
      let ms = Infinity;
      if (timeout) {
        const ns = readTimespec(k.mem, timeout);
        // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's is absolute on its clock.
        const left = cmd === FUTEX_WAIT ? ns : ns - clockNs(op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC, k);
        ms = left > 0n ? Number(left) / 1e6 : 0;
      }
      const current = k.mem.readU32(uaddr);
      if (current !== val) throw new SysError(E.EAGAIN);
      const r = k.futexWait(uaddr, val, ms);
      if (r === 'not-equal') throw new SysError(E.EAGAIN);
      if (r === 'timed-out') throw new SysError(E.ETIMEDOUT);
      return 0;
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      if (cmd === FUTEX_WAKE_BITSET && val3 === 0) throw new SysError(E.EINVAL);
      k.mem.readU32(uaddr);
      return k.futexWake(uaddr, val);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      // Waiters beyond `val` would move to uaddr2; Atomics has no requeue, so they are woken
      // instead (a spurious wake-up, which futex users must tolerate anyway).
      if (uaddr2 % 4 !== 0) throw new SysError(E.EINVAL);
      const current = k.mem.readU32(uaddr);
      k.mem.readU32(uaddr2);
      if (cmd === FUTEX_CMP_REQUEUE && current !== val3) throw new SysError(E.EAGAIN);
      return k.futexWake(uaddr, Infinity);
    }
    default:
      throw new SysError(E.ENOSYS);
  }
});
