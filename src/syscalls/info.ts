// System information: uname, getrandom, sysinfo.
import { randomFillSync } from 'node:crypto';
import * as os from 'node:os';
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import { writableSpan } from './guest.js';

syscall('uname', 'buf:ptr', (k, buf) => {
  // struct utsname: six 65-byte NUL-terminated fields. The host's kernel release and version
  // stand for the guest's, as qemu-user reports them; the machine is the guest's.
  const b = Buffer.alloc(65 * 6);
  const fields = ['Linux', os.hostname(), os.release(), os.version(), 'aarch64', '(none)'];
  fields.forEach((f, i) => Buffer.from(f, 'utf8').subarray(0, 64).copy(b, i * 65));
  k.mem.write(buf, b);
  return 0;
});

const GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

syscall('getrandom', 'buf:ptr count:size flags:hex', (k, buf, count, flags) => {
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) throw new SysError(E.EINVAL);
  if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM)) throw new SysError(E.EINVAL);
  // Like Linux: one call returns at most INT_MAX bytes, fewer if the buffer runs into a bad page.
  const n = writableSpan(k, buf, count, 1 << 25);
  randomFillSync(k.mem.writableView(buf, n));
  return n;
});

syscall('sysinfo', 'info:ptr', (k, info) => {
  // struct sysinfo (64-bit): uptime, loads[3], totalram, freeram, sharedram, bufferram,
  // totalswap, freeswap (longs), procs (u16), pad, totalhigh, freehigh, mem_unit (u32): 112 bytes
  const b = Buffer.alloc(112);
  b.writeBigInt64LE(BigInt(Math.floor(os.uptime())), 0);
  os.loadavg().forEach((l, i) => b.writeBigUInt64LE(BigInt(Math.floor(l * 65536)), 8 + i * 8));
  b.writeBigUInt64LE(BigInt(os.totalmem()), 32);
  b.writeBigUInt64LE(BigInt(os.freemem()), 40);
  b.writeUInt16LE(1, 80);
  b.writeUInt32LE(1, 104);
  k.mem.write(info, b);
  return 0;
});
