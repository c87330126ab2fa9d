// The first tier's block code and the loop that runs it. EvalEmitter (eval-emitter.ts) turns
// each instruction's `sem` into records of a flat Int32Array: an operation and up to five
// operands, mostly offsets of 16-byte value slots in linear memory (as Int32Array indices). One
// function runs them with a switch.
//
// Measured on `python3 -c pass` (33,600 first-tier blocks, 11.7 M guest instructions in them):
// the closures this replaces, one or more per operation, took ~3.5 KB per block that stayed
// alive, and ~400 ms of the run went to scavenging them; each ran through a call V8 cannot
// predict. Records are 24 bytes, and the switch is one function V8 optimizes once.
//
// The cheapest integer and lane operators are done here in JS on 32-bit halves instead of
// calling the wasm operator of the same name (a JS→wasm call costs more than the operation):
// each must agree bit for bit with the wasm operator (test/translate/eval-operators.test.ts
// compares them). The rest call the wasm operators (operators.ts). Rare operations (helper
// calls, shuffles, system-mode accesses) are closures called from a record.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Exit, FaultKind, PERM_BASE, PERM_CODE, PERM_R, PERM_W, REG } from '../cpu/state.js';
import type { OperatorFn } from './operators.js';

/** A closure step returns 0 to go on, a value from `skip` to pass over records after it, else
 *  the block's exit: CHAIN (continue at the pc in the state) or an Exit code. */
export type Step = () => number;
export const CHAIN = -1;
/** A closure step's result that passes over the next n records. */
export const skip = (n: number): number => -1 - n;

let build: number | undefined;
/** Identifies this build of the records' meaning (a hash of the size and time of the file that
 *  holds this module): a forked child takes its parent's blocks only from the same build. */
export function codeBuild(): number {
  if (build === undefined) {
    let id = 'unknown';
    try {
      const st = statSync(fileURLToPath(import.meta.url));
      id = `${st.size}:${st.mtimeMs}`;
    } catch { /* not a file: blocks are never shared */ }
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    build = id === 'unknown' ? 0 : h | 1;
  }
  return build;
}

/** Int32 words per record: the operation, then five operands. */
export const W = 6;

/**
 * Where a thread's blocks keep their records: one array for all of them, so that a block is a
 * range in it rather than an array of its own. With an array per block, each with a buffer of
 * its own, every scavenge went through tens of thousands of young buffers (python3 -c pass:
 * ~290 ms of scavenges, whatever the allocation). Space of dropped blocks is taken back only
 * when the translator drops every block (reset); it grows by doubling up to ARENA_CAP.
 */
export class CodeArena {
  code = new Int32Array(ARENA_START);
  length = 0;
  /** cap: the most words it grows to. */
  constructor(readonly cap = ARENA_CAP) {}

  /** Room for `words` more, at the offset returned. */
  reserve(words: number): number {
    if (this.length + words > this.code.length) {
      const more = new Int32Array(Math.max(this.code.length * 2, this.length + words));
      more.set(this.code.subarray(0, this.length));
      this.code = more;
    }
    const at = this.length;
    this.length += words;
    return at;
  }

  /** Whether a block of the most words one takes still fits under ARENA_CAP. */
  get room(): boolean { return this.length + ARENA_BLOCK <= Math.max(this.cap, ARENA_BLOCK); }

  /** Forget every block (only when none that uses the arena remains). */
  reset(): void {
    this.length = 0;
  }
}
/** Words of a new arena (64 KiB), the most it grows to by default (64 MiB: python3 -c pass
 *  takes ~20), and more than one block's records ever take (64 instructions). */
const ARENA_START = 1 << 14;
const ARENA_CAP = 1 << 24;
const ARENA_BLOCK = 1 << 16;

/** What running code needs: views of linear memory, the wasm operators by index, the thread's
 *  CPU state block (where a fault is recorded) and its blocks' records. */
export interface CodeRuntime {
  readonly arena: CodeArena;
  readonly m: Int32Array;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly fnList: readonly OperatorFn[];
  readonly state: number;
}

