// ppoll and pselect6, first version: Node cannot ask the host whether a descriptor is ready
// without reading it, so every valid descriptor is reported ready for what was asked. A
// following read or write then blocks until it can proceed, which is what programs waiting
// with an infinite timeout expect. Waiting on several pipes at once, and timeouts on
// descriptors that never become ready, need real readiness (a later issue's poll/epoll work).
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';
import { readTimespec } from './structs.js';

const POLLIN = 0x1, POLLOUT = 0x4, POLLRDNORM = 0x40, POLLWRNORM = 0x100, POLLNVAL = 0x20;

function checkTimeout(k: Kernel, addr: number): void {
  if (!addr) return;
  const ns = readTimespec(k.mem, addr);
  const nsec = BigInt.asIntN(64, k.mem.readU64(addr + 8));
  if (ns < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new SysError(E.EINVAL);
}

syscall('ppoll', 'fds:ptr nfds:uint tmo:ptr sigmask:ptr sigsetsize:size', (k, fds, nfds, tmo) => {
  if (nfds > 1024) throw new SysError(E.EINVAL);
  checkTimeout(k, tmo);
  const b = Buffer.from(k.mem.read(fds, nfds * 8));
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = b.readInt32LE(i * 8);
    const events = b.readInt16LE(i * 8 + 4);
    let revents = 0;
    if (fd >= 0) {
      revents = k.fds.has(fd) ? events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM) : POLLNVAL;
      if (revents) ready++;
    }
    b.writeInt16LE(revents, i * 8 + 6);
  }
  k.mem.write(fds, b);
  return ready;
});

syscall('pselect6', 'nfds:int readfds:ptr writefds:ptr exceptfds:ptr tmo:ptr sig:ptr', (k, nfds, rd, wr, ex, tmo) => {
  if (nfds < 0 || nfds > 1024) throw new SysError(E.EINVAL);
  checkTimeout(k, tmo);
  const bytes = Math.ceil(nfds / 64) * 8;
  const sets = [rd, wr].map((p) => (p ? Buffer.from(k.mem.read(p, bytes)) : null));
  let ready = 0;
  for (const set of sets) {
    if (!set) continue;
    for (let fd = 0; fd < nfds; fd++) {
      const bit = set[fd >> 3] & (1 << (fd & 7));
      if (!bit) continue;
      if (!k.fds.has(fd)) throw new SysError(E.EBADF);
      ready++;
    }
  }
  if (rd && sets[0]) k.mem.write(rd, sets[0]);
  if (wr && sets[1]) k.mem.write(wr, sets[1]);
  if (ex) k.mem.write(ex, new Uint8Array(bytes)); // no exceptional conditions
  return ready;
});
