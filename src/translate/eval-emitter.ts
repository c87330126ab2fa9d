// The first tier: implements the Emitter interface by building, once per block, a list of JS
// closures (one per operation) that run it later without any wasm compile. Instructions are not
// written again here: each `sem` runs once against this backend, as it runs once against the
// region emitter.
//
// Values live in 16-byte slots in the evaluator's scratch area in linear memory, one area per
// guest thread (cpu/state.ts threadScratch): temporaries (reused from one instruction to the
// next, since no value outlives its instruction), then constants, shared by the thread's blocks
// (deduplicated; when they fill their area, the translator drops every first-tier block and
// starts again). Operators are the wasm
// ones (operators.ts), so results are bit-identical with the wasm tier; the cheapest integer
// operations are done on 32-bit halves in JS instead (eval-fast.ts), checked against the wasm
// operators by test/translate/eval-operators.test.ts.
//
// Guest registers and flags are read from and written to the thread's CPU state directly; memory
// accesses make the same permission checks as the region emitter and fail the same way
// (faultAddr/faultKind, pc = the instruction, Exit.Fault), so faults stay precise.
import type { Emitter, Helper, SysSlot, Val, Var } from '../cpu/emitter.js';
import { Sync, Trap } from '../cpu/emitter.js';
import {
  Exit, FaultKind, PERM_BASE, PERM_CODE, PERM_R, PERM_W, REG, SCRATCH_BASE, SCRATCH_SIZE, STATE_BASE, SYS_SLOT,
} from '../cpu/state.js';
import { OPS, type Ty } from './opcodes.js';
import { FAST_OPERATORS as FAST } from './eval-fast.js';
import type { OperatorFn } from './operators.js';

/** A step returns 0 to go on, else the block's exit: CHAIN (continue at the pc in the state) or an Exit code. */
export type Step = () => number;
export const CHAIN = -1;

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
  /** Mutable only for a register read that is redirected to a copy (see `read`). */
  constructor(readonly ty: Ty, public off: number, readonly mutable = false) {}
}

/** A register read handed out without a copy: the steps slot where a copy goes if needed. */
interface Alias {
  slot: Slot;
  list: Step[];
  index: number;
  bytes: number;
}

/** Placeholder step, removed when the block is finished. */
const NOP: Step = () => 0;

const SIZE: Record<Ty, number> = { i32: 4, i64: 8, f32: 4, f64: 8, v128: 16 };

/** What closures need at run time: views of memory and the operator functions; the thread's
 *  CPU state block; and its scratch area: temporaries, then the constants its blocks share. */
export interface EvalRuntime {
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly dv: DataView;
  readonly ops: Record<string, OperatorFn>;
  readonly state: number;
  readonly temps: number;
  readonly consts: ConstPool;
}

/** A thread's run-time context for the first tier (default: the first thread's). */
export function evalRuntime(memory: WebAssembly.Memory, ops: Record<string, OperatorFn>, state = STATE_BASE,
  scratch = { base: SCRATCH_BASE, size: SCRATCH_SIZE }): EvalRuntime {
  const buf = memory.buffer;
  const consts = new ConstPool(scratch.base + TEMP_BYTES, scratch.base + scratch.size);
  if (!consts.room) throw new Error(`internal error: a first-tier scratch area of ${scratch.size} bytes leaves no room for constants`);
  return { u8: new Uint8Array(buf), i32: new Int32Array(buf), dv: new DataView(buf), ops, state, temps: scratch.base, consts };
}

/** Constant slots, written once and kept while any block may use them. */
export class ConstPool {
  top: number;
  readonly slots = new Map<string, Slot>();
  constructor(readonly base: number, readonly limit: number) {
    this.top = base;
  }
  /** Room for another instruction's constants. */
  get room(): boolean { return this.top + CONST_RESERVE <= this.limit; }
  /** Forget every constant (only when no block that uses them remains). */
  reset(): void {
    this.top = this.base;
    this.slots.clear();
  }
}

/** Run steps until one exits; 0 if none did. */
export function runSteps(steps: Step[]): number {
  for (let i = 0; i < steps.length; i++) {
    const r = steps[i]();
    if (r !== 0) return r;
  }
  return 0;
}

