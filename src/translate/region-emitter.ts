// Implements the Emitter interface by generating one WebAssembly function for a region: a set of
// guest blocks discovered together. Every intermediate value is a wasm local (V8 turns them into
// SSA values); guest registers are cached in locals for the whole region: loaded at entry,
// written back at each exit. A branch to a block of the same region is a jump inside the
// function (a loop around a br_table), so hot loops run with registers in locals. All exits go
// through one epilogue, so a fault in the middle of a block is precise: locals hold exactly the
// state after the previous instruction.
//
//   func (param $entry i32) (result i32)
//     budget check; load registers; $cur = $entry
//     loop $L
//       block $out
//         block $b[n-1] ... block $b0  br_table($cur) end  (block|loop <block 0>) ... end
//           (block|loop <block n-1>)
//       end
//       if $tgt >= 0 and the loop budget lasts: $cur = $tgt; br $L
//     end
//     write back; publish pc; return the exit code, or chain through the jump cache
//
// A block that branches to its own start is wrapped in a wasm loop and branches straight back
// (no dispatch); a computed jump (BR, BLR) compares its target with the members the first tier
// saw it reach, a return with the members that follow a call in the region.
import type { Emitter, Helper, SysSlot, Val, Var } from '../cpu/emitter.js';
import { Sync, Trap } from '../cpu/emitter.js';
import {
  Exit, FaultKind, PERM_BASE, PERM_CODE, PERM_R, PERM_W, REG, SYS_SLOT,
} from '../cpu/state.js';
import { Bytes } from './bytes.js';
import { DISPATCH_FUNC, STATE_GLOBAL } from './module.js';
import { OPS, sleb, sleb32, uleb, type Ty } from './opcodes.js';

class Local implements Val {
  constructor(readonly ty: Ty, readonly idx: number, readonly mutable = false) {}
}
class Const implements Val {
  constructor(readonly ty: Ty, readonly value: number | bigint | number[]) {}
}

interface Slot {
  off: number;
  ty: Ty;
  local: number;
  dirty: boolean;
}

const LOAD: Record<Ty, number> = { i32: 0x28, i64: 0x29, f32: 0x2a, f64: 0x2b, v128: -1 };
const STORE: Record<Ty, number> = { i32: 0x36, i64: 0x37, f32: 0x38, f64: 0x39, v128: -1 };
const EXIT_CHAIN = 0;
const RMW_BASE = { add: 0x1e, and: 0x2c, or: 0x33, xor: 0x3a, xchg: 0x41, cmpxchg: 0x48 } as const;
const RMW_SIZE_STEP: Record<number, number> = { 8: 1, 1: 4, 2: 5, 4: 6 };
const LOG2: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3, 16: 4 };

/** PERM_BASE as an i32.const immediate; OR-ing a page number into it is adding (1 MiB aligned). */
const PERM_OR = sleb32(PERM_BASE);
if (PERM_BASE % 2 ** 20 !== 0) throw new Error('PERM_BASE must be 1 MiB aligned: page numbers are OR-ed into it');

/** Branches taken inside a region before it returns to the run loop. */
const LOOP_BUDGET = 65536;

export class RegionEmitter implements Emitter {
  pc = 0;
  readonly fpcrMode: number;
  /** See Emitter.system (set by the translator). */
  system = false;
  /** Set when the current instruction ended the block. */
  ended = false;

  private code: number[] = [];
  private blocks: number[][] = [];
  private locals: Ty[] = [];
  private slots = new Map<number, Slot>();
  private depth = 0;
  /** Extra nesting between the current block's code and $out. */
  private baseDepth = 0;
  /** The current block's first pc, and whether it branches back to it (see chainTo). */
  private blockStart = 0;
  private selfLoop = false;
  /** For each block: whether its code is wrapped in a wasm loop (else a plain block). */
  private wrappers: boolean[] = [];
  private readonly xc: number;
  private readonly npc: number;
  private readonly tgt: number;
  /** Branches inside the region left before it returns to the run loop (LOOP_BUDGET). */
  private readonly loopBudget: number;
  /** Members of the region the current block's computed jump is known to reach. */
  private targets: number[] = [];

