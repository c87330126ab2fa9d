// The interface instruction semantics are written against. An instruction's `sem` describes
// what it does in terms of these operations; the translator (src/translate) implements them by
// emitting WebAssembly. Values known at decode time are plain numbers; values known only at run
// time are `Val`s. Nothing here knows about wasm bytes, syscalls or the run loop.
/** WebAssembly value types run-time values have. */
export type Ty = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

/** A run-time value produced by the emitter. Opaque to instruction definitions. */
export interface Val {
  readonly ty: Ty;
}

/** A mutable run-time variable (for values assigned on more than one path). */
export interface Var extends Val {
  readonly mutable: true;
}

/** Guest signals an instruction can raise directly. */
export enum Trap {
  /** Undefined or unimplemented instruction: SIGILL, ILL_ILLOPC. */
  Undefined = 1,
  /** BRK: SIGTRAP. */
  Breakpoint = 2,
  // What follows exists at EL1 only: in user mode (EL0 under Linux) each is an undefined
  // instruction (SIGILL); in system mode the run loop performs it. The instruction is defined
  // once either way; only the run loop's reading of the exit differs.
  /** HVC #imm: a hypervisor call (PSCI on the virt machine). */
  Hypervisor = 3,
  /** SMC #imm: a secure monitor call (no EL3 here: undefined in both modes). */
  SecureMonitor = 4,
  /** MRS/MSR/SYS/MSR-immediate that the run loop performs: the immediate is the
   *  instruction's bits 21:0 (L, op0, op1, CRn, CRm, op2, Rt). */
  SystemRegister = 5,
  /** ERET: return from an exception (PC = ELR_EL1, PSTATE = SPSR_EL1). */
  ExceptionReturn = 6,
}

/** What an instruction may ask the run loop to do after it completes (pc = next instruction). */
export enum Sync {
  /** Instruction cache maintenance (IC IVAU): drop translations of the line's page. */
  InvalidateCode = 1,
  /** FPCR changed: translations depend on its mode bits. */
  FpcrWritten = 2,
  /** WFI: the run loop may idle until an interrupt is pending (user mode goes straight on). */
  WaitForInterrupt = 3,
}

/** A pure host function that generated code may call (no access to guest state). */
export interface Helper {
  readonly name: string;
  readonly params: Ty[];
  readonly result: Ty | null;
  readonly fn: (...args: any[]) => any;
}

export interface Emitter {
  /** Guest address of the instruction being translated. */
  readonly pc: number;
  /** FPCR mode bits (AHP, DN, FZ, RMode, FZ16) the block was translated under. */
  readonly fpcrMode: number;
  /** Translating for full-system mode (tsemu-system): system registers that Linux emulates
   *  for EL0 in user mode are the real EL1 ones there, reached through the run loop. */
  readonly system: boolean;

  // ---- constants
  i32(n: number): Val;
  i64(n: number | bigint): Val;
  f32(n: number): Val;
  f64(n: number): Val;
  /** A 128-bit constant from 16 little-endian bytes. */
  v128(bytes: ArrayLike<number>): Val;

  // ---- generic wasm operator by text name ('i64.add', 'f64.sqrt', 'i8x16.swizzle', ...)
  /** `imm` is the lane index for *_lane ops and the 16 lane selectors for i8x16.shuffle. */
  op(name: string, args: Val[], imm?: number | number[]): Val;
  /** Choose `a` when cond (i32) is non-zero, else `b`. Both are evaluated. */
  select(cond: Val, a: Val, b: Val): Val;

  // ---- shorthands for the common i64 operations
  add(a: Val, b: Val): Val;
  sub(a: Val, b: Val): Val;
  and(a: Val, b: Val): Val;
  or(a: Val, b: Val): Val;
  xor(a: Val, b: Val): Val;
  shl(a: Val, b: Val): Val;
  shrU(a: Val, b: Val): Val;
  shrS(a: Val, b: Val): Val;
  /** Zero-extend the low 32 bits of an i64 (result i64). */
  zext32(a: Val): Val;
  /** Sign-extend the low 32 bits of an i64 (result i64). */
  sext32(a: Val): Val;
  /** i64 → i32 (low half) and i32 → i64 (unsigned). */
  wrap(a: Val): Val;
  extendU(a: Val): Val;

