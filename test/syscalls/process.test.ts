// Identity, exit, limits, time, randomness, signals' bookkeeping and futex, checked against
// Linux's definitions (man 2 pages, asm-generic struct layouts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatchSyscall } from '../../src/syscalls/dispatch.js';
import { GuestExit, GuestKilled } from '../../src/syscalls/kernel.js';
import { Machine } from '../../src/translate/machine.js';
import { installProcessHooks } from '../../src/user-process.js';
import { BUF, E, makeGuest, NR, thrown, type Guest } from './harness.js';

const BAD = 0xdead0000;
let g: Guest;
beforeEach(() => { g = makeGuest(); });
afterEach(() => {
  expect(g.internal).toEqual([]);
  g.cleanup();
});

describe('exit', () => {
  it('ends the process with the low 8 bits of the status', () => {
    for (const name of ['exit', 'exit_group']) {
      const err = thrown(() => g.call(name, 42));
      expect(err).toBeInstanceOf(GuestExit);
      expect((err as GuestExit).status).toBe(42);
      expect((thrown(() => g.call(name, 0x1234)) as GuestExit).status).toBe(0x34);
      expect((thrown(() => g.call(name, -1)) as GuestExit).status).toBe(255);
    }
  });
});

describe('identity', () => {
  it('reports the host process ids', () => {
    expect(g.call('getpid')).toBe(process.pid);
    expect(g.call('gettid')).toBe(process.pid);
    expect(g.call('getppid')).toBe(process.ppid);
    expect(g.call('getuid')).toBe(process.getuid!());
    expect(g.call('geteuid')).toBe(process.geteuid!());
    expect(g.call('getgid')).toBe(process.getgid!());
    expect(g.call('getegid')).toBe(process.getegid!());
    expect(g.call('set_tid_address', BUF)).toBe(process.pid);
    const groups = process.getgroups!();
    expect(g.call('getgroups', 0, 0)).toBe(groups.length);
    expect(g.call('getgroups', 64, BUF)).toBe(groups.length);
    expect(g.u32(BUF)).toBe(groups[0]);
    expect(g.call('getgroups', -1, BUF)).toBe(-E.EINVAL);
    if (groups.length > 1) expect(g.call('getgroups', 1, BUF)).toBe(-E.EINVAL);
  });

  it('changes ids and groups by Linux rules: keeping them needs nothing, a change needs euid 0', () => {
    const uid = process.getuid!(), gid = process.getgid!();
    const KEEP = -1; // "unchanged" for the setre*/setres* forms
    expect(g.call('setresuid', KEEP, KEEP, KEEP)).toBe(0);
    expect(g.call('setreuid', KEEP, uid)).toBe(0);
    expect(g.call('setregid', gid, KEEP)).toBe(0);
    expect(g.call('setfsgid', gid)).toBe(gid); // the previous fsgid
    if (uid !== 0) {
      expect(g.call('setuid', uid + 1)).toBe(-E.EPERM);
      expect(g.call('setgroups', 0, BUF)).toBe(-E.EPERM);
      return;
    }
    // Root: setgroups records the list, which getgroups then reports.
    expect(g.call('setgroups', 65537, BUF)).toBe(-E.EINVAL);
    g.mem.writeU32(BUF, 4242);
    g.mem.writeU32(BUF + 4, 4343);
    expect(g.call('setgroups', 2, BUF)).toBe(0);
    expect(g.call('getgroups', 0, 0)).toBe(2);
    expect(g.call('getgroups', 8, BUF + 64)).toBe(2);
    expect([g.u32(BUF + 64), g.u32(BUF + 68)]).toEqual([4242, 4343]);
    expect(g.call('setresgid', 100, 100, 100)).toBe(0);
    expect([g.call('getgid'), g.call('getegid')]).toEqual([100, 100]);
    // setuid as root sets real, effective, saved and fs uid: there is no way back.
    expect(g.call('setuid', 1000)).toBe(0);
    expect([g.call('getuid'), g.call('geteuid')]).toEqual([1000, 1000]);
    expect(g.call('setuid', 0)).toBe(-E.EPERM);
    expect(g.call('setfsuid', 0)).toBe(1000); // refused: the old value, unchanged
    expect(g.call('setfsuid', KEEP)).toBe(1000);
    expect(g.call('setgroups', 0, BUF)).toBe(-E.EPERM);
  });

  it('handles process groups and sessions', () => {
    const pgid = g.call('getpgid', 0);
    expect(pgid).toBeGreaterThan(0);
    expect(g.call('getpgid', process.pid)).toBe(pgid);
    // The session is 0 when its leader lives outside our pid namespace (as in containers),
    // so compare with what the kernel reports for this process rather than assume one exists.
    const hostStat = fs.readFileSync('/proc/self/stat', 'latin1');
    const [, , hostPgrp, hostSession] = hostStat.slice(hostStat.lastIndexOf(')') + 2).split(' ');
    expect(pgid).toBe(Number(hostPgrp));
    expect(g.call('getsid', 0)).toBe(Number(hostSession));
    // A detached child is a session and group leader of its own.
    const child = spawn('sleep', ['5'], { detached: true, stdio: 'ignore' });
    try {
      expect(g.call('getsid', child.pid)).toBe(child.pid);
      expect(g.call('getpgid', child.pid)).toBe(child.pid);
    } finally {
      child.kill();
    }
    expect(g.call('getpgid', -5)).toBe(-E.ESRCH);
    expect(g.call('setpgid', 0, -1)).toBe(-E.EINVAL);
    expect(g.call('setpgid', 999999999, 0)).toBe(-E.ESRCH);
  });

  it('answers the start-up probes glibc makes', () => {
    expect(g.call('set_robust_list', BUF, 24)).toBe(0);
    expect(g.call('set_robust_list', BUF, 0)).toBe(-E.EINVAL);
    expect(g.call('rseq', BUF, 32, 0, 0xd428bc00)).toBe(-E.ENOSYS);
    expect(g.call('clone3', BUF, 88)).toBe(-E.ENOSYS);
  });

  it('returns ENOSYS for unknown numbers, and reports them with -d unimp', () => {
    const lines: string[] = [];
    g.k.opts.unimp = (l) => lines.push(l);
    g.cpu.setX(8, 5000);
    g.cpu.setX(0, 1);
    dispatchSyscall(g.k);
    expect(Number(BigInt.asIntN(64, g.cpu.x(0)))).toBe(-E.ENOSYS);
    expect(lines).toEqual(['Unsupported syscall: 5000']);
    expect(g.call('io_setup', 1, BUF)).toBe(-E.ENOSYS);
    expect(lines[1]).toBe(`Unsupported syscall: ${NR.get('io_setup')} (io_setup)`);
  });
});

