// The in-memory backend (--memfs): guest paths reach a memfs volume, never the host, while
// /proc and the host devices still work. Expected values are Linux's (rename(2), unlink(2),
// umask(2), readlink(2), getdents64(2)); where memfs alone would differ, tsemu applies the rule.
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useHostFs, useMemoryFs, type FsApi } from '../../src/vfs/backend.js';
import { BUF, E, makeGuest, type Guest } from './harness.js';

const AT_FDCWD = -100;
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_DIRECTORY = 0o40000, O_TMPFILE = 0o20040000;
const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200;
const PATHS = BUF + 0x8000;
const PATHS2 = BUF + 0x9000;
const DATA = BUF + 0x1000;

let g: Guest;
let mem: FsApi;
beforeEach(() => {
  g = makeGuest();
  mem = useMemoryFs({ '/etc/hostname': 'memory\n', '/srv/': '' });
  g.k.paths.cwd = '/';
});
afterEach(() => {
  useHostFs();
  expect(g.internal).toEqual([]);
  g.cleanup();
});

const p = (s: string, at = PATHS) => g.str(s, at);
function open(path: string, flags: number, mode = 0o666): number {
  return g.call('openat', AT_FDCWD, p(path), flags, mode);
}

describe('in-memory file system', () => {
  it('holds the seeded files and new ones, and none of it is on the host', () => {
    const fd = open('/etc/hostname', O_RDONLY);
    expect(g.call('read', fd, DATA, 100)).toBe(7);
    expect(g.bytes(DATA, 7).toString()).toBe('memory\n');
    const w = open('/srv/new', O_CREAT | O_RDWR, 0o666);
    expect(g.call('write', w, g.str('abc', DATA), 3)).toBe(3);
    expect(g.call('lseek', w, 0, 0)).toBe(0);
    expect(g.call('read', w, DATA, 10)).toBe(3);
    expect(mem.readFileSync('/srv/new', 'utf8')).toBe('abc');
    expect(fs.existsSync('/srv/new')).toBe(false);
    // The umask applies to what the guest creates (022 in the harness).
    expect(mem.statSync('/srv/new').mode & 0o777).toBe(0o644);
    expect(g.call('mkdirat', AT_FDCWD, p('/srv/d'), 0o777)).toBe(0);
    expect(mem.statSync('/srv/d').mode & 0o777).toBe(0o755);
    expect(open('/', O_TMPFILE | O_RDWR)).toBe(-E.EOPNOTSUPP);
  });

  it('applies rename and unlink rules', () => {
    mem.mkdirSync('/a/inner', { recursive: true });
    mem.writeFileSync('/f', 'x');
    mem.linkSync('/f', '/f2');
    expect(g.call('renameat', AT_FDCWD, p('/f'), AT_FDCWD, p('/f2', PATHS2))).toBe(0);
    expect(mem.existsSync('/f')).toBe(true); // two names of one file: nothing happens
    expect(g.call('renameat', AT_FDCWD, p('/a'), AT_FDCWD, p('/f', PATHS2))).toBe(-E.ENOTDIR);
    expect(g.call('renameat', AT_FDCWD, p('/f'), AT_FDCWD, p('/a', PATHS2))).toBe(-E.EISDIR);
    expect(g.call('renameat', AT_FDCWD, p('/a'), AT_FDCWD, p('/a/inner/x', PATHS2))).toBe(-E.EINVAL);
    expect(g.call('renameat', AT_FDCWD, p('/srv'), AT_FDCWD, p('/a', PATHS2))).toBe(-E.ENOTEMPTY);
    expect(g.call('renameat', AT_FDCWD, p('/a/inner'), AT_FDCWD, p('/srv', PATHS2))).toBe(0);
    expect(mem.existsSync('/srv')).toBe(true);
    expect(mem.existsSync('/a/inner')).toBe(false);
    expect(g.call('unlinkat', AT_FDCWD, p('/a'), 0)).toBe(-E.EISDIR);
    expect(g.call('unlinkat', AT_FDCWD, p('/f'), AT_REMOVEDIR)).toBe(-E.ENOTDIR);
    expect(g.call('linkat', AT_FDCWD, p('/a'), AT_FDCWD, p('/a2', PATHS2), 0)).toBe(-E.EPERM);
    expect(g.call('unlinkat', AT_FDCWD, p('/a'), AT_REMOVEDIR)).toBe(0);
  });

  it('lists directories, follows symlinks, and keeps a cwd', () => {
    expect(g.call('symlinkat', p('/etc'), AT_FDCWD, p('/link', PATHS2))).toBe(0);
    expect(g.call('newfstatat', AT_FDCWD, p('/link'), DATA, AT_SYMLINK_NOFOLLOW)).toBe(0);
    expect(g.i64(DATA + 48)).toBe(4n); // st_size of a symlink: its target's length
    expect(g.call('chdir', p('/link'))).toBe(0);
    const n = g.call('getcwd', DATA, 100);
    expect(g.bytes(DATA, n - 1).toString()).toBe('/etc');
    const dfd = open('.', O_RDONLY | O_DIRECTORY);
    const len = g.call('getdents64', dfd, DATA, 4096);
    const names: string[] = [];
    for (let at = 0; at < len; at += g.mem.dv.getUint16(DATA + at + 16, true)) names.push(g.mem.readCString(DATA + at + 19, 256));
    expect(names.sort()).toEqual(['.', '..', 'hostname']);
  });

  it('still serves /proc from the kernel and the host devices', () => {
    const fd = open('/dev/null', O_WRONLY);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(g.call('write', fd, DATA, 5)).toBe(5);
    const maps = open('/proc/self/maps', O_RDONLY);
    expect(maps).toBeGreaterThanOrEqual(0);
    expect(g.call('read', maps, DATA, 4096)).toBeGreaterThan(0);
    const m = open('/srv/x', O_CREAT | O_WRONLY);
    const n = g.call('readlinkat', AT_FDCWD, p(`/proc/self/fd/${m}`), DATA, 100);
    expect(g.bytes(DATA, n).toString()).toBe('/srv/x');
    expect(g.call('fstatfs', m, DATA)).toBe(0);
  });
});
