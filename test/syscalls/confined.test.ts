// A confined root (--root): no guest path reaches a host file outside it, whatever the route —
// "..", absolute symlinks, relative symlinks climbing out, chains, /proc/self/root, /proc/self/cwd,
// /proc/self/fd/N of a directory, dirfd-relative paths. Expected results are what Linux gives a
// process chroot'ed into that directory (path_resolution(7): ".." at the root stays there, an
// absolute symlink starts again at the process's root).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUF, E, makeGuest, type Guest } from './harness.js';

const AT_FDCWD = -100;
const O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0o100, O_DIRECTORY = 0o40000, O_NOFOLLOW = 0o100000;
const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200;
const PATHS = BUF + 0x8000;
const DATA = BUF + 0x1000;

let g: Guest;
let root: string;
let outside: string;
beforeEach(() => {
  g = makeGuest();
  // g.dir holds the root and, beside it, a file the guest must never see.
  root = path.join(g.dir, 'root');
  outside = path.join(g.dir, 'secret');
  fs.writeFileSync(outside, 'SECRET');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(root, 'sub/deeper'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'inside');
  fs.writeFileSync(path.join(root, 'secret'), 'decoy');
  fs.symlinkSync('/etc', path.join(root, 'sub/abs'));
  fs.symlinkSync('../../../../../../../../etc', path.join(root, 'sub/rel'));
  fs.symlinkSync(outside, path.join(root, 'sub/hostabs'));
  fs.symlinkSync('/sub/chain2', path.join(root, 'sub/chain1'));
  fs.symlinkSync('../..', path.join(root, 'sub/chain2'));
  fs.symlinkSync('loop2', path.join(root, 'sub/loop1'));
  fs.symlinkSync('loop1', path.join(root, 'sub/loop2'));
  g.k.paths.root = fs.realpathSync(root);
  g.k.paths.cwd = '/';
});
afterEach(() => {
  expect(g.internal).toEqual([]);
  expect(fs.readFileSync(outside, 'utf8')).toBe('SECRET');
  g.cleanup();
});

function openAt(dirfd: number, p: string, flags = O_RDONLY, mode = 0o644): number {
  return g.call('openat', dirfd, g.str(p, PATHS), flags, mode);
}
function contents(p: string, dirfd = AT_FDCWD): string | number {
  const fd = openAt(dirfd, p);
  if (fd < 0) return fd;
  const n = g.call('read', fd, DATA, 100);
  g.call('close', fd);
  return g.bytes(DATA, n).toString();
}
function readlink(p: string): string | number {
  const n = g.call('readlinkat', AT_FDCWD, g.str(p, PATHS), DATA, 200);
  return n < 0 ? n : g.bytes(DATA, n).toString();
}

