// Region modules link to the runtime's helpers by name: one guest thread compiles a module and
// the others run it, and each thread's bundle registers the helpers in an order of its own.
import { describe, expect, it } from 'vitest';
import type { Helper } from '../../src/cpu/emitter.js';
import { MEMORY_PAGES } from '../../src/cpu/state.js';
import { buildRegionModule, buildRuntimeModule } from '../../src/translate/module.js';

const twice: Helper = { name: 'test_twice', params: ['i32'], result: 'i32', fn: (x: number) => x * 2 };
const half: Helper = { name: 'test_half', params: ['f64'], result: 'f64', fn: (x: number) => x / 2 };

describe('region modules and the runtime module', () => {
  it('a module made where a helper had another index links to it by name', () => {
    const memory = new WebAssembly.Memory({ initial: MEMORY_PAGES, maximum: MEMORY_PAGES, shared: true });
    const table = new WebAssembly.Table({ initial: 1, element: 'anyfunc' });
    // This thread registered `twice` first; the module comes from one that registered `half`
    // first, and calls only `half`.
    const runtime = new WebAssembly.Instance(new WebAssembly.Module(buildRuntimeModule([twice, half])), {
      env: { mem: memory, tbl: table }, h: { test_twice: twice.fn, test_half: half.fn },
    } as WebAssembly.Imports);
    const wasm = buildRegionModule([half], [], []);
    const state = new WebAssembly.Global({ value: 'i32', mutable: false }, 0);
    const imports = { env: { mem: memory, state }, rt: runtime.exports } as WebAssembly.Imports;
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(wasm), imports)).not.toThrow();
    expect((runtime.exports.test_half as (x: number) => number)(5)).toBe(2.5);
  });
});