describe('resource limits and usage', () => {
  it('reports and sets limits with prlimit64', () => {
    const RLIMIT_STACK = 3, RLIMIT_NOFILE = 7;
    expect(g.call('prlimit64', 0, RLIMIT_STACK, 0, BUF)).toBe(0);
    expect(g.u64(BUF)).toBe(8n * 1024n * 1024n);
    expect(g.call('prlimit64', 0, RLIMIT_NOFILE, 0, BUF)).toBe(0);
    const [cur, max] = [g.u64(BUF), g.u64(BUF + 8)];
    expect(cur).toBeGreaterThan(0n);
    expect(max).toBeGreaterThanOrEqual(cur);
    g.mem.dv.setBigUint64(BUF + 16, 64n, true);
    g.mem.dv.setBigUint64(BUF + 24, max, true);
    expect(g.call('prlimit64', 0, RLIMIT_NOFILE, BUF + 16, BUF + 32)).toBe(0);
    expect(g.u64(BUF + 32)).toBe(cur); // the old value
    expect(g.call('getrlimit', RLIMIT_NOFILE, BUF)).toBe(0);
    expect(g.u64(BUF)).toBe(64n);
    // Descriptors are now limited to 0..63.
    expect(g.call('fcntl', 1, 0, 64)).toBe(-E.EINVAL);
    g.mem.dv.setBigUint64(BUF + 16, 10n, true);
    g.mem.dv.setBigUint64(BUF + 24, 5n, true);
    expect(g.call('prlimit64', 0, RLIMIT_NOFILE, BUF + 16, 0)).toBe(-E.EINVAL); // cur > max
    expect(g.call('prlimit64', 0, 16, 0, BUF)).toBe(-E.EINVAL);
    expect(g.call('prlimit64', 0, RLIMIT_STACK, BAD, 0)).toBe(-E.EFAULT);
    expect(g.call('prlimit64', 0, RLIMIT_STACK, 0, BAD)).toBe(-E.EFAULT);
    expect(g.call('prlimit64', 999999999, RLIMIT_STACK, 0, BUF)).toBe(-E.ESRCH);
  });

  it('fills getrusage, times and sysinfo', () => {
    expect(g.call('getrusage', 0, BUF)).toBe(0);
    expect(g.i64(BUF + 32)).toBeGreaterThan(0n); // ru_maxrss in KiB
    expect(g.call('getrusage', -1, BUF)).toBe(0);
    expect(g.call('getrusage', 2, BUF)).toBe(-E.EINVAL);
    expect(g.call('getrusage', 0, BAD)).toBe(-E.EFAULT);
    expect(g.call('times', BUF)).toBeGreaterThan(0);
    expect(g.call('times', 0)).toBeGreaterThan(0);
    expect(g.call('sysinfo', BUF)).toBe(0);
    expect(g.u64(BUF + 32)).toBe(BigInt(os.totalmem()));
    expect(g.u32(BUF + 104)).toBe(1); // mem_unit
    expect(g.call('sysinfo', BAD)).toBe(-E.EFAULT);
  });

  it('has no children to wait for', () => {
    expect(g.call('wait4', -1, BUF, 0, 0)).toBe(-E.ECHILD);
    expect(g.call('wait4', -1, BUF, 1, 0)).toBe(-E.ECHILD);
    expect(g.call('wait4', -1, BUF, 0x100, 0)).toBe(-E.EINVAL);
    expect(g.call('waitid', 0, 0, BUF, 4, 0)).toBe(-E.ECHILD);
    expect(g.call('waitid', 0, 0, BUF, 0, 0)).toBe(-E.EINVAL);
  });

  it('reports scheduling facts', () => {
    expect(g.call('sched_yield')).toBe(0);
    const n = g.call('sched_getaffinity', 0, 128, BUF);
    expect(n).toBe(8);
    let cpus = 0;
    for (let i = 0; i < 8; i++) for (let b = 0; b < 8; b++) cpus += (g.mem.u8[BUF + i] >> b) & 1;
    expect(cpus).toBeGreaterThan(0);
    expect(cpus).toBeLessThanOrEqual(os.cpus().length);
    expect(g.call('sched_getaffinity', 0, 4, BUF)).toBe(-E.EINVAL);
    expect(g.call('sched_getaffinity', 0, 8, BAD)).toBe(-E.EFAULT);
  });

  it('sets and gets the thread name with prctl', () => {
    g.str('a-very-long-thread-name', BUF);
    expect(g.call('prctl', 15, BUF)).toBe(0);
    g.mem.u8.fill(0xff, BUF + 64, BUF + 80);
    expect(g.call('prctl', 16, BUF + 64)).toBe(0);
    expect(g.bytes(BUF + 64, 16).toString('latin1')).toBe('a-very-long-thr\0');
    expect(g.call('prctl', 16, BAD)).toBe(-E.EFAULT);
    expect(g.call('prctl', 9999)).toBe(-E.EINVAL);
    expect(g.call('prctl', 3)).toBe(1); // PR_GET_DUMPABLE
  });
});

