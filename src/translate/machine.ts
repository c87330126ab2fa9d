// A CPU with its memory and translator: runs guest code until something needs the run loop
// (a system call, a fault, a trap, a sync request). Knows nothing of Linux.
import { a64Decoder } from '../cpu/aarch64/index.js';
import { CpuState } from '../cpu/cpustate.js';
import { Sync, Trap } from '../cpu/emitter.js';
import type { AddressTranslation, IoBus } from '../cpu/io.js';
import { GuestMemory, pageDown } from '../cpu/memory.js';
import { Exit, FaultKind, PAGE_SIZE, PERM_CODE, PERM_W, REG } from '../cpu/state.js';
import { CHAIN } from './eval-code.js';
import { cacheDir, DiskCache } from './disk-cache.js';
import { SavedIndex, type SavedModule } from './saved-translations.js';
import { Translator, type TranslatorOptions } from './translator.js';

/**
 * Which engine runs guest code: `eval` only the first tier (closures built from each
 * instruction's semantics, no wasm compile), `wasm` only translations, `auto` the first tier
 * until a block has run `hotThreshold` times, then a wasm translation of the region from there.
 */
export type Tier = 'eval' | 'wasm' | 'auto';
export const TIERS: readonly Tier[] = ['eval', 'wasm', 'auto'];

export interface MachineOptions extends TranslatorOptions {
  /** Default: $TSEMU_TIER, else auto. */
  tier?: Tier;
  /** Entries of a first-tier block before it is translated (auto only). */
  hotThreshold?: number;
  /** Blocks run between looks at interruptCheck (default about a million; system mode wants
   *  its timer interrupts sooner). */
  budget?: number;
}

/** The engine tier from $TSEMU_TIER (set by --tier, so forked children inherit it). */
export function tierFromEnv(): Tier {
  const t = process.env.TSEMU_TIER;
  if (t === undefined || t === '') return 'auto';
  if (!(TIERS as readonly string[]).includes(t)) throw new Error(`TSEMU_TIER=${t}: use one of ${TIERS.join(', ')}`);
  return t as Tier;
}

/** A -d exec line, as qemu's `-d exec` begins its lines. */
export const execLine = (pc: number) => `Trace: 0x${pc.toString(16).padStart(16, '0')}`;

/** FPCR bits translations depend on: AHP(26), DN(25), FZ(24), RMode(23:22), FZ16(19). */
export const FPCR_MODE_MASK = 0x07c80000;

export type StopReason =
  | { kind: 'svc'; imm: number }
  | { kind: 'fault'; addr: bigint; access: 'read' | 'write' | 'exec' | 'align'; pc: number; mapped: boolean }
  | { kind: 'undefined'; pc: number }
  | { kind: 'breakpoint'; pc: number; imm: number }
  /** `interruptCheck` said something asynchronous needs the run loop; pc is the next block. */
  | { kind: 'interrupt' }
  /** System mode only (user mode reports these as 'undefined', or goes on after a WFI): an
   *  HVC, SMC, ERET or system-register access for the run loop to perform (pc = the
   *  instruction; see Trap), or a WFI (pc = the next instruction). */
  | { kind: 'system'; trap: Trap; imm: number; pc: number }
  | { kind: 'wfi' };

const BUDGET = 1 << 20;
/** First-tier blocks run between looks at interruptCheck (a wasm budget counts blocks too). */
const EVAL_BUDGET = 1 << 16;
/** Entries before a first-tier block is translated. Measured on this 2-core machine (medians
 *  of 3): python3 -c pass 3.17 / 3.12 / 3.07 s at 300 / 1,000 / 3,000, bash with 20 forks and
 *  gzip -9 of 3 MB flat between 300 and 3,000 within noise; below 300 slower (python 4.1 s at
 *  30). The first tier costs ~10 ns per step (~50-70 ns per instruction), a region module
 *  ~0.3-0.4 ms. qemu-wasm uses 1,500 for one module per block. */
const HOT_THRESHOLD = 1000;

/** A first-tier block that ran this often is translated for the next run at exit (saveWarm),
 *  for up to WARM_BUDGET_MS per run (the next run adds more). */
const WARM_RUNS = Number(process.env.TSEMU_WARM_RUNS) || 100;
const WARM_BUDGET_MS = Number(process.env.TSEMU_WARM_MS) || 150;

