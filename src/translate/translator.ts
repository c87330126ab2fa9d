// Region discovery, translation into wasm modules, the code cache, the jump cache that generated
// code chains through, and invalidation of translations by guest page.
//
// A miss at pc translates a region: the block at pc and, breadth-first, the blocks its static
// branches reach (up to a limit), compiled as one function so branches between them stay inside
// wasm with registers in locals. Each member block gets a table slot whose function enters the
// region there; the jump cache maps guest pcs to slots.
import type { Decoder } from '../cpu/decoder.js';
import { Trap } from '../cpu/emitter.js';
import type { Emitter, Helper } from '../cpu/emitter.js';
import { allHelpers } from '../cpu/helpers.js';
import { formatAsm } from '../cpu/insn.js';
import {
  JCACHE_BASE, JCACHE_ENTRIES, JCACHE_ENTRY_SIZE, PAGE_SHIFT, PAGE_SIZE, PERM_BASE, PERM_CODE, PERM_X, SCRATCH_BASE, STATE_BASE,
} from '../cpu/state.js';
import { collectGarbage } from './host-gc.js';
import { buildRegionModule, buildRuntimeModule } from './module.js';
import { DiscoveryEmitter } from './discovery-emitter.js';
import { codeBuild, runCode } from './eval-code.js';
import { EvalEmitter, evalRuntime, type EvalCode, type EvalRuntime, type SystemInsnHook } from './eval-emitter.js';
import { IoEmitter } from './io-emitter.js';
import { MmuEmitter } from './mmu-emitter.js';
import type { AddressTranslation, IoBus } from '../cpu/io.js';
import { operators } from './operators.js';
import { RegionEmitter } from './region-emitter.js';
import { SavedIndex, type SavedModule } from './saved-translations.js';

export interface TranslatorOptions {
  /** Most guest instructions in one block. */
  maxBlockInsns?: number;
  /** Most blocks in one region. */
  regionBlocks?: number;
  /** Called with each translated instruction (for -d in_asm). */
  trace?: (pc: number, text: string) => void;
  /** Where this thread's CPU state and jump cache are (threads/: one of each per guest thread;
   *  default: the first thread's). */
  stateBase?: number;
  jumpCache?: { base: number; entries: number };
  /** This thread's first-tier scratch area (cpu/state.ts threadScratch; default: the first
   *  thread's). */
  scratch?: { base: number; size: number };
  /** Other translators (other guest threads) share the permission table: leave PERM_CODE to
   *  the invalidation that is broadcast to them all. */
  sharedCodeBits?: boolean;
  /** Translate for full-system mode (see Emitter.system). */
  system?: boolean;
  /** Bounds of the code cache (default: SLOT_CAP, BYTES_CAP, EVAL_CAP). */
  codeSlots?: number;
  codeBytes?: number;
  codeModules?: number;
  evalBlocks?: number;
  /** Most words of first-tier records (eval-code.ts CodeArena; default 16 Mi). */
  codeArena?: number;
}

/** The process's other guest threads (threads/code-share.ts): each region module compiled here
 *  goes to them, and theirs come here as saved translations (installSaved). */
export interface CodeShare {
  /** A region module this translator compiled (fresh, not installed from elsewhere). */
  compiled(m: SavedModule, module: WebAssembly.Module): void;
  /** Take in what the other threads compiled since the last look (cheap when nothing came). */
  take(): void;
  /** A module from another thread was installed here. */
  installed(m: SavedModule): void;
}

/** Most bytes of modules recorded in one process: beyond it, new ones are not kept. */
const RECORD_CAP = 48 * 2 ** 20;

/** Hot regions translated together: per-module costs dominate a small region's (measured in
 *  docs/research: ~210 µs per module with one function, ~21 µs per function at 16). */
const HOT_BATCH = 16;
/** Targets of a computed jump remembered per first-tier block (EvalBlock.targets). */
const INDIRECT_TARGETS = 32;
/** Return points of calls in a region that its returns are compared with (RegionEmitter). */
const RETURN_SITES = 8;
/** Blocks in a region once it has a computed jump with known targets (regionBlocks otherwise). */
const INDIRECT_REGION_BLOCKS = 48;
/** Regions in one module of warm blocks saved for a later run (saveWarm): more than HOT_BATCH,
 *  since they are installed together, at the first miss on any of them. */
const WARM_BATCH = 64;
/** The bytes of an Int32Array (guest instruction words, for sameCode). */
const bytesOf = (words: Int32Array) => new Uint8Array(words.buffer, words.byteOffset, words.byteLength);

/** exportEvalBlocks's format: a header (magic, build, FPCR mode, the constants' address and
 *  their length in words, the block count), the constants, then per block its pc, instruction
 *  count, 1 if it ends in a computed jump, the length of its records, the guest instruction
 *  words it was made from, and the records. */
const EVAL_EXPORT_MAGIC = 0x54534542;
const EVAL_EXPORT_HEADER = 6;
/**
 * First-tier blocks a thread makes before it runs eval-code.ts warmUp, which shows V8 every kind
 * of record before it optimizes runCode. A short process never gets there, and should not: the
 * warm-up brought V8's optimizing compile of runCode forward into every run, ~80 ms of CPU and
 * ~3 MB more peak memory for a static hello (~1,300 blocks). python3 -c pass makes ~34,000.
 */
const WARM_UP_AFTER = 3000;
/** Entries of the first tier's direct-mapped block cache (python3 -c pass runs ~34,000 blocks;
 *  a miss costs a Map lookup). */
const EVAL_CACHE = 8192;

/**
 * Bounds of the code cache. V8 keeps a module's machine code for as long as anything refers to
 * one of its functions, and the table referred to every entry ever made: a long run over much
 * code (Go's net/http tests, 25 threads) took the process past Linux's limit on mappings (each
 * module's code is one) in ~4 minutes, and V8 aborted. When a new module would take the slots in use past SLOT_CAP, or the wasm compiled
 * since the last eviction past BYTES_CAP, every wasm translation is dropped and the table
 * starts again from slot 0 (v86 flushes its cache at 900 slots; qemu-wasm evicts half at 15,000
 * instances); hot code is translated again as it runs. For scale: `python3 -c pass` compiles
 * ~2,000 slots and ~1 MiB of wasm. First-tier blocks beyond EVAL_CAP are dropped the same way.
 * The TSEMU_CODE_* variables set other bounds (for tests).
 */
