// The first tier does its commonest integer operators in JS on 32-bit halves (FAST_OPS in
// eval-code.ts) instead of calling the wasm operator of the same name. Each must give the
// wasm operator's result bit for bit: compared here on edge values and random operands.
import { describe, expect, it } from 'vitest';
import { FAST_OPS, fastOperator } from '../../src/translate/eval-code.js';
import { OPS } from '../../src/translate/opcodes.js';
import { operators } from '../../src/translate/operators.js';
import { Rng } from '../support/differential.js';

const memory = new WebAssembly.Memory({ initial: 65536, maximum: 65536, shared: true }) // reserved, not touched;
const ops = operators(memory);
const i32 = new Int32Array(memory.buffer);
const u8 = new Uint8Array(memory.buffer);
const A = 0x100, B = 0x200, FAST_OUT = 0x300, WASM_OUT = 0x400;

const EDGE32 = [0, 1, 2, 31, 32, 33, 63, 64, 65, -1, -2, 0x7fffffff, -0x80000000, 0x80000001 | 0, 0xffff, 0x8000, 0x80, 0xff, 0x7f];
const SIZE = { i32: 4, i64: 8, f32: 4, f64: 8, v128: 16 } as const;
const LANES: Record<string, number> = { i64x2: 2, i32x4: 4 };

describe('first-tier JS operators agree with the wasm operators', () => {
  const r = new Rng(20261204);
  const word = () => (r.int(3) === 0 ? r.pick(EDGE32) : Number(r.u64() & 0xffffffffn) | 0);
  it.each(Object.keys(FAST_OPS))('%s', (name) => {
    const info = OPS.get(name)!;
    const lanes = info.imm === 'lane' ? LANES[name.split('.')[0]] : 1;
    const bytes = SIZE[info.result!];
    for (let lane = 0; lane < lanes; lane++) {
      const wasm = ops[info.imm === 'lane' ? `${name}#${lane}` : name];
      const fast = fastOperator(name, i32, FAST_OUT >> 2, A >> 2, B >> 2, lane);
      for (let k = 0; k < 3000; k++) {
        for (let w = 0; w < 4; w++) { i32[(A >> 2) + w] = word(); i32[(B >> 2) + w] = word(); }
        // equal operands and small shift counts are where carries and comparisons go wrong
        if (k % 7 === 0) i32.copyWithin(B >> 2, A >> 2, (A >> 2) + 4);
        if (k % 5 === 0) i32[B >> 2] = r.int(130) - 1;
        u8.fill(0xcc, FAST_OUT, FAST_OUT + 16);
        u8.fill(0xcc, WASM_OUT, WASM_OUT + 16);
        fast();
        wasm(WASM_OUT, A, B, 0);
        const got = Array.from(u8.subarray(FAST_OUT, FAST_OUT + bytes));
        const want = Array.from(u8.subarray(WASM_OUT, WASM_OUT + bytes));
        if (got.join() !== want.join()) {
          const hex = (o: number) => Buffer.from(u8.subarray(o, o + 16)).toString('hex');
          expect(got, `${name} lane ${lane}: a=${hex(A)} b=${hex(B)}`).toEqual(want);
        }
      }
    }
  });
});
