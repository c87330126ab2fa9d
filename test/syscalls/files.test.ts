// open/read/write/seek and friends against real files in a temporary directory. Expected
// values follow Linux (man 2 pages, asm-generic layouts), not tsemu's own output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GuestKilled } from '../../src/syscalls/kernel.js';
import { OpenFile } from '../../src/vfs/file.js';
import { BUF, E, makeGuest, type Guest } from './harness.js';

const AT_FDCWD = -100;
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000;
const O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_DIRECTORY = 0o40000, O_NOFOLLOW = 0o100000;
const O_LARGEFILE = 0o400000, O_CLOEXEC = 0o2000000, O_PATH = 0o10000000;
const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
const BAD = 0xdead0000; // unmapped
const PATHS = BUF + 0x8000;
const DATA = BUF + 0x1000;

let g: Guest;
beforeEach(() => { g = makeGuest(); });
afterEach(() => {
  expect(g.internal).toEqual([]);
  g.cleanup();
});

function open(p: string, flags: number, mode = 0o644): number {
  return g.call('openat', AT_FDCWD, g.str(p, PATHS), flags, mode);
}
function put(data: string | Buffer, addr = DATA): number {
  g.mem.u8.set(typeof data === 'string' ? Buffer.from(data) : data, addr);
  return addr;
}

describe('openat, close', () => {
  it('creates, opens relative to the guest cwd and to a dirfd, and closes', () => {
    const fd = open('a.txt', O_CREAT | O_WRONLY | O_EXCL, 0o600);
    expect(fd).toBe(3);
    expect(fs.existsSync(path.join(g.dir, 'a.txt'))).toBe(true);
    expect(fs.statSync(path.join(g.dir, 'a.txt')).mode & 0o777).toBe(0o600);
    expect(open('a.txt', O_CREAT | O_EXCL | O_WRONLY)).toBe(-E.EEXIST);
    fs.mkdirSync(path.join(g.dir, 'sub'));
    fs.writeFileSync(path.join(g.dir, 'sub/b'), 'b');
    const dfd = open('sub', O_RDONLY | O_DIRECTORY);
    expect(dfd).toBe(4);
    const bfd = g.call('openat', dfd, g.str('b', PATHS), O_RDONLY, 0);
    expect(bfd).toBe(5);
    expect(g.call('openat', fd, g.str('b', PATHS), O_RDONLY, 0)).toBe(-E.ENOTDIR);
    expect(g.call('openat', 99, g.str('b', PATHS), O_RDONLY, 0)).toBe(-E.EBADF);
    expect(g.call('close', bfd)).toBe(0);
    expect(g.call('close', bfd)).toBe(-E.EBADF);
    expect(g.call('close', -1)).toBe(-E.EBADF);
    // The lowest free descriptor is reused.
    expect(open('a.txt', O_RDONLY)).toBe(5);
  });

  it('reports the usual errors', () => {
    expect(open('missing', O_RDONLY)).toBe(-E.ENOENT);
    expect(open('', O_RDONLY)).toBe(-E.ENOENT);
    expect(g.call('openat', AT_FDCWD, 0, O_RDONLY, 0)).toBe(-E.EFAULT);
    expect(g.call('openat', AT_FDCWD, BAD, O_RDONLY, 0)).toBe(-E.EFAULT);
    expect(g.call('openat', AT_FDCWD, 0xfffffffe, O_RDONLY, 0)).toBe(-E.EFAULT);
    expect(g.call('openat', AT_FDCWD, 2n ** 63n, O_RDONLY, 0)).toBe(-E.EFAULT);
    g.mem.u8.fill(0x61, PATHS, PATHS + 4096);
    expect(g.call('openat', AT_FDCWD, PATHS, O_RDONLY, 0)).toBe(-E.ENAMETOOLONG);
    fs.writeFileSync(path.join(g.dir, 'f'), 'x');
    expect(open('f', O_RDONLY | O_DIRECTORY)).toBe(-E.ENOTDIR);
    expect(open('f/', O_RDONLY)).toBe(-E.ENOTDIR);
    expect(open('.', O_WRONLY)).toBe(-E.EISDIR);
    fs.symlinkSync('f', path.join(g.dir, 'link'));
    expect(open('link', O_RDONLY | O_NOFOLLOW)).toBe(-E.ELOOP);
  });

  it('keeps the status flags F_GETFL reports', () => {
    const fd = open('g', O_CREAT | O_RDWR | O_APPEND | O_TRUNC | O_CLOEXEC);
    expect(g.call('fcntl', fd, 3)).toBe(O_RDWR | O_APPEND | O_LARGEFILE);
    expect(g.call('fcntl', fd, 1)).toBe(1); // FD_CLOEXEC
  });

  it('opens with O_PATH: fstat works, read does not', () => {
    fs.writeFileSync(path.join(g.dir, 'p'), 'data');
    const fd = open('p', O_PATH);
    expect(fd).toBeGreaterThanOrEqual(3);
    expect(g.call('fstat', fd, BUF)).toBe(0);
    expect(g.i64(BUF + 48)).toBe(4n);
    expect(g.call('read', fd, DATA, 4)).toBe(-E.EBADF);
  });
});

