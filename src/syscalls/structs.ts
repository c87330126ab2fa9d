// Structures whose layout is architecture-specific, for aarch64 (asm-generic layouts).
import type { GuestMemory } from '../cpu/memory.js';
import type { StatInfo } from '../vfs/file.js';

const NS = 1_000_000_000n;

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
  b.writeBigInt64LE(BigInt(s.size), 48);
  b.writeInt32LE(s.blksize, 56);
  b.writeBigInt64LE(BigInt(s.blocks), 64);
  const times: bigint[] = [s.atimeNs, s.mtimeNs, s.ctimeNs];
  times.forEach((t, i) => {
    b.writeBigInt64LE(t / NS, 72 + i * 16);
    b.writeBigUInt64LE(t % NS, 80 + i * 16);
  });
  mem.write(addr, b);
}

const major = (dev: number) => Number(((BigInt(dev) >> 8n) & 0xfffn) | ((BigInt(dev) >> 32n) & ~0xfffn));
const minor = (dev: number) => Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & ~0xffn));

/** struct statx (256 bytes). */
export function writeStatx(mem: GuestMemory, addr: number, s: StatInfo): void {
  const b = Buffer.alloc(256);
  const STATX_BASIC_STATS = 0x7ff;
  const mask = STATX_BASIC_STATS | (s.birthtimeNs !== undefined ? 0x800 : 0);
  b.writeUInt32LE(mask, 0);
  b.writeUInt32LE(s.blksize >>> 0, 4);
  b.writeUInt32LE(s.nlink >>> 0, 16);
  b.writeUInt32LE(s.uid >>> 0, 20);
  b.writeUInt32LE(s.gid >>> 0, 24);
  b.writeUInt16LE(s.mode & 0xffff, 28);
  b.writeBigUInt64LE(BigInt(s.ino), 32);
  b.writeBigUInt64LE(BigInt(s.size), 40);
  b.writeBigUInt64LE(BigInt(s.blocks), 48);
  const ts = (t: bigint, off: number) => { b.writeBigInt64LE(t / NS, off); b.writeUInt32LE(Number(t % NS), off + 8); };
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

/** struct timespec { i64 tv_sec; i64 tv_nsec; } */
export function writeTimespec(mem: GuestMemory, addr: number, ns: bigint): void {
  mem.writeU64(addr, ns / NS);
  mem.writeU64(addr + 8, ns % NS);
}

export function readTimespec(mem: GuestMemory, addr: number): bigint {
  const sec = BigInt.asIntN(64, mem.readU64(addr));
  const nsec = BigInt.asIntN(64, mem.readU64(addr + 8));
  return sec * NS + nsec;
}
