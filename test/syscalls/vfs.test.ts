// Handler tests for the descriptor table's locks, the copying calls, memfd, mknodat, O_TMPFILE,
// fallocate and the guest's own /proc files. Expected values follow Linux (man 2 fcntl,
// copy_file_range, splice, memfd_create, mknod, open, fallocate; proc(5)), not tsemu's output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUF, E, makeGuest, type Guest } from './harness.js';

const AT_FDCWD = -100;
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_APPEND = 0o2000, O_DIRECTORY = 0o40000;
const O_TMPFILE = 0o20040000;
const F_GETFD = 1, F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37;
const F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
const PATHS = BUF + 0x8000;
const DATA = BUF + 0x1000;
const FLOCK = BUF + 0x2000;
const OFFS = BUF + 0x3000;

let g: Guest;
beforeEach(() => { g = makeGuest(); });
afterEach(() => {
  expect(g.internal).toEqual([]);
  g.cleanup();
});

function open(p: string, flags: number, mode = 0o644): number {
  return g.call('openat', AT_FDCWD, g.str(p, PATHS), flags, mode);
}
function file(name: string, text: string): string {
  const p = path.join(g.dir, name);
  fs.writeFileSync(p, text);
  return p;
}
/** Write a struct flock (aarch64: i16 type, i16 whence, i64 start @8, i64 len @16, i32 pid @24). */
function flock(type: number, start: number, len: number, pid = 0, whence = 0): number {
  const b = Buffer.alloc(32);
  b.writeInt16LE(type, 0);
  b.writeInt16LE(whence, 2);
  b.writeBigInt64LE(BigInt(start), 8);
  b.writeBigInt64LE(BigInt(len), 16);
  b.writeInt32LE(pid, 24);
  g.mem.u8.set(b, FLOCK);
  return FLOCK;
}
function readFlock() {
  const b = g.bytes(FLOCK, 32);
  return { type: b.readInt16LE(0), start: Number(b.readBigInt64LE(8)), len: Number(b.readBigInt64LE(16)), pid: b.readInt32LE(24) };
}