export class Machine {
  readonly mem: GuestMemory;
  readonly cpu: CpuState;
  readonly translator: Translator;
  private readonly table: WebAssembly.Table;
  private fpcrMode: number;
  readonly tier: Tier;
  private readonly hot: number;
  private readonly hotWait: number;
  private evalBudget = EVAL_BUDGET;
  private readonly budget: number;
  private readonly evalBudgetSize: number;
  /** Full-system mode (MachineOptions.system): traps and WFI reach the run loop. */
  readonly system: boolean;
  private readonly pcWords: Int32Array;
  /** The state's block budget: another guest thread zeroes it to send this one to the run
   *  loop (a signal, a call for it to serve); the first tier looks at it after each block. */
  private readonly budgetWord: Int32Array;
  /** Asked whenever the block budget runs out (about every million blocks): should the run
   *  loop look at asynchronous events (timers, signals) now? */
  interruptCheck: (() => boolean) | null = null;
  /** Guest threads (threads/): told of every invalidation this machine makes, so that the
   *  other threads' translators drop the same code; and asked before running guest code to
   *  take in theirs. */
  codeChanged: ((addr: number, len: number) => void) | null = null;
  takeInvalidations: (() => void) | null = null;
  /** The on-disk translation cache of the program running (null: none). */
  private diskCache: DiskCache | null = null;
  /** A forked child (and what it execs): its exit does not translate warm blocks. */
  forked = false;
  /** -d cache: what the translation cache did. */
  cacheLog: ((line: string) => void) | null = null;
  /** The descriptor -d lines go to (stderr, or -D's file): other guest threads log there too. */
  logFd = 2;
  /** -d exec: told the pc of every block entered. Only the first tier returns to the run loop
   *  after each block (wasm chains on), so -d exec runs the first tier (TSEMU_TIER=eval). */
  execLog: ((pc: number) => void) | null = null;

  constructor(opts: MachineOptions = {}, memory?: GuestMemory) {
    // Each guest thread's first tier has its own scratch area and reads its own CPU state
    // (MachineOptions.stateBase, scratch).
    this.tier = opts.tier ?? tierFromEnv();
    this.hot = opts.hotThreshold ?? (Number(process.env.TSEMU_HOT_THRESHOLD) || HOT_THRESHOLD);
    // A hot block waits this many more entries for others to share its module.
    this.hotWait = Math.ceil(this.hot / 2);
    this.system = !!opts.system;
    this.budget = opts.budget ?? BUDGET;
    this.evalBudget = this.evalBudgetSize = Math.min(EVAL_BUDGET, this.budget);
    this.mem = memory ?? new GuestMemory();
    this.cpu = new CpuState(this.mem.dv, opts.stateBase);
    this.fpcrMode = 0;
    this.pcWords = new Int32Array(this.mem.memory.buffer, this.cpu.base + REG.pc, 2);
    this.budgetWord = new Int32Array(this.mem.memory.buffer, this.cpu.base + REG.budget, 1);
    this.translator = new Translator(this.mem.memory, a64Decoder(), () => this.fpcrMode, opts);
    this.table = this.translator.table;
    this.mem.onCodeChange = (addr, len) => this.invalidate(addr, len);
    this.cpu.clearExclusive();
  }

  /**
   * Start the program just loaded (its file's bytes) with the translations its earlier runs
   * saved (disk-cache.ts), and record this run's for the next.
   */
  useDiskCache(program: Uint8Array | null): void {
    if (this.tier === 'eval' || !program) return; // no wasm to keep
    this.diskCache = DiskCache.open(cacheDir(), program, this.tier);
    if (!this.diskCache) return;
    this.translator.recording = true;
    const mods = this.diskCache.load();
    this.translator.saved.load(mods);
    this.cacheLog?.(`cache: ${this.diskCache.file}: ${mods.length} saved modules`);
  }

  /** What a forked child needs to go on with this process's translations: the cache file in
   *  use and every module recorded (null: none). */
  forkTranslations(): { cacheFile: string | null; modules: SavedModule[] } | null {
    if (!this.translator.recording) return null;
    return { cacheFile: this.diskCache?.file ?? null, modules: this.translator.saved.all() };
  }

  /** In a forked child: start with the parent's translations, and save to its cache file. */
  inheritTranslations(cacheFile: string | null, modules: SavedModule[]): void {
    if (this.tier === 'eval') return;
    this.diskCache = cacheFile && cacheDir() ? DiskCache.at(cacheFile) : null;
    this.translator.recording = true;
    this.translator.saved.load(modules);
    this.cacheLog?.(`cache: ${modules.length} modules from the parent process`);
  }