/** What a SystemInsnHook did: nothing (the block exits with the trap, as without a hook), the
 *  access (the block goes on), or the access after which the run loop must look again (an
 *  interrupt became deliverable, the translation changed). */
export const SYSTEM_INSN = { NOT_DONE: 0, DONE: 1, LEAVE: 2 } as const;
/** System mode: performs the system instruction a Trap.SystemRegister carries (its bits). */
export type SystemInsnHook = (bits: number) => number;

export class EvalEmitter implements Emitter {
  pc = 0;
  /** See Emitter.system (set by the translator). */
  system = false;
  /** Set when the current instruction ended the block. */
  ended = false;
  /** Set when the block ends in a jump to a computed address other than a return (BR, BLR). */
  indirect = false;
  steps: Step[] = [];
  /** Every step list of the block (nested ones for if/loop too), for removing placeholders. */
  private lists: Step[][] = [this.steps];
  /** Register reads of the current instruction not copied, by state offset. */
  private aliases = new Map<number, Alias[]>();
  private loopDepth = 0;
  private readonly tempBase: number;
  private temp: number;
  private readonly consts: ConstPool;
  /** The thread's CPU state block: registers are at fixed offsets from it. */
  protected readonly S: number;
  private readonly u8: Uint8Array;
  private readonly m32: Int32Array;
  private readonly dv: DataView;
  private readonly ops: Record<string, OperatorFn>;

  constructor(readonly fpcrMode: number, rt: EvalRuntime) {
    this.u8 = rt.u8;
    this.m32 = rt.i32;
    this.dv = rt.dv;
    this.ops = rt.ops;
    this.consts = rt.consts;
    this.S = rt.state;
    this.temp = this.tempBase = rt.temps;
  }

  /** Start the next instruction: its temporaries may reuse the previous one's slots. */
  beginInsn(pc: number): void {
    this.pc = pc;
    this.temp = this.tempBase;
    this.aliases.clear();
  }

  /** The block's steps, placeholders removed. */
  finish(): Step[] {
    for (const list of this.lists) {
      let j = 0;
      for (let i = 0; i < list.length; i++) if (list[i] !== NOP) list[j++] = list[i];
      list.length = j;
    }
    return this.steps;
  }

  /** Whether constants have room for another instruction. */
  get constRoom(): boolean { return this.consts.room; }

  // ---------------------------------------------------------------- slots
  protected tempSlot(ty: Ty, mutable = false): Slot {
    const off = this.temp;
    this.temp += 16;
    if (this.temp > this.tempBase + TEMP_BYTES) throw new Error(`internal error: instruction at 0x${this.pc.toString(16)} has too many values for the evaluator`);
    return new Slot(ty, off, mutable);
  }

  private constSlot(ty: Ty, key: string, write: (off: number) => void): Slot {
    const k = ty + key;
    const pool = this.consts;
    let s = pool.slots.get(k);
    if (!s) {
      if (pool.top + 16 > pool.limit) throw new Error('internal error: evaluator constants overflow');
      s = new Slot(ty, pool.top);
      pool.top += 16;
      this.u8.fill(0, s.off, s.off + 16);
      write(s.off);
      pool.slots.set(k, s);
    }
    return s;
  }

  protected slot(v: Val): Slot {
    if (!(v instanceof Slot)) throw new Error('foreign Val');
    return v;
  }

  /** A step copying `bytes` (4, 8 or 16) from one 4-aligned offset to another. */
  private copy(to: number, from: number, bytes: number): Step {
    const i32 = this.m32;
    const t = to >>> 2;
    const f = from >>> 2;
    if (bytes === 4) return () => { i32[t] = i32[f]; return 0; };
    if (bytes === 8) return () => { i32[t] = i32[f]; i32[t + 1] = i32[f + 1]; return 0; };
    return () => { i32[t] = i32[f]; i32[t + 1] = i32[f + 1]; i32[t + 2] = i32[f + 2]; i32[t + 3] = i32[f + 3]; return 0; };
  }

