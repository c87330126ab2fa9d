// Stage-1 address translation at EL1&0 (Arm ARM D8, VMSAv8-64): the 4 KiB granule only, 48-bit
// virtual addresses at most (T0SZ/T1SZ >= 16), TTBR0_EL1 for the lower range and TTBR1_EL1 for
// the upper, hierarchical APTable/UXNTable/PXNTable, AP[2:1], UXN/PXN, WXN, the access flag
// (no hardware update: FEAT_HAFDBS is not reported), nG and the ASID for a TLB to tag entries.
//
// This is the page-table walk a soft TLB misses into. How it is meant to sit in the engine
// (not wired yet; see the session's report): in system mode the one memory-access seam of
// the emitters (region-emitter.ts `access`, eval-emitter.ts `access`) looks the virtual page up
// in a direct-mapped TLB kept in linear memory (tag per access kind + PA - VA addend, as QEMU's
// CPUTLBEntry and v86's tlb_data), and a miss leaves translated code as a precise fault whose
// run loop calls walk(), fills the entry, and re-runs the instruction; the physical page's
// permission byte is still checked afterwards, so device pages and pages holding translated
// code keep working exactly as with the MMU off. User mode keeps the identity strategy.

/** What the walk needs from the CPU's registers. */
export interface TranslationRegs {
  tcr: bigint;
  ttbr0: bigint;
  ttbr1: bigint;
  /** SCTLR_EL1.WXN: writable implies execute-never. */
  wxn: boolean;
}

export type Access = 'read' | 'write' | 'exec';

export interface Translation {
  pa: bigint;
  /** Size of the mapping the entry came from (4 KiB page, 2 MiB or 1 GiB block). */
  size: bigint;
  /** What each level may do through this mapping. */
  el0: { r: boolean; w: boolean; x: boolean };
  el1: { r: boolean; w: boolean; x: boolean };
  /** nG = 0: valid for every ASID. */
  global: boolean;
  asid: number;
  /** MAIR_EL1 index of the memory attributes. */
  attrIndex: number;
  /** SH[1:0], the shareability field. */
  shareability: number;
  /** The level of the walk the mapping was found at (for permission faults). */
  level: number;
}

/** A translation fault as ESR_ELx's fault status code reports it (DFSC/IFSC). */
export interface TranslationFault {
  fault: 'translation' | 'access-flag' | 'permission' | 'address-size' | 'external';
  level: number;
  /** The status code: translation 0x04+L, access flag 0x08+L, permission 0x0C+L, address
   *  size 0x00+L, synchronous external abort on the walk 0x14+L. */
  fsc: number;
}

const FSC_BASE = { 'address-size': 0x00, translation: 0x04, 'access-flag': 0x08, permission: 0x0c, external: 0x14 } as const;
const fault = (kind: TranslationFault['fault'], level: number): TranslationFault => ({ fault: kind, level, fsc: FSC_BASE[kind] + level });

const bits = (v: bigint, hi: number, lo: number): bigint => (v >> BigInt(lo)) & ((1n << BigInt(hi - lo + 1)) - 1n);
const OA_MASK = 0x0000fffffffff000n; // descriptor bits 47:12

/**
 * Translate `va` for an access of `kind` at `el`. `readPhys` reads a 64-bit descriptor from
 * physical memory (null: nothing there, an external abort on the walk). Top-byte-ignore applies
 * to data accesses when TCR.TBI0/TBI1 says so. The result is the mapping if the access is allowed,
 * else the fault the Arm ARM specifies for it.
 */