  /** The first tier's blocks for a forked child (Translator.exportEvalBlocks), or null. */
  forkEvalBlocks(): Int32Array | null {
    return this.tier === 'wasm' ? null : this.translator.exportEvalBlocks();
  }

  /** In a forked child: start with the parent's first-tier blocks. */
  inheritEvalBlocks(data: Int32Array): void {
    if (this.tier === 'wasm') return;
    const n = this.translator.importEvalBlocks(data);
    this.cacheLog?.(`cache: ${n} first-tier blocks from the parent process`);
  }

  /** Write this run's translations to the on-disk cache (at exit, and before an exec): only
   *  when it made new ones or found saved ones stale. `warm`: first translate warm first-tier
   *  blocks (saveWarm), which only a process that nobody waits for at each fork should pay. */
  saveDiskCache(warm = true): void {
    const c = this.diskCache;
    if (!c) return;
    if (this.tier === 'auto' && warm) {
      const w = this.translator.saveWarm(WARM_RUNS, WARM_BUDGET_MS);
      this.cacheLog?.(`cache: translated ${w.saved} of ${w.warm} warm blocks for the next run (${w.ms.toFixed(0)} ms)`);
    }
    const s = this.translator.saved;
    const log = this.cacheLog;
    log?.(`cache: installed ${s.installed} of ${s.loaded} saved modules, ${s.stale} stale, ${s.made} made`);
    if (!s.made && !s.stale) return;
    const all = s.all();
    const ok = c.save(all);
    log?.(ok ? `cache: wrote ${all.length} modules to ${c.file}` : `cache: could not write ${c.file} (skipped)`);
  }

