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

/** Type index of the block function signature () -> i32 in every module. */
export const BLOCK_TYPE = 0;

export function buildModule(helpers: readonly Helper[], bodies: number[][], tableBase: number): Uint8Array<ArrayBuffer> {
  const types: number[][] = [[0x60, 0, 1, TYPE_CODE.i32]];
  const typeKey = new Map<string, number>([['|i32', 0]]);
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
  const funcs = bodies.map(() => uleb(BLOCK_TYPE));
  const elem = [0x00, 0x41, ...sleb32(tableBase), 0x0b, ...vec(bodies.map((_, i) => uleb(first + i)))];
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
