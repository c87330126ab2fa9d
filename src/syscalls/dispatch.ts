// Turns an SVC into a call of the syscall's definition: number → name → handler, argument
// conversion, -strace output, SysError/GuestFault → -errno, unknown numbers → -ENOSYS.
import { GuestFault } from '../cpu/memory.js';
import { convertArg, SYSCALLS, type SyscallDef } from './define.js';
import { E, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, SysError } from './errno.js';
import { GuestExit, GuestKilled, ThreadExeced, type Kernel } from './kernel.js';
import { AARCH64_SYSCALLS } from './numbers.js';
import './all.js';

const byNumber = new Map<number, SyscallDef | string>();
for (const [nr, name] of AARCH64_SYSCALLS) byNumber.set(nr, SYSCALLS.get(name) ?? name);

/** Perform the system call in x8 with arguments x0..x5; the result goes to x0. */
export function dispatchSyscall(k: Kernel): void {
  const cpu = k.cpu;
  const nr = Number(cpu.x(8));
  const def = byNumber.get(nr);
  let result: bigint;
  if (def === undefined || typeof def === 'string') {
    const name = def ?? `syscall_${cpu.x(8)}`;
    k.opts.unimp?.(`Unsupported syscall: ${cpu.x(8)}${def ? ` (${def})` : ''}`);
    k.opts.strace?.(`${process.pid} ${name}(...) = -1 ENOSYS`);
    result = BigInt(-E.ENOSYS);
  } else {
    const raw = [0, 1, 2, 3, 4, 5].map((i) => cpu.x(i));
    const args = def.args.map((a, i) => convertArg(raw[i], a.kind));
    const shown = k.opts.strace ? formatCall(k, def, args) : '';
    k.syscallArg0 = raw[0];
    try {
      const r = def.handler(k, ...args);
      result = BigInt(r ?? 0); // inside the try: a non-integer result is an internal error too
    } catch (err) {
      if (err instanceof GuestExit) {
        k.opts.strace?.(`${process.pid} ${shown} = ?`);
        throw err;
      }
      if (err instanceof ThreadExeced) throw err; // what this thread did is void: a new image runs
      if (err instanceof GuestKilled) {
        k.opts.strace?.(`${process.pid} ${shown} = ? killed by signal ${err.signal}`);
        throw err;
      }
      let errno = errnoFrom(k, err);
      if (errno === ERESTARTSYS || errno === ERESTARTNOHAND || errno === ERESTARTNOINTR) {
        // The run loop decides once it knows whether a handler runs (signals.ts deliverSignals).
        k.restartSyscall = errno === ERESTARTSYS ? 'sys' : errno === ERESTARTNOHAND ? 'nohand' : 'nointr';
        errno = E.EINTR;
      }
      result = BigInt(-errno);
    }
    if (k.opts.strace) k.opts.strace(`${process.pid} ${shown} = ${formatResult(result)}`);
  }
  cpu.setX(0, result);
}

function errnoFrom(k: Kernel, err: unknown): number {
  if (err instanceof SysError) return err.errno;
  if (err instanceof GuestFault) return E.EFAULT;
  // Anything else is an emulator bug; the guest sees EIO rather than tsemu crashing.
  if (k.opts.internalError) k.opts.internalError(err);
  else process.emitWarning(`tsemu: internal error in a system call: ${(err as Error)?.stack ?? err}`);
  return E.EIO;
}

const ERRNO_NAMES = new Map(Object.entries(E).map(([n, v]) => [v as number, n]));

function formatResult(r: bigint): string {
  if (r < 0n && r > -4096n) return `-1 ${ERRNO_NAMES.get(Number(-r)) ?? `errno ${-r}`}`;
  return r > 0xffffn ? `0x${r.toString(16)}` : String(r);
}

function formatCall(k: Kernel, def: SyscallDef, args: number[]): string {
  const parts = def.args.map((a, i) => {
    const v = args[i];
    switch (a.kind) {
      case 'str':
        try { return JSON.stringify(k.mem.readCString(v, 256)); } catch { return `0x${v.toString(16)}`; }
      case 'ptr': case 'hex': return `0x${v.toString(16)}`;
      case 'oct': return `0${v.toString(8)}`;
      default: return String(v);
    }
  });
  return `${def.name}(${parts.join(',')})`;
}
