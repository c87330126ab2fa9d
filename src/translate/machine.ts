// A CPU with its memory and translator: runs guest code until something needs the run loop
// (a system call, a fault, a trap, a sync request). Knows nothing of Linux.
import { a64Decoder } from '../cpu/aarch64/index.js';
import { CpuState } from '../cpu/cpustate.js';
import { Sync } from '../cpu/emitter.js';
import { GuestMemory, pageDown } from '../cpu/memory.js';
import { Exit, FaultKind, PAGE_SIZE, PERM_CODE, PERM_W } from '../cpu/state.js';
import { Translator, type TranslatorOptions } from './translator.js';

/** FPCR bits translations depend on: AHP(26), DN(25), FZ(24), RMode(23:22), FZ16(19). */
export const FPCR_MODE_MASK = 0x07c80000;

export type StopReason =
  | { kind: 'svc'; imm: number }
  | { kind: 'fault'; addr: bigint; access: 'read' | 'write' | 'exec' | 'align'; pc: number; mapped: boolean }
  | { kind: 'undefined'; pc: number }
  | { kind: 'breakpoint'; pc: number; imm: number }
  /** `interruptCheck` said something asynchronous needs the run loop; pc is the next block. */
  | { kind: 'interrupt' };

const BUDGET = 1 << 20;

export class Machine {
  readonly mem: GuestMemory;
  readonly cpu: CpuState;
  readonly translator: Translator;
  private readonly table: WebAssembly.Table;
  private fpcrMode: number;
  /** Asked whenever the block budget runs out (about every million blocks): should the run
   *  loop look at asynchronous events (timers, signals) now? */
  interruptCheck: (() => boolean) | null = null;
  /** Guest threads (threads/): told of every invalidation this machine makes, so that the
   *  other threads' translators drop the same code; and asked before running guest code to
   *  take in theirs. */
  codeChanged: ((addr: number, len: number) => void) | null = null;
  takeInvalidations: (() => void) | null = null;

  constructor(opts: TranslatorOptions = {}, memory?: GuestMemory) {
    this.mem = memory ?? new GuestMemory();
    this.cpu = new CpuState(this.mem.dv, opts.stateBase);
    this.fpcrMode = 0;
    this.translator = new Translator(this.mem.memory, a64Decoder(), () => this.fpcrMode, opts);
    this.table = this.translator.table;
    this.mem.onCodeChange = (addr, len) => this.invalidate(addr, len);
    this.cpu.clearExclusive();
  }

  /** Set the FPCR mode translations are made under (after writing FPCR from outside guest code). */
  setFpcrMode(fpcr: number): void {
    const mode = fpcr & FPCR_MODE_MASK;
    if (mode !== this.fpcrMode) {
      this.fpcrMode = mode;
      this.translator.flush();
    }
  }

  /** Drop translations of [addr, addr+len), in every thread's translator. */
  invalidate(addr: number, len: number): void {
    this.translator.invalidate(addr, len);
    this.codeChanged?.(addr, len);
  }

  /** Run until the guest needs the run loop. The pc in `cpu` is where to resume (or the faulting insn). */
  run(): StopReason {
    const cpu = this.cpu;
    for (;;) {
      this.takeInvalidations?.();
      const pc = cpu.pc;
      const slot = this.translator.lookup(pc);
      if (slot < 0) {
        return { kind: 'fault', addr: BigInt(pc), access: 'exec', pc, mapped: this.mem.isMapped(pageDown(pc), pageDown(pc) + 1) };
      }
      if (pc % 4 !== 0) return { kind: 'fault', addr: BigInt(pc), access: 'align', pc, mapped: true };
      cpu.budget = BUDGET;
      const code = (this.table.get(slot) as () => number)();
      switch (code) {
        case Exit.Miss:
          continue;
        case Exit.Budget:
          if (this.interruptCheck?.()) return { kind: 'interrupt' };
          continue;
        case Exit.Svc:
          return { kind: 'svc', imm: cpu.exitArg };
        case Exit.Trap:
          if (cpu.exitArg === 2) return { kind: 'breakpoint', pc: cpu.pc, imm: Number(cpu.syncArg) };
          return { kind: 'undefined', pc: cpu.pc };
        case Exit.Sync:
          this.sync(cpu.exitArg, cpu.syncArg);
          continue;
        case Exit.Fault: {
          const stop = this.fault();
          if (stop) return stop;
          continue;
        }
        default:
          throw new Error(`internal error: generated code returned ${code}`);
      }
    }
  }

  private sync(what: number, arg: bigint): void {
    if (what === Sync.InvalidateCode) {
      const a = Number(arg & 0xffffffffn);
      this.invalidate(pageDown(a), PAGE_SIZE);
    } else if (what === Sync.FpcrWritten) {
      this.setFpcrMode(this.cpu.fpcr);
    }
  }

  /** A faulting access. A store to a page holding translated code is not a guest fault:
   *  drop that page's translations and re-run the store on its own. */
  private fault(): StopReason | null {
    const cpu = this.cpu;
    const addr = cpu.faultAddr;
    const kind = cpu.faultKind;
    const pc = cpu.pc;
    if (kind === FaultKind.Write && addr < 2n ** 32n) {
      const a = Number(addr);
      const pages = [pageDown(a), pageDown(a + 15)];
      const perms = pages.map((p) => this.mem.perms[p / PAGE_SIZE] ?? 0);
      const writable = perms.every((p) => p & PERM_W);
      if (writable && perms.some((p) => p & PERM_CODE)) {
        for (const p of pages) this.invalidate(p, PAGE_SIZE);
        const slot = this.translator.singleStepSlot(pc);
        cpu.budget = BUDGET;
        const code = (this.table.get(slot) as () => number)();
        // The single-stepped block chains on into translated code: any exit can come back.
        if (code === Exit.Fault) return this.fault();
        if (code === Exit.Svc) return { kind: 'svc', imm: cpu.exitArg };
        if (code === Exit.Trap) return cpu.exitArg === 2 ? { kind: 'breakpoint', pc: cpu.pc, imm: Number(cpu.syncArg) } : { kind: 'undefined', pc: cpu.pc };
        // A Sync (an IC IVAU right after the store, as in every JIT) must not be lost.
        if (code === Exit.Sync) this.sync(cpu.exitArg, cpu.syncArg);
        return null;
      }
    }
    const access = kind === FaultKind.Write ? 'write' : kind === FaultKind.Align ? 'align' : 'read';
    const a = Number(addr & 0xffffffffffffn);
    const mapped = addr < 2n ** 32n && this.mem.isMapped(pageDown(a), pageDown(a) + 1);
    return { kind: 'fault', addr, access, pc, mapped };
  }
}