describe('uname, getrandom', () => {
  it('reports an aarch64 Linux', () => {
    expect(g.call('uname', BUF)).toBe(0);
    const field = (i: number) => {
      const b = g.bytes(BUF + i * 65, 65);
      return b.subarray(0, b.indexOf(0)).toString();
    };
    expect(field(0)).toBe('Linux');
    expect(field(1)).toBe(os.hostname());
    expect(field(2)).toBe(os.release());
    expect(field(4)).toBe('aarch64');
    expect(g.call('uname', BAD)).toBe(-E.EFAULT);
  });

  it('fills buffers with random bytes', () => {
    g.mem.u8.fill(0, BUF, BUF + 256);
    expect(g.call('getrandom', BUF, 256, 0)).toBe(256);
    expect(g.bytes(BUF, 256).some((b) => b !== 0)).toBe(true);
    expect(g.call('getrandom', BUF, 0, 0)).toBe(0);
    expect(g.call('getrandom', BUF, 16, 8)).toBe(-E.EINVAL);
    expect(g.call('getrandom', BUF, 16, 6)).toBe(-E.EINVAL); // GRND_INSECURE | GRND_RANDOM
    expect(g.call('getrandom', BUF, 16, 1)).toBe(16);
    expect(g.call('getrandom', BAD, 16, 0)).toBe(-E.EFAULT);
    expect(g.call('getrandom', BUF + 0x10000 - 4, 16, 0)).toBe(4); // up to the bad page
  });
});

