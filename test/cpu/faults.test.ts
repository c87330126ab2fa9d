// Memory faults, self-modifying code and the system registers tsemu defines itself, run in
// process on a Machine. Expectations follow the architecture and what Linux reports for EL0:
// a faulting instruction stops at its own pc with the exact faulting address and leaves every
// register as it was (no writeback), and a store followed by IC IVAU makes new code visible.
// Every case runs in each tier on its own.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  GUEST_END, JCACHE_BASE, PAGE_SIZE, PERM_BASE, PERM_R, PERM_W, PERM_X, REG, SCRATCH_BASE, STATE_BASE, THREAD_SCRATCH_BASE,
} from '../../src/cpu/state.js';
import { Machine, type StopReason, type Tier } from '../../src/translate/machine.js';
import { TEST_TIERS } from '../support/snippet.js';

// Encodings (from aarch64-linux-gnu-as; tests must run without the cross tools).
const A = {
  'ldr x0, [x1]': 0xf9400020,
  'str x0, [x1]': 0xf9000020,
  'br x1': 0xd61f0020,
  'ldxr x0, [x1]': 0xc85f7c20,
  'stxr w2, x3, [x1]': 0xc8027c23,
  'ldadd x2, x0, [x1]': 0xf8220020,
  'ldar w0, [x1]': 0x88dffc20,
  'casp x2, x3, x4, x5, [x1]': 0x48227c24,
  'ldxp x2, x3, [x1]': 0xc87f0c22,
  'ldp x0, x2, [x1, #16]!': 0xa9c10820,
  'ldr x0, [x1], #8': 0xf8408420,
  'stp x0, x2, [x1, #-16]!': 0xa9bf0820,
  'ldp x0, x2, [x1]': 0xa9400820,
  'ldr q0, [x1]': 0x3dc00020,
  'strh w0, [x1]': 0x79000020,
  'stp q0, q1, [x1]': 0xad000420,
  'movz x0, #1': 0xd2800020,
  'movz x0, #42': 0xd2800540,
  'cbnz x3, .+0x20': 0xb5000103,
  'movz x3, #1': 0xd2800023,
  'str w2, [x1]': 0xb9000022,
  'dc cvau, x1': 0xd50b7b21,
  'dsb ish': 0xd5033b9f,
  'ic ivau, x1': 0xd50b7521,
  'isb': 0xd5033fdf,
  'b .-0x20': 0x17fffff8,
  'mrs x0, ctr_el0': 0xd53b0020,
  'mrs x0, dczid_el0': 0xd53b00e0,
  'mrs x0, midr_el1': 0xd5380000,
  'mrs x0, mpidr_el1': 0xd53800a0,
  'mrs x0, id_aa64isar0_el1': 0xd5380600,
  'mrs x0, id_aa64pfr0_el1': 0xd5380400,
  'mrs x0, id_aa64isar1_el1': 0xd5380620,
  'mrs x0, id_aa64mmfr0_el1': 0xd5380700,
  'mrs x0, s3_0_c0_c7_7': 0xd53807e0,
  'mrs x0, cntfrq_el0': 0xd53be000,
  'mrs x0, cntvct_el0': 0xd53be040,
  'mrs x1, cntvct_el0': 0xd53be041,
  'mrs x0, actlr_el1': 0xd5381020,
  'mrs x0, daif': 0xd53b4220,
  'msr daifset, #2': 0xd50342df,
  'msr daifclr, #2': 0xd50342ff,
  'mrs x0, currentel': 0xd5384240,
  'dc zva, x1': 0xd50b7421,
  'dc cvap, x1': 0xd50b7c21,
  'ic iallu': 0xd508751f,
  'wfi': 0xd503207f,
  'msr fpcr, x1': 0xd51b4401,
  'mrs x0, fpcr': 0xd53b4400,
  'msr tpidrro_el0, x0': 0xd51bd060,
  'mrs x0, id_pfr0_el1': 0xd5380100,
  'msr ctr_el0, x0': 0xd51b0020,
  'brk #0': 0xd4200000,
} as const;
type Asm = keyof typeof A;

