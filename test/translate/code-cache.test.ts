// The code cache is bounded (translator.ts SLOT_CAP, BYTES_CAP, EVAL_CAP): past its bounds every
// wasm translation is evicted and the table starts again, first-tier blocks are dropped, and a
// dropped translation's table entries are released at once, so V8 can free its module.
import { describe, expect, it } from 'vitest';
import { PERM_R, PERM_W, PERM_X } from '../../src/cpu/state.js';
import { Machine, type MachineOptions } from '../../src/translate/machine.js';
import { ADD2, SELF_MODIFYING } from '../support/self-modifying.js';

const CODE = 0x400000;
const BRK = 0xd4200000;

/** `blocks` blocks of `add x0, x0, #1; b next`, run `rounds` times round (x1 counts rounds),
 *  then brk: x0 ends at blocks * rounds. Each block is its own region when `tier` is wasm
 *  (a branch ends a block; regions follow static branches only within their bound). */
function chain(opts: MachineOptions, blocks: number, rounds: number): Machine {
  const m = new Machine(opts);
  const words: number[] = [];
  for (let i = 0; i < blocks; i++) words.push(0x91000400, 0x14000001);
  const back = -(words.length + 1);
  words.push(0xf1000421, (0x54000001 | ((back & 0x7ffff) << 5)) >>> 0, BRK);
  m.mem.map(CODE, Math.ceil((words.length * 4) / 0x1000) * 0x1000, PERM_R | PERM_X, 'code');
  words.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
  m.cpu.setX(0, 0);
  m.cpu.setX(1, rounds);
  m.cpu.pc = CODE;
  expect(m.run()).toMatchObject({ kind: 'breakpoint', pc: CODE + (words.length - 1) * 4 });
  expect(m.cpu.x(0)).toBe(BigInt(blocks * rounds));
  return m;
}

const used = (m: Machine) => (m.translator as unknown as { used: number }).used;
const evalBlocks = (m: Machine) => (m.translator as unknown as { evalBlocks: Map<number, unknown> }).evalBlocks.size;

describe('bounded code cache', () => {
  it('wasm: more code than the cache holds runs right, evicting, and the slots in use stay under the bound', () => {
    const m = chain({ tier: 'wasm', codeSlots: 64 }, 600, 3);
    expect(m.translator.stats.evictions).toBeGreaterThan(10);
    expect(used(m)).toBeLessThanOrEqual(64);
  });

  it('wasm: a bound on compiled bytes evicts too', () => {
    const m = chain({ tier: 'wasm', codeBytes: 16 * 1024 }, 600, 2);
    expect(m.translator.stats.evictions).toBeGreaterThan(2);
  });

  it('wasm: a bound on modules evicts too', () => {
    const m = chain({ tier: 'wasm', codeModules: 10 }, 600, 2);
    expect(m.translator.stats.evictions).toBeGreaterThan(10);
  });

  it('modules adopted from other threads are kept only up to the module bound, newest first', () => {
    const m = new Machine({ tier: 'wasm', codeModules: 3 });
    const module = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const pcs = [0x400000, 0x400100, 0x400200, 0x400300, 0x400400];
    for (const pc of pcs) m.translator.adopt({ wasm: new Uint8Array(8), fpcr: 0, regions: [[pc]], code: [new Uint8Array(4)] }, module);
    expect(pcs.map((pc) => m.translator.saved.candidates(pc)?.length ?? 0)).toEqual([0, 0, 1, 1, 1]);
  });

  it('without a bound reached, nothing is evicted', () => {
    const m = chain({ tier: 'wasm' }, 600, 2);
    expect(m.translator.stats.evictions).toBe(0);
    expect(used(m)).toBeGreaterThanOrEqual(600);
  });

  it('auto: hot code is translated again after an eviction and goes on running right', () => {
    const m = chain({ tier: 'auto', hotThreshold: 4, codeSlots: 48 }, 300, 40);
    expect(m.translator.stats.evictions).toBeGreaterThan(0);
    expect(m.translator.stats.modules).toBeGreaterThan(m.translator.stats.evictions);
  });

  it('eval: when their records fill the arena, first-tier blocks are dropped and rebuilt as needed', () => {
    // Room is kept for one block's worst case (64 Ki words): past 128 Ki words, everything goes.
    const m = chain({ tier: 'eval', codeArena: 1 << 17 }, 4000, 3);
    expect(m.translator.stats.evalDrops).toBeGreaterThan(2);
    const arena = (m.translator as unknown as { evalRt: { arena: { length: number; code: Int32Array } } }).evalRt.arena;
    expect(arena.code.length).toBeLessThanOrEqual(1 << 17);
  });

  it('eval: first-tier blocks beyond the bound are dropped and rebuilt as needed', () => {
    const m = chain({ tier: 'eval', evalBlocks: 100 }, 600, 3);
    expect(m.translator.stats.evalDrops).toBeGreaterThan(10);
    expect(evalBlocks(m)).toBeLessThanOrEqual(100);
  });

  it('a translation dropped by a store to its code releases its table entry', () => {
    const m = new Machine({ tier: 'wasm' });
    m.mem.map(CODE, 0x1000, PERM_R | PERM_W | PERM_X, 'code');
    SELF_MODIFYING.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
    // Translate the loop once, as it is before the rewrite, and note its slot.
    const slot = m.translator.lookup(CODE + 4);
    expect(m.translator.table.get(slot)).toBeInstanceOf(Function);
    m.cpu.setX(1, 10);
    m.cpu.setX(2, ADD2);
    m.cpu.setX(3, 0);
    m.cpu.setX(4, CODE + 4);
    m.cpu.pc = CODE;
    expect(m.run()).toMatchObject({ kind: 'breakpoint' });
    expect(m.cpu.x(0)).toBe(10n + 200n);
    expect(m.translator.table.get(slot)).toBeNull();
  });
});
