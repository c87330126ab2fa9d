// The bare-metal fixtures (fixtures/system/*.S), each an arm64 Image run on -M virt:
//   timer       PL011 output, an SVC taken at EL1 and returned from, PSCI over HVC, the GICv2
//               and the virtual timer's interrupt taken three times out of WFI, SYSTEM_OFF;
//   exceptions  undefined instruction, BRK and an external data abort at EL1; ERET to EL0, SVC
//               and an undefined MRS from EL0 (vector +0x400, SP_EL1/SP_EL0 banking), back to EL1;
//   echo        serial input (echo.input on stdin) through the PL011's receive interrupt, out of
//               WFI, until a 'q';
//   mmu         stage-1 tables built by the guest, the MMU on: aliases, translation, permission
//               and access-flag faults (EC, WnR, fault status code, FAR), the MMU off again;
//   mmucode     code at one virtual page across a TTBR0 switch (new ASID), a switch back, a TLBI
//               by ASID; AT and PAR_EL1; EL0 running an execute-only page, then EL1-only code
//               that must abort when EL0 reaches it after EL1 ran it.
// Their expected serial output and exit status were recorded under qemu-system-aarch64 -M virt
// by fixtures/system/build.sh; a test checks that qemu still says so, so the expectation never
// comes from tsemu.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { needs, titled } from '../support/requires.js';
import { qemuSystem, SYSTEM_FIXTURES, tsemuSystem } from './run.js';

const lacking = needs('qemuSystem');

for (const name of ['timer', 'exceptions', 'echo', 'mmu', 'mmucode']) {
  const image = path.join(SYSTEM_FIXTURES, `${name}.img`);
  const inputFile = path.join(SYSTEM_FIXTURES, `${name}.input`);
  const input = fs.existsSync(inputFile) ? fs.readFileSync(inputFile, 'utf8') : '';
  const expected = fs.readFileSync(path.join(SYSTEM_FIXTURES, `${name}.expected`), 'utf8');
  const status = Number(fs.readFileSync(path.join(SYSTEM_FIXTURES, `${name}.status`), 'utf8'));

  describe(`bare metal on -M virt: ${name}`, () => {
    it('the recorded output is a complete run', () => {
      if (name === 'timer') {
        expect(expected.match(/^TICK /gm)).toHaveLength(3);
        expect(expected).toMatch(/SYSTEM_OFF\n$/);
      } else if (name === 'mmu') {
        expect(expected.match(/^abort ec=0x25 /gm)).toHaveLength(4);
        expect(expected).toMatch(/MMU off\n$/);
      } else if (name === 'mmucode') {
        expect(expected).toContain('0x1\n0x2\n0x1\n0x3\n0x4\n');
        expect(expected.match(/^AT: /gm)).toHaveLength(5);
        expect(expected).toMatch(/abort from EL0 ec=0x20 .* far=0x80003000 .* x0=0x6\n$/);
      } else if (name === 'echo') {
        expect(expected).toContain('HELLO, PL011\n');
        expect(expected).toMatch(/bytes read: 0xe\n$/);
      } else {
        expect(expected.match(/^vector \+0x400 /gm)).toHaveLength(3);
        expect(expected).toMatch(/back at EL1, CurrentEL 0x4\n$/);
      }
      expect(status).toBe(0);
    });

    for (const tier of ['eval', 'wasm', 'auto']) {
      it(`prints what qemu-system-aarch64 printed and powers off with its status (tier ${tier})`, () => {
        // auto: a block is hot on its first entry, so the tiers change hands at once (and the
        // first tier alone must run once the MMU is on, even if it was turned on mid-run).
        const env = tier === 'auto' ? { TSEMU_TIER: tier, TSEMU_HOT_THRESHOLD: '1' } : { TSEMU_TIER: tier };
        const r = tsemuSystem(['-M', 'virt', '-m', '128M', '-nographic', '-kernel', image], env, input);
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe(expected);
        expect(r.status).toBe(status);
      });
    }

    it.skipIf(lacking)(titled('qemu-system-aarch64 still prints the recorded output', lacking), () => {
      const r = qemuSystem(['-m', '128M', '-kernel', image], input);
      expect(r.stdout).toBe(expected);
      expect(r.status).toBe(status);
    });
  });
}

describe('serial input: what ends a run', () => {
  const image = path.join(SYSTEM_FIXTURES, 'echo.img');
  it('Ctrl-A x ends the run with status 0, as qemu -nographic (what follows never reaches the guest)', () => {
    const r = tsemuSystem(['-kernel', image], {}, 'ab\x01xq');
    expect(r.stdout).toMatch(/^echo: letters come back in upper case; q ends\n(A|AB)?$/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
  it('Ctrl-A Ctrl-A sends one Ctrl-A', () => {
    const r = tsemuSystem(['-kernel', image], {}, 'a\x01\x01q');
    expect(r.stdout).toBe('echo: letters come back in upper case; q ends\nA\x01\nbytes read: 0x3\n');
    expect(r.status).toBe(0);
  });
  it('input that ends with nothing else to wake the guest: one line, status 1', () => {
    const r = tsemuSystem(['-kernel', image], {}, 'ab');
    expect(r.stdout).toBe('echo: letters come back in upper case; q ends\nAB');
    expect(r.stderr).toMatch(/^tsemu-system: the guest waits in WFI for an interrupt that cannot come .*no more serial input\)\n$/);
    expect(r.status).toBe(1);
  });
});
