// Signal delivery against arm64 Linux's definitions: the rt_sigframe layout
// (arch/arm64/include/uapi/asm/sigcontext.h, ucontext.h; arch/arm64/kernel/signal.c), the
// registers a handler starts with, what rt_sigreturn restores and when it refuses a frame,
// sigaltstack's rules, and the siginfo of forced exceptions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PERM_R, PERM_X } from '../../src/cpu/state.js';
import { GuestKilled } from '../../src/syscalls/kernel.js';
import { forceSignal } from '../../src/syscalls/signal/signals.js';
import { BUF, BUF_SIZE, E, makeGuest, thrown, type Guest } from './harness.js';

const SIGUSR1 = 10, SIGUSR2 = 12, SIGSEGV = 11, SIGILL = 4;
const SA_SIGINFO = 4n, SA_RESTORER = 0x04000000n, SA_ONSTACK = 0x08000000n, SA_RESETHAND = 0x80000000n;
const HANDLER = 0x401000n, RESTORER = 0x402000n;
const ACT = BUF + 0x100, SET = BUF + 0x200, STACK_TOP = BUF + BUF_SIZE - 0x100;
const FRAME_SIZE = 4688;

let g: Guest;
beforeEach(() => { g = makeGuest(); });
afterEach(() => {
  expect(g.internal).toEqual([]);
  g.cleanup();
});

function sigaction(sig: number, handler: bigint, flags: bigint, mask = 0n): void {
  [handler, flags, RESTORER, mask].forEach((v, i) => g.mem.dv.setBigUint64(ACT + i * 8, v, true));
  expect(g.call('rt_sigaction', sig, ACT, 0, 8)).toBe(0);
}

/** Distinct values in every register, so the frame shows which went where. */
function fillRegisters(): void {
  for (let i = 0; i < 31; i++) g.cpu.setX(i, 0x1000n + BigInt(i));
  g.cpu.sp = BigInt(STACK_TOP);
  g.cpu.pc = 0x400100;
  g.cpu.nzcv = 0x60000000;
  g.cpu.fpcr = 0x00c00000; // RMode = 3
  g.cpu.fpsr = 0x08000001; // QC, IOC
  for (let i = 0; i < 32; i++) g.cpu.setV(i, 0x1111n * BigInt(i + 1), 0x2222n * BigInt(i + 1));
}

/** Make a syscall without overwriting the registers fillRegisters chose (x0-x5 and x8 excepted). */
function kill(sig: number): number {
  return g.call('kill', process.pid, sig);
}

