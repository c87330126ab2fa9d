// Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise, msync, mlock*. Every
// mapping stays inside the guest's part of the 4 GiB window, [GUEST_MIN, GUEST_END) (DESIGN.md
// §2); /proc/self/maps is built from the same mapping list.
//
// Addresses tsemu cannot give are treated as Linux treats those above TASK_SIZE, whether they
// hold tsemu's own data (GUEST_END up to 4 GiB) or lie above the window: MAP_FIXED there is
// ENOMEM, MREMAP_FIXED EINVAL, mprotect ENOMEM; munmap and madvise accept them up to the
// 48-bit TASK_SIZE and find nothing mapped. Below GUEST_MIN (mmap_min_addr = 0x10000) a fixed
// mapping is EPERM, as Linux answers a process without CAP_SYS_RAWIO; tsemu refuses it to
// root too, so that page 0 always faults (qemu-user leaves it to the host kernel's setting).
import { pageUp } from '../../cpu/memory.js';
import { GUEST_END, GUEST_MIN, PAGE_SIZE, PERM_R, PERM_W, PERM_X } from '../../cpu/state.js';
import { LAYOUT } from '../../cpu/layout.js';
import { O, S_IFBLK, S_IFCHR, S_IFMT, S_IFREG, type OpenFile } from '../../vfs/file.js';
import { HostFile } from '../../vfs/host.js';
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import { TASK_SIZE } from '../guest.js';
import type { Kernel } from '../kernel.js';
import { addShared, dropShared, syncShared } from './shared.js';

const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_BTI = 0x10;
const PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
const MAP_SHARED = 0x1, MAP_PRIVATE = 0x2, MAP_SHARED_VALIDATE = 0x3, MAP_TYPE = 0xf;
const MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
/** Flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK plus MAP_SYNC's absence): others are EOPNOTSUPP. */
const LEGACY_MAP_MASK = 0x1 | 0x2 | 0x10 | 0x20 | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000
  | 0x20000 | 0x40000 | 0x100000 | 0x03f << 26;

function permOf(prot: number): number {
  // AArch64 user pages cannot be write-only or (without EPAN) execute-only in practice: any
  // access right makes the page readable, as Linux reports it.
  let p = 0;
  if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) p |= PERM_R;
  if (prot & PROT_WRITE) p |= PERM_W;
  if (prot & PROT_EXEC) p |= PERM_X;
  return p;
}

/** Whether every page of [start, end) is mapped. */
function mapped(k: Kernel, start: number, end: number): boolean {
  return k.mem.isMapped(start, end);
}

syscall('brk', 'addr:ptr', (k, addr) => {
  // Below the start (including 0, the query) the break stays where it is.
  if (addr < k.brkStart || addr > GUEST_END) return k.brk;
  const oldEnd = pageUp(k.brk);
  const newEnd = pageUp(addr);
  if (newEnd > oldEnd) {
    // Linux keeps a page of gap between the heap and the next mapping.
    if (newEnd > LAYOUT.mmapTop || !k.mem.isFree(oldEnd, newEnd + PAGE_SIZE)) return k.brk;
    k.mem.map(oldEnd, newEnd - oldEnd, PERM_R | PERM_W, '[heap]');
  } else if (newEnd < oldEnd) {
    k.mem.unmap(newEnd, oldEnd - newEnd);
  }
  k.brk = addr;
  return addr;
});

/** The file behind a file mapping, checked as Linux's do_mmap checks it. null: map anonymous. */
function mappableFile(k: Kernel, fd: number, prot: number, type: number): OpenFile | null {
  const f = k.fds.get(fd);
  if (f.flags & O.PATH) throw new SysError(E.EBADF);
  const acc = f.flags & O.ACCMODE;
  if (type !== MAP_PRIVATE && (prot & PROT_WRITE) && acc !== O.RDWR) throw new SysError(E.EACCES);
  if (acc === O.WRONLY) throw new SysError(E.EACCES);
  if (!(f instanceof HostFile)) throw new SysError(E.ENODEV);
  const st = f.stat();
  const t = st.mode & S_IFMT;
  if (t === S_IFREG || t === S_IFBLK) return f;
  if (t === S_IFCHR && st.rdev === 0x105) return null; // /dev/zero (1,5): anonymous memory
  throw new SysError(E.ENODEV);
}

