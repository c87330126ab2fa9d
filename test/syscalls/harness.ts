// A guest process without a CPU loop: memory, registers and a Kernel, so tests can place
// arguments in x0..x5, the number in x8, call dispatchSyscall and look at x0 and memory,
// exactly as the run loop does for an SVC.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CpuState } from '../../src/cpu/cpustate.js';
import { GuestMemory } from '../../src/cpu/memory.js';
import { PERM_R, PERM_W } from '../../src/cpu/state.js';
import { expect } from 'vitest';
import { dispatchSyscall } from '../../src/syscalls/dispatch.js';
import { deliverSignals } from '../../src/syscalls/signal/signals.js';
import { E } from '../../src/syscalls/errno.js';
import { GuestExit, GuestKilled, Kernel } from '../../src/syscalls/kernel.js';
import { AARCH64_SYSCALLS } from '../../src/syscalls/numbers.js';
import { PathResolver } from '../../src/vfs/paths.js';

export { E };

export const NR = new Map<string, number>([...AARCH64_SYSCALLS].map(([nr, name]) => [name, nr]));

/** Where tests put their data: a 64 KiB read-write area. */
export const BUF = 0x500000;
export const BUF_SIZE = 0x10000;
/** The heap starts here, far from BUF. */
export const BRK_START = 0x40000000;

/** One guest memory per test file: each reserves a 4 GiB window. */
let shared: GuestMemory | undefined;

export interface Guest {
  k: Kernel;
  mem: GuestMemory;
  cpu: CpuState;
  /** Host directory that is the guest's cwd (a fresh temporary directory). */
  dir: string;
  /** Run syscall `name` with the given arguments, then deliver pending signals; returns the signed x0. */
  call(name: string, ...args: (number | bigint)[]): number;
  /** Put a NUL-terminated string at `addr` (BUF by default); returns the address. */
  str(s: string, addr?: number): number;
  bytes(addr: number, len: number): Buffer;
  u32(addr: number): number;
  i64(addr: number): bigint;
  u64(addr: number): bigint;
  /** Errors other than SysError/GuestFault raised inside handlers (emulator bugs). */
  internal: unknown[];
  cleanup(): void;
}

export function makeGuest(opts: { prefix?: string } = {}): Guest {
  const mem = shared ?? (shared = new GuestMemory());
  for (const m of [...mem.mappings]) mem.unmap(m.start, m.end - m.start);
  mem.map(BUF, BUF_SIZE, PERM_R | PERM_W);
  const cpu = new CpuState(mem.dv);
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-sys-')));
  const internal: unknown[] = [];
  const k = new Kernel(mem, cpu, new PathResolver(opts.prefix ?? null, dir), { internalError: (e) => internal.push(e) });
  k.brkStart = k.brk = BRK_START;
  const umask = process.umask(0o022);
  const call = (name: string, ...args: (number | bigint)[]): number => {
    const nr = NR.get(name);
    if (nr === undefined) throw new Error(`no syscall ${name}`);
    for (let i = 0; i < 6; i++) cpu.setX(i, BigInt(args[i] ?? 0));
    cpu.setX(8, nr);
    dispatchSyscall(k);
    deliverSignals(k); // as the run loop does on the way back to the guest
    return Number(BigInt.asIntN(64, cpu.x(0)));
  };
  return {
    k, mem, cpu, dir, call, internal,
    str(s, addr = BUF) {
      const b = Buffer.from(s + '\0');
      mem.u8.set(b, addr);
      return addr;
    },
    bytes: (addr, len) => Buffer.from(mem.u8.slice(addr, addr + len)),
    u32: (addr) => mem.dv.getUint32(addr, true),
    u64: (addr) => mem.dv.getBigUint64(addr, true),
    i64: (addr) => mem.dv.getBigInt64(addr, true),
    cleanup() {
      for (const fd of k.fds.list()) if (fd > 2) k.fds.close(fd);
      process.umask(umask);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The exception `f` throws (GuestExit, GuestKilled...), or undefined. */
export function thrown(f: () => unknown): unknown {
  try { f(); } catch (err) { return err; }
  return undefined;
}

const ERRNOS = new Set<number>(Object.values(E));

/**
 * One fuzz call: x0-x5 from `regs`, the number of `name` in x8, dispatched as for an SVC. It must
 * end with a value or -errno of a real errno (or end the guest); anything else throws, naming
 * the call with `args` (what the caller chose) and `context` (seed and call number).
 */
export function fuzzCall(g: Guest, name: string, regs: bigint[], args: bigint[], context: string): void {
  for (let j = 0; j < 6; j++) g.cpu.setX(j, regs[j]);
  g.cpu.setX(8, NR.get(name)!);
  const shown = `${name}(${args.map((a) => `0x${a.toString(16)}`).join(', ')}) [${context}]`;
  try {
    dispatchSyscall(g.k);
  } catch (err) {
    if (err instanceof GuestExit || err instanceof GuestKilled) return;
    throw new Error(`${shown} threw ${(err as Error)?.stack ?? err}`);
  }
  const res = BigInt.asIntN(64, g.cpu.x(0));
  if (res < 0n) expect(ERRNOS.has(Number(-res)), `${shown} = ${res}`).toBe(true);
  if (g.internal.length) {
    const first = g.internal[0];
    g.internal.length = 0;
    throw new Error(`${shown}: internal error ${(first as Error)?.stack ?? first}`);
  }
}
