// The tiers together (auto): a block runs in the first tier until it has been entered
// `hotThreshold` times, then the region from there is translated to wasm; invalidation drops
// whichever tier holds the code. Each tier's instruction semantics are tested on their own by
// the golden, differential and fault tests.
import { describe, expect, it } from 'vitest';
import {
  MAX_THREADS, PERM_R, PERM_W, PERM_X, SCRATCH_BASE, threadJumpCache, threadScratch, threadStateBase,
} from '../../src/cpu/state.js';
import { Machine, type Tier } from '../../src/translate/machine.js';
import { ADD2, SELF_MODIFYING } from '../support/self-modifying.js';

const CODE = 0x400000;

function run(tier: Tier, iterations: number, hotThreshold?: number): Machine {
  const m = new Machine({ tier, hotThreshold });
  m.mem.map(CODE, 0x1000, PERM_R | PERM_W | PERM_X, 'code');
  SELF_MODIFYING.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
  m.cpu.setX(1, iterations);
  m.cpu.setX(2, ADD2);
  m.cpu.setX(3, 0);
  m.cpu.setX(4, CODE + 4);
  m.cpu.pc = CODE;
  const stop = m.run();
  expect(stop).toMatchObject({ kind: 'breakpoint', pc: CODE + 0x34 });
  return m;
}