  // ---- mutable variables and structured control flow inside one instruction
  local(ty: Ty, init?: Val): Var;
  assign(v: Var, value: Val): void;
  if(cond: Val, then: () => void, otherwise?: () => void): void;
  /** Repeat `body` while it returns a Val that is non-zero at run time. */
  loop(body: () => Val): void;

  // ---- guest registers
  /** Xn as i64; register 31 reads as zero. With sf=0 the value is zero-extended from 32 bits. */
  x(n: number, sf?: number): Val;
  /** Write Xn (31 discards). With sf=0 the upper 32 bits are cleared. */
  setX(n: number, v: Val, sf?: number): void;
  /** Like x/setX but register 31 is SP. */
  xsp(n: number, sf?: number): Val;
  setXsp(n: number, v: Val, sf?: number): void;
  /** Vn as v128. */
  v(n: number): Val;
  setV(n: number, v: Val): void;
  /** Flags as i32 0/1 values. */
  flag(f: 'n' | 'z' | 'c' | 'v'): Val;
  setFlags(n: Val, z: Val, c: Val, v: Val): void;
  /** A named system slot of the CPU state (i64 for tpidr, i32 for fpcr/fpsr). */
  sys(name: SysSlot): Val;
  setSys(name: SysSlot, v: Val): void;

  // ---- guest memory (addresses are i64 guest virtual addresses)
  /** Load `size` bytes: 1/2/4/8 give a zero-extended i64, 16 gives v128. Faults are precise. */
  load(addr: Val, size: 1 | 2 | 4 | 8 | 16): Val;
  /** Store the low `size` bytes of an i32/i64/f32/f64 value, or a v128 when size is 16. */
  store(addr: Val, v: Val, size: 1 | 2 | 4 | 8 | 16): void;
  /** SIGBUS (BUS_ADRALN) unless addr is a multiple of size. */
  checkAlign(addr: Val, size: number): void;
  /** Atomic read-modify-write; returns the old value zero-extended to i64. Alignment is checked. */
  atomicRmw(kind: 'add' | 'and' | 'or' | 'xor' | 'xchg', addr: Val, v: Val, size: 1 | 2 | 4 | 8): Val;
  /** Atomic compare-and-swap; returns the old value zero-extended to i64. Alignment is checked. */
  atomicCas(addr: Val, expected: Val, replacement: Val, size: 1 | 2 | 4 | 8): Val;
  /** Atomic update by an arbitrary function of the old value (a CAS loop). Returns the old value. */
  atomicUpdate(addr: Val, size: 1 | 2 | 4 | 8, f: (old: Val) => Val): Val;
  fence(): void;

  // ---- host helpers
  call(h: Helper, args: Val[]): Val;

  // ---- ending the block
  /** Tell the translator `addr` will likely run soon (a call's return point), so it can be
   *  translated together with this block. No effect on semantics. */
  likelySuccessor(addr: number): void;
  /** Continue at `target` (i64 Val or a static address). Ends the block. `kind` 'return' marks
   *  a function's return, whose targets are its callers: no hint for region discovery. */
  jump(target: Val | number, kind?: 'return'): void;
  /** If cond (i32) continue at `target`, else at pc+4. Ends the block. */
  jumpIf(cond: Val, target: number): void;
  /** SVC: the run loop performs a system call, then continues at pc+4. Ends the block. */
  svc(imm: number): void;
  /** Raise a synchronous guest signal at this instruction. Ends the block. */
  trap(kind: Trap, imm?: number): void;
  /** Finish this instruction, then let the run loop do `what` (arg is an i64 Val, e.g. an address). */
  sync(what: Sync, arg?: Val): void;
}

export type SysSlot = 'tpidr' | 'fpcr' | 'fpsr' | 'exclAddr' | 'exclVal' | 'exclVal2' | 'exclSize';
