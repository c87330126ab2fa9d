// The initial stack exactly as Linux's create_elf_tables builds it: strings at the top (argv,
// then envp, then the executable's name), the platform string and AT_RANDOM bytes below them,
// then a 16-byte aligned block of argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
import { randomBytes } from 'node:crypto';
import type { GuestMemory } from '../cpu/memory.js';

export const AT = {
  NULL: 0, PHDR: 3, PHENT: 4, PHNUM: 5, PAGESZ: 6, BASE: 7, FLAGS: 8, ENTRY: 9, UID: 11, EUID: 12, GID: 13,
  EGID: 14, PLATFORM: 15, HWCAP: 16, CLKTCK: 17, SECURE: 23, RANDOM: 25, HWCAP2: 26, EXECFN: 31,
  SYSINFO_EHDR: 33, MINSIGSTKSZ: 51,
} as const;

export interface StackSpec {
  argv: string[];
  envp: string[];
  execfn: string;
  /** auxv entries other than AT_RANDOM, AT_PLATFORM and AT_EXECFN, which are added here. */
  auxv: [number, number | bigint][];
}

/** Write the initial stack below `top`; returns the initial SP and the auxv address. */
export function buildStack(mem: GuestMemory, top: number, spec: StackSpec): { sp: number; auxv: number } {
  const u8 = mem.u8;
  let p = top;
  const putString = (s: string): number => {
    const b = Buffer.from(s + '\0', 'utf8');
    p -= b.length;
    u8.set(b, p);
    return p;
  };
  const execfn = putString(spec.execfn);
  const envAddrs = spec.envp.map((_, i, a) => a.length - 1 - i).map((i) => putString(spec.envp[i])).reverse();
  const argAddrs = spec.argv.map((_, i, a) => a.length - 1 - i).map((i) => putString(spec.argv[i])).reverse();
  const platform = putString('aarch64');
  p -= 16;
  const random = p;
  u8.set(randomBytes(16), random);
  p -= p % 16;
  const aux: [number, number | bigint][] = [
    ...spec.auxv, [AT.RANDOM, random], [AT.PLATFORM, platform], [AT.EXECFN, execfn], [AT.NULL, 0],
  ];
  const words = 1 + argAddrs.length + 1 + envAddrs.length + 1 + aux.length * 2;
  let sp = p - words * 8;
  sp -= sp % 16;
  let w = sp;
  const put = (v: number | bigint) => { mem.dv.setBigUint64(w, BigInt(v), true); w += 8; };
  put(argAddrs.length);
  argAddrs.forEach(put);
  put(0);
  envAddrs.forEach(put);
  put(0);
  const auxv = w;
  for (const [k, v] of aux) { put(k); put(v); }
  return { sp, auxv };
}