// Operand names below: d = destination slot, a/b = operand slots, c = condition slot (Int32Array
// indices unless said otherwise); pc = the instruction's address as two words, low and high.
export const enum Op {
  Nop,
  /** d ← a, 4, 8 or 16 bytes */
  Copy4, Copy8, Copy16,
  /** d ← a's low word, zero-extended to 64 bits */
  Move32,
  /** fns[r1](): 0 goes on, skip(n) passes over n records, else the exit */
  Closure,
  /** fnList[r1](d, a, b, c) with byte offsets r2..r5 */
  CallOp,
  /** fnList[r1](d, address in slot r3, b, c): r2, r4, r5 byte offsets */
  Atomic,
  /** d ← (c ? a : b): r1 d, r2 a, r3 b, r4 c */
  Select4, Select8, Select16,
  /** if c (r1) is 0, go to record r2 */
  IfZero,
  /** go to record r1 */
  Jump,
  /** if c (r1) is not 0, go to record r2 (a loop's end) */
  LoopIfNonZero,
  /** d (r1) ← guest memory at the address in slot r2, checked; r3, r4 pc */
  Load1, Load2, Load4, Load8, Load16,
  /** guest memory at the address in slot r2 ← slot r1, checked; r3, r4 pc */
  Store1, Store2, Store4, Store8, Store16,
  /** the store checks alone, for r1 bytes at the address in slot r2; r3, r4 pc */
  StoreCheck,
  /** alignment fault unless the address in slot r2 has no bit of mask r1 set; r3, r4 pc */
  Align,
  /** pc ← (r2, r3); leave with r1 */
  Exit,
  /** pc ← slot r1; leave with CHAIN */
  JumpReg,
  /** pc ← c (r1) ? (r2, r3) : (r4, r5); leave with CHAIN */
  Branch,
  /** exitArg ← r1, and syncArg ← slot r2 unless r2 is -1 */
  ExitArgs,
  /** the four flag words from r1 on ← the i32 slots r2..r5 (N, Z, C, V) */
  Flags,
  // The JS operators: r1 d, r2 a, r3 b, r4 lane.
  Add64, Sub64, And64, Or64, Xor64, Shl64, ShrU64, ShrS64, Rotr64,
  Eq64, Ne64, Eqz64, LtU64, GeU64, GtU64, LeU64, LtS64, GeS64, GtS64, LeS64,
  Wrap, ExtendU32, ExtendS32, Extend16S64, Extend8S64, Extend16S32, Extend8S32,
  Add32, Sub32, Mul32, And32, Or32, Xor32, Shl32, ShrU32, ShrS32,
  Eqz32, Eq32, Ne32, LtS32, GtS32, LeS32, GeS32, LtU32, GtU32, LeU32, GeU32,
  ExtractLane64, ReplaceLane64, Splat64, ExtractLane32, ReplaceLane32, Splat32,
}

/** The wasm operators done in JS, by name. */
export const FAST_OPS: Readonly<Record<string, Op>> = {
  'i64.add': Op.Add64, 'i64.sub': Op.Sub64, 'i64.and': Op.And64, 'i64.or': Op.Or64, 'i64.xor': Op.Xor64,
  'i64.shl': Op.Shl64, 'i64.shr_u': Op.ShrU64, 'i64.shr_s': Op.ShrS64, 'i64.rotr': Op.Rotr64,
  'i64.eq': Op.Eq64, 'i64.ne': Op.Ne64, 'i64.eqz': Op.Eqz64,
  'i64.lt_u': Op.LtU64, 'i64.ge_u': Op.GeU64, 'i64.gt_u': Op.GtU64, 'i64.le_u': Op.LeU64,
  'i64.lt_s': Op.LtS64, 'i64.ge_s': Op.GeS64, 'i64.gt_s': Op.GtS64, 'i64.le_s': Op.LeS64,
  'i32.wrap_i64': Op.Wrap, 'i64.extend_i32_u': Op.ExtendU32, 'i64.extend_i32_s': Op.ExtendS32,
  'i64.extend32_s': Op.ExtendS32, 'i64.extend16_s': Op.Extend16S64, 'i64.extend8_s': Op.Extend8S64,
  'i32.extend16_s': Op.Extend16S32, 'i32.extend8_s': Op.Extend8S32,
  'i32.add': Op.Add32, 'i32.sub': Op.Sub32, 'i32.mul': Op.Mul32, 'i32.and': Op.And32, 'i32.or': Op.Or32,
  'i32.xor': Op.Xor32, 'i32.shl': Op.Shl32, 'i32.shr_u': Op.ShrU32, 'i32.shr_s': Op.ShrS32,
  'i32.eqz': Op.Eqz32, 'i32.eq': Op.Eq32, 'i32.ne': Op.Ne32,
  'i32.lt_s': Op.LtS32, 'i32.gt_s': Op.GtS32, 'i32.le_s': Op.LeS32, 'i32.ge_s': Op.GeS32,
  'i32.lt_u': Op.LtU32, 'i32.gt_u': Op.GtU32, 'i32.le_u': Op.LeU32, 'i32.ge_u': Op.GeU32,
  'i64x2.extract_lane': Op.ExtractLane64, 'i64x2.replace_lane': Op.ReplaceLane64, 'i64x2.splat': Op.Splat64,
  'i32x4.extract_lane': Op.ExtractLane32, 'i32x4.replace_lane': Op.ReplaceLane32, 'i32x4.splat': Op.Splat32,
};

