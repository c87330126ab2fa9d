// One definition per syscall: name, argument signature (what -strace prints) and handler.
import type { Kernel } from './kernel.js';

/**
 * Argument kinds: int/uint (32-bit), long/ulong (64-bit), ptr, size, str (pointer to a string,
 * printed by -strace), hex (flags), oct (modes). Values arrive as JS numbers: pointers and sizes
 * above 2^53 lose precision, but such pointers are outside the guest window and fault anyway.
 */
export type ArgKind = 'int' | 'uint' | 'long' | 'ulong' | 'ptr' | 'size' | 'str' | 'hex' | 'oct';

export interface SyscallDef {
  name: string;
  args: { name: string; kind: ArgKind }[];
  handler: (k: Kernel, ...args: number[]) => number | bigint | undefined;
}

export const SYSCALLS = new Map<string, SyscallDef>();

export function syscall(name: string, sig: string, handler: SyscallDef['handler']): SyscallDef {
  const args = sig.trim() ? sig.trim().split(/\s+/).map((s) => {
    const [n, kind] = s.split(':');
    return { name: n, kind: kind as ArgKind };
  }) : [];
  const d: SyscallDef = { name, args, handler };
  if (SYSCALLS.has(name)) throw new Error(`syscall ${name} defined twice`);
  SYSCALLS.set(name, d);
  return d;
}

/** Convert a raw 64-bit register value to the JS number a handler receives. */
export function convertArg(raw: bigint, kind: ArgKind): number {
  switch (kind) {
    case 'int': return Number(BigInt.asIntN(32, raw));
    case 'uint': case 'hex': case 'oct': return Number(BigInt.asUintN(32, raw));
    case 'long': return Number(BigInt.asIntN(64, raw));
    default: return Number(raw);
  }
}
