// Fixtures under --memfs (an in-memory "/"): the ones whose checks memfs can meet print exactly
// what qemu-aarch64 recorded with the real file system; files and dirs cannot (memfs has no
// FIFOs, no O_PATH on a symlink and keeps times to the millisecond), and are left out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

describe('fixtures under --memfs', () => {
  for (const name of ['fds', 'procfs']) {
    it(name, async () => {
      const r = await tsemuAsync(['--memfs', `bin/${name}.static`], { cwd: FIXTURES });
      const want = fs.readFileSync(path.join(FIXTURES, `expected/${name}.stdout`), 'latin1');
      expect({ status: r.status, stdout: r.stdout.toString('latin1') }, r.stderr).toEqual({ status: 0, stdout: want });
    }, PROGRAM_TEST_MS);
  }

  it('procfs strict checks', async () => {
    const r = await tsemuAsync(['--memfs', 'bin/procfs.static', 'strict'], { cwd: FIXTURES });
    expect(r.stdout.toString().split('\n').filter((l) => l.startsWith('FAIL')), r.stderr).toEqual([]);
    expect(r.status).toBe(0);
  }, PROGRAM_TEST_MS);


  it('a forked child starts from a copy of the in-memory files and never sees the host\'s', async () => {
    // Debian's busybox sh runs cat in a forked child (fixtures/fetch-busybox.sh fetches it).
    const busybox = path.join(FIXTURES, 'debian/busybox');
    expect(fs.existsSync(busybox), 'run fixtures/fetch-busybox.sh').toBe(true);
    const r = await tsemuAsync(['--memfs', busybox, 'sh', '-c', 'echo hi > /tmp/a; cat /tmp/a; cat /etc/passwd; echo $?'], { cwd: FIXTURES });
    expect(r.stdout.toString()).toBe('hi\n1\n');
    expect(r.stderr).toBe("cat: can't open '/etc/passwd': No such file or directory\n");
  }, PROGRAM_TEST_MS);
});
