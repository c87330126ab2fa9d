// The evaluator's operators: one small WebAssembly module, built once per process, that exports
// one function per wasm operator the emitter may name (opcodes.ts), so the evaluator gets
// exactly wasm's semantics (NaN bits, trunc_sat, shift masking, v128 lanes) without a second
// implementation of any of them. Operands and results live in value slots in linear memory
// (the evaluator's scratch area), so no i64 crosses into JS as a BigInt and v128 needs no
// special path. Every function has the same type, (dst, a, b, c: i32) -> (), so the module
// costs one compile at start-up (~2 ms) and calls from JS stay monomorphic.
//
// Besides the operators: guest memory accesses (the permission check is the evaluator's, in
// JS) and atomics, with the same opcodes the region emitter uses.
import { MEMORY_PAGES } from '../cpu/state.js';
import { Bytes } from './bytes.js';
import { OPS, type Ty } from './opcodes.js';

export type OperatorFn = (d: number, a: number, b: number, c: number) => void;

const LOAD: Record<Ty, number[]> = { i32: [0x28, 2], i64: [0x29, 3], f32: [0x2a, 2], f64: [0x2b, 3], v128: [0xfd, 0, 4] };
const STORE: Record<Ty, number[]> = { i32: [0x36, 2], i64: [0x37, 3], f32: [0x38, 2], f64: [0x39, 3], v128: [0xfd, 11, 4] };
const LANES: Record<string, number> = { i8x16: 16, i16x8: 8, i32x4: 4, i64x2: 2, f32x4: 4, f64x2: 2 };
const RMW_BASE = { add: 0x1e, and: 0x2c, or: 0x33, xor: 0x3a, xchg: 0x41, cmpxchg: 0x48 } as const;
const RMW_SIZE_STEP: Record<number, number> = { 8: 1, 1: 4, 2: 5, 4: 6 };
const LOG2: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3, 16: 4 };

/** Load a slot of type ty from the address in local `l` (memarg: natural alignment, offset 0). */
const ld = (ty: Ty, l: number) => [0x20, l, ...LOAD[ty], 0];
const st = (ty: Ty) => [...STORE[ty], 0];

/** Function bodies by export name. Locals 0..3 are dst, a, b, c. */
function bodies(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [name, info] of OPS) {
    if (info.imm === 'shuffle' || !info.result) continue; // shuffle's 16 immediates: done in JS
    const lanes = info.imm === 'lane' ? LANES[name.slice(0, name.indexOf('.'))] : 1;
    for (let lane = 0; lane < lanes; lane++) {
      const code = [0x20, 0];
      info.params.forEach((p, i) => code.push(...ld(p, i + 1)));
      code.push(...info.bytes);
      if (info.imm === 'lane') code.push(lane);
      code.push(...st(info.result));
      out.set(info.imm === 'lane' ? `${name}#${lane}` : name, code);
    }
  }
  // Guest memory: load<size>(dst, addr) zero-extends to i64 (v128 for 16); store<size>(addr, src)
  // stores the low bytes of the slot, whatever its type (slots are little-endian bytes).
  const loads: Record<number, number[]> = { 1: [0x31, 0], 2: [0x33, 0], 4: [0x35, 0], 8: [0x29, 0], 16: [0xfd, 0, 0] };
  const stores: Record<number, number[]> = { 1: [0x3c, 0], 2: [0x3d, 0], 4: [0x3e, 0], 8: [0x37, 0], 16: [0xfd, 11, 0] };
  for (const size of [1, 2, 4, 8, 16]) {
    const slotTy: Ty = size === 16 ? 'v128' : 'i64';
    out.set(`load${size}`, [0x20, 0, 0x20, 1, ...loads[size], 0, ...st(slotTy)]);
    out.set(`store${size}`, [0x20, 0, ...ld(slotTy, 1), ...stores[size], 0]);
  }
  // Atomics on guest memory: (dst, addr, value) and cas (dst, addr, expected, replacement); all
  // i64 slots, zero-extended results as the region emitter gets them.
  for (const size of [1, 2, 4, 8]) {
    for (const kind of ['add', 'and', 'or', 'xor', 'xchg'] as const) {
      out.set(`rmw_${kind}${size}`, [0x20, 0, 0x20, 1, ...ld('i64', 2),
        0xfe, RMW_BASE[kind] + RMW_SIZE_STEP[size], LOG2[size], 0, ...st('i64')]);
    }
    out.set(`cas${size}`, [0x20, 0, 0x20, 1, ...ld('i64', 2), ...ld('i64', 3),
      0xfe, RMW_BASE.cmpxchg + RMW_SIZE_STEP[size], LOG2[size], 0, ...st('i64')]);
    const atomicLoad = { 1: 0x14, 2: 0x15, 4: 0x16, 8: 0x11 }[size]!;
    out.set(`atomic_load${size}`, [0x20, 0, 0x20, 1, 0xfe, atomicLoad, LOG2[size], 0, ...st('i64')]);
  }
  out.set('fence', [0xfe, 0x03, 0x00]);
  return out;
}

export function buildOperatorModule(): { bytes: Uint8Array<ArrayBuffer>; names: string[] } {
  const fns = bodies();
  const names = [...fns.keys()];
  const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  out.byte(1).sized((b) => b.u(1).bytes([0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0]));
  out.byte(2).sized((b) => b.u(1).name('env').name('mem').byte(0x02).byte(0x03).u(MEMORY_PAGES).u(MEMORY_PAGES));
  out.byte(3).sized((b) => { b.u(names.length); for (let i = 0; i < names.length; i++) b.u(0); });
  out.byte(7).sized((b) => { b.u(names.length); names.forEach((n, i) => b.name(n).byte(0).u(i)); });
  out.byte(10).sized((b) => {
    b.u(names.length);
    for (const n of names) b.sized((f) => f.u(0).bytes(fns.get(n)!).byte(0x0b));
  });
  return { bytes: out.view(), names };
}

let compiled: WebAssembly.Module | undefined;

/** The operator functions over `memory`, by name ('i64.add', 'i8x16.extract_lane_u#3', 'load8'). */
export function operators(memory: WebAssembly.Memory): Record<string, OperatorFn> {
  compiled ??= new WebAssembly.Module(buildOperatorModule().bytes);
  return new WebAssembly.Instance(compiled, { env: { mem: memory } }).exports as unknown as Record<string, OperatorFn>;
}