describe('read, write, lseek', () => {
  it('reads and writes at the file offset and seeks', () => {
    const fd = open('f', O_CREAT | O_RDWR);
    expect(g.call('write', fd, put('hello world'), 11)).toBe(11);
    expect(g.call('lseek', fd, 0, SEEK_CUR)).toBe(11);
    expect(g.call('lseek', fd, 6, SEEK_SET)).toBe(6);
    expect(g.call('read', fd, BUF, 100)).toBe(5);
    expect(g.bytes(BUF, 5).toString()).toBe('world');
    expect(g.call('read', fd, BUF, 100)).toBe(0);
    expect(g.call('lseek', fd, -5, SEEK_END)).toBe(6);
    expect(g.call('lseek', fd, -100, SEEK_CUR)).toBe(-E.EINVAL);
    expect(g.call('lseek', fd, 0, 5)).toBe(-E.EINVAL);
    // Seeking past the end and writing leaves a hole of zeros.
    expect(g.call('lseek', fd, 20, SEEK_SET)).toBe(20);
    expect(g.call('write', fd, put('!'), 1)).toBe(1);
    const content = fs.readFileSync(path.join(g.dir, 'f'));
    expect(content.length).toBe(21);
    expect(content.subarray(11, 20).every((b) => b === 0)).toBe(true);
    expect(g.call('lseek', fd, 3, SEEK_DATA)).toBe(3);
    expect(g.call('lseek', fd, 3, SEEK_HOLE)).toBe(21);
    expect(g.call('lseek', fd, 21, SEEK_DATA)).toBe(-E.ENXIO);
  });

  it('shares the offset between dup\'d descriptors', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), 'abcdef');
    const fd = open('f', O_RDONLY);
    const fd2 = g.call('dup', fd);
    expect(g.call('read', fd, BUF, 2)).toBe(2);
    expect(g.call('read', fd2, BUF, 2)).toBe(2);
    expect(g.bytes(BUF, 2).toString()).toBe('cd');
    expect(g.call('lseek', fd2, 0, SEEK_CUR)).toBe(4);
  });

  it('appends with O_APPEND wherever the offset is', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), 'abc');
    const fd = open('f', O_WRONLY | O_APPEND);
    expect(g.call('lseek', fd, 0, SEEK_SET)).toBe(0);
    expect(g.call('write', fd, put('def'), 3)).toBe(3);
    expect(fs.readFileSync(path.join(g.dir, 'f'), 'utf8')).toBe('abcdef');
    expect(g.call('lseek', fd, 0, SEEK_CUR)).toBe(6);
  });

  it('checks the access mode and the descriptor', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), 'abc');
    const ro = open('f', O_RDONLY);
    const wo = open('f', O_WRONLY);
    expect(g.call('write', ro, DATA, 1)).toBe(-E.EBADF);
    expect(g.call('read', wo, BUF, 1)).toBe(-E.EBADF);
    expect(g.call('read', 77, BUF, 1)).toBe(-E.EBADF);
    expect(g.call('write', -1, BUF, 1)).toBe(-E.EBADF);
    expect(g.call('lseek', 77, 0, SEEK_SET)).toBe(-E.EBADF);
    const dfd = open('.', O_RDONLY | O_DIRECTORY);
    expect(g.call('read', dfd, BUF, 10)).toBe(-E.EISDIR);
  });

  it('faults on bad buffers, and transfers the good prefix of a partly bad one', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), 'abcdefgh');
    const fd = open('f', O_RDONLY);
    expect(g.call('read', fd, BAD, 4)).toBe(-E.EFAULT);
    expect(g.call('read', fd, 0, 4)).toBe(-E.EFAULT);
    expect(g.call('read', fd, BUF, 2n ** 63n)).toBe(-E.EFAULT); // beyond the user address space
    // The buffer's last 3 bytes are mapped, then the next page is not: a short read.
    const end = BUF + 0x10000;
    expect(g.call('read', fd, end - 3, 8)).toBe(3);
    expect(g.bytes(end - 3, 3).toString()).toBe('abc');
    expect(g.call('read', fd, 0, 0)).toBe(0); // nothing to transfer: no fault
    const wfd = open('out', O_CREAT | O_WRONLY);
    expect(g.call('write', wfd, BAD, 4)).toBe(-E.EFAULT);
    put('xyz', end - 3);
    expect(g.call('write', wfd, end - 3, 100)).toBe(3);
    expect(fs.readFileSync(path.join(g.dir, 'out'), 'utf8')).toBe('xyz');
  });

  it('reads /dev/null as empty and seeks it to 0', () => {
    const fd = open('/dev/null', O_RDWR);
    expect(g.call('read', fd, BUF, 10)).toBe(0);
    expect(g.call('write', fd, BUF, 10)).toBe(10);
    expect(g.call('lseek', fd, 100, SEEK_SET)).toBe(0);
  });
});

