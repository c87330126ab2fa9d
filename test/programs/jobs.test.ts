// Job control beyond what qemu-aarch64 can record (fixtures/src/jobs.c runs as a fixture case
// otherwise): SA_NOCLDSTOP. qemu-user does not pass SA_NOCLDSTOP on to the host, so under it the
// parent still gets SIGCHLD for a child's stops and continues; the expectations here are Linux's
// documented behaviour (sigaction(2): no SIGCHLD when a child stops or continues), which the same
// source, built for this x86-64 host and run natively, also meets.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('sysroot');

describe.skipIf(lacking)(titled('job control', lacking), () => {
  for (const bin of ['jobs.static', 'jobs.dynamic']) {
    it(`SA_NOCLDSTOP: no SIGCHLD for stops and continues (${bin})`, async () => {
      const r = await tsemuAsync(['-L', '/usr/aarch64-linux-gnu', path.join(FIXTURES, 'bin', bin), 'nocldstop'], { cwd: FIXTURES });
      const out = r.stdout.toString();
      expect(out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
      expect(out).toContain('ok   SA_NOCLDSTOP: no SIGCHLD for the stop\n');
      expect(out).toContain('ok   SA_NOCLDSTOP: no SIGCHLD for the continue\n');
      expect(out.endsWith('all passed\n')).toBe(true);
      expect(r.status).toBe(0);
    }, PROGRAM_TEST_MS);
  }
});
