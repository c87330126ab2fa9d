// Stage-1 translation (cpu/mmu.ts) on page tables built here, with the outcomes the Arm ARM
// specifies (D8: VMSAv8-64 4 KiB granule; fault status codes from ESR_ELx.DFSC).
import { describe, expect, it } from 'vitest';
import { isFault, walk, type TranslationRegs } from '../../src/cpu/mmu.js';

/** Physical memory of descriptors, and a table allocator. */
class Tables {
  mem = new Map<bigint, bigint>();
  next = 0x40100000n;
  alloc(): bigint { const t = this.next; this.next += 0x1000n; return t; }
  set(table: bigint, index: bigint, desc: bigint): void { this.mem.set(table + index * 8n, desc); }
  read = (pa: bigint): bigint | null => (pa >= 0x40000000n && pa < 0x80000000n ? this.mem.get(pa) ?? 0n : null);
}

const TABLE = 3n, PAGE = 3n, BLOCK = 1n, AF = 1n << 10n;
const AP_EL0_RW = 1n << 6n, AP_RO = 2n << 6n, AP_EL0_RO = 3n << 6n;
const UXN = 1n << 54n, PXN = 1n << 53n, NG = 1n << 11n;
const APTABLE_RO = 1n << 62n, APTABLE_NO_EL0 = 1n << 61n;
const idx = (va: bigint, level: number) => (va >> BigInt(12 + 9 * (3 - level))) & 0x1ffn;

/** TCR for 48-bit TTBR0 and TTBR1 ranges, 4 KiB granules, 16-bit ASIDs. */
const TCR48 = 16n | (16n << 16n) | (2n << 30n) | (1n << 36n);

/** Map one 4 KiB page va → pa with leaf attributes `attrs` through a four-level walk. */
function mapPage(t: Tables, root: bigint, va: bigint, pa: bigint, attrs: bigint, tableAttrs: bigint[] = [0n, 0n, 0n], af = AF): void {
  let table = root;
  for (let level = 0; level < 3; level++) {
    const e = t.mem.get(table + idx(va, level) * 8n);
    let next: bigint;
    if (e === undefined) {
      next = t.alloc();
      t.set(table, idx(va, level), next | TABLE | tableAttrs[level]);
    } else next = e & 0x0000fffffffff000n;
    table = next;
  }
  t.set(table, idx(va, 3), pa | PAGE | af | attrs);
}

