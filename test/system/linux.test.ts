// Debian bookworm's arm64 kernel (fixtures/system/fetch-kernel.sh, fetched by the test set-up)
// boots on tsemu-system -M virt to a busybox shell: an initramfs built here from Debian's
// busybox-static (fixtures/debian/busybox) with an /init that mounts /proc and /sys and starts
// sh on the console. At the prompt: uname -a, /proc/cpuinfo, /proc/interrupts, poweroff -f.
//
// The answers are compared with the same kernel and initramfs under qemu-system-aarch64
// (-cpu cortex-a72: tsemu's MIDR is a Cortex-A72's), booted first in the same test; what may
// differ (counts, BogoMIPS, which optional features each CPU has) is left out of the comparison.
//
// -append: the "console=ttyAMA0 earlycon nokaslr", plus cryptomgr.notests: the crypto
// self-tests are ~65% of a default boot's instructions (research notes), which tsemu's first
// tier (the only one with the MMU on) would spend minutes on.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpioNewc, type Entry } from '../support/initramfs.js';
import { RUN_LIMIT_MS } from '../support/limits.js';
import { needs, titled } from '../support/requires.js';
import { SerialConsole } from './console.js';
import { ROOT, SYSTEM_FIXTURES } from './run.js';

const KERNEL = path.join(SYSTEM_FIXTURES, 'linux', 'vmlinuz');
const BUSYBOX = path.join(ROOT, 'fixtures', 'debian', 'busybox');
const APPEND = 'console=ttyAMA0 earlycon nokaslr cryptomgr.notests';
/** Booting to the prompt on the first tier takes minutes on a loaded 2-core machine. */
const BOOT_MS = Number(process.env.TSEMU_LINUX_BOOT_MS ?? 900_000);
/** Each command forks and execs busybox: slow on the first tier too. */
const COMMAND_MS = 300_000;

const INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "init: up after $(cut -d' ' -f1 /proc/uptime) s"
exec sh
`;

function initramfs(): Uint8Array {
  const entries: Entry[] = [
    { path: 'bin', kind: 'dir' }, { path: 'dev', kind: 'dir' }, { path: 'proc', kind: 'dir' }, { path: 'sys', kind: 'dir' },
    // The kernel opens /dev/console for init's stdin/out (devtmpfs is not mounted by itself).
    { path: 'dev/console', kind: 'chardev', major: 5, minor: 1 },
    { path: 'bin/busybox', kind: 'file', data: fs.readFileSync(BUSYBOX), mode: 0o755 },
    ...['sh', 'mount', 'uname', 'cat', 'cut', 'echo', 'poweroff'].map((a): Entry => ({ path: `bin/${a}`, kind: 'symlink', target: 'busybox' })),
    { path: 'init', kind: 'file', data: INIT, mode: 0o755 },
  ];
  return cpioNewc(entries);
}

interface Answers { uname: string; cpuinfo: string; interrupts: string; bootSeconds: number; bootCpuSeconds: number; output: string; status: number | null }

/** Boot, answer the four commands, power off. */
async function session(command: string, args: string[]): Promise<Answers> {
  const c = new SerialConsole(command, args);
  try {
    await c.waitFor(/Run \/init as init process\n/, BOOT_MS);
    await c.waitFor(/init: up after .*\n/, COMMAND_MS);
    await c.waitFor(/# /, COMMAND_MS); // ash's prompt (its line editing may add a cursor query after it)
    const bootSeconds = c.elapsed();
    const bootCpuSeconds = c.cpuSeconds();
    const uname = await c.command('uname -a', COMMAND_MS);
    const cpuinfo = await c.command('cat /proc/cpuinfo', COMMAND_MS);
    const interrupts = await c.command('cat /proc/interrupts', COMMAND_MS);
    c.type('poweroff -f');
    await c.waitFor(/reboot: Power down\n/, COMMAND_MS);
    const { status } = await c.exited;
    return { uname, cpuinfo, interrupts, bootSeconds, bootCpuSeconds, output: c.output, status };
  } finally {
    c.kill();
  }
}

/** The cpuinfo fields that name the CPU (not its feature list or BogoMIPS, which differ). */
const cpuIdentity = (cpuinfo: string) =>
  cpuinfo.split('\n').filter((l) => /^(processor|CPU implementer|CPU architecture|CPU variant|CPU part|CPU revision)\s*:/.test(l))
    .map((l) => l.replace(/\s+/g, ' '));

/** /proc/interrupts' lines for the timer and the UART, without their counts: controller,
 *  hardware interrupt number, trigger, handler name. */
const interruptLines = (text: string) =>
  text.split('\n').filter((l) => /arch_timer|uart-pl011/.test(l)).map((l) => {
    const f = l.trim().split(/\s+/); // "11:", count (one CPU), "GIC-0", "27", "Level", "arch_timer"
    f.splice(1, 1);
    return f.join(' ');
  });

const lacking = needs('qemuSystem');
const haveKernel = fs.existsSync(KERNEL);

describe.skipIf(lacking)(titled('Debian\'s arm64 Linux on -M virt, to a busybox shell', lacking), () => {
  let dir = '';
  let initrd = '';
  let qemu: Answers;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-linux-'));
    initrd = path.join(dir, 'initramfs.cpio');
    fs.writeFileSync(initrd, initramfs());
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('the kernel was fetched by the test set-up (fixtures/system/fetch-kernel.sh)', () => {
    expect(haveKernel).toBe(true);
  });

  it('boots under qemu-system-aarch64 with the same initramfs (the reference answers)', async () => {
    qemu = await session('qemu-system-aarch64', ['-M', 'virt', '-cpu', 'cortex-a72', '-m', '512M', '-nographic', '-nic', 'none',
      '-monitor', 'none', '-serial', 'stdio', '-kernel', KERNEL, '-initrd', initrd, '-append', APPEND]);
    const release = fs.readFileSync(path.join(SYSTEM_FIXTURES, 'linux', 'version'), 'utf8').split(' ')[0].replace(/^linux-image-/, '');
    expect(qemu.uname).toMatch(new RegExp(`^Linux \\(none\\) ${release.replace(/\./g, '\\.')} #1 SMP .* aarch64 GNU/Linux\n$`));
    expect(cpuIdentity(qemu.cpuinfo)).toContain('CPU part : 0xd08');
    expect(interruptLines(qemu.interrupts)).toHaveLength(2);
    expect(qemu.status).toBe(0);
    console.log(`qemu-system-aarch64: shell prompt after ${qemu.bootSeconds.toFixed(1)} s (${qemu.bootCpuSeconds.toFixed(1)} s of CPU)`);
  }, BOOT_MS + 4 * COMMAND_MS);

  it('boots under tsemu-system to the shell and answers as under qemu; poweroff -f ends it with status 0', async () => {
    const t = await session(process.execPath, [path.join(ROOT, 'bin', 'tsemu-system'), '-M', 'virt', '-m', '512M', '-nographic',
      '-kernel', KERNEL, '-initrd', initrd, '-append', APPEND]);
    console.log(`tsemu-system: shell prompt after ${t.bootSeconds.toFixed(1)} s (${t.bootCpuSeconds.toFixed(1)} s of CPU); ` +
      `qemu-system-aarch64: ${qemu?.bootSeconds.toFixed(1)} s`);
    expect(t.output).toContain('Booting Linux on physical CPU 0x0000000000');
    expect(t.output).not.toContain('Kernel panic');
    expect(t.output).not.toMatch(/Internal error: Oops/);
    expect(t.uname).toBe(qemu.uname); // the kernel's build string: no run-time part
    expect(cpuIdentity(t.cpuinfo)).toEqual(cpuIdentity(qemu.cpuinfo));
    expect(interruptLines(t.interrupts)).toEqual(interruptLines(qemu.interrupts));
    expect(t.status).toBe(0);
  }, Math.max(BOOT_MS, RUN_LIMIT_MS) + 4 * COMMAND_MS);
});
