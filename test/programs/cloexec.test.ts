// execve closes O_CLOEXEC descriptors and keeps the rest: the fds fixture in "exec" mode runs
// itself again through /proc/self/exe and checks which of its descriptors survived. qemu-user
// cannot record this without binfmt_misc on the host; the same source built natively passes it
// on Linux (gcc -O2 fixtures/src/fds.c && ./a.out exec), so the expectation is Linux's.
import { describe, expect, it } from 'vitest';
import { FIXTURES, tsemu } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('sysroot');

describe.skipIf(lacking)(titled('O_CLOEXEC at execve', lacking), () => {
  for (const bin of ['bin/fds.static', 'bin/fds.dynamic']) {
    it(bin, () => {
      const r = tsemu(['-L', '/usr/aarch64-linux-gnu', bin, 'exec'], { cwd: FIXTURES });
      expect(r.stdout.toString(), r.stderr).toBe([
        'ok plain fd survives execve', 'ok O_CLOEXEC fd closed by execve', 'ok F_DUPFD_CLOEXEC fd closed by execve',
        'ok dup3 without O_CLOEXEC survives', 'all passed', '',
      ].join('\n'));
      expect(r.status).toBe(0);
    }, PROGRAM_TEST_MS);
  }
});
