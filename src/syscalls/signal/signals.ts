// Signals: dispositions, masks, queues (kernel.ts keeps the state), and delivery the way arm64
// Linux does it: when the guest would return to user mode — after a system call, or when the
// run loop stops for an asynchronous event — each pending unblocked signal either takes its
// default action or gets an rt_sigframe on the stack (or the alternate stack) and the handler
// runs; rt_sigreturn restores what the frame holds, including any change the handler made.
// Faults (SIGSEGV, SIGBUS, SIGILL, SIGTRAP) are forced: blocked or ignored, they kill.
import { GuestFault } from '../../cpu/memory.js';
import { LAYOUT } from '../../cpu/layout.js';
import { PERM_R, PERM_W, PERM_X } from '../../cpu/state.js';
import { checkSignalTarget } from '../confine.js';
import { syscall } from '../define.js';
import { E, ERESTARTNOHAND, ERESTARTSYS, SysError } from '../errno.js';
import {
  GuestKilled, IGNORED_BY_DEFAULT, SIG_DFL, SIG_IGN, signalBit, SS_DISABLE, SS_ONSTACK, STOP_SIGNALS, userSignalInfo,
  type Kernel, type PendingSignals,
} from '../kernel.js';
import { readTimespec, SIGFRAME } from '../structs.js';

const SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11, SIGSTOP = 19, SIGSYS = 31;
const NSIG = 64;
const SA_SIGINFO = 4n, SA_ONSTACK = 0x08000000n, SA_RESTART = 0x10000000n, SA_NODEFER = 0x40000000n;
const SA_RESETHAND = 0x80000000n, SA_RESTORER = 0x04000000n;
const SS_AUTODISARM = 1 << 31;
/** arm64's MINSIGSTKSZ: the smallest alternate stack sigaltstack accepts. */
const MINSIGSTKSZ = 5120;
const SI_USER = 0, SI_QUEUE = -1, SI_TKILL = -6;
const ERESTART_SVC_SIZE = 4;

const UNBLOCKABLE = signalBit(SIGKILL) | signalBit(SIGSTOP);
/** Synchronous signals go first when several are pending, as Linux dequeues them. */
const SYNCHRONOUS = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGSYS];

/** Generate `sig` for the guest itself, as kill/tgkill/raise do. SIGKILL acts at once. */
export function raise(k: Kernel, sig: number, info: Buffer = userSignalInfo(sig, SI_USER, k.pid)): void {
  if (sig === 0) return;
  if (sig === SIGKILL) throw new GuestKilled(sig);
  k.queueSignal(sig, info);
}

/** The lowest pending unblocked signal (synchronous ones first), removed from its queue: the
 *  thread's own pending signals first, then the process's, as Linux's dequeue_signal. */
function takeSignal(k: Kernel, allowed: bigint): [number, Buffer] | null {
  return takeFrom(k.threadPending, allowed) ?? takeFrom(k.pendingSignals, allowed);
}

function takeFrom(pending: PendingSignals, allowed: bigint): [number, Buffer] | null {
  let pick = 0;
  for (const sig of pending.keys()) {
    if (!(allowed & signalBit(sig))) continue;
    if (!pick || (SYNCHRONOUS.includes(sig) && !SYNCHRONOUS.includes(pick)) ||
        (SYNCHRONOUS.includes(sig) === SYNCHRONOUS.includes(pick) && sig < pick)) pick = sig;
  }
  if (!pick) return null;
  const queue = pending.get(pick)!;
  const info = queue.shift()!;
  if (queue.length === 0) pending.delete(pick);
  return [pick, info];
}

function restartSyscall(k: Kernel): void {
  k.cpu.pc -= ERESTART_SVC_SIZE;
  k.cpu.setX(0, k.syscallArg0);
}

/**
 * What Linux does on the way back to user mode: settle an interrupted system call (restart it,
 * or make it fail with EINTR when a handler without SA_RESTART runs), then deliver every pending
 * unblocked signal. Throws GuestKilled for a default action that terminates.
 */