const SLOT_CAP = Number(process.env.TSEMU_CODE_SLOTS) || 1 << 16;
/** Modules instantiated since the last eviction: each is a mapping of its own until V8 frees it
 *  (host-gc.ts), and every guest thread has its translator (25 threads × 1,024 stays well
 *  under Linux's 65,530 mappings). */
const MODULE_CAP = Number(process.env.TSEMU_CODE_MODULES) || 1024;
/** Table entries released (their translations dropped) between garbage collections. */
const RELEASED_GC = 8192;
const BYTES_CAP = Number(process.env.TSEMU_CODE_BYTES) || 96 * 2 ** 20;
const EVAL_CAP = Number(process.env.TSEMU_CODE_EVAL_BLOCKS) || 1 << 17;

interface Region {
  pcs: number[];
  pages: Set<number>;
  /** Set for a block of the evaluator (first tier) rather than a wasm translation. */
  evalBlock?: EvalBlock;
}

/** A block of the first tier: code built by running each instruction's `sem` once. */
export class EvalBlock {
  /** Times the block was entered (for tiering up). */
  count = 0;
  /** Waiting in the translator's hot queue. */
  queued = false;
  /** With the MMU on: the exception level it was made for. */
  level = 0;
  /**
   * For a block that ends in a jump to a computed address other than a return (a switch's jump
   * table, a call through a pointer): where those jumps went, the first INDIRECT_TARGETS
   * distinct addresses. Region discovery takes the busy ones as successors, so that an
   * interpreter's dispatch and its cases land in one region and the jump between them stays
   * inside it.
   */
  targets: number[] | null = null;
  private readonly own: Int32Array | null;
  private readonly start: number;
  private readonly end: number;
  private readonly fns: EvalCode['fns'];
  /** made: the block's code; rt: what it runs against; insns: how many guest instructions it has. */
  constructor(made: EvalCode, private readonly rt: EvalRuntime, readonly insns = 0) {
    this.own = made.own;
    this.start = made.start;
    this.end = made.end;
    this.fns = made.fns;
  }

  /** The block's computed jump went to pc. */
  noteTarget(pc: number): void {
    const t = this.targets!;
    if (t.length < INDIRECT_TARGETS && !t.includes(pc)) t.push(pc);
  }

  /** Its records if it has no closure records (a forked child can take it), else null. */
  portableCode(): Int32Array | null {
    return this.fns ? null : (this.own ?? this.rt.arena.code).subarray(this.start, this.end);
  }

  /** Run the block: CHAIN (continue at the pc in the CPU state) or an Exit code. */
  run(): number {
    const r = runCode(this.own ?? this.rt.arena.code, this.start, this.end, this.fns, this.rt);
    if (r === 0) throw new Error('internal error: an evaluator block ran off its end');
    return r;
  }
}

/** -d out_asm: a module's wasm bytes, 32 to a line, after the guest pcs of its regions. */
function logWasm(log: (line: string) => void, n: number, regions: readonly number[][], wasm: Uint8Array): void {
  log(`OUT: module ${n}, ${wasm.length} bytes of wasm, regions at ${regions.map((r) => r.map((pc) => '0x' + pc.toString(16)).join(' ')).join(' | ')}`);
  for (let i = 0; i < wasm.length; i += 32) {
    log(`  ${i.toString(16).padStart(6, '0')}: ${Buffer.from(wasm.subarray(i, i + 32)).toString('hex').replace(/(..)(?!$)/g, '$1 ')}`);
  }
}

export class Translator {
  /** Entry functions of translated blocks, by slot. Only the runtime module imports it. */
  readonly table = new WebAssembly.Table({ initial: 4096, element: 'anyfunc' });
  private used = 0;
  /** guest pc → table slot */
  private blocks = new Map<number, number>();
  /** guest pc → first-tier block */
  private evalBlocks = new Map<number, EvalBlock>();
  private evalRt: EvalRuntime | undefined;
  /** Roots of hot first-tier blocks waiting to be translated together. */
  private hotQueue: number[] = [];
  private evalCachePc = new Float64Array(EVAL_CACHE).fill(1);
  private evalCache: (EvalBlock | undefined)[] = new Array(EVAL_CACHE).fill(undefined);
  /** guest page → regions with code from that page */
  private pages = new Map<number, Set<Region>>();
  private readonly u8: Uint8Array;
  private readonly u32: Uint32Array;
  private readonly jc: DataView;
  private readonly memory: WebAssembly.Memory;
  private readonly jcache: { base: number; entries: number };
  private imports: WebAssembly.Imports;
  private readonly caps: { slots: number; bytes: number; modules: number; evalBlocks: number };
  /** Modules instantiated since the last eviction (see MODULE_CAP). */
  private liveModules = 0;
  /** Table entries released since the last garbage collection (see RELEASED_GC). */
  private released = 0;
  /** Wasm bytes compiled or installed since the last eviction (see BYTES_CAP). */
  private codeBytes = 0;
  /** -d tier: what the tiers did (modules compiled, code cache evictions). */
  tierLog: ((line: string) => void) | null = null;
  /** -d out_asm: each module's wasm, in hex. */
  outAsm: ((line: string) => void) | null = null;
  /** Code cache counters for -d tier and tests. */
  readonly stats = { modules: 0, evictions: 0, evalDrops: 0, evalBuilt: 0, evalInherited: 0 };
  /** See TranslatorOptions.sharedCodeBits; set when the process gains a second thread. */
  sharedCodeBits: boolean;
  private maxInsns: number;
  private regionBlocks: number;
  /** Saved translations: installed where their guest code matches, made ones recorded. */
  saved = new SavedIndex();
  /** Keep every region module made, with the guest code it was built from, in `saved`: for a
   *  later run or a forked child. */
  recording = false;
  /** Compiled saved modules, so that one installed again after a flush is not compiled again. */
  private compiled = new WeakMap<SavedModule, WebAssembly.Module>();
  /** Set when the process has more than one guest thread. */
  codeShare: CodeShare | null = null;

