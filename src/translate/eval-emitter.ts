// The first tier: implements the Emitter interface by building, once per block, code for the
// loop in eval-code.ts (records of operations on value slots) that runs it later without any wasm
// compile. Instructions are not written again here: each `sem` runs once against this backend,
// as it runs once against the region emitter.
//
// Values live in 16-byte slots in the evaluator's scratch area in linear memory, one area per
// guest thread (cpu/state.ts threadScratch): temporaries (reused from one instruction to the
// next, since no value outlives its instruction), then constants, shared by the thread's blocks
// (deduplicated; when they fill their area, the translator drops every first-tier block and
// starts again). Operators are the wasm
// ones (operators.ts), so results are bit-identical with the wasm tier; the cheapest integer
// operations are done on 32-bit halves in JS instead (eval-code.ts), checked against the wasm
// operators by test/translate/eval-operators.test.ts.
//
// Guest registers and flags are read from and written to the thread's CPU state directly; memory
// accesses make the same permission checks as the region emitter and fail the same way
// (faultAddr/faultKind, pc = the instruction, Exit.Fault), so faults stay precise.
import type { Emitter, Helper, SysSlot, Val, Var } from '../cpu/emitter.js';
import { Sync, Trap } from '../cpu/emitter.js';
import { Exit, REG, SCRATCH_BASE, SCRATCH_SIZE, STATE_BASE, SYS_SLOT } from '../cpu/state.js';
import { OPS, type Ty } from './opcodes.js';
import {
  CHAIN, CodeArena, FAST_OPS, jumpField, Op, PRODUCERS, W, ZEXT_PRODUCERS, warmUp, type CodeRuntime, type Step,
} from './eval-code.js';
import type { OperatorFn } from './operators.js';

/** Bytes of a scratch area for one instruction's temporaries (the most measured over the
 *  golden instruction cases: 8,528 bytes). */
const TEMP_BYTES = 0x4000;
/**
 * Room for constants a block may still take another instruction with: more than one
 * instruction ever takes (the most measured over the golden cases, each in a fresh pool: 272
 * bytes, 17 constants). It must leave room in the smallest scratch area (32 KiB, threads past
 * the eighth: cpu/state.ts): at 32 KiB it left none there, so each of those threads dropped its
 * whole first tier before every block it built, ran one instruction a block and never tiered
 * up; Go's net/http tests, once they had ten threads, ran ~100 times slower and timed out.
 */
const CONST_RESERVE = 0x1000;

class Slot implements Val {
  /** Set again when the emitter hands the object out for another value (EvalEmitter.slotFor);
   *  `off` also for a register read that is redirected to a copy (see `read`). */
  constructor(public ty: Ty, public off: number, public mutable = false) {}
}

const SIZE: Record<Ty, number> = { i32: 4, i64: 8, f32: 4, f64: 8, v128: 16 };
const COPY: Record<number, Op> = { 4: Op.Copy4, 8: Op.Copy8, 16: Op.Copy16 };
const SELECT: Record<number, Op> = { 4: Op.Select4, 8: Op.Select8, 16: Op.Select16 };
const LOAD: Record<number, Op> = { 1: Op.Load1, 2: Op.Load2, 4: Op.Load4, 8: Op.Load8, 16: Op.Load16 };
const STORE: Record<number, Op> = { 1: Op.Store1, 2: Op.Store2, 4: Op.Store4, 8: Op.Store8, 16: Op.Store16 };

/** A guest address as the two int32 words records hold (pc fields). */
const lo32 = (n: number) => n | 0;
const hi32 = (n: number) => Math.floor(n / 2 ** 32) | 0;

/** What blocks need at run time (eval-code.ts), and what building them needs besides: the
 *  operator functions by name, and the thread's scratch area: temporaries, then the constants
 *  its blocks share. */
export interface EvalRuntime extends CodeRuntime {
  /** Run eval-code.ts warmUp on this thread's temporaries (only between blocks). */
  readonly warmUp: () => void;
  readonly ops: Record<string, OperatorFn>;
  readonly fnIndex: ReadonlyMap<string, number>;
  readonly temps: number;
  readonly consts: ConstPool;
}