describe('clocks and sleeping', () => {
  it('reads clocks', () => {
    expect(g.call('clock_gettime', 0, BUF)).toBe(0);
    const sec = Number(g.i64(BUF));
    expect(Math.abs(sec - Date.now() / 1000)).toBeLessThan(5);
    expect(g.i64(BUF + 8)).toBeLessThan(1_000_000_000n);
    expect(g.call('clock_gettime', 1, BUF)).toBe(0);
    const m1 = g.i64(BUF) * 1_000_000_000n + g.i64(BUF + 8);
    expect(g.call('clock_gettime', 1, BUF)).toBe(0);
    const m2 = g.i64(BUF) * 1_000_000_000n + g.i64(BUF + 8);
    expect(m2).toBeGreaterThanOrEqual(m1);
    for (const c of [2, 3, 4, 5, 6, 7]) expect(g.call('clock_gettime', c, BUF)).toBe(0);
    expect(g.call('clock_gettime', -6, BUF)).toBe(0); // this process's CPU clock (pid 0)
    expect(g.call('clock_gettime', 99, BUF)).toBe(-E.EINVAL);
    expect(g.call('clock_gettime', 0, 0)).toBe(-E.EFAULT);
    expect(g.call('clock_getres', 1, BUF)).toBe(0);
    expect([g.i64(BUF), g.i64(BUF + 8)]).toEqual([0n, 1n]);
    expect(g.call('clock_getres', 1, 0)).toBe(0);
    expect(g.call('clock_getres', 99, BUF)).toBe(-E.EINVAL);
    expect(g.call('gettimeofday', BUF, BUF + 16)).toBe(0);
    expect(Math.abs(Number(g.i64(BUF)) - Date.now() / 1000)).toBeLessThan(5);
    expect(g.i64(BUF + 8)).toBeLessThan(1_000_000n);
    expect(g.call('gettimeofday', 0, 0)).toBe(0);
    expect(g.call('gettimeofday', BAD, 0)).toBe(-E.EFAULT);
  });

  it('sleeps for the requested time and validates it', () => {
    const slept: bigint[] = [];
    g.k.sleepNs = (ns) => { slept.push(ns); return true; };
    g.mem.dv.setBigInt64(BUF, 1n, true);
    g.mem.dv.setBigInt64(BUF + 8, 500n, true);
    expect(g.call('nanosleep', BUF, 0)).toBe(0);
    expect(slept).toEqual([1_000_000_500n]);
    g.mem.dv.setBigInt64(BUF + 8, 1_000_000_000n, true);
    expect(g.call('nanosleep', BUF, 0)).toBe(-E.EINVAL);
    g.mem.dv.setBigInt64(BUF, -1n, true);
    g.mem.dv.setBigInt64(BUF + 8, 0n, true);
    expect(g.call('nanosleep', BUF, 0)).toBe(-E.EINVAL);
    expect(g.call('nanosleep', BAD, 0)).toBe(-E.EFAULT);
    // An absolute deadline in the past returns at once.
    g.mem.dv.setBigInt64(BUF, 1n, true);
    expect(g.call('clock_nanosleep', 1, 1, BUF, 0)).toBe(0);
    expect(slept.length).toBe(1);
    expect(g.call('clock_nanosleep', 99, 0, BUF, 0)).toBe(-E.EINVAL);
    // A real, short sleep.
    delete (g.k as { sleepNs?: unknown }).sleepNs;
    g.mem.dv.setBigInt64(BUF, 0n, true);
    g.mem.dv.setBigInt64(BUF + 8, 20_000_000n, true);
    const t0 = process.hrtime.bigint();
    expect(g.call('nanosleep', BUF, 0)).toBe(0);
    expect(process.hrtime.bigint() - t0).toBeGreaterThanOrEqual(19_000_000n);
  });
});