describe('pread64, pwrite64, readv, writev, sendfile', () => {
  it('transfers at a position without moving the offset', () => {
    const fd = open('f', O_CREAT | O_RDWR);
    expect(g.call('pwrite64', fd, put('0123456789'), 10, 5)).toBe(10);
    expect(g.call('lseek', fd, 0, SEEK_CUR)).toBe(0);
    expect(g.call('pread64', fd, BUF, 4, 7)).toBe(4);
    expect(g.bytes(BUF, 4).toString()).toBe('2345');
    expect(g.call('pread64', fd, BUF, 4, 100)).toBe(0);
    expect(g.call('pread64', fd, BUF, 4, -1)).toBe(-E.EINVAL);
    expect(g.call('pwrite64', fd, BUF, 4, -1)).toBe(-E.EINVAL);
    expect(g.call('pread64', 99, BUF, 4, 0)).toBe(-E.EBADF);
    expect(g.call('pread64', fd, BAD, 4, 0)).toBe(-E.EFAULT);
  });

  it('refuses positions on a pipe (ESPIPE)', () => {
    expect(g.call('pipe2', BUF, 0)).toBe(0);
    const [r, w] = [g.u32(BUF), g.u32(BUF + 4)];
    expect(g.call('pwrite64', w, put('x'), 1, 0)).toBe(-E.ESPIPE);
    expect(g.call('pread64', r, BUF + 8, 1, 0)).toBe(-E.ESPIPE);
    expect(g.call('lseek', r, 0, SEEK_CUR)).toBe(-E.ESPIPE);
  });

  it('gathers and scatters iovecs', () => {
    const fd = open('f', O_CREAT | O_RDWR);
    const iov = BUF + 0x100;
    const a = put('hello ', DATA);
    const b = put('world', DATA + 0x40);
    g.mem.dv.setBigUint64(iov, BigInt(a), true);
    g.mem.dv.setBigUint64(iov + 8, 6n, true);
    g.mem.dv.setBigUint64(iov + 16, BigInt(b), true);
    g.mem.dv.setBigUint64(iov + 24, 5n, true);
    expect(g.call('writev', fd, iov, 2)).toBe(11);
    expect(fs.readFileSync(path.join(g.dir, 'f'), 'utf8')).toBe('hello world');
    expect(g.call('lseek', fd, 0, SEEK_SET)).toBe(0);
    g.mem.dv.setBigUint64(iov, BigInt(BUF + 0x200), true);
    g.mem.dv.setBigUint64(iov + 8, 3n, true);
    g.mem.dv.setBigUint64(iov + 16, BigInt(BUF + 0x300), true);
    g.mem.dv.setBigUint64(iov + 24, 100n, true);
    expect(g.call('readv', fd, iov, 2)).toBe(11);
    expect(g.bytes(BUF + 0x200, 3).toString()).toBe('hel');
    expect(g.bytes(BUF + 0x300, 8).toString()).toBe('lo world');
    expect(g.call('readv', fd, iov, 0)).toBe(0);
    expect(g.call('readv', fd, iov, -1)).toBe(-E.EINVAL);
    expect(g.call('writev', fd, iov, 1025)).toBe(-E.EINVAL);
    expect(g.call('writev', fd, BAD, 1)).toBe(-E.EFAULT);
    g.mem.dv.setBigUint64(iov, BigInt(BAD), true);
    expect(g.call('writev', fd, iov, 1)).toBe(-E.EFAULT);
  });

  it('copies between files with sendfile', () => {
    fs.writeFileSync(path.join(g.dir, 'src'), 'abcdefgh');
    const inFd = open('src', O_RDONLY);
    const outFd = open('dst', O_CREAT | O_WRONLY);
    g.mem.dv.setBigInt64(BUF, 2n, true);
    expect(g.call('sendfile', outFd, inFd, BUF, 3)).toBe(3);
    expect(g.i64(BUF)).toBe(5n);
    expect(g.call('lseek', inFd, 0, SEEK_CUR)).toBe(0);
    expect(g.call('sendfile', outFd, inFd, 0, 100)).toBe(8);
    expect(fs.readFileSync(path.join(g.dir, 'dst'), 'utf8')).toBe('cdeabcdefgh');
  });
});