/** Records that write one value to their r1 slot after reading every operand, whatever slots
 *  those are: a register write that follows one may have it write the register instead
 *  (EvalEmitter.write). ZEXT: those whose 64-bit result has its high word zero. */
export const PRODUCERS: ReadonlySet<number> = new Set<number>([
  Op.Copy4, Op.Copy8, Op.Copy16, Op.Move32, Op.Select4, Op.Select8, Op.Select16,
  Op.Load1, Op.Load2, Op.Load4, Op.Load8, Op.Load16,
  ...Object.values(FAST_OPS).filter((op) => op !== Op.ReplaceLane64 && op !== Op.ReplaceLane32),
]);
export const ZEXT_PRODUCERS: ReadonlySet<number> = new Set<number>([Op.Move32, Op.ExtendU32, Op.Load1, Op.Load2, Op.Load4]);

/** The records whose operands name other records: IfZero, Jump, LoopIfNonZero (which field). */
export function jumpField(op: number): number {
  return op === Op.Jump ? 1 : op === Op.IfZero || op === Op.LoopIfNonZero ? 2 : 0;
}

/** Unsigned and signed a < b on the i64 halves at a and b. */
function ltU(m: Int32Array, a: number, b: number): boolean {
  const ah = m[a + 1] >>> 0, bh = m[b + 1] >>> 0;
  return ah < bh || (ah === bh && m[a] >>> 0 < m[b] >>> 0);
}
function ltS(m: Int32Array, a: number, b: number): boolean {
  const ah = m[a + 1], bh = m[b + 1];
  return ah < bh || (ah === bh && m[a] >>> 0 < m[b] >>> 0);
}

/**
 * Record a fault on the access of `size` bytes at the address in slot `at` (an index) and leave:
 * the address is that of the first byte of the next page when the access starts on a good one.
 */
function fault(rt: CodeRuntime, at: number, kind: FaultKind, size: number, pcLo: number, pcHi: number): number {
  const { dv, u8, m } = rt;
  const mask = kind === FaultKind.Write ? PERM_W | PERM_CODE : PERM_R;
  const want = kind === FaultKind.Write ? PERM_W : PERM_R;
  const addr = dv.getBigUint64(at * 4, true);
  let where = addr;
  if (kind !== FaultKind.Align && size > 1) {
    const lo = Number(addr & 0xffffffffn);
    const firstOk = (u8[PERM_BASE + (lo >>> 12)] & mask) === want && (addr >> 32n & 0xffffffn) === 0n;
    if (firstOk) where = BigInt.asUintN(64, (addr + BigInt(size - 1)) & ~4095n);
  }
  const S = rt.state;
  dv.setBigUint64(S + REG.faultAddr, where, true);
  dv.setInt32(S + REG.faultKind, kind, true);
  m[(S + REG.pc) >>> 2] = pcLo;
  m[((S + REG.pc) >>> 2) + 1] = pcHi;
  return Exit.Fault;
}

/** Whether [address in slot a, +size) may be read: bits 55:32 clear (the top byte is ignored)
 *  and both end pages readable. */
function readable(m: Int32Array, u8: Uint8Array, a: number, size: number): boolean {
  const lo = m[a];
  return (m[a + 1] & 0xffffff) === 0 && (u8[PERM_BASE + (lo >>> 12)] & PERM_R) !== 0 &&
    (u8[PERM_BASE + (((lo + size - 1) | 0) >>> 12)] & PERM_R) !== 0;
}
/** The same for a store: both end pages writable and neither holding translated code. */
function writable(m: Int32Array, u8: Uint8Array, a: number, size: number): boolean {
  const lo = m[a];
  return (m[a + 1] & 0xffffff) === 0 && (u8[PERM_BASE + (lo >>> 12)] & (PERM_W | PERM_CODE)) === PERM_W &&
    (u8[PERM_BASE + (((lo + size - 1) | 0) >>> 12)] & (PERM_W | PERM_CODE)) === PERM_W;
}