export function deliverSignals(k: Kernel): void {
  k.pollEvents();
  for (;;) {
    const next = takeSignal(k, ~k.sigmask);
    if (!next) break;
    const [sig, info] = next;
    const act = k.sigactions.get(sig) ?? [SIG_DFL, 0n, 0n, 0n];
    if (act[0] === SIG_IGN) continue;
    if (act[0] === SIG_DFL) {
      if (IGNORED_BY_DEFAULT.has(sig)) continue;
      if (STOP_SIGNALS.has(sig)) {
        k.stopProcess(sig); // returns once continued; an interrupted call then restarts
        k.pollEvents(); // what came while stopped (a SIGHUP before the SIGCONT) goes first
        continue;
      }
      throw new GuestKilled(sig);
    }
    if (k.restartSyscall) {
      const restartable = k.restartSyscall === 'nointr' || (k.restartSyscall === 'sys' && (act[1] & SA_RESTART) !== 0n);
      k.restartSyscall = false;
      if (restartable) restartSyscall(k);
      else k.cpu.setX(0, BigInt(-E.EINTR));
    }
    runHandler(k, sig, info, act);
  }
  if (k.restartSyscall) {
    // Interrupted, but no handler ran: the call goes on as if nothing happened.
    k.restartSyscall = false;
    restartSyscall(k);
  }
  if (k.savedSigmask !== null) {
    k.sigmask = k.savedSigmask;
    k.savedSigmask = null;
  }
  // A process-directed signal this thread blocks, perhaps since a moment ago: another thread
  // that does not may take it (Linux's retarget_shared_pending).
  if (k.threads && k.pendingSignals.size) for (const sig of k.pendingSignals.keys()) k.threads.processSignal(sig);
}

/** A synchronous exception: the signal is forced, so a blocked or ignored one kills. */
export function forceSignal(k: Kernel, sig: number, code: number, addr: bigint, faultAddress: bigint): void {
  const act = k.sigactions.get(sig);
  if (!act || act[0] === SIG_DFL || act[0] === SIG_IGN || k.sigmask & signalBit(sig)) throw new GuestKilled(sig);
  const info = Buffer.alloc(128);
  info.writeInt32LE(sig, 0);
  info.writeInt32LE(code, 8);
  info.writeBigUInt64LE(addr, 16);
  runHandler(k, sig, info, act, faultAddress);
}

/** sas_ss_flags(): whether `sp` is on the alternate stack, or there is none. */
function altstackFlags(k: Kernel, sp: number): number {
  const a = k.altstack;
  if (a.size === 0) return SS_DISABLE;
  return sp > a.sp && sp - a.sp <= a.size ? SS_ONSTACK : 0;
}

/** Build the rt_sigframe and enter the handler. */
function runHandler(k: Kernel, sig: number, info: Buffer, act: [bigint, bigint, bigint, bigint], faultAddress = 0n): void {
  const [handler, flags, restorer, mask] = act;
  const cpu = k.cpu;
  const sp0 = Number(cpu.sp);
  const ssFlags = altstackFlags(k, sp0);
  let sp = sp0;
  const onAltstack = (flags & SA_ONSTACK) !== 0n && ssFlags === 0;
  if (onAltstack) sp = k.altstack.sp + k.altstack.size;
  const record = Math.floor((sp - 16) / 16) * 16;
  const frame = record - SIGFRAME.size;

  const b = Buffer.alloc(SIGFRAME.size);
  info.copy(b, SIGFRAME.info);
  b.writeBigUInt64LE(BigInt(k.altstack.sp), SIGFRAME.ucStack);
  b.writeInt32LE(ssFlags | (k.altstack.flags & SS_AUTODISARM), SIGFRAME.ucStack + 8);
  b.writeBigUInt64LE(BigInt(k.altstack.size), SIGFRAME.ucStack + 16);
  b.writeBigUInt64LE(k.savedSigmask ?? k.sigmask, SIGFRAME.ucSigmask);
  b.writeBigUInt64LE(faultAddress, SIGFRAME.faultAddress);
  for (let i = 0; i < 31; i++) b.writeBigUInt64LE(cpu.x(i), SIGFRAME.regs + i * 8);
  b.writeBigUInt64LE(cpu.sp, SIGFRAME.sp);
  b.writeBigUInt64LE(BigInt(cpu.pc), SIGFRAME.pc);
  b.writeBigUInt64LE(BigInt(cpu.nzcv), SIGFRAME.pstate);
  const fp = SIGFRAME.reserved;
  b.writeUInt32LE(SIGFRAME.fpsimdMagic, fp);
  b.writeUInt32LE(SIGFRAME.fpsimdSize, fp + 4);
  b.writeUInt32LE(cpu.fpsr, fp + 8);
  b.writeUInt32LE(cpu.fpcr, fp + 12);
  for (let i = 0; i < 32; i++) {
    const [lo, hi] = cpu.v(i);
    b.writeBigUInt64LE(lo, fp + 16 + i * 16);
    b.writeBigUInt64LE(hi, fp + 24 + i * 16);
  }
  // The terminator record (magic 0, size 0) is the zeroed bytes that follow.
  const rec = Buffer.alloc(16);
  rec.writeBigUInt64LE(cpu.x(29), 0);
  rec.writeBigUInt64LE(cpu.x(30), 8);
  try {
    k.mem.write(frame, b);
    k.mem.write(record, rec);
  } catch (err) {
    // No room for the frame (stack overflow, bad alternate stack): Linux forces SIGSEGV.
    if (err instanceof GuestFault) throw new GuestKilled(SIGSEGV);
    throw err;
  }

  if (onAltstack && k.altstack.flags & SS_AUTODISARM) k.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
  cpu.setX(0, sig);
  if (flags & SA_SIGINFO) {
    cpu.setX(1, frame + SIGFRAME.info);
    cpu.setX(2, frame + SIGFRAME.ucFlags);
  }
  cpu.sp = BigInt(frame);
  cpu.setX(29, record);
  cpu.setX(30, flags & SA_RESTORER ? restorer : BigInt(sigreturnTrampoline(k)));
  cpu.pc = Number(handler);

  k.sigmask = (k.sigmask | mask | (flags & SA_NODEFER ? 0n : signalBit(sig))) & ~UNBLOCKABLE;
  k.savedSigmask = null;
  if (flags & SA_RESETHAND) k.sigactions.delete(sig);
}

