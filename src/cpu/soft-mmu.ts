// The MMU as the first tier uses it (system mode): stage-1 translation of the current exception
// level through a soft TLB (a map from virtual page to the walk's result, per EL) in front of
// the page-table walk (mmu.ts), reading descriptors from guest RAM. Faults are recorded for
// the run loop, which raises the abort (ESR's fault status code, FAR = the virtual address).
//
// The TLB holds no ASID tags: a context switch (a new TTBR0, a new ASID) or a TLBI by ASID
// drops what came through TTBR0 and every non-global entry (flushLower), which keeps the
// kernel's own (global, through TTBR1) entries; a TLBI of everything or a write to SCTLR, TCR
// or TTBR1's tables drops it all. QEMU tags entries by ASID and mmu index instead.
import type { AddressTranslation } from './io.js';
import type { El1 } from './el1.js';
import type { GuestMemory } from './memory.js';
import { isFault, walk, type Access, type Translation, type TranslationRegs } from './mmu.js';
import { PAGE_SIZE, PERM_R } from './state.js';

export interface MmuFault {
  va: bigint;
  /** ESR's DFSC/IFSC. */
  fsc: number;
  access: Access;
}

/** A physical address beyond what exists: a synchronous external abort (not on a walk). */
const FSC_EXTERNAL = 0x10;
/** Entries per exception level of the direct-mapped TLB in front of the maps (a power of 2). */
const FAST = 4096;
const FAST_R = 1;
const FAST_W = 2;
/** `data`'s answer for an access whose two pages are not physically adjacent (see `split`). */
export const SPLIT = -2;

export class SoftMmu implements AddressTranslation {
  private readonly tlb = [new Map<bigint, Translation>(), new Map<bigint, Translation>()];
  /** The last translation that failed (for the run loop), and the last virtual address used. */
  lastFault: MmuFault | null = null;
  /** Where the two parts of the last access that `data` answered SPLIT to lie. */
  split = { first: 0, firstLength: 0, second: 0 };
  private lastLo = 0;
  private lastHi = 0;
  get lastVa(): bigint { return (BigInt(this.lastHi) << 32n) | BigInt(this.lastLo); }
  /** The first-tier's fast path (cached): per EL, FAST entries indexed by the low bits of the
   *  virtual page number; tag = the whole page number (hi * 2^20 + lo >>> 12, exact in a
   *  double), the physical page, and the read/write permission at that EL. Numbers only: the
   *  BigInt path below cost ~35% of a boot. */
  private readonly fastTag = new Float64Array(2 * FAST).fill(-1);
  private readonly fastPa = new Float64Array(2 * FAST);
  private readonly fastPerm = new Uint8Array(2 * FAST);

  /** A non-global entry of the upper half (TTBR1's) was made since the last flush: then
   *  flushLower cannot keep that half (Linux's kernel maps itself global, unless with KPTI). */
  upperNonGlobal = false;

  constructor(private readonly el1: El1, private readonly mem: GuestMemory) {}

  get enabled(): boolean { return ((this.el1.stored.get('sctlr_el1') ?? 0n) & 1n) === 1n; }

  /** The exception level translations are made for now. */
  get level(): number { return this.el1.el; }

  /** Forget every translation through TTBR0 (the lower half) and every non-global one; false
   *  (and nothing done) when that is all of them (see upperNonGlobal): flush instead. */
  flushLower(): boolean {
    if (this.upperNonGlobal) return false;
    const UPPER = 1n << 51n; // page numbers of the upper half (va >= 2^63)
    for (const t of this.tlb) for (const page of [...t.keys()]) if (page < UPPER) t.delete(page);
    for (let i = 0; i < this.fastTag.length; i++) if (this.fastTag[i] < 2 ** 51) this.fastTag[i] = -1;
    return true;
  }

  /** Forget the translation of one virtual page (every ASID). */
  flushPage(va: bigint): void {
    const page = BigInt.asUintN(64, va) >> 12n;
    this.tlb[0].delete(page);
    this.tlb[1].delete(page);
    const i = Number(page & BigInt(FAST - 1));
    this.fastTag[i] = this.fastTag[FAST + i] = -1;
  }

  flush(): void {
    this.tlb[0].clear();
    this.tlb[1].clear();
    this.fastTag.fill(-1);
    this.upperNonGlobal = false;
  }

  cached(lo: number, hi: number, size: number, write: boolean): number {
    const off = lo & 0xfff;
    if (off + size > 4096) return -1;
    const vpn = lo >>> 12;
    const i = this.el1.el * FAST + (vpn & (FAST - 1));
    if (this.fastTag[i] !== hi * 1048576 + vpn || !(this.fastPerm[i] & (write ? FAST_W : FAST_R))) return -1;
    this.lastLo = lo;
    this.lastHi = hi;
    return this.fastPa[i] + off;
  }