  /** A new program image (execve): save the old one's translations, then forget them. */
  endProgramCache(): void {
    this.saveDiskCache(false);
    this.diskCache = null;
    this.translator.saved = new SavedIndex();
    this.translator.recording = false;
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

  /** Guest instructions run by the first tier, counted by block (a block an exception leaves
   *  early counts whole): with the MMU on, every instruction the guest runs (tsemu-system's
   *  -d stats). */
  firstTierInsns = 0;

  /** Calls from the run loop into translated code (a guest branch that leaves a region for one
   *  not in the jump cache comes back to the run loop, and is counted again). */
  wasmCalls = 0;

  /** Run until the guest needs the run loop. The pc in `cpu` is where to resume (or the faulting insn). */
  run(): StopReason {
    const cpu = this.cpu;
    const tr = this.translator;
    for (;;) {
      // With the MMU on (system mode) only the first tier translates addresses (mmu-emitter.ts);
      // a system-register write performed inside a block may have just turned it on.
      const tier = tr.mmu ? 'eval' : this.tier;
      const hot = tier === 'eval' ? Infinity : this.hot;
      this.takeInvalidations?.();
      const pc = this.pc();
      let slot = -1;
      if (tier !== 'wasm') {
        // First tier: a block already built, else a wasm translation, else build one.
        let b = tr.cachedEvalBlock(pc) ?? null;
        if (!b) {
          slot = tr.cachedSlot(pc);
          // A misaligned pc on an executable page is an alignment fault (below), as in wasm.
          if (slot < 0 && pc % 4 === 0) {
            // A translation saved by an earlier run or the parent process, if its code is here.
            slot = tr.installSaved(pc);
            if (slot < 0) b = tr.evalBlock(pc);
          }
        }
        // Hot: queued for translation with other hot blocks; it goes on in the first tier until
        // the queue is full or it has waited HOT_WAIT more entries.
        if (b && ++b.count >= hot && (tr.queueHot(pc, b) || b.count >= hot + this.hotWait)) {
          tr.translateHot();
          slot = tr.cachedSlot(pc);
          if (slot >= 0) b = null;
          else b.queued = false;
        }
        if (b) {
          this.execLog?.(pc);
          this.firstTierInsns += b.insns;
          const code = b.run();
          if (code === CHAIN) {
            if (b.targets) b.noteTarget(this.pc());
            if (--this.evalBudget > 0 && this.budgetWord[0] !== 0) continue;
            this.evalBudget = this.evalBudgetSize;
            cpu.budget = this.budget;
            if (this.interruptCheck?.()) return { kind: 'interrupt' };
            continue;
          }
          const stop = this.exit(code);
          if (stop) return stop;
          continue;
        } else if (slot < 0 && pc % 4 !== 0) slot = tr.lookup(pc);
      } else {
        slot = tr.lookup(pc);
      }
      if (slot < 0) {
        return { kind: 'fault', addr: BigInt(pc), access: 'exec', pc, mapped: this.mem.isMapped(pageDown(pc), pageDown(pc) + 1) };
      }
      if (pc % 4 !== 0) return { kind: 'fault', addr: BigInt(pc), access: 'align', pc, mapped: true };
      cpu.budget = this.budget;
      this.wasmCalls++;
      const code = (this.table.get(slot) as () => number)();
      if (code === Exit.Miss) continue;
      const stop = this.exit(code);
      if (stop) return stop;
    }
  }

  /** System mode: run guest code through this stage-1 translation (null: the MMU is off), with
   *  device accesses going to `io`. Every translation made so far is dropped: it was made for
   *  other addresses. */
  setTranslation(mmu: AddressTranslation | null, io: IoBus): void {
    this.translator.flush();
    this.translator.mmu = mmu;
    this.translator.io = io;
  }

  /** Perform the instruction at the state's pc with its device accesses going to `io` (system
   *  mode, after that instruction faulted on a device page): null when it completed (pc is the
   *  next instruction), else why it stopped. */
  stepIo(io: IoBus): StopReason | null {
    this.firstTierInsns++;
    const code = this.translator.singleStepIo(this.pc(), io);
    return code === CHAIN ? null : this.exit(code);
  }

  /** The guest pc, without a BigInt when it is below 2^32 (always, for code that can run). */
  private pc(): number {
    const hi = this.pcWords[1];
    return hi === 0 ? this.pcWords[0] >>> 0 : this.cpu.pc;
  }

  /** What an exit code from either tier means for the run loop: a stop, or null to go on. */
  private exit(code: number): StopReason | null {
    const cpu = this.cpu;
    switch (code) {
      case Exit.Budget:
        if (this.interruptCheck?.()) return { kind: 'interrupt' };
        return null;
      case Exit.Svc:
        return { kind: 'svc', imm: cpu.exitArg };
      case Exit.Trap:
        return this.trap();
      case Exit.Sync:
        if (cpu.exitArg === Sync.WaitForInterrupt) return this.system ? { kind: 'wfi' } : null;
        this.sync(cpu.exitArg, cpu.syncArg);
        return null;
      case Exit.Fault:
        return this.fault();
      default:
        throw new Error(`internal error: generated code returned ${code}`);
    }
  }

  /** A Trap exit: what it means to the run loop (see Trap in cpu/emitter.ts). */
  private trap(): StopReason {
    const cpu = this.cpu;
    const kind = cpu.exitArg as Trap;
    if (kind === Trap.Breakpoint) return { kind: 'breakpoint', pc: cpu.pc, imm: Number(cpu.syncArg) };
    if (kind === Trap.Undefined || !this.system) return { kind: 'undefined', pc: cpu.pc };
    return { kind: 'system', trap: kind, imm: Number(cpu.syncArg), pc: cpu.pc };
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
        let code: number;
        if (this.tier === 'wasm' && !this.translator.mmu) {
          const slot = this.translator.singleStepSlot(pc);
          cpu.budget = this.budget;
          code = (this.table.get(slot) as () => number)();
        } else {
          code = this.translator.singleStepEval(pc);
        }
        // The single-stepped block chains on into translated code: any exit can come back.
        if (code === Exit.Fault) return this.fault();
        if (code === Exit.Svc) return { kind: 'svc', imm: cpu.exitArg };
        if (code === Exit.Trap) return this.trap();
        // A Sync (an IC IVAU right after the store, as in every JIT) must not be lost.
        if (code === Exit.Sync) {
          if (cpu.exitArg === Sync.WaitForInterrupt) return this.system ? { kind: 'wfi' } : null;
          this.sync(cpu.exitArg, cpu.syncArg);
        }
        return null;
      }
    }
    const access = kind === FaultKind.Write ? 'write' : kind === FaultKind.Align ? 'align' : 'read';
    const a = Number(addr & 0xffffffffffffn);
    const mapped = addr < 2n ** 32n && this.mem.isMapped(pageDown(a), pageDown(a) + 1);
    return { kind: 'fault', addr, access, pc, mapped };
  }
}