/**
 * Where a handler returns when sigaction gave no SA_RESTORER: Linux points x30 at the vDSO's
 * sigreturn trampoline; tsemu maps one page holding the same two instructions the first time
 * it is needed.
 */
function sigreturnTrampoline(k: Kernel): number {
  if (k.sigTrampoline) return k.sigTrampoline;
  const at = k.mem.findFree(4096, LAYOUT.mmapTop);
  if (at < 0) throw new GuestKilled(SIGSEGV);
  k.mem.map(at, 4096, PERM_R | PERM_W, '[sigpage]');
  const code = Buffer.alloc(8);
  code.writeUInt32LE(0xd2801168, 0); // mov x8, #139 (rt_sigreturn)
  code.writeUInt32LE(0xd4000001, 4); // svc #0
  k.mem.write(at, code);
  k.mem.protect(at, 4096, PERM_R | PERM_X);
  k.sigTrampoline = at;
  return at;
}

syscall('rt_sigreturn', '', (k) => {
  const cpu = k.cpu;
  const frame = Number(cpu.sp);
  const bad = () => new GuestKilled(SIGSEGV);
  if (frame % 16) throw bad();
  let b: Buffer;
  try {
    b = Buffer.from(k.mem.read(frame, SIGFRAME.size));
  } catch {
    throw bad();
  }
  const pstate = b.readBigUInt64LE(SIGFRAME.pstate);
  // Only EL0 AArch64 with no exception masks is a state user code may return to.
  if (pstate & 0x3dfn) throw bad();
  let fpsimd = -1;
  for (let off = SIGFRAME.reserved; off + 8 <= SIGFRAME.reserved + SIGFRAME.reservedSize;) {
    const magic = b.readUInt32LE(off);
    const size = b.readUInt32LE(off + 4);
    if (magic === 0) break;
    if (size < 8 || size % 16 || off + size > SIGFRAME.reserved + SIGFRAME.reservedSize) throw bad();
    if (magic === SIGFRAME.fpsimdMagic) {
      if (size !== SIGFRAME.fpsimdSize || fpsimd >= 0) throw bad();
      fpsimd = off;
    } else if (magic !== SIGFRAME.esrMagic) {
      throw bad();
    }
    off += size;
  }
  if (fpsimd < 0) throw bad();

  k.sigmask = b.readBigUInt64LE(SIGFRAME.ucSigmask) & ~UNBLOCKABLE;
  for (let i = 0; i < 31; i++) cpu.setX(i, b.readBigUInt64LE(SIGFRAME.regs + i * 8));
  cpu.sp = b.readBigUInt64LE(SIGFRAME.sp);
  cpu.pc = Number(b.readBigUInt64LE(SIGFRAME.pc));
  cpu.nzcv = Number(pstate & 0xf0000000n);
  cpu.fpsr = b.readUInt32LE(fpsimd + 8);
  cpu.fpcr = b.readUInt32LE(fpsimd + 12);
  for (let i = 0; i < 32; i++) {
    cpu.setV(i, b.readBigUInt64LE(fpsimd + 16 + i * 16), b.readBigUInt64LE(fpsimd + 24 + i * 16));
  }
  cpu.clearExclusive();
  // uc_stack: a handler may change the alternate stack for after it returns. Returning from
  // the alternate stack itself, the change is refused (EPERM) and ignored, as on Linux.
  try {
    setAltstack(k, frame + SIGFRAME.ucStack);
  } catch (err) {
    if (err instanceof GuestFault) throw bad();
  }
  return cpu.x(0); // the dispatcher stores the result in x0: hand back the restored value
});