  /**
   * @param members region index of every block in the region by guest pc (known after
   *   discovery; empty during discovery, when the bytes are thrown away).
   * @param returnSites members that follow a call in the region: where its returns likely go.
   */
  constructor(fpcrMode: number, private helperIndex: (h: Helper) => number, private members: Map<number, number>,
    private returnSites: readonly number[] = []) {
    this.fpcrMode = fpcrMode;
    this.xc = this.newLocal('i32');
    this.npc = this.newLocal('i64');
    this.tgt = this.newLocal('i32');
    this.loopBudget = this.newLocal('i32');
  }

  /** Start translating block `index` of the region, at `pc`; `targets`: where its computed
   *  jump, if any, went in the first tier. */
  beginBlock(pc: number, index: number, targets: readonly number[] | null = null): void {
    this.pc = pc;
    this.targets = targets?.filter((t) => this.members.has(t)) ?? [];
    this.ended = false;
    this.code = [];
    this.depth = 0;
    this.blockStart = pc;
    this.selfLoop = false;
    // + 1: the block's own wrapper (finish).
    this.baseDepth = Math.max(0, this.members.size - 1 - index) + 1;
  }

  endBlock(): void {
    if (!this.ended) throw new Error('block not closed');
    this.blocks.push(this.code);
    this.wrappers.push(this.selfLoop);
  }

  // ---------------------------------------------------------------- low-level emission
  /** Local index (the region function's one parameter is local 0). */
  private newLocal(ty: Ty): number {
    this.locals.push(ty);
    return this.locals.length;
  }

  private push(v: Val): void {
    const c = this.code;
    if (v instanceof Local) {
      c.push(0x20, ...uleb(v.idx));
      return;
    }
    if (!(v instanceof Const)) throw new Error('foreign Val');
    switch (v.ty) {
      case 'i32': c.push(0x41, ...sleb32(v.value as number)); break;
      case 'i64': c.push(0x42, ...(typeof v.value === 'number' && Number.isSafeInteger(v.value) && Math.abs(v.value) < 2 ** 31
        ? sleb32(v.value) : sleb(v.value as bigint | number))); break;
      case 'f32': { const b = new Uint8Array(new Float32Array([v.value as number]).buffer); c.push(0x43, ...b); break; }
      case 'f64': { const b = new Uint8Array(new Float64Array([v.value as number]).buffer); c.push(0x44, ...b); break; }
      case 'v128': c.push(0xfd, 12, ...(v.value as number[])); break;
    }
  }

  /** Pop the top of the wasm stack into a fresh local. */
  private result(ty: Ty): Local {
    const l = this.newLocal(ty);
    this.code.push(0x21, ...uleb(l));
    return new Local(ty, l);
  }

  private memarg(align: number, offset: number): number[] {
    return [...uleb(align), ...uleb(offset)];
  }

  /**
   * Base for accesses to the CPU state (memarg offset: the REG offset): the module's imported
   * immutable global STATE_GLOBAL, whose value is STATE_BASE. Not an i32.const: V8 folds a
   * constant base into each access's address, and above 2^31 x64 has no displacement for it,
   * so every access would first load the address into a register; a global's value is read
   * once per function and used as the index register of every access.
   */
  private zero(): void {
    this.code.push(0x23, STATE_GLOBAL);
  }

  // ---------------------------------------------------------------- constants and operators
  i32(n: number): Val { return new Const('i32', n | 0); }
  i64(n: number | bigint): Val {
    return new Const('i64', typeof n === 'bigint' ? BigInt.asIntN(64, n) : n);
  }
  f32(n: number): Val { return new Const('f32', n); }
  f64(n: number): Val { return new Const('f64', n); }
  v128(bytes: ArrayLike<number>): Val {
    if (bytes.length !== 16) throw new Error('v128 constant needs 16 bytes');
    return new Const('v128', Array.from(bytes, (b) => b & 0xff));
  }