  private readPhys = (pa: bigint): bigint | null => {
    if (pa >= 2n ** 32n - 8n) return null;
    const a = Number(pa);
    if (!(this.mem.perms[Math.floor(a / PAGE_SIZE)] & PERM_R)) return null; // RAM only
    return this.mem.dv.getBigUint64(a, true);
  };

  /** The physical address for `va`, or -1 with lastFault set. */
  private translate(va: bigint, access: Access): number {
    va = BigInt.asUintN(64, va);
    this.setLast(va);
    const el = this.el1.el as 0 | 1;
    const page = va >> 12n;
    let t = this.tlb[el].get(page);
    if (!t) {
      // Walk as an EL1 read (always allowed where mapped) and check this access below, so that
      // the entry serves every kind of access.
      const r = walk(va, 'read', 1, this.regs(), this.readPhys);
      if (isFault(r)) {
        this.lastFault = { va, fsc: r.fsc, access };
        return -1;
      }
      t = r;
      if (!t.global && va >> 63n) this.upperNonGlobal = true;
      this.tlb[el].set(page, t);
    }
    const p = el === 0 ? t.el0 : t.el1;
    if (!(access === 'read' ? p.r : access === 'write' ? p.w : p.x)) {
      this.lastFault = { va, fsc: 0x0c + t.level, access };
      return -1;
    }
    const pa = (t.pa & ~0xfffn) | (va & 0xfffn);
    if (pa >= 2n ** 32n) {
      this.lastFault = { va, fsc: FSC_EXTERNAL, access };
      return -1;
    }
    if (access !== 'exec') {
      const i = el * FAST + Number(page & BigInt(FAST - 1));
      this.fastTag[i] = Number(page);
      this.fastPa[i] = Number(pa) - Number(va & 0xfffn);
      this.fastPerm[i] = (p.r ? FAST_R : 0) | (p.w ? FAST_W : 0);
    }
    return Number(pa);
  }

  private regs(): TranslationRegs {
    const stored = this.el1.stored;
    return {
      tcr: stored.get('tcr_el1') ?? 0n, ttbr0: stored.get('ttbr0_el1') ?? 0n, ttbr1: stored.get('ttbr1_el1') ?? 0n,
      wxn: (((stored.get('sctlr_el1') ?? 0n) >> 19n) & 1n) === 1n,
    };
  }

  /**
   * AT S1E1R, S1E1W, S1E0R, S1E0W: what PAR_EL1 holds after translating `va` for a read or a
   * write at `el` (a fresh walk; the TLB is neither used nor filled). On success the physical
   * page, MAIR's attribute byte in ATTR, SH (0b10 for Device memory), NS set (the regime is
   * Non-secure, as qemu reports it); on a fault F with the fault status code in FST.
   * Bit 11 is RES1 either way.
   */
  addressTranslate(va: bigint, el: 0 | 1, write: boolean): bigint {
    const RES1 = 1n << 11n;
    const r = walk(BigInt.asUintN(64, va), 'read', 1, this.regs(), this.readPhys);
    if (isFault(r)) return RES1 | (BigInt(r.fsc) << 1n) | 1n;
    const p = el === 0 ? r.el0 : r.el1;
    if (!(write ? p.w : p.r)) return RES1 | (BigInt(0x0c + r.level) << 1n) | 1n;
    const attr = ((this.el1.stored.get('mair_el1') ?? 0n) >> BigInt(8 * r.attrIndex)) & 0xffn;
    const device = (attr & 0xf0n) === 0n;
    const sh = device ? 2n : BigInt(r.shareability);
    return (attr << 56n) | (r.pa & 0xfffffffff000n) | RES1 | (1n << 9n) | (sh << 7n);
  }

  private setLast(va: bigint): void {
    this.lastLo = Number(va & 0xffffffffn);
    this.lastHi = Number(va >> 32n);
  }

  data(va: bigint, size: number, write: boolean): number {
    const pa = this.translate(va, write ? 'write' : 'read');
    if (pa < 0 || Number(va & 0xfffn) + size <= 4096) return pa;
    // Crossing into the next virtual page: it must be mapped too, and (a limit of this first
    // version) right after the first one physically.
    const next = this.translate(BigInt.asUintN(64, (va | 0xfffn) + 1n), write ? 'write' : 'read');
    if (next < 0) return -1;
    this.setLast(va);
    if (next === (pa | 0xfff) + 1) return pa;
    // Onto a page mapped elsewhere (a user stack's, say): the caller moves the bytes itself.
    this.split = { first: pa, firstLength: 4096 - (pa & 0xfff), second: next };
    return SPLIT;
  }

  fetch(va: number): number {
    return this.translate(BigInt(va), 'exec');
  }
}
