// The bare-metal fixture (fixtures/system/timer.S): PL011 output, an SVC taken at EL1 and
// returned from, PSCI over HVC, the GICv2 and the virtual timer's interrupt taken three times
// out of WFI, PSCI SYSTEM_OFF. Its expected serial output and exit status were recorded under
// qemu-system-aarch64 -M virt by fixtures/system/build.sh; the last test checks that qemu still
// says so, so the expectation never comes from tsemu.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { needs, titled } from '../support/requires.js';
import { qemuSystem, SYSTEM_FIXTURES, tsemuSystem } from './run.js';

const image = path.join(SYSTEM_FIXTURES, 'timer.img');
const expected = fs.readFileSync(path.join(SYSTEM_FIXTURES, 'timer.expected'), 'utf8');
const status = Number(fs.readFileSync(path.join(SYSTEM_FIXTURES, 'timer.status'), 'utf8'));

describe('bare metal on -M virt: UART, SVC, PSCI, GIC, virtual timer, WFI', () => {
  it('the recorded output is a complete run (three ticks, then SYSTEM_OFF)', () => {
    expect(expected.match(/^TICK /gm)).toHaveLength(3);
    expect(expected).toMatch(/SYSTEM_OFF\n$/);
    expect(status).toBe(0);
  });

  for (const tier of ['eval', 'wasm', 'auto']) {
    it(`prints what qemu-system-aarch64 printed and powers off with status 0 (tier ${tier})`, () => {
      const r = tsemuSystem(['-M', 'virt', '-m', '128M', '-nographic', '-kernel', image], { TSEMU_TIER: tier });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(expected);
      expect(r.status).toBe(status);
    });
  }

  const lacking = needs('qemuSystem');
  it.skipIf(lacking)(titled('qemu-system-aarch64 still prints the recorded output', lacking), () => {
    const r = qemuSystem(['-m', '128M', '-kernel', image]);
    expect(r.stdout).toBe(expected);
    expect(r.status).toBe(status);
  });
});