describe('stage-1 walk, 4 KiB granule', () => {
  const t = new Tables();
  const root0 = t.alloc();
  const root1 = t.alloc();
  const regs: TranslationRegs = { tcr: TCR48, ttbr0: root0 | (0x1234n << 48n), ttbr1: root1, wxn: false };

  it('a user page (AP EL0 RW) through four levels: PA, permissions, ASID, nG', () => {
    mapPage(t, root0, 0x0000_0040_1234_5000n, 0x4567_8000n, AP_EL0_RW | NG | (2n << 2n));
    const r = walk(0x0000_0040_1234_5abcn, 'read', 0, regs, t.read);
    expect(isFault(r)).toBe(false);
    if (isFault(r)) return;
    expect(r.pa).toBe(0x4567_8abcn);
    expect(r.size).toBe(0x1000n);
    expect(r.el0).toEqual({ r: true, w: true, x: true });
    // Writable at EL0: never executable at EL1.
    expect(r.el1).toEqual({ r: true, w: true, x: false });
    expect(r.global).toBe(false);
    expect(r.asid).toBe(0x1234);
    expect(r.attrIndex).toBe(2);
  });

  it('a kernel 2 MiB block under TTBR1 (AP EL1 only): EL0 gets a level-2 permission fault', () => {
    const va = 0xffff_8000_0020_0000n;
    const l1 = t.alloc(), l2 = t.alloc();
    t.set(root1, idx(va, 0), l1 | TABLE);
    t.set(l1, idx(va, 1), l2 | TABLE);
    t.set(l2, idx(va, 2), 0x4020_0000n | BLOCK | AF | UXN);
    const r = walk(va + 0x1_2345n, 'exec', 1, regs, t.read);
    expect(isFault(r) ? r : r.pa).toBe(0x4021_2345n);
    if (!isFault(r)) expect(r.size).toBe(0x200000n);
    expect(walk(va, 'read', 0, regs, t.read)).toEqual({ fault: 'permission', level: 2, fsc: 0x0e });
  });

  it('translation faults: invalid entry (level of the walk), non-canonical address (level 0)', () => {
    expect(walk(0x0000_7000_0000_0000n, 'read', 1, regs, t.read)).toEqual({ fault: 'translation', level: 0, fsc: 0x04 });
    expect(walk(0x0001_0000_0000_0000n, 'read', 1, regs, t.read)).toEqual({ fault: 'translation', level: 0, fsc: 0x04 });
    expect(walk(0x0000_0040_1234_6000n, 'read', 1, regs, t.read)).toEqual({ fault: 'translation', level: 3, fsc: 0x07 });
    expect(walk(0x0000_0041_0000_0000n, 'read', 1, regs, t.read)).toEqual({ fault: 'translation', level: 1, fsc: 0x05 });
  });

  it('top byte ignored for data with TBI0, never for instruction fetch', () => {
    const tagged = 0x5a00_0040_1234_5000n;
    expect(isFault(walk(tagged, 'read', 0, regs, t.read))).toBe(true);
    const tbi = { ...regs, tcr: regs.tcr | (1n << 37n) };
    const r = walk(tagged, 'read', 0, tbi, t.read);
    expect(isFault(r) ? r : r.pa).toBe(0x4567_8000n);
    expect(walk(tagged, 'exec', 0, tbi, t.read)).toEqual({ fault: 'translation', level: 0, fsc: 0x04 });
  });

  it('access flag clear: an access flag fault at the leaf level', () => {
    const va = 0x0000_0000_0040_0000n;
    mapPage(t, root0, va, 0x4800_0000n, 0n, undefined, 0n);
    expect(walk(va, 'read', 1, regs, t.read)).toEqual({ fault: 'access-flag', level: 3, fsc: 0x0b });
  });

  it('read-only leaf, APTable read-only, APTable no-EL0, UXN/PXN, WXN', () => {
    const ro = 0x0000_0000_1000_0000n;
    mapPage(t, root0, ro, 0x4900_0000n, AP_EL0_RO);
    expect(walk(ro, 'write', 1, regs, t.read)).toEqual({ fault: 'permission', level: 3, fsc: 0x0f });
    const r = walk(ro, 'exec', 1, regs, t.read); // read-only at EL0: executable at EL1
    expect(isFault(r)).toBe(false);

    const under = 0x0000_0080_0000_0000n; // a new level-0 entry, so its table attributes apply
    mapPage(t, root0, under, 0x4a00_0000n, AP_EL0_RW, [APTABLE_RO, 0n, 0n]);
    expect(walk(under, 'write', 0, regs, t.read)).toEqual({ fault: 'permission', level: 3, fsc: 0x0f });
    expect(isFault(walk(under, 'read', 0, regs, t.read))).toBe(false);

    const hidden = 0x0000_0100_0000_0000n;
    mapPage(t, root0, hidden, 0x4b00_0000n, AP_EL0_RW, [APTABLE_NO_EL0, 0n, 0n]);
    expect(walk(hidden, 'read', 0, regs, t.read)).toEqual({ fault: 'permission', level: 3, fsc: 0x0f });
    const k = walk(hidden, 'write', 1, regs, t.read);
    expect(isFault(k) ? k : k.el1).toEqual({ r: true, w: true, x: true }); // not EL0-writable any more

    const nx = 0x0000_0000_2000_0000n;
    mapPage(t, root0, nx, 0x4c00_0000n, AP_RO | PXN | UXN);
    expect(walk(nx, 'exec', 1, regs, t.read)).toEqual({ fault: 'permission', level: 3, fsc: 0x0f });
    const kw = 0x0000_0000_3000_0000n;
    mapPage(t, root0, kw, 0x4d00_0000n, 0n); // EL1 read/write only
    expect(isFault(walk(kw, 'exec', 1, regs, t.read))).toBe(false);
    expect(walk(kw, 'exec', 1, { ...regs, wxn: true }, t.read)).toEqual({ fault: 'permission', level: 3, fsc: 0x0f });
  });

  it('a 39-bit range (T0SZ = 25) starts at level 1; EPD0 disables the walk', () => {
    const t2 = new Tables();
    const l1 = t2.alloc(), l2 = t2.alloc(), l3 = t2.alloc();
    const va = 0x0000_0040_0060_1000n; // bit 38 set: index 256 at level 1
    t2.set(l1, idx(va, 1), l2 | TABLE);
    t2.set(l2, idx(va, 2), l3 | TABLE);
    t2.set(l3, idx(va, 3), 0x4400_0000n | PAGE | AF);
    const r39: TranslationRegs = { tcr: 25n | (2n << 30n), ttbr0: l1, ttbr1: 0n, wxn: false };
    const r = walk(va, 'read', 1, r39, t2.read);
    expect(isFault(r) ? r : r.pa).toBe(0x4400_0000n);
    expect(walk(0x0000_0080_0000_0000n, 'read', 1, r39, t2.read)).toEqual({ fault: 'translation', level: 0, fsc: 0x04 });
    expect(walk(va, 'read', 1, { ...r39, tcr: r39.tcr | (1n << 7n) }, t2.read)).toEqual({ fault: 'translation', level: 0, fsc: 0x04 });
  });

  it('DBM (bit 51) is not an address bit; an output address beyond TCR.IPS is an address size fault', () => {
    const va = 0x0000_0000_4000_0000n;
    mapPage(t, root0, va, 0x4e00_0000n, 1n << 51n);
    const r = walk(va, 'read', 1, regs, t.read);
    expect(isFault(r) ? r : r.pa).toBe(0x4e00_0000n);
    const far = 0x0000_0000_5000_0000n;
    mapPage(t, root0, far, 0x1_0000_0000n, 0n); // 4 GiB: beyond IPS = 0 (32 bits)
    expect(walk(far, 'read', 1, regs, t.read)).toEqual({ fault: 'address-size', level: 3, fsc: 0x03 });
    expect(isFault(walk(far, 'read', 1, { ...regs, tcr: regs.tcr | (1n << 32n) }, t.read))).toBe(false); // IPS 36 bits
  });

  it('a walk reaching memory that is not there: synchronous external abort on the walk', () => {
    const bad: TranslationRegs = { ...regs, ttbr0: 0x1000_0000n };
    expect(walk(0x1000n, 'read', 1, bad, t.read)).toEqual({ fault: 'external', level: 0, fsc: 0x14 });
  });
});
