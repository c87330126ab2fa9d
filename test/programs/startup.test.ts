// How tsemu-user starts (issue 8, fixed start-up): the guest's thread runs from the one-file
// bundle scripts/bundle.mjs makes after tsc, but only while that bundle is newer than the
// separate files it was made from, so a tsc run alone never leaves tsemu running old code.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT } from './run.js';

const BUNDLE = 'dist/cli/guest-thread.bundle.js';

describe('the guest thread bundle', () => {
  it('is made by the build', () => {
    expect(fs.statSync(path.join(ROOT, BUNDLE)).mtimeMs).toBeGreaterThanOrEqual(fs.statSync(path.join(ROOT, 'dist/cli/guest-thread.js')).mtimeMs);
  });

  // A copy of the built program whose bundle announces itself when loaded.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-startup-'));
  afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));
  for (const d of ['bin', 'dist']) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  fs.writeFileSync(path.join(copy, BUNDLE), "throw new Error('the bundle was loaded');\n");
  const run = (env: Record<string, string> = {}) => spawnSync(process.execPath, [path.join(copy, 'bin/tsemu-user'), path.join(FIXTURES, 'bin/asm_hello')], { env, timeout: 60_000 });
  const age = (file: string, seconds: number) => {
    const t = new Date(Date.now() - seconds * 1000);
    fs.utimesSync(path.join(copy, file), t, t);
  };

  it('is what runs while it is newer than guest-thread.js', () => {
    age('dist/cli/guest-thread.js', 60);
    age(BUNDLE, 0);
    const r = run();
    expect(r.stderr.toString()).toMatch(/^tsemu-user: internal error: the bundle was loaded/);
    expect(r.status).toBe(70);
  }, 60_000);

  it('is passed over once tsc has rewritten guest-thread.js after it', () => {
    age(BUNDLE, 60);
    age('dist/cli/guest-thread.js', 0);
    const r = run();
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString()).toBe(fs.readFileSync(path.join(FIXTURES, 'expected/asm_hello.stdout'), 'utf8'));
    expect(r.status).toBe(0);
  }, 60_000);

  it('is passed over with TSEMU_DEBUG set (it is minified; the separate files give readable stacks)', () => {
    age('dist/cli/guest-thread.js', 60);
    age(BUNDLE, 0);
    const r = run({ TSEMU_DEBUG: '1' });
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString()).toBe(fs.readFileSync(path.join(FIXTURES, 'expected/asm_hello.stdout'), 'utf8'));
    expect(r.status).toBe(0);
  }, 60_000);
});
