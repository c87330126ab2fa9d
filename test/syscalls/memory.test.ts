// brk, mmap, munmap, mprotect, mremap, madvise, msync: placement, contents, permissions and
// errors as Linux defines them, inside tsemu's 4 GiB guest window.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUEST_END, GUEST_MIN, JCACHE_BASE, PERM_BASE, SCRATCH_BASE, STATE_BASE, THREAD_SCRATCH_BASE } from '../../src/cpu/state.js';
import { BRK_START, BUF, E, makeGuest, type Guest } from './harness.js';

const PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANON = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const AT_FDCWD = -100;
const PAGE = 4096;

let g: Guest;
beforeEach(() => { g = makeGuest(); });
afterEach(() => {
  expect(g.internal).toEqual([]);
  g.cleanup();
});

const perm = (addr: number) => g.mem.perms[Math.floor(addr / PAGE)];
function openFile(name: string, flags: number): number {
  return g.call('openat', AT_FDCWD, g.str(name, BUF + 0x8000), flags, 0o644);
}

describe('brk', () => {
  it('reports, grows and shrinks the break, never below its start', () => {
    expect(g.call('brk', 0)).toBe(BRK_START);
    expect(g.call('brk', BRK_START + 10000)).toBe(BRK_START + 10000);
    expect(perm(BRK_START + 8192)).toBe(3);
    g.mem.u8[BRK_START + 9999] = 7;
    expect(g.call('brk', BRK_START + 100)).toBe(BRK_START + 100);
    expect(perm(BRK_START + 8192)).toBe(0);
    expect(g.call('brk', BRK_START - PAGE)).toBe(BRK_START + 100);
    expect(g.call('brk', BRK_START + 10000)).toBe(BRK_START + 10000);
    expect(g.mem.u8[BRK_START + 9999]).toBe(0); // fresh pages are zero
    expect(g.call('brk', 2 ** 40)).toBe(BRK_START + 10000);
  });

  it('does not grow into a mapping', () => {
    const at = BRK_START + 16 * PAGE;
    expect(g.call('mmap', at, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0)).toBe(at);
    expect(g.call('brk', at + 10)).toBe(BRK_START);
    expect(g.call('brk', at - PAGE + 1)).toBe(BRK_START); // Linux keeps a page of gap
    expect(g.call('brk', at - PAGE)).toBe(at - PAGE);
  });
});