describe('record locks', () => {
  it('POSIX locks of one process never conflict; OFD locks of two opens do', () => {
    file('f', '0123456789');
    const fd = open('f', O_RDWR);
    expect(g.call('fcntl', fd, F_SETLK, flock(F_WRLCK, 0, 5))).toBe(0);
    expect(g.call('fcntl', fd, F_SETLK, flock(F_WRLCK, 0, 5))).toBe(0);
    expect(g.call('fcntl', fd, F_GETLK, flock(F_WRLCK, 0, 0))).toBe(0);
    expect(readFlock().type).toBe(F_UNLCK);
    const a = open('f', O_RDWR), b = open('f', O_RDWR);
    expect(g.call('fcntl', a, F_OFD_SETLK, flock(F_RDLCK, 10, 10))).toBe(0);
    expect(g.call('fcntl', b, F_OFD_SETLK, flock(F_RDLCK, 10, 10))).toBe(0); // readers share
    expect(g.call('fcntl', b, F_OFD_SETLK, flock(F_WRLCK, 15, 1))).toBe(-E.EAGAIN);
    // The first conflict in list order is the process's POSIX lock (locked first), pid = ours.
    expect(g.call('fcntl', b, F_OFD_GETLK, flock(F_WRLCK, 0, 0))).toBe(0);
    expect(readFlock()).toEqual({ type: F_WRLCK, start: 0, len: 5, pid: g.k.pid });
    // An OFD lock seen from F_GETLK has l_pid -1.
    expect(g.call('fcntl', fd, F_GETLK, flock(F_WRLCK, 10, 1))).toBe(0);
    expect(readFlock()).toEqual({ type: F_RDLCK, start: 10, len: 10, pid: -1 });
    expect(g.call('fcntl', fd, F_SETLKW, flock(F_WRLCK, 12, 1))).toBe(-E.EDEADLK);
    expect(g.call('fcntl', b, F_OFD_SETLK, flock(F_RDLCK, 0, 0, 1))).toBe(-E.EINVAL); // l_pid must be 0
    expect(g.call('fcntl', b, F_OFD_GETLK, flock(F_UNLCK, 0, 0))).toBe(-E.EINVAL);
    expect(g.call('fcntl', b, F_SETLK, flock(3, 0, 0))).toBe(-E.EINVAL);
    expect(g.call('fcntl', b, F_SETLK, flock(F_RDLCK, -1, 1))).toBe(-E.EINVAL);
    expect(g.call('fcntl', b, F_SETLK, flock(F_RDLCK, 0, 1, 0, 3))).toBe(-E.EINVAL);
  });

  it('splits, merges and releases locks as Linux does', () => {
    file('f', '');
    const fd = open('f', O_RDWR), other = open('f', O_RDWR);
    expect(g.call('fcntl', fd, F_SETLK, flock(F_WRLCK, 0, 100))).toBe(0);
    expect(g.call('fcntl', fd, F_SETLK, flock(F_UNLCK, 40, 20))).toBe(0);
    expect(g.call('fcntl', other, F_OFD_GETLK, flock(F_WRLCK, 0, 0))).toBe(0);
    expect(readFlock()).toMatchObject({ start: 0, len: 40 });
    expect(g.call('fcntl', other, F_OFD_GETLK, flock(F_WRLCK, 40, 0))).toBe(0);
    expect(readFlock()).toMatchObject({ start: 60, len: 40 });
    // A negative length locks the bytes before l_start.
    expect(g.call('fcntl', fd, F_SETLK, flock(F_WRLCK, 60, -20))).toBe(0);
    expect(g.call('fcntl', other, F_OFD_GETLK, flock(F_WRLCK, 0, 0))).toBe(0);
    expect(readFlock()).toMatchObject({ start: 0, len: 100 }); // merged back into one
    // Closing any descriptor of the file drops the process's POSIX locks.
    const third = open('f', O_RDONLY);
    expect(g.call('close', third)).toBe(0);
    expect(g.call('fcntl', other, F_OFD_GETLK, flock(F_WRLCK, 0, 0))).toBe(0);
    expect(readFlock().type).toBe(F_UNLCK);
  });

  it('checks the descriptor mode against the lock type', () => {
    file('f', '');
    const ro = open('f', O_RDONLY), wo = open('f', O_WRONLY);
    expect(g.call('fcntl', ro, F_SETLK, flock(F_WRLCK, 0, 1))).toBe(-E.EBADF);
    expect(g.call('fcntl', wo, F_SETLK, flock(F_RDLCK, 0, 1))).toBe(-E.EBADF);
    expect(g.call('fcntl', ro, F_SETLK, flock(F_RDLCK, 0, 1))).toBe(0);
  });

  it('flock: per open file description, EWOULDBLOCK with LOCK_NB', () => {
    file('f', '');
    const a = open('f', O_RDONLY), b = open('f', O_RDONLY);
    expect(g.call('flock', a, 2 | 4)).toBe(0);
    expect(g.call('flock', b, 1 | 4)).toBe(-E.EAGAIN);
    expect(g.call('flock', b, 1)).toBe(-E.EDEADLK);
    expect(g.call('flock', a, 8)).toBe(0);
    expect(g.call('flock', b, 2 | 4)).toBe(0);
    expect(g.call('flock', b, 3)).toBe(-E.EINVAL);
  });
});

