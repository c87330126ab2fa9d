// Debian's arm64 busybox-static (fixtures/fetch-busybox.sh) runs `busybox sh -c` scripts under
// tsemu with the output and exit status recorded under qemu-aarch64 (fetch-busybox.sh --record).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tsemuAsync } from './run.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const busybox = join(root, 'fixtures', 'debian', 'busybox');

interface BusyboxCase {
  name: string;
  args: string[];
  env: Record<string, string>;
  stdin?: string;
  stdout: string;
  status: number;
}

const cases: BusyboxCase[] = JSON.parse(readFileSync(join(root, 'fixtures', 'busybox-cases.json'), 'utf8'));

describe('Debian arm64 busybox', () => {
  it('is present (fixtures/fetch-busybox.sh fetches it; npm test runs it)', () => {
    expect(existsSync(busybox), `missing ${busybox}: run fixtures/fetch-busybox.sh`).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    // exactly the environment the expectations were recorded with
    const r = await tsemuAsync([busybox, ...c.args], { env: c.env, input: c.stdin ?? '' });
    expect(r.stderr).toBe('');
    expect(r.stdout.toString('utf8')).toBe(c.stdout);
    expect(r.status).toBe(c.status);
  }, PROGRAM_TEST_MS);
});
