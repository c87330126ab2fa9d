// Every implemented system call, 200 times with random arguments: small integers, flags,
// sizes, and pointers that are good, unmapped, huge or at the edge of the 4 GiB window. Nothing
// may escape dispatch as a JS exception (other than the guest exiting or being killed), and
// every result must be either a value (>= 0) or -errno with a real errno.
//
// It must not harm the host: the guest's cwd and descriptors 0-2 are in a temporary directory,
// the memory strings are read from never contains '/' or '.', so every path the guest can name
// is a plain name inside that directory, and calls that reach other host processes (kill,
// tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo), start host processes or replace the test's own image (clone, execve: their
// bad-pointer cases are in process.test.ts), or that could block forever (a read on pipe2's
// pipe) are left out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PERM_R, PERM_W } from '../../src/cpu/state.js';
import { SYSCALLS, type ArgKind } from '../../src/syscalls/define.js';
import { dispatchSyscall } from '../../src/syscalls/dispatch.js';
import { HostFile } from '../../src/vfs/host.js';
import { BUF, E, fuzzCall, makeGuest, NR } from './harness.js';

const CALLS = 200;
const EXCLUDED = new Set(['kill', 'tkill', 'tgkill', 'rt_sigqueueinfo', 'rt_tgsigqueueinfo', 'pipe2', 'clone', 'execve']);
const AREA = 0x4000; // the fuzzed part of BUF
const NAMES = ['fd0', 'fd1', 'sub', 'lnk', 'new', ''].map((n) => Buffer.from(n + '\0'));