describe('copy_file_range, splice', () => {
  it('copies between regular files at explicit or file offsets', () => {
    file('src', '0123456789');
    const i = open('src', O_RDONLY), o = open('dst', O_CREAT | O_RDWR);
    g.mem.dv.setBigUint64(OFFS, 2n, true);
    expect(g.call('copy_file_range', i, OFFS, o, 0, 5, 0)).toBe(5);
    expect(g.u64(OFFS)).toBe(7n);
    expect(g.call('lseek', i, 0, 1)).toBe(0);
    expect(g.call('lseek', o, 0, 1)).toBe(5);
    expect(fs.readFileSync(path.join(g.dir, 'dst'), 'latin1')).toBe('23456');
    expect(g.call('copy_file_range', i, 0, o, 0, 100, 0)).toBe(10);
    expect(g.call('copy_file_range', i, 0, o, 0, 100, 0)).toBe(0);
    expect(g.call('copy_file_range', i, 0, o, 0, 1, 1)).toBe(-E.EINVAL);
    expect(g.call('copy_file_range', o, 0, i, 0, 1, 0)).toBe(-E.EBADF);
    const app = open('dst', O_WRONLY | O_APPEND);
    expect(g.call('copy_file_range', i, 0, app, 0, 1, 0)).toBe(-E.EBADF);
    const d = open('.', O_RDONLY | O_DIRECTORY);
    expect(g.call('copy_file_range', d, 0, o, 0, 1, 0)).toBe(-E.EISDIR);
    // Overlapping ranges of the same file.
    const same = open('src', O_RDWR);
    g.mem.dv.setBigUint64(OFFS, 0n, true);
    g.mem.dv.setBigUint64(OFFS + 8, 2n, true);
    expect(g.call('copy_file_range', same, OFFS, same, OFFS + 8, 4, 0)).toBe(-E.EINVAL);
  });

  it('splice needs a pipe at one end and no offset on it', () => {
    file('src', 'abcdef');
    const i = open('src', O_RDONLY), o = open('dst', O_CREAT | O_RDWR);
    expect(g.call('splice', i, 0, o, 0, 3, 0)).toBe(-E.EINVAL);
    expect(g.call('pipe2', DATA, 0)).toBe(0);
    const r = g.u32(DATA), w = g.u32(DATA + 4);
    g.mem.dv.setBigUint64(OFFS, 1n, true);
    expect(g.call('splice', i, OFFS, w, 0, 3, 0)).toBe(3);
    expect(g.u64(OFFS)).toBe(4n);
    expect(g.call('splice', i, 0, w, OFFS, 3, 0)).toBe(-E.ESPIPE);
    expect(g.call('splice', r, 0, o, 0, 10, 0)).toBe(3);
    expect(fs.readFileSync(path.join(g.dir, 'dst'), 'latin1')).toBe('bcd');
  });
});

describe('memfd_create', () => {
  it('makes a resizable anonymous file with a /memfd: name', () => {
    const fd = g.call('memfd_create', g.str('buf', PATHS), 1 | 2);
    expect(fd).toBeGreaterThanOrEqual(3);
    expect(g.call('fcntl', fd, F_GETFD)).toBe(1);
    expect(g.call('write', fd, g.str('hello', DATA), 5)).toBe(5);
    expect(g.call('ftruncate', fd, 10000)).toBe(0);
    expect(g.call('fstat', fd, DATA)).toBe(0);
    expect(g.i64(DATA + 48)).toBe(10000n);
    expect(g.call('pread64', fd, DATA, 5, 0)).toBe(5);
    expect(g.bytes(DATA, 5).toString()).toBe('hello');
    const link = g.call('readlinkat', AT_FDCWD, g.str(`/proc/self/fd/${fd}`, PATHS), DATA, 100);
    expect(g.bytes(DATA, link).toString()).toBe('/memfd:buf (deleted)');
    expect(g.call('fcntl', fd, F_GET_SEALS)).toBe(0);
    expect(g.call('fcntl', fd, F_ADD_SEALS, 1)).toBe(0);
    expect(g.call('fcntl', fd, F_GET_SEALS)).toBe(1);
    expect(g.call('fcntl', fd, F_ADD_SEALS, 8)).toBe(-E.EPERM);
    const unsealable = g.call('memfd_create', g.str('x', PATHS), 0);
    expect(g.call('fcntl', unsealable, F_GET_SEALS)).toBe(1); // F_SEAL_SEAL
    expect(g.call('memfd_create', g.str('x', PATHS), 0x1000)).toBe(-E.EINVAL);
    g.mem.u8.fill(0x61, PATHS, PATHS + 300);
    g.mem.u8[PATHS + 300] = 0;
    expect(g.call('memfd_create', PATHS, 0)).toBe(-E.EINVAL);
    expect(g.call('memfd_create', 0xdead0000, 0)).toBe(-E.EFAULT);
  });
});

