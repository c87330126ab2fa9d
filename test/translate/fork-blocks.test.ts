// A forked child starts with its parent's first-tier blocks (Translator.exportEvalBlocks and
// importEvalBlocks): each is taken when the child first runs its pc, only if the guest code
// there is still what the block was made from; blocks the parent replaced with wasm go too.
import { describe, expect, it } from 'vitest';
import { PERM_R, PERM_W, PERM_X } from '../../src/cpu/state.js';
import { Machine, type Tier } from '../../src/translate/machine.js';

const CODE = 0x400000;
const BRK = 0xd4200000;
const ADD1 = 0x91000400; // add x0, x0, #1
const ADD2 = 0x91000800; // add x0, x0, #2

/** `blocks` blocks of `add x0, x0, #1; b next`, run `rounds` times round, then brk. */
function program(blocks: number): number[] {
  const words: number[] = [];
  for (let i = 0; i < blocks; i++) words.push(ADD1, 0x14000001);
  const back = -(words.length + 1);
  words.push(0xf1000421, (0x54000001 | ((back & 0x7ffff) << 5)) >>> 0, BRK);
  return words;
}

function machine(tier: Tier, words: number[], hotThreshold?: number): Machine {
  const m = new Machine({ tier, hotThreshold });
  m.mem.map(CODE, Math.ceil((words.length * 4) / 0x1000) * 0x1000, PERM_R | PERM_W | PERM_X, 'code');
  words.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
  return m;
}

function run(m: Machine, rounds: number, words: number[]): bigint {
  m.cpu.setX(0, 0);
  m.cpu.setX(1, rounds);
  m.cpu.pc = CODE;
  expect(m.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + (words.length - 1) * 4 });
  return m.cpu.x(0);
}

describe('first-tier blocks inherited by a forked child', () => {
  const words = program(200);

  it("the child makes none of the blocks its parent had", () => {
    const parent = machine('eval', words);
    expect(run(parent, 2, words)).toBe(400n);
    const data = parent.forkEvalBlocks();
    expect(data).not.toBeNull();
    const child = machine('eval', words);
    child.inheritEvalBlocks(data!);
    expect(run(child, 3, words)).toBe(600n);
    expect(child.translator.stats.evalBuilt).toBe(0);
    expect(child.translator.stats.evalInherited).toBe(parent.translator.stats.evalBuilt);
  });

  it('a block whose guest code changed is made again, and runs the new code', () => {
    const parent = machine('eval', words);
    run(parent, 1, words);
    const data = parent.forkEvalBlocks()!;
    const changed = [...words];
    changed[10] = ADD2; // the sixth block adds 2
    const child = machine('eval', changed);
    child.inheritEvalBlocks(data);
    expect(run(child, 1, changed)).toBe(201n);
    expect(child.translator.stats.evalBuilt).toBe(1);
  });

  it('blocks the parent runs in wasm by now go to the child too', () => {
    const parent = machine('auto', words, 2);
    run(parent, 5, words);
    expect(parent.translator.cachedSlot(CODE)).toBeGreaterThanOrEqual(0); // hot: wasm
    const child = machine('eval', words);
    child.inheritEvalBlocks(parent.forkEvalBlocks()!);
    expect(run(child, 1, words)).toBe(200n);
    // Every `add` block came from the parent, first-tier ones and those in wasm by now; the brk
    // at the end the parent only ever ran inside a wasm region, so it had no block to give.
    expect(child.translator.stats.evalInherited).toBeGreaterThanOrEqual(200);
    expect(child.translator.stats.evalBuilt).toBeLessThanOrEqual(1);
  });

  it('a child with first-tier blocks of its own already, or a damaged export, takes none', () => {
    const parent = machine('eval', words);
    run(parent, 1, words);
    const data = parent.forkEvalBlocks()!;
    const busy = machine('eval', words);
    run(busy, 1, words);
    busy.inheritEvalBlocks(data);
    expect(busy.translator.stats.evalInherited).toBe(0);
    const bad = data.slice();
    bad[1] ^= 1; // another build's
    const other = machine('eval', words);
    other.inheritEvalBlocks(bad);
    expect(run(other, 1, words)).toBe(200n);
    expect(other.translator.stats.evalInherited).toBe(0);
  });
});
