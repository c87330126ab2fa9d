// The WebAssembly modules the translator makes.
//
// The runtime module is built once per translator: it owns the function table, imports every
// JS helper once, and exports `dispatch` (jump-cache lookup and tail call into the next
// translation) plus one wasm wrapper per helper. Region modules import only those, so
// instantiating one is cheap: V8 copies an imported table into every instance that imports it,
// and compiles a wrapper per imported JS function per module, both of which grew with the
// program. Region modules export their entry functions; the translator puts them in the table.
import type { Helper } from '../cpu/emitter.js';
import { Exit, JCACHE_BASE, JCACHE_ENTRIES, JCACHE_ENTRY_SIZE, MEMORY_PAGES } from '../cpu/state.js';
import { Bytes } from './bytes.js';
import { TYPE_CODE, type Ty } from './opcodes.js';

/** Type of an entry function: () -> exit code (what the table holds). */
export const ENTRY_TYPE = 0;
/** Type of a region function: (entry block index) -> exit code. */
const REGION_TYPE = 1;
/** Type of dispatch: (next pc) -> exit code. */
const DISPATCH_TYPE = 2;
/** In a region module, function 0 is the imported dispatch. */
export const DISPATCH_FUNC = 0;
/** In a region module, global 0 is the imported env.state: STATE_BASE (see RegionEmitter.zero). */
export const STATE_GLOBAL = 0;

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Collects the distinct function types of a module, with the three fixed ones first. */
class Types {
  list: number[][] = [[0x60, 0, 1, TYPE_CODE.i32], [0x60, 1, TYPE_CODE.i32, 1, TYPE_CODE.i32],
    [0x60, 1, TYPE_CODE.i64, 1, TYPE_CODE.i32]];
  private index = new Map<string, number>([['|i32', 0], ['i32|i32', 1], ['i64|i32', 2]]);

  of(params: Ty[], result: Ty | null): number {
    const key = params.join(',') + '|' + (result ?? '');
    let t = this.index.get(key);
    if (t === undefined) {
      t = this.list.length;
      this.index.set(key, t);
      this.list.push([0x60, params.length, ...params.map((p) => TYPE_CODE[p]), ...(result ? [1, TYPE_CODE[result]] : [0])]);
    }
    return t;
  }

  section(out: Bytes): void {
    out.byte(1).sized((b) => { b.u(this.list.length); for (const t of this.list) b.bytes(t); });
  }
}

function memoryImport(b: Bytes): void {
  b.name('env').name('mem').byte(0x02).byte(0x03).u(MEMORY_PAGES).u(MEMORY_PAGES);
}

/** The runtime module: imports env.mem, env.tbl and h.<name> for each helper; exports dispatch
 *  and a wrapper of each helper under its name. */
