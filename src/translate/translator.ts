// Block discovery, translation into batched wasm modules, the code cache, the jump cache that
// generated code chains through, and invalidation of translations by guest page.
import type { Decoder } from '../cpu/decoder.js';
import { Trap } from '../cpu/emitter.js';
import { allHelpers, helperIndex } from '../cpu/helpers.js';
import { formatAsm } from '../cpu/insn.js';
import {
  JCACHE_BASE, JCACHE_ENTRIES, JCACHE_ENTRY_SIZE, PAGE_SHIFT, PAGE_SIZE, PERM_BASE, PERM_CODE, PERM_X,
} from '../cpu/state.js';
import { BlockEmitter } from './block-emitter.js';
import { BLOCK_TYPE, buildModule } from './module.js';

export interface TranslatorOptions {
  /** Most guest instructions in one block. */
  maxBlockInsns?: number;
  /** Most blocks compiled together in one module (speculatively following static successors). */
  batch?: number;
  /** Called with each translated instruction (for -d in_asm). */
  trace?: (pc: number, text: string) => void;
}

export class Translator {
  readonly table = new WebAssembly.Table({ initial: 1024, element: 'anyfunc' });
  private used = 0;
  /** guest pc → table slot */
  private blocks = new Map<number, number>();
  /** guest page → pcs of blocks on it */
  private pages = new Map<number, number[]>();
  private readonly u8: Uint8Array;
  private readonly u32: Uint32Array;
  private readonly jc: DataView;
  private imports: WebAssembly.Imports;
  private maxInsns: number;
  private batch: number;
  blocksTranslated = 0;
  modulesCompiled = 0;

  constructor(
    private memory: WebAssembly.Memory,
    private decoder: Decoder,
    private fpcrMode: () => number,
    private opts: TranslatorOptions = {},
  ) {
    this.u8 = new Uint8Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
    this.jc = new DataView(memory.buffer, JCACHE_BASE, JCACHE_ENTRIES * JCACHE_ENTRY_SIZE);
    this.maxInsns = opts.maxBlockInsns ?? 64;
    this.batch = opts.batch ?? 16;
    const h: Record<string, Function> = {};
    for (const hp of allHelpers()) h[hp.name] = hp.fn;
    this.imports = { env: { mem: memory, tbl: this.table }, h } as WebAssembly.Imports;
    this.clearJumpCache();
  }

  private executable(pc: number): boolean {
    return pc >= 0 && pc < 2 ** 32 && (this.u8[PERM_BASE + Math.floor(pc / PAGE_SIZE)] & PERM_X) !== 0;
  }

  /**
   * The table slot of the translation for `pc`, translating it (and speculatively a few static
   * successors, in the same module) if needed. Returns -1 if pc is not on an executable page.
   */
  lookup(pc: number): number {
    const slot = this.blocks.get(pc);
    if (slot !== undefined) {
      this.setJump(pc, slot);
      return slot;
    }
    if (!this.executable(pc)) return -1;
    this.translateBatch(pc);
    return this.blocks.get(pc)!;
  }