  // ---------------------------------------------------------------- constants and operators
  i32(n: number): Val {
    return this.constSlot('i32', String(n | 0), (o) => this.dv.setInt32(o, n | 0, true));
  }
  i64(n: number | bigint): Val {
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
    const offs = args.map((a, i) => {
      if (a.ty !== info.params[i]) throw new Error(`${name}: arg ${i} is ${a.ty}, wants ${info.params[i]}`);
      return this.slot(a).off;
    });
    if (!info.result) throw new Error(`${name} has no result`);
    const d = this.tempSlot(info.result);
    if (info.imm === 'shuffle') {
      if (!Array.isArray(imm) || imm.length !== 16) throw new Error(`${name} needs 16 lane selectors`);
      this.steps.push(this.shuffle(d.off, offs[0], offs[1], imm));
      return d;
    }
    const fast = FAST[name];
    if (fast) {
      this.steps.push(fast(this.m32, d.off >>> 2, offs[0] >>> 2, offs[1] >>> 2, (imm as number) ?? 0));
      return d;
    }
    const fn = this.ops[info.imm === 'lane' ? `${name}#${imm}` : name];
    if (!fn) throw new Error(`${name}: no operator for lane ${imm}`);
    const [a = 0, b = 0, c = 0] = offs;
    const o = d.off;
    this.steps.push(() => { fn(o, a, b, c); return 0; });
    return d;
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
    const c = this.slot(cond).off >>> 2;
    const i32 = this.m32;
    const fromA = this.copy(d.off, this.slot(a).off, SIZE[a.ty]);
    const fromB = this.copy(d.off, this.slot(b).off, SIZE[a.ty]);
    this.steps.push(() => (i32[c] !== 0 ? fromA() : fromB()));
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
    this.steps.push(this.copy(v.off, this.slot(value).off, SIZE[v.ty]));
  }

  /** Build the steps `f` emits as a separate list. */
  private nested(f: () => void): Step[] {
    const outer = this.steps;
    const inner: Step[] = [];
    this.lists.push(inner);
    this.steps = inner;
    try {
      f();
    } finally {
      this.steps = outer;
    }
    return inner;
  }

  if(cond: Val, then: () => void, otherwise?: () => void): void {
    const c = this.slot(cond).off >>> 2;
    const i32 = this.m32;
    const t = this.nested(then);
    const o = otherwise ? this.nested(otherwise) : [];
    this.steps.push(() => runSteps(i32[c] !== 0 ? t : o));
  }

  loop(body: () => Val): void {
    // A step in a loop body runs again after later steps: no uncopied register reads cross it.
    for (const off of [...this.aliases.keys()]) this.materialize(off);
    let again: Slot | undefined;
    this.loopDepth++;
    let steps: Step[];
    try {
      steps = this.nested(() => { again = this.slot(body()); });
    } finally {
      this.loopDepth--;
    }
    const c = again!.off >>> 2;
    const i32 = this.m32;
    this.steps.push(() => {
      for (;;) {
        const r = runSteps(steps);
        if (r !== 0) return r;
        if (i32[c] === 0) return 0;
      }
    });
  }

  // ---------------------------------------------------------------- guest state
  /**
   * A register read. A Val must keep its value when the register is written later in the
   * instruction, but most reads are never followed by such a write: the Val is the register's
   * own slot, with a placeholder step where the read happened. A write to the register turns
   * the placeholder into a copy and points the Val at the copy for the steps built after it
   * (those built before run before the write, and read the register itself).
   */
  private read(off: number, ty: Ty): Val {
    const bytes = SIZE[ty];
    if (this.loopDepth > 0) {
      const d = this.tempSlot(ty);
      this.steps.push(this.copy(d.off, this.S + off, bytes));
      return d;
    }
    const slot = new Slot(ty, this.S + off);
    const at = this.S + off;
    let list = this.aliases.get(at);
    if (!list) this.aliases.set(at, (list = []));
    list.push({ slot, list: this.steps, index: this.steps.length, bytes });
    this.steps.push(NOP);
    return slot;
  }

