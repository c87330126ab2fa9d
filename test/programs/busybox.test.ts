// Debian's arm64 busybox-static (fixtures/fetch-busybox.sh) runs `busybox sh -c` scripts under
// tsemu with the output and exit status recorded under qemu-aarch64 (fetch-busybox.sh --record).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const busybox = join(root, 'fixtures', 'debian', 'busybox');
const tsemu = join(root, 'bin', 'tsemu-user');

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
  it('is present (fixtures/fetch-busybox.sh fetches it; .ci/run does)', () => {
    expect(existsSync(busybox), `missing ${busybox}: run fixtures/fetch-busybox.sh`).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const r = spawnSync(process.execPath, [tsemu, busybox, ...c.args], {
      env: c.env, // exactly the environment the expectations were recorded with
      input: c.stdin ?? '',
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(c.stdout);
    expect(r.status).toBe(c.status);
  }, 90_000);
});
