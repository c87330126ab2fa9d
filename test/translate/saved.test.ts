// Saved translations (translate/saved-translations.ts): region modules kept with the guest code
// they were built from, installed in another machine (a later run, a forked child) only where
// that code is still there byte for byte; a file that is not whole and intact is never trusted.
import { describe, expect, it } from 'vitest';
import { PERM_R, PERM_W, PERM_X } from '../../src/cpu/state.js';
import { Machine, type Tier } from '../../src/translate/machine.js';
import { ADD2, SELF_MODIFYING } from '../support/self-modifying.js';
import { decodeSaved, encodeSaved, type SavedModule } from '../../src/translate/saved-translations.js';

const CODE = 0x400000;
const ADD3 = 0x91000c00; // add x0, x0, #3

/** Run the loop at `at` with `saved` modules from elsewhere; returns the machine. */
function run(tier: Tier, saved: SavedModule[], opts: { at?: number; firstAdd?: number } = {}): Machine {
  const at = opts.at ?? CODE;
  const m = new Machine({ tier, hotThreshold: 10 });
  m.translator.recording = true;
  m.translator.saved.load(saved);
  m.mem.map(at, 0x1000, PERM_R | PERM_W | PERM_X, 'code');
  SELF_MODIFYING.forEach((w, i) => m.mem.dv.setUint32(at + i * 4, w, true));
  if (opts.firstAdd) m.mem.dv.setUint32(at + 4, opts.firstAdd, true);
  m.cpu.setX(1, 1000);
  m.cpu.setX(2, ADD2);
  m.cpu.setX(3, 0);
  m.cpu.setX(4, at + 4);
  m.cpu.pc = at;
  expect(m.run()).toMatchObject({ kind: 'breakpoint', pc: at + 0x34 });
  return m;
}

describe('saved translations', () => {
  it.each([['auto'], ['wasm']] as const)('%s: installed where the code matches, and exact across a rewrite', (tier) => {
    const first = run(tier, []);
    expect(first.cpu.x(0)).toBe(1200n);
    const mods = first.translator.saved.all();
    expect(mods.length).toBeGreaterThan(0);
    // The same code: the saved loop (add #1) runs, is dropped by the rewrite, and the saved
    // translation of the rewritten loop (add #2) is installed in its place.
    const again = run(tier, decodeSaved(encodeSaved(mods))!);
    expect(again.cpu.x(0)).toBe(1200n);
    expect(again.translator.saved.installed).toBeGreaterThanOrEqual(2);
    expect(again.translator.saved.made).toBe(0);
  });

  it.each([['auto'], ['wasm']] as const)('%s: never installed over other code, nor at another address', (tier) => {
    const mods = run(tier, []).translator.saved.all();
    // add #3 where the saved loop had add #1: that module is stale, the loop is translated anew.
    const other = run(tier, mods, { firstAdd: ADD3 });
    expect(other.cpu.x(0)).toBe(3000n + 200n);
    expect(other.translator.saved.stale).toBeGreaterThan(0);
    expect(other.translator.saved.made).toBeGreaterThan(0);
    // The same code one page higher: generated code holds absolute pcs, nothing applies.
    const moved = run(tier, mods, { at: CODE + 0x1000 });
    expect(moved.cpu.x(0)).toBe(1200n);
    expect(moved.translator.saved.installed).toBe(0);
  });

  it('a truncated or corrupted file decodes to nothing', () => {
    const mods = run('wasm', []).translator.saved.all();
    const file = encodeSaved(mods);
    expect(decodeSaved(file)?.length).toBe(mods.length);
    for (const n of [0, 8, 44, file.length >> 1, file.length - 1]) expect(decodeSaved(file.subarray(0, n))).toBeNull();
    for (const at of [0, 12, 50, file.length >> 1, file.length - 1]) {
      const bad = Buffer.from(file);
      bad[at] ^= 0x40;
      expect(decodeSaved(bad)).toBeNull();
    }
    expect(decodeSaved(Buffer.concat([file, Buffer.from([0])]))).toBeNull();
  });
});
