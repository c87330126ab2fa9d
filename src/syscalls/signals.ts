// Signal dispositions and masks are recorded; running guest handlers is not done yet. What is
// done: signals the guest sends itself take their default action (terminate, or nothing for
// those ignored by default), SIG_IGN'd ones vanish, and blocked ones stay pending until
// unblocked. Signals for other host processes are passed on.
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import { GuestKilled, type Kernel } from './kernel.js';

const SIGKILL = 9, SIGSTOP = 19, NSIG = 64;
const SIG_DFL = 0n, SIG_IGN = 1n;
/** Default action "ignore": SIGCHLD, SIGCONT, SIGURG, SIGWINCH. Stop signals are treated alike. */
const IGNORED_BY_DEFAULT = new Set([17, 18, 23, 28, 19, 20, 21, 22]);
const UNBLOCKABLE = (1n << BigInt(SIGKILL - 1)) | (1n << BigInt(SIGSTOP - 1));

const pending = new WeakMap<Kernel, Set<number>>();

const bit = (sig: number) => 1n << BigInt(sig - 1);

/** Deliver `sig` to the guest itself, as far as delivery goes so far. */
export function raise(k: Kernel, sig: number): void {
  if (sig === 0) return;
  if (sig === SIGKILL) throw new GuestKilled(sig);
  const handler = k.sigactions.get(sig)?.[0] ?? SIG_DFL;
  if (handler === SIG_IGN) return;
  if (k.sigmask & bit(sig)) {
    let set = pending.get(k);
    if (!set) pending.set(k, (set = new Set()));
    set.add(sig);
    return;
  }
  // A guest handler would run here once signal delivery exists; until then it is skipped.
  if (handler !== SIG_DFL) return;
  if (!IGNORED_BY_DEFAULT.has(sig)) throw new GuestKilled(sig);
}

function deliverUnblocked(k: Kernel): void {
  const set = pending.get(k);
  if (!set) return;
  for (const sig of [...set]) {
    if (k.sigmask & bit(sig)) continue;
    set.delete(sig);
    raise(k, sig);
  }
}

syscall('rt_sigaction', 'sig:int act:ptr oldact:ptr sigsetsize:size', (k, sig, act, oldact, size) => {
  if (size !== 8) throw new SysError(E.EINVAL);
  if (sig < 1 || sig > NSIG) throw new SysError(E.EINVAL);
  // struct sigaction (aarch64 kernel): sa_handler, sa_flags, sa_restorer, sa_mask: 4 × u64
  let next: [bigint, bigint, bigint, bigint] | undefined;
  if (act) {
    const b = Buffer.from(k.mem.read(act, 32));
    next = [b.readBigUInt64LE(0), b.readBigUInt64LE(8), b.readBigUInt64LE(16), b.readBigUInt64LE(24) & ~UNBLOCKABLE];
    if (sig === SIGKILL || sig === SIGSTOP) throw new SysError(E.EINVAL);
  }
  const old = k.sigactions.get(sig) ?? [0n, 0n, 0n, 0n];
  if (next) {
    k.sigactions.set(sig, next);
    // Ignoring a pending signal discards it.
    if (next[0] === SIG_IGN) pending.get(k)?.delete(sig);
  }
  if (oldact) {
    const b = Buffer.alloc(32);
    old.forEach((v, i) => b.writeBigUInt64LE(v, i * 8));
    k.mem.write(oldact, b);
  }
  return 0;
});

syscall('rt_sigprocmask', 'how:int set:ptr oldset:ptr sigsetsize:size', (k, how, set, oldset, size) => {
  const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
  if (size !== 8) throw new SysError(E.EINVAL);
  const old = k.sigmask;
  if (set) {
    const s = k.mem.readU64(set) & ~UNBLOCKABLE;
    if (how === SIG_BLOCK) k.sigmask |= s;
    else if (how === SIG_UNBLOCK) k.sigmask &= ~s;
    else if (how === SIG_SETMASK) k.sigmask = s;
    else throw new SysError(E.EINVAL);
  }
  if (oldset) k.mem.writeU64(oldset, old);
  if (set) deliverUnblocked(k);
  return 0;
});

syscall('rt_sigpending', 'set:ptr sigsetsize:size', (k, set, size) => {
  if (size > 8) throw new SysError(E.EINVAL);
  let mask = 0n;
  for (const sig of pending.get(k) ?? []) mask |= bit(sig);
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(mask);
  if (size > 0) k.mem.write(set, b.subarray(0, size));
  return 0;
});

syscall('sigaltstack', 'ss:ptr old:ptr', (k, ss, old) => {
  // stack_t: ss_sp u64, ss_flags i32, (pad), ss_size u64. Recorded nowhere yet: no handlers run.
  const SS_DISABLE = 2;
  let next: Buffer | undefined;
  if (ss) {
    next = Buffer.from(k.mem.read(ss, 24));
    const flags = next.readInt32LE(8);
    if (flags & ~(SS_DISABLE | 0x80000000)) throw new SysError(E.EINVAL);
    if (!(flags & SS_DISABLE) && next.readBigUInt64LE(16) < 2048n) throw new SysError(E.ENOMEM);
  }
  if (old) {
    const b = Buffer.alloc(24);
    b.writeInt32LE(SS_DISABLE, 8);
    k.mem.write(old, b);
  }
  return 0;
});

/** kill/tkill/tgkill: signals to ourselves are raised here; others go to the host process. */
function sendSignal(k: Kernel, pid: number, sig: number): number {
  if (sig < 0 || sig > NSIG) throw new SysError(E.EINVAL);
  // pid 0 (our group) and -1 (everyone we may signal) would reach the host's other processes,
  // tsemu's parent included; the guest can only mean itself and its children, and has none yet.
  if (pid === k.pid || pid === 0 || pid === -1) {
    raise(k, sig);
    return 0;
  }
  try {
    process.kill(pid, sig);
  } catch (err) {
    throw new SysError((err as NodeJS.ErrnoException).code === 'EPERM' ? E.EPERM : E.ESRCH);
  }
  return 0;
}

syscall('kill', 'pid:int sig:int', (k, pid, sig) => sendSignal(k, pid, sig));
syscall('tkill', 'tid:int sig:int', (k, tid, sig) => {
  if (tid <= 0) throw new SysError(E.EINVAL);
  return sendSignal(k, tid, sig);
});
syscall('tgkill', 'tgid:int tid:int sig:int', (k, tgid, tid, sig) => {
  if (tgid <= 0 || tid <= 0) throw new SysError(E.EINVAL);
  if (tgid === k.pid && tid !== k.pid) throw new SysError(E.ESRCH);
  return sendSignal(k, tgid, sig);
});