syscall('rt_sigaction', 'sig:int act:ptr oldact:ptr sigsetsize:size', (k, sig, act, oldact, size) => {
  if (size !== 8) throw new SysError(E.EINVAL);
  if (sig < 1 || sig > NSIG) throw new SysError(E.EINVAL);
  // struct sigaction (arm64 kernel): sa_handler, sa_flags, sa_restorer, sa_mask: 4 × u64
  let next: [bigint, bigint, bigint, bigint] | undefined;
  if (act) {
    const b = Buffer.from(k.mem.read(act, 32));
    next = [b.readBigUInt64LE(0), b.readBigUInt64LE(8), b.readBigUInt64LE(16), b.readBigUInt64LE(24) & ~UNBLOCKABLE];
    if (sig === SIGKILL || sig === SIGSTOP) throw new SysError(E.EINVAL);
  }
  const old = k.sigactions.get(sig) ?? [0n, 0n, 0n, 0n];
  if (oldact) {
    const b = Buffer.alloc(32);
    old.forEach((v, i) => b.writeBigUInt64LE(v, i * 8));
    k.mem.write(oldact, b);
  }
  if (next) {
    if (next[0] === SIG_DFL) k.sigactions.delete(sig);
    else k.sigactions.set(sig, next);
    // A pending signal whose action becomes "ignore" is discarded (POSIX).
    if (k.signalIgnored(sig)) k.discardPending(sig);
    if ((old[0] === SIG_DFL) !== (next[0] === SIG_DFL)) k.announceSignalInterest(sig);
  }
  return 0;
});

syscall('rt_sigprocmask', 'how:int set:ptr oldset:ptr sigsetsize:size', (k, how, set, oldset, size) => {
  const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
  if (size !== 8) throw new SysError(E.EINVAL);
  const old = k.sigmask;
  let next = old;
  if (set) {
    const s = k.mem.readU64(set) & ~UNBLOCKABLE;
    if (how === SIG_BLOCK) next = old | s;
    else if (how === SIG_UNBLOCK) next = old & ~s;
    else if (how === SIG_SETMASK) next = s;
    else throw new SysError(E.EINVAL);
  }
  if (oldset) k.mem.writeU64(oldset, old);
  k.sigmask = next; // newly unblocked pending signals are delivered as the call returns
  return 0;
});

/** The calling thread's pending signals and the process's. */
function pendingSet(k: Kernel): bigint {
  let mask = 0n;
  for (const sig of k.threadPending.keys()) mask |= signalBit(sig);
  for (const sig of k.pendingSignals.keys()) mask |= signalBit(sig);
  return mask;
}

syscall('rt_sigpending', 'set:ptr sigsetsize:size', (k, set, size) => {
  if (size > 8) throw new SysError(E.EINVAL);
  k.pollEvents();
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(pendingSet(k) & k.sigmask);
  if (size > 0) k.mem.write(set, b.subarray(0, size));
  return 0;
});

syscall('rt_sigsuspend', 'mask:ptr sigsetsize:size', (k, mask, size) => {
  if (size !== 8) throw new SysError(E.EINVAL);
  const next = k.mem.readU64(mask) & ~UNBLOCKABLE;
  k.savedSigmask = k.sigmask;
  k.sigmask = next;
  k.waitInterruptibly(null);
  // Always EINTR: the handler that ends the wait runs with the frame saving the old mask.
  throw new SysError(E.EINTR);
});