/** Run the block whose records are code[start, end) until a record leaves it: CHAIN or an Exit
 *  code (0: it ran off its end). Jumps name records counted from the block's first. */
export function runCode(code: Int32Array, start: number, end: number, fns: readonly Step[] | null, rt: CodeRuntime): number {
  const m = rt.m, u8 = rt.u8, dv = rt.dv;
  let i = start;
  while (i < end) {
    const op = code[i];
    const d = code[i + 1], a = code[i + 2], b = code[i + 3];
    i += W;
    switch (op) {
      case Op.Nop: break;
      case Op.Copy4: m[d] = m[a]; break;
      case Op.Copy8: m[d] = m[a]; m[d + 1] = m[a + 1]; break;
      case Op.Copy16: m[d] = m[a]; m[d + 1] = m[a + 1]; m[d + 2] = m[a + 2]; m[d + 3] = m[a + 3]; break;
      case Op.Move32: m[d] = m[a]; m[d + 1] = 0; break;
      case Op.Closure: {
        const r = fns![d]();
        if (r === 0) break;
        if (r < CHAIN) { i += W * (-1 - r); break; }
        return r;
      }
      case Op.IfZero: if (m[d] === 0) i = start + a * W; break;
      case Op.Jump: i = start + d * W; break;
      case Op.LoopIfNonZero: if (m[d] !== 0) i = start + a * W; break;
      // Plain (non-atomic, possibly unaligned) little-endian accesses, as wasm's are.
      case Op.Load1:
        if (!readable(m, u8, a, 1)) return fault(rt, a, FaultKind.Read, 1, b, code[i - W + 4]);
        m[d] = u8[m[a] >>> 0]; m[d + 1] = 0;
        break;
      case Op.Load2:
        if (!readable(m, u8, a, 2)) return fault(rt, a, FaultKind.Read, 2, b, code[i - W + 4]);
        m[d] = dv.getUint16(m[a] >>> 0, true); m[d + 1] = 0;
        break;
      case Op.Load4:
        if (!readable(m, u8, a, 4)) return fault(rt, a, FaultKind.Read, 4, b, code[i - W + 4]);
        m[d] = dv.getInt32(m[a] >>> 0, true); m[d + 1] = 0;
        break;
      case Op.Load8: {
        if (!readable(m, u8, a, 8)) return fault(rt, a, FaultKind.Read, 8, b, code[i - W + 4]);
        const p = m[a] >>> 0;
        m[d] = dv.getInt32(p, true); m[d + 1] = dv.getInt32(p + 4, true);
        break;
      }
      case Op.Load16: {
        if (!readable(m, u8, a, 16)) return fault(rt, a, FaultKind.Read, 16, b, code[i - W + 4]);
        const p = m[a] >>> 0;
        m[d] = dv.getInt32(p, true); m[d + 1] = dv.getInt32(p + 4, true);
        m[d + 2] = dv.getInt32(p + 8, true); m[d + 3] = dv.getInt32(p + 12, true);
        break;
      }
      // The low bytes of the slot, whatever its type (slots are little-endian bytes).
      case Op.Store1:
        if (!writable(m, u8, a, 1)) return fault(rt, a, FaultKind.Write, 1, b, code[i - W + 4]);
        u8[m[a] >>> 0] = m[d];
        break;
      case Op.Store2:
        if (!writable(m, u8, a, 2)) return fault(rt, a, FaultKind.Write, 2, b, code[i - W + 4]);
        dv.setInt16(m[a] >>> 0, m[d], true);
        break;
      case Op.Store4:
        if (!writable(m, u8, a, 4)) return fault(rt, a, FaultKind.Write, 4, b, code[i - W + 4]);
        dv.setInt32(m[a] >>> 0, m[d], true);
        break;
      case Op.Store8: {
        if (!writable(m, u8, a, 8)) return fault(rt, a, FaultKind.Write, 8, b, code[i - W + 4]);
        const p = m[a] >>> 0;
        dv.setInt32(p, m[d], true); dv.setInt32(p + 4, m[d + 1], true);
        break;
      }
      case Op.Store16: {
        if (!writable(m, u8, a, 16)) return fault(rt, a, FaultKind.Write, 16, b, code[i - W + 4]);
        const p = m[a] >>> 0;
        dv.setInt32(p, m[d], true); dv.setInt32(p + 4, m[d + 1], true);
        dv.setInt32(p + 8, m[d + 2], true); dv.setInt32(p + 12, m[d + 3], true);
        break;
      }
      case Op.Exit: {
        const p = (rt.state + REG.pc) >>> 2;
        m[p] = a; m[p + 1] = b;
        return d;
      }
      case Op.JumpReg: {
        const p = (rt.state + REG.pc) >>> 2;
        m[p] = m[d]; m[p + 1] = m[d + 1];
        return CHAIN;
      }
      case Op.Branch: {
        const p = (rt.state + REG.pc) >>> 2;
        if (m[d] !== 0) { m[p] = a; m[p + 1] = b; } else { m[p] = code[i - W + 4]; m[p + 1] = code[i - W + 5]; }
        return CHAIN;
      }
      case Op.ExitArgs: {
        m[(rt.state + REG.exitArg) >>> 2] = d;
        if (a >= 0) { const s = (rt.state + REG.syncArg) >>> 2; m[s] = m[a]; m[s + 1] = m[a + 1]; }
        break;
      }
      case Op.Flags: {
        const n = m[a], z = m[b], c = m[code[i - W + 4]], v = m[code[i - W + 5]];
        m[d] = n; m[d + 1] = z; m[d + 2] = c; m[d + 3] = v;
        break;
      }
      case Op.Add64: {
        const lo = (m[a] >>> 0) + (m[b] >>> 0);
        m[d + 1] = (m[a + 1] + m[b + 1] + (lo > 0xffffffff ? 1 : 0)) | 0;
        m[d] = lo | 0;
        break;
      }
      case Op.Sub64: {
        const al = m[a] >>> 0, bl = m[b] >>> 0;
        m[d + 1] = (m[a + 1] - m[b + 1] - (al < bl ? 1 : 0)) | 0;
        m[d] = (al - bl) | 0;
        break;
      }
      case Op.And64: m[d] = m[a] & m[b]; m[d + 1] = m[a + 1] & m[b + 1]; break;
      case Op.Or64: m[d] = m[a] | m[b]; m[d + 1] = m[a + 1] | m[b + 1]; break;
      case Op.Xor64: m[d] = m[a] ^ m[b]; m[d + 1] = m[a + 1] ^ m[b + 1]; break;
      case Op.Shl64: {
        const s = m[b] & 63, lo = m[a], hi = m[a + 1];
        if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s < 32) { m[d + 1] = (hi << s) | (lo >>> (32 - s)); m[d] = lo << s; } else { m[d + 1] = lo << (s - 32); m[d] = 0; }
        break;
      }
      case Op.ShrU64: {
        const s = m[b] & 63, lo = m[a], hi = m[a + 1];
        if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s < 32) { m[d] = (lo >>> s) | (hi << (32 - s)); m[d + 1] = hi >>> s; } else { m[d] = hi >>> (s - 32); m[d + 1] = 0; }
        break;
      }
      case Op.ShrS64: {
        const s = m[b] & 63, lo = m[a], hi = m[a + 1];
        if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s < 32) { m[d] = (lo >>> s) | (hi << (32 - s)); m[d + 1] = hi >> s; } else { m[d] = hi >> (s - 32); m[d + 1] = hi >> 31; }
        break;
      }
      case Op.Eq64: m[d] = m[a] === m[b] && m[a + 1] === m[b + 1] ? 1 : 0; break;
      case Op.Ne64: m[d] = m[a] !== m[b] || m[a + 1] !== m[b + 1] ? 1 : 0; break;
      case Op.Eqz64: m[d] = (m[a] | m[a + 1]) === 0 ? 1 : 0; break;
      case Op.LtU64: m[d] = ltU(m, a, b) ? 1 : 0; break;
      case Op.GeU64: m[d] = ltU(m, a, b) ? 0 : 1; break;
      case Op.GtU64: m[d] = ltU(m, b, a) ? 1 : 0; break;
      case Op.LeU64: m[d] = ltU(m, b, a) ? 0 : 1; break;
      case Op.LtS64: m[d] = ltS(m, a, b) ? 1 : 0; break;
      case Op.GeS64: m[d] = ltS(m, a, b) ? 0 : 1; break;
      case Op.GtS64: m[d] = ltS(m, b, a) ? 1 : 0; break;
      case Op.LeS64: m[d] = ltS(m, b, a) ? 0 : 1; break;
      case Op.Wrap: m[d] = m[a]; break;
      case Op.ExtendU32: m[d] = m[a]; m[d + 1] = 0; break;
      case Op.ExtendS32: m[d] = m[a]; m[d + 1] = m[a] >> 31; break;
      case Op.Add32: m[d] = (m[a] + m[b]) | 0; break;
      case Op.Sub32: m[d] = (m[a] - m[b]) | 0; break;
      case Op.And32: m[d] = m[a] & m[b]; break;
      case Op.Or32: m[d] = m[a] | m[b]; break;
      case Op.Xor32: m[d] = m[a] ^ m[b]; break;
      case Op.Eqz32: m[d] = m[a] === 0 ? 1 : 0; break;
      case Op.Eq32: m[d] = m[a] === m[b] ? 1 : 0; break;
      case Op.Ne32: m[d] = m[a] !== m[b] ? 1 : 0; break;
      case Op.LtS32: m[d] = m[a] < m[b] ? 1 : 0; break;
      case Op.GtS32: m[d] = m[a] > m[b] ? 1 : 0; break;
      case Op.LeS32: m[d] = m[a] <= m[b] ? 1 : 0; break;
      case Op.GeS32: m[d] = m[a] >= m[b] ? 1 : 0; break;
      case Op.LtU32: m[d] = m[a] >>> 0 < m[b] >>> 0 ? 1 : 0; break;
      case Op.GtU32: m[d] = m[a] >>> 0 > m[b] >>> 0 ? 1 : 0; break;
      case Op.LeU32: m[d] = m[a] >>> 0 <= m[b] >>> 0 ? 1 : 0; break;
      case Op.GeU32: m[d] = m[a] >>> 0 >= m[b] >>> 0 ? 1 : 0; break;
      // Lane moves: whole 32-bit words, so no arithmetic to get wrong.
      case Op.ExtractLane64: { const l = code[i - W + 4]; m[d] = m[a + 2 * l]; m[d + 1] = m[a + 2 * l + 1]; break; }
      case Op.ReplaceLane64: {
        const l = code[i - W + 4];
        m[d] = m[a]; m[d + 1] = m[a + 1]; m[d + 2] = m[a + 2]; m[d + 3] = m[a + 3];
        m[d + 2 * l] = m[b]; m[d + 2 * l + 1] = m[b + 1];
        break;
      }
      case Op.Splat64: m[d] = m[d + 2] = m[a]; m[d + 1] = m[d + 3] = m[a + 1]; break;
      default: {
        const r = runRare(op, code, i - W, m, rt);
        if (r !== 0) return r;
      }
    }
  }
  return 0;
}

