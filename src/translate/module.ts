// Assembles translated block bodies into one WebAssembly module. Each module imports the shared
// guest memory, the shared function table and every registered helper; its functions are
// placed into the table at a given slot by an active element segment.
import type { Helper } from '../cpu/emitter.js';
import { MEMORY_PAGES } from '../cpu/state.js';
import { TYPE_CODE, uleb, sleb32 } from './opcodes.js';

const enc = new TextEncoder();
function name(s: string): number[] {
  const b = enc.encode(s);
  return [...uleb(b.length), ...b];
}
function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Type index of the entry signature () -> i32 (what the table holds) in every module. */
export const BLOCK_TYPE = 0;
/** Type index of a region function: (entry block index) -> exit code. */
const REGION_TYPE = 1;

/**
 * A module holding one region function and, per member block, an entry function placed in the
 * shared table at tableBase + index that enters the region at that block.
 */
export function buildRegionModule(helpers: readonly Helper[], region: number[], blocks: number, tableBase: number): Uint8Array<ArrayBuffer> {
  const regionIdx = helpers.length;
  const entries = Array.from({ length: blocks }, (_, i) => [0, 0x41, ...sleb32(i), 0x12, ...uleb(regionIdx), 0x0b]);
  return buildModule(helpers, [region, ...entries], tableBase, [REGION_TYPE, ...entries.map(() => BLOCK_TYPE)], 1);
}

function buildModule(helpers: readonly Helper[], bodies: number[][], tableBase: number, funcTypes: number[], firstInTable: number): Uint8Array<ArrayBuffer> {
  const types: number[][] = [[0x60, 0, 1, TYPE_CODE.i32], [0x60, 1, TYPE_CODE.i32, 1, TYPE_CODE.i32]];
  const typeKey = new Map<string, number>([['|i32', 0], ['i32|i32', 1]]);
  const helperTypes = helpers.map((h) => {
    const key = h.params.join(',') + '|' + (h.result ?? '');
    let t = typeKey.get(key);
    if (t === undefined) {
      t = types.length;
      typeKey.set(key, t);
      types.push([0x60, ...uleb(h.params.length), ...h.params.map((p) => TYPE_CODE[p]),
        ...(h.result ? [1, TYPE_CODE[h.result]] : [0])]);
    }
    return t;
  });
  const imports: number[][] = [
    [...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(MEMORY_PAGES), ...uleb(MEMORY_PAGES)],
    [...name('env'), ...name('tbl'), 0x01, 0x70, 0x00, 0x00],
    ...helpers.map((h, i) => [...name('h'), ...name(h.name), 0x00, ...uleb(helperTypes[i])]),
  ];
  const first = helpers.length;
  const funcs = funcTypes.map((t) => uleb(t));
  const inTable = bodies.slice(firstInTable).map((_, i) => uleb(first + firstInTable + i));
  const elem = [0x00, 0x41, ...sleb32(tableBase), 0x0b, ...vec(inTable)];
  const code = bodies.map((b) => [...uleb(b.length), ...b]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec(imports)),
    ...section(3, vec(funcs)),
    ...section(9, vec([elem])),
    ...section(10, vec(code)),
  ]);
}