/**
 * The signal mask ppoll, pselect6 and epoll_pwait take for their wait (`mask` 0: none), in
 * force while `wait` runs. A wait that a signal ends keeps the caller's own mask saved, so the
 * handler runs under the call's mask and its frame restores the caller's; any other end
 * restores it at once, and a signal only the call's mask let through stays pending (Linux's
 * restore_saved_sigmask_unless).
 */
export function withWaitMask<T>(k: Kernel, mask: number, size: number, wait: () => T): T {
  if (!mask) return wait();
  if (size !== 8) throw new SysError(E.EINVAL);
  const own = k.sigmask;
  k.sigmask = k.mem.readU64(mask) & ~UNBLOCKABLE;
  k.savedSigmask = own;
  let interrupted = false;
  try {
    return wait();
  } catch (err) {
    interrupted = err instanceof SysError && (err.errno === E.EINTR || err.errno === ERESTARTSYS || err.errno === ERESTARTNOHAND);
    throw err;
  } finally {
    if (!interrupted) {
      k.sigmask = own;
      k.savedSigmask = null;
    }
  }
}

/**
 * rt_sigsuspend for a thread that does its waiting itself (threads/thread-worker.ts): the first
 * look (`first`) takes the mask in x0 (size x1), saving the thread's own; a look that finds a
 * signal to deliver fails the call with EINTR, and the handler's frame saves the old mask.
 * 'wait': nothing yet, the thread sleeps with the mask still in place until told of a signal.
 */
export function sigsuspendOnce(k: Kernel, first: boolean): 'wait' | 'done' {
  const cpu = k.cpu;
  if (first) {
    if (cpu.x(1) !== 8n) {
      cpu.setX(0, BigInt(-E.EINVAL));
      return 'done';
    }
    try {
      const next = k.mem.readU64(Number(cpu.x(0))) & ~UNBLOCKABLE;
      k.savedSigmask = k.sigmask;
      k.sigmask = next;
    } catch (err) {
      if (!(err instanceof GuestFault)) throw err;
      cpu.setX(0, BigInt(-E.EFAULT));
      return 'done';
    }
  }
  k.pollEvents();
  if (!k.hasDeliverableSignal()) return 'wait';
  cpu.setX(0, BigInt(-E.EINTR));
  return 'done';
}

syscall('rt_sigtimedwait', 'set:ptr info:ptr timeout:ptr sigsetsize:size', (k, set, info, timeout, size) => {
  if (size !== 8) throw new SysError(E.EINVAL);
  const wanted = k.mem.readU64(set) & ~UNBLOCKABLE;
  const deadline = timeout ? process.hrtime.bigint() + readTimespec(k.mem, timeout) : null;
  const r = k.waitInterruptibly(deadline, () => (pendingSet(k) & wanted) !== 0n);
  if (r === 'signal') throw new SysError(E.EINTR);
  if (r === 'timeout') throw new SysError(E.EAGAIN);
  return takeWaited(k, wanted, info);
});

function takeWaited(k: Kernel, wanted: bigint, info: number): number {
  const [sig, si] = takeSignal(k, wanted)!;
  if (info) k.mem.write(info, si);
  return sig;
}

/**
 * rt_sigtimedwait for a thread that does its waiting itself (threads/thread-worker.ts), so the
 * owning thread is not held up: one look, with the call's arguments in x0..x3. Returns the
 * call's result, or null when the thread should wait (for the signals in the set, which the
 * caller then counts as unblocked when it picks a thread for a process-directed signal).
 */
export function sigwaitOnce(k: Kernel): { result: bigint } | { waitFor: bigint } {
  const cpu = k.cpu;
  try {
    if (cpu.x(3) !== 8n) throw new SysError(E.EINVAL);
    const wanted = k.mem.readU64(Number(cpu.x(0))) & ~UNBLOCKABLE;
    k.pollEvents();
    if (pendingSet(k) & wanted) return { result: BigInt(takeWaited(k, wanted, Number(cpu.x(1)))) };
    if (k.hasDeliverableSignal()) throw new SysError(E.EINTR);
    return { waitFor: wanted };
  } catch (err) {
    if (err instanceof SysError) return { result: BigInt(-err.errno) };
    if (err instanceof GuestFault) return { result: BigInt(-E.EFAULT) };
    throw err;
  }
}