/** xorshift32: reproducible from the seed printed on failure. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
  return { next, int: (n: number) => next() % n, pick: <T>(a: readonly T[]) => a[next() % a.length] };
}

// Random bytes for guest memory: no '/' or '.', and NULs often enough to end strings.
const BYTE = new Uint8Array(256).map((_, i) => (i < 32 ? 0 : i === 0x2f || i === 0x2e ? 0x61 : i));

function argValue(r: ReturnType<typeof rng>, kind: ArgKind, name: string): bigint {
  // Descriptors: mostly ones that are open (0-2 files, 3 a directory, 4 a file, 5 maybe).
  if (/fd$/.test(name) && r.int(4) !== 0) return r.pick([0n, 1n, 2n, 3n, 3n, 4n, 4n, 5n, -100n]);
  if ((name === 'offset' || name === 'pos') && r.int(2)) return BigInt(r.int(4) * 4096);
  // Often a name that exists (see NAMES), written at the start of each 64-byte slot.
  if ((kind === 'str' || kind === 'ptr') && r.int(3) === 0) return BigInt(BUF + 64 * r.int(AREA / 64));
  const pointers = (): bigint => {
    switch (r.int(8)) {
      case 0: return 0n;
      case 1: case 2: case 3: return BigInt(BUF + r.int(AREA)); // good (often unaligned)
      case 4: return BigInt(0x80000000 + r.int(0x20000000)); // unmapped
      case 5: return BigInt(2 ** 32 - 1 - r.int(32)); // the top of the window
      case 6: return r.pick([2n ** 32n, 2n ** 32n + 8n, 2n ** 47n, 2n ** 48n, 2n ** 63n, 2n ** 64n - 1n]);
      default: return BigInt(BUF + AREA - r.int(16)); // straddling the end of the good area
    }
  };
  const small = () => BigInt(r.int(72) - 2);
  switch (kind) {
    case 'ptr': case 'str': return pointers();
    case 'size': {
      // Lengths are small or beyond the window: never 16 MiB..4 GiB, which would make mmap
      // and friends commit that much host memory.
      switch (r.int(4)) {
        case 0: return small();
        case 1: return BigInt(r.int(256) * 4096);
        case 2: return BigInt(r.int(0x100000));
        default: return r.pick([2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n]);
      }
    }
    case 'hex': case 'oct': case 'uint': {
      const bits = () => BigInt((1 << r.int(12)) | (1 << r.int(12)) | (r.int(2) << r.int(24)));
      return r.pick([0n, 0n, small(), bits(), bits(), BigInt(1 << r.int(32) >>> 0), BigInt(r.next()), BigInt(r.int(0x1000))]);
    }
    case 'int': case 'long': case 'ulong':
      return r.pick([small(), small(), -100n, -1n, BigInt(r.next()), 2n ** 63n, 2n ** 64n - 1n, BigInt(r.int(4096))]);
  }
}

describe('syscall fuzz', () => {
  const g = makeGuest();
  // Descriptors 0-2: files in the temporary directory, not the host's stdio or /dev/null.
  for (const fd of [0, 1, 2]) {
    const p = path.join(g.dir, `fd${fd}`);
    fs.writeFileSync(p, 'some input\n');
    g.k.fds.set(fd, new HostFile(fs.openSync(p, 'r+'), p, 2, p));
  }
  g.k.setProgram(path.join(g.dir, 'fd0'), ['prog'], ['A=1'], 0);
  // Names the guest may find: files, a directory, a symlink (recreated before every call).
  // Each name is put back as exactly what it should be: a random rename or symlink call may
  // have left, say, a symlink loop where a file was.
  const restoreTree = () => {
    const at = (n: string) => path.join(g.dir, n);
    const kind = (n: string) => { try { return fs.lstatSync(at(n)); } catch { return undefined; } };
    const reset = (n: string, ok: (st: fs.Stats) => boolean, make: () => void) => {
      const st = kind(n);
      if (st && ok(st)) return;
      if (st) fs.rmSync(at(n), { recursive: true, force: true });
      make();
    };
    for (const n of ['fd0', 'fd1']) reset(n, (st) => st.isFile(), () => fs.writeFileSync(at(n), 'text\n'));
    reset('sub', (st) => st.isDirectory(), () => fs.mkdirSync(at('sub')));
    reset('lnk', (st) => st.isSymbolicLink() && fs.readlinkSync(at('lnk')) === 'fd0', () => fs.symlinkSync('fd0', at('lnk')));
  };
  g.k.sleepNs = () => true;
  g.k.futexWait = () => 'timed-out';
  // Every other wait (sigsuspend, sigtimedwait, a timerfd read...) ends as if a signal came.
  g.k.waitInterruptibly = () => 'signal';
  g.k.brkStart = g.k.brk = 0xc0000000; // random pointers stay below it: brk never grows far
  afterAll(() => g.cleanup());

  const names = [...SYSCALLS.keys()].filter((n) => NR.has(n) && !EXCLUDED.has(n)).sort();
  const seed = Number(process.env.TSEMU_FUZZ_SEED ?? Date.now() % 1_000_000);

  it(`covers the implemented system calls (seed ${seed})`, () => {
    expect(names.length).toBeGreaterThan(100);
  });

  for (const name of names) {
    it(name, () => {
      const r = rng(seed ^ [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
      const def = SYSCALLS.get(name)!;
      for (let i = 0; i < CALLS; i++) {
        // Descriptors 3 and 4: the temporary directory and a file in it.
        restoreTree();
        for (const fd of g.k.fds.list()) if (fd > 2) g.k.fds.close(fd);
        g.k.fds.limit = 1024;
        g.k.paths.cwd = g.dir;
        g.k.fds.set(3, new HostFile(fs.openSync(g.dir, 'r'), g.dir, 0o400000, g.dir));
        g.k.fds.set(4, new HostFile(fs.openSync(path.join(g.dir, 'fd0'), 'r+'), 'fd0', 0o400002, path.join(g.dir, 'fd0')));
        // Fresh state: only the fuzz area mapped, filled with harmless bytes.
        const ms = g.mem.mappings;
        if (ms.length !== 1 || ms[0].start !== BUF || ms[0].end !== BUF + AREA || ms[0].perm !== (PERM_R | PERM_W)) {
          for (const m of [...ms]) g.mem.unmap(m.start, m.end - m.start);
          g.mem.map(BUF, AREA, PERM_R | PERM_W);
        }
        const area = g.mem.u8.subarray(BUF, BUF + AREA);
        for (let j = 0; j < AREA; j += 4) {
          const v = r.next();
          area[j] = BYTE[v & 0xff]; area[j + 1] = BYTE[(v >>> 8) & 0xff];
          area[j + 2] = BYTE[(v >>> 16) & 0xff]; area[j + 3] = BYTE[v >>> 24];
        }
        for (let j = 0; j < AREA; j += 64) if (r.int(2)) area.set(r.pick(NAMES), j);
        const args = def.args.map((a) => argValue(r, a.kind, a.name));
        const regs = [0, 1, 2, 3, 4, 5].map((j) => args[j] ?? BigInt(r.next()));
        fuzzCall(g, name, regs, args, `seed ${seed}, call ${i}`);
      }
    });
  }

  it('unknown numbers give ENOSYS', () => {
    for (const nr of [1000n, 2n ** 32n + 63n, 2n ** 64n - 1n, 244n, 457n]) {
      g.cpu.setX(8, nr);
      dispatchSyscall(g.k);
      expect(BigInt.asIntN(64, g.cpu.x(0))).toBe(BigInt(-E.ENOSYS));
    }
  });
});

describe('handlers reach guest memory only through checked access', () => {
  it('uses raw views of guest memory only where it just mapped the pages itself', () => {
    const dir = path.join(__dirname, '../../src/syscalls');
    const allowed = new Set(['memory.ts', 'shared.ts']);
    for (const f of fs.readdirSync(dir)) {
      if (!f.endsWith('.ts') || allowed.has(f)) continue;
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/mem\.(u8|dv|perms)\b/);
    }
  });
});
