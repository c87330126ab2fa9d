// The procfs fixture's "strict" checks under tsemu: what Linux shows in /proc/self and
// qemu-aarch64 7.2 does not (stat of /proc/self/exe is the program, comm before PR_SET_NAME is
// the program's name, /proc/self/stat's state, ppid and pgrp, the heap named [heap]). The
// expectations are the fixture's self-checks, which encode Linux's behaviour: the same source
// built natively passes them on a Linux host (gcc -O2 fixtures/src/procfs.c && ./a.out strict;
// only the auxv check differs on x86-64, where glibc rewrites AT_HWCAP). So the test is
// "exit 0, no FAIL line" rather than a byte comparison with qemu's output.
import { describe, expect, it } from 'vitest';
import { FIXTURES, tsemu } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('sysroot');

const SYSROOT = '/usr/aarch64-linux-gnu';

describe.skipIf(lacking)(titled('procfs fixture, strict Linux checks', lacking), () => {
  for (const bin of ['bin/procfs.static', 'bin/procfs.dynamic']) {
    it(bin, () => {
      const r = tsemu(['-L', SYSROOT, bin, 'strict'], { cwd: FIXTURES });
      const out = r.stdout.toString();
      expect(out.split('\n').filter((l) => l.startsWith('FAIL')), r.stderr).toEqual([]);
      expect(out).toContain('ok stat state running');
      expect(out).toContain('ok maps: heap');
      expect(r.status).toBe(0);
    }, PROGRAM_TEST_MS);
  }
});