  /** Before a write to the state at `at`: copy out the uncopied reads of it (see `read`). */
  private materialize(at: number): void {
    const list = this.aliases.get(at);
    if (!list) return;
    for (const a of list) {
      const d = this.tempSlot(a.slot.ty);
      a.list[a.index] = this.copy(d.off, at, a.bytes);
      a.slot.off = d.off;
    }
    this.aliases.delete(at);
  }

  private write(off: number, ty: Ty, v: Val): void {
    if (v.ty !== ty) throw new Error(`writing ${v.ty} to a ${ty} register`);
    this.materialize(this.S + off);
    this.steps.push(this.copy(this.S + off, this.slot(v).off, SIZE[ty]));
  }

  /** Write the low 32 bits of an i64 value zero-extended (sf=0 register writes). */
  private write32(off: number, v: Val): void {
    if (v.ty !== 'i64') throw new Error(`writing ${v.ty} to a i64 register`);
    this.materialize(this.S + off);
    const i32 = this.m32;
    const t = (this.S + off) >>> 2;
    const f = this.slot(v).off >>> 2;
    this.steps.push(() => { i32[t] = i32[f]; i32[t + 1] = 0; return 0; });
  }

  private read32(off: number): Val {
    const d = this.tempSlot('i64');
    const i32 = this.m32;
    const t = d.off >>> 2;
    const f = (this.S + off) >>> 2;
    this.steps.push(() => { i32[t] = i32[f]; i32[t + 1] = 0; return 0; });
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
    this.write(REG.n, 'i32', n);
    this.write(REG.z, 'i32', z);
    this.write(REG.c, 'i32', c);
    this.write(REG.v, 'i32', v);
  }
  sys(name: SysSlot): Val { const [off, ty] = SYS_SLOT[name]; return this.read(off, ty); }
  setSys(name: SysSlot, v: Val): void { const [off, ty] = SYS_SLOT[name]; this.write(off, ty, v); }

  // ---------------------------------------------------------------- memory
  /**
   * A step checking [addr, addr+size) as the region emitter does: bits 55:32 clear (the top
   * byte is ignored), both end pages allow the access, and for a store neither holds translated
   * code. On failure it records the fault (at the first byte of the next page when the access
   * starts on a good one) and exits.
   */
  private access(addr: Slot, size: number, store: boolean): Step {
    const i32 = this.m32;
    const u8 = this.u8;
    const a = addr.off >>> 2;
    const fault = this.faultStep(addr.off, store ? FaultKind.Write : FaultKind.Read, size);
    const mask = store ? PERM_W | PERM_CODE : PERM_R;
    const want = store ? PERM_W : PERM_R;
    const last = size - 1;
    return () => {
      const lo = i32[a];
      if ((i32[a + 1] & 0xffffff) === 0 && (u8[PERM_BASE + (lo >>> 12)] & mask) === want &&
        (u8[PERM_BASE + (((lo + last) | 0) >>> 12)] & mask) === want) return 0;
      return fault();
    };
  }

  /** Record a fault on the access at the address in slot `at` and exit (pc = this instruction). */
  private faultStep(at: number, kind: FaultKind, size: number): Step {
    const dv = this.dv;
    const u8 = this.u8;
    const pc = this.pc;
    const S = this.S;
    const mask = kind === FaultKind.Write ? PERM_W | PERM_CODE : PERM_R;
    const want = kind === FaultKind.Write ? PERM_W : PERM_R;
    return () => {
      const addr = dv.getBigUint64(at, true);
      let where = addr;
      if (kind !== FaultKind.Align && size > 1) {
        const lo = Number(addr & 0xffffffffn);
        const firstOk = (u8[PERM_BASE + (lo >>> 12)] & mask) === want && (addr >> 32n & 0xffffffn) === 0n;
        if (firstOk) where = BigInt.asUintN(64, (addr + BigInt(size - 1)) & ~4095n);
      }
      dv.setBigUint64(S + REG.faultAddr, where, true);
      dv.setInt32(S + REG.faultKind, kind, true);
      dv.setBigUint64(S + REG.pc, BigInt(pc), true);
      return Exit.Fault;
    };
  }