describe('signals (recorded)', () => {
  const ACT = BUF + 0x100, OLD = BUF + 0x200;
  it('records dispositions and masks', () => {
    g.mem.dv.setBigUint64(ACT, 0x401000n, true);
    g.mem.dv.setBigUint64(ACT + 8, 0x04000000n, true);
    g.mem.dv.setBigUint64(ACT + 16, 0x402000n, true);
    g.mem.dv.setBigUint64(ACT + 24, (1n << 8n) | 2n, true); // mask with SIGKILL: dropped
    expect(g.call('rt_sigaction', 10, ACT, 0, 8)).toBe(0);
    expect(g.call('rt_sigaction', 10, 0, OLD, 8)).toBe(0);
    expect([g.u64(OLD), g.u64(OLD + 8), g.u64(OLD + 16), g.u64(OLD + 24)]).toEqual([0x401000n, 0x04000000n, 0x402000n, 2n]);
    expect(g.call('rt_sigaction', 9, ACT, 0, 8)).toBe(-E.EINVAL);
    expect(g.call('rt_sigaction', 19, ACT, 0, 8)).toBe(-E.EINVAL);
    expect(g.call('rt_sigaction', 9, 0, OLD, 8)).toBe(0);
    expect(g.call('rt_sigaction', 65, 0, OLD, 8)).toBe(-E.EINVAL);
    expect(g.call('rt_sigaction', 10, ACT, 0, 4)).toBe(-E.EINVAL);
    expect(g.call('rt_sigaction', 10, BAD, 0, 8)).toBe(-E.EFAULT);

    g.mem.dv.setBigUint64(ACT, (1n << 1n) | (1n << 8n), true); // SIGINT and SIGKILL
    expect(g.call('rt_sigprocmask', 0, ACT, OLD, 8)).toBe(0);
    expect(g.u64(OLD)).toBe(0n);
    expect(g.call('rt_sigprocmask', 0, 0, OLD, 8)).toBe(0);
    expect(g.u64(OLD)).toBe(2n); // SIGKILL cannot be blocked
    expect(g.call('rt_sigprocmask', 1, ACT, OLD, 8)).toBe(0);
    expect(g.call('rt_sigprocmask', 0, 0, OLD, 8)).toBe(0);
    expect(g.u64(OLD)).toBe(0n);
    expect(g.call('rt_sigprocmask', 7, ACT, 0, 8)).toBe(-E.EINVAL);
    expect(g.call('rt_sigprocmask', 7, 0, 0, 8)).toBe(0); // how is not looked at without a set
    expect(g.call('rt_sigprocmask', 0, 0, OLD, 16)).toBe(-E.EINVAL);
  });

  it('applies default actions to signals the guest sends itself', () => {
    expect(g.call('kill', process.pid, 0)).toBe(0);
    expect(g.call('kill', process.pid, 17)).toBe(0); // SIGCHLD: ignored by default
    const err = thrown(() => g.call('tgkill', process.pid, process.pid, 6));
    expect(err).toBeInstanceOf(GuestKilled);
    expect((err as GuestKilled).signal).toBe(6);
    // Blocked: pending until unblocked.
    g.mem.dv.setBigUint64(ACT, 1n << 14n, true); // SIGTERM
    expect(g.call('rt_sigprocmask', 0, ACT, 0, 8)).toBe(0);
    expect(g.call('kill', process.pid, 15)).toBe(0);
    expect(g.call('rt_sigpending', OLD, 8)).toBe(0);
    expect(g.u64(OLD)).toBe(1n << 14n);
    expect((thrown(() => g.call('rt_sigprocmask', 1, ACT, 0, 8)) as GuestKilled).signal).toBe(15);
    expect(g.call('kill', process.pid, 65)).toBe(-E.EINVAL);
    expect(g.call('tgkill', 0, 1, 6)).toBe(-E.EINVAL);
  });
});