  constructor(
    memory: WebAssembly.Memory,
    private decoder: Decoder,
    private fpcrMode: () => number,
    private opts: TranslatorOptions = {},
  ) {
    this.memory = memory;
    this.u8 = new Uint8Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.jcache = opts.jumpCache ?? { base: JCACHE_BASE, entries: JCACHE_ENTRIES };
    this.jc = new DataView(memory.buffer, this.jcache.base, this.jcache.entries * JCACHE_ENTRY_SIZE);
    // -one-insn-per-tb (TSEMU_ONE_INSN_PER_TB, so forked children and threads keep it).
    this.maxInsns = opts.maxBlockInsns ?? (process.env.TSEMU_ONE_INSN_PER_TB === '1' ? 1 : 64);
    this.sharedCodeBits = !!opts.sharedCodeBits;
    this.caps = { slots: opts.codeSlots ?? SLOT_CAP, bytes: opts.codeBytes ?? BYTES_CAP, modules: opts.codeModules ?? MODULE_CAP, evalBlocks: opts.evalBlocks ?? EVAL_CAP };
    // Small regions: translating code that never runs costs more start-up time than crossing
    // between regions costs later (measured: glibc hello 0.7 s with 4, 1.2 s with 24).
    this.regionBlocks = opts.regionBlocks ?? 8;
    const h: Record<string, Function> = {};
    for (const hp of allHelpers()) h[hp.name] = hp.fn;
    const runtime = new WebAssembly.Instance(new WebAssembly.Module(buildRuntimeModule(allHelpers(), this.jcache)),
      { env: { mem: memory, tbl: this.table }, h } as WebAssembly.Imports);
    const state = new WebAssembly.Global({ value: 'i32', mutable: false }, (opts.stateBase ?? STATE_BASE) | 0);
    this.imports = { env: { mem: memory, state }, rt: runtime.exports };
    this.clearJumpCache();
  }

  /** System mode: performs system-register accesses inside first-tier blocks (set by the
   *  run loop; null: each one leaves the block as a Trap.SystemRegister exit). */
  systemInsn: SystemInsnHook | null = null;

  /** System mode: the MMU's translation while it is on (first tier only, see mmu-emitter.ts),
   *  and the device bus its accesses may reach. Set through Machine.setTranslation. */
  mmu: AddressTranslation | null = null;
  io: IoBus | null = null;

  /** Where the instruction at pc is in memory: pc itself, or its physical address with the MMU
   *  on (-1: not executable). */
  private codeAddress(pc: number): number {
    if (!this.mmu) return pc;
    return this.mmu.fetch(pc);
  }

  private executable(pc: number): boolean {
    const at = this.codeAddress(pc);
    return at >= 0 && at < 2 ** 32 && (this.u8[PERM_BASE + Math.floor(at / PAGE_SIZE)] & PERM_X) !== 0;
  }

  /**
   * The table slot of the translation for `pc`, translating a region starting there if needed.
   * Returns -1 if pc is not on an executable page.
   */
  lookup(pc: number): number {
    const slot = this.blocks.get(pc);
    if (slot !== undefined) {
      this.setJump(pc, slot);
      return slot;
    }
    if (!this.executable(pc)) return -1;
    if (this.installSaved(pc) >= 0) return this.blocks.get(pc)!;
    this.translateRegion(pc);
    return this.blocks.get(pc)!;
  }

  /** The wasm translation's table slot for pc if there is one, else -1 (translates nothing). */
  cachedSlot(pc: number): number {
    const slot = this.blocks.get(pc);
    if (slot === undefined) return -1;
    this.setJump(pc, slot);
    return slot;
  }

  /** The first tier's block at pc if there is one (none once pc has a wasm translation). */
  cachedEvalBlock(pc: number): EvalBlock | undefined {
    // A direct-mapped cache in front of the map: guest pcs above 2^30 are not small integers
    // (nor is any of a kernel's, negative here), and hashing them cost more than running a
    // short block.
    const i = (pc >>> 2) & (EVAL_CACHE - 1);
    let b = this.evalCachePc[i] === pc ? this.evalCache[i] : this.evalBlocks.get(pc);
    // With the MMU on, a block made at another exception level (its execute permission) is
    // made again here.
    if (b && this.mmu && b.level !== this.mmu.level) b = undefined;
    if (b) {
      this.evalCachePc[i] = pc;
      this.evalCache[i] = b;
    }
    return b;
  }

  private uncacheEval(pc: number): void {
    const i = (pc >>> 2) & (EVAL_CACHE - 1);
    if (this.evalCachePc[i] === pc) {
      this.evalCachePc[i] = 1; // no block is at an odd address
      this.evalCache[i] = undefined;
    }
  }

  /** Queue a hot first-tier block for translation; true once the queue should be translated. */
  queueHot(pc: number, b: EvalBlock): boolean {
    if (!b.queued) {
      b.queued = true;
      this.hotQueue.push(pc);
    }
    return this.hotQueue.length >= HOT_BATCH;
  }

  /** Translate every queued hot block, as many regions in one module. */
  translateHot(): void {
    let roots = this.hotQueue;
    this.hotQueue = [];
    if (this.codeShare) {
      // Another thread may have compiled them since they were built in the first tier here.
      this.codeShare.take();
      roots = roots.filter((pc) => !this.blocks.has(pc) && this.installSaved(pc) < 0);
    }
    this.translateRegions(roots);
  }

  /** Build the first tier's block at pc; null if pc is not on an executable page. */
  evalBlock(pc: number): EvalBlock | null {
    if (!this.executable(pc)) return null;
    return (this.inherited && this.takeInherited(pc)) || this.buildEvalBlock(pc, true);
  }

  private evalRuntime(): EvalRuntime {
    return (this.evalRt ??= evalRuntime(this.memory, operators(this.memory), this.opts.stateBase, this.opts.scratch, this.opts.codeArena));
  }