describe('mmap', () => {
  it('maps anonymous zeroed memory with the requested protection', () => {
    const a = g.call('mmap', 0, 10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(a % PAGE).toBe(0);
    expect(a).toBeGreaterThanOrEqual(GUEST_MIN);
    expect(a + 3 * PAGE).toBeLessThanOrEqual(GUEST_END);
    expect([perm(a), perm(a + 2 * PAGE), perm(a + 3 * PAGE)]).toEqual([3, 3, 0]);
    expect(g.bytes(a, 10000).every((b) => b === 0)).toBe(true);
    const b = g.call('mmap', 0, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(perm(b)).toBe(0);
    expect(b).not.toBe(a);
    const c = g.call('mmap', 0, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(perm(c)).toBe(5);
    // A usable hint is taken; one above the window is not.
    const hint = 0x30000000;
    expect(g.call('mmap', hint, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0)).toBe(hint);
    const high = g.call('mmap', 2 ** 40, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(high).toBeGreaterThan(0);
    expect(high).toBeLessThan(2 ** 32);
  });

  it('replaces existing mappings with MAP_FIXED, and refuses with MAP_FIXED_NOREPLACE', () => {
    const a = g.call('mmap', 0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    g.mem.u8.fill(9, a, a + 4 * PAGE);
    expect(g.call('mmap', a + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0)).toBe(a + PAGE);
    expect([perm(a), perm(a + PAGE), perm(a + 2 * PAGE)]).toEqual([3, 1, 3]);
    expect(g.mem.u8[a + PAGE]).toBe(0);
    expect(g.mem.u8[a]).toBe(9);
    expect(g.call('mmap', a, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE, -1, 0)).toBe(-E.EEXIST);
    expect(g.call('mmap', a, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED | MAP_FIXED_NOREPLACE, -1, 0)).toBe(-E.EEXIST);
    const free = 0x70000000;
    expect(g.call('mmap', free, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE, -1, 0)).toBe(free);
  });

  it('maps a file at an offset, zero past its end', () => {
    const data = Buffer.alloc(3 * PAGE + 100);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 12)) & 0xff;
    fs.writeFileSync(path.join(g.dir, 'f'), data);
    const fd = openFile('f', 0);
    const a = g.call('mmap', 0, 3 * PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    expect(a).toBeGreaterThan(0);
    expect(g.bytes(a, 2 * PAGE + 100).equals(data.subarray(PAGE))).toBe(true);
    expect(g.bytes(a + 2 * PAGE + 100, PAGE - 100).every((b) => b === 0)).toBe(true);
    expect(perm(a)).toBe(1);
    // The mapping keeps its contents after the descriptor is closed; private writes stay private.
    g.call('close', fd);
    const fd2 = openFile('f', 2);
    const w = g.call('mmap', 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd2, 0);
    g.mem.u8[w] = 0xaa;
    expect(g.call('munmap', w, PAGE)).toBe(0);
    expect(fs.readFileSync(path.join(g.dir, 'f'))[0]).toBe(data[0]);
  });

  it('writes shared file mappings back on msync and munmap, only what changed', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), Buffer.alloc(2 * PAGE, 0x41));
    const fd = openFile('f', 2);
    const a = g.call('mmap', 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g.mem.u8[a + 5] = 0x42;
    expect(g.call('msync', a, PAGE, 4)).toBe(0); // MS_SYNC
    expect(fs.readFileSync(path.join(g.dir, 'f'))[5]).toBe(0x42);
    // A change made through write(2) to a page the mapping did not touch survives the write-back.
    const fd2 = openFile('f', 2);
    g.mem.u8[BUF] = 0x43;
    expect(g.call('pwrite64', fd2, BUF, 1, PAGE + 1)).toBe(1);
    g.mem.u8[a + 6] = 0x44;
    g.call('close', fd);
    expect(g.call('munmap', a, 2 * PAGE)).toBe(0);
    const now = fs.readFileSync(path.join(g.dir, 'f'));
    expect([now[5], now[6], now[PAGE + 1]]).toEqual([0x42, 0x44, 0x43]);
    expect(now.length).toBe(2 * PAGE);
  });

  it('checks the descriptor and the file\'s access mode', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), 'abc');
    const ro = openFile('f', 0);
    const wo = openFile('f', 1);
    expect(g.call('mmap', 0, PAGE, PROT_READ, MAP_PRIVATE, 99, 0)).toBe(-E.EBADF);
    expect(g.call('mmap', 0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0)).toBe(-E.EACCES);
    expect(g.call('mmap', 0, PAGE, PROT_READ, MAP_PRIVATE, wo, 0)).toBe(-E.EACCES);
    expect(g.call('mmap', 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0)).toBeGreaterThan(0);
    const dir = openFile('.', 0o40000);
    expect(g.call('mmap', 0, PAGE, PROT_READ, MAP_PRIVATE, dir, 0)).toBe(-E.ENODEV);
    expect(g.call('pipe2', BUF, 0)).toBe(0);
    expect(g.call('mmap', 0, PAGE, PROT_READ, MAP_PRIVATE, g.u32(BUF), 0)).toBe(-E.ENODEV);
    const s = g.call('mmap', 0, PAGE, PROT_READ, MAP_SHARED, ro, 0);
    expect(g.call('mprotect', s, PAGE, PROT_READ | PROT_WRITE)).toBe(-E.EACCES);
  });

  it('rejects bad arguments', () => {
    const anon = MAP_PRIVATE | MAP_ANON;
    expect(g.call('mmap', 0, 0, PROT_READ, anon, -1, 0)).toBe(-E.EINVAL);
    expect(g.call('mmap', 0, PAGE, PROT_READ, MAP_ANON, -1, 0)).toBe(-E.EINVAL); // neither shared nor private
    expect(g.call('mmap', 0, PAGE, PROT_READ, anon, -1, 100)).toBe(-E.EINVAL);
    expect(g.call('mmap', 0x500001, PAGE, PROT_READ, anon | MAP_FIXED, -1, 0)).toBe(-E.EINVAL);
    expect(g.call('mmap', 0, 2 ** 40, PROT_READ, anon, -1, 0)).toBe(-E.ENOMEM);
    expect(g.call('mmap', 0, 2n ** 64n - 1n, PROT_READ, anon, -1, 0)).toBe(-E.ENOMEM);
    expect(g.call('mmap', 0xfffff000, 2 * PAGE, PROT_READ, anon | MAP_FIXED, -1, 0)).toBe(-E.ENOMEM);
    expect(g.call('mmap', 2 ** 33, PAGE, PROT_READ, anon | MAP_FIXED, -1, 0)).toBe(-E.ENOMEM);
    expect(g.call('mmap', 0x1000, PAGE, PROT_READ, anon | MAP_FIXED, -1, 0)).toBe(-E.EPERM);
    expect(g.call('mmap', 0, PAGE, PROT_READ, 3 | MAP_ANON | 0x80000, -1, 0)).toBe(-E.EOPNOTSUPP);
  });
});

