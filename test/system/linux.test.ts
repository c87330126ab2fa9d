// Debian bookworm's arm64 kernel (fixtures/system/fetch-kernel.sh, fetched by the test set-up)
// boots on tsemu-system -M virt to a busybox shell: an initramfs built here from Debian's
// busybox-static (fixtures/debian/busybox) with an /init that mounts /proc and /sys and starts
// sh on the console. At the prompt: uname -a, /proc/cpuinfo, /proc/interrupts; then the disk:
// insmod the kernel package's virtio_mmio.ko and virtio_blk.ko (fetch-kernel.sh extracts them),
// md5sum /dev/vda (a disk image of pseudo-random bytes the test wrote, compared with the md5
// node:crypto computes), dd one sector onto it (read back from the host file); poweroff -f.
//
// The answers are compared with the same kernel and initramfs under qemu-system-aarch64
// (-cpu cortex-a72: tsemu's MIDR is a Cortex-A72's), booted first in the same test; what may
// differ (counts, BogoMIPS, which optional features each CPU has) is left out of the comparison.
//
// -append: the "console=ttyAMA0 earlycon nokaslr", plus cryptomgr.notests: the crypto
// self-tests are ~65% of a default boot's instructions (research notes), which tsemu's first
// tier (the only one with the MMU on) would spend minutes on.
import { createHash } from 'node:crypto';
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
const MODULES = path.join(SYSTEM_FIXTURES, 'linux', 'modules');
const BUSYBOX = path.join(ROOT, 'fixtures', 'debian', 'busybox');
/** The disk: 2 MiB of pseudo-random bytes (md5sum on the first tier takes ~25 s of wall time a MiB here,
 *  whether the bytes come from the disk or from tmpfs). */
const DISK_BYTES = 2 * 2 ** 20;
/** What the guest writes at sector WRITE_SECTOR of the disk, one sector of it. */
const WRITE_SECTOR = 100;
const WRITTEN = 'written by the guest through virtio-blk';
const APPEND = 'console=ttyAMA0 earlycon nokaslr cryptomgr.notests';
/** Booting to the prompt on the first tier takes minutes on a loaded 2-core machine. */
const BOOT_MS = Number(process.env.TSEMU_LINUX_BOOT_MS ?? 900_000);
/** Each command forks and execs busybox: slow on the first tier too (seven of them, and poweroff). */
const COMMAND_MS = 300_000;

// devtmpfs on /dev: the kernel makes /dev/vda there when virtio_blk finds the disk.
const INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "init: up after $(cut -d' ' -f1 /proc/uptime) s"
exec sh
`;

/** The modules to insmod, dependencies first (fetch-kernel.sh's load-order). */
const moduleFiles = () => fs.readFileSync(path.join(MODULES, 'load-order'), 'utf8').split('\n').filter(Boolean);

function initramfs(): Uint8Array {
  const entries: Entry[] = [
    { path: 'lib', kind: 'dir' }, { path: 'lib/modules', kind: 'dir' },
    ...moduleFiles().map((m): Entry => ({ path: `lib/modules/${m}`, kind: 'file', data: fs.readFileSync(path.join(MODULES, m)) })),
    { path: 'bin', kind: 'dir' }, { path: 'dev', kind: 'dir' }, { path: 'proc', kind: 'dir' }, { path: 'sys', kind: 'dir' },
    // The kernel opens /dev/console for init's stdin/out (devtmpfs is not mounted by itself).
    { path: 'dev/console', kind: 'chardev', major: 5, minor: 1 },
    { path: 'bin/busybox', kind: 'file', data: fs.readFileSync(BUSYBOX), mode: 0o755 },
    ...['sh', 'mount', 'uname', 'cat', 'cut', 'echo', 'poweroff', 'insmod', 'md5sum', 'dd', 'ls'].map((a): Entry => ({ path: `bin/${a}`, kind: 'symlink', target: 'busybox' })),
    { path: 'init', kind: 'file', data: INIT, mode: 0o755 },
  ];
  return cpioNewc(entries);
}

interface Answers {
  uname: string; cpuinfo: string; interrupts: string; insmod: string; md5: string; write: string; diskInterrupts: string;
  bootSeconds: number; bootCpuSeconds: number; output: string; status: number | null;
  /** Wall seconds for the insmods, and for md5sum /dev/vda. */
  insmodSeconds: number; md5Seconds: number;
  /** Wall seconds from start to the machine's end. */
  totalSeconds: number;
}

/** The disk image's bytes (xorshift32: the same each time). */
function diskBytes(): Buffer {
  const bytes = Buffer.alloc(DISK_BYTES);
  let x = 0x2545f491;
  for (let i = 0; i < DISK_BYTES; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    bytes.writeUInt32LE(x, i);
  }
  return bytes;
}

/** The image after the guest's dd: sector WRITE_SECTOR holds WRITTEN, padded with zeros (conv=sync). */
function diskAfterWrite(): Buffer {
  const bytes = diskBytes();
  bytes.fill(0, WRITE_SECTOR * 512, (WRITE_SECTOR + 1) * 512);
  bytes.write(WRITTEN, WRITE_SECTOR * 512, 'latin1');
  return bytes;
}

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** qemu's spelling of a virtio-mmio disk on -M virt, which tsemu-system takes too. */
const diskArgs = (file: string) => ['-drive', `file=${file},format=raw,if=none,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'];

