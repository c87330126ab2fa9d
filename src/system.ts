// The full-system run loop (tsemu-system -M virt): one CPU at EL1 on the same translator as
// user mode. Generated code runs until something needs this loop; here an SVC, HVC, BRK, an
// undefined instruction or a fault becomes an exception taken to EL1 (or PSCI for HVC), a
// system-register access is performed (cpu/el1-sysregs.ts), a device access is replayed on
// the device bus, WFI sleeps until the next timer deadline, and between runs the GIC's IRQ
// line is looked at. Knows nothing of Linux beyond the boot protocol.
import * as fs from 'node:fs';
import { EC, El1, Unsupported, VECTOR_IRQ } from './cpu/el1.js';
import { performSystemInsn, type SysContext, type TranslationScope } from './cpu/el1-sysregs.js';
import { Trap } from './cpu/emitter.js';
import { counterNow } from './cpu/generic-timer.js';
import { SoftMmu } from './cpu/soft-mmu.js';
import { SYSTEM_INSN } from './translate/eval-emitter.js';
import { Machine, type StopReason } from './translate/machine.js';
import { BootError, layout, parseImage, readInput } from './system/boot.js';
import { buildFdt } from './system/fdt.js';
import { psciCall } from './system/psci.js';
import { SerialInput } from './system/serial-input.js';
import { VIRT, VirtBoard } from './system/virt.js';
import { VirtioBlk } from './system/virtio-blk.js';

export { BootError, Unsupported };

export interface SystemOptions {
  kernel: string;
  initrd?: string;
  append?: string;
  /** A device tree blob to pass instead of the generated one (used as is). */
  dtb?: string;
  ramSize: number;
  /** Disk images as virtio-blk devices on virtio-mmio transports, the first one Linux's vda.
   *  `option` is how the command line named it, for errors ("-drive file=disk.img"). */
  disks?: { file: string; option: string; readOnly?: boolean; serial?: string }[];
  /** Serial output (the PL011's transmitted bytes). */
  serial: (bytes: Uint8Array) => void;
  /** Serial input: a host file descriptor (stdin for -nographic), or null for none. Ctrl-A x
   *  in it ends the run (exit status 0), Ctrl-A Ctrl-A sends one Ctrl-A, as qemu's -nographic. */
  serialIn?: number | null;
  /** -d items: in_asm, int (exceptions and interrupts), unimp, stats (at the end: guest
   *  instructions run, and per second; counted by the first tier, which runs everything once
   *  the MMU is on: before that, hot code runs uncounted in wasm unless TSEMU_TIER=eval). */
  log?: { inAsm?: (pc: number, text: string) => void; int?: (line: string) => void; unimp?: (line: string) => void; stats?: (line: string) => void };
}

/** Blocks between looks at the timer and the GIC: about 0.1-1 ms of guest time. */
const BUDGET = 1 << 14;
/** Longest single sleep in WFI (the loop looks again after it). */
const MAX_SLEEP_MS = 1000;

