// tsemu-user as a person meets it: the guest's exit status becomes tsemu's, and input it cannot
// run gets exactly one line on stderr naming the problem, a non-zero status, and no JS stack.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, tsemu } from './run.js';
import { normalise, objdumpElf } from '../support/objdump.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An ELF header of `cls` (1: 32-bit, 2: 64-bit), data encoding and machine, padded to `size`. */
function elfHeader(cls: number, endian: number, machine: number, size: number): Buffer {
  const b = Buffer.alloc(Math.max(size, 64));
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = cls;
  b[5] = endian;
  b[6] = 1; // EI_VERSION
  if (endian === 2) b.writeUInt16BE(2, 16); else b.writeUInt16LE(2, 16); // ET_EXEC
  if (endian === 2) b.writeUInt16BE(machine, 18); else b.writeUInt16LE(machine, 18);
  return b.subarray(0, size);
}

function file(name: string, data: Buffer | string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data, { mode: 0o755 });
  return p;
}

function expectOneLineError(args: string[], pattern: RegExp, env: Record<string, string> = {}, uid?: number): void {
  const r = tsemu(args, { env, uid });
  expect(r.status, r.stderr).not.toBe(0);
  expect(r.status).not.toBeNull();
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tsemu-user: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
  expect(r.stdout.length).toBe(0);
}