export function buildRuntimeModule(helpers: readonly Helper[], jc = { base: JCACHE_BASE, entries: JCACHE_ENTRIES }): Uint8Array<ArrayBuffer> {
  const types = new Types();
  const helperTypes = helpers.map((h) => types.of(h.params, h.result));
  const out = new Bytes().bytes(HEADER);
  types.section(out);
  out.byte(2).sized((b) => {
    b.u(2 + helpers.length);
    memoryImport(b);
    b.name('env').name('tbl').byte(0x01).byte(0x70).byte(0x00).byte(0x00);
    helpers.forEach((h, i) => b.name('h').name(h.name).byte(0x00).u(helperTypes[i]));
  });
  const first = helpers.length; // dispatch's index; wrappers follow
  out.byte(3).sized((b) => {
    b.u(1 + helpers.length).u(DISPATCH_TYPE);
    helperTypes.forEach((t) => b.u(t));
  });
  out.byte(7).sized((b) => {
    b.u(1 + helpers.length);
    b.name('dispatch').byte(0x00).u(first);
    helpers.forEach((h, i) => b.name(h.name).byte(0x00).u(first + 1 + i));
  });
  out.byte(10).sized((b) => {
    b.u(1 + helpers.length);
    // dispatch(pc): entry = jc.base | ((pc >> 2) & mask) * 16; tail-call its slot if it holds pc.
    // (OR-ed in rather than a memarg offset: above 2^31 V8 would add it from a register per load.)
    if (JCACHE_ENTRY_SIZE !== 16) throw new Error('jump cache entry size is baked into dispatch');
    if (jc.base % (jc.entries * JCACHE_ENTRY_SIZE) !== 0) throw new Error('the jump cache must be aligned to its size');
    b.sized((f) => {
      f.byte(1).u(1).byte(TYPE_CODE.i32); // one i32 local: the entry address
      f.byte(0x20).u(0).byte(0xa7).byte(0x41).s32(2).byte(0x76).byte(0x41).s32(jc.entries - 1).byte(0x71)
        .byte(0x41).s32(4).byte(0x74).byte(0x41).s32(jc.base | 0).byte(0x72).byte(0x22).u(1)
        .byte(0x29).u(3).u(0).byte(0x20).u(0).byte(0x51)
        .byte(0x04).byte(0x40)
        .byte(0x20).u(1).byte(0x28).u(2).u(8).byte(0x13).u(ENTRY_TYPE).u(0)
        .byte(0x0b)
        .byte(0x41).s32(Exit.Miss).byte(0x0b);
    });
    helpers.forEach((h, i) => b.sized((f) => {
      f.byte(0);
      h.params.forEach((_, p) => f.byte(0x20).u(p));
      f.byte(0x10).u(i).byte(0x0b);
    }));
  });
  return out.view();
}

/**
 * A region module: imports env.mem, env.state (global), rt.dispatch and rt.<name> for the
 * helpers it uses (in the order given, as functions 1..k). By name, not by registration index:
 * the index depends on the order modules were loaded in, which differs between the bundles of
 * the first thread and the other threads, and a module compiled by one is run by the others.
 * Defines one function per region (body: locals + code, from RegionEmitter.finish) and one entry
 * function per member block of each region, in order, exported as "0", "1", ...
 */
export function buildRegionModule(used: readonly Helper[], regions: readonly Bytes[], blocks: readonly number[]): Uint8Array<ArrayBuffer> {
  const types = new Types();
  const helperTypes = used.map((h) => types.of(h.params, h.result));
  const out = new Bytes().bytes(HEADER);
  types.section(out);
  out.byte(2).sized((b) => {
    b.u(3 + used.length);
    memoryImport(b);
    b.name('env').name('state').byte(0x03).byte(TYPE_CODE.i32).byte(0x00);
    b.name('rt').name('dispatch').byte(0x00).u(DISPATCH_TYPE);
    used.forEach((h, i) => b.name('rt').name(h.name).byte(0x00).u(helperTypes[i]));
  });
  const regionIdx = 1 + used.length;
  const total = blocks.reduce((n, k) => n + k, 0);
  const entryIdx = regionIdx + regions.length;
  out.byte(3).sized((b) => {
    b.u(regions.length + total);
    for (let r = 0; r < regions.length; r++) b.u(REGION_TYPE);
    for (let i = 0; i < total; i++) b.u(ENTRY_TYPE);
  });
  out.byte(7).sized((b) => {
    b.u(total);
    for (let i = 0; i < total; i++) b.name(String(i)).byte(0x00).u(entryIdx + i);
  });
  out.byte(10).sized((b) => {
    b.u(regions.length + total);
    for (const region of regions) b.u(region.length).append(region);
    // entry i of region r: (func (result i32) (return_call $region_r (i32.const i)))
    blocks.forEach((k, r) => {
      for (let i = 0; i < k; i++) b.sized((f) => f.byte(0).byte(0x41).s32(i).byte(0x12).u(regionIdx + r).byte(0x0b));
    });
  });
  return out.view();
}