/** The records runCode meets seldom, kept out of it: V8's optimizing compile of runCode costs
 *  time and memory in every process by its size (a static hello: ~0.2 s of CPU and ~10 MB of
 *  peak memory for all records in one function). The record is code[i, i + W); 0 to go on,
 *  else the exit. */
function runRare(op: number, code: Int32Array, i: number, m: Int32Array, rt: CodeRuntime): number {
  const d = code[i + 1], a = code[i + 2], b = code[i + 3];
  i += W;
  switch (op) {
    case Op.CallOp: rt.fnList[d](a, b, code[i - W + 4], code[i - W + 5]); return 0;
    case Op.Atomic: rt.fnList[d](a, m[b], code[i - W + 4], code[i - W + 5]); return 0;
    case Op.Select4: { const s = m[code[i - W + 4]] !== 0 ? a : b; m[d] = m[s]; return 0; }
    case Op.Select8: { const s = m[code[i - W + 4]] !== 0 ? a : b; m[d] = m[s]; m[d + 1] = m[s + 1]; return 0; }
    case Op.Select16: {
      const s = m[code[i - W + 4]] !== 0 ? a : b;
      m[d] = m[s]; m[d + 1] = m[s + 1]; m[d + 2] = m[s + 2]; m[d + 3] = m[s + 3];
      return 0;
    }
    case Op.StoreCheck:
      if (!writable(m, rt.u8, a, d)) return fault(rt, a, FaultKind.Write, d, b, code[i - W + 4]);
      return 0;
    case Op.Align:
      if ((m[a] & d) !== 0) return fault(rt, a, FaultKind.Align, d + 1, b, code[i - W + 4]);
      return 0;
    case Op.Rotr64: {
      const s = m[b] & 63, lo = m[a], hi = m[a + 1];
      if (s === 0) { m[d] = lo; m[d + 1] = hi; } else if (s === 32) { m[d] = hi; m[d + 1] = lo; } else if (s < 32) {
        m[d] = (lo >>> s) | (hi << (32 - s)); m[d + 1] = (hi >>> s) | (lo << (32 - s));
      } else {
        const t = s - 32;
        m[d] = (hi >>> t) | (lo << (32 - t)); m[d + 1] = (lo >>> t) | (hi << (32 - t));
      }
      return 0;
    }
    case Op.Extend16S64: { const v = (m[a] << 16) >> 16; m[d] = v; m[d + 1] = v >> 31; return 0; }
    case Op.Extend8S64: { const v = (m[a] << 24) >> 24; m[d] = v; m[d + 1] = v >> 31; return 0; }
    case Op.Extend16S32: m[d] = (m[a] << 16) >> 16; return 0;
    case Op.Extend8S32: m[d] = (m[a] << 24) >> 24; return 0;
    case Op.Mul32: m[d] = Math.imul(m[a], m[b]); return 0;
    case Op.Shl32: m[d] = m[a] << m[b]; return 0;
    case Op.ShrU32: m[d] = m[a] >>> m[b]; return 0;
    case Op.ShrS32: m[d] = m[a] >> m[b]; return 0;
    case Op.ExtractLane32: m[d] = m[a + code[i - W + 4]]; return 0;
    case Op.ReplaceLane32: {
      const l = code[i - W + 4];
      m[d] = m[a]; m[d + 1] = m[a + 1]; m[d + 2] = m[a + 2]; m[d + 3] = m[a + 3];
      m[d + l] = m[b];
      return 0;
    }
    case Op.Splat32: m[d] = m[d + 1] = m[d + 2] = m[d + 3] = m[a]; return 0;

    default: throw new Error(`internal error: first-tier record ${op}`);
  }
}