describe('fstat, newfstatat, statx', () => {
  it('fills struct stat (asm-generic layout)', () => {
    const p = path.join(g.dir, 'f');
    fs.writeFileSync(p, 'x'.repeat(5000));
    fs.utimesSync(p, 1_000_000_000.25, 1_100_000_000.5);
    const st = fs.statSync(p, { bigint: true });
    const fd = open('f', O_RDONLY);
    expect(g.call('fstat', fd, BUF)).toBe(0);
    expect(g.u64(BUF)).toBe(st.dev);
    expect(g.u64(BUF + 8)).toBe(st.ino);
    expect(g.u32(BUF + 16)).toBe(0o100644);
    expect(g.u32(BUF + 20)).toBe(1);
    expect(g.i64(BUF + 48)).toBe(5000n);
    expect(g.mem.dv.getInt32(BUF + 56, true)).toBe(Number(st.blksize));
    expect(g.i64(BUF + 64)).toBe(st.blocks);
    expect(g.i64(BUF + 72)).toBe(1_000_000_000n); // atime
    expect(g.i64(BUF + 80)).toBe(250_000_000n);
    expect(g.i64(BUF + 88)).toBe(1_100_000_000n); // mtime
    expect(g.i64(BUF + 96)).toBe(500_000_000n);
    expect(g.call('fstat', 99, BUF)).toBe(-E.EBADF);
    expect(g.call('fstat', fd, BAD)).toBe(-E.EFAULT);
  });

  it('stats by path, follows or not, and by descriptor with AT_EMPTY_PATH', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), 'abc');
    fs.symlinkSync('f', path.join(g.dir, 'l'));
    expect(g.call('newfstatat', AT_FDCWD, g.str('l', PATHS), BUF, 0)).toBe(0);
    expect(g.u32(BUF + 16)).toBe(0o100644);
    expect(g.call('newfstatat', AT_FDCWD, g.str('l', PATHS), BUF, 0x100)).toBe(0);
    expect(g.u32(BUF + 16) & 0o170000).toBe(0o120000);
    const fd = open('f', O_RDONLY);
    expect(g.call('newfstatat', fd, g.str('', PATHS), BUF, 0x1000)).toBe(0);
    expect(g.i64(BUF + 48)).toBe(3n);
    expect(g.call('newfstatat', fd, g.str('', PATHS), BUF, 0)).toBe(-E.ENOENT);
    expect(g.call('newfstatat', AT_FDCWD, g.str('nope', PATHS), BUF, 0)).toBe(-E.ENOENT);
    expect(g.call('newfstatat', AT_FDCWD, g.str('f/', PATHS), BUF, 0)).toBe(-E.ENOTDIR);
    expect(g.call('newfstatat', fd, g.str('x', PATHS), BUF, 0)).toBe(-E.ENOTDIR);
    expect(g.call('newfstatat', AT_FDCWD, g.str('f', PATHS), BUF, 0x8000)).toBe(-E.EINVAL);
    expect(g.call('newfstatat', AT_FDCWD, BAD, BUF, 0)).toBe(-E.EFAULT);
    expect(g.call('newfstatat', AT_FDCWD, g.str('f', PATHS), BAD, 0)).toBe(-E.EFAULT);
  });

  it('fills struct statx', () => {
    const p = path.join(g.dir, 'f');
    fs.writeFileSync(p, 'abcdef');
    fs.utimesSync(p, 1_000_000_000, 1_200_000_000.75);
    const st = fs.statSync(p, { bigint: true });
    expect(g.call('statx', AT_FDCWD, g.str('f', PATHS), 0, 0xfff, BUF)).toBe(0);
    expect(g.u32(BUF) & 0x7ff).toBe(0x7ff); // STATX_BASIC_STATS
    expect(g.u32(BUF + 16)).toBe(1); // nlink
    expect(g.mem.dv.getUint16(BUF + 28, true)).toBe(0o100644);
    expect(g.u64(BUF + 32)).toBe(st.ino);
    expect(g.u64(BUF + 40)).toBe(6n);
    expect(g.i64(BUF + 64)).toBe(1_000_000_000n); // atime
    expect(g.i64(BUF + 112)).toBe(1_200_000_000n); // mtime
    expect(g.u32(BUF + 120)).toBe(750_000_000);
    const dev = st.dev;
    expect(g.u32(BUF + 136)).toBe(Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)));
    expect(g.u32(BUF + 140)).toBe(Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)));
    expect(g.call('statx', AT_FDCWD, g.str('f', PATHS), 0x6000, 0xfff, BUF)).toBe(-E.EINVAL);
    expect(g.call('statx', AT_FDCWD, g.str('f', PATHS), 0, 0x80000000, BUF)).toBe(-E.EINVAL);
    const fd = open('f', O_RDONLY);
    expect(g.call('statx', fd, 0, 0x1000, 0xfff, BUF)).toBe(0);
    expect(g.u64(BUF + 40)).toBe(6n);
  });

  it('reports file system statistics', () => {
    const sf = fs.statfsSync(g.dir, { bigint: true });
    expect(g.call('statfs', g.str('.', PATHS), BUF)).toBe(0);
    expect(g.i64(BUF)).toBe(sf.type);
    expect(g.i64(BUF + 8)).toBe(sf.bsize);
    expect(g.i64(BUF + 16)).toBe(sf.blocks);
    const fd = open('.', O_RDONLY | O_DIRECTORY);
    expect(g.call('fstatfs', fd, BUF + 0x200)).toBe(0);
    expect(g.i64(BUF + 0x200)).toBe(sf.type);
    expect(g.call('statfs', g.str('nope', PATHS), BUF)).toBe(-E.ENOENT);
    expect(g.call('fstatfs', 99, BUF)).toBe(-E.EBADF);
  });
});

describe('getdents64', () => {
  function names(fd: number, size = 4096): string[] {
    const out: string[] = [];
    for (;;) {
      const n = g.call('getdents64', fd, BUF, size);
      expect(n).toBeGreaterThanOrEqual(0);
      if (n === 0) return out;
      for (let at = BUF; at < BUF + n;) {
        const reclen = g.mem.dv.getUint16(at + 16, true);
        expect(reclen % 8).toBe(0);
        const name = g.bytes(at + 19, reclen - 19);
        out.push(name.subarray(0, name.indexOf(0)).toString());
        at += reclen;
      }
    }
  }

  it('lists a directory with types, in several calls when the buffer is small', () => {
    fs.writeFileSync(path.join(g.dir, 'file'), '');
    fs.mkdirSync(path.join(g.dir, 'dir'));
    const fd = open('.', O_RDONLY | O_DIRECTORY);
    expect(names(fd, 48).sort()).toEqual(['.', '..', 'dir', 'file']);
    expect(g.call('lseek', fd, 0, SEEK_SET)).toBe(0);
    const n = g.call('getdents64', fd, BUF, 4096);
    let at = BUF;
    const types: Record<string, number> = {};
    while (at < BUF + n) {
      const reclen = g.mem.dv.getUint16(at + 16, true);
      const name = g.bytes(at + 19, reclen - 19);
      types[name.subarray(0, name.indexOf(0)).toString()] = g.mem.u8[at + 18];
      at += reclen;
    }
    expect(types).toEqual({ '.': 4, '..': 4, dir: 4, file: 8 });
  });

  it('fails as Linux does', () => {
    const fd = open('.', O_RDONLY | O_DIRECTORY);
    expect(g.call('getdents64', fd, BUF, 10)).toBe(-E.EINVAL); // too small for one entry
    expect(g.call('getdents64', fd, BAD, 4096)).toBe(-E.EFAULT);
    expect(g.call('getdents64', 99, BUF, 4096)).toBe(-E.EBADF);
    fs.writeFileSync(path.join(g.dir, 'f'), '');
    expect(g.call('getdents64', open('f', O_RDONLY), BUF, 4096)).toBe(-E.ENOTDIR);
  });
});