describe('the rt_sigframe', () => {
  it('is laid out as arm64 Linux builds it, and the handler starts as Linux starts it', () => {
    sigaction(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER, 1n << BigInt(SIGUSR2 - 1));
    fillRegisters();
    const before = Array.from({ length: 31 }, (_, i) => g.cpu.x(i));
    const pc = g.cpu.pc;
    expect(kill(SIGUSR1)).toBe(SIGUSR1); // x0 is the handler's first argument by then

    const record = STACK_TOP - 16; // STACK_TOP is 16-aligned: the frame record sits just below
    const frame = record - FRAME_SIZE;
    const cpu = g.cpu;
    expect(cpu.pc).toBe(Number(HANDLER));
    expect(cpu.x(0)).toBe(BigInt(SIGUSR1));
    expect(cpu.x(1)).toBe(BigInt(frame)); // &frame->info
    expect(cpu.x(2)).toBe(BigInt(frame + 128)); // &frame->uc
    expect(cpu.sp).toBe(BigInt(frame));
    expect(cpu.x(29)).toBe(BigInt(record));
    expect(cpu.x(30)).toBe(RESTORER);
    // The frame record holds the interrupted x29 and x30.
    expect([g.u64(record), g.u64(record + 8)]).toEqual([before[29], before[30]]);

    // siginfo: si_signo, si_errno, si_code (SI_USER), si_pid, si_uid.
    expect(g.mem.dv.getInt32(frame, true)).toBe(SIGUSR1);
    expect(g.mem.dv.getInt32(frame + 8, true)).toBe(0);
    expect(g.mem.dv.getInt32(frame + 16, true)).toBe(process.pid);
    expect(g.mem.dv.getUint32(frame + 20, true)).toBe(process.getuid!());
    // ucontext: uc_flags, uc_link, uc_stack (disabled), uc_sigmask (the mask before delivery).
    const uc = frame + 128;
    expect(g.u64(uc)).toBe(0n);
    expect(g.u64(uc + 8)).toBe(0n);
    expect(g.mem.dv.getInt32(uc + 16 + 8, true)).toBe(2); // SS_DISABLE
    expect(g.u64(uc + 40)).toBe(0n);
    // sigcontext at uc + 176: fault_address, regs[31], sp, pc, pstate.
    const sc = uc + 176;
    expect(g.u64(sc)).toBe(0n);
    // As on Linux, the frame saves the registers as the system call left them: x0 its result
    // (0, where the pid was), x1-x5 and x8 the other arguments and the number the call placed.
    for (let i = 6; i < 31; i++) if (i !== 8) expect(g.u64(sc + 8 + i * 8)).toBe(before[i]);
    expect([0, 1, 2, 3, 8].map((i) => g.u64(sc + 8 + i * 8))).toEqual([0n, BigInt(SIGUSR1), 0n, 0n, 129n]);
    expect(g.u64(sc + 256)).toBe(BigInt(STACK_TOP));
    expect(g.u64(sc + 264)).toBe(BigInt(pc));
    expect(g.u64(sc + 272)).toBe(0x60000000n);
    // __reserved at sc + 288: fpsimd_context { magic, size, fpsr, fpcr, vregs[32] }, then a
    // terminating empty record.
    const fp = sc + 288;
    expect(g.mem.dv.getUint32(fp, true)).toBe(0x46508001);
    expect(g.mem.dv.getUint32(fp + 4, true)).toBe(528);
    expect(g.mem.dv.getUint32(fp + 8, true)).toBe(0x08000001);
    expect(g.mem.dv.getUint32(fp + 12, true)).toBe(0x00c00000);
    expect([g.u64(fp + 16 + 5 * 16), g.u64(fp + 24 + 5 * 16)]).toEqual([0x1111n * 6n, 0x2222n * 6n]);
    expect(g.u64(fp + 528)).toBe(0n);
    // While the handler runs: its sa_mask and the signal itself are blocked.
    expect(g.call('rt_sigprocmask', 0, 0, SET, 8)).toBe(0);
    expect(g.u64(SET)).toBe((1n << BigInt(SIGUSR1 - 1)) | (1n << BigInt(SIGUSR2 - 1)));
  });

  it('is read back by rt_sigreturn, with the changes a handler made', () => {
    sigaction(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER);
    fillRegisters();
    kill(SIGUSR1);
    const frame = Number(g.cpu.sp);
    const sc = frame + 128 + 176;
    g.mem.dv.setBigUint64(sc + 8 + 7 * 8, 0xabcdn, true); // regs[7]
    g.mem.dv.setBigUint64(sc + 264, 0x400200n, true); // pc
    g.mem.dv.setBigUint64(sc + 272, 0x80000000n, true); // N
    g.mem.dv.setUint32(sc + 288 + 12, 0x01000000, true); // FPCR.FZ
    g.mem.dv.setBigUint64(sc + 288 + 16 + 3 * 16, 0x77n, true); // v3 low
    g.mem.dv.setBigUint64(frame + 128 + 40, 1n << BigInt(SIGUSR2 - 1), true); // uc_sigmask
    g.cpu.setX(7, 0n);
    const r = g.call('rt_sigreturn');
    expect(r).toBe(0); // x0 as saved: kill's result
    expect(g.cpu.x(7)).toBe(0xabcdn);
    expect(g.cpu.x(20)).toBe(0x1014n);
    expect(g.cpu.pc).toBe(0x400200);
    expect(g.cpu.sp).toBe(BigInt(STACK_TOP));
    expect(g.cpu.nzcv).toBe(0x80000000);
    expect(g.cpu.fpcr).toBe(0x01000000);
    expect(g.cpu.v(3)).toEqual([0x77n, 0x2222n * 4n]);
    expect(g.call('rt_sigprocmask', 0, 0, SET, 8)).toBe(0);
    expect(g.u64(SET)).toBe(1n << BigInt(SIGUSR2 - 1));
  });

  it('is refused when it is not one the kernel could have built: SIGSEGV', () => {
    sigaction(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER);
    const corrupt: [string, (frame: number) => void][] = [
      ['misaligned sp', () => { g.cpu.sp += 8n; }],
      ['pstate naming EL1', (f) => g.mem.dv.setBigUint64(f + 128 + 176 + 272, 0x5n, true)],
      ['pstate with interrupts masked', (f) => g.mem.dv.setBigUint64(f + 128 + 176 + 272, 0x3c0n, true)],
      ['no FPSIMD record', (f) => g.mem.dv.setUint32(f + 128 + 176 + 288, 0, true)],
      ['an unknown record', (f) => g.mem.dv.setUint32(f + 128 + 176 + 288, 0x12345678, true)],
      ['unmapped', () => { g.cpu.sp = 0x90000000n; }],
    ];
    for (const [what, spoil] of corrupt) {
      fillRegisters();
      kill(SIGUSR1);
      spoil(Number(g.cpu.sp));
      const err = thrown(() => g.call('rt_sigreturn'));
      expect(err, what).toBeInstanceOf(GuestKilled);
      expect((err as GuestKilled).signal, what).toBe(SIGSEGV);
      g.cpu.sp = BigInt(STACK_TOP);
      g.call('rt_sigprocmask', 2, SET, 0, 8); // unblock SIGUSR1 again (SET holds 0)
    }
  });

  it('goes on the alternate stack with SA_ONSTACK, and uc_stack records it', () => {
    const ALT = BUF + 0x2000, ALT_SIZE = 0x4000;
    const SS = BUF + 0x300;
    g.mem.dv.setBigUint64(SS, BigInt(ALT), true);
    g.mem.dv.setInt32(SS + 8, 0, true);
    g.mem.dv.setBigUint64(SS + 16, BigInt(ALT_SIZE), true);
    expect(g.call('sigaltstack', SS, 0)).toBe(0);
    sigaction(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER | SA_ONSTACK);
    fillRegisters();
    kill(SIGUSR1);
    const frame = Number(g.cpu.sp);
    expect(frame).toBe(ALT + ALT_SIZE - 16 - FRAME_SIZE);
    expect(g.u64(frame + 128 + 16)).toBe(BigInt(ALT));
    expect(g.mem.dv.getInt32(frame + 128 + 24, true)).toBe(0); // not on it when the signal came
    expect(g.u64(frame + 128 + 32)).toBe(BigInt(ALT_SIZE));
    // On the alternate stack now: sigaltstack reports SS_ONSTACK and refuses changes.
    expect(g.call('sigaltstack', 0, SET)).toBe(0);
    expect(g.mem.dv.getInt32(SET + 8, true)).toBe(1);
    expect(g.call('sigaltstack', SS, 0)).toBe(-E.EPERM);
  });

  it('makes x30 a sigreturn trampoline when sigaction gave no restorer', () => {
    sigaction(SIGUSR1, HANDLER, SA_SIGINFO);
    fillRegisters();
    kill(SIGUSR1);
    const tramp = Number(g.cpu.x(30));
    expect(g.mem.perms[tramp / 4096]! & (PERM_R | PERM_X)).toBe(PERM_R | PERM_X);
    expect(g.mem.dv.getUint32(tramp, true)).toBe(0xd2801168); // mov x8, #139
    expect(g.mem.dv.getUint32(tramp + 4, true)).toBe(0xd4000001); // svc #0
  });

  it('resets the action with SA_RESETHAND', () => {
    sigaction(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER | SA_RESETHAND);
    fillRegisters();
    kill(SIGUSR1);
    expect(g.call('rt_sigaction', SIGUSR1, 0, ACT, 8)).toBe(0);
    expect(g.u64(ACT)).toBe(0n);
  });
});

