// An Emitter that generates nothing: running an instruction's `sem` against it reveals only
// where the block ends and which static addresses it can continue at. Region discovery uses it
// so that finding a region's blocks costs a fraction of translating them.
import type { Emitter, Helper, SysSlot, Val, Var } from '../cpu/emitter.js';
import { OPS, type Ty } from './opcodes.js';
import { SYS_SLOT } from '../cpu/state.js';

const V: Record<Ty, Val> = { i32: { ty: 'i32' }, i64: { ty: 'i64' }, f32: { ty: 'f32' }, f64: { ty: 'f64' }, v128: { ty: 'v128' } };
export class DiscoveryEmitter implements Emitter {
  pc = 0;
  /** See Emitter.system (set by the translator). */
  system = false;
  ended = false;
  successors: number[] = [];
  /** Where the block's call returns to (likelySuccessor), if it ends in a call. */
  returnSite = -1;
  /** Where the block's jump to a computed address went in the first tier (see EvalBlock). */
  indirectTargets: readonly number[] | null = null;

  constructor(readonly fpcrMode: number) {}

  begin(pc: number): void {
    this.pc = pc;
    this.ended = false;
    this.successors = [];
    this.returnSite = -1;
  }

  i32(): Val { return V.i32; }
  i64(): Val { return V.i64; }
  f32(): Val { return V.f32; }
  f64(): Val { return V.f64; }
  v128(): Val { return V.v128; }
  op(name: string): Val {
    const info = OPS.get(name);
    if (!info) throw new Error(`unknown wasm op ${name}`);
    return V[info.result ?? 'i32'];
  }
  select(_c: Val, a: Val): Val { return V[a.ty]; }
  add(): Val { return V.i64; }
  sub(): Val { return V.i64; }
  and(): Val { return V.i64; }
  or(): Val { return V.i64; }
  xor(): Val { return V.i64; }
  shl(): Val { return V.i64; }
  shrU(): Val { return V.i64; }
  shrS(): Val { return V.i64; }
  zext32(): Val { return V.i64; }
  sext32(): Val { return V.i64; }
  wrap(): Val { return V.i32; }
  extendU(): Val { return V.i64; }
  local(ty: Ty): Var { return { ty, mutable: true }; }
  assign(): void {}
  if(_c: Val, then: () => void, otherwise?: () => void): void {
    then();
    otherwise?.();
  }
  loop(body: () => Val): void { body(); }
  x(): Val { return V.i64; }
  setX(): void {}
  xsp(): Val { return V.i64; }
  setXsp(): void {}
  v(): Val { return V.v128; }
  setV(): void {}
  flag(): Val { return V.i32; }
  setFlags(): void {}
  sys(name: SysSlot): Val { return V[SYS_SLOT[name][1]]; }
  setSys(): void {}
  load(_a: Val, size: number): Val { return size === 16 ? V.v128 : V.i64; }
  store(): void {}
  checkAlign(): void {}
  atomicRmw(): Val { return V.i64; }
  atomicCas(): Val { return V.i64; }
  atomicUpdate(_a: Val, _s: number, f: (old: Val) => Val): Val { f(V.i64); return V.i64; }
  fence(): void {}
  call(h: Helper): Val { return h.result ? V[h.result] : V.i32; }
  likelySuccessor(addr: number): void {
    this.successors.push(addr);
    this.returnSite = addr;
  }
  jump(target: Val | number): void {
    if (typeof target === 'number') this.successors.push(target);
    else if (this.indirectTargets) this.successors.push(...this.indirectTargets);
    this.ended = true;
  }
  jumpIf(_c: Val, target: number): void {
    this.successors.push(target, this.pc + 4);
    this.ended = true;
  }
  svc(): void { this.successors.push(this.pc + 4); this.ended = true; }
  trap(): void { this.ended = true; }
  sync(): void { this.successors.push(this.pc + 4); this.ended = true; }
  fallThrough(next: number): void { this.successors.push(next); this.ended = true; }
}