  op(name: string, args: Val[], imm?: number | number[]): Val {
    const info = OPS.get(name);
    if (!info) throw new Error(`unknown wasm op ${name}`);
    if (args.length !== info.params.length) throw new Error(`${name}: ${args.length} args, wants ${info.params.length}`);
    args.forEach((a, i) => {
      if (a.ty !== info.params[i]) throw new Error(`${name}: arg ${i} is ${a.ty}, wants ${info.params[i]}`);
      this.push(a);
    });
    this.code.push(...info.bytes);
    if (info.imm === 'lane') this.code.push(imm as number);
    else if (info.imm === 'shuffle') {
      if (!Array.isArray(imm) || imm.length !== 16) throw new Error(`${name} needs 16 lane selectors`);
      this.code.push(...imm);
    }
    if (!info.result) throw new Error(`${name} has no result`);
    return this.result(info.result);
  }

  select(cond: Val, a: Val, b: Val): Val {
    if (a.ty !== b.ty || cond.ty !== 'i32') throw new Error('select: type mismatch');
    this.push(a);
    this.push(b);
    this.push(cond);
    if (a.ty === 'v128') this.code.push(0x1c, 1, 0x7b);
    else this.code.push(0x1b);
    return this.result(a.ty);
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
    const l = this.newLocal(ty);
    if (init) {
      this.push(init);
      this.code.push(0x21, ...uleb(l));
    }
    return new Local(ty, l, true) as Var;
  }

  assign(v: Var, value: Val): void {
    if (!(v instanceof Local) || v.ty !== value.ty) throw new Error('assign: type mismatch');
    this.push(value);
    this.code.push(0x21, ...uleb(v.idx));
  }

  if(cond: Val, then: () => void, otherwise?: () => void): void {
    this.push(cond);
    this.code.push(0x04, 0x40);
    this.depth++;
    then();
    if (otherwise) {
      this.code.push(0x05);
      otherwise();
    }
    this.depth--;
    this.code.push(0x0b);
  }

  loop(body: () => Val): void {
    this.code.push(0x03, 0x40);
    this.depth++;
    const again = body();
    this.push(again);
    this.code.push(0x0d, 0); // br_if 0: back to the loop head
    this.depth--;
    this.code.push(0x0b);
  }

  // ---------------------------------------------------------------- guest state
  private slot(off: number, ty: Ty): Slot {
    let s = this.slots.get(off);
    if (!s) {
      s = { off, ty, local: this.newLocal(ty), dirty: false };
      this.slots.set(off, s);
    } else if (s.ty !== ty) throw new Error(`state slot ${off} used as ${ty} and ${s.ty}`);
    return s;
  }

  private readSlot(off: number, ty: Ty): Val {
    const s = this.slot(off, ty);
    // Copy, so a Val keeps its value when the register is written later in the instruction.
    this.code.push(0x20, ...uleb(s.local));
    return this.result(ty);
  }

  private writeSlot(off: number, ty: Ty, v: Val): void {
    if (v.ty !== ty) throw new Error(`writing ${v.ty} to a ${ty} register`);
    const s = this.slot(off, ty);
    this.push(v);
    this.code.push(0x21, ...uleb(s.local));
    s.dirty = true;
  }

  x(n: number, sf = 1): Val {
    if (n === 31) return this.i64(0);
    const v = this.readSlot(REG.x(n), 'i64');
    return sf ? v : this.zext32(v);
  }
  setX(n: number, v: Val, sf = 1): void {
    if (n === 31) return;
    this.writeSlot(REG.x(n), 'i64', sf ? v : this.zext32(v));
  }
  xsp(n: number, sf = 1): Val {
    const v = this.readSlot(REG.x(n), 'i64');
    return sf ? v : this.zext32(v);
  }
  setXsp(n: number, v: Val, sf = 1): void {
    this.writeSlot(REG.x(n), 'i64', sf ? v : this.zext32(v));
  }
  v(n: number): Val { return this.readSlot(REG.vreg(n), 'v128'); }
  setV(n: number, v: Val): void { this.writeSlot(REG.vreg(n), 'v128', v); }
  flag(f: 'n' | 'z' | 'c' | 'v'): Val { return this.readSlot(REG[f], 'i32'); }
  setFlags(n: Val, z: Val, c: Val, v: Val): void {
    this.writeSlot(REG.n, 'i32', n);
    this.writeSlot(REG.z, 'i32', z);
    this.writeSlot(REG.c, 'i32', c);
    this.writeSlot(REG.v, 'i32', v);
  }
  sys(name: SysSlot): Val { const [off, ty] = SYS_SLOT[name]; return this.readSlot(off, ty); }
  setSys(name: SysSlot, v: Val): void { const [off, ty] = SYS_SLOT[name]; this.writeSlot(off, ty, v); }