/** A thread's run-time context for the first tier (default: the first thread's). */
export function evalRuntime(memory: WebAssembly.Memory, ops: Record<string, OperatorFn>, state = STATE_BASE,
  scratch = { base: SCRATCH_BASE, size: SCRATCH_SIZE }, arenaWords?: number): EvalRuntime {
  const buf = memory.buffer;
  const consts = new ConstPool(scratch.base + TEMP_BYTES, scratch.base + scratch.size);
  if (!consts.room) throw new Error(`internal error: a first-tier scratch area of ${scratch.size} bytes leaves no room for constants`);
  const names = Object.keys(ops);
  const fnList = names.map((k) => ops[k]);
  const fnIndex = new Map(names.map((k, i) => [k, i]));
  const m = new Int32Array(buf), u8 = new Uint8Array(buf), dv = new DataView(buf);
  const arena = new CodeArena(arenaWords);
  // On the temporaries' area, which no value outlives its instruction in; with a CPU state block
  // of its own there.
  const warm = () => warmUp(make(scratch.base + 0x1000), scratch.base, ['i64.mul', 'i64.clz'].map((k) => fnIndex.get(k)!),
    ['rmw_add8', 'rmw_or8'].map((k) => fnIndex.get(k)!));
  const make = (at: number): EvalRuntime => ({ warmUp: warm, arena, m, u8, dv, state: at, ops, fnList, fnIndex, temps: scratch.base, consts });
  return make(state);
}

/** Constant slots, written once and kept while any block may use them. */
export class ConstPool {
  top: number;
  readonly slots = new Map<string, Slot>();
  /** i32 and i64 constants given as numbers, by value (most are: no key string to make). */
  readonly i32s = new Map<number, Slot>();
  readonly i64s = new Map<number, Slot>();
  constructor(readonly base: number, readonly limit: number) {
    this.top = base;
  }
  /** Room for another instruction's constants. */
  get room(): boolean { return this.top + CONST_RESERVE <= this.limit; }
  /** A new zeroed slot. */
  take(ty: Ty, u8: Uint8Array): Slot {
    if (this.top + 16 > this.limit) throw new Error('internal error: evaluator constants overflow');
    const s = new Slot(ty, this.top);
    this.top += 16;
    u8.fill(0, s.off, s.off + 16);
    return s;
  }
  /** Forget every constant (only when no block that uses them remains). */
  reset(): void {
    this.top = this.base;
    this.slots.clear();
    this.i32s.clear();
    this.i64s.clear();
  }
}

/** A block's code: its records, code[start, end) of its thread's arena (own: null) or of an
 *  array of its own, and the closures its Closure records call. */
export interface EvalCode {
  own: Int32Array | null;
  start: number;
  end: number;
  fns: Step[] | null;
}

/** What a SystemInsnHook did: nothing (the block exits with the trap, as without a hook), the
 *  access (the block goes on), or the access after which the run loop must look again (an
 *  interrupt became deliverable, the translation changed). */
export const SYSTEM_INSN = { NOT_DONE: 0, DONE: 1, LEAVE: 2 } as const;
/** System mode: performs the system instruction a Trap.SystemRegister carries (its bits). */
export type SystemInsnHook = (bits: number) => number;

export class EvalEmitter implements Emitter {
  pc = 0;
  /** The FPCR mode the block is made under (reset). */
  fpcrMode: number;
  /** See Emitter.system (set by the translator). */
  system = false;
  /** Set when the current instruction ended the block. */
  ended = false;
  /** Set when the block ends in a jump to a computed address other than a return (BR, BLR). */
  indirect = false;
  /** Records, W words each (eval-code.ts): the first `length` words. */
  private code = new Int32Array(64 * W);
  private length = 0;
  /** Records before this word offset keep their destinations (see insertStep, forward). */
  private keep = 0;
  private fns: Step[] = [];
  /** Register reads of the current instruction not copied (see `read`): the first aliasCount
   *  entries; a state offset of -1 marks one copied since. */
  private aliasAt: number[] = [];
  private aliasSlot: Slot[] = [];
  private aliasRecord: number[] = [];
  private aliasCount = 0;
  /** Slot objects handed out for the current instruction's values (see slotFor). */
  private slots: Slot[] = [];
  private slotsUsed = 0;
  private loopDepth = 0;
  private readonly tempBase: number;
  private temp: number;
  private readonly consts: ConstPool;
  /** The thread's CPU state block: registers are at fixed offsets from it. */
  protected readonly S: number;
  private readonly u8: Uint8Array;
  private readonly m: Int32Array;
  private readonly dv: DataView;