  load(addr: Val, size: 1 | 2 | 4 | 8 | 16): Val {
    const a = this.slot(addr);
    if (a.ty !== 'i64') throw new Error('addresses are i64');
    const check = this.access(a, size, false);
    const d = this.tempSlot(size === 16 ? 'v128' : 'i64');
    const i32 = this.m32;
    const dv = this.dv;
    const ai = a.off >>> 2;
    const o = d.off >>> 2;
    // Plain (non-atomic, possibly unaligned) little-endian reads, as wasm's loads are.
    let get: (p: number) => void;
    switch (size) {
      case 1: get = (p) => { i32[o] = this.u8[p]; i32[o + 1] = 0; }; break;
      case 2: get = (p) => { i32[o] = dv.getUint16(p, true); i32[o + 1] = 0; }; break;
      case 4: get = (p) => { i32[o] = dv.getInt32(p, true); i32[o + 1] = 0; }; break;
      case 8: get = (p) => { i32[o] = dv.getInt32(p, true); i32[o + 1] = dv.getInt32(p + 4, true); }; break;
      default: get = (p) => {
        i32[o] = dv.getInt32(p, true); i32[o + 1] = dv.getInt32(p + 4, true);
        i32[o + 2] = dv.getInt32(p + 8, true); i32[o + 3] = dv.getInt32(p + 12, true);
      };
    }
    this.steps.push(() => {
      const r = check();
      if (r !== 0) return r;
      get(i32[ai] >>> 0);
      return 0;
    });
    return d;
  }

  store(addr: Val, v: Val, size: 1 | 2 | 4 | 8 | 16): void {
    const a = this.slot(addr);
    if (a.ty !== 'i64') throw new Error('addresses are i64');
    const okTy: Record<Ty, number[]> = { i32: [1, 2, 4], i64: [1, 2, 4, 8], f32: [4], f64: [8], v128: [16] };
    if (!okTy[v.ty].includes(size)) throw new Error(`cannot store ${v.ty} as ${size} bytes`);
    const check = this.access(a, size, true);
    const i32 = this.m32;
    const dv = this.dv;
    const ai = a.off >>> 2;
    const s = this.slot(v).off >>> 2;
    // The low `size` bytes of the slot, whatever its type (slots are little-endian bytes).
    let put: (p: number) => void;
    switch (size) {
      case 1: put = (p) => { this.u8[p] = i32[s]; }; break;
      case 2: put = (p) => { dv.setInt16(p, i32[s], true); }; break;
      case 4: put = (p) => { dv.setInt32(p, i32[s], true); }; break;
      case 8: put = (p) => { dv.setInt32(p, i32[s], true); dv.setInt32(p + 4, i32[s + 1], true); }; break;
      default: put = (p) => {
        dv.setInt32(p, i32[s], true); dv.setInt32(p + 4, i32[s + 1], true);
        dv.setInt32(p + 8, i32[s + 2], true); dv.setInt32(p + 12, i32[s + 3], true);
      };
    }
    this.steps.push(() => {
      const r = check();
      if (r !== 0) return r;
      put(i32[ai] >>> 0);
      return 0;
    });
  }

  checkAlign(addr: Val, size: number): void {
    if (size <= 1) return;
    const a = this.slot(addr);
    const i32 = this.m32;
    const ai = a.off >>> 2;
    const fault = this.faultStep(a.off, FaultKind.Align, size);
    const m = size - 1;
    this.steps.push(() => ((i32[ai] & m) !== 0 ? fault() : 0));
  }

  /** Alignment, then a store check (every writable guest page is also readable). */
  private atomicAddr(addr: Val, size: number): Slot {
    this.checkAlign(addr, size);
    const a = this.slot(addr);
    this.steps.push(this.access(a, size, true));
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
    const fn = this.ops[name];
    const i32 = this.m32;
    const ai = a.off >>> 2;
    const o = d.off;
    const bo = b ? this.slot(b).off : 0;
    const co = c ? this.slot(c).off : 0;
    this.steps.push(() => { fn(o, i32[ai], bo, co); return 0; });
    return d;
  }