  // ---------------------------------------------------------------- memory
  /**
   * Check that [addr, addr+size) lies in the 4 GiB window (bits 55:32 clear; the top byte is
   * ignored as Linux does for data addresses) on pages with `need`; return the i32 offset.
   * For stores, a page holding translated code also exits, so the run loop can invalidate it.
   */
  private access(addr: Val, size: number, store: boolean): Local {
    if (addr.ty !== 'i64') throw new Error('addresses are i64');
    const c = this.code;
    const a32 = this.op('i32.wrap_i64', [addr]) as Local;
    // perm byte of page p: load8_u((p | PERM_BASE)). PERM_BASE sits above 2^31, where x64 has
    // no displacement for it: as a memarg offset V8 would keep it in a register and add it;
    // an i32.or with an immediate costs the same one instruction and no register.
    const permOf = (page: number[]) => [...page, 0x41, 12, 0x76, 0x41, ...PERM_OR, 0x72, 0x2d, ...this.memarg(0, 0)];
    const p1 = this.newLocal('i32');
    c.push(...permOf([0x20, ...uleb(a32.idx)]), 0x21, ...uleb(p1));
    // hi = (addr >> 32) & 0xffffff: bits 55:32 must be clear (the top byte is ignored)
    const hi = this.newLocal('i32');
    this.push(addr);
    c.push(0x42, 32, 0x88, 0xa7, 0x41, ...sleb32(0xffffff), 0x71, 0x22, ...uleb(hi));
    // ok(p): the page allows the access; a store also needs the page not to hold translated code
    const ok = (p: number) => store
      ? [0x20, ...uleb(p), 0x41, PERM_W | PERM_CODE, 0x71, 0x41, PERM_W, 0x46]
      : [0x20, ...uleb(p), 0x41, PERM_R, 0x71, 0x41, 0, 0x47];
    c.push(...ok(p1), 0x45, 0x72);
    const kind = store ? FaultKind.Write : FaultKind.Read;
    if (size === 1) {
      c.push(0x04, 0x40);
      this.depth++;
      this.fault(addr, kind);
      this.depth--;
      c.push(0x0b);
      return a32;
    }
    // A wider access usually stays on its first page: check the second page's permission only
    // when it crosses ((a32 & 0xfff) > 4096 - size), off the hot path.
    c.push(0x20, ...uleb(a32.idx), 0x41, ...sleb32(0xfff), 0x71, 0x41, ...sleb32(0x1000 - size), 0x4b, 0x72, 0x04, 0x40);
    this.depth++;
    const p2 = this.newLocal('i32');
    c.push(...permOf([0x20, ...uleb(a32.idx), 0x41, ...sleb32(size - 1), 0x6a]), 0x21, ...uleb(p2));
    c.push(0x20, ...uleb(hi), ...ok(p1), ...ok(p2), 0x71, 0x45, 0x72, 0x04, 0x40);
    this.depth++;
    // An access that starts on a good page faults at the first byte of the next one.
    const at = this.newLocal('i64');
    this.push(addr);
    c.push(0x42, ...sleb32(size - 1), 0x7c, 0x42, ...sleb32(-4096), 0x83);
    this.push(addr);
    c.push(...ok(p1), 0x20, ...uleb(hi), 0x45, 0x71, 0x1b, 0x21, ...uleb(at));
    this.fault(new Local('i64', at), kind);
    this.depth--;
    c.push(0x0b);
    this.depth--;
    c.push(0x0b);
    return a32;
  }