describe('sigaltstack', () => {
  const SS = BUF + 0x300;
  const put = (sp: number, flags: number, size: number) => {
    g.mem.dv.setBigUint64(SS, BigInt(sp), true);
    g.mem.dv.setInt32(SS + 8, flags, true);
    g.mem.dv.setBigUint64(SS + 16, BigInt(size), true);
  };
  it('follows Linux: MINSIGSTKSZ is 5120 on arm64, flags are checked, SS_DISABLE reads back', () => {
    g.cpu.sp = BigInt(STACK_TOP);
    put(BUF, 0, 5119);
    expect(g.call('sigaltstack', SS, 0)).toBe(-E.ENOMEM);
    put(BUF, 0, 5120);
    expect(g.call('sigaltstack', SS, 0)).toBe(0);
    put(BUF, 0x10, 8192);
    expect(g.call('sigaltstack', SS, 0)).toBe(-E.EINVAL);
    put(0, 2, 0); // SS_DISABLE: the size is not checked
    expect(g.call('sigaltstack', SS, 0)).toBe(0);
    expect(g.call('sigaltstack', 0, SS)).toBe(0);
    expect(g.mem.dv.getInt32(SS + 8, true)).toBe(2);
    expect(g.call('sigaltstack', 0x90000000, 0)).toBe(-E.EFAULT);
  });
});