describe('tiers', () => {
  it.each([['eval'], ['wasm'], ['auto']] as const)('%s: self-modifying loop gives the same result', (tier) => {
    const m = run(tier, 1000, 10);
    expect(m.cpu.x(0)).toBe(1000n + 200n);
  });

  it('auto: a hot loop is translated, a cold one is not', () => {
    // 5 iterations, then 100 after the rewrite (which dropped the block and its count).
    expect(run('auto', 5, 500).translator.cachedSlot(CODE + 4)).toBe(-1);
    const hot = run('auto', 1000, 500);
    expect(hot.cpu.x(0)).toBe(1200n);
    // 100 iterations since the rewrite: the loop's block is first-tier again.
    expect(hot.translator.cachedSlot(CODE + 4)).toBe(-1);
    expect(run('auto', 1000, 50).translator.cachedSlot(CODE + 4)).toBeGreaterThanOrEqual(0);
  });

  it('eval never translates; wasm always does', () => {
    expect(run('eval', 1000, 1).translator.cachedSlot(CODE + 4)).toBe(-1);
    expect(run('wasm', 5).translator.cachedSlot(CODE + 4)).toBeGreaterThanOrEqual(0);
  });

  it('auto: code rewritten after it was translated runs rewritten (translation dropped)', () => {
    // Threshold 2: the loop is wasm after its second entry; the store hits a translated page.
    const m = run('auto', 50, 2);
    expect(m.cpu.x(0)).toBe(50n + 200n);
  });

  it('eval: when constants fill their area, every first-tier block is dropped and rebuilt as needed', () => {
    // 65,535 distinct movz immediates: more constants than the area holds.
    const m = new Machine({ tier: 'eval' });
    const pages = 64;
    m.mem.map(CODE, pages * 0x1000, PERM_R | PERM_X, 'code');
    for (let i = 0; i < pages * 1024; i++) m.mem.dv.setUint32(CODE + i * 4, (0xd2800000 | (i << 5)) >>> 0, true);
    m.mem.dv.setUint32(CODE + (pages * 1024 - 1) * 4, 0xd4200000, true); // brk #0
    m.cpu.pc = CODE;
    expect(m.run()).toMatchObject({ kind: 'breakpoint' });
    expect(m.cpu.x(0)).toBe(BigInt(pages * 1024 - 2));
    const blocks = (m.translator as unknown as { evalBlocks: Map<number, unknown> }).evalBlocks.size;
    expect(blocks).toBeGreaterThan(0);
    expect(blocks).toBeLessThan(pages * 1024 / 64);
  });

  it('auto: blocks that get hot together are translated together, in one module', () => {
    // 20 blocks `add x0, x0, #1; b next`, then `subs x1, x1, #1; b.ne first`: all hot at once.
    const m = new Machine({ tier: 'auto', hotThreshold: 4 });
    m.mem.map(CODE, 0x1000, PERM_R | PERM_W | PERM_X, 'code');
    const words: number[] = [];
    for (let i = 0; i < 20; i++) words.push(0x91000400, 0x14000001);
    const back = -(words.length + 1); // from the b.ne to CODE, in words
    words.push(0xf1000421, (0x54000001 | ((back & 0x7ffff) << 5)) >>> 0, 0xd4200000);
    words.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
    m.cpu.setX(0, 0);
    m.cpu.setX(1, 50);
    m.cpu.pc = CODE;
    expect(m.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + (words.length - 1) * 4 });
    expect(m.cpu.x(0)).toBe(1000n);
    const slots = Array.from({ length: 20 }, (_, i) => m.translator.cachedSlot(CODE + i * 8));
    expect(slots.every((s) => s >= 0)).toBe(true);
    // One module: consecutive table slots.
    expect(new Set(slots.map((s, i) => s - i)).size).toBeLessThanOrEqual(2);
  });

  it('eval: a second guest thread runs the first tier on its own CPU state and scratch area', () => {
    const first = new Machine({ tier: 'eval' });
    const second = new Machine({
      tier: 'eval', stateBase: threadStateBase(1), jumpCache: threadJumpCache(1), scratch: threadScratch(1),
    }, first.mem);
    first.mem.map(CODE, 0x1000, PERM_R | PERM_X, 'code');
    // movz x3, #0x1234; add x0, x1, x2; add x0, x0, x3; brk #0
    [0xd2824683, 0x8b020020, 0x8b030000, 0xd4200000].forEach((w, i) => first.mem.dv.setUint32(CODE + i * 4, w, true));
    const scratch = threadScratch(1);
    const used = (base: number) => first.mem.u8.subarray(base, base + 0x10000).some((b) => b !== 0);
    second.cpu.setX(1, 5);
    second.cpu.setX(2, 7);
    second.cpu.pc = CODE;
    expect(second.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + 12 });
    expect(second.cpu.x(0)).toBe(12n + 0x1234n);
    // The first thread's registers and scratch area were not touched; the second's was used.
    expect(first.cpu.x(0)).toBe(0n);
    expect(used(SCRATCH_BASE)).toBe(false);
    expect(used(scratch.base)).toBe(true);
    first.cpu.setX(1, 1);
    first.cpu.setX(2, 2);
    first.cpu.pc = CODE;
    expect(first.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + 12 });
    expect(first.cpu.x(0)).toBe(3n + 0x1234n);
    expect(second.cpu.x(0)).toBe(12n + 0x1234n);
  });

  // Threads past the eighth have a 32 KiB scratch area; the first tier once reserved more room
  // for constants than that leaves, so those threads dropped every block they built and never
  // tiered up (Go's net/http tests, ten threads and more, ran ~100 times slower).
  it.each([[1], [9], [MAX_THREADS - 1]])('auto: the thread in slot %i keeps its first-tier blocks and tiers up', (slot) => {
    const first = new Machine({ tier: 'auto' });
    const m = new Machine({
      tier: 'auto', hotThreshold: 50, stateBase: threadStateBase(slot), jumpCache: threadJumpCache(slot), scratch: threadScratch(slot),
    }, first.mem);
    first.mem.map(CODE, 0x1000, PERM_R | PERM_X, 'code');
    // loop: add x0, x0, #3; subs x1, x1, #1; b.ne loop; brk #0
    [0x91000c00, 0xf1000421, 0x54ffffc1, 0xd4200000].forEach((w, i) => first.mem.dv.setUint32(CODE + i * 4, w, true));
    m.cpu.setX(0, 0);
    m.cpu.setX(1, 1000);
    m.cpu.pc = CODE;
    expect(m.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + 12 });
    expect(m.cpu.x(0)).toBe(3000n);
    expect(m.translator.stats.evalDrops).toBe(0);
    expect(m.translator.cachedSlot(CODE)).toBeGreaterThanOrEqual(0);
  });

  it('auto: a computed jump to a case block seen in the first tier stays inside its region', () => {
    // A switch: x0 & 3 picks one of four cases through a jump table in code (br x6); each case
    // counts in its own register and branches back.
    const words = [
      0x92400405, 0x10000066, 0x8b050cc6, 0xd61f00c0, // and x5, x0, #3; adr x6, cases; add x6, x6, x5, lsl #3; br x6
      0x91000442, 0x14000007, 0x91000463, 0x14000005, // cases: add x2, #1; b next; add x3, #1; b next
      0x91000484, 0x14000003, 0x910004e7, 0x14000001, //        add x4, #1; b next; add x7, #1; b next
      0x91000400, 0xf1000421, 0x54fffe41, 0xd4200000, // next: add x0, #1; subs x1, #1; b.ne loop; brk #0
    ];
    // Every entry into a region counts against the block budget; the run loop is called on
    // again each time 100 have run out.
    const m = new Machine({ tier: 'auto', hotThreshold: 50, budget: 100 });
    m.mem.map(CODE, 0x1000, PERM_R | PERM_X, 'code');
    words.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
    for (const r of [0, 2, 3, 4, 7]) m.cpu.setX(r, 0);
    m.cpu.setX(1, 20000);
    m.cpu.pc = CODE;
    expect(m.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + 15 * 4 });
    expect([2, 3, 4, 7].map((r) => m.cpu.x(r))).toEqual([5000n, 5000n, 5000n, 5000n]);
    // The dispatch and the four cases are one region, and the switch goes round inside it:
    // leaving the region at every jump would enter a region ~40,000 times (400 budgets).
    const slots = [0, 4, 6, 8, 10].map((i) => m.translator.cachedSlot(CODE + i * 4));
    expect(slots.every((s) => s >= 0)).toBe(true);
    expect(m.wasmCalls).toBeLessThan(20);
  });

  it('auto: a return to a call in the same region stays inside it', () => {
    const words = [
      0x94000004, 0xf1000421, 0x54ffffc1, 0xd4200000, // loop: bl func; subs x1, #1; b.ne loop; brk #0
      0x91000400, 0xd65f03c0, //                          func: add x0, #1; ret
    ];
    const m = new Machine({ tier: 'auto', hotThreshold: 50, budget: 100 });
    m.mem.map(CODE, 0x1000, PERM_R | PERM_X, 'code');
    words.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
    m.cpu.setX(0, 0);
    m.cpu.setX(1, 20000);
    m.cpu.pc = CODE;
    expect(m.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + 3 * 4 });
    expect(m.cpu.x(0)).toBe(20000n);
    // Leaving the region at every return would enter a region ~20,000 times (200 budgets).
    expect(m.wasmCalls).toBeLessThan(20);
  });
});