  private fault(addr: Val, kind: FaultKind): void {
    this.zero();
    this.push(addr);
    this.code.push(0x37, ...this.memarg(3, REG.faultAddr));
    this.zero();
    this.code.push(0x41, kind, 0x36, ...this.memarg(2, REG.faultKind));
    this.exit(Exit.Fault, this.i64(this.pc));
  }

  load(addr: Val, size: 1 | 2 | 4 | 8 | 16): Val {
    const a32 = this.access(addr, size, false);
    this.push(a32);
    switch (size) {
      case 1: this.code.push(0x31, ...this.memarg(0, 0)); break;
      case 2: this.code.push(0x33, ...this.memarg(0, 0)); break;
      case 4: this.code.push(0x35, ...this.memarg(0, 0)); break;
      case 8: this.code.push(0x29, ...this.memarg(0, 0)); break;
      case 16: this.code.push(0xfd, 0, ...this.memarg(0, 0)); return this.result('v128');
    }
    return this.result('i64');
  }

  store(addr: Val, v: Val, size: 1 | 2 | 4 | 8 | 16): void {
    const a32 = this.access(addr, size, true);
    this.push(a32);
    this.push(v);
    const c = this.code;
    if (size === 16) {
      if (v.ty !== 'v128') throw new Error('16-byte stores take a v128');
      c.push(0xfd, 11, ...this.memarg(0, 0));
      return;
    }
    const byTy: Record<Ty, Record<number, number>> = {
      i32: { 1: 0x3a, 2: 0x3b, 4: 0x36 }, i64: { 1: 0x3c, 2: 0x3d, 4: 0x3e, 8: 0x37 },
      f32: { 4: 0x38 }, f64: { 8: 0x39 }, v128: {},
    };
    const opc = byTy[v.ty][size];
    if (opc === undefined) throw new Error(`cannot store ${v.ty} as ${size} bytes`);
    c.push(opc, ...this.memarg(0, 0));
  }

  checkAlign(addr: Val, size: number): void {
    if (size <= 1) return;
    this.push(addr);
    this.code.push(0xa7, 0x41, ...sleb32(size - 1), 0x71, 0x04, 0x40);
    this.depth++;
    this.fault(addr, FaultKind.Align);
    this.depth--;
    this.code.push(0x0b);
  }

  private atomicAddr(addr: Val, size: number): Local {
    this.checkAlign(addr, size);
    // A read-modify-write needs a readable and writable page; the store check covers both here
    // because every writable guest mapping is also readable.
    return this.access(addr, size, true);
  }

  atomicRmw(kind: 'add' | 'and' | 'or' | 'xor' | 'xchg', addr: Val, v: Val, size: 1 | 2 | 4 | 8): Val {
    const a32 = this.atomicAddr(addr, size);
    this.push(a32);
    this.push(v);
    this.code.push(0xfe, RMW_BASE[kind] + RMW_SIZE_STEP[size], ...this.memarg(LOG2[size], 0));
    return this.result('i64');
  }

  atomicCas(addr: Val, expected: Val, replacement: Val, size: 1 | 2 | 4 | 8): Val {
    const a32 = this.atomicAddr(addr, size);
    return this.cas(a32, expected, replacement, size);
  }

  private cas(a32: Local, expected: Val, replacement: Val, size: number): Val {
    this.push(a32);
    this.push(expected);
    this.push(replacement);
    this.code.push(0xfe, RMW_BASE.cmpxchg + RMW_SIZE_STEP[size], ...this.memarg(LOG2[size], 0));
    return this.result('i64');
  }

  atomicUpdate(addr: Val, size: 1 | 2 | 4 | 8, f: (old: Val) => Val): Val {
    const a32 = this.atomicAddr(addr, size);
    const old = this.local('i64');
    this.loop(() => {
      this.push(a32);
      const loadOp = { 1: 0x14, 2: 0x15, 4: 0x16, 8: 0x11 }[size];
      this.code.push(0xfe, loadOp, ...this.memarg(LOG2[size], 0));
      this.code.push(0x21, ...uleb((old as Local).idx));
      const next = f(old);
      const got = this.cas(a32, old, next, size);
      return this.op('i64.ne', [got, old]);
    });
    return old;
  }

