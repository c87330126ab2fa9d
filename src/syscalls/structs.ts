// Structures whose layout is architecture-specific, for aarch64 (the asm-generic layouts of a
// 64-bit architecture: long and pointers are 8 bytes).
import type { BigIntStatsFs } from 'node:fs';
import type { GuestMemory } from '../cpu/memory.js';
import type { StatInfo } from '../vfs/file.js';
import { E, SysError } from './errno.js';

const NS = 1_000_000_000n;

/** Seconds and nanoseconds of a time in ns, nanoseconds always in [0, 1e9) (floor division). */
function split(t: bigint): [bigint, bigint] {
  let sec = t / NS;
  let nsec = t % NS;
  if (nsec < 0n) { sec -= 1n; nsec += NS; }
  return [sec, nsec];
}

/** struct stat (asm-generic, 128 bytes), as fstat/newfstatat return it. */
export function writeStat(mem: GuestMemory, addr: number, s: StatInfo): void {
  const b = Buffer.alloc(128);
  b.writeBigUInt64LE(BigInt(s.dev), 0);
  b.writeBigUInt64LE(BigInt(s.ino), 8);
  b.writeUInt32LE(s.mode >>> 0, 16);
  b.writeUInt32LE(s.nlink >>> 0, 20);
  b.writeUInt32LE(s.uid >>> 0, 24);
  b.writeUInt32LE(s.gid >>> 0, 28);
  b.writeBigUInt64LE(BigInt(s.rdev), 32);
  // 40: __pad1
  b.writeBigInt64LE(BigInt(s.size), 48);
  b.writeInt32LE(s.blksize | 0, 56);
  // 60: __pad2
  b.writeBigInt64LE(BigInt(s.blocks), 64);
  [s.atimeNs, s.mtimeNs, s.ctimeNs].forEach((t, i) => {
    const [sec, nsec] = split(t);
    b.writeBigInt64LE(sec, 72 + i * 16);
    b.writeBigUInt64LE(nsec, 80 + i * 16);
  });
  mem.write(addr, b);
}

// glibc's major()/minor() of a userspace dev_t.
const major = (dev: number) => Number(((BigInt(dev) >> 8n) & 0xfffn) | ((BigInt(dev) >> 32n) & ~0xfffn)) >>> 0;
const minor = (dev: number) => Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & ~0xffn)) >>> 0;

/** struct statx (256 bytes). */
export function writeStatx(mem: GuestMemory, addr: number, s: StatInfo): void {
  const b = Buffer.alloc(256);
  const STATX_BASIC_STATS = 0x7ff, STATX_BTIME = 0x800;
  b.writeUInt32LE(STATX_BASIC_STATS | (s.birthtimeNs !== undefined ? STATX_BTIME : 0), 0);
  b.writeUInt32LE(s.blksize >>> 0, 4);
  // 8: stx_attributes (none reported), 56: stx_attributes_mask (0: none supported)
  b.writeUInt32LE(s.nlink >>> 0, 16);
  b.writeUInt32LE(s.uid >>> 0, 20);
  b.writeUInt32LE(s.gid >>> 0, 24);
  b.writeUInt16LE(s.mode & 0xffff, 28);
  b.writeBigUInt64LE(BigInt(s.ino), 32);
  b.writeBigUInt64LE(BigInt(s.size), 40);
  b.writeBigUInt64LE(BigInt(s.blocks), 48);
  const ts = (t: bigint, off: number) => {
    const [sec, nsec] = split(t);
    b.writeBigInt64LE(sec, off);
    b.writeUInt32LE(Number(nsec), off + 8);
  };
  ts(s.atimeNs, 64);
  ts(s.birthtimeNs ?? 0n, 80);
  ts(s.ctimeNs, 96);
  ts(s.mtimeNs, 112);
  b.writeUInt32LE(major(s.rdev), 128);
  b.writeUInt32LE(minor(s.rdev), 132);
  b.writeUInt32LE(major(s.dev), 136);
  b.writeUInt32LE(minor(s.dev), 140);
  mem.write(addr, b);
}

