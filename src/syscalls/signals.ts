// Signal dispositions and masks are recorded; delivering signals to guest handlers is not done yet.
import { syscall } from './define.js';
import { E, SysError } from './errno.js';

syscall('rt_sigaction', 'sig:int act:ptr oldact:ptr sigsetsize:size', (k, sig, act, oldact, size) => {
  if (sig < 1 || sig > 64 || size !== 8) throw new SysError(E.EINVAL);
  if (act && (sig === 9 || sig === 19)) throw new SysError(E.EINVAL);
  const old = k.sigactions.get(sig) ?? [0n, 0n, 0n, 0n];
  let next: [bigint, bigint, bigint, bigint] | undefined;
  if (act) next = [k.mem.readU64(act), k.mem.readU64(act + 8), k.mem.readU64(act + 16), k.mem.readU64(act + 24)];
  if (oldact) old.forEach((v, i) => k.mem.writeU64(oldact + i * 8, v));
  if (next) k.sigactions.set(sig, next);
  return 0;
});

syscall('rt_sigprocmask', 'how:int set:ptr oldset:ptr sigsetsize:size', (k, how, set, oldset, size) => {
  if (size !== 8) throw new SysError(E.EINVAL);
  let next: bigint | undefined;
  if (set) {
    const s = k.mem.readU64(set);
    if (how === 0) next = k.sigmask | s;
    else if (how === 1) next = k.sigmask & ~s;
    else if (how === 2) next = s;
    else throw new SysError(E.EINVAL);
  }
  if (oldset) k.mem.writeU64(oldset, k.sigmask);
  // SIGKILL and SIGSTOP cannot be blocked.
  if (next !== undefined) k.sigmask = next & ~((1n << 8n) | (1n << 18n));
  return 0;
});

syscall('sigaltstack', 'ss:ptr old:ptr', (k, ss, old) => {
  if (old) k.mem.write(old, new Uint8Array(24).fill(0).map((_, i) => (i === 8 ? 2 : 0))); // SS_DISABLE
  if (ss) k.mem.read(ss, 24);
  return 0;
});