describe('exit status', () => {
  it('is the guest\'s exit status', () => {
    const r = tsemu([path.join(FIXTURES, 'bin/asm_exit42')]);
    expect(r.status).toBe(42);
    expect(r.stderr).toBe('');
  });

  it('is 0 after a guest that exits 0, with its output', () => {
    const r = tsemu([path.join(FIXTURES, 'bin/asm_hello')]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe(fs.readFileSync(path.join(FIXTURES, 'expected/asm_hello.stdout'), 'utf8'));
  });
});

describe.skipIf(!fs.existsSync('/dev/shm'))('files in /dev/shm', () => {
  it('a fork snapshot a killed process tree left behind is removed by the next tsemu (when over a minute old)', () => {
    const dead = spawnSync('true').pid!; // a pid no process has any more
    const old = path.join('/dev/shm', `tsemu-fork-${dead}-1`);
    const fresh = path.join('/dev/shm', `tsemu-fork-${dead}-2`);
    fs.writeFileSync(old, 'x');
    fs.writeFileSync(fresh, 'x');
    const past = new Date(Date.now() - 120_000);
    fs.utimesSync(old, past, past);
    try {
      expect(tsemu([path.join(FIXTURES, 'bin/asm_hello')]).status).toBe(0);
      expect(fs.existsSync(old)).toBe(false);
      // A snapshot the child may still be about to read stays.
      expect(fs.existsSync(fresh)).toBe(true);
    } finally {
      fs.rmSync(old, { force: true });
      fs.rmSync(fresh, { force: true });
    }
  });
});

describe('input tsemu-user cannot run', () => {
  it('a text file', () => {
    expectOneLineError([file('notes.txt', 'just some text\n')], /notes\.txt: not an ELF file/);
  });

  it('a script', () => {
    expectOneLineError([file('script.sh', '#!/bin/sh\necho hi\n')], /script\.sh: is a script/);
  });

  it('an x86-64 ELF', () => {
    expectOneLineError([file('x86', elfHeader(2, 1, 62, 64))], /x86: x86-64 ELF; tsemu-user runs aarch64 binaries$/);
  });

  it('the host\'s own /bin/ls, when that is x86-64', () => {
    let head: Buffer;
    try { head = fs.readFileSync('/bin/ls').subarray(0, 20); } catch { return; }
    if (head.readUInt16LE(18) !== 62) return;
    expectOneLineError(['/bin/ls'], /\/bin\/ls: x86-64 ELF/);
  });

  it('a 32-bit ARM ELF', () => {
    expectOneLineError([file('arm32', elfHeader(1, 1, 40, 52))], /arm32: 32-bit ARM ELF/);
  });

  it('a 32-bit (ILP32) aarch64 ELF', () => {
    expectOneLineError([file('ilp32', elfHeader(1, 1, 183, 52))], /ilp32: 32-bit aarch64 \(ILP32\) ELF/);
  });

  it('a big-endian aarch64 ELF', () => {
    expectOneLineError([file('be', elfHeader(2, 2, 183, 64))], /be: big-endian aarch64 ELF/);
  });

  it('a truncated ELF header', () => {
    const real = fs.readFileSync(path.join(FIXTURES, 'bin/asm_hello'));
    expectOneLineError([file('trunc', real.subarray(0, 40))], /trunc: truncated ELF header/);
    expectOneLineError([file('tiny', real.subarray(0, 10))], /tiny: truncated ELF header/);
  });

  it('an ELF whose program headers lie outside the file', () => {
    const real = Buffer.from(fs.readFileSync(path.join(FIXTURES, 'bin/asm_hello')));
    real.writeBigUInt64LE(0x100000n, 32); // e_phoff far past the end
    expectOneLineError([file('badph', real)], /badph: corrupt ELF program headers/);
  });

  it('a missing file and a directory', () => {
    expectOneLineError([path.join(dir, 'nope')], /nope: no such file/);
    expectOneLineError([dir], /is a directory/);
  });

  // execve(2) refuses a file with no execute bit even for root (EACCES), and so does tsemu, for
  // whoever runs the tests: root on CI, a developer's own user elsewhere.
  it(`a program file without any execute bit (mode 000 and 644, run as ${process.getuid?.() === 0 ? 'root' : 'not root'})`, () => {
    for (const mode of [0o000, 0o644]) {
      const p = file(`noexec${mode.toString(8)}`, fs.readFileSync(path.join(FIXTURES, 'bin/asm_hello')));
      fs.chmodSync(p, mode);
      expectOneLineError([p], new RegExp(`noexec${mode.toString(8)}: Permission denied$`));
    }
  });

  // As root, the same for another user, where that user can reach this checkout at all.
  const NOBODY = 65534;
  const shared = fs.mkdtempSync('/tmp/tsemu-cli-noexec-');
  afterAll(() => fs.rmSync(shared, { recursive: true, force: true }));
  const nobodyCanRun = process.getuid?.() === 0 &&
    spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(ROOT)}, 5)`], { uid: NOBODY, gid: NOBODY }).status === 0;
  if (nobodyCanRun) {
    it('a program file without any execute bit, run as not root (uid 65534)', () => {
      fs.chmodSync(shared, 0o755);
      const p = path.join(shared, 'noexec');
      fs.copyFileSync(path.join(FIXTURES, 'bin/asm_hello'), p);
      fs.chmodSync(p, 0o644);
      expectOneLineError([p], /noexec: Permission denied$/, {}, NOBODY);
      fs.chmodSync(p, 0o755); // the same file with its bits runs for that user: the refusal was the mode
      const r = tsemu([p], { uid: NOBODY });
      expect(r.stdout.toString(), r.stderr).toBe(fs.readFileSync(path.join(FIXTURES, 'expected/asm_hello.stdout'), 'utf8'));
    });
  }

  it('a dynamic aarch64 binary without -L: names the interpreter and suggests -L', () => {
    expectOneLineError([path.join(FIXTURES, 'bin/hello.dynamic')],
      /hello\.dynamic: needs interpreter \/lib\/ld-linux-aarch64\.so\.1; pass -L <sysroot>/);
  });
});

describe('a failure inside tsemu itself', () => {
  it('is one line naming an internal error, exit status 70, stack only with TSEMU_DEBUG', () => {
    // A forked child's snapshot that is gone is such a failure, and one a test can cause.
    expectOneLineError(['--resume', path.join(dir, 'no-such-snapshot')], /^tsemu-user: internal error: .*please report/);
    expect(tsemu(['--resume', path.join(dir, 'no-such-snapshot')]).status).toBe(70);
    expect(tsemu(['--resume', path.join(dir, 'no-such-snapshot')], { env: { TSEMU_DEBUG: '1' } }).stderr).toMatch(/\n\s+at /);
  });
});

describe('debugging the translator: -d exec, out_asm, tier and -one-insn-per-tb', () => {
  const HELLO = path.join(FIXTURES, 'bin', 'asm_hello');
  /** The pcs of a `-d exec` log, qemu's ("Trace 0: host [.../guest pc/...]") or ours. */
  const tracePcs = (log: string) => [...log.matchAll(/^Trace(?: \d+: \S+ \[[0-9a-f]+\/([0-9a-f]+)\/|: 0x([0-9a-f]+))/gm)]
    .map((m) => BigInt('0x' + (m[1] ?? m[2])));
  const qemu = (args: string[]) => spawnSync('qemu-aarch64-static', [...args, HELLO], { encoding: 'utf8' }).stderr;

  it('-d exec logs the block starts qemu-aarch64 logs, and with -one-insn-per-tb every instruction', () => {
    const blocks = tsemu(['-d', 'exec', HELLO]);
    expect(blocks.stdout.toString()).toBe('hello\n');
    const want = tracePcs(qemu(['-d', 'exec']));
    expect(want.length).toBeGreaterThan(1);
    expect(tracePcs(blocks.stderr)).toEqual(want);
    const insns = tracePcs(tsemu(['-one-insn-per-tb', '-d', 'exec', HELLO]).stderr);
    const wantInsns = tracePcs(qemu(['-singlestep', '-d', 'exec']));
    expect(wantInsns.length).toBeGreaterThan(want.length);
    expect(insns).toEqual(wantInsns);
  });

  it('-d exec runs the first tier, and says so if another tier is asked for', () => {
    expectOneLineError(['-d', 'exec', '--tier', 'wasm', HELLO], /^tsemu-user: -d exec runs the first tier only: drop --tier wasm$/);
  });

  it('-d in_asm logs each translated instruction\'s address, word and the text objdump gives it', () => {
    const prog = path.join(FIXTURES, 'bin', 'hello.static');
    const r = tsemu(['-d', 'in_asm', prog]);
    expect(r.stdout.toString()).toBe(fs.readFileSync(path.join(FIXTURES, 'expected', 'hello.stdout'), 'utf8'));
    const dump = new Map(objdumpElf(prog).map((l) => [l.pc, l]));
    const lines = [...r.stderr.matchAll(/^0x([0-9a-f]{16}):  ([0-9a-f]{8})  (.*)$/gm)];
    expect(lines.length).toBeGreaterThan(1000);
    const differ = lines.map(([, pc, word, text]) => ({ pc: parseInt(pc, 16), word: parseInt(word, 16), text }))
      .filter((l) => dump.has(l.pc)).filter((l) => dump.get(l.pc)!.word !== l.word || dump.get(l.pc)!.text !== normalise(l.text));
    expect(differ).toEqual([]);
  });

  it('-d out_asm logs each module\'s wasm and -d tier each module compiled', () => {
    const r = tsemu(['--tier', 'wasm', '--no-cache', '-d', 'out_asm,tier', HELLO]);
    expect(r.stdout.toString()).toBe('hello\n');
    expect(r.stderr).toMatch(/^tier: module 0: 1 regions, \d+ blocks at 0x400078, (\d+) bytes/m);
    expect(r.stderr).toMatch(/^OUT: module 0, \d+ bytes of wasm, regions at 0x400078 /m);
    expect(r.stderr).toMatch(/^ {2}000000: 00 61 73 6d 01 00 00 00 /m); // the wasm magic and version
  });

  it('-d tier logs the modules of every guest thread, each marked with its thread slot', () => {
    // threads.static's threads run loops hot enough to translate with a threshold of 20.
    const r = tsemu(['--no-cache', '-d', 'tier', path.join(FIXTURES, 'bin/threads.static')], { env: { TSEMU_HOT_THRESHOLD: '20' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^tier: module \d+: \d+ regions, \d+ blocks at 0x[0-9a-f]+, .* \[thread slot [1-9]\d*\]$/m);
  });
});