describe('mknodat, O_TMPFILE, fallocate', () => {
  it('mknodat makes FIFOs and regular files; devices need privilege', () => {
    const S_IFIFO = 0o010000, S_IFREG = 0o100000, S_IFCHR = 0o020000, S_IFDIR = 0o040000;
    expect(g.call('mknodat', AT_FDCWD, g.str('p', PATHS), S_IFIFO | 0o666, 0)).toBe(0);
    const st = fs.statSync(path.join(g.dir, 'p'));
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o644); // umask 022 applies
    expect(g.call('mknodat', AT_FDCWD, g.str('p', PATHS), S_IFIFO | 0o600, 0)).toBe(-E.EEXIST);
    expect(g.call('mknodat', AT_FDCWD, g.str('r', PATHS), 0o600, 0)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'r')).isFile()).toBe(true);
    expect(g.call('mknodat', AT_FDCWD, g.str('r2', PATHS), S_IFREG | 0o600, 0)).toBe(0);
    expect(g.call('mknodat', AT_FDCWD, g.str('d', PATHS), S_IFDIR | 0o700, 0)).toBe(-E.EPERM);
    expect(g.call('mknodat', AT_FDCWD, g.str('x', PATHS), 0o170000 | 0o600, 0)).toBe(-E.EINVAL);
    expect(g.call('mknodat', AT_FDCWD, g.str('no/p', PATHS), S_IFIFO | 0o600, 0)).toBe(-E.ENOENT);
    if (process.getuid?.() !== 0) {
      expect(g.call('mknodat', AT_FDCWD, g.str('c', PATHS), S_IFCHR | 0o600, 0x103)).toBe(-E.EPERM);
    }
  });

  it('O_TMPFILE validates its flags like Linux', () => {
    expect(open('.', O_TMPFILE | O_RDONLY, 0o600)).toBe(-E.EINVAL);
    expect(open('.', (O_TMPFILE & ~O_DIRECTORY) | O_RDWR, 0o600)).toBe(-E.EINVAL);
    expect(open('.', O_TMPFILE | O_CREAT | O_RDWR, 0o600)).toBe(-E.EINVAL);
    file('f', '');
    const r = open('f', O_TMPFILE | O_RDWR, 0o600);
    expect(r).toBe(-E.ENOTDIR);
    const fd = open('.', O_TMPFILE | O_RDWR, 0o600);
    if (fd === -E.EOPNOTSUPP) return; // the file system lacks it (Linux says so too)
    expect(fd).toBeGreaterThanOrEqual(3);
    expect(fs.readdirSync(g.dir)).toEqual(['f']);
  });

  it('fallocate grows, keeps size, zeroes ranges and refuses what it cannot do', () => {
    file('f', 'abcdefgh');
    const fd = open('f', O_RDWR);
    expect(g.call('fallocate', fd, 1, 0, 100)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'f')).size).toBe(8);
    expect(g.call('fallocate', fd, 3, 2, 3)).toBe(0); // PUNCH_HOLE | KEEP_SIZE
    expect(fs.readFileSync(path.join(g.dir, 'f'), 'latin1')).toBe('ab\0\0\0fgh');
    expect(g.call('fallocate', fd, 2, 0, 1)).toBe(-E.EOPNOTSUPP); // PUNCH_HOLE needs KEEP_SIZE
    expect(g.call('fallocate', fd, 0, 0, 16)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'f')).size).toBe(16);
    expect(g.call('fallocate', fd, 0, 0, 0)).toBe(-E.EINVAL);
    expect(g.call('fallocate', fd, 0x100, 0, 1)).toBe(-E.EOPNOTSUPP);
    const ro = open('f', O_RDONLY);
    expect(g.call('fallocate', ro, 0, 0, 1)).toBe(-E.EBADF);
  });
});