  atomicUpdate(addr: Val, size: 1 | 2 | 4 | 8, f: (old: Val) => Val): Val {
    const a = this.atomicAddr(addr, size);
    const old = this.local('i64') as unknown as Slot;
    const load = this.ops[`atomic_load${size}`];
    const i32 = this.m32;
    const ai = a.off >>> 2;
    this.loop(() => {
      const o = old.off;
      this.steps.push(() => { load(o, i32[ai], 0, 0); return 0; });
      const next = f(old);
      const got = this.atomic(`cas${size}`, a, old, next);
      return this.op('i64.ne', [got, old]);
    });
    return old;
  }

  fence(): void {
    const fn = this.ops.fence;
    this.steps.push(() => { fn(0, 0, 0, 0); return 0; });
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
      this.steps.push(() => { fn(...readers.map((r) => r())); return 0; });
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
    this.steps.push(() => { put(fn(...readers.map((r) => r()))); return 0; });
    return d;
  }

  // ---------------------------------------------------------------- block exits
  /** A step publishing a static next pc and exiting with `code`. */
  private exitTo(code: number, npc: number): Step {
    const i32 = this.m32;
    const p = (this.S + REG.pc) >>> 2;
    const lo = npc | 0;
    const hi = Math.floor(npc / 2 ** 32) | 0;
    return () => { i32[p] = lo; i32[p + 1] = hi; return code; };
  }

  private setExitArgs(arg: number, arg64?: Val): Step {
    const i32 = this.m32;
    const e = (this.S + REG.exitArg) >>> 2;
    const s = (this.S + REG.syncArg) >>> 2;
    const from = arg64 ? this.slot(arg64).off >>> 2 : -1;
    return () => {
      i32[e] = arg;
      if (from >= 0) { i32[s] = i32[from]; i32[s + 1] = i32[from + 1]; }
      return 0;
    };
  }

  /** Only region discovery (DiscoveryEmitter) uses the hint. */
  likelySuccessor(): void {}

  jump(target: Val | number, kind?: 'return'): void {
    if (typeof target === 'number') {
      this.steps.push(this.exitTo(CHAIN, target));
    } else {
      const copy = this.copy(this.S + REG.pc, this.slot(target).off, 8);
      this.steps.push(() => { copy(); return CHAIN; });
      this.indirect = kind !== 'return';
    }
    this.ended = true;
  }

  jumpIf(cond: Val, target: number): void {
    const c = this.slot(cond).off >>> 2;
    const i32 = this.m32;
    const taken = this.exitTo(CHAIN, target);
    const not = this.exitTo(CHAIN, this.pc + 4);
    this.steps.push(() => (i32[c] !== 0 ? taken() : not()));
    this.ended = true;
  }

  private exitWith(args: Step, code: number, npc: number): void {
    const out = this.exitTo(code, npc);
    this.steps.push(() => { args(); return out(); });
    this.ended = true;
  }

  svc(imm: number): void {
    this.exitWith(this.setExitArgs(imm), Exit.Svc, this.pc + 4);
  }

  /** System mode: performs a system-register access in place (see SystemInsnHook). */
  systemInsn: SystemInsnHook | null = null;

  trap(kind: Trap, imm = 0): void {
    const hook = this.systemInsn;
    if (kind !== Trap.SystemRegister || !hook) {
      this.exitWith(this.setExitArgs(kind, this.i64(imm)), Exit.Trap, this.pc);
      return;
    }
    // Done in place, the block goes on; else the trap exit as above, or (done, but the run
    // loop must look again) the block ends with the next instruction's pc.
    const args = this.setExitArgs(kind, this.i64(imm));
    const trapped = this.exitTo(Exit.Trap, this.pc);
    const leave = this.exitTo(Exit.Budget, this.pc + 4);
    this.steps.push(() => {
      const r = hook(imm);
      if (r === SYSTEM_INSN.DONE) return 0;
      if (r === SYSTEM_INSN.LEAVE) return leave();
      args();
      return trapped();
    });
  }

  sync(what: Sync, arg?: Val): void {
    this.exitWith(this.setExitArgs(what, arg ?? this.i64(0)), Exit.Sync, this.pc + 4);
  }

  /** Close a block that ran out of instructions (length cap, page end, constant space). */
  fallThrough(next: number): void {
    this.steps.push(this.exitTo(CHAIN, next));
    this.ended = true;
  }
}