/** do_sigaltstack for a stack_t at `ss`: EPERM while running on the alternate stack. */
function setAltstack(k: Kernel, ss: number): void {
  const b = Buffer.from(k.mem.read(ss, 24));
  const sp = Number(b.readBigUInt64LE(0));
  const flags = b.readInt32LE(8);
  const size = Number(b.readBigUInt64LE(16));
  if (altstackFlags(k, Number(k.cpu.sp)) === SS_ONSTACK) throw new SysError(E.EPERM);
  const mode = flags & ~SS_AUTODISARM;
  if (mode !== 0 && mode !== SS_ONSTACK && mode !== SS_DISABLE) throw new SysError(E.EINVAL);
  if (mode === SS_DISABLE) k.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
  else {
    if (size < MINSIGSTKSZ) throw new SysError(E.ENOMEM);
    k.altstack = { sp, size, flags: flags & SS_AUTODISARM };
  }
}

syscall('sigaltstack', 'ss:ptr old:ptr', (k, ss, old) => {
  const before = k.altstack;
  const oldFlags = altstackFlags(k, Number(k.cpu.sp)) | (before.flags & SS_AUTODISARM);
  if (ss) setAltstack(k, ss);
  if (old) {
    const b = Buffer.alloc(24);
    b.writeBigUInt64LE(BigInt(before.sp), 0);
    b.writeInt32LE(oldFlags, 8);
    b.writeBigUInt64LE(BigInt(before.size), 16);
    try {
      k.mem.write(old, b);
    } catch (err) {
      k.altstack = before;
      throw err;
    }
  }
  return 0;
});

const SIGINT = 2, SIGQUIT = 3, SIGCONT = 18, SIGTSTP = 20;

/** Send `sig` to another host process; for a tsemu one, say what its host signal means. */
function signalProcess(k: Kernel, pid: number, sig: number): void {
  const s = k.session;
  if (s && sig !== 0 && s.pgidOf(pid) !== null) {
    // The signals a terminal also sends: mark this one as a guest's, which reaches the target
    // whether or not it is in the foreground group (see cli/job-signals.ts).
    if (sig === SIGINT || sig === SIGQUIT || sig === SIGTSTP) s.markDirect(pid, sig);
    // A host SIGSTOP stops tsemu at once, before it could say why: say it for it.
    if (sig === SIGSTOP) s.markStop(pid, SIGSTOP);
  }
  try {
    process.kill(pid, sig);
  } catch (err) {
    throw new SysError((err as NodeJS.ErrnoException).code === 'EPERM' ? E.EPERM : E.ESRCH);
  }
  // Linux records a stopped child's continue as the signal is sent: wait sees it at once.
  if (sig === SIGCONT) k.children.continued(pid);
}

/** kill/tkill/tgkill: signals to ourselves are queued here; others go to the host process. */
function sendSignal(k: Kernel, pid: number, sig: number, code: number): number {
  if (sig < 0 || sig > NSIG) throw new SysError(E.EINVAL);
  // -1 (everyone we may signal) would reach the host's other processes, tsemu's parent
  // included: the guest can only mean itself.
  if (pid === k.pid || pid === -1) {
    raise(k, sig, userSignalInfo(sig, code, k.pid));
    return 0;
  }
  // A confined guest's groups are those of its own tree even without a session: never the
  // host's process group.
  if (pid === 0 || (pid < -1 && (k.session || k.confinement.confined))) {
    signalGroup(k, pid === 0 ? k.pgid : -pid, sig, code);
    return 0;
  }
  checkSignalTarget(k, pid, sig);
  signalProcess(k, pid, sig);
  return 0;
}

/** Send `sig` to process group `pgid`: the guest's groups are the session's (session.ts), not
 *  the host's. ESRCH when the group has no member. */
export function signalGroup(k: Kernel, pgid: number, sig: number, code = SI_USER): void {
  const others = k.session?.members(pgid).filter((p) => p !== k.pid) ?? [];
  for (const p of k.children.pids) if (!others.includes(p) && k.children.groupOf(p) === pgid) others.push(p);
  const self = k.pgid === pgid;
  if (!self && others.length === 0) throw new SysError(E.ESRCH);
  let sent = self;
  for (const p of others) {
    try {
      signalProcess(k, p, sig);
      sent = true;
    } catch { /* gone meanwhile */ }
  }
  if (!sent) throw new SysError(E.ESRCH);
  if (self) raise(k, sig, userSignalInfo(sig, code, k.pid));
}

