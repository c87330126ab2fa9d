// The file-system fixtures run inside a confined root (--root): the guest's "/" is a fresh host
// directory holding only the program and a /tmp, and each fixture must print exactly what it
// printed under qemu-aarch64 with the real root (fixtures/expected/). Static binaries only: a
// dynamic one would need the sysroot's libraries copied into the root.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-root-'));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'tmp'));
  for (const name of ['fds', 'files', 'dirs', 'procfs']) {
    fs.copyFileSync(path.join(FIXTURES, `bin/${name}.static`), path.join(root, `bin/${name}.static`));
    fs.chmodSync(path.join(root, `bin/${name}.static`), 0o755);
  }
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('fixtures inside --root', () => {
  for (const name of ['fds', 'files', 'dirs', 'procfs']) {
    it(name, async () => {
      const r = await tsemuAsync(['--root', root, `/bin/${name}.static`], { cwd: FIXTURES });
      const want = fs.readFileSync(path.join(FIXTURES, `expected/${name}.stdout`), 'latin1');
      expect({ status: r.status, stdout: r.stdout.toString('latin1') }, r.stderr).toEqual({ status: 0, stdout: want });
      // Nothing it made in its /tmp was left behind, and nothing appeared outside the root.
      expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
    }, PROGRAM_TEST_MS);
  }

  it('refuses a root that is not a directory, and a program not inside it', async () => {
    const r = await tsemuAsync(['--root', path.join(FIXTURES, 'cases.json'), '/bin/fds.static']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tsemu-user: --root .*: not a directory\n$/);
    const r2 = await tsemuAsync(['--root', root, '/bin/missing']);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/^tsemu-user: .*missing/);
  });

  it('a forked child stays inside the root', async () => {
    const busybox = path.join(FIXTURES, 'debian/busybox');
    expect(fs.existsSync(busybox), 'run fixtures/fetch-busybox.sh').toBe(true);
    fs.copyFileSync(busybox, path.join(root, 'bin/busybox'));
    fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'inside\n');
    fs.symlinkSync('/etc/passwd', path.join(root, 'tmp/abs'));
    try {
      const r = await tsemuAsync(['--root', root, '/bin/busybox', 'sh', '-c',
        'cat /etc/passwd; cat /../../../../etc/passwd; cat /tmp/abs; cat /proc/self/root/../etc/passwd'], { cwd: FIXTURES });
      expect(r.stdout.toString(), r.stderr).toBe('inside\ninside\ninside\ninside\n');
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(path.join(root, 'tmp/abs'));
    }
  }, PROGRAM_TEST_MS);
});