  constructor(fpcrMode: number, private readonly rt: EvalRuntime) {
    this.fpcrMode = fpcrMode;
    this.u8 = rt.u8;
    this.m = rt.m;
    this.dv = rt.dv;
    this.consts = rt.consts;
    this.S = rt.state;
    this.temp = this.tempBase = rt.temps;
  }

  /** Make another block with this emitter (the last one's code has been taken by finish). */
  reset(fpcrMode: number): void {
    this.fpcrMode = fpcrMode;
    this.pc = 0;
    this.system = this.ended = this.indirect = false;
    this.systemInsn = null;
    this.length = this.keep = 0;
    if (this.fns.length) this.fns = [];
    this.loopDepth = 0;
    this.beginInsn(0);
  }

  /** Start the next instruction: its temporaries may reuse the previous one's slots, and the
   *  Slot objects of its values too (no value outlives its instruction). */
  beginInsn(pc: number): void {
    this.pc = pc;
    this.temp = this.tempBase;
    this.aliasCount = 0;
    this.slotsUsed = 0;
  }

  /** A Slot object for a value of the current instruction. */
  private slotFor(ty: Ty, off: number, mutable = false): Slot {
    let s = this.slots[this.slotsUsed];
    if (s) {
      s.ty = ty;
      s.off = off;
      s.mutable = mutable;
    } else {
      this.slots.push((s = new Slot(ty, off, mutable)));
    }
    this.slotsUsed++;
    return s;
  }

  /** The block's code, placeholders removed: in the thread's arena, or (`own`, for a block run
   *  once and dropped) in an array of its own. */
  finish(own = false): EvalCode {
    const c = this.code;
    const n = this.length / W;
    // Where each record lands once the placeholders (Nop) are gone; a jump to one of them goes
    // to the record after it.
    const at = new Int32Array(n + 1);
    let k = 0;
    for (let r = 0; r < n; r++) {
      at[r] = k;
      if (c[r * W] !== Op.Nop) k++;
    }
    at[n] = k;
    const start = own ? 0 : this.rt.arena.reserve(k * W);
    const out = own ? new Int32Array(k * W) : this.rt.arena.code;
    let j = start;
    for (let r = 0; r < n; r++) {
      const i = r * W;
      if (c[i] === Op.Nop) continue;
      for (let f = 0; f < W; f++) out[j + f] = c[i + f];
      const jf = jumpField(c[i]);
      if (jf) out[j + jf] = at[c[i + jf]];
      j += W;
    }
    return { own: own ? out : null, start, end: j, fns: this.fns.length ? this.fns : null };
  }

  /** Whether constants have room for another instruction. */
  get constRoom(): boolean { return this.consts.room; }

  // ---------------------------------------------------------------- records
  /** Records so far. */
  protected get records(): number { return this.length / W; }

  /** Room for one more record. */
  private room(): Int32Array {
    if (this.length + W > this.code.length) {
      const more = new Int32Array(this.code.length * 2);
      more.set(this.code);
      this.code = more;
    }
    return this.code;
  }

  private emit(op: Op, r1 = 0, r2 = 0, r3 = 0, r4 = 0, r5 = 0): number {
    const c = this.room();
    const i = this.length;
    c[i] = op; c[i + 1] = r1; c[i + 2] = r2; c[i + 3] = r3; c[i + 4] = r4; c[i + 5] = r5;
    this.length = i + W;
    return i / W;
  }

  /** A record calling `step` (see eval-code.ts Op.Closure). */
  protected pushStep(step: Step): void {
    this.emit(Op.Closure, this.fns.push(step) - 1);
  }

  /** A record calling `step`, put before record `at`: only for the records of one memory access
   *  just built (system mode wraps them), so that no placeholder or jump target lies past it. */
  protected insertStep(at: number, step: Step): void {
    // The access's records are final: a closure now writes the access's value where it was to go.
    this.keep = this.length + W;
    const c = this.room();
    c.copyWithin(at * W + W, at * W, this.length);
    c.fill(0, at * W, at * W + W);
    c[at * W] = Op.Closure;
    c[at * W + 1] = this.fns.push(step) - 1;
    this.length += W;
  }