describe('faccessat, readlinkat, getcwd, chdir', () => {
  it('checks access', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), '');
    expect(g.call('faccessat', AT_FDCWD, g.str('f', PATHS), 0)).toBe(0);
    expect(g.call('faccessat', AT_FDCWD, g.str('f', PATHS), 4)).toBe(0);
    expect(g.call('faccessat', AT_FDCWD, g.str('nope', PATHS), 0)).toBe(-E.ENOENT);
    expect(g.call('faccessat', AT_FDCWD, g.str('f', PATHS), 8)).toBe(-E.EINVAL);
    expect(g.call('faccessat2', AT_FDCWD, g.str('f', PATHS), 0, 0x200)).toBe(0);
    expect(g.call('faccessat2', AT_FDCWD, g.str('f', PATHS), 0, 0x4)).toBe(-E.EINVAL);
    if (process.getuid?.() !== 0) expect(g.call('faccessat', AT_FDCWD, g.str('f', PATHS), 1)).toBe(-E.EACCES);
  });

  it('reads links, with /proc/self/exe naming the guest binary', () => {
    fs.symlinkSync('target/x', path.join(g.dir, 'l'));
    expect(g.call('readlinkat', AT_FDCWD, g.str('l', PATHS), BUF, 100)).toBe(8);
    expect(g.bytes(BUF, 8).toString()).toBe('target/x');
    expect(g.call('readlinkat', AT_FDCWD, g.str('l', PATHS), BUF, 3)).toBe(3); // truncated, no NUL
    expect(g.call('readlinkat', AT_FDCWD, g.str('l', PATHS), BUF, 0)).toBe(-E.EINVAL);
    expect(g.call('readlinkat', AT_FDCWD, g.str('l', PATHS), BUF, -1)).toBe(-E.EINVAL);
    fs.writeFileSync(path.join(g.dir, 'f'), '');
    expect(g.call('readlinkat', AT_FDCWD, g.str('f', PATHS), BUF, 100)).toBe(-E.EINVAL);
    expect(g.call('readlinkat', AT_FDCWD, g.str('nope', PATHS), BUF, 100)).toBe(-E.ENOENT);
    expect(g.call('readlinkat', AT_FDCWD, g.str('l', PATHS), BAD, 100)).toBe(-E.EFAULT);
    const exe = path.join(g.dir, 'prog');
    fs.writeFileSync(exe, '');
    fs.symlinkSync('prog', path.join(g.dir, 'prog-link'));
    g.k.setProgram(path.join(g.dir, 'prog-link'), ['prog'], [], 0);
    const n = g.call('readlinkat', AT_FDCWD, g.str('/proc/self/exe', PATHS), BUF, 4096);
    expect(g.bytes(BUF, n).toString()).toBe(exe); // absolute, symlinks resolved, as Linux shows it
    const fd = open('f', O_RDONLY);
    const m = g.call('readlinkat', AT_FDCWD, g.str(`/proc/self/fd/${fd}`, PATHS), BUF, 4096);
    expect(g.bytes(BUF, m).toString()).toBe(path.join(g.dir, 'f'));
  });

  it('reports and changes the working directory', () => {
    expect(g.call('getcwd', BUF, 4096)).toBe(g.dir.length + 1);
    expect(g.bytes(BUF, g.dir.length + 1).toString()).toBe(g.dir + '\0');
    expect(g.call('getcwd', BUF, g.dir.length)).toBe(-E.ERANGE);
    expect(g.call('getcwd', BAD, 4096)).toBe(-E.EFAULT);
    fs.mkdirSync(path.join(g.dir, 'sub'));
    fs.writeFileSync(path.join(g.dir, 'sub/in'), 'x');
    expect(g.call('chdir', g.str('sub', PATHS))).toBe(0);
    expect(g.call('getcwd', BUF, 4096)).toBe(g.dir.length + 5);
    expect(open('in', O_RDONLY)).toBeGreaterThanOrEqual(3);
    expect(g.call('chdir', g.str('in', PATHS))).toBe(-E.ENOTDIR);
    expect(g.call('chdir', g.str('nope', PATHS))).toBe(-E.ENOENT);
    const dfd = open('..', O_RDONLY | O_DIRECTORY);
    expect(g.call('fchdir', dfd)).toBe(0);
    expect(g.call('getcwd', BUF, 4096)).toBe(g.dir.length + 1);
  });
});