describe('confined root', () => {
  it('resolves "..", absolute and relative symlinks and chains inside the root', () => {
    expect(contents('/etc/passwd')).toBe('inside');
    expect(contents('/../../../etc/passwd')).toBe('inside');
    expect(contents('/sub/abs/passwd')).toBe('inside');
    expect(contents('/sub/rel/passwd')).toBe('inside');
    expect(contents('/sub/chain1/etc/passwd')).toBe('inside');
    expect(contents('sub/deeper/../../../../secret')).toBe('decoy');
    // A symlink naming a host path is a path inside the root, which does not exist there.
    expect(contents('/sub/hostabs')).toBe(-E.ENOENT);
    expect(contents(outside)).toBe(-E.ENOENT);
    expect(contents('/sub/loop1')).toBe(-E.ELOOP);
    expect(openAt(AT_FDCWD, '/sub/abs', O_RDONLY | O_NOFOLLOW)).toBe(-E.ELOOP);
    expect(contents('/etc/passwd/x')).toBe(-E.ENOTDIR);
  });

  it('keeps dirfd-relative paths and /proc/self links inside the root', () => {
    const sub = openAt(AT_FDCWD, '/sub/deeper', O_RDONLY | O_DIRECTORY);
    expect(sub).toBeGreaterThanOrEqual(0);
    expect(contents('../../../../secret', sub)).toBe('decoy');
    expect(contents('../abs/passwd', sub)).toBe('inside');
    expect(contents('/proc/self/root/etc/passwd')).toBe('inside');
    expect(contents('/proc/self/root/../../secret')).toBe('decoy');
    expect(contents('/proc/self/cwd/../../secret')).toBe('decoy');
    expect(contents(`/proc/self/fd/${sub}/../../../secret`)).toBe('decoy');
    expect(contents(`/proc/${g.k.pid}/root/etc/passwd`)).toBe('inside');
    expect(readlink('/proc/self/root')).toBe('/');
    // Other processes' /proc entries, and host /proc files that name paths, are not there.
    expect(contents('/proc/1/root/etc/passwd')).toBe(-E.ENOENT);
    expect(contents('/proc/self/mountinfo')).toBe(-E.ENOENT);
    expect(typeof contents('/proc/meminfo')).toBe('string');
    const fd = openAt(AT_FDCWD, '/sub/abs/passwd');
    expect(readlink(`/proc/self/fd/${fd}`)).toBe('/etc/passwd');
  });

  it('chdir, getcwd and creating files stay inside', () => {
    expect(g.call('chdir', g.str('/sub/abs', PATHS))).toBe(0);
    const n = g.call('getcwd', DATA, 200);
    expect(g.bytes(DATA, n - 1).toString()).toBe('/etc');
    expect(g.call('chdir', g.str('../../..', PATHS))).toBe(0);
    expect(g.call('getcwd', DATA, 200)).toBe(2);
    expect(readlink('/proc/self/cwd')).toBe('/');
    const fd = openAt(AT_FDCWD, '/sub/rel/new', O_CREAT | O_WRONLY);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(fs.existsSync(path.join(root, 'etc/new'))).toBe(true);
    // A dangling absolute symlink is created inside the root when opened with O_CREAT.
    fs.symlinkSync('/made-here', path.join(root, 'dangling'));
    expect(openAt(AT_FDCWD, '/dangling', O_CREAT | O_WRONLY)).toBeGreaterThanOrEqual(0);
    expect(fs.existsSync(path.join(root, 'made-here'))).toBe(true);
  });

  it('acts on symlinks themselves where Linux does not follow them', () => {
    expect(g.call('newfstatat', AT_FDCWD, g.str('/sub/hostabs', PATHS), DATA, AT_SYMLINK_NOFOLLOW)).toBe(0);
    expect(g.u32(DATA + 16) & 0o170000).toBe(0o120000);
    expect(g.call('newfstatat', AT_FDCWD, g.str('/sub/hostabs', PATHS), DATA, 0)).toBe(-E.ENOENT);
    expect(readlink('/sub/hostabs')).toBe(outside);
    expect(g.call('unlinkat', AT_FDCWD, g.str('/sub/hostabs', PATHS), 0)).toBe(0);
    expect(fs.existsSync(path.join(root, 'sub/hostabs'))).toBe(false);
    expect(g.call('unlinkat', AT_FDCWD, g.str('/sub/abs', PATHS), AT_REMOVEDIR)).toBe(-E.ENOTDIR);
    expect(g.call('renameat', AT_FDCWD, g.str('/sub/abs', PATHS), AT_FDCWD, g.str('/sub/abs2', DATA))).toBe(0);
    expect(fs.lstatSync(path.join(root, 'sub/abs2')).isSymbolicLink()).toBe(true);
    expect(fs.existsSync(path.join(root, 'etc/passwd'))).toBe(true);
    expect(g.call('mkdirat', AT_FDCWD, g.str('/sub/abs2', PATHS), 0o755)).toBe(-E.EEXIST);
  });

  it('serves the host\'s /dev/null and friends', () => {
    const fd = openAt(AT_FDCWD, '/dev/null', O_WRONLY);
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(g.call('write', fd, DATA, 3)).toBe(3);
    expect(readlink('/dev/stdin')).toBe('/proc/self/fd/0');
    expect(contents('/dev/sda')).toBe(-E.ENOENT);
  });
});
