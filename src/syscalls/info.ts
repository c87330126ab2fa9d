// System information: uname, getrandom, sysinfo.
import { randomFillSync } from 'node:crypto';
import * as os from 'node:os';
import { syscall } from './define.js';
import { E, SysError } from './errno.js';

syscall('uname', 'buf:ptr', (k, buf) => {
  const b = Buffer.alloc(65 * 6);
  const fields = ['Linux', os.hostname(), os.release(), '#1 SMP tsemu', 'aarch64', '(none)'];
  fields.forEach((f, i) => b.write(f.slice(0, 64), i * 65, 'utf8'));
  k.mem.write(buf, b);
  return 0;
});

syscall('getrandom', 'buf:ptr count:size flags:hex', (k, buf, count, flags) => {
  if (flags & ~7) throw new SysError(E.EINVAL);
  const n = Math.min(count, 33554431);
  const b = new Uint8Array(n);
  randomFillSync(b);
  k.mem.write(buf, b);
  return n;
});

syscall('sysinfo', 'info:ptr', (k, info) => {
  const b = Buffer.alloc(112);
  b.writeBigInt64LE(BigInt(Math.floor(os.uptime())), 0);
  const la = os.loadavg();
  la.forEach((l, i) => b.writeBigUInt64LE(BigInt(Math.floor(l * 65536)), 8 + i * 8));
  b.writeBigUInt64LE(BigInt(os.totalmem()), 32);
  b.writeBigUInt64LE(BigInt(os.freemem()), 40);
  b.writeUInt16LE(1, 80); // procs
  b.writeUInt32LE(1, 104); // mem_unit
  k.mem.write(info, b);
  return 0;
});