describe('directory entries and names', () => {
  it('makes and removes directories and files', () => {
    expect(g.call('mkdirat', AT_FDCWD, g.str('d', PATHS), 0o750)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'd')).mode & 0o777).toBe(0o750 & ~0o022);
    expect(g.call('mkdirat', AT_FDCWD, g.str('d', PATHS), 0o755)).toBe(-E.EEXIST);
    fs.writeFileSync(path.join(g.dir, 'd/f'), '');
    expect(g.call('unlinkat', AT_FDCWD, g.str('d', PATHS), 0x200)).toBe(-E.ENOTEMPTY);
    expect(g.call('unlinkat', AT_FDCWD, g.str('d', PATHS), 0)).toBe(-E.EISDIR);
    expect(g.call('unlinkat', AT_FDCWD, g.str('d/f', PATHS), 0)).toBe(0);
    expect(g.call('unlinkat', AT_FDCWD, g.str('d', PATHS), 0x200)).toBe(0);
    expect(g.call('unlinkat', AT_FDCWD, g.str('d', PATHS), 0x200)).toBe(-E.ENOENT);
    expect(g.call('unlinkat', AT_FDCWD, g.str('x', PATHS), 1)).toBe(-E.EINVAL);
  });

  it('renames, links and symlinks', () => {
    fs.writeFileSync(path.join(g.dir, 'a'), 'A');
    fs.writeFileSync(path.join(g.dir, 'b'), 'B');
    const a = g.str('a', PATHS);
    const b = g.str('b', PATHS + 16);
    const c = g.str('c', PATHS + 32);
    expect(g.call('renameat2', AT_FDCWD, a, AT_FDCWD, b, 1)).toBe(-E.EEXIST); // RENAME_NOREPLACE
    expect(g.call('renameat2', AT_FDCWD, a, AT_FDCWD, c, 1)).toBe(0);
    expect(g.call('renameat', AT_FDCWD, c, AT_FDCWD, b)).toBe(0);
    expect(fs.readFileSync(path.join(g.dir, 'b'), 'utf8')).toBe('A');
    expect(g.call('renameat2', AT_FDCWD, a, AT_FDCWD, c, 0)).toBe(-E.ENOENT);
    expect(g.call('renameat2', AT_FDCWD, b, AT_FDCWD, c, 8)).toBe(-E.EINVAL);
    expect(g.call('linkat', AT_FDCWD, b, AT_FDCWD, c, 0)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'b')).nlink).toBe(2);
    expect(g.call('linkat', AT_FDCWD, b, AT_FDCWD, c, 0)).toBe(-E.EEXIST);
    expect(g.call('symlinkat', g.str('b', PATHS + 48), AT_FDCWD, g.str('s', PATHS + 64))).toBe(0);
    expect(fs.readlinkSync(path.join(g.dir, 's'))).toBe('b');
  });
});

describe('attributes', () => {
  it('changes modes and owners', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), '');
    const fd = open('f', O_RDONLY);
    expect(g.call('fchmod', fd, 0o640)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'f')).mode & 0o7777).toBe(0o640);
    expect(g.call('fchmodat', AT_FDCWD, g.str('f', PATHS), 0o604)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'f')).mode & 0o7777).toBe(0o604);
    expect(g.call('fchmod', 99, 0o600)).toBe(-E.EBADF);
    const uid = process.getuid!(), gid = process.getgid!();
    expect(g.call('fchown', fd, uid, gid)).toBe(0);
    expect(g.call('fchownat', AT_FDCWD, g.str('f', PATHS), 0xffffffff, 0xffffffff, 0)).toBe(0);
    expect(g.call('fchownat', AT_FDCWD, g.str('f', PATHS), uid, gid, 0x4)).toBe(-E.EINVAL);
  });

  it('sets times with utimensat, honouring UTIME_OMIT', () => {
    const p = path.join(g.dir, 'f');
    fs.writeFileSync(p, '');
    fs.utimesSync(p, 100, 200);
    const ts = BUF + 0x100;
    g.mem.dv.setBigInt64(ts, 5000n, true);
    g.mem.dv.setBigInt64(ts + 8, 0n, true);
    g.mem.dv.setBigInt64(ts + 16, 0n, true);
    g.mem.dv.setBigInt64(ts + 24, (1n << 30n) - 2n, true); // UTIME_OMIT
    expect(g.call('utimensat', AT_FDCWD, g.str('f', PATHS), ts, 0)).toBe(0);
    let st = fs.statSync(p);
    expect(st.atimeMs).toBe(5000_000);
    expect(st.mtimeMs).toBe(200_000);
    const fd = open('f', O_RDONLY);
    expect(g.call('utimensat', fd, 0, 0, 0)).toBe(0); // futimens(fd, NULL): now
    st = fs.statSync(p);
    expect(Math.abs(st.mtimeMs - Date.now())).toBeLessThan(10_000);
    g.mem.dv.setBigInt64(ts + 8, 1_000_000_000n, true);
    expect(g.call('utimensat', AT_FDCWD, g.str('f', PATHS), ts, 0)).toBe(-E.EINVAL);
    expect(g.call('utimensat', AT_FDCWD, g.str('f', PATHS), BAD, 0)).toBe(-E.EFAULT);
  });

  it('truncates and syncs', () => {
    fs.writeFileSync(path.join(g.dir, 'f'), 'abcdef');
    expect(g.call('truncate', g.str('f', PATHS), 2)).toBe(0);
    expect(fs.readFileSync(path.join(g.dir, 'f'), 'utf8')).toBe('ab');
    expect(g.call('truncate', g.str('f', PATHS), -1)).toBe(-E.EINVAL);
    expect(g.call('truncate', g.str('.', PATHS), 0)).toBe(-E.EISDIR);
    const ro = open('f', O_RDONLY);
    const rw = open('f', O_RDWR);
    expect(g.call('ftruncate', ro, 0)).toBe(-E.EINVAL);
    expect(g.call('ftruncate', rw, 10)).toBe(0);
    expect(fs.statSync(path.join(g.dir, 'f')).size).toBe(10);
    expect(g.call('ftruncate', 99, 0)).toBe(-E.EBADF);
    expect(g.call('fsync', rw)).toBe(0);
    expect(g.call('fdatasync', rw)).toBe(0);
    expect(g.call('fsync', 99)).toBe(-E.EBADF);
    expect(g.call('pipe2', BUF, 0)).toBe(0);
    expect(g.call('fsync', g.u32(BUF))).toBe(-E.EINVAL);
  });

  it('sets the umask the guest creates files with', () => {
    expect(g.call('umask', 0o077)).toBe(0o022);
    expect(g.call('umask', 0o027)).toBe(0o077);
    const fd = open('f', O_CREAT | O_WRONLY, 0o666);
    expect(fd).toBeGreaterThanOrEqual(3);
    expect(fs.statSync(path.join(g.dir, 'f')).mode & 0o777).toBe(0o640);
  });
});