/** For the test that compares the JS operators with the wasm ones: one operator, run as a
 *  one-record block on `m`'s memory. */
export function fastOperator(name: string, m: Int32Array, d: number, a: number, b: number, lane: number): () => void {
  const op = FAST_OPS[name];
  if (op === undefined) throw new Error(`${name} is not done in JS`);
  const code = Int32Array.of(op, d, a, b, lane, 0);
  const rt: CodeRuntime = { arena: new CodeArena(), m, u8: new Uint8Array(m.buffer), dv: new DataView(m.buffer), fnList: [], state: 0 };
  return () => { runCode(code, 0, W, null, rt); };
}

/**
 * Run every kind of record, each of its paths, on throwaway slots in `area` (16 KiB of the
 * thread's scratch that nothing uses yet), so that V8 has seen all of runCode before it
 * optimizes it. Without this, on `python3 -c pass` the optimized runCode fell back to the
 * interpreter 13 times, at each kind of record it had not met yet, and ran unoptimized until V8
 * had optimized it again (~40 ms of compiling each time). The records that go on run as one
 * block, a few times over; those that leave, one by one after it. `operators` and `atomics` are
 * indices of two i64 operators and two atomic ones in rt.fnList (a call seen with one target
 * only is compiled for that target). The page the loads and stores use is made readable and
 * writable for the moment this takes, then set back.
 */