syscall('mmap', 'addr:ptr length:size prot:hex flags:hex fd:int offset:long', (k, addr, length, prot, flags, fd, offset) => {
  if (offset % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
  const anonymous = (flags & MAP_ANONYMOUS) !== 0;
  const type = flags & MAP_TYPE;
  if (!anonymous) k.fds.get(fd); // EBADF first
  if (length === 0) throw new SysError(E.EINVAL);
  if (length > GUEST_END) throw new SysError(E.ENOMEM);
  const len = pageUp(length);
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) throw new SysError(E.EINVAL);
  if (type === MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK)) throw new SysError(E.EOPNOTSUPP);
  const file = anonymous ? null : mappableFile(k, fd, prot, type);
  if (file && offset < 0) throw new SysError(E.EOVERFLOW);

  let start: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
    if (addr + len > GUEST_END) throw new SysError(E.ENOMEM);
    if (addr < GUEST_MIN) throw new SysError(E.EPERM); // below mmap_min_addr
    if ((flags & MAP_FIXED_NOREPLACE) && !k.mem.isFree(addr, addr + len)) throw new SysError(E.EEXIST);
    start = addr;
  } else {
    // A hint is used if that range is free; otherwise (or above the window) place top-down.
    const hint = addr % PAGE_SIZE === 0 && addr >= GUEST_MIN && addr + len <= LAYOUT.mmapTop && k.mem.isFree(addr, addr + len);
    start = hint ? addr : k.mem.findFree(len, LAYOUT.mmapTop, Math.max(GUEST_MIN, pageUp(k.brk) + 0x1000000));
    if (start < 0) start = k.mem.findFree(len, LAYOUT.mmapTop);
    if (start < 0) throw new SysError(E.ENOMEM);
  }

  dropShared(k, start, start + len);
  k.mem.map(start, len, permOf(prot), file ? file.path : '');
  if (file) {
    // Pages past the end of the file read as zero (Linux would raise SIGBUS for whole pages).
    const want = Math.max(0, Math.min(len, file.stat().size - offset));
    let got = 0;
    try {
      while (got < want) {
        k.mem.markDirty(start + got, start + want);
        const n = file.pread(k.mem.u8.subarray(start + got, start + want), offset + got);
        if (n <= 0) break;
        got += n;
      }
    } catch (err) {
      k.mem.unmap(start, len);
      throw err;
    }
    if (type !== MAP_PRIVATE) {
      const writable = (file.flags & O.ACCMODE) === O.RDWR;
      addShared(k, { start, end: start + len, file, offset, snapshot: writable ? k.mem.u8.slice(start, start + len) : undefined });
    }
  }
  return start;
});

syscall('munmap', 'addr:ptr length:size', (k, addr, length) => {
  if (addr % PAGE_SIZE !== 0 || length === 0) throw new SysError(E.EINVAL);
  if (addr + length > TASK_SIZE) throw new SysError(E.EINVAL);
  const start = Math.max(addr, GUEST_MIN);
  const end = Math.min(pageUp(addr + length), GUEST_END);
  if (start < end) {
    dropShared(k, start, end);
    k.mem.unmap(start, end - start);
  }
  return 0;
});

syscall('mprotect', 'addr:ptr length:size prot:hex', (k, addr, length, prot) => {
  if (addr % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_BTI | PROT_GROWSDOWN | PROT_GROWSUP)) throw new SysError(E.EINVAL);
  if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP)) throw new SysError(E.EINVAL);
  if (length === 0) return 0;
  const end = pageUp(addr + length);
  if (end > GUEST_END || !mapped(k, addr, end)) throw new SysError(E.ENOMEM);
  // A shared mapping of a file not open for writing cannot become writable.
  if (prot & PROT_WRITE) {
    for (const m of k.sharedMappings) {
      if (m.start < end && m.end > addr && !m.snapshot) throw new SysError(E.EACCES);
    }
  }
  k.mem.protect(addr, end - addr, permOf(prot));
  return 0;
});

const ADVICE_OK = new Set([0, 1, 2, 3, 4, ...Array.from({ length: 18 }, (_, i) => 8 + i)]);
const MADV_DONTNEED = 4, MADV_REMOVE = 9, MADV_DONTNEED_LOCKED = 24;

syscall('madvise', 'addr:ptr length:size advice:int', (k, addr, length, advice) => {
  if (addr % PAGE_SIZE !== 0 || !ADVICE_OK.has(advice)) throw new SysError(E.EINVAL);
  if (length === 0) return 0;
  const end = pageUp(addr + length);
  if (end > TASK_SIZE) throw new SysError(E.EINVAL);
  const stop = Math.min(end, GUEST_END);
  if (advice === MADV_DONTNEED || advice === MADV_DONTNEED_LOCKED || advice === MADV_REMOVE) {
    // Private anonymous pages read back as zero afterwards. File-backed pages would be re-read
    // from the file; their contents are kept instead (the same unless the guest changed them).
    // Remapping in place zeroes the pages and drops translations of code on them.
    for (const m of [...k.mem.mappings]) {
      const s = Math.max(m.start, addr);
      const e = Math.min(m.end, stop);
      if (s >= e) continue;
      const anonymous = m.name === '' || m.name === '[heap]' || m.name === '[stack]';
      if (anonymous && !k.sharedMappings.some((x) => x.start < e && x.end > s)) k.mem.map(s, e - s, m.perm, m.name);
    }
  }
  if (!mapped(k, addr, stop) || end > GUEST_END) throw new SysError(E.ENOMEM);
  return 0;
});