describe('/proc files of the guest', () => {
  function read(p: string): string {
    const fd = open(p, O_RDONLY);
    expect(fd).toBeGreaterThanOrEqual(0);
    let out = '';
    for (let n; (n = g.call('read', fd, DATA, 4096)) > 0;) out += g.bytes(DATA, n).toString('latin1');
    g.call('close', fd);
    return out;
  }

  it('cpuinfo is arm64-shaped and decodes MIDR_EL1 (Cortex-A72 r0p3)', () => {
    const text = read('/proc/cpuinfo');
    const first = text.split('\n\n')[0];
    expect(first).toMatch(/^processor\t: 0\nBogoMIPS\t: 2000\.00\nFeatures\t: .*\nCPU implementer\t: 0x41\n/);
    expect(first).toContain('CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3');
  });

  it('stat and status describe the guest', () => {
    g.k.comm = 'guestname';
    g.k.sigmask = 1n << 9n; // SIGUSR1 blocked
    const stat = read('/proc/self/stat');
    expect(stat.startsWith(`${process.pid} (guestname) R `)).toBe(true);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
    expect(fields.length).toBeGreaterThanOrEqual(49);
    expect(Number(fields[2])).toBe(g.k.pgid); // field 5
    expect(Number(fields[17])).toBe(1); // field 20: threads
    const status = read('/proc/self/status');
    expect(status).toMatch(/^Name:\tguestname\n/);
    expect(status).toContain('\nThreads:\t1\n');
    expect(status).toContain('\nSigBlk:\t0000000000000200\n');
  });

  it('fd lists the guest descriptors (and the directory\'s own) and fdinfo has offset and flags', () => {
    file('f', 'abcdef');
    const fd = open('f', O_RDONLY | 0o2000000);
    g.call('lseek', fd, 4, 0);
    const dfd = open('/proc/self/fd', O_RDONLY | O_DIRECTORY);
    const n = g.call('getdents64', dfd, DATA, 4096);
    const names: string[] = [];
    for (let at = 0; at < n;) {
      const reclen = g.mem.dv.getUint16(DATA + at + 16, true);
      names.push(g.mem.readCString(DATA + at + 19, 256));
      at += reclen;
    }
    expect(names).toEqual(['.', '..', ...g.k.fds.list().map(String)]);
    expect(names).toContain(String(dfd));
    const info = read(`/proc/self/fdinfo/${fd}`);
    expect(info).toMatch(/^pos:\t4\nflags:\t02400000\n/); // O_CLOEXEC | O_LARGEFILE | O_RDONLY
    expect(open('/proc/self/fdinfo/999', O_RDONLY)).toBe(-E.ENOENT);
    expect(open('/proc/self/fd', O_RDWR | O_DIRECTORY)).toBe(-E.EISDIR);
    const len = g.call('readlinkat', AT_FDCWD, g.str('/proc/self/root', PATHS), DATA, 100);
    expect(g.bytes(DATA, len).toString()).toBe('/');
  });
});

describe('O_NONBLOCK set after pipe2', () => {
  it('an empty pipe reads EAGAIN once F_SETFL sets O_NONBLOCK, and data still flows', () => {
    const F_GETFL = 3, F_SETFL = 4, O_NONBLOCK = 0o4000;
    expect(g.call('pipe2', DATA, 0)).toBe(0);
    const r = g.u32(DATA), w = g.u32(DATA + 4);
    expect(g.call('fcntl', r, F_SETFL, O_NONBLOCK)).toBe(0);
    expect(g.call('fcntl', r, F_GETFL) & O_NONBLOCK).toBe(O_NONBLOCK);
    expect(g.call('read', r, DATA, 10)).toBe(-E.EAGAIN);
    expect(g.call('write', w, g.str('ping', DATA + 100), 4)).toBe(4);
    expect(g.call('read', r, DATA, 10)).toBe(4);
    expect(g.bytes(DATA, 4).toString()).toBe('ping');
    expect(g.call('read', r, DATA, 10)).toBe(-E.EAGAIN);
    // FIONBIO does the same through ioctl; closing the writer gives EOF, not EAGAIN.
    expect(g.call('close', w)).toBe(0);
    expect(g.call('read', r, DATA, 10)).toBe(0);
  });
});

describe('preadv, pwritev, preadv2, pwritev2, sync_file_range, readahead', () => {
  const IOV = BUF + 0x4000;
  function iov(...parts: [number, number][]): number {
    parts.forEach(([base, len], i) => {
      g.mem.dv.setBigUint64(IOV + i * 16, BigInt(base), true);
      g.mem.dv.setBigUint64(IOV + i * 16 + 8, BigInt(len), true);
    });
    return IOV;
  }

  it('reads and writes vectors at an offset without moving the file offset', () => {
    file('f', '0123456789');
    const fd = open('f', O_RDWR);
    expect(g.call('preadv', fd, iov([DATA, 3], [DATA + 100, 4]), 2, 2)).toBe(7);
    expect(g.bytes(DATA, 3).toString() + g.bytes(DATA + 100, 4).toString()).toBe('2345678');
    expect(g.call('lseek', fd, 0, 1)).toBe(0);
    g.str('ab', DATA); g.str('cd', DATA + 100);
    expect(g.call('pwritev', fd, iov([DATA, 2], [DATA + 100, 2]), 2, 8)).toBe(4);
    expect(fs.readFileSync(path.join(g.dir, 'f'), 'latin1')).toBe('01234567abcd');
    expect(g.call('preadv', fd, iov([DATA, 1]), 1, -1)).toBe(-E.EINVAL);
    // preadv2 with offset -1 uses and advances the file offset.
    expect(g.call('preadv2', fd, iov([DATA, 4]), 1, -1, 0, 0)).toBe(4);
    expect(g.call('lseek', fd, 0, 1)).toBe(4);
    expect(g.call('preadv2', fd, iov([DATA, 4]), 1, 0, 0, 0x40)).toBe(-E.EINVAL);
    // RWF_APPEND writes at the end whatever the offset says.
    g.str('Z', DATA);
    expect(g.call('pwritev2', fd, iov([DATA, 1]), 1, 0, 0, 0x10)).toBe(1);
    expect(fs.readFileSync(path.join(g.dir, 'f'), 'latin1')).toBe('01234567abcdZ');
    expect(g.call('pwritev2', fd, iov([DATA, 1]), 1, 0, 0, 0x30)).toBe(-E.EINVAL);
    expect(g.call('sync_file_range', fd, 0, 0, 7)).toBe(0);
    expect(g.call('sync_file_range', fd, 0, 0, 8)).toBe(-E.EINVAL);
    expect(g.call('sync_file_range', fd, -1, 0, 0)).toBe(-E.EINVAL);
    expect(g.call('readahead', fd, 0, 100)).toBe(0);
    expect(g.call('pipe2', DATA, 0)).toBe(0);
    expect(g.call('readahead', g.u32(DATA), 0, 100)).toBe(-E.EINVAL);
    expect(g.call('sync_file_range', g.u32(DATA), 0, 0, 0)).toBe(-E.ESPIPE);
    expect(g.call('readahead', g.u32(DATA + 4), 0, 100)).toBe(-E.EBADF);
  });
});