  private translateBatch(root: number): void {
    const queue = [root];
    const seen = new Set<number>([root]);
    const bodies: number[][] = [];
    const pcs: number[] = [];
    while (queue.length && bodies.length < this.batch) {
      const pc = queue.shift()!;
      if (this.blocks.has(pc) || !this.executable(pc) || pc % 4 !== 0) continue;
      const { body, successors } = this.translateBlock(pc);
      bodies.push(body);
      pcs.push(pc);
      for (const s of successors) {
        if (!seen.has(s)) {
          seen.add(s);
          queue.push(s);
        }
      }
    }
    const base = this.allocSlots(bodies.length);
    const bytes = buildModule(allHelpers(), bodies, base);
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes);
    } catch (err) {
      throw new Error(`internal error: generated wasm for 0x${root.toString(16)} is invalid: ${(err as Error).message}`);
    }
    new WebAssembly.Instance(module, this.imports);
    this.modulesCompiled++;
    pcs.forEach((pc, i) => {
      this.blocks.set(pc, base + i);
      const page = Math.floor(pc / PAGE_SIZE);
      let list = this.pages.get(page);
      if (!list) this.pages.set(page, (list = []));
      list.push(pc);
      this.u8[PERM_BASE + page] |= PERM_CODE;
    });
    this.setJump(root, base);
  }

  /** Translate one block starting at pc: until a branch, the length cap or the end of the page. */
  private translateBlock(pc: number): { body: number[]; successors: number[] } {
    const e = new BlockEmitter(pc, this.fpcrMode(), helperIndex);
    const pageEnd = (Math.floor(pc / PAGE_SIZE) + 1) * PAGE_SIZE;
    let n = 0;
    for (;;) {
      e.pc = pc;
      const word = this.u32[pc >>> 2];
      const d = this.decoder.decode(word);
      if (!d) {
        this.opts.trace?.(pc, `.inst 0x${word.toString(16).padStart(8, '0')} (undefined)`);
        e.trap(Trap.Undefined);
      } else {
        this.opts.trace?.(pc, formatAsm(d.insn, d.fields));
        d.insn.sem(e, d.fields);
      }
      n++;
      pc += 4;
      if (e.ended) break;
      if (n >= this.maxInsns || pc >= pageEnd) {
        e.fallThrough(pc);
        break;
      }
    }
    this.blocksTranslated++;
    return { body: e.finish(BLOCK_TYPE), successors: e.successors };
  }

  private allocSlots(n: number): number {
    while (this.used + n > this.table.length) this.table.grow(Math.max(this.table.length, n));
    const base = this.used;
    this.used += n;
    return base;
  }

  private setJump(pc: number, slot: number): void {
    const off = ((pc >>> 2) & (JCACHE_ENTRIES - 1)) * JCACHE_ENTRY_SIZE;
    this.jc.setBigUint64(off, BigInt(pc), true);
    this.jc.setUint32(off + 8, slot, true);
  }

  private clearJumpCache(): void {
    for (let i = 0; i < JCACHE_ENTRIES; i++) this.jc.setBigUint64(i * JCACHE_ENTRY_SIZE, 1n, true);
  }

  /** Drop every translation of code on the pages overlapping [addr, addr+len). */
  invalidate(addr: number, len: number): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + Math.max(len, 1) - 1) / PAGE_SIZE);
    for (let page = first; page <= last; page++) {
      const list = this.pages.get(page);
      if (list) {
        for (const pc of list) {
          this.blocks.delete(pc);
          const off = ((pc >>> 2) & (JCACHE_ENTRIES - 1)) * JCACHE_ENTRY_SIZE;
          if (this.jc.getBigUint64(off, true) === BigInt(pc)) this.jc.setBigUint64(off, 1n, true);
        }
        this.pages.delete(page);
      }
      if (page < 2 ** (32 - PAGE_SHIFT)) this.u8[PERM_BASE + page] &= ~PERM_CODE;
    }
  }

  /** Drop everything (e.g. when the FPCR mode that translations depend on changes). */
  flush(): void {
    for (const page of [...this.pages.keys()]) this.invalidate(page * PAGE_SIZE, PAGE_SIZE);
    this.clearJumpCache();
  }

  /** Translate and run exactly one instruction without marking its page as code (after a store to a code page). */
  singleStepSlot(pc: number): number {
    const e = new BlockEmitter(pc, this.fpcrMode(), helperIndex);
    const d = this.decoder.decode(this.u32[pc >>> 2]);
    if (!d) e.trap(Trap.Undefined);
    else d.insn.sem(e, d.fields);
    if (!e.ended) e.fallThrough(pc + 4);
    const base = this.allocSlots(1);
    new WebAssembly.Instance(new WebAssembly.Module(buildModule(allHelpers(), [e.finish(BLOCK_TYPE)], base)), this.imports);
    return base;
  }
}