export function warmUp(rt: CodeRuntime, area: number, operators: number[], atomics: number[]): void {
  const { m, u8 } = rt;
  const w = (byte: number) => byte >>> 2;
  const D = area + 0x800, C0 = area + 0x810, C1 = area + 0x820, X = area + 0x830, K = area + 0x840, Z = area + 0x850;
  const BAD = area + 0x860, ALIGNED = area + 0x870;
  const T = area + 0x2000;
  if (rt.state < area + 0x1000 || rt.state + 0x400 > T) throw new Error('internal error: warm-up state outside its area');
  const page = PERM_BASE + (T >>> 12);
  const perm = u8[page];
  u8[page] = PERM_R | PERM_W;
  const run = (fns: Step[] | null, records: number[][]) => {
    const code = Int32Array.from(records.flat());
    return runCode(code, 0, code.length, fns, rt);
  };
  const set = (byte: number, lo: number, hi: number) => { m[w(byte)] = lo; m[w(byte) + 1] = hi; };
  try {
    const go: number[][] = [];
    const patterns = [[0x89abcdef | 0, 0xfedcba98 | 0, 5, 0], [-1, -1, 40, 0x80000000 | 0], [7, 0x7fffffff, 32, 0x7fffffff], [0, 0, 0, 0]];
    m[w(C0)] = 0;
    m[w(C1)] = 1;
    patterns.forEach(([alo, ahi, blo, bhi], p) => {
      const A = area + 0x100 * p, B = A + 0x20;
      set(A, alo, ahi); set(A + 8, ahi, alo); set(B, blo, bhi); set(B + 8, bhi, blo);
      for (const op of Object.values(FAST_OPS)) go.push([op, w(D), w(A), w(B), 1, 0]);
      for (const c of [C0, C1]) for (const op of [Op.Select4, Op.Select8, Op.Select16]) go.push([op, w(D), w(A), w(B), w(c), 0]);
    });
    for (const c of [C0, C1]) {
      const at = go.length;
      go.push([Op.IfZero, w(c), at + 2, 0, 0, 0], [Op.Jump, at + 2, 0, 0, 0, 0]);
    }
    const A = area;
    go.push([Op.Nop, 0, 0, 0, 0, 0], [Op.Copy4, w(D), w(A), 0, 0, 0], [Op.Copy8, w(D), w(A), 0, 0, 0],
      [Op.Copy16, w(D), w(A), 0, 0, 0], [Op.Move32, w(D), w(A), 0, 0, 0]);
    // A loop taken once: C ← K (1), then K ← 0.
    m[w(K)] = 1;
    m[w(Z)] = 0;
    const top = go.length;
    go.push([Op.Copy4, w(D), w(K), 0, 0, 0], [Op.Copy4, w(K), w(Z), 0, 0, 0], [Op.LoopIfNonZero, w(D), top, 0, 0, 0]);
    go.push([Op.Closure, 0, 0, 0, 0, 0], [Op.Closure, 1, 0, 0, 0, 0], [Op.Nop, 0, 0, 0, 0, 0]);
    set(X, T + 3, 0);
    set(ALIGNED, T, 0);
    for (const k of operators) go.push([Op.CallOp, k, D | 0, A | 0, (A + 0x20) | 0, 0]);
    for (const k of atomics) go.push([Op.Atomic, k, D | 0, w(ALIGNED), A | 0, 0]);
    for (const op of [Op.Load1, Op.Load2, Op.Load4, Op.Load8, Op.Load16]) go.push([op, w(D), w(X), 0, 0, 0]);
    for (const op of [Op.Store1, Op.Store2, Op.Store4, Op.Store8, Op.Store16]) go.push([op, w(A), w(X), 0, 0, 0]);
    go.push([Op.StoreCheck, 8, w(X), 0, 0, 0], [Op.Align, 0, w(X), 0, 0, 0]);
    go.push([Op.ExitArgs, 1, -1, 0, 0, 0], [Op.ExitArgs, 1, w(A), 0, 0, 0], [Op.Flags, w(D), w(A), w(A + 4), w(A + 8), w(A + 12)]);
    // V8 keeps no feedback for a function until it has run ~8 times its own size of bytecode
    // (runCode: ~7 KB; one pass here ~25 KB): the passes before that only count.
    // Placed at an offset, as blocks in an arena are.
    const block = Int32Array.from([...new Array(W).fill(0), ...go.flat()]);
    const fns = [() => 0, () => skip(1)];
    for (let pass = 0; pass < 5; pass++) runCode(block, W, block.length, fns, rt);
    // Those that leave: faults (an address above 4 GiB), exits.
    set(BAD, T, 1);
    for (const op of [Op.Load1, Op.Load2, Op.Load4, Op.Load8, Op.Load16]) run(null, [[op, w(D), w(BAD), 0, 0, 0]]);
    for (const op of [Op.Store1, Op.Store2, Op.Store4, Op.Store8, Op.Store16]) run(null, [[op, w(A), w(BAD), 0, 0, 0]]);
    run(null, [[Op.StoreCheck, 8, w(BAD), 0, 0, 0]]);
    run(null, [[Op.Align, 7, w(X), 0, 0, 0]]);
    run([() => CHAIN], [[Op.Closure, 0, 0, 0, 0, 0]]);
    run(null, [[Op.Exit, CHAIN, 0, 0, 0, 0]]);
    run(null, [[Op.JumpReg, w(A), 0, 0, 0, 0]]);
    for (const c of [C0, C1]) run(null, [[Op.Branch, w(c), 1, 2, 3, 4]]);
  } finally {
    u8[page] = perm;
    u8.fill(0, area, area + 0x4000);
  }
}