syscall('kill', 'pid:int sig:int', (k, pid, sig) => sendSignal(k, pid, sig, SI_USER));
syscall('tkill', 'tid:int sig:int', (k, tid, sig) => {
  if (tid <= 0) throw new SysError(E.EINVAL);
  if (isOwnThread(k, tid)) return signalThread(k, tid, sig, userSignalInfo(sig, SI_TKILL, k.pid));
  return sendSignal(k, tid, sig, SI_TKILL);
});
syscall('tgkill', 'tgid:int tid:int sig:int', (k, tgid, tid, sig) => {
  if (tgid <= 0 || tid <= 0) throw new SysError(E.EINVAL);
  if (tgid === k.pid && isOwnThread(k, tid)) return signalThread(k, tid, sig, userSignalInfo(sig, SI_TKILL, k.pid));
  if (tgid === k.pid) throw new SysError(E.ESRCH);
  return sendSignal(k, tgid, sig, SI_TKILL);
});

/** Is `tid` a thread of this process (the first thread's tid is the pid)? */
function isOwnThread(k: Kernel, tid: number): boolean {
  return tid === k.pid || !!k.threads?.has(tid);
}

/** A thread-directed signal (tgkill, tkill, rt_tgsigqueueinfo): pending for that thread only. */
function signalThread(k: Kernel, tid: number, sig: number, info: Buffer): number {
  if (sig < 0 || sig > NSIG) throw new SysError(E.EINVAL);
  if (sig === 0) return 0;
  if (sig === SIGKILL) throw new GuestKilled(sig); // kills the whole process, as on Linux
  if (k.threads) k.threads.signal(tid, sig, info);
  else k.queueSignal(sig, info, true);
  return 0;
}

/** rt_sigqueueinfo / rt_tgsigqueueinfo: the caller's siginfo travels with the signal. */
function queueInfo(k: Kernel, pid: number, sig: number, uinfo: number): number {
  if (sig < 0 || sig > NSIG) throw new SysError(E.EINVAL);
  const info = Buffer.from(k.mem.read(uinfo, 128));
  const code = info.readInt32LE(8);
  // Only the kernel may claim a non-negative si_code or SI_TKILL, except towards oneself.
  if ((code >= 0 || code === SI_TKILL) && pid !== k.pid) throw new SysError(E.EPERM);
  if (pid !== k.pid) return sendSignal(k, pid, sig, SI_QUEUE);
  info.writeInt32LE(sig, 0);
  raise(k, sig, info);
  return 0;
}

syscall('rt_sigqueueinfo', 'pid:int sig:int info:ptr', (k, pid, sig, info) => queueInfo(k, pid, sig, info));
syscall('rt_tgsigqueueinfo', 'tgid:int tid:int sig:int info:ptr', (k, tgid, tid, sig, info) => {
  if (tgid <= 0 || tid <= 0) throw new SysError(E.EINVAL);
  if (tgid !== k.pid) return queueInfo(k, tgid, sig, info);
  if (!isOwnThread(k, tid)) throw new SysError(E.ESRCH);
  if (sig < 0 || sig > NSIG) throw new SysError(E.EINVAL);
  const si = Buffer.from(k.mem.read(info, 128));
  si.writeInt32LE(sig, 0);
  return signalThread(k, tid, sig, si);
});


/**
 * The guest is ending: a job of it that is stopped would stay stopped for ever, with nobody
 * left to continue it. Linux sends SIGHUP and then SIGCONT to each process group the exit
 * orphans that has a stopped member; here, the groups of this process's stopped children other
 * than its own (a shell's jobs).
 */
export function hangUpStoppedJobs(k: Kernel): void {
  const SIGHUP = 1;
  k.children.checkStates();
  const groups = new Set<number>();
  for (const c of k.children.pids) {
    const g = k.children.groupOf(c);
    if (k.children.isStopped(c) && g !== null && g !== k.pgid) groups.add(g);
  }
  for (const g of groups) {
    for (const sig of [SIGHUP, SIGCONT]) {
      try { signalGroup(k, g, sig); } catch { /* gone */ }
    }
  }
}