  /** One emitter makes every plain first-tier block (user mode, no device accesses): a new one
   *  each time cost ~1.7 KB of allocation per block. */
  private evalEmitter: EvalEmitter | null = null;
  private plainEmitter(rt: EvalRuntime): EvalEmitter {
    const e = (this.evalEmitter ??= new EvalEmitter(this.fpcrMode(), rt));
    e.reset(this.fpcrMode());
    return e;
  }

  private buildEvalBlock(start: number, cache: boolean, io?: IoBus): EvalBlock {
    const rt = this.evalRuntime();
    if (!rt.consts.room || !rt.arena.room || this.evalBlocks.size >= this.caps.evalBlocks) {
      this.stats.evalDrops++;
      this.tierLog?.(`tier: first tier full (${this.evalBlocks.size} blocks): dropped its blocks`);
      this.dropEvalBlocks();
    }
    const e = this.mmu ? new MmuEmitter(this.fpcrMode(), rt, this.io!, this.mmu)
      : io ? new IoEmitter(this.fpcrMode(), rt, io) : this.plainEmitter(rt);
    e.system = !!this.opts.system;
    if (cache) e.systemInsn = this.systemInsn;
    const pageEnd = (Math.floor(start / PAGE_SIZE) + 1) * PAGE_SIZE;
    const max = cache ? this.maxInsns : 1;
    let pc = start;
    for (let n = 1; ; n++) {
      e.beginInsn(pc);
      this.emitInsn(e, pc, cache);
      pc += 4;
      if (e.ended) break;
      if (n >= max || pc >= pageEnd || !e.constRoom) {
        e.fallThrough(pc);
        break;
      }
    }
    const block = new EvalBlock(e.finish(!cache), rt, (pc - start) / 4);
    if (!cache) return block;
    if (++this.stats.evalBuilt === WARM_UP_AFTER) rt.warmUp();
    // Targets are for region discovery, which never runs with the MMU on (first tier only).
    if (e.indirect && !this.mmu) block.targets = [];
    this.enterEvalBlock(start, block);
    return block;
  }

  private enterEvalBlock(start: number, block: EvalBlock): void {
    this.evalEdits++;
    this.evalBlocks.set(start, block);
    // Registered by the page its code is in (physical with the MMU on), where stores land.
    const region: Region = { pcs: [start], pages: new Set([Math.floor(this.codeAddress(start) / PAGE_SIZE)]), evalBlock: block };
    this.addRegion(region);
    if (this.mmu) {
      block.level = this.mmu.level;
      const vpage = Math.floor(start / PAGE_SIZE);
      let list = this.byVirtualPage.get(vpage) ?? [];
      // Translations now outlive context switches: forget the dropped ones now and then.
      if (list.length >= 64) list = list.filter((r) => this.evalBlocks.get(r.pcs[0]) === r.evalBlock);
      list.push(region);
      this.byVirtualPage.set(vpage, list);
    }
  }

  /** Counts first-tier blocks made and dropped, so that exportEvalBlocks can tell when to
   *  encode them again. */
  private evalEdits = 0;
  private exported: { edits: number; data: Int32Array } | null = null;
  /** First-tier blocks a wasm translation replaced, with the guest code they were made from:
   *  a forked child may still want them (exportEvalBlocks). */
  private retired = new Map<number, { block: EvalBlock; words: Int32Array }>();
  /** In a forked child: the parent's first-tier blocks not taken yet, by pc (their offsets in
   *  `inheritedData`), taken when the run loop first wants a block there (evalBlock). */
  private inherited: Map<number, number> | null = null;
  private inheritedData: Int32Array | null = null;

  /** The guest instruction words of [pc, pc + 4 * insns) (4-aligned, below 4 GiB). */
  private codeWords(pc: number, insns: number): Int32Array {
    return new Int32Array(this.memory.buffer, pc, insns);
  }

  /**
   * The first tier's blocks for a forked child (importEvalBlocks): their records, the constants
   * they use, and the guest code each was made from. A shell's child would otherwise make again
   * the blocks of the code it runs after fork (bash's `$(echo)`: ~100 ms of its ~300 ms), those
   * the parent runs in wasm by now included. Null when there are none, or when they would not
   * fit the child: made with the MMU on, or for a thread whose CPU state and scratch are not the
   * first thread's (the child's one thread has those, and records hold their addresses). Blocks
   * with closure records (helper calls) stay out.
   */
  exportEvalBlocks(): Int32Array | null {
    const rt = this.evalRt;
    if (!rt || this.mmu || this.opts.system || rt.state !== STATE_BASE || rt.temps !== SCRATCH_BASE) return null;
    if (this.exported?.edits === this.evalEdits) return this.exported.data;
    const blocks: [number, EvalBlock, Int32Array][] = [];
    const constWords = (rt.consts.top - rt.consts.base) / 4;
    let words = EVAL_EXPORT_HEADER + constWords;
    const add = (pc: number, b: EvalBlock, code: Int32Array | null) => {
      if (!code || pc >= 2 ** 32 || pc % 4 || !b.insns) return;
      blocks.push([pc, b, code]);
      words += 4 + b.insns + code.length;
    };
    for (const [pc, b] of this.evalBlocks) add(pc, b, b.portableCode());
    for (const [pc, r] of this.retired) {
      if (this.sameCode(pc, bytesOf(r.words))) add(pc, r.block, r.block.portableCode());
      else this.retired.delete(pc);
    }
    if (!blocks.length) return null;
    const out = new Int32Array(words);
    out.set([EVAL_EXPORT_MAGIC, codeBuild(), this.fpcrMode(), rt.consts.base | 0, constWords, blocks.length]);
    out.set(rt.m.subarray(rt.consts.base >>> 2, (rt.consts.base >>> 2) + constWords), EVAL_EXPORT_HEADER);
    let i = EVAL_EXPORT_HEADER + constWords;
    for (const [pc, b, code] of blocks) {
      out.set([pc | 0, b.insns, b.targets ? 1 : 0, code.length], i);
      out.set(this.codeWords(pc, b.insns), i + 4);
      out.set(code, i + 4 + b.insns);
      i += 4 + b.insns + code.length;
    }
    this.exported = { edits: this.evalEdits, data: out };
    return out;
  }

