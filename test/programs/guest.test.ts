// Self-checking guest programs for system call families (DESIGN §5): C sources under
// guest/, built static with the aarch64 cross compiler (npm test installs it where it can),
// run under tsemu-user. Each prints its failed checks and exits with their number.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tsemuAsync } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const CC = 'aarch64-linux-gnu-gcc';
const lacking = needs('cc', 'sysroot');
const sources = fs.readdirSync(path.join(__dirname, 'guest')).filter((f) => f.endsWith('.c'));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-guest-bin-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe.skipIf(lacking)(titled('self-checking guest programs', lacking), () => {
  for (const src of sources) {
    it(src, async () => {
      const bin = path.join(out, src.replace(/\.c$/, ''));
      const cc = spawnSync(CC, ['-static', '-O1', '-Wall', '-o', bin, path.join(__dirname, 'guest', src)], { encoding: 'utf8' });
      expect(cc.status, cc.stderr).toBe(0);
      const r = await tsemuAsync([bin], { env: {} });
      const report = r.stdout.toString();
      expect(report, `${report}\n${r.stderr}`).toMatch(/^(\d+) of \1 checks passed\n$/m);
      expect(r.status, report).toBe(0);
    }, PROGRAM_TEST_MS);
  }
});