describe('capget, personality, membarrier', () => {
  const HDR = BUF + 0x100, DATA = BUF + 0x200;
  it('capget: the preferred version for an unknown one, the host process\'s capabilities', () => {
    g.mem.dv.setUint32(HDR, 0x12345678, true);
    g.mem.dv.setInt32(HDR + 4, 0, true);
    expect(g.call('capget', HDR, 0)).toBe(0); // no data: how libcap asks for the version
    expect(g.u32(HDR)).toBe(0x20080522);
    g.mem.dv.setUint32(HDR, 0x12345678, true);
    expect(g.call('capget', HDR, DATA)).toBe(-E.EINVAL);
    expect(g.u32(HDR)).toBe(0x20080522);
    expect(g.call('capget', HDR, DATA)).toBe(0);
    const status = fs.readFileSync('/proc/self/status', 'latin1');
    const eff = BigInt('0x' + /^CapEff:\s*([0-9a-f]+)/m.exec(status)![1]);
    expect(g.u32(DATA)).toBe(Number(eff & 0xffffffffn));
    expect(g.u32(DATA + 12)).toBe(Number(eff >> 32n));
    g.mem.dv.setInt32(HDR + 4, -1, true);
    expect(g.call('capget', HDR, DATA)).toBe(-E.EINVAL);
    g.mem.dv.setInt32(HDR + 4, 999999999, true);
    expect(g.call('capget', HDR, DATA)).toBe(-E.ESRCH);
    expect(g.call('capget', BAD, DATA)).toBe(-E.EFAULT);
  });

  it('personality: a query returns the persona, a change returns the old one', () => {
    expect(g.call('personality', 0xffffffff)).toBe(0);
    expect(g.call('personality', 0x0040000)).toBe(0); // ADDR_NO_RANDOMIZE
    expect(g.call('personality', 0xffffffff)).toBe(0x0040000);
    expect(g.call('personality', 0x0008)).toBe(-E.EINVAL); // PER_LINUX32: no AArch32 here
    expect(g.call('personality', 0)).toBe(0x0040000);
  });

  it('membarrier: commands as Linux reports them, private barriers only after registering', () => {
    expect(g.call('membarrier', 0, 0, 0)).toBe(0x3ff);
    expect(g.call('membarrier', 1, 0, 0)).toBe(0);
    expect(g.call('membarrier', 8, 0, 0)).toBe(-E.EPERM);
    expect(g.call('membarrier', 16, 0, 0)).toBe(0);
    expect(g.call('membarrier', 8, 0, 0)).toBe(0);
    expect(g.call('membarrier', 512, 0, 0)).toBe(16);
    expect(g.call('membarrier', 1, 1, 0)).toBe(-E.EINVAL);
    expect(g.call('membarrier', 1 << 12, 0, 0)).toBe(-E.EINVAL);
  });
});