  /** In a forked child, before any block is made: take the parent's first-tier blocks
   *  (exportEvalBlocks). Each is entered when the run loop first wants a block at its pc, if
   *  the guest code there is still what it was made from. Returns how many were offered. */
  importEvalBlocks(data: Int32Array): number {
    if (data.length < EVAL_EXPORT_HEADER || data[0] !== EVAL_EXPORT_MAGIC || data[1] !== codeBuild() || data[2] !== this.fpcrMode()) return 0;
    if (this.mmu || this.opts.system || this.evalBlocks.size) return 0;
    const rt = this.evalRuntime();
    const constWords = data[4];
    if (rt.state !== STATE_BASE || rt.temps !== SCRATCH_BASE || (data[3] >>> 0) !== rt.consts.base || rt.consts.top !== rt.consts.base ||
      rt.consts.base + constWords * 4 > rt.consts.limit || EVAL_EXPORT_HEADER + constWords > data.length) return 0;
    rt.m.set(data.subarray(EVAL_EXPORT_HEADER, EVAL_EXPORT_HEADER + constWords), rt.consts.base >>> 2);
    rt.consts.top = rt.consts.base + constWords * 4;
    const index = new Map<number, number>();
    let i = EVAL_EXPORT_HEADER + constWords;
    for (let k = data[5]; k > 0 && i + 4 <= data.length; k--) {
      const end = i + 4 + data[i + 1] + data[i + 3];
      if (end > data.length) break;
      index.set(data[i] >>> 0, i);
      i = end;
    }
    this.inherited = index;
    this.inheritedData = data;
    return index.size;
  }

  /** The parent's block at pc (importEvalBlocks), entered, if its guest code is still here. */
  private takeInherited(pc: number): EvalBlock | null {
    const i = this.inherited!.get(pc);
    if (i === undefined) return null;
    this.inherited!.delete(pc);
    const data = this.inheritedData!;
    const insns = data[i + 1];
    if (!this.sameCode(pc, bytesOf(data.subarray(i + 4, i + 4 + insns)))) return null;
    const rt = this.evalRt!;
    if (!rt.arena.room) return null;
    const len = data[i + 3];
    const at = rt.arena.reserve(len);
    rt.arena.code.set(data.subarray(i + 4 + insns, i + 4 + insns + len), at);
    const block = new EvalBlock({ own: null, start: at, end: at + len, fns: null }, rt, insns);
    if (data[i + 2] === 1) block.targets = [];
    this.enterEvalBlock(pc, block);
    this.stats.evalInherited++;
    return block;
  }

  /** Drop every first-tier block, so that their constants can be forgotten. */
  private dropEvalBlocks(): void {
    this.retired.clear();
    this.inherited = this.inheritedData = null;
    for (const regions of [...this.pages.values()]) for (const r of [...regions]) if (r.evalBlock) this.dropRegion(r);
    this.evalBlocks.clear();
    this.byVirtualPage.clear();
    this.evalCachePc.fill(1);
    this.evalCache.fill(undefined);
    this.evalRt?.consts.reset();
    this.evalRt?.arena.reset();
  }

  /** Run one instruction at pc in the first tier, uncached (re-running a store that hit a page
   *  holding translated code). */
  singleStepEval(pc: number): number {
    return this.buildEvalBlock(pc, false).run();
  }

  /** Run the one instruction at pc in the first tier with its device accesses going to `io`
   *  (system mode: the instruction's access to a device page faulted). Uncached. */
  singleStepIo(pc: number, io: IoBus): number {
    return this.buildEvalBlock(pc, false, io).run();
  }

  private addRegion(region: Region): void {
    for (const page of region.pages) {
      let set = this.pages.get(page);
      if (!set) this.pages.set(page, (set = new Set()));
      set.add(region);
      this.u8[PERM_BASE + page] |= PERM_CODE;
    }
  }

  /** Blocks reachable from root by static branches (and a switch's busy cases), breadth-first,
   *  not yet translated (nor `claimed` by another region of the same module), with copies of
   *  translated ones that branch back into the region. */
  private discover(root: number, claimed?: Set<number>, returnSites?: Set<number>): number[] {
    const found: number[] = [];
    const seen = new Set<number>([root]);
    const queue = [root];
    const scratch = new DiscoveryEmitter(this.fpcrMode());
    scratch.system = !!this.opts.system;
    let limit = this.regionBlocks;
    const members = new Set<number>();
    while (queue.length && found.length < limit) {
      const pc = queue.shift()!;
      if (!this.executable(pc) || pc % 4 !== 0) continue;
      if (this.blocks.has(pc) || claimed?.has(pc)) {
        // Translated in another region: a copy joins this one when it branches straight back
        // into it, so that a loop whose blocks another region's discovery took some of still
        // runs inside one region. The copy's other successors are not followed.
        scratch.indirectTargets = null;
        this.scanBlock(scratch, pc);
        if (scratch.successors.some((s) => members.has(s))) {
          found.push(pc);
          members.add(pc);
        }
        continue;
      }
      found.push(pc);
      members.add(pc);
      const targets = this.hotTargets(pc);
      if (targets.length && limit < INDIRECT_REGION_BLOCKS && this.dispatchLoop(pc, targets)) limit = INDIRECT_REGION_BLOCKS;
      scratch.indirectTargets = targets;
      this.scanBlock(scratch, pc);
      if (scratch.returnSite >= 0) returnSites?.add(scratch.returnSite);
      for (const s of scratch.successors) {
        if (!seen.has(s)) {
          seen.add(s);
          queue.push(s);
        }
      }
    }
    return found;
  }

  /**
   * The targets of the computed jump ending the first tier's block at pc that ran about as often
   * as an even share of the jump's runs would make them (half that share or more): a switch's
   * busy cases, not every case it ever took.
   */
  private hotTargets(pc: number): number[] {
    const b = this.evalBlocks.get(pc);
    if (!b?.targets?.length) return [];
    const share = b.count / b.targets.length / 2;
    return b.targets.filter((t) => (this.evalBlocks.get(t)?.count ?? 0) >= share);
  }