syscall('mremap', 'old:ptr oldsize:size newsize:size flags:hex new:ptr', (k, old, oldSize, newSize, flags, newAddr) => {
  const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) throw new SysError(E.EINVAL);
  if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) && !(flags & MREMAP_MAYMOVE)) throw new SysError(E.EINVAL);
  if (old % PAGE_SIZE !== 0 || newSize === 0 || oldSize === 0) throw new SysError(E.EINVAL);
  if (oldSize > GUEST_END || newSize > GUEST_END) throw new SysError(E.ENOMEM);
  const oldLen = pageUp(oldSize);
  const newLen = pageUp(newSize);
  if ((flags & MREMAP_DONTUNMAP) && oldLen !== newLen) throw new SysError(E.EINVAL);
  if (flags & MREMAP_FIXED) {
    if (newAddr % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
    if (newAddr < old + oldLen && old < newAddr + newLen) throw new SysError(E.EINVAL);
    if (newAddr + newLen > GUEST_END) throw new SysError(E.EINVAL);
  }
  if (old + oldLen > GUEST_END || !mapped(k, old, old + oldLen)) throw new SysError(E.EFAULT);
  // Linux finds this when it asks for the new place (get_unmapped_area's mmap_min_addr check).
  if ((flags & MREMAP_FIXED) && newAddr < GUEST_MIN) throw new SysError(E.EPERM);
  const pieces = k.mem.mappings.filter((m) => m.start < old + oldLen && m.end > old);
  const last = pieces[pieces.length - 1];
  // Linux moves or resizes one VMA: a range over mappings that differ in protection or
  // backing is EFAULT. (Adjacent pieces that agree are one VMA there; here they may be listed apart.)
  if (pieces.some((m) => m.perm !== last.perm || m.name !== last.name)) throw new SysError(E.EFAULT);

  if (!(flags & MREMAP_FIXED)) {
    if (newLen <= oldLen) {
      if (newLen < oldLen) {
        dropShared(k, old + newLen, old + oldLen);
        k.mem.unmap(old + newLen, oldLen - newLen);
      }
      return old;
    }
    if (old + newLen <= GUEST_END && k.mem.isFree(old + oldLen, old + newLen)) {
      k.mem.extend(old + oldLen, newLen - oldLen, last.perm, last.name);
      return old;
    }
    if (!(flags & MREMAP_MAYMOVE)) throw new SysError(E.ENOMEM);
  }

  let dest = newAddr;
  if (!(flags & MREMAP_FIXED)) {
    dest = k.mem.findFree(newLen, LAYOUT.mmapTop);
    if (dest < 0) throw new SysError(E.ENOMEM);
  }
  // Shared file pages are written back and the moved copy becomes private to the guest.
  dropShared(k, old, old + oldLen);
  dropShared(k, dest, dest + newLen);
  const keep = Math.min(oldLen, newLen);
  const data = k.mem.u8.slice(old, old + keep);
  k.mem.map(dest, newLen, last.perm, last.name);
  k.mem.u8.set(data, dest);
  k.mem.markDirty(dest, dest + data.length);
  for (const m of pieces) {
    // Carry each piece's permissions to its place in the new range.
    const s = Math.max(m.start, old) - old;
    const e = Math.min(m.end, old + keep) - old;
    if (s < e && m.perm !== last.perm) k.mem.protect(dest + s, e - s, m.perm);
  }
  if (flags & MREMAP_DONTUNMAP) {
    // The old range stays mapped and reads as fresh zero pages.
    for (const m of pieces) {
      const s = Math.max(m.start, old);
      const e = Math.min(m.end, old + oldLen);
      k.mem.map(s, e - s, m.perm, m.name);
    }
  } else {
    k.mem.unmap(old, oldLen);
  }
  return dest;
});

const MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;

syscall('msync', 'addr:ptr length:size flags:hex', (k, addr, length, flags) => {
  if (addr % PAGE_SIZE !== 0) throw new SysError(E.EINVAL);
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) || ((flags & MS_ASYNC) && (flags & MS_SYNC))) throw new SysError(E.EINVAL);
  const end = pageUp(addr + length);
  if (end > GUEST_END || !mapped(k, addr, end)) throw new SysError(E.ENOMEM);
  syncShared(k, addr, end);
  return 0;
});

// Guest memory is never paged out: locking always succeeds and changes nothing.
syscall('mlock', 'addr:ptr length:size', () => 0);
syscall('munlock', 'addr:ptr length:size', () => 0);
syscall('mlock2', 'addr:ptr length:size flags:hex', (_k, _a, _l, flags) => {
  if (flags & ~1) throw new SysError(E.EINVAL);
  return 0;
});
syscall('mlockall', 'flags:hex', (_k, flags) => {
  if (!flags || flags & ~7 || flags === 4) throw new SysError(E.EINVAL);
  return 0;
});
syscall('munlockall', '', () => 0);
