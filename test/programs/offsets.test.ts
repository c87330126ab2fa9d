// File offsets of a descriptor tsemu inherits from the host: the offsets fixture runs with its
// stdout redirected into a regular file the outer shell has already written to, so the host
// offset is shared with that shell. The fixture's other checks (offsets shared across fork in
// files the guest opened) are an ordinary case in fixtures/cases.json.
//
// The expected files are what Linux gives; the same runs under qemu-aarch64-static (whose
// guest descriptor 1 is the host's, offset and all) give exactly these.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, TSEMU } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const lacking = needs('sysroot');

const dir = mkdtempSync(join(tmpdir(), 'tsemu-offsets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `script` in /bin/sh with $@ = tsemu-user running the fixture with `mode`; the file's contents. */
function shell(script: string, bin: string, mode: string): Promise<{ status: number | null; stderr: string; file: string }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script, 'sh', process.execPath, TSEMU, '-L', '/usr/aarch64-linux-gnu', bin, mode], {
      env: { OUT: out, PATH: '/usr/bin:/bin' }, cwd: FIXTURES, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, file: readFileSync(out, 'latin1') }));
  });
}

describe.skipIf(lacking)(titled('offsets of a descriptor inherited from the host', lacking), () => {
  for (const bin of ['bin/offsets.static', 'bin/offsets.dynamic']) {
    it(`${bin}: lseek(1, 0, SEEK_CUR) asks; the outer shell goes on after the guest and its child`, async () => {
      const r = await shell('(echo hdr; "$@"; echo tail) > "$OUT"', bin, 'stdout');
      expect(r.status, r.stderr).toBe(0);
      expect(r.file).toBe('hdr\npos 4\nchild\nparent at 16\ntail\n');
    }, PROGRAM_TEST_MS);

    it(`${bin}: stdout moved back to the start, then shared with a child`, async () => {
      const r = await shell('(echo hdr; "$@") > "$OUT"', bin, 'stdout-own');
      expect(r.status, r.stderr).toBe(0);
      expect(r.file).toBe('ABC\n');
    }, PROGRAM_TEST_MS);
  }
});