  /**
   * Does the computed jump at the end of the block at pc dispatch a loop: do its first targets
   * lead back to it within a few static branches (an interpreter's cases return to its
   * dispatch)? Only then is its region made large enough to hold the cases: threaded code,
   * where each case ends in a dispatch of its own, would otherwise make every region large.
   */
  private dispatchLoop(pc: number, targets: readonly number[]): boolean {
    const scratch = new DiscoveryEmitter(this.fpcrMode());
    scratch.system = !!this.opts.system;
    for (const t of targets.slice(0, 4)) {
      let level = [t];
      const seen = new Set(level);
      for (let depth = 0; depth < 3 && level.length; depth++) {
        const next: number[] = [];
        for (const b of level.slice(0, 4)) {
          if (!this.executable(b) || b % 4 !== 0) continue;
          this.scanBlock(scratch, b);
          for (const s of scratch.successors) {
            if (s === pc) return true;
            if (!seen.has(s)) { seen.add(s); next.push(s); }
          }
        }
        level = next;
      }
    }
    return false;
  }

  private translateRegion(root: number, cache = true): number {
    return this.translateRegions([root], cache);
  }

  /**
   * Translate regions from each root (those not translated meanwhile) into one module: the
   * per-module cost (compile, instantiate) dominates a small region's. Returns the first
   * region's base slot (-1 if none was translated).
   */
  translateRegions(roots: readonly number[], cache = true): number {
    const m = this.buildModule(roots, cache, cache);
    if (!m) return -1;
    const regions = m.regions;
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(m.wasm as Uint8Array<ArrayBuffer>);
    } catch (err) {
      throw new Error(`internal error: generated wasm for 0x${regions[0][0].toString(16)} is invalid: ${(err as Error).message}`);
    }
    const t0 = this.tierLog ? performance.now() : 0;
    const first = this.instantiate(module, regions, m.wasm.length);
    if (this.tierLog) {
      this.tierLog(`tier: module ${this.stats.modules - 1}: ${regions.length} regions, ${regions.reduce((n, r) => n + r.length, 0)} blocks at 0x${regions[0][0].toString(16)}, ${m.wasm.length} bytes, instantiated in ${(performance.now() - t0).toFixed(2)} ms`);
    }
    if (this.outAsm) logWasm(this.outAsm, this.stats.modules - 1, regions, m.wasm);
    if (!cache) return first;
    if (this.recording && this.saved.madeBytes < RECORD_CAP) {
      this.compiled.set(m, module);
      this.saved.add(m);
    }
    this.codeShare?.compiled(m, module);
    regions.forEach((pcs, r) => this.enterRegion(pcs, first + regions.slice(0, r).reduce((n, x) => n + x.length, 0)));
    return first;
  }

  /**
   * For a later run: translate, without compiling, the first tier's blocks that ran at least
   * `minRuns` times (most run first), for about `budgetMs`, into `saved`. A later run then
   * starts them in wasm instead of running them hundreds of times in the first tier. One block
   * per region: discovering regions cost ~8 times as much (python3 -c pass: ~260 µs a root
   * against ~60), and this time is paid at the program's exit.
   */
  saveWarm(minRuns: number, budgetMs: number): { warm: number; saved: number; ms: number } {
    const start = performance.now();
    const warm = [...this.evalBlocks].filter(([pc, b]) => b.count >= minRuns && !this.blocks.has(pc) && this.executable(pc))
      .sort((a, b) => b[1].count - a[1].count).map(([pc]) => pc);
    const claimed = new Set<number>();
    let i = 0;
    for (; i < warm.length && performance.now() - start < budgetMs && this.saved.madeBytes < RECORD_CAP; i += WARM_BATCH) {
      const m = this.buildModule(warm.slice(i, i + WARM_BATCH), false, false, claimed);
      if (m) this.saved.add(m);
    }
    return { warm: warm.length, saved: Math.min(i, warm.length), ms: performance.now() - start };
  }

  /** A region module (not compiled) for regions from each root: the blocks reachable from it
   *  (`discover`) or the root's block alone; none already translated or `claimed`. */
  private buildModule(roots: readonly number[], discover: boolean, trace: boolean, claimed = new Set<number>()): SavedModule | null {
    const regions: number[][] = [];
    const returnSites: number[][] = [];
    for (const root of roots) {
      const sites = new Set<number>();
      const pcs = discover ? this.discover(root, claimed, sites) : [root];
      if (!pcs.length) continue;
      pcs.forEach((pc) => claimed.add(pc));
      regions.push(pcs);
      returnSites.push([...sites].filter((pc) => pcs.includes(pc)).slice(0, RETURN_SITES));
    }
    if (!regions.length) return null;
    // Helpers the module calls become its imports 1..k, in order of first use.
    const used: Helper[] = [];
    const local = new Map<Helper, number>();
    const importOf = (h: Helper) => {
      let i = local.get(h);
      if (i === undefined) {
        used.push(h);
        local.set(h, (i = used.length));
      }
      return i;
    };
    const code: Uint8Array[] = [];
    const bodies = regions.map((pcs, r) => {
      const e = new RegionEmitter(this.fpcrMode(), importOf, new Map(pcs.map((pc, i) => [pc, i])), returnSites[r]);
      e.system = !!this.opts.system;
      pcs.forEach((pc, i) => {
        const end = this.emitBlock(e, pc, i, trace);
        code.push(this.u8.slice(pc, end));
      });
      return e.finish();
    });
    const wasm = buildRegionModule(used, bodies, regions.map((r) => r.length)).slice();
    return { wasm, fpcr: this.fpcrMode(), regions, code };
  }

  /** Instantiate a region module (of `bytes` bytes of wasm) and put its entries in the table,
   *  evicting first if the cache is full (SLOT_CAP, BYTES_CAP); returns the first slot. */
  private instantiate(module: WebAssembly.Module, regions: readonly number[][], bytes: number): number {
    const total = regions.reduce((n, r) => n + r.length, 0);
    if (this.used + total > this.caps.slots || this.codeBytes + bytes > this.caps.bytes || this.liveModules >= this.caps.modules) this.evict();
    else if (this.released >= RELEASED_GC) this.collect();
    this.codeBytes += bytes;
    this.liveModules++;
    this.stats.modules++;
    const exports = new WebAssembly.Instance(module, this.imports).exports;
    const first = this.allocSlots(total);
    for (let i = 0; i < total; i++) this.table.set(first + i, exports[String(i)] as Function);
    return first;
  }

  /** Make a translated region's blocks the ones that run: those it owns (not translated
   *  elsewhere already: a copy, see discover, or a saved module's block translated since) are
   *  looked up to their slots from `base`; the region is dropped when any of its pages changes. */
  private enterRegion(pcs: readonly number[], base: number): void {
    const own = pcs.map((pc) => !this.blocks.has(pc));
    const region: Region = { pcs: pcs.filter((_, i) => own[i]), pages: new Set(pcs.map((pc) => Math.floor(pc / PAGE_SIZE))) };
    pcs.forEach((pc, i) => {
      if (!own[i]) return;
      this.blocks.set(pc, base + i);
      // The wasm translation replaces the first tier's block there (kept aside for forks).
      const b = this.evalBlocks.get(pc);
      if (b) {
        for (const r of this.pages.get(Math.floor(pc / PAGE_SIZE)) ?? []) if (r.evalBlock === b) this.dropRegion(r);
        if (this.retired.size >= this.caps.evalBlocks) this.retired.clear();
        if (b.insns && !this.mmu) this.retired.set(pc, { block: b, words: this.codeWords(pc, b.insns).slice() });
      }
    });
    this.addRegion(region);
    if (own[0]) this.setJump(pcs[0], base);
  }

  /**
   * Install a saved module with code at pc (saved-translations.ts) if the guest code its
   * regions were built from is still there, byte for byte, on executable pages: each region
   * whose blocks all match is entered as if just translated. Returns pc's slot, or -1.
   */
  installSaved(pc: number): number {
    this.codeShare?.take();
    const list = this.saved.candidates(pc);
    if (!list) return -1;
    for (const m of [...list]) {
      if (m.fpcr !== this.fpcrMode()) continue;
      let k = 0;
      const valid = m.regions.map((pcs) => pcs.map((p) => this.sameCode(p, m.code[k++])).every(Boolean));
      let module = valid.some(Boolean) ? this.compiled.get(m) : undefined;
      if (valid.some(Boolean) && !module) {
        try {
          module = new WebAssembly.Module(m.wasm as Uint8Array<ArrayBuffer>);
          if (WebAssembly.Module.exports(module).length !== k) throw new Error('entries');
          this.compiled.set(m, module);
        } catch {
          module = undefined;
        }
      }
      this.saved.tried(m, !!module);
      if (!module) continue;
      let base = this.instantiate(module, m.regions, m.wasm.length);
      m.regions.forEach((pcs, r) => {
        if (valid[r]) this.enterRegion(pcs, base);
        base += pcs.length;
      });
      this.saved.installed++;
      if (this.shared.has(m)) this.codeShare?.installed(m);
      const slot = this.blocks.get(pc);
      if (slot !== undefined) return slot;
    }
    return -1;
  }

  /** Modules compiled by other guest threads (adopt). */
  private shared = new WeakSet<SavedModule>();

  /** A region module another guest thread compiled: installed here at a miss on one of its pcs
   *  if its guest code is still there (installSaved), as saved translations are. */
  adopt(m: SavedModule, module: WebAssembly.Module): void {
    this.compiled.set(m, module);
    this.shared.add(m);
    this.saved.load([m]);
    // Bounded as the code cache is (MODULE_CAP): a module kept here keeps its code alive.
    this.adopted.push(m);
    if (this.adopted.length > this.caps.modules) {
      const old = this.adopted.shift()!;
      this.saved.forget(old);
      this.compiled.delete(old);
    }
  }

  /** Modules adopted, oldest first (see adopt). */
  private adopted: SavedModule[] = [];

  /** Every module compiled here or installed so far that is still known (kept only while
   *  recording): what a new guest thread starts with. */
  compiledModules(): [SavedModule, WebAssembly.Module][] {
    return this.saved.all().flatMap((m): [SavedModule, WebAssembly.Module][] => {
      const module = this.compiled.get(m);
      return module ? [[m, module]] : [];
    });
  }

  /** Is `code` what is at pc now, within one executable page? */
  private sameCode(pc: number, code: Uint8Array): boolean {
    if (pc % 4 !== 0 || !code.length || Math.floor(pc / PAGE_SIZE) !== Math.floor((pc + code.length - 1) / PAGE_SIZE)) return false;
    if (!this.executable(pc)) return false;
    return Buffer.from(this.memory.buffer, pc, code.length).equals(code);
  }

  /** The instruction at `pc` against any backend: its `sem`, or an undefined-instruction trap;
   *  logged for -d in_asm when `trace`. */
  private emitInsn(e: Emitter, pc: number, trace: boolean): void {
    const word = this.u32[(this.mmu ? this.codeAddress(pc) : pc) >>> 2];
    const d = this.decoder.decode(word);
    // As qemu's -d in_asm: the word, then its disassembly (objdump's text, targets absolute).
    if (trace) this.opts.trace?.(pc, `${word.toString(16).padStart(8, '0')}  ${d ? formatAsm(d.insn, d.fields, pc) : `.inst 0x${word.toString(16).padStart(8, '0')} (undefined)`}`);
    if (d) d.insn.sem(e, d.fields);
    else e.trap(Trap.Undefined);
  }

  /** Run a block's semantics against the discovery emitter: where does it end, where can it go. */
  private scanBlock(e: DiscoveryEmitter, start: number): void {
    e.begin(start);
    const pageEnd = (Math.floor(start / PAGE_SIZE) + 1) * PAGE_SIZE;
    let pc = start;
    for (let n = 1; ; n++) {
      e.pc = pc;
      this.emitInsn(e, pc, false);
      pc += 4;
      if (e.ended) return;
      if (n >= this.maxInsns || pc >= pageEnd) return e.fallThrough(pc);
    }
  }

  /** Translate one block: until a branch, the length cap or the end of the page. Returns the
   *  pc after its last instruction. */
  private emitBlock(e: RegionEmitter, start: number, index: number, trace: boolean): number {
    e.beginBlock(start, index, this.evalBlocks.get(start)?.targets ?? null);
    const pageEnd = (Math.floor(start / PAGE_SIZE) + 1) * PAGE_SIZE;
    let pc = start;
    let n = 0;
    for (;;) {
      e.pc = pc;
      this.emitInsn(e, pc, trace);
      n++;
      pc += 4;
      if (e.ended) break;
      if (n >= this.maxInsns || pc >= pageEnd) {
        e.fallThrough(pc);
        break;
      }
    }
    e.endBlock();
    return pc;
  }

  private allocSlots(n: number): number {
    while (this.used + n > this.table.length) this.table.grow(Math.max(this.table.length, n));
    const base = this.used;
    this.used += n;
    return base;
  }

  private setJump(pc: number, slot: number): void {
    const off = ((pc >>> 2) & (this.jcache.entries - 1)) * JCACHE_ENTRY_SIZE;
    this.jc.setBigUint64(off, BigInt(pc), true);
    this.jc.setUint32(off + 8, slot, true);
  }

  private clearJumpCache(): void {
    for (let i = 0; i < this.jcache.entries; i++) this.jc.setBigUint64(i * JCACHE_ENTRY_SIZE, 1n, true);
  }

  /** Drop every region with code on the pages overlapping [addr, addr+len). `clearBits`: also
   *  clear those pages' PERM_CODE (not when replaying another thread's invalidation: this
   *  thread may have translated the page again since). */
  invalidate(addr: number, len: number, clearBits = true): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + Math.max(len, 1) - 1) / PAGE_SIZE);
    for (let page = first; page <= last; page++) {
      const regions = this.pages.get(page);
      if (regions) for (const r of [...regions]) this.dropRegion(r);
      if (clearBits && page < 2 ** (32 - PAGE_SHIFT)) this.u8[PERM_BASE + page] &= ~PERM_CODE;
    }
  }

  private dropRegion(r: Region, clearBits = true): void {
    if (r.evalBlock) {
      this.evalEdits++;
      if (this.evalBlocks.get(r.pcs[0]) === r.evalBlock) this.evalBlocks.delete(r.pcs[0]);
      this.uncacheEval(r.pcs[0]);
    } else for (const pc of r.pcs) {
      // Its table entry goes too, so that V8 can free the module once all of its have gone.
      const slot = this.blocks.get(pc);
      if (slot !== undefined) {
        this.table.set(slot, null);
        this.released++;
      }
      this.blocks.delete(pc);
      const off = ((pc >>> 2) & (this.jcache.entries - 1)) * JCACHE_ENTRY_SIZE;
      if (this.jc.getBigUint64(off, true) === BigInt(pc)) this.jc.setBigUint64(off, 1n, true);
    }
    for (const page of r.pages) {
      const set = this.pages.get(page);
      set?.delete(r);
      if (set && set.size === 0) {
        this.pages.delete(page);
        if (clearBits && !this.sharedCodeBits) this.u8[PERM_BASE + page] &= ~PERM_CODE;
      }
    }
  }

  /** With the MMU on: first-tier blocks by virtual page (a TLBI of one page drops its code). */
  private byVirtualPage = new Map<number, Region[]>();

  /** With the MMU on: drop the translations of code in the lower half of the virtual address
   *  space (TTBR0's: a context switch or a TLBI by ASID changed what it maps). */
  invalidateLowerHalf(): void {
    for (const vpage of [...this.byVirtualPage.keys()]) if (vpage >= 0) this.invalidateVirtualPage(vpage);
  }

  /** Drop the translations of code at virtual page `vpage` (its mapping may have changed). */
  invalidateVirtualPage(vpage: number): void {
    const regions = this.byVirtualPage.get(vpage);
    if (!regions) return;
    this.byVirtualPage.delete(vpage);
    for (const r of regions) this.dropRegion(r); // (a no-op for one dropped already)
  }

  /**
   * The code cache is full: drop every wasm translation and start the table again (SLOT_CAP).
   * First-tier blocks stay. Called only from the run loop's side of a translation, never while
   * an entry being dropped could be called again: running code reaches other entries only
   * through the jump cache, which is cleared. The pages' PERM_CODE bits stay set (a store to
   * them takes the slow path once and clears them in invalidate); another thread's translations
   * may be on them.
   */
  private evict(): void {
    this.tierLog?.(`tier: code cache full (${this.used} slots, ${this.liveModules} modules, ${this.codeBytes} bytes of wasm): evicted every translation`);
    this.stats.evictions++;
    for (const regions of [...this.pages.values()]) for (const r of [...regions]) if (!r.evalBlock) this.dropRegion(r, false);
    this.restartTable();
    this.collect();
  }

  /** Every wasm translation has been dropped: clear the jump cache, release the table's entries
   *  (and so their modules) and start the table again from slot 0. */
  private restartTable(): void {
    this.clearJumpCache();
    for (let i = 0; i < this.used; i++) this.table.set(i, null);
    this.used = 0;
    this.codeBytes = 0;
    this.liveModules = 0;
  }

  /** Let V8 free the modules nothing refers to any more (host-gc.ts). */
  private collect(): void {
    this.released = 0;
    const t0 = performance.now();
    collectGarbage();
    this.tierLog?.(`tier: garbage collected in ${(performance.now() - t0).toFixed(1)} ms`);
  }

  /** Drop everything (e.g. when the FPCR mode that translations depend on changes). */
  flush(): void {
    this.evalEdits++;
    this.retired.clear();
    this.inherited = this.inheritedData = null;
    this.byVirtualPage.clear();
    for (const page of [...this.pages.keys()]) this.invalidate(page * PAGE_SIZE, PAGE_SIZE);
    this.evalBlocks.clear();
    this.evalCachePc.fill(1);
    this.evalCache.fill(undefined);
    this.hotQueue = [];
    this.saved.reset();
    this.restartTable();
  }

  /** Translate exactly one block at pc without caching it or marking its page as code (used to
   *  re-run a store that hit a page holding translated code). */
  singleStepSlot(pc: number): number {
    const saved = this.maxInsns;
    this.maxInsns = 1;
    try {
      return this.translateRegion(pc, false);
    } finally {
      this.maxInsns = saved;
    }
  }
}
