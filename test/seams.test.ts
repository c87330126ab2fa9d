// The module seams of DESIGN.md §1, read from the import statements: imports go one way
// (bin → user → loader, translate → cpu; user → syscalls → vfs; bin → system → translate → cpu,
// system → system/ devices) and cpu/ knows nothing of system calls, translation, loading or the
// board's devices.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Which top-level parts of src/ each part may import (itself always). */
const ALLOWED: Record<string, string[]> = {
  cpu: [],
  translate: ['cpu'],
  loader: ['cpu'],
  vfs: [],
  syscalls: ['vfs', 'cpu'],
  types: [],
  // the run loop and process life cycle tie the parts together
  // guest threads other than the first: workers with their own machine, calling into syscalls
  threads: ['cpu', 'translate', 'syscalls', 'bundled.ts', 'user-faults.ts', 'log-line.ts'],
  // the signal a synchronous exception raises, for every thread's run loop
  'user-faults.ts': ['translate'],
  'user.ts': ['cpu', 'translate', 'loader', 'syscalls', 'vfs', 'user-process.ts', 'threads', 'user-faults.ts'],
  'user-process.ts': ['cpu', 'translate', 'loader', 'syscalls', 'vfs'],
  // what the thread owning the host process needs, without the emulator
  'user-host.ts': ['syscalls'],
  // full-system mode: the board's devices, device tree and boot protocol need only guest
  // memory; the run loop ties them to the CPU's EL1 side and the translator
  system: ['cpu'],
  'system.ts': ['cpu', 'translate', 'system'],
  cli: ['user.ts', 'user-host.ts', 'system.ts', 'bundled.ts', 'log-line.ts'],
  // which file a worker starts from: the module or its bundle
  'bundled.ts': [],
  // -d and -strace lines written whole, from whichever guest thread makes them
  'log-line.ts': [],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []);
}

const part = (file: string) => relative(src, file).split('/')[0];

describe('module seams', () => {
  const all = files(src);
  it('every part of src/ has a rule', () => {
    expect([...new Set(all.map(part))].filter((p) => !(p in ALLOWED))).toEqual([]);
  });

  it('imports only go the allowed way', () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = part(f);
      // import x from '…', import '…' (side effects only), export … from '…', import('…')
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?'(\.[^']+)'|import\(\s*'(\.[^']+)'/g)) {
        const spec = m[1] ?? m[2];
        const to = part(resolve(dirname(f), spec).replace(/\.js$/, '.ts'));
        if (to !== from && !ALLOWED[from].includes(to)) bad.push(`${relative(src, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  // The thread that owns the host process (cli/user-main.ts) starts the guest's thread, which
  // loads the emulator; loading it here too would be paid again by every run and every fork.
  it('the main thread loads no emulator code and no memfs', () => {
    const seen = new Set<string>();
    const visit = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      // value imports only: `import type` and `export type` are erased
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)(?!\s+type\b)\b[^'";]*?'([^']+)'/g)) {
        if (m[1].startsWith('.')) visit(resolve(dirname(f), m[1]).replace(/\.js$/, '.ts'));
        else seen.add(m[1]);
      }
    };
    visit(join(src, 'cli', 'user-main.ts'));
    const heavy = [...seen].filter((f) => ['cpu', 'translate', 'loader', 'user.ts', 'user-process.ts'].includes(part(f))
      || f === 'memfs' || f === join(src, 'cli', 'guest-thread.ts'));
    expect(heavy.map((f) => (f.startsWith(src) ? relative(src, f) : f))).toEqual([]);
  });
});