export function walk(va: bigint, kind: Access, el: 0 | 1, regs: TranslationRegs, readPhys: (pa: bigint) => bigint | null): Translation | TranslationFault {
  const tcr = regs.tcr;
  const upper = ((va >> 55n) & 1n) === 1n;
  const tsz = Number(upper ? bits(tcr, 21, 16) : bits(tcr, 5, 0));
  const epd = (upper ? bits(tcr, 23, 23) : bits(tcr, 7, 7)) === 1n;
  const tbi = (upper ? bits(tcr, 38, 38) : bits(tcr, 37, 37)) === 1n && kind !== 'exec';
  const tg = Number(upper ? bits(tcr, 31, 30) : bits(tcr, 15, 14));
  // 4 KiB granule: TG0 = 0b00, TG1 = 0b10.
  if (tg !== (upper ? 2 : 0)) return fault('translation', 0);
  const inputSize = 64 - Math.max(tsz, 16);
  // Bits above the input size must all equal bit 55 (all ones for TTBR1, zeros for TTBR0),
  // over bits 63:inputSize, or 55:inputSize with the top byte ignored.
  const topBit = tbi ? 55 : 63;
  const top = bits(va, topBit, inputSize);
  const want = upper ? (1n << BigInt(topBit - inputSize + 1)) - 1n : 0n;
  if (top !== want || epd) return fault('translation', 0);
  if (inputSize < 25) return fault('translation', 0); // T*SZ > 39 is not a 4 KiB-granule size
  const ttbr = upper ? regs.ttbr1 : regs.ttbr0;
  const asidFromTtbr1 = bits(tcr, 22, 22) === 1n; // TCR.A1
  const asid = Number(bits(asidFromTtbr1 ? regs.ttbr1 : regs.ttbr0, 63, 48)) & (bits(tcr, 36, 36) ? 0xffff : 0xff);

  // Levels resolve 9 bits each above the 12-bit page offset: 48 bits start at level 0.
  let level = 4 - Math.ceil((inputSize - 12) / 9);
  let table = ttbr & OA_MASK & ~0xfffn;
  // The start-level table holds only as many entries as the input size needs.
  // Output addresses must fit the physical address size TCR.IPS configures (bits 51:48 of a
  // descriptor are not address bits with a 4 KiB granule: 51 is DBM, 50 GP).
  const paBits = [32, 36, 40, 42, 44, 48, 52][Number(bits(tcr, 34, 32))] ?? 48;
  const tooWide = (oa: bigint) => (oa >> BigInt(paBits)) !== 0n;
  let apTableNoEl0 = false;
  let apTableRo = false;
  let uxnTable = false;
  let pxnTable = false;
  for (;;) {
    const shift = 12 + 9 * (3 - level);
    const indexBits = level === 4 - Math.ceil((inputSize - 12) / 9) ? inputSize - shift : 9;
    const index = bits(va, shift + indexBits - 1, shift);
    const desc = readPhys(table + index * 8n);
    if (desc === null) return fault('external', level);
    const type = Number(desc & 3n);
    if ((type & 1) === 0) return fault('translation', level);
    if (type === 3 && level < 3) { // table
      if (tooWide(desc & OA_MASK)) return fault('address-size', level);
      apTableNoEl0 ||= bits(desc, 61, 61) === 1n;
      apTableRo ||= bits(desc, 62, 62) === 1n;
      uxnTable ||= bits(desc, 60, 60) === 1n;
      pxnTable ||= bits(desc, 59, 59) === 1n;
      table = desc & OA_MASK;
      level++;
      continue;
    }
    // A block (levels 1 and 2) or a page (level 3, type 0b11); a block at level 0 or a
    // type-0b01 entry at level 3 is invalid with the 4 KiB granule.
    if ((type === 1 && (level === 0 || level === 3))) return fault('translation', level);
    if (tooWide(desc & OA_MASK)) return fault('address-size', level);
    const size = 1n << BigInt(shift);
    const pa = (desc & OA_MASK & ~(size - 1n)) | (va & (size - 1n));
    if (bits(desc, 10, 10) === 0n) return fault('access-flag', level);
    const ap = Number(bits(desc, 7, 6));
    const el0Access = (ap & 1) === 1 && !apTableNoEl0;
    const readOnly = (ap & 2) === 2 || apTableRo;
    const uxn = bits(desc, 54, 54) === 1n || uxnTable;
    const pxn = bits(desc, 53, 53) === 1n || pxnTable;
    const el1w = !readOnly;
    const el0w = el0Access && !readOnly;
    // Writable at EL0 means never executable at EL1; WXN makes every writable mapping XN. EL0
    // may run code it cannot read (AP[1] = 0, UXN = 0: execute-only, as qemu has it too).
    const t: Translation = {
      pa, size,
      el0: { r: el0Access, w: el0w, x: !uxn && !(regs.wxn && el0w) },
      el1: { r: true, w: el1w, x: !pxn && !el0w && !(regs.wxn && el1w) },
      global: bits(desc, 11, 11) === 0n,
      asid,
      attrIndex: Number(bits(desc, 4, 2)),
      shareability: Number(bits(desc, 9, 8)),
      level,
    };
    const p = el === 0 ? t.el0 : t.el1;
    const ok = kind === 'read' ? p.r : kind === 'write' ? p.w : p.x;
    return ok ? t : fault('permission', level);
  }
}

export const isFault = (r: Translation | TranslationFault): r is TranslationFault => 'fault' in r;