describe('pipe2, dup, dup3, fcntl', () => {
  it('makes a pipe whose ends carry data and report EOF', () => {
    expect(g.call('pipe2', BUF, O_CLOEXEC)).toBe(0);
    const [r, w] = [g.u32(BUF), g.u32(BUF + 4)];
    expect([r, w]).toEqual([3, 4]);
    expect(g.call('fcntl', r, 1)).toBe(1);
    expect(g.call('fcntl', r, 3)).toBe(O_RDONLY);
    expect(g.call('fcntl', w, 3)).toBe(O_WRONLY);
    expect(g.call('write', w, put('ping'), 4)).toBe(4);
    expect(g.call('read', r, BUF + 16, 100)).toBe(4);
    expect(g.bytes(BUF + 16, 4).toString()).toBe('ping');
    expect(g.call('fstat', r, BUF + 0x100)).toBe(0);
    expect(g.u32(BUF + 0x100 + 16) & 0o170000).toBe(0o010000);
    expect(g.call('close', w)).toBe(0);
    expect(g.call('read', r, BUF + 16, 100)).toBe(0);
    expect(g.call('pipe2', BUF, 0x1)).toBe(-E.EINVAL);
    expect(g.call('pipe2', BAD, 0)).toBe(-E.EFAULT);
  });

  it('gives EAGAIN on an empty non-blocking pipe', () => {
    expect(g.call('pipe2', BUF, O_NONBLOCK)).toBe(0);
    expect(g.call('read', g.u32(BUF), BUF + 16, 10)).toBe(-E.EAGAIN);
  });

  it('kills the guest with SIGPIPE on a pipe without readers, or fails with EPIPE if ignored', () => {
    expect(g.call('pipe2', BUF, 0)).toBe(0);
    const [r, w] = [g.u32(BUF), g.u32(BUF + 4)];
    g.call('close', r);
    let thrown: unknown;
    try { g.call('write', w, put('x'), 1); } catch (err) { thrown = err; }
    expect(thrown).toBeInstanceOf(GuestKilled);
    expect((thrown as GuestKilled).signal).toBe(13);
    g.mem.dv.setBigUint64(BUF + 0x100, 1n, true); // SIG_IGN
    for (let i = 8; i < 32; i += 8) g.mem.dv.setBigUint64(BUF + 0x100 + i, 0n, true);
    expect(g.call('rt_sigaction', 13, BUF + 0x100, 0, 8)).toBe(0);
    expect(g.call('write', w, put('x'), 1)).toBe(-E.EPIPE);
  });

  it('duplicates descriptors', () => {
    expect(g.call('dup', 99)).toBe(-E.EBADF);
    const fd = open('f', O_CREAT | O_RDWR);
    expect(g.call('dup3', fd, 10, O_CLOEXEC)).toBe(10);
    expect(g.call('fcntl', 10, 1)).toBe(1);
    expect(g.call('dup3', fd, fd, 0)).toBe(-E.EINVAL);
    expect(g.call('dup3', fd, 11, 1)).toBe(-E.EINVAL);
    expect(g.call('dup3', 99, 11, 0)).toBe(-E.EBADF);
    expect(g.call('dup3', fd, -1, 0)).toBe(-E.EBADF);
    expect(g.call('fcntl', fd, 0, 20)).toBe(20); // F_DUPFD: lowest at or above 20
    expect(g.call('fcntl', fd, 0, 20)).toBe(21);
    expect(g.call('fcntl', fd, 1030, 5)).toBe(5); // F_DUPFD_CLOEXEC
    expect(g.call('fcntl', 5, 1)).toBe(1);
    expect(g.call('fcntl', fd, 0, 1 << 20)).toBe(-E.EINVAL);
    // Writing through one and closing the other keeps the file open.
    g.call('close', fd);
    expect(g.call('write', 10, put('via dup'), 7)).toBe(7);
    expect(fs.readFileSync(path.join(g.dir, 'f'), 'utf8')).toBe('via dup');
  });

  it('changes status flags and answers lock queries', () => {
    const fd = open('f', O_CREAT | O_RDWR);
    expect(g.call('fcntl', fd, 4, O_APPEND | O_NONBLOCK | O_RDONLY)).toBe(0);
    expect(g.call('fcntl', fd, 3)).toBe(O_RDWR | O_APPEND | O_NONBLOCK | O_LARGEFILE);
    expect(g.call('fcntl', fd, 2, 1)).toBe(0);
    expect(g.call('fcntl', fd, 1)).toBe(1);
    const flock = BUF + 0x100;
    g.mem.u8.fill(0, flock, flock + 32);
    g.mem.dv.setInt16(flock, 1, true); // F_WRLCK
    expect(g.call('fcntl', fd, 5, flock)).toBe(0); // F_GETLK: nothing conflicts
    expect(g.mem.dv.getInt16(flock, true)).toBe(2); // F_UNLCK
    g.mem.dv.setInt16(flock, 1, true);
    expect(g.call('fcntl', fd, 6, flock)).toBe(0);
    g.mem.dv.setInt16(flock, 7, true);
    expect(g.call('fcntl', fd, 6, flock)).toBe(-E.EINVAL);
    expect(g.call('fcntl', fd, 9999)).toBe(-E.EINVAL);
    expect(g.call('fcntl', 99, 1)).toBe(-E.EBADF);
  });
});