  fence(): void {
    this.code.push(0xfe, 0x03, 0x00);
  }

  call(h: Helper, args: Val[]): Val {
    if (args.length !== h.params.length) throw new Error(`${h.name}: wrong argument count`);
    args.forEach((a, i) => {
      if (a.ty !== h.params[i]) throw new Error(`${h.name}: arg ${i} is ${a.ty}, wants ${h.params[i]}`);
      this.push(a);
    });
    this.code.push(0x10, ...uleb(this.helperIndex(h)));
    if (!h.result) return this.i32(0);
    return this.result(h.result);
  }

  // ---------------------------------------------------------------- block exits
  private exit(code: number, npc: Val, target = -1): void {
    this.code.push(0x41, ...sleb32(code), 0x21, ...uleb(this.xc));
    this.push(npc);
    this.code.push(0x21, ...uleb(this.npc), 0x41, ...sleb32(target), 0x21, ...uleb(this.tgt),
      0x0c, ...uleb(this.depth + this.baseDepth));
  }

  /**
   * Exit to a static address: inside the region if it is a member. A block that branches to
   * its own start (a tight loop) goes straight back round its own wasm loop while the region's
   * loop budget lasts, rather than through the dispatch at the region's head; the last round
   * takes the ordinary way, which ends it.
   */
  private chainTo(target: number): void {
    if (target === this.blockStart && this.members.has(target)) {
      this.selfLoop = true;
      const lb = uleb(this.loopBudget);
      this.code.push(0x20, ...lb, 0x41, 1, 0x4a, 0x04, 0x40,
        0x20, ...lb, 0x41, 1, 0x6b, 0x21, ...lb, 0x0c, ...uleb(this.depth + 1), 0x0b);
    }
    this.exit(EXIT_CHAIN, this.i64(target), this.members.get(target) ?? -1);
  }

  private setExitArgs(arg: number, arg64?: Val): void {
    this.zero();
    this.code.push(0x41, ...sleb32(arg), 0x36, ...this.memarg(2, REG.exitArg));
    if (arg64) {
      this.zero();
      this.push(arg64);
      this.code.push(0x37, ...this.memarg(3, REG.syncArg));
    }
  }

  /** Only region discovery (DiscoveryEmitter) uses the hint. */
  likelySuccessor(): void {}

  jump(target: Val | number, kind?: 'return'): void {
    if (typeof target === 'number') {
      this.chainTo(target);
    } else {
      // A computed jump to a member it is known to reach (a return to a call in the region)
      // stays inside the region; any other address leaves through the jump cache.
      for (const t of kind === 'return' ? this.returnSites : this.targets) {
        this.if(this.op('i64.eq', [target, this.i64(t)]), () => this.chainTo(t));
      }
      this.exit(EXIT_CHAIN, target);
    }
    this.ended = true;
  }

  jumpIf(cond: Val, target: number): void {
    this.if(cond, () => this.chainTo(target));
    this.chainTo(this.pc + 4);
    this.ended = true;
  }

  svc(imm: number): void {
    this.setExitArgs(imm);
    this.exit(Exit.Svc, this.i64(this.pc + 4));
    this.ended = true;
  }

  trap(kind: Trap, imm = 0): void {
    this.setExitArgs(kind, this.i64(imm));
    this.exit(Exit.Trap, this.i64(this.pc));
    this.ended = true;
  }

  sync(what: Sync, arg?: Val): void {
    this.setExitArgs(what, arg ?? this.i64(0));
    this.exit(Exit.Sync, this.i64(this.pc + 4));
    this.ended = true;
  }

  /** Close a block that ran out of instructions (length cap or page end). */
  fallThrough(next: number): void {
    this.chainTo(next);
    this.ended = true;
  }