  // ---------------------------------------------------------------- slots
  protected tempSlot(ty: Ty, mutable = false): Slot {
    const off = this.temp;
    this.temp += 16;
    if (this.temp > this.tempBase + TEMP_BYTES) throw new Error(`internal error: instruction at 0x${this.pc.toString(16)} has too many values for the evaluator`);
    return this.slotFor(ty, off, mutable);
  }

  private constSlot(ty: Ty, key: string, write: (off: number) => void): Slot {
    const k = ty + key;
    const pool = this.consts;
    let s = pool.slots.get(k);
    if (!s) {
      s = pool.take(ty, this.u8);
      write(s.off);
      pool.slots.set(k, s);
    }
    return s;
  }

  protected slot(v: Val): Slot {
    if (!(v instanceof Slot)) throw new Error('foreign Val');
    return v;
  }

  /** A record copying `bytes` (4, 8 or 16) between slots at byte offsets. */
  private copy(to: number, from: number, bytes: number): void {
    this.emit(COPY[bytes], to >>> 2, from >>> 2);
  }

  // ---------------------------------------------------------------- constants and operators
  i32(n: number): Val {
    const v = n | 0;
    const pool = this.consts;
    let s = pool.i32s.get(v);
    if (!s) {
      s = pool.take('i32', this.u8);
      this.m[s.off >>> 2] = v;
      pool.i32s.set(v, s);
    }
    return s;
  }
  i64(n: number | bigint): Val {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      const pool = this.consts;
      let s = pool.i64s.get(n);
      if (!s) {
        s = pool.take('i64', this.u8);
        this.m[s.off >>> 2] = lo32(n - hi32(n) * 2 ** 32);
        this.m[(s.off >>> 2) + 1] = hi32(n);
        pool.i64s.set(n, s);
      }
      return s;
    }
    const b = BigInt.asIntN(64, BigInt(n));
    return this.constSlot('i64', String(b), (o) => this.dv.setBigInt64(o, b, true));
  }
  f32(n: number): Val {
    // Same bytes as the region emitter's f32.const (Float32Array of the number).
    const bytes = new Uint8Array(new Float32Array([n]).buffer);
    return this.constSlot('f32', bytes.join(','), (o) => this.u8.set(bytes, o));
  }
  f64(n: number): Val {
    const bytes = new Uint8Array(new Float64Array([n]).buffer);
    return this.constSlot('f64', bytes.join(','), (o) => this.u8.set(bytes, o));
  }
  v128(bytes: ArrayLike<number>): Val {
    if (bytes.length !== 16) throw new Error('v128 constant needs 16 bytes');
    const b = Array.from(bytes, (x) => x & 0xff);
    return this.constSlot('v128', b.join(','), (o) => this.u8.set(b, o));
  }

  op(name: string, args: Val[], imm?: number | number[]): Val {
    const info = OPS.get(name);
    if (!info) throw new Error(`unknown wasm op ${name}`);
    if (args.length !== info.params.length) throw new Error(`${name}: ${args.length} args, wants ${info.params.length}`);
    let a = 0, b = 0, c = 0;
    for (let i = 0; i < args.length; i++) {
      if (args[i].ty !== info.params[i]) throw new Error(`${name}: arg ${i} is ${args[i].ty}, wants ${info.params[i]}`);
      const off = this.slot(args[i]).off;
      if (i === 0) a = off; else if (i === 1) b = off; else c = off;
    }
    if (!info.result) throw new Error(`${name} has no result`);
    const d = this.tempSlot(info.result);
    if (info.imm === 'shuffle') {
      if (!Array.isArray(imm) || imm.length !== 16) throw new Error(`${name} needs 16 lane selectors`);
      this.pushStep(this.shuffle(d.off, a, b, imm));
      return d;
    }
    const fast = FAST_OPS[name];
    if (fast !== undefined) {
      this.emit(fast, d.off >>> 2, a >>> 2, b >>> 2, (imm as number) ?? 0);
      return d;
    }
    const k = this.rt.fnIndex.get(info.imm === 'lane' ? `${name}#${imm}` : name);
    if (k === undefined) throw new Error(`${name}: no operator for lane ${imm}`);
    // Byte offsets as int32 words: the wasm operator's i32 parameters take them as they are.
    this.emit(Op.CallOp, k, d.off | 0, a | 0, b | 0, c | 0);
    return d;
  }

  private fnIndex(name: string): number {
    const k = this.rt.fnIndex.get(name);
    if (k === undefined) throw new Error(`internal error: no operator ${name}`);
    return k;
  }

  private shuffle(d: number, a: number, b: number, lanes: number[]): Step {
    const u8 = this.u8;
    const src = lanes.map((l) => (l < 16 ? a + l : b + l - 16));
    const tmp = new Uint8Array(16);
    return () => {
      for (let i = 0; i < 16; i++) tmp[i] = u8[src[i]];
      u8.set(tmp, d);
      return 0;
    };
  }

  select(cond: Val, a: Val, b: Val): Val {
    if (a.ty !== b.ty || cond.ty !== 'i32') throw new Error('select: type mismatch');
    const d = this.tempSlot(a.ty);
    this.emit(SELECT[SIZE[a.ty]], d.off >>> 2, this.slot(a).off >>> 2, this.slot(b).off >>> 2, this.slot(cond).off >>> 2);
    return d;
  }

  add(a: Val, b: Val): Val { return this.op('i64.add', [a, b]); }
  sub(a: Val, b: Val): Val { return this.op('i64.sub', [a, b]); }
  and(a: Val, b: Val): Val { return this.op('i64.and', [a, b]); }
  or(a: Val, b: Val): Val { return this.op('i64.or', [a, b]); }
  xor(a: Val, b: Val): Val { return this.op('i64.xor', [a, b]); }
  shl(a: Val, b: Val): Val { return this.op('i64.shl', [a, b]); }
  shrU(a: Val, b: Val): Val { return this.op('i64.shr_u', [a, b]); }
  shrS(a: Val, b: Val): Val { return this.op('i64.shr_s', [a, b]); }
  zext32(a: Val): Val { return this.op('i64.extend_i32_u', [this.op('i32.wrap_i64', [a])]); }
  sext32(a: Val): Val { return this.op('i64.extend32_s', [a]); }
  wrap(a: Val): Val { return this.op('i32.wrap_i64', [a]); }
  extendU(a: Val): Val { return this.op('i64.extend_i32_u', [a]); }

  // ---------------------------------------------------------------- variables and control flow
  local(ty: Ty, init?: Val): Var {
    const v = this.tempSlot(ty, true);
    if (init) this.assign(v as Var, init);
    return v as Var;
  }

  assign(v: Var, value: Val): void {
    if (!(v instanceof Slot) || v.ty !== value.ty) throw new Error('assign: type mismatch');
    this.copy(v.off, this.slot(value).off, SIZE[v.ty]);
  }

  if(cond: Val, then: () => void, otherwise?: () => void): void {
    const skipThen = this.emit(Op.IfZero, this.slot(cond).off >>> 2);
    then();
    if (otherwise) {
      const skipElse = this.emit(Op.Jump);
      this.code[skipThen * W + 2] = this.records;
      otherwise();
      this.code[skipElse * W + 1] = this.records;
    } else {
      this.code[skipThen * W + 2] = this.records;
    }
  }

  loop(body: () => Val): void {
    // A record in a loop body runs again after later ones: no uncopied register reads cross it.
    for (let k = 0; k < this.aliasCount; k++) if (this.aliasAt[k] >= 0) this.materialize(this.aliasAt[k]);
    const top = this.records;
    let again: Slot;
    this.loopDepth++;
    try {
      again = this.slot(body());
    } finally {
      this.loopDepth--;
    }
    this.emit(Op.LoopIfNonZero, again.off >>> 2, top);
  }

  // ---------------------------------------------------------------- guest state
  /**
   * A register read. A Val must keep its value when the register is written later in the
   * instruction, but most reads are never followed by such a write: the Val is the register's
   * own slot, with a placeholder record where the read happened. A write to the register turns
   * the placeholder into a copy and points the Val at the copy for the records built after it
   * (those built before run before the write, and read the register itself).
   */
  private read(off: number, ty: Ty): Val {
    const at = this.S + off;
    if (this.loopDepth > 0) {
      const d = this.tempSlot(ty);
      this.copy(d.off, at, SIZE[ty]);
      return d;
    }
    const slot = this.slotFor(ty, at);
    const k = this.aliasCount++;
    this.aliasAt[k] = at;
    this.aliasSlot[k] = slot;
    this.aliasRecord[k] = this.emit(Op.Nop);
    return slot;
  }

  /** Before a write to the state at `at`: copy out the uncopied reads of it (see `read`). */
  private materialize(at: number): void {
    for (let k = 0; k < this.aliasCount; k++) {
      if (this.aliasAt[k] !== at) continue;
      const slot = this.aliasSlot[k];
      const d = this.tempSlot(slot.ty);
      const i = this.aliasRecord[k] * W;
      this.code[i] = COPY[SIZE[slot.ty]];
      this.code[i + 1] = d.off >>> 2;
      this.code[i + 2] = at >>> 2;
      slot.off = d.off;
      this.aliasAt[k] = -1;
    }
  }

  private write(off: number, ty: Ty, v: Val): void {
    if (v.ty !== ty) throw new Error(`writing ${v.ty} to a ${ty} register`);
    this.materialize(this.S + off);
    if (!this.forward(this.slot(v), this.S + off, PRODUCERS)) this.copy(this.S + off, this.slot(v).off, SIZE[ty]);
  }

  /** Write the low 32 bits of an i64 value zero-extended (sf=0 register writes). */
  private write32(off: number, v: Val): void {
    if (v.ty !== 'i64') throw new Error(`writing ${v.ty} to a i64 register`);
    this.materialize(this.S + off);
    if (!this.forward(this.slot(v), this.S + off, ZEXT_PRODUCERS)) this.emit(Op.Move32, (this.S + off) >>> 2, this.slot(v).off >>> 2);
  }

  /**
   * A register write of a value the last record has just made (most are: `add x0, x1, #1` makes
   * the sum, then writes x0): that record writes the register itself instead, and the value is
   * the register's from then on, as a register read is (with a placeholder where a copy goes if
   * the instruction writes the register again). A third of the records python3 -c pass ran were
   * such copies. Only a temporary the record wrote after reading all of its operands (`kinds`),
   * not in a loop body, whose records run again, and not a memory access system mode has
   * wrapped (insertStep): its closures write the value to the temporary themselves.
   */
  private forward(v: Slot, at: number, kinds: ReadonlySet<number>): boolean {
    if (v.mutable || this.loopDepth > 0 || v.off < this.tempBase || v.off >= this.tempBase + TEMP_BYTES || !this.length) return false;
    const i = this.length - W;
    if (i < this.keep || this.code[i + 1] !== v.off >>> 2 || !kinds.has(this.code[i])) return false;
    this.code[i + 1] = at >>> 2;
    v.off = at;
    const k = this.aliasCount++;
    this.aliasAt[k] = at;
    this.aliasSlot[k] = v;
    this.aliasRecord[k] = this.emit(Op.Nop);
    return true;
  }

  private read32(off: number): Val {
    const d = this.tempSlot('i64');
    this.emit(Op.Move32, d.off >>> 2, (this.S + off) >>> 2);
    return d;
  }

  x(n: number, sf = 1): Val {
    if (n === 31) return this.i64(0);
    return sf ? this.read(REG.x(n), 'i64') : this.read32(REG.x(n));
  }
  setX(n: number, v: Val, sf = 1): void {
    if (n === 31) return;
    if (sf) this.write(REG.x(n), 'i64', v);
    else this.write32(REG.x(n), v);
  }
  xsp(n: number, sf = 1): Val {
    return sf ? this.read(REG.x(n), 'i64') : this.read32(REG.x(n));
  }
  setXsp(n: number, v: Val, sf = 1): void {
    if (sf) this.write(REG.x(n), 'i64', v);
    else this.write32(REG.x(n), v);
  }
  v(n: number): Val { return this.read(REG.vreg(n), 'v128'); }
  setV(n: number, v: Val): void { this.write(REG.vreg(n), 'v128', v); }
  flag(f: 'n' | 'z' | 'c' | 'v'): Val { return this.read(REG[f], 'i32'); }
  setFlags(n: Val, z: Val, c: Val, v: Val): void {
    // One record for the four (consecutive words): reads of the old flags are copied out first.
    if (REG.z !== REG.n + 4 || REG.c !== REG.n + 8 || REG.v !== REG.n + 12) throw new Error('internal error: flags not consecutive');
    for (const [f, val] of [[REG.n, n], [REG.z, z], [REG.c, c], [REG.v, v]] as const) {
      if (val.ty !== 'i32') throw new Error(`writing ${val.ty} to a i32 register`);
      this.materialize(this.S + f);
    }
    this.emit(Op.Flags, (this.S + REG.n) >>> 2, this.slot(n).off >>> 2, this.slot(z).off >>> 2, this.slot(c).off >>> 2, this.slot(v).off >>> 2);
  }
  sys(name: SysSlot): Val { const [off, ty] = SYS_SLOT[name]; return this.read(off, ty); }
  setSys(name: SysSlot, v: Val): void { const [off, ty] = SYS_SLOT[name]; this.write(off, ty, v); }

  // ---------------------------------------------------------------- memory
  // Loads and stores check [addr, addr+size) as the region emitter does: bits 55:32 clear (the
  // top byte is ignored), both end pages allow the access, and for a store neither holds
  // translated code. On failure they record the fault (at the first byte of the next page when
  // the access starts on a good one) and exit (eval-code.ts).

  load(addr: Val, size: 1 | 2 | 4 | 8 | 16): Val {
    const a = this.slot(addr);
    if (a.ty !== 'i64') throw new Error('addresses are i64');
    const d = this.tempSlot(size === 16 ? 'v128' : 'i64');
    this.emit(LOAD[size], d.off >>> 2, a.off >>> 2, lo32(this.pc), hi32(this.pc));
    return d;
  }

  store(addr: Val, v: Val, size: 1 | 2 | 4 | 8 | 16): void {
    const a = this.slot(addr);
    if (a.ty !== 'i64') throw new Error('addresses are i64');
    const okTy: Record<Ty, number[]> = { i32: [1, 2, 4], i64: [1, 2, 4, 8], f32: [4], f64: [8], v128: [16] };
    if (!okTy[v.ty].includes(size)) throw new Error(`cannot store ${v.ty} as ${size} bytes`);
    this.emit(STORE[size], this.slot(v).off >>> 2, a.off >>> 2, lo32(this.pc), hi32(this.pc));
  }

  checkAlign(addr: Val, size: number): void {
    if (size <= 1) return;
    this.emit(Op.Align, size - 1, this.slot(addr).off >>> 2, lo32(this.pc), hi32(this.pc));
  }

  /** Alignment, then a store check (every writable guest page is also readable). */
  private atomicAddr(addr: Val, size: number): Slot {
    this.checkAlign(addr, size);
    const a = this.slot(addr);
    this.emit(Op.StoreCheck, size, a.off >>> 2, lo32(this.pc), hi32(this.pc));
    return a;
  }

  atomicRmw(kind: 'add' | 'and' | 'or' | 'xor' | 'xchg', addr: Val, v: Val, size: 1 | 2 | 4 | 8): Val {
    const a = this.atomicAddr(addr, size);
    return this.atomic(`rmw_${kind}${size}`, a, v);
  }

  atomicCas(addr: Val, expected: Val, replacement: Val, size: 1 | 2 | 4 | 8): Val {
    const a = this.atomicAddr(addr, size);
    return this.atomic(`cas${size}`, a, expected, replacement);
  }

  private atomic(name: string, a: Slot, b?: Val, c?: Val): Slot {
    const d = this.tempSlot('i64');
    this.emit(Op.Atomic, this.fnIndex(name), d.off | 0, a.off >>> 2, b ? this.slot(b).off | 0 : 0, c ? this.slot(c).off | 0 : 0);
    return d;
  }

  atomicUpdate(addr: Val, size: 1 | 2 | 4 | 8, f: (old: Val) => Val): Val {
    const a = this.atomicAddr(addr, size);
    const old = this.local('i64') as unknown as Slot;
    const load = this.fnIndex(`atomic_load${size}`);
    this.loop(() => {
      this.emit(Op.Atomic, load, old.off | 0, a.off >>> 2);
      const next = f(old);
      const got = this.atomic(`cas${size}`, a, old, next);
      return this.op('i64.ne', [got, old]);
    });
    return old;
  }

  fence(): void {
    this.emit(Op.CallOp, this.fnIndex('fence'));
  }

  call(h: Helper, args: Val[]): Val {
    if (args.length !== h.params.length) throw new Error(`${h.name}: wrong argument count`);
    const dv = this.dv;
    // Arguments as wasm hands them to JS: i64 as a signed BigInt, floats as numbers.
    const readers = args.map((a, i): (() => unknown) => {
      if (a.ty !== h.params[i]) throw new Error(`${h.name}: arg ${i} is ${a.ty}, wants ${h.params[i]}`);
      const o = this.slot(a).off;
      switch (a.ty) {
        case 'i32': return () => dv.getInt32(o, true);
        case 'i64': return () => dv.getBigInt64(o, true);
        case 'f32': return () => dv.getFloat32(o, true);
        case 'f64': return () => dv.getFloat64(o, true);
        default: throw new Error(`${h.name}: v128 arguments are not supported`);
      }
    });
    const fn = h.fn;
    if (!h.result) {
      this.pushStep(() => { fn(...readers.map((r) => r())); return 0; });
      return this.i32(0);
    }
    const d = this.tempSlot(h.result);
    const o = d.off;
    // Results converted as wasm converts a JS function's return value.
    let put: (r: any) => void;
    switch (h.result) {
      case 'i32': put = (r) => dv.setInt32(o, Number(r) | 0, true); break;
      case 'i64': put = (r) => dv.setBigInt64(o, BigInt.asIntN(64, r), true); break;
      case 'f32': put = (r) => dv.setFloat32(o, Number(r), true); break;
      case 'f64': put = (r) => dv.setFloat64(o, Number(r), true); break;
      default: throw new Error(`${h.name}: v128 results are not supported`);
    }
    this.pushStep(() => { put(fn(...readers.map((r) => r()))); return 0; });
    return d;
  }

  // ---------------------------------------------------------------- block exits
  /** Publish a static next pc and leave with `code`. */
  private exitTo(code: number, npc: number): void {
    this.emit(Op.Exit, code, lo32(npc), hi32(npc));
  }

  private exitArgs(arg: number, arg64?: Val): void {
    this.emit(Op.ExitArgs, arg, arg64 ? this.slot(arg64).off >>> 2 : -1);
  }

  /** Only region discovery (DiscoveryEmitter) uses the hint. */
  likelySuccessor(): void {}

  jump(target: Val | number, kind?: 'return'): void {
    if (typeof target === 'number') {
      this.exitTo(CHAIN, target);
    } else {
      this.emit(Op.JumpReg, this.slot(target).off >>> 2);
      this.indirect = kind !== 'return';
    }
    this.ended = true;
  }

  jumpIf(cond: Val, target: number): void {
    const next = this.pc + 4;
    this.emit(Op.Branch, this.slot(cond).off >>> 2, lo32(target), hi32(target), lo32(next), hi32(next));
    this.ended = true;
  }

  svc(imm: number): void {
    this.exitArgs(imm);
    this.exitTo(Exit.Svc, this.pc + 4);
    this.ended = true;
  }

  /** System mode: performs a system-register access in place (see SystemInsnHook). */
  systemInsn: SystemInsnHook | null = null;

  trap(kind: Trap, imm = 0): void {
    const hook = this.systemInsn;
    if (kind !== Trap.SystemRegister || !hook) {
      this.exitArgs(kind, this.i64(imm));
      this.exitTo(Exit.Trap, this.pc);
      this.ended = true;
      return;
    }
    // Done in place, the block goes on; else the trap exit as above, or (done, but the run
    // loop must look again) the block ends with the next instruction's pc.
    const m = this.m;
    const S = this.S;
    const arg = this.slot(this.i64(imm)).off >>> 2;
    const pc = this.pc;
    const setPc = (npc: number) => { m[(S + REG.pc) >>> 2] = lo32(npc); m[((S + REG.pc) >>> 2) + 1] = hi32(npc); };
    this.pushStep(() => {
      const r = hook(imm);
      if (r === SYSTEM_INSN.DONE) return 0;
      if (r === SYSTEM_INSN.LEAVE) {
        setPc(pc + 4);
        return Exit.Budget;
      }
      m[(S + REG.exitArg) >>> 2] = kind;
      m[(S + REG.syncArg) >>> 2] = m[arg];
      m[((S + REG.syncArg) >>> 2) + 1] = m[arg + 1];
      setPc(pc);
      return Exit.Trap;
    });
  }

  sync(what: Sync, arg?: Val): void {
    this.exitArgs(what, arg ?? this.i64(0));
    this.exitTo(Exit.Sync, this.pc + 4);
    this.ended = true;
  }

  /** Close a block that ran out of instructions (length cap, page end, constant space). */
  fallThrough(next: number): void {
    this.exitTo(CHAIN, next);
    this.ended = true;
  }
}
