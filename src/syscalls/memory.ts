// Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise. Every mapping stays in
// the 4 GiB guest window; /proc/self/maps is built from the same mapping list.
import { pageUp } from '../cpu/memory.js';
import { ADDRESS_LIMIT, GUEST_MIN, PAGE_SIZE, PERM_R, PERM_W, PERM_X } from '../cpu/state.js';
import { LAYOUT } from '../loader/index.js';
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';

const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
const MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
const MAP_FIXED_NOREPLACE = 0x100000;

function permOf(prot: number): number {
  // Readable whenever anything is allowed: AArch64 has no write-only or execute-only user pages
  // that a load could not read in practice, and Linux reports PROT_WRITE mappings readable.
  let p = 0;
  if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) p |= PERM_R;
  if (prot & PROT_WRITE) p |= PERM_W;
  if (prot & PROT_EXEC) p |= PERM_X;
  return p;
}

syscall('brk', 'addr:ptr', (k, addr) => {
  if (addr === 0 || addr < k.brkStart) return k.brk;
  const oldEnd = pageUp(k.brk);
  const newEnd = pageUp(addr);
  if (newEnd > oldEnd) {
    if (newEnd > LAYOUT.mmapTop || !k.mem.isFree(oldEnd, newEnd)) return k.brk;
    k.mem.map(oldEnd, newEnd - oldEnd, PERM_R | PERM_W, '[heap]');
  } else if (newEnd < oldEnd) {
    k.mem.unmap(newEnd, oldEnd - newEnd);
  }
  k.brk = addr;
  return addr;
});

syscall('mmap', 'addr:ptr length:size prot:hex flags:hex fd:int offset:long', (k, addr, length, prot, flags, fd, offset) => {
  if (length === 0 || offset % PAGE_SIZE !== 0 || offset < 0) throw new SysError(E.EINVAL);
  const type = flags & 0xf;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== 0x3) throw new SysError(E.EINVAL);
  const len = pageUp(length);
  if (len > ADDRESS_LIMIT) throw new SysError(E.ENOMEM);
  let start: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
    if (addr < GUEST_MIN) throw new SysError(E.EPERM);
    if (addr + len > ADDRESS_LIMIT) throw new SysError(E.ENOMEM);
    if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !k.mem.isFree(addr, addr + len)) throw new SysError(E.EEXIST);
    start = addr;
  } else {
    const hint = addr && addr % PAGE_SIZE === 0 && addr >= GUEST_MIN && addr + len <= LAYOUT.mmapTop && k.mem.isFree(addr, addr + len);
    start = hint ? addr : k.mem.findFree(len, LAYOUT.mmapTop, Math.max(GUEST_MIN, pageUp(k.brk) + 0x1000000));
    if (start < 0) start = k.mem.findFree(len, LAYOUT.mmapTop);
    if (start < 0) throw new SysError(E.ENOMEM);
  }
  let name = '';
  let data: Uint8Array | undefined;
  if (!(flags & MAP_ANONYMOUS)) {
    const f = k.fds.get(fd);
    name = f.path;
    const want = Math.min(len, Math.max(0, f.stat().size - offset));
    data = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const n = f.read(data.subarray(got), offset + got);
      if (n <= 0) break;
      got += n;
    }
    data = data.subarray(0, got);
  }
  k.mem.map(start, len, permOf(prot), name);
  if (data) k.mem.u8.set(data, start);
  return start;
});

syscall('munmap', 'addr:ptr length:size', (k, addr, length) => {
  if (addr % PAGE_SIZE !== 0 || length === 0) throw new SysError(E.EINVAL);
  if (addr + length > ADDRESS_LIMIT) return 0;
  k.mem.unmap(addr, length);
  return 0;
});

syscall('mprotect', 'addr:ptr length:size prot:hex', (k, addr, length, prot) => {
  if (addr % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
  if (length === 0) return 0;
  if (addr + length > ADDRESS_LIMIT || !k.mem.protect(addr, length, permOf(prot))) throw new SysError(E.ENOMEM);
  return 0;
});

syscall('madvise', 'addr:ptr length:size advice:int', (k, addr, length, advice) => {
  const MADV_DONTNEED = 4;
  if (addr % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
  if (advice === MADV_DONTNEED && length > 0) {
    const end = Math.min(pageUp(addr + length), ADDRESS_LIMIT);
    // Anonymous private pages read back as zero after MADV_DONTNEED.
    for (const m of k.mem.mappings) {
      const s = Math.max(m.start, addr);
      const e = Math.min(m.end, end);
      if (s < e && m.name !== '' && !m.name.startsWith('[')) continue;
      if (s < e) k.mem.u8.fill(0, s, e);
    }
  }
  return 0;
});

syscall('mremap', 'old:ptr oldsize:size newsize:size flags:hex new:ptr', (k, old, oldSize, newSize, flags) => {
  const MREMAP_MAYMOVE = 1;
  if (old % PAGE_SIZE !== 0 || newSize === 0) throw new SysError(E.EINVAL);
  const oldLen = pageUp(oldSize);
  const newLen = pageUp(newSize);
  const m = k.mem.mappings.find((x) => x.start <= old && old < x.end);
  if (!m) throw new SysError(E.EFAULT);
  if (newLen <= oldLen) {
    if (newLen < oldLen) k.mem.unmap(old + newLen, oldLen - newLen);
    return old;
  }
  if (k.mem.isFree(old + oldLen, old + newLen) && old + newLen <= LAYOUT.mmapTop) {
    k.mem.extend(old + oldLen, newLen - oldLen, m.perm, m.name);
    return old;
  }
  if (!(flags & MREMAP_MAYMOVE)) throw new SysError(E.ENOMEM);
  const dest = k.mem.findFree(newLen, LAYOUT.mmapTop);
  if (dest < 0) throw new SysError(E.ENOMEM);
  const copy = k.mem.u8.slice(old, old + oldLen);
  k.mem.map(dest, newLen, m.perm, m.name);
  k.mem.u8.set(copy, dest);
  k.mem.unmap(old, oldLen);
  return dest;
});

for (const name of ['msync', 'mlock', 'munlock', 'mlockall', 'munlockall']) {
  syscall(name, 'addr:ptr length:size flags:hex', () => 0);
}