  // ---------------------------------------------------------------- assembling the function
  /** The region function's body: prologue, dispatch loop over the blocks, epilogue. */
  finish(): Bytes {
    const out: number[] = [];
    this.code = out;
    const n = this.blocks.length;
    if (n !== this.members.size) throw new Error('region: block count does not match its members');
    // Budget: returning to the run loop now and then lets it notice signals.
    const t = this.newLocal('i32');
    out.push(0x23, STATE_GLOBAL, 0x23, STATE_GLOBAL, 0x28, ...this.memarg(2, REG.budget), 0x41, 1, 0x6b, 0x22, ...uleb(t),
      0x36, ...this.memarg(2, REG.budget), 0x20, ...uleb(t), 0x41, 0, 0x48, 0x04, 0x40,
      0x41, Exit.Budget, 0x0f, 0x0b);
    for (const s of this.slots.values()) {
      this.zero();
      if (s.ty === 'v128') out.push(0xfd, 0, ...this.memarg(4, s.off));
      else out.push(LOAD[s.ty], ...this.memarg(s.ty === 'i64' ? 3 : 2, s.off));
      out.push(0x21, ...uleb(s.local));
    }
    const cur = this.newLocal('i32');
    const lb = this.loopBudget;
    out.push(0x20, 0, 0x21, ...uleb(cur), 0x41, ...sleb32(LOOP_BUDGET), 0x21, ...uleb(lb));
    out.push(0x03, 0x40, 0x02, 0x40); // loop $L, block $out
    for (let i = 0; i < n; i++) out.push(0x02, 0x40);
    out.push(0x20, ...uleb(cur), 0x0e, ...uleb(n), ...Array.from({ length: n }, (_, i) => uleb(i)).flat(), ...uleb(n - 1));
    this.blocks.forEach((code, i) => {
      out.push(0x0b, this.wrappers[i] ? 0x03 : 0x02, 0x40);
      for (const b of code) out.push(b);
      out.push(0x0b);
    });
    out.push(0x0b); // end $out
    // A branch to a member block goes round the loop while the loop budget lasts; when it runs
    // out, the region returns to the run loop (Exit.Budget, pc = the target) so that a loop that
    // never leaves its region still lets the run loop look at timers and signals.
    out.push(0x20, ...uleb(this.tgt), 0x41, 0, 0x4e, 0x04, 0x40,
      0x20, ...uleb(lb), 0x41, 1, 0x6b, 0x22, ...uleb(lb), 0x04, 0x40,
      0x20, ...uleb(this.tgt), 0x21, ...uleb(cur), 0x0c, 2,
      0x05, 0x41, Exit.Budget, 0x21, ...uleb(this.xc), 0x0b, 0x0b);
    out.push(0x0b); // end $L
    for (const s of this.slots.values()) {
      if (!s.dirty) continue;
      this.zero();
      out.push(0x20, ...uleb(s.local));
      if (s.ty === 'v128') out.push(0xfd, 11, ...this.memarg(4, s.off));
      else out.push(STORE[s.ty], ...this.memarg(s.ty === 'i64' ? 3 : 2, s.off));
    }
    // Publish the next pc, return non-chaining exits to the run loop.
    this.zero();
    out.push(0x20, ...uleb(this.npc), 0x37, ...this.memarg(3, REG.pc));
    out.push(0x20, ...uleb(this.xc), 0x04, 0x40, 0x20, ...uleb(this.xc), 0x0f, 0x0b);
    // Chain: the runtime's dispatch looks the next pc up in the jump cache and tail-calls it.
    out.push(0x20, ...uleb(this.npc), 0x12, ...uleb(DISPATCH_FUNC));
    const body = new Bytes().bytes(encodeLocals(this.locals));
    body.bytes(out).byte(0x0b);
    return body;
  }
}

function encodeLocals(locals: Ty[]): number[] {
  const groups: [number, Ty][] = [];
  for (const t of locals) {
    const last = groups[groups.length - 1];
    if (last && last[1] === t) last[0]++;
    else groups.push([1, t]);
  }
  const codes = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };
  return [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), codes[t]])];
}