describe('ioctl', () => {
  it('answers terminal requests with ENOTTY on files and pipes', () => {
    const fd = open('f', O_CREAT | O_RDWR);
    expect(g.call('ioctl', fd, 0x5401, BUF)).toBe(-E.ENOTTY); // TCGETS
    expect(g.call('ioctl', fd, 0x5413, BUF)).toBe(-E.ENOTTY); // TIOCGWINSZ
    expect(g.call('pipe2', BUF, 0)).toBe(0);
    expect(g.call('ioctl', g.u32(BUF), 0x5401, BUF + 16)).toBe(-E.ENOTTY);
    expect(g.call('ioctl', 99, 0x5401, BUF)).toBe(-E.EBADF);
    expect(g.call('ioctl', fd, 0x5451, 0)).toBe(0); // FIOCLEX
    expect(g.call('fcntl', fd, 1)).toBe(1);
  });

  it('reports a terminal as one when there is one', () => {
    let tty: number;
    try { tty = fs.openSync('/dev/tty', 'r+'); } catch { return; /* no controlling terminal here */ }
    fs.closeSync(tty);
    const fd = open('/dev/tty', O_RDWR);
    expect(g.call('ioctl', fd, 0x5401, BUF)).toBe(0);
    expect(g.u32(BUF + 12) & 2).toBe(2); // ICANON in a fresh terminal's c_lflag
    expect(g.call('ioctl', fd, 0x5413, BUF)).toBe(0);
    expect(g.mem.dv.getUint16(BUF + 2, true)).toBeGreaterThan(0);
    expect(g.call('ioctl', fd, 0x5401, BAD)).toBe(-E.EFAULT);
  });
});

describe('/proc/self', () => {
  it('shows the guest\'s own maps and command line', () => {
    g.k.setProgram('/bin/true', ['prog', 'arg 1'], ['A=1'], 0);
    const fd = open('/proc/self/cmdline', O_RDONLY);
    const n = g.call('read', fd, BUF, 100);
    expect(g.bytes(BUF, n).toString()).toBe('prog\0arg 1\0');
    const mfd = open('/proc/self/maps', O_RDONLY);
    const m = g.call('read', mfd, BUF, 4096);
    expect(g.bytes(BUF, m).toString()).toMatch(/^00500000-00510000 rw-p 00000000 00:00 0\n/);
    expect(open('/proc/self/maps', O_WRONLY)).toBe(-E.EACCES);
  });
});

describe('/dev/fd and /dev/stdin', () => {
  it('name the guest\'s descriptors, not the host\'s', () => {
    fs.writeFileSync(path.join(g.dir, 'in'), 'guest stdin');
    const fd = open('in', O_RDONLY);
    expect(g.call('dup3', fd, 0, 0)).toBe(0);
    const again = open('/dev/stdin', O_RDONLY);
    expect(g.call('read', again, BUF, 100)).toBe(11);
    const viaFd = open(`/dev/fd/${fd}`, O_RDONLY);
    expect(g.call('read', viaFd, BUF, 5)).toBe(5);
    expect(g.bytes(BUF, 5).toString()).toBe('guest');
    const n = g.call('readlinkat', AT_FDCWD, g.str('/dev/stdin', PATHS), BUF, 100);
    expect(g.bytes(BUF, n).toString()).toBe('/proc/self/fd/0');
  });
});

describe('a terminal', () => {
  /** A descriptor that is a terminal, without needing one on the test machine. */
  class FakeTty extends OpenFile {
    override isatty() { return true; }
    override stat() {
      return { dev: 5, ino: 9, mode: 0o20620, nlink: 1, uid: 0, gid: 5, rdev: 0x8800, size: 0, blksize: 1024, blocks: 0,
        atimeNs: 0n, mtimeNs: 0n, ctimeNs: 0n };
    }
  }

  it('answers TCGETS with a cooked termios, keeps what TCSETS sets, and gives a window size', () => {
    const fd = g.k.fds.alloc(Object.assign(new FakeTty(), { flags: O_RDWR }));
    expect(g.call('ioctl', fd, 0x5401, BUF)).toBe(0); // TCGETS
    expect(g.u32(BUF + 12) & 0o12).toBe(0o12); // c_lflag: ICANON | ECHO
    expect(g.mem.u8[BUF + 17 + 4]).toBe(4); // c_cc[VEOF] = ^D
    g.mem.dv.setUint32(BUF + 12, 0, true); // raw mode
    expect(g.call('ioctl', fd, 0x5402, BUF)).toBe(0); // TCSETS
    g.mem.u8.fill(0xff, BUF, BUF + 36);
    expect(g.call('ioctl', fd, 0x5401, BUF)).toBe(0);
    expect(g.u32(BUF + 12)).toBe(0);
    expect(g.call('ioctl', fd, 0x5413, BUF + 64)).toBe(0); // TIOCGWINSZ
    expect(g.mem.dv.getUint16(BUF + 64, true)).toBeGreaterThan(0);
    expect(g.mem.dv.getUint16(BUF + 66, true)).toBeGreaterThan(0);
    expect(g.call('ioctl', fd, 0x540f, BUF + 72)).toBe(0); // TIOCGPGRP
    expect(g.u32(BUF + 72)).toBe(g.call('getpgid', 0));
    expect(g.call('ioctl', fd, 0x5401, BAD)).toBe(-E.EFAULT);
    expect(g.call('ioctl', fd, 0x1234, BUF)).toBe(-E.ENOTTY);
  });
});