const CODE = 0x400000;
/** Two read-write pages, then a hole, a read-only page, a hole, and a read-write page that is
 *  not executable. */
const DATA = 0x500000;
const HOLE = 0x502000;
const RO = 0x503000;
const UNMAPPED = 0x504000;
const NX = 0x505000;

// Each tier on its own (the first tier never compiles, the wasm tier always does).
describe.each(TEST_TIERS)('%s tier', (tier) => {
  const machines = new Map<Tier, Machine>();
  let m: Machine;

  beforeEach(() => {
    m = machines.get(tier) ?? new Machine({ tier });
    machines.set(tier, m);
    m.translator.flush();
    m.cpu.fpcr = 0;
    m.setFpcrMode(0);
    m.cpu.clearExclusive();
    m.mem.map(CODE, 0x1000, PERM_R | PERM_W | PERM_X, 'code');
    m.mem.map(DATA, 0x2000, PERM_R | PERM_W, 'data');
    m.mem.map(RO, 0x1000, PERM_R, 'ro');
    m.mem.map(NX, 0x1000, PERM_R | PERM_W, 'nx');
    m.mem.u8.fill(0xa5, RO, RO + 0x1000);
    for (let i = 0; i < 0x2000; i++) m.mem.u8[DATA + i] = (i * 7 + 3) & 0xff;
  });

  /** Run `code` (then brk #0) at CODE with x registers set; returns the stop and all x registers. */
  function run(code: Asm[], x: Record<number, bigint | number> = {}): { stop: StopReason; regs: bigint[] } {
    const words = [...code.map((s) => A[s]), A['brk #0']];
    m.translator.flush();
    words.forEach((w, i) => m.mem.dv.setUint32(CODE + i * 4, w, true));
    for (let i = 0; i < 31; i++) m.cpu.setX(i, 0x1111n * BigInt(i + 1));
    for (const [k, v] of Object.entries(x)) m.cpu.setX(Number(k), BigInt(v));
    m.cpu.setX(31, BigInt(DATA + 0x1000));
    m.cpu.pc = CODE;
    const stop = m.run();
    return { stop, regs: Array.from({ length: 32 }, (_, i) => m.cpu.x(i)) };
  }

  function registersBefore(x: Record<number, bigint | number>): bigint[] {
    const r = Array.from({ length: 32 }, (_, i) => 0x1111n * BigInt(i + 1));
    for (const [k, v] of Object.entries(x)) r[Number(k)] = BigInt(v);
    r[31] = BigInt(DATA + 0x1000);
    return r;
  }

  /** A single faulting instruction at CODE: stop reason and untouched registers. */
  function expectFault(insn: Asm, x: Record<number, bigint | number>, access: string, addr: number | bigint): void {
    const { stop, regs } = run([insn], x);
    expect(stop).toMatchObject({ kind: 'fault', access, pc: CODE, addr: BigInt(addr) });
    expect(m.cpu.pc).toBe(CODE);
    expect(regs).toEqual(registersBefore(x));
  }

  describe('memory faults', () => {
    it('load from an unmapped page', () => {
      expectFault('ldr x0, [x1]', { 1: UNMAPPED + 0x10 }, 'read', UNMAPPED + 0x10);
    });

    it('store to a read-only page leaves memory unchanged', () => {
      expectFault('str x0, [x1]', { 1: RO + 8 }, 'write', RO + 8);
      expect(m.mem.u8[RO + 8]).toBe(0xa5);
      expectFault('strh w0, [x1]', { 1: RO + 0xffe }, 'write', RO + 0xffe);
    });

    it('loads below mmap_min_addr fault', () => {
      expectFault('ldr x0, [x1]', { 1: 0 }, 'read', 0);
      expectFault('ldr x0, [x1]', { 1: 0x1000 }, 'read', 0x1000);
    });

    // tsemu's own data shares the window with the guest (above GUEST_END); to guest code it must
    // look like any unmapped page: a precise fault, and the data left as it was.
    it("loads from tsemu's data fault as unmapped: CPU state, permission table, jump cache", () => {
      for (const at of [STATE_BASE + REG.pc, STATE_BASE + REG.x(1), PERM_BASE + (DATA >> 12), JCACHE_BASE, SCRATCH_BASE, THREAD_SCRATCH_BASE, GUEST_END]) {
        const { stop, regs } = run(['ldr x0, [x1]'], { 1: at });
        expect(stop).toMatchObject({ kind: 'fault', access: 'read', pc: CODE, addr: BigInt(at), mapped: false });
        expect(regs).toEqual(registersBefore({ 1: at }));
      }
    });

    it("stores to tsemu's data fault and change nothing", () => {
      const permOfData = PERM_BASE + (DATA >> 12);
      const before = m.mem.u8[permOfData];
      expectFault('str x0, [x1]', { 0: 0xffffffffffffffffn, 1: permOfData }, 'write', permOfData);
      expect(m.mem.u8[permOfData]).toBe(before);
      // The saved pc: a store there would redirect the run loop if it went through.
      expectFault('str x0, [x1]', { 0: 0x1234, 1: STATE_BASE + REG.pc }, 'write', STATE_BASE + REG.pc);
      expectFault('stp x0, x2, [x1, #-16]!', { 1: JCACHE_BASE + 16 }, 'write', JCACHE_BASE);
      expect(m.mem.perms.subarray(GUEST_END / PAGE_SIZE).every((p) => p === 0)).toBe(true);
    });

    it("an access running from the guest's top page into tsemu's data faults at GUEST_END", () => {
      const top = GUEST_END - PAGE_SIZE;
      m.mem.map(top, PAGE_SIZE, PERM_R | PERM_W, 'top');
      try {
        m.mem.dv.setBigUint64(top + 8, 0x1122334455667788n, true);
        const { stop, regs } = run(['ldr x0, [x1]'], { 1: top + 8 });
        expect(stop.kind).toBe('breakpoint');
        expect(regs[0]).toBe(0x1122334455667788n);
        expectFault('ldr x0, [x1]', { 1: GUEST_END - 4 }, 'read', GUEST_END);
        expectFault('str x0, [x1]', { 0: 0xffffffffffffffffn, 1: GUEST_END - 4 }, 'write', GUEST_END);
        expect(m.mem.u8.subarray(GUEST_END - 4, GUEST_END).every((b) => b === 0)).toBe(true);
      } finally {
        m.mem.unmap(top, PAGE_SIZE);
      }
    });

    it("a jump into tsemu's data is an exec fault on an unmapped page", () => {
      for (const at of [STATE_BASE, JCACHE_BASE]) {
        const { stop } = run(['br x1'], { 1: at });
        expect(stop).toMatchObject({ kind: 'fault', access: 'exec', addr: BigInt(at), pc: at, mapped: false });
      }
    });

    it("tsemu's data can never be mapped for the guest", () => {
      expect(() => m.mem.map(GUEST_END - PAGE_SIZE, 2 * PAGE_SIZE, PERM_R)).toThrow(/outside the guest/);
      expect(() => m.mem.map(STATE_BASE, PAGE_SIZE, PERM_R | PERM_W)).toThrow(/outside the guest/);
      expect(() => m.mem.map(0, PAGE_SIZE, PERM_R)).toThrow(/outside the guest/);
      expect(m.mem.perms[STATE_BASE / PAGE_SIZE]).toBe(0);
    });


    it('jump to a non-executable page', () => {
      const { stop, regs } = run(['br x1'], { 1: NX + 0x40 });
      expect(stop).toMatchObject({ kind: 'fault', access: 'exec', addr: BigInt(NX + 0x40), pc: NX + 0x40 });
      expect(regs).toEqual(registersBefore({ 1: NX + 0x40 }));
    });

    it('jump to an unmapped page', () => {
      const { stop } = run(['br x1'], { 1: UNMAPPED });
      expect(stop).toMatchObject({ kind: 'fault', access: 'exec', addr: BigInt(UNMAPPED), mapped: false });
    });

    it('misaligned exclusives, acquires and atomics raise an alignment fault', () => {
      expectFault('ldxr x0, [x1]', { 1: DATA + 4 }, 'align', DATA + 4);
      expectFault('stxr w2, x3, [x1]', { 1: DATA + 1 }, 'align', DATA + 1);
      expectFault('ldxp x2, x3, [x1]', { 1: DATA + 8 }, 'align', DATA + 8);
      expectFault('ldar w0, [x1]', { 1: DATA + 2 }, 'align', DATA + 2);
      expectFault('ldadd x2, x0, [x1]', { 1: DATA + 12 }, 'align', DATA + 12);
      expectFault('casp x2, x3, x4, x5, [x1]', { 1: DATA + 8 }, 'align', DATA + 8);
    });

    it('an address at or above 4 GiB (bits 55:32 set) faults with the full address', () => {
      expectFault('ldr x0, [x1]', { 1: 0x1_0050_0000n }, 'read', 0x1_0050_0000n);
      expectFault('str x0, [x1]', { 1: 0x00ff_0000_0050_0000n }, 'write', 0x00ff_0000_0050_0000n);
    });

    it('the top byte of a data address is ignored, as Linux does', () => {
      const { stop, regs } = run(['ldr x0, [x1]'], { 1: 0xb400_0000_0050_0000n });
      expect(stop.kind).toBe('breakpoint');
      expect(regs[0]).toBe(m.mem.dv.getBigUint64(DATA, true));
    });

    it('a load with writeback that faults writes nothing back', () => {
      expectFault('ldp x0, x2, [x1, #16]!', { 1: UNMAPPED - 16 }, 'read', UNMAPPED);
      expectFault('ldr x0, [x1], #8', { 1: UNMAPPED + 8 }, 'read', UNMAPPED + 8);
    });

    it('a store with writeback that faults writes nothing back', () => {
      expectFault('stp x0, x2, [x1, #-16]!', { 1: RO + 32 }, 'write', RO + 16);
      expect(m.mem.u8.subarray(RO + 16, RO + 32).every((b) => b === 0xa5)).toBe(true);
    });

    // The fault address of an access that starts on a mapped page and runs into an unmapped one is
    // the first byte on the unmapped page (what Linux and qemu-aarch64 report). The region emitter
    // reports the start of the access instead; see the report to the lead.
    it('an access crossing into an unmapped page reports the first unmapped byte', () => {
      expectFault('ldr x0, [x1]', { 1: HOLE - 4 }, 'read', HOLE);
      expectFault('ldp x0, x2, [x1]', { 1: HOLE - 8 }, 'read', HOLE);
      expectFault('ldr q0, [x1]', { 1: HOLE - 1 }, 'read', HOLE);
    });

    it('an access crossing into an unmapped page faults and changes no register', () => {
      for (const [insn, at] of [['ldr x0, [x1]', HOLE - 4], ['ldp x0, x2, [x1]', HOLE - 8], ['ldr q0, [x1]', HOLE - 1]] as const) {
        const { stop, regs } = run([insn], { 1: at });
        expect(stop).toMatchObject({ kind: 'fault', access: 'read', pc: CODE });
        expect(regs).toEqual(registersBefore({ 1: at }));
        expect(m.cpu.v(0)).toEqual([0n, 0n]);
      }
    });

    it('a store crossing into a read-only page faults', () => {
      const { stop } = run(['stp q0, q1, [x1]'], { 1: RO - 16 });
      expect(stop).toMatchObject({ kind: 'fault', access: 'write', pc: CODE });
    });
  });

  describe('self-modifying code', () => {
    it('a store to translated code, then IC IVAU, runs the new instruction', () => {
      // 0x00 movz x0, #1 (replaced by movz x0, #42 on the first pass); 0x04 cbnz x3 → 0x24 (brk)
      const { stop, regs } = run([
        'movz x0, #1', 'cbnz x3, .+0x20', 'movz x3, #1', 'str w2, [x1]', 'dc cvau, x1', 'dsb ish', 'ic ivau, x1', 'isb',
        'b .-0x20',
      ], { 1: CODE, 2: A['movz x0, #42'], 3: 0 });
      expect(stop).toMatchObject({ kind: 'breakpoint', pc: CODE + 0x24 });
      expect(regs[0]).toBe(42n);
      expect(m.mem.dv.getUint32(CODE, true)).toBe(A['movz x0, #42']);
    });
  });

  describe('system registers and instructions', () => {
    const mrs = (insn: Asm, x: Record<number, bigint | number> = {}) => {
      const { stop, regs } = run([insn], x);
      expect(stop.kind).toBe('breakpoint');
      return regs[0];
    };

    it('identification registers describe the advertised CPU', () => {
      expect(mrs('mrs x0, ctr_el0')).toBe(0x8444c004n); // DIC = IDC = 0
      expect(mrs('mrs x0, dczid_el0')).toBe(4n);
      expect(mrs('mrs x0, midr_el1')).toBe(0x410fd083n);
      expect(mrs('mrs x0, mpidr_el1')).toBe(0x80000000n);
      // AES+PMULL, SHA1, SHA2, CRC32, LSE atomics, RDM, DotProd: exactly what AT_HWCAP advertises
      expect(mrs('mrs x0, id_aa64isar0_el1')).toBe(0x100010211120n);
      expect(mrs('mrs x0, id_aa64pfr0_el1')).toBe(0x11n);
      expect(mrs('mrs x0, id_aa64isar1_el1')).toBe(0n);
      expect(mrs('mrs x0, id_aa64mmfr0_el1')).toBe(0xff000000n);
      expect(mrs('mrs x0, s3_0_c0_c7_7')).toBe(0n);
      expect(mrs('mrs x0, cntfrq_el0')).toBe(1_000_000_000n);
    });

    it('CNTVCT_EL0 counts up', () => {
      const { stop, regs } = run(['mrs x0, cntvct_el0', 'mrs x1, cntvct_el0']);
      expect(stop.kind).toBe('breakpoint');
      expect(regs[0]).toBeGreaterThan(0n);
      expect(regs[1]).toBeGreaterThanOrEqual(regs[0]);
      expect(mrs('mrs x0, cntvct_el0')).toBeGreaterThanOrEqual(regs[1]);
    });

    it('registers and operations EL0 may not use are SIGILL', () => {
      for (const insn of ['mrs x0, actlr_el1', 'mrs x0, daif', 'msr daifset, #2', 'msr daifclr, #2', 'mrs x0, currentel',
        'ic iallu', 'dc cvap, x1', 'msr tpidrro_el0, x0', 'mrs x0, id_pfr0_el1', 'msr ctr_el0, x0'] as Asm[]) {
        const { stop, regs } = run([insn], { 1: DATA });
        expect(stop, insn).toEqual({ kind: 'undefined', pc: CODE });
        expect(regs).toEqual(registersBefore({ 1: DATA }));
      }
    });

    it('WFI is a no-op at EL0', () => {
      expect(run(['wfi']).stop.kind).toBe('breakpoint');
    });

    it('DC ZVA zeroes the aligned 64-byte block holding Xt', () => {
      const { stop } = run(['dc zva, x1'], { 1: DATA + 0x75 });
      expect(stop.kind).toBe('breakpoint');
      const u8 = m.mem.u8;
      expect(u8[DATA + 0x3f]).toBe((0x3f * 7 + 3) & 0xff);
      expect(u8.subarray(DATA + 0x40, DATA + 0x80).every((b) => b === 0)).toBe(true);
      expect(u8[DATA + 0x80]).toBe((0x80 * 7 + 3) & 0xff);
    });

    it('DC ZVA is a store: on a read-only page it faults at Xt', () => {
      expectFault('dc zva, x1', { 1: RO + 0x123 }, 'write', RO + 0x123);
      expect(m.mem.u8.subarray(RO + 0x100, RO + 0x140).every((b) => b === 0xa5)).toBe(true);
      expectFault('dc zva, x1', { 1: UNMAPPED + 0x7 }, 'write', UNMAPPED + 0x7);
    });

    it('MSR FPCR changes the translation mode and keeps only implemented bits', () => {
      const { regs } = run(['msr fpcr, x1', 'mrs x0, fpcr'], { 1: 0xffffffffn });
      expect(regs[0]).toBe(0x07c80000n);
      expect(m.cpu.fpcr).toBe(0x07c80000);
    });
  });
});