describe('futex', () => {
  const WORD = BUF + 0x400;
  it('waits only while the word holds the value, and times out', () => {
    g.mem.dv.setUint32(WORD, 7, true);
    expect(g.call('futex', WORD, 0, 8, 0)).toBe(-E.EAGAIN);
    expect(g.call('futex', WORD, 128, 8, 0)).toBe(-E.EAGAIN); // FUTEX_PRIVATE_FLAG
    const ts = BUF + 0x500;
    g.mem.dv.setBigInt64(ts, 0n, true);
    g.mem.dv.setBigInt64(ts + 8, 10_000_000n, true);
    const t0 = process.hrtime.bigint();
    expect(g.call('futex', WORD, 0, 7, ts)).toBe(-E.ETIMEDOUT);
    expect(process.hrtime.bigint() - t0).toBeGreaterThanOrEqual(9_000_000n);
    g.mem.dv.setBigInt64(ts + 8, -1n, true);
    expect(g.call('futex', WORD, 0, 7, ts)).toBe(-E.EINVAL);
    expect(g.call('futex', WORD + 1, 0, 7, 0)).toBe(-E.EINVAL);
    expect(g.call('futex', BAD, 0, 7, 0)).toBe(-E.EFAULT);
    expect(g.call('futex', WORD, 9, 7, 0, 0, 0)).toBe(-E.EINVAL); // WAIT_BITSET with an empty mask
  });

  it('WAKE_OP applies its operation to the second word and compares the old value', () => {
    const W2 = WORD + 8;
    // FUTEX_OP(op, oparg, cmp, cmparg) as in linux/futex.h
    const futexOp = (op: number, oparg: number, cmp: number, cmparg: number) =>
      (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)) >>> 0;
    g.mem.dv.setUint32(W2, 5, true);
    expect(g.call('futex', WORD, 5, 1, 1, W2, futexOp(1, 3, 0, 5))).toBe(0); // ADD 3, old == 5
    expect(g.mem.dv.getUint32(W2, true)).toBe(8);
    expect(g.call('futex', WORD, 5, 1, 1, W2, futexOp(8 | 0, 4, 1, 0))).toBe(0); // SET 1 << 4
    expect(g.mem.dv.getUint32(W2, true)).toBe(16);
    expect(g.call('futex', WORD, 5, 1, 1, W2, futexOp(3, 0x10, 0, 0))).toBe(0); // ANDN
    expect(g.mem.dv.getUint32(W2, true)).toBe(0);
    expect(g.call('futex', WORD, 5, 1, 1, W2, futexOp(6, 0, 0, 0))).toBe(-E.ENOSYS); // no op 6
    expect(g.call('futex', WORD, 5, 1, 1, W2 + 1, futexOp(0, 0, 0, 0))).toBe(-E.EINVAL);
    expect(g.call('futex', WORD, 5, 1, 1, BAD, futexOp(0, 0, 0, 0))).toBe(-E.EFAULT);
  });

  it('CMP_REQUEUE checks the word, REQUEUE its counts; absolute timeouts; REALTIME only for waits', () => {
    g.mem.dv.setUint32(WORD, 3, true);
    expect(g.call('futex', WORD, 4, 1, 1, WORD + 8, 4)).toBe(-E.EAGAIN); // CMP_REQUEUE, *uaddr != val3
    expect(g.call('futex', WORD, 4, 1, 1, WORD + 8, 3)).toBe(0);
    expect(g.call('futex', WORD, 3, -1, 1, WORD + 8)).toBe(-E.EINVAL); // REQUEUE with a negative count
    expect(g.call('futex', WORD, 1 | 256, 1)).toBe(-E.ENOSYS); // WAKE with FUTEX_CLOCK_REALTIME
    const ts = BUF + 0x500;
    g.mem.dv.setBigInt64(ts, 0n, true); // CLOCK_MONOTONIC 1 ns: long past
    g.mem.dv.setBigInt64(ts + 8, 1n, true);
    expect(g.call('futex', WORD, 9, 3, ts, 0, 0xffffffff)).toBe(-E.ETIMEDOUT); // WAIT_BITSET, absolute
  });

  it('wakes nobody when nobody waits', () => {
    expect(g.call('futex', WORD, 1, 1)).toBe(0);
    expect(g.call('futex', WORD, 129, 0x7fffffff)).toBe(0);
    expect(g.call('futex', BAD, 1, 1)).toBe(-E.EFAULT);
    expect(g.call('futex', WORD, 99, 1)).toBe(-E.ENOSYS);
  });
});