describe('extended attributes', () => {
  it('checks the path and name, then answers as a file system without xattrs', () => {
    file('f', '');
    const name = g.str('user.test', DATA);
    expect(g.call('getxattr', g.str('f', PATHS), name, DATA + 100, 10)).toBe(-E.EOPNOTSUPP);
    expect(g.call('getxattr', g.str('missing', PATHS), name, DATA + 100, 10)).toBe(-E.ENOENT);
    expect(g.call('lsetxattr', g.str('f', PATHS), name, DATA + 100, 1, 0)).toBe(-E.EOPNOTSUPP);
    expect(g.call('setxattr', g.str('f', PATHS), name, DATA + 100, 1, 4)).toBe(-E.EINVAL);
    expect(g.call('listxattr', g.str('f', PATHS), DATA + 100, 100)).toBe(-E.EOPNOTSUPP);
    expect(g.call('getxattr', g.str('f', PATHS), g.str('', DATA + 200), DATA + 100, 10)).toBe(-E.ERANGE);
    const fd = open('f', O_RDONLY);
    expect(g.call('fgetxattr', fd, name, DATA + 100, 10)).toBe(-E.EOPNOTSUPP);
    expect(g.call('fgetxattr', 99, name, DATA + 100, 10)).toBe(-E.EBADF);
    expect(g.call('fremovexattr', fd, 0xdead0000)).toBe(-E.EFAULT);
  });
});

describe('chroot', () => {
  it('confines root to the directory; others get EPERM', () => {
    fs.mkdirSync(path.join(g.dir, 'jail/etc'), { recursive: true });
    fs.writeFileSync(path.join(g.dir, 'jail/etc/x'), 'jailed');
    expect(g.call('chroot', g.str('missing', PATHS))).toBe(-E.ENOENT);
    file('plain', '');
    expect(g.call('chroot', g.str('plain', PATHS))).toBe(-E.ENOTDIR);
    const r = g.call('chroot', g.str('jail', PATHS));
    if (process.getuid?.() !== 0) {
      expect(r).toBe(-E.EPERM);
      return;
    }
    expect(r).toBe(0);
    const fd = open('/etc/x', O_RDONLY);
    expect(g.call('read', fd, DATA, 10)).toBe(6);
    expect(open('/../../plain', O_RDONLY)).toBe(-E.ENOENT);
    g.k.paths.root = null; // the harness cleans up through host paths
  });
});

describe('fstatfs on the kernel\'s own files', () => {
  it('reports procfs for /proc/self/maps', () => {
    const fd = g.call('openat', AT_FDCWD, g.str('/proc/self/maps', PATHS), O_RDONLY, 0);
    expect(g.call('fstatfs', fd, DATA)).toBe(0);
    expect(g.i64(DATA)).toBe(0x9fa0n); // PROC_SUPER_MAGIC
    expect(g.i64(DATA + 8)).toBe(4096n);
  });
});