describe('forced signals (exceptions)', () => {
  it('give SIGILL with ILL_ILLOPC and si_addr = pc, as arm64 Linux does for an undefined instruction', () => {
    sigaction(SIGILL, HANDLER, SA_SIGINFO | SA_RESTORER);
    fillRegisters();
    forceSignal(g.k, SIGILL, 1, BigInt(g.cpu.pc), 0n);
    const frame = Number(g.cpu.sp);
    expect(g.mem.dv.getInt32(frame, true)).toBe(SIGILL);
    expect(g.mem.dv.getInt32(frame + 8, true)).toBe(1);
    expect(g.u64(frame + 16)).toBe(0x400100n);
    expect(g.u64(frame + 128 + 176)).toBe(0n); // fault_address: only for memory aborts
  });

  it('kill when blocked, ignored or left at the default action', () => {
    const SEGV_MAPERR = 1;
    const force = () => thrown(() => forceSignal(g.k, SIGSEGV, SEGV_MAPERR, 0x10n, 0x10n));
    expect((force() as GuestKilled).signal).toBe(SIGSEGV);
    sigaction(SIGSEGV, 1n, 0n); // SIG_IGN
    expect((force() as GuestKilled).signal).toBe(SIGSEGV);
    sigaction(SIGSEGV, HANDLER, SA_SIGINFO | SA_RESTORER);
    g.mem.dv.setBigUint64(SET, 1n << BigInt(SIGSEGV - 1), true);
    expect(g.call('rt_sigprocmask', 0, SET, 0, 8)).toBe(0);
    fillRegisters();
    expect((force() as GuestKilled).signal).toBe(SIGSEGV);
  });

  it('kill with SIGSEGV when the frame does not fit', () => {
    sigaction(SIGUSR1, HANDLER, SA_SIGINFO | SA_RESTORER);
    fillRegisters();
    g.cpu.sp = BigInt(BUF + 0x100); // the frame would start below the mapped area
    expect((thrown(() => kill(SIGUSR1)) as GuestKilled).signal).toBe(SIGSEGV);
  });
});