describe('clone and clone3: the flag checks Linux makes (kernel/fork.c)', () => {
  const VM = 0x100, FS = 0x200, SIGHAND = 0x800, PIDFD = 0x1000, THREAD = 0x10000, NEWNS = 0x20000;
  const PARENT_SETTID = 0x100000, NEWUSER = 0x10000000;
  it('refuses inconsistent clone flags with EINVAL', () => {
    expect(g.call('clone', VM | THREAD, 0, 0, 0, 0)).toBe(-E.EINVAL); // THREAD without SIGHAND
    expect(g.call('clone', SIGHAND, 0, 0, 0, 0)).toBe(-E.EINVAL); // SIGHAND without VM
    expect(g.call('clone', NEWNS | FS, 0, 0, 0, 0)).toBe(-E.EINVAL);
    expect(g.call('clone', NEWUSER | FS, 0, 0, 0, 0)).toBe(-E.EINVAL);
    expect(g.call('clone', PIDFD | PARENT_SETTID, 0, BUF, 0, 0)).toBe(-E.EINVAL);
    expect(g.call('clone', VM | SIGHAND | THREAD | PIDFD, 0, BUF, 0, 0)).toBe(-E.EINVAL);
  });

  it('reads struct clone_args by its size', () => {
    const args = BUF + 0x800;
    g.mem.u8.fill(0, args, args + 128);
    expect(g.call('clone3', args, 32)).toBe(-E.EINVAL); // smaller than CLONE_ARGS_SIZE_VER0
    expect(g.call('clone3', BAD, 64)).toBe(-E.EFAULT);
    g.mem.dv.setBigUint64(args, BigInt(VM | SIGHAND | THREAD), true);
    g.mem.dv.setBigUint64(args + 32, 17n, true); // exit_signal with CLONE_THREAD
    expect(g.call('clone3', args, 64)).toBe(-E.EINVAL);
    g.mem.dv.setBigUint64(args + 32, 0n, true);
    g.mem.dv.setBigUint64(args + 40, 0x1000n, true); // a stack without its size
    expect(g.call('clone3', args, 64)).toBe(-E.EINVAL);
    g.mem.dv.setBigUint64(args + 40, 0n, true);
    g.mem.u8[args + 100] = 1; // a field this kernel does not know, not zero
    expect(g.call('clone3', args, 104)).toBe(-E.E2BIG);
    g.mem.dv.setBigUint64(args, BigInt(VM | THREAD), true); // THREAD without SIGHAND
    expect(g.call('clone3', args, 64)).toBe(-E.EINVAL);
  });
});

describe('processes: errors before anything is started or replaced', () => {
  // Linux semantics (execve(2), clone(2), wait4(2)); the success paths run real programs in
  // test/programs (busybox pipelines fork, exec and wait).
  beforeEach(() => installProcessHooks(new Machine({}, g.mem), g.k));

  it('execve reports bad pointers, missing files, unreadable and unrecognised formats', () => {
    expect(g.call('execve', BAD, 0, 0)).toBe(-E.EFAULT);
    expect(g.call('execve', g.str('/nonexistent/program'), 0, 0)).toBe(-E.ENOENT);
    const text = path.join(g.dir, 'notes.txt');
    fs.writeFileSync(text, 'just text\n', { mode: 0o755 });
    expect(g.call('execve', g.str(text), 0, 0)).toBe(-E.ENOEXEC);
    const noexec = path.join(g.dir, 'noexec');
    fs.writeFileSync(noexec, '#!/bin/sh\n', { mode: 0o644 });
    if (process.getuid?.() !== 0) expect(g.call('execve', g.str(noexec), 0, 0)).toBe(-E.EACCES);
    const script = path.join(g.dir, 'script');
    fs.writeFileSync(script, '#!/bin/sh\n', { mode: 0o755 });
    expect(g.call('execve', g.str(script), BAD, 0)).toBe(-E.EFAULT);
    expect(g.call('execve', g.str(path.join(g.dir, 'notes.txt/x')), 0, 0)).toBe(-E.ENOTDIR);
  });

  it('clone refuses threads (not supported yet) and CLONE_VM without CLONE_VFORK', () => {
    const CLONE_VM = 0x100, CLONE_SIGHAND = 0x800, CLONE_THREAD = 0x10000;
    expect(g.call('clone', CLONE_VM | CLONE_SIGHAND | CLONE_THREAD, BUF, 0, 0, 0)).toBe(-E.EAGAIN);
    expect(g.call('clone', CLONE_VM | 17, BUF, 0, 0, 0)).toBe(-E.EINVAL);
  });

  it('wait4 and waitid without children give ECHILD, even with bad pointers', () => {
    expect(g.call('wait4', -1, BAD, 0, 0)).toBe(-E.ECHILD);
    expect(g.call('wait4', -1, 0, 1, 0)).toBe(-E.ECHILD);
    expect(g.call('waitid', 0, 0, BAD, 4, 0)).toBe(-E.ECHILD);
    expect(g.call('wait4', -1, 0, 0x10, 0)).toBe(-E.EINVAL);
  });
});
