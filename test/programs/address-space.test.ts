// The guest owns its address space from mmap_min_addr (0x10000) up to GUEST_END; tsemu's own
// data lies above, and to the guest it is unmapped memory. fixtures/bin/lowtext (text linked at
// 0x10000) probes the addresses it is given; here they are taken from src/cpu/state.ts as it is
// now (cases.json holds those build.sh read when the fixture was recorded under qemu), and the
// expected lines are what Linux reports for unmapped memory: SIGSEGV, si_code SEGV_MAPERR (1),
// si_addr the address itself, EFAULT from a system call.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GUEST_END, JCACHE_BASE, JCACHE_ENTRIES, JCACHE_ENTRY_SIZE, PERM_BASE, REG, SCRATCH_BASE, STATE_BASE, STATE_SIZE, THREAD_SCRATCH_BASE,
} from '../../src/cpu/state.js';
import { FIXTURES, tsemuAsync } from './run.js';

const hex = (n: number) => `0x${n.toString(16)}`;

function expectedFor(addrs: number[]): string {
  const lines = [
    'main in the first 4 MiB: yes',
    'ELF header at 0x10000: yes',
    '0x200000-0x400000 mapped fixed, written, read back: yes',
    `top page ${hex(GUEST_END - 4096)} mapped: yes`,
    `read ${hex(GUEST_END - 4)}: signal 11 code 1 addr ${hex(GUEST_END)}`,
  ];
  for (const a of addrs) {
    for (const kind of ['read', 'write', 'exec']) lines.push(`${kind} ${hex(a)}: signal 11 code 1 addr ${hex(a)}`);
    lines.push(`write(2) from ${hex(a)}: -1 EFAULT`, `read(2) into ${hex(a)}: -1 EFAULT`);
  }
  lines.push('checksum after the probes: unchanged');
  return lines.join('\n') + '\n';
}

describe("tsemu's own data is unmapped memory to the guest", () => {
  // First and last byte of each region tsemu keeps there (8-byte aligned: the probe stores 8).
  const last = (end: number) => end - 8;
  const probes = [
    GUEST_END,
    STATE_BASE + REG.x(0), STATE_BASE + REG.pc, last(STATE_BASE + STATE_SIZE),
    SCRATCH_BASE, THREAD_SCRATCH_BASE, last(STATE_BASE),
    PERM_BASE, PERM_BASE + (0x10000 >> 12), last(PERM_BASE + 2 ** 20),
    JCACHE_BASE, last(JCACHE_BASE + JCACHE_ENTRIES * JCACHE_ENTRY_SIZE),
    2 ** 32 - 8,
  ];

  for (const bin of ['bin/lowtext.static', 'bin/lowtext.dynamic']) {
    it(`${bin}: loads at 0x10000, and loads, stores, jumps and system calls there fault`, async () => {
      const r = await tsemuAsync(['-L', '/usr/aarch64-linux-gnu', path.join(FIXTURES, bin), ...probes.map(hex)]);
      expect({ status: r.status, stdout: r.stdout.toString() }, r.stderr).toEqual({ status: 0, stdout: expectedFor(probes) });
    }, 60_000);
  }
});