/** Boot the kernel and run until PSCI SYSTEM_OFF (or SYSTEM_RESET); returns the exit status. */
export function runSystem(opts: SystemOptions): number {
  const machine = new Machine({ system: true, budget: BUDGET, trace: opts.log?.inAsm });
  const cpu = machine.cpu;
  const serial = new SerialBuffer(opts.serial);
  const disks: VirtioBlk[] = [];
  try {
    for (const d of opts.disks ?? []) disks.push(new VirtioBlk(d.file, d.option, { readOnly: d.readOnly, serial: d.serial }));
  } catch (e) {
    for (const d of disks) d.close();
    throw e;
  }
  const board = new VirtBoard(machine.mem, opts.ramSize, (b) => serial.put(b), disks);
  boot(machine, board, opts);

  const el1 = new El1(cpu);
  const gic = board.gic;
  const mmu = new SoftMmu(el1, machine.mem);
  let mmuOn = false;
  const started = performance.now();
  let idleMs = 0, flushes = 0, lowerFlushes = 0;
  /** Translation changes of any scope, TLBIs by address included (systemInsn looks at it). */
  let translationChanges = 0;
  /** A register the translation depends on changed, or a TLBI ran: drop the TLB entries and
   *  the translations of guest code (keyed by virtual address) in `scope`, and switch strategy
   *  when the MMU was turned on or off. A context switch drops only the lower half's. */
  const translationChanged = (scope: TranslationScope = 'all') => {
    translationChanges++;
    if (scope === 'lower' && mmuOn && mmu.enabled && mmu.flushLower()) {
      lowerFlushes++;
      machine.translator.invalidateLowerHalf();
      return;
    }
    mmu.flush();
    mmuOn = mmu.enabled;
    flushes++;
    logInt?.(`mmu: translation changed (MMU ${mmuOn ? 'on' : 'off'})`);
    machine.setTranslation(mmuOn ? mmu : null, board.bus);
  };
  /** TLBI by address: that page's TLB entry and the code translated from that virtual page. */
  const translationPageChanged = (va: bigint) => {
    translationChanges++;
    mmu.flushPage(va);
    if (mmuOn) machine.translator.invalidateVirtualPage(Math.floor(Number(BigInt.asIntN(64, va)) / 4096));
  };
  const ctx: SysContext = {
    el1, cpu, irqLine: () => gic.irqLine(), unimp: opts.log?.unimp, translationChanged, translationPageChanged,
    addressTranslate: (va, el, write) => (mmuOn ? mmu.addressTranslate(va, el, write) : undefined),
  };
  const logInt = opts.log?.int;
  if (logInt) for (const t of board.virtio) t.log = logInt;
  board.connectTimer(el1.timer);
  const irqDue = () => !el1.irqMasked && gic.irqLine();
  // System-register accesses and PSTATE writes inside first-tier blocks (a boot makes ~3
  // million: local_irq_save and restore, `current` in SP_EL0, per-CPU data in TPIDR_EL1) are
  // performed in place rather than each leaving the block for this loop; the block ends when
  // the loop must look again: a deliverable interrupt, a new translation, another stack
  // pointer. Not with -d unimp, which would log an unknown register twice.
  if (!opts.log?.unimp) {
    machine.translator.systemInsn = (bits) => {
      const changes = translationChanges, spsel = el1.spsel;
      if (performSystemInsn(ctx, bits) !== 'done') return SYSTEM_INSN.NOT_DONE;
      return changes !== translationChanges || spsel !== el1.spsel || irqDue() ? SYSTEM_INSN.LEAVE : SYSTEM_INSN.DONE;
    };
  }
  const input = new SerialInput(opts.serialIn ?? null);
  let escape = false;
  let quit = false;
  /** Move host input into the UART while it has room. */
  const pumpInput = () => {
    while (input.available() > 0 && board.uart.canReceive()) {
      const b = input.take();
      if (escape) {
        escape = false;
        if (b === 0x78) { quit = true; return; } // Ctrl-A x
        if (b !== 0x01) continue; // other escapes: nothing yet
      } else if (b === 0x01) {
        escape = true;
        continue;
      }
      board.uart.receive(b);
    }
  };
  machine.interruptCheck = () => {
    pumpInput();
    return quit || irqDue();
  };
  let lastVector = -1;
  const sync = (ec: number, iss: number, ret: number, far?: bigint) => {
    logInt?.(`exception: EC 0x${ec.toString(16)} ISS 0x${iss.toString(16)} at pc 0x${u64(ret).toString(16)} (EL${el1.el})${far !== undefined ? ` FAR 0x${far.toString(16)}` : ''}`);
    // An abort fetching the very vector it was sent to would repeat for ever (as it does on
    // hardware): say so instead.
    if ((ec === EC.instAbortSame || ec === EC.pcAlign) && ret === lastVector) {
      throw new Unsupported(`the guest's exception vector at 0x${u64(ret).toString(16)} cannot be fetched (VBAR_EL1 = 0x${el1.vbar.toString(16)}), after an exception with ESR_EL1 = 0x${el1.esr.toString(16)} from ELR_EL1 = 0x${el1.elr.toString(16)}; -d int logs them`);
    }
    el1.takeSync(ec, iss, ret, far);
    lastVector = cpu.pc;
  };
  const undefinedInsn = (pc: number) => sync(EC.unknown, 0, pc);
  /** WFI: return once an interrupt is pending at the CPU (masked or not), sleeping until the
   *  next timer deadline or serial input meanwhile. */
  const waitForInterrupt = () => {
    serial.flush();
    const from = performance.now();
    try {
      waitLoop();
    } finally {
      idleMs += performance.now() - from;
    }
  };
  const waitLoop = () => {
    for (;;) {
      const token = input.wakeToken();
      pumpInput();
      if (quit) return;
      if (gic.irqLine()) return;
      const deadline = el1.timer.nextDeadline();
      const now = counterNow();
      const timer = deadline !== null && deadline > now;
      if (!timer && input.ended) {
        throw new Unsupported('the guest waits in WFI for an interrupt that cannot come (no timer armed that the GIC would signal, no more serial input)');
      }
      input.sleep(token, timer ? Math.min(Number(deadline! - now) / 1e6, MAX_SLEEP_MS) : MAX_SLEEP_MS);
    }
  };

  /** Handle one stop; an exit status when the machine powers off. */
  const handle = (stop: StopReason): number | null => {
    switch (stop.kind) {
      case 'interrupt': return null;
      case 'wfi': waitForInterrupt(); return null;
      case 'svc': sync(EC.svc, stop.imm, cpu.pc); return null; // pc is the next instruction
      case 'breakpoint': sync(EC.brk, stop.imm, stop.pc); return null;
      case 'undefined': undefinedInsn(stop.pc); return null;
      case 'fault': {
        // With the MMU off a device access leaves translated code as a fault and is replayed
        // here; with it on the first tier reaches devices itself (mmu-emitter.ts).
        if (!mmuOn && stop.access !== 'exec' && stop.addr < 2n ** 32n && board.bus.claims(Number(stop.addr))) {
          const next = machine.stepIo(board.bus);
          return next ? handle(next) : null;
        }
        return abort(stop);
      }
      case 'system': return systemInsn(stop);
    }
  };

  const abort = (stop: Extract<StopReason, { kind: 'fault' }>): null => {
    const lower = el1.el === 0;
    const f = mmu.lastFault;
    if (mmuOn && f) { // stage-1 translation refused it: FAR is the virtual address
      mmu.lastFault = null;
      if (f.access === 'exec') sync(lower ? EC.instAbortLower : EC.instAbortSame, f.fsc, stop.pc, f.va);
      else sync(lower ? EC.dataAbortLower : EC.dataAbortSame, f.fsc | (f.access === 'write' ? 1 << 6 : 0), stop.pc, f.va);
      return null;
    }
    if (mmuOn && stop.access !== 'exec' && stop.access !== 'align') stop = { ...stop, addr: mmu.lastVa };
    if (stop.access === 'exec') {
      if (stop.pc % 4 !== 0) sync(EC.pcAlign, 0, stop.pc, u64(stop.pc));
      else sync(lower ? EC.instAbortLower : EC.instAbortSame, 0x10, stop.pc, u64(stop.pc)); // external abort
      return null;
    }
    // Alignment fault (0x21), or a synchronous external abort (0x10): nothing answers at that
    // physical address (the MMU is off). WnR (bit 6) for writes.
    const dfsc = stop.access === 'align' ? 0x21 : 0x10;
    const wnr = stop.access === 'write' ? 1 << 6 : 0;
    sync(lower ? EC.dataAbortLower : EC.dataAbortSame, dfsc | wnr, stop.pc, stop.addr);
    return null;
  };

  const systemInsn = (stop: Extract<StopReason, { kind: 'system' }>): number | null => {
    switch (stop.trap) {
      case Trap.Hypervisor: {
        if (el1.el === 0) return undefinedInsn(stop.pc), null;
        // Every HVC is a PSCI call here (QEMU's virt with psci-conduit=hvc and no EL2).
        const r = psciCall((n) => cpu.x(n));
        logInt?.(`psci: function 0x${cpu.x(0).toString(16)} -> ${r.kind === 'return' ? `0x${r.x0.toString(16)}` : r.kind}`);
        if (r.kind === 'off' || r.kind === 'reset') {
          serial.flush();
          return 0;
        }
        cpu.setX(0, r.x0);
        cpu.pc = stop.pc + 4;
        return null;
      }
      case Trap.SystemRegister:
        if (performSystemInsn(ctx, stop.imm) === 'done') cpu.pc = stop.pc + 4;
        else undefinedInsn(stop.pc);
        return null;
      case Trap.ExceptionReturn:
        if (el1.el === 0) return undefinedInsn(stop.pc), null;
        el1.eret();
        return null;
      default: // SMC: no EL3
        undefinedInsn(stop.pc);
        return null;
    }
  };

  try {
    for (;;) {
      const status = handle(machine.run());
      if (status !== null) return status;
      pumpInput();
      if (quit) return 0;
      if (irqDue()) {
        logInt?.(`interrupt: IRQ at pc 0x${u64(cpu.pc).toString(16)}`);
        el1.takeException(VECTOR_IRQ, cpu.pc);
      }
    }
  } finally {
    serial.flush();
    input.close();
    for (const d of disks) d.close();
    if (opts.log?.stats) {
      const wall = (performance.now() - started) / 1000, busy = wall - idleMs / 1000;
      const n = machine.firstTierInsns;
      opts.log.stats(`stats: ${n} guest instructions in ${wall.toFixed(1)} s (${busy.toFixed(1)} s not idle in WFI): ` +
        `${(n / wall / 1e6).toFixed(2)} M/s, ${(n / busy / 1e6).toFixed(2)} M/s when not idle; ${flushes} translation flushes, ${lowerFlushes} of the lower half`);
    }
  }
}