/** The disk's part of a session's answers: both modules loaded, /dev/vda there, its md5 the
 *  host's, the dd's one sector written, and the host file changed in that sector only. */
function checkDisk(a: Answers, file: string): void {
  expect(a.insmod).toMatch(/^\/dev\/vda$/m);
  expect(a.output).toContain(`virtio_blk virtio0: [vda] ${DISK_BYTES / 512} 512-byte logical blocks`);
  expect(a.md5).toMatch(new RegExp(`^${md5(diskBytes())}  /dev/vda$`, 'm'));
  expect(a.write).toMatch(/^1\+0 records out$/m);
  const after = fs.readFileSync(file);
  expect(after.subarray(WRITE_SECTOR * 512, WRITE_SECTOR * 512 + WRITTEN.length).toString('latin1')).toBe(WRITTEN);
  expect(md5(after)).toBe(md5(diskAfterWrite()));
}

/** Boot, answer the commands, power off. */
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
    let t0 = c.elapsed();
    const insmod = await c.command(moduleFiles().map((m) => `insmod /lib/modules/${m}`).join(' && ') + ' && ls /dev/vda', COMMAND_MS);
    const insmodSeconds = c.elapsed() - t0;
    t0 = c.elapsed();
    const md5 = await c.command('md5sum /dev/vda', COMMAND_MS);
    const md5Seconds = c.elapsed() - t0;
    const write = await c.command(`echo -n '${WRITTEN}' > /tmp.sector; ` +
      `dd if=/tmp.sector of=/dev/vda bs=512 seek=${WRITE_SECTOR} count=1 conv=sync,fsync 2>&1 | cut -d' ' -f1-4`, COMMAND_MS);
    const diskInterrupts = await c.command('cat /proc/interrupts', COMMAND_MS);
    c.type('poweroff -f');
    await c.waitFor(/reboot: Power down\n/, COMMAND_MS);
    const { status } = await c.exited;
    return {
      uname, cpuinfo, interrupts, insmod, md5, write, diskInterrupts, bootSeconds, bootCpuSeconds, output: c.output, status,
      insmodSeconds, md5Seconds, totalSeconds: c.elapsed(),
    };
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
  /** A disk image for each machine (each writes a sector of its own). */
  const disk = (name: string) => {
    const f = path.join(dir, `${name}.img`);
    fs.writeFileSync(f, diskBytes());
    return f;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-linux-'));
    initrd = path.join(dir, 'initramfs.cpio');
    if (haveKernel) fs.writeFileSync(initrd, initramfs());
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('the kernel was fetched by the test set-up (fixtures/system/fetch-kernel.sh)', () => {
    expect(haveKernel).toBe(true);
  });

  it('boots under qemu-system-aarch64 with the same initramfs and disk (the reference answers)', async () => {
    const image = disk('qemu');
    qemu = await session('qemu-system-aarch64', ['-M', 'virt', '-cpu', 'cortex-a72', '-m', '512M', '-nographic', '-nic', 'none',
      '-monitor', 'none', '-serial', 'stdio', '-kernel', KERNEL, '-initrd', initrd, '-append', APPEND, ...diskArgs(image)]);
    const release = fs.readFileSync(path.join(SYSTEM_FIXTURES, 'linux', 'version'), 'utf8').split(' ')[0].replace(/^linux-image-/, '');
    expect(qemu.uname).toMatch(new RegExp(`^Linux \\(none\\) ${release.replace(/\./g, '\\.')} #1 SMP .* aarch64 GNU/Linux\n$`));
    expect(cpuIdentity(qemu.cpuinfo)).toContain('CPU part : 0xd08');
    expect(interruptLines(qemu.interrupts)).toHaveLength(2);
    checkDisk(qemu, image);
    expect(qemu.status).toBe(0);
    console.log(`qemu-system-aarch64: shell prompt after ${qemu.bootSeconds.toFixed(1)} s (${qemu.bootCpuSeconds.toFixed(1)} s of CPU); ` +
      `insmod ${qemu.insmodSeconds.toFixed(1)} s, md5sum /dev/vda (${DISK_BYTES / 2 ** 20} MiB) ${qemu.md5Seconds.toFixed(1)} s`);
  }, BOOT_MS + 8 * COMMAND_MS);

  it('boots under tsemu-system to the shell and answers as under qemu, reads and writes the virtio disk; poweroff -f ends it with status 0', async () => {
    const image = disk('tsemu');
    const stats = path.join(dir, 'stats.log');
    const t = await session(process.execPath, [path.join(ROOT, 'bin', 'tsemu-system'), '-M', 'virt', '-m', '512M', '-nographic',
      '-kernel', KERNEL, '-initrd', initrd, '-append', APPEND, ...diskArgs(image), '-d', 'stats', '-D', stats]);
    console.log(`tsemu-system: shell prompt after ${t.bootSeconds.toFixed(1)} s (${t.bootCpuSeconds.toFixed(1)} s of CPU); ` +
      `qemu-system-aarch64: ${qemu?.bootSeconds.toFixed(1)} s; insmod ${t.insmodSeconds.toFixed(1)} s, ` +
      `md5sum /dev/vda (${DISK_BYTES / 2 ** 20} MiB) ${t.md5Seconds.toFixed(1)} s; the whole session ${t.totalSeconds.toFixed(1)} s\n` +
      `tsemu-system -d ${fs.readFileSync(stats, 'utf8').trim()}`);
    expect(t.output).toContain('Booting Linux on physical CPU 0x0000000000');
    expect(t.output).not.toContain('Kernel panic');
    expect(t.output).not.toMatch(/Internal error: Oops/);
    expect(t.uname).toBe(qemu.uname); // the kernel's build string: no run-time part
    expect(cpuIdentity(t.cpuinfo)).toEqual(cpuIdentity(qemu.cpuinfo));
    expect(interruptLines(t.interrupts)).toEqual(interruptLines(qemu.interrupts));
    checkDisk(t, image);
    // The disk's interrupt as the generated device tree gives it: SPI 16 (INTID 48), level.
    expect(t.diskInterrupts).toMatch(/^\s*\d+:\s+[1-9]\d*\s+GIC-0\s+48 Level\s+virtio0$/m);
    expect(t.status).toBe(0);
  }, Math.max(BOOT_MS, RUN_LIMIT_MS) + 8 * COMMAND_MS);
});