// The guest owns [mmap_min_addr, GUEST_END); tsemu's own data sits above GUEST_END. Expected
// errors are Linux's (checked natively as an unprivileged user on Linux 6.18 and in mm/mmap.c,
// mm/mremap.c): fixed placement above TASK_SIZE is ENOMEM (MREMAP_FIXED: EINVAL), and below
// mmap_min_addr EPERM from security_mmap_addr().
describe('the guest address space', () => {
  const fixed = MAP_PRIVATE | MAP_ANON | MAP_FIXED;
  const noreplace = MAP_PRIVATE | MAP_ANON | MAP_FIXED_NOREPLACE;

  it("is the guest's from 0x10000 to GUEST_END, including the low 4 MiB tsemu once used", () => {
    expect(g.call('mmap', 0x10000, PAGE, PROT_READ | PROT_WRITE, fixed, -1, 0)).toBe(0x10000);
    expect(perm(0x10000)).toBe(3);
    expect(g.call('mmap', 0x11000, 0x400000 - 0x11000, PROT_READ | PROT_WRITE, noreplace, -1, 0)).toBe(0x11000);
    g.mem.u8[0x1000 + 0x10000] = 1;
    expect(g.call('mprotect', 0x10000, 0x400000 - 0x10000, PROT_READ)).toBe(0);
    expect(g.call('munmap', 0x10000, 0x400000 - 0x10000)).toBe(0);
    expect(g.mem.u8[0x11000]).toBe(0);
    expect(g.call('mmap', GUEST_END - PAGE, PAGE, PROT_READ, fixed, -1, 0)).toBe(GUEST_END - PAGE);
    expect(g.call('mmap', GUEST_END - 2 * PAGE, PAGE, PROT_READ, noreplace, -1, 0)).toBe(GUEST_END - 2 * PAGE);
    // A hint in the free low range is taken as it is.
    expect(g.call('mmap', 0x20000, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0)).toBe(0x20000);
  });

  it("refuses fixed placement over tsemu's data as Linux does above TASK_SIZE", () => {
    for (const at of [GUEST_END, THREAD_SCRATCH_BASE, STATE_BASE, PERM_BASE, JCACHE_BASE, 0xffff0000]) {
      expect(g.call('mmap', at, PAGE, PROT_READ, fixed, -1, 0)).toBe(-E.ENOMEM);
      expect(g.call('mmap', at, PAGE, PROT_READ, noreplace, -1, 0)).toBe(-E.ENOMEM);
      expect(perm(at)).toBe(0);
    }
    expect(g.call('mmap', GUEST_END - PAGE, 2 * PAGE, PROT_READ, fixed, -1, 0)).toBe(-E.ENOMEM);
    expect(perm(GUEST_END - PAGE)).toBe(0);
    expect(g.call('mprotect', STATE_BASE, PAGE, PROT_READ | PROT_WRITE)).toBe(-E.ENOMEM);
    const a = g.call('mmap', 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(g.call('mremap', a, PAGE, PAGE, 3, STATE_BASE)).toBe(-E.EINVAL);
    expect(g.call('mremap', a, PAGE, 2 * PAGE, 3, GUEST_END - PAGE)).toBe(-E.EINVAL);
    // Growing the top page in place would run into tsemu's data: it moves instead, or fails.
    const top = g.call('mmap', GUEST_END - PAGE, PAGE, PROT_READ, fixed, -1, 0);
    expect(g.call('mremap', top, PAGE, 2 * PAGE, 0, 0)).toBe(-E.ENOMEM);
    const moved = g.call('mremap', top, PAGE, 2 * PAGE, 1, 0);
    expect(moved + 2 * PAGE).toBeLessThanOrEqual(GUEST_END);
  });

  it("never places a mapping, the break or a hinted mapping over tsemu's data", () => {
    // Hints there are ignored, as Linux ignores hints above TASK_SIZE.
    const h = g.call('mmap', STATE_BASE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(h).toBeGreaterThanOrEqual(GUEST_MIN);
    expect(h + PAGE).toBeLessThanOrEqual(GUEST_END);
    // Fill the window, in ever smaller pieces: every piece lies in the guest's part.
    let total = 0;
    for (let size = 0x10000000; size >= PAGE; size /= 2) {
      for (;;) {
        const p = g.call('mmap', 0, size, PROT_NONE, MAP_PRIVATE | MAP_ANON, -1, 0);
        if (p < 0) { expect(p).toBe(-E.ENOMEM); break; }
        expect(p).toBeGreaterThanOrEqual(GUEST_MIN);
        expect(p + size).toBeLessThanOrEqual(GUEST_END);
        total += size;
      }
    }
    expect(total).toBeGreaterThan(0xf0000000);
    expect(g.mem.perms.subarray(GUEST_END / PAGE).every((p) => p === 0)).toBe(true);
    expect(g.call('brk', STATE_BASE + PAGE)).toBe(BRK_START);
  });

  it('refuses fixed placement below mmap_min_addr with EPERM, as Linux does without CAP_SYS_RAWIO', () => {
    for (const at of [0, 0x1000, 0xf000]) {
      expect(g.call('mmap', at, PAGE, PROT_READ, fixed, -1, 0)).toBe(-E.EPERM);
      expect(g.call('mmap', at, PAGE, PROT_READ, noreplace, -1, 0)).toBe(-E.EPERM);
    }
    expect(g.call('mmap', 0xf000, 2 * PAGE, PROT_READ, fixed, -1, 0)).toBe(-E.EPERM);
    expect(perm(0xf000)).toBe(0);
    // Without MAP_FIXED a hint down there is ignored.
    const h = g.call('mmap', 0x1000, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(h).toBeGreaterThanOrEqual(GUEST_MIN);
    const a = g.call('mmap', 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(g.call('mremap', a, PAGE, PAGE, 3, 0x1000)).toBe(-E.EPERM);
    expect(g.call('mremap', 0x90000000, PAGE, PAGE, 3, 0x1000)).toBe(-E.EFAULT); // the old range first
    expect(perm(a)).toBe(1);
  });

  it("a system call given a pointer into tsemu's data fails with EFAULT", () => {
    expect(g.call('pipe2', BUF, 0)).toBe(0);
    const [r, w] = [g.u32(BUF), g.u32(BUF + 4)];
    expect(g.call('write', w, STATE_BASE, 8)).toBe(-E.EFAULT);
    expect(g.call('write', w, BUF, 8)).toBe(8);
    const permsBefore = g.bytes(PERM_BASE, 4096);
    expect(g.call('read', r, PERM_BASE, 8)).toBe(-E.EFAULT);
    expect(g.call('read', r, JCACHE_BASE, 8)).toBe(-E.EFAULT);
    expect(g.bytes(PERM_BASE, 4096)).toEqual(permsBefore);
    expect(g.call('read', r, BUF + 64, 8)).toBe(8);
  });
});

describe('munmap', () => {
  it('unmaps whole pages, parts of mappings, and unmapped ranges without error', () => {
    const a = g.call('mmap', 0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(g.call('munmap', a + PAGE, 1)).toBe(0);
    expect([perm(a), perm(a + PAGE), perm(a + 2 * PAGE)]).toEqual([3, 0, 3]);
    expect(g.call('munmap', a + PAGE, PAGE)).toBe(0);
    expect(g.call('munmap', a + 1, PAGE)).toBe(-E.EINVAL);
    expect(g.call('munmap', a, 0)).toBe(-E.EINVAL);
    expect(g.call('munmap', 2 ** 48, PAGE)).toBe(-E.EINVAL);
    expect(g.call('munmap', 2 ** 33, PAGE)).toBe(0);
    // A range running over tsemu's data and off the top of the window unmaps what is below it
    // and leaves tsemu's data as it was.
    const top = g.call('mmap', GUEST_END - PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
    expect(top).toBe(GUEST_END - PAGE);
    g.mem.u8[SCRATCH_BASE] = 0x5a;
    expect(g.call('munmap', GUEST_END - PAGE, 2 ** 33)).toBe(0);
    expect(perm(GUEST_END - PAGE)).toBe(0);
    expect(g.mem.u8[SCRATCH_BASE]).toBe(0x5a);
  });
});

describe('mprotect', () => {
  it('changes permissions of mapped pages only', () => {
    const a = g.call('mmap', 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(g.call('mprotect', a, PAGE, PROT_READ)).toBe(0);
    expect([perm(a), perm(a + PAGE)]).toEqual([1, 3]);
    expect(g.call('mprotect', a, 2 * PAGE, PROT_NONE)).toBe(0);
    expect([perm(a), perm(a + PAGE)]).toEqual([0, 0]);
    expect(g.call('mprotect', a, 2 * PAGE, PROT_READ | PROT_EXEC)).toBe(0);
    expect(perm(a)).toBe(5);
    expect(g.call('mprotect', a + 1, PAGE, PROT_READ)).toBe(-E.EINVAL);
    expect(g.call('mprotect', a, PAGE, 0x40)).toBe(-E.EINVAL);
    expect(g.call('mprotect', a, 3 * PAGE, PROT_READ)).toBe(-E.ENOMEM);
    expect(g.call('mprotect', 0x90000000, PAGE, PROT_READ)).toBe(-E.ENOMEM);
    expect(g.call('mprotect', 2 ** 33, PAGE, PROT_READ)).toBe(-E.ENOMEM);
    expect(g.call('mprotect', a, 0, PROT_READ)).toBe(0);
  });
});

describe('mremap', () => {
  it('shrinks, grows in place, and moves keeping contents', () => {
    const a = g.call('mmap', 0x20000000, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    g.mem.u8[a + 10] = 5;
    expect(g.call('mremap', a, 2 * PAGE, PAGE, 0, 0)).toBe(a);
    expect(perm(a + PAGE)).toBe(0);
    expect(g.call('mremap', a, PAGE, 3 * PAGE, 0, 0)).toBe(a);
    expect(perm(a + 2 * PAGE)).toBe(3);
    g.call('mmap', a + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON | MAP_FIXED, -1, 0);
    expect(g.call('mremap', a, 3 * PAGE, 5 * PAGE, 0, 0)).toBe(-E.ENOMEM);
    const b = g.call('mremap', a, 3 * PAGE, 5 * PAGE, 1, 0);
    expect(b).not.toBe(a);
    expect(g.mem.u8[b + 10]).toBe(5);
    expect(perm(a)).toBe(0);
    expect(perm(b + 4 * PAGE)).toBe(3);
    const fixed = 0x60000000;
    expect(g.call('mremap', b, 5 * PAGE, PAGE, 3, fixed)).toBe(fixed);
    expect(g.mem.u8[fixed + 10]).toBe(5);
  });

  it('rejects bad arguments', () => {
    const a = g.call('mmap', 0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(g.call('mremap', a + 1, PAGE, PAGE, 0, 0)).toBe(-E.EINVAL);
    expect(g.call('mremap', a, PAGE, 0, 0, 0)).toBe(-E.EINVAL);
    expect(g.call('mremap', a, PAGE, PAGE, 8, 0)).toBe(-E.EINVAL);
    expect(g.call('mremap', a, PAGE, PAGE, 2, 0x60000000)).toBe(-E.EINVAL); // FIXED without MAYMOVE
    expect(g.call('mremap', 0x90000000, PAGE, 2 * PAGE, 1, 0)).toBe(-E.EFAULT);
    // One VMA at a time: a range over mappings with different protections is EFAULT.
    const b = g.call('mmap', 0x50000000, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    expect(g.call('mprotect', b, PAGE, PROT_READ)).toBe(0);
    expect(g.call('mremap', b, 2 * PAGE, 4 * PAGE, 1, 0)).toBe(-E.EFAULT);
    expect(g.call('mremap', b + PAGE, PAGE, 4 * PAGE, 1, 0)).toBeGreaterThan(0);
  });
});

describe('madvise, msync, mlock', () => {
  it('zeroes anonymous pages on MADV_DONTNEED and reports unmapped ranges', () => {
    const a = g.call('mmap', 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    g.mem.u8[a + 1] = 1;
    g.mem.u8[a + PAGE + 1] = 1;
    expect(g.call('madvise', a, PAGE, 4)).toBe(0);
    expect([g.mem.u8[a + 1], g.mem.u8[a + PAGE + 1]]).toEqual([0, 1]);
    expect(perm(a)).toBe(3);
    expect(g.call('madvise', a, PAGE, 3)).toBe(0); // WILLNEED
    expect(g.call('madvise', a + 1, PAGE, 4)).toBe(-E.EINVAL);
    expect(g.call('madvise', a, PAGE, 999)).toBe(-E.EINVAL);
    expect(g.call('madvise', 0x90000000, PAGE, 4)).toBe(-E.ENOMEM);
    expect(g.call('msync', a, PAGE, 4)).toBe(0);
    expect(g.call('msync', a, PAGE, 5)).toBe(-E.EINVAL);
    expect(g.call('msync', 0x90000000, PAGE, 4)).toBe(-E.ENOMEM);
    expect(g.call('mlock', a, PAGE)).toBe(0);
    expect(g.call('mlockall', 0)).toBe(-E.EINVAL);
  });
});

describe('/proc/self/maps', () => {
  it('lists mappings with their permissions', () => {
    const a = g.call('mmap', 0x30000000, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANON, -1, 0);
    const fd = g.call('openat', AT_FDCWD, g.str('/proc/self/maps', BUF + 0x8000), 0, 0);
    const n = g.call('read', fd, BUF, 4096);
    expect(g.bytes(BUF, n).toString()).toContain(`${a.toString(16)}-${(a + PAGE).toString(16)} r-xp 00000000 00:00 0\n`);
  });
});