/** Place the kernel, initrd and device tree in RAM and set the CPU up as booting.rst asks. */
function boot(machine: Machine, board: VirtBoard, opts: SystemOptions): void {
  const image = parseImage(opts.kernel, readInput('-kernel', opts.kernel));
  const initrd = opts.initrd !== undefined ? readInput('-initrd', opts.initrd) : null;
  const given = opts.dtb !== undefined ? readInput('-dtb', opts.dtb) : null;
  if (given && !(given.length >= 40 && new DataView(given.buffer, given.byteOffset).getUint32(0) === 0xd00dfeed)) {
    throw new BootError(`-dtb ${opts.dtb}: not a device tree blob (no 0xd00dfeed magic); compile a .dts with dtc -O dtb`);
  }
  // The DTB's size depends on the initrd's place only through fixed-size cells: size it first.
  const sizing = given ?? buildFdt(board.deviceTree({ bootargs: opts.append, initrd: initrd ? { start: 0, end: 0 } : undefined }));
  const where = layout(VIRT.ram.base, board.ramSize, image, initrd?.length ?? null, sizing.length);
  const dtb = given ?? buildFdt(board.deviceTree({ bootargs: opts.append, initrd: where.initrd }));
  if (dtb.length > 2 * 2 ** 20) throw new BootError(`-dtb ${opts.dtb}: larger than the 2 MiB booting.rst allows`);
  const mem = machine.mem;
  const put = (addr: number, bytes: Uint8Array) => {
    mem.u8.set(bytes, addr);
    mem.markDirty(addr, addr + bytes.length);
  };
  put(where.kernel, image.bytes);
  if (initrd && where.initrd) put(where.initrd.start, initrd);
  put(where.dtb, dtb);
  const cpu = machine.cpu;
  for (let i = 0; i < 31; i++) cpu.setX(i, 0);
  cpu.setX(0, where.dtb);
  cpu.pc = where.kernel;
}

/** The serial port's output, written in lines (or when the guest waits or stops). */
class SerialBuffer {
  private buf = new Uint8Array(4096);
  private n = 0;
  constructor(private readonly out: (bytes: Uint8Array) => void) {}
  put(b: number): void {
    this.buf[this.n++] = b;
    if (b === 10 || this.n === this.buf.length) this.flush();
  }
  flush(): void {
    if (this.n) this.out(this.buf.slice(0, this.n));
    this.n = 0;
  }
}

/** A pc (a signed JS number, see CpuState.pc) as the unsigned 64-bit address. */
const u64 = (pc: number): bigint => BigInt.asUintN(64, BigInt(pc));

/** Write serial output to a file descriptor (stdout for -nographic). */
export const serialTo = (fd: number) => (bytes: Uint8Array) => { fs.writeSync(fd, bytes); };