/** struct statfs (asm-generic 64-bit, 120 bytes). */
export function writeStatfs(mem: GuestMemory, addr: number, s: BigIntStatsFs): void {
  const b = Buffer.alloc(120);
  const words = [s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree];
  words.forEach((w, i) => b.writeBigInt64LE(BigInt.asIntN(64, w), i * 8));
  // 56: f_fsid (unknown: 0), 64: f_namelen, 72: f_frsize, 80: f_flags (ST_VALID), 88: spare
  b.writeBigInt64LE(255n, 64);
  b.writeBigInt64LE(BigInt.asIntN(64, s.bsize), 72);
  b.writeBigInt64LE(0x20n, 80);
  mem.write(addr, b);
}

/** struct timespec { i64 tv_sec; i64 tv_nsec; } */
export function writeTimespec(mem: GuestMemory, addr: number, ns: bigint): void {
  const [sec, nsec] = split(ns);
  const b = Buffer.alloc(16);
  b.writeBigInt64LE(sec, 0);
  b.writeBigInt64LE(nsec, 8);
  mem.write(addr, b);
}

/** struct timeval { i64 tv_sec; i64 tv_usec; } */
export function writeTimeval(mem: GuestMemory, addr: number, ns: bigint): void {
  const [sec, nsec] = split(ns);
  const b = Buffer.alloc(16);
  b.writeBigInt64LE(sec, 0);
  b.writeBigInt64LE(nsec / 1000n, 8);
  mem.write(addr, b);
}

/** A timespec as [tv_sec, tv_nsec] without validation. */
export function readTimespecRaw(mem: GuestMemory, addr: number): [bigint, bigint] {
  const b = Buffer.from(mem.read(addr, 16));
  return [b.readBigInt64LE(0), b.readBigInt64LE(8)];
}

/** A valid timespec as nanoseconds: EINVAL for a negative second count or nsec outside [0, 1e9). */
export function readTimespec(mem: GuestMemory, addr: number): bigint {
  const [sec, nsec] = readTimespecRaw(mem, addr);
  if (sec < 0n || nsec < 0n || nsec >= NS) throw new SysError(E.EINVAL);
  return sec * NS + nsec;
}

/** struct rusage (144 bytes): two timevals, then 14 longs of which maxrss and a few are known. */
export function writeRusage(mem: GuestMemory, addr: number, r: {
  userUs: number; systemUs: number; maxRssKb: number; minflt: number; majflt: number; inblock: number;
  oublock: number; nvcsw: number; nivcsw: number;
}): void {
  const b = Buffer.alloc(144);
  const tv = (us: number, off: number) => {
    b.writeBigInt64LE(BigInt(Math.floor(us / 1e6)), off);
    b.writeBigInt64LE(BigInt(Math.floor(us % 1e6)), off + 8);
  };
  tv(r.userUs, 0);
  tv(r.systemUs, 16);
  const longs = [r.maxRssKb, 0, 0, 0, r.minflt, r.majflt, 0, r.inblock, r.oublock, 0, 0, 0, r.nvcsw, r.nivcsw];
  longs.forEach((v, i) => b.writeBigInt64LE(BigInt(Math.floor(v)), 32 + i * 8));
  mem.write(addr, b);
}

/**
 * struct rt_sigframe as arm64 Linux builds it on the stack for a handler: siginfo (128 bytes),
 * then struct ucontext whose uc_mcontext (struct sigcontext) is 16-byte aligned and ends in a
 * 4096-byte __reserved area of tagged records: the FPSIMD record first, then a terminator.
 * Above the frame sits a frame record {x29, x30} that x29 points at, so unwinders walk through.
 */
export const SIGFRAME = {
  size: 4688,
  info: 0,
  ucFlags: 128,
  ucLink: 136,
  ucStack: 144, // stack_t: ss_sp u64, ss_flags i32 (+pad), ss_size u64
  ucSigmask: 168,
  faultAddress: 304,
  regs: 312, // x0..x30
  sp: 560,
  pc: 568,
  pstate: 576,
  reserved: 592,
  reservedSize: 4096,
  /** _aarch64_ctx { u32 magic; u32 size; } headers of the records in __reserved. */
  fpsimdMagic: 0x46508001,
  fpsimdSize: 528, // header, fpsr u32, fpcr u32, then vregs[32] of 16 bytes
  esrMagic: 0x45535201,
} as const;
