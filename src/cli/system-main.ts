// tsemu-system's command line, in qemu-system-aarch64's spelling where it exists: parse the
// flags (commander), boot, and exit with the machine's status (0 on PSCI SYSTEM_OFF). Errors a
// person sees are one line naming the fix.
import { Command } from 'commander';
import * as fs from 'node:fs';
import { BootError, runSystem, serialTo, Unsupported } from '../system.js';
import { OptionError, parseDisks } from './drive-options.js';

function err(line: string): never {
  fs.writeSync(2, `tsemu-system: ${line}\n`);
  process.exit(1);
}

/** qemu's single-dash long options (-kernel, -append, ...) as commander's --kernel. */
const LONG = ['machine', 'kernel', 'initrd', 'append', 'dtb', 'nographic', 'smp', 'cpu', 'serial', 'monitor', 'nic', 'no-reboot', 'drive', 'device'];
export function qemuStyle(argv: string[]): string[] {
  return argv.map((a, i) => (i >= 2 && a.startsWith('-') && !a.startsWith('--') && LONG.includes(a.slice(1)) ? `-${a}` : a));
}

/** "512M", "1G", "128" (MiB, as qemu) → bytes. */
export function parseSize(s: string): number | null {
  const m = /^(\d+)([KMGT]?)i?B?$/i.exec(s.trim());
  if (!m) return null;
  const unit = { '': 2 ** 20, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * unit;
}

const collect = (v: string, all: string[] | undefined) => [...(all ?? []), v];

export function main(argv: string[]): void {
  const program = new Command();
  program
    .name('tsemu-system')
    .description('Boot an arm64 machine (QEMU\'s virt board) with a Linux Image or a bare-metal program.')
    .version('0.1.0', '--version')
    .option('-M, --machine <type>', 'machine type: virt (the only one)', 'virt')
    .option('-m <size>', 'RAM, e.g. 512M or 1G (default 128M)', '128M')
    .option('--kernel <file>', 'arm64 Image to boot (e.g. Debian\'s /boot/vmlinuz-*-arm64)')
    .option('--initrd <file>', 'initial RAM disk')
    .option('--append <cmdline>', 'kernel command line (/chosen/bootargs)')
    .option('--dtb <file>', 'device tree blob to pass instead of the generated one')
    .option('--nographic', 'serial port on stdio (always so: there is no display)')
    .option('--smp <n>', 'CPUs (1 only, for now)', '1')
    .option('--cpu <model>', 'accepted for qemu compatibility; the CPU is tsemu\'s own (a Cortex-A72-like v8.0 core)')
    .option('--no-reboot', 'accepted: a guest reset ends the run anyway')
    .option('--drive <spec>', 'a disk: file=disk.img,format=raw[,if=virtio|none][,id=ID][,readonly=on][,serial=S]; ' +
      'if=virtio (the default) is a virtio-blk disk on a virtio-mmio transport (Linux\'s /dev/vda for the first), ' +
      'if=none waits for a -device (repeatable; raw images only)', collect)
    .option('--device <spec>', 'virtio-blk-device,drive=ID: a virtio-blk disk on a virtio-mmio transport for the -drive ' +
      'with if=none,id=ID (the only device type; repeatable)', collect)
    .option('-d <items>', 'log: in_asm (translated instructions), int (exceptions, interrupts, PSCI), unimp (unknown system registers), stats (at the end: guest instructions the first tier ran, per second; all of them once the MMU is on)')
    .option('-D <file>', 'write -d logs to a file instead of stderr')
    .showHelpAfterError();
  program.parse(qemuStyle(argv));
  const o = program.opts();
  if (program.args.length) err(`unexpected argument ${program.args[0]}; options come as -kernel FILE, -append "…" (see --help)`);
  const machine = String(o.machine).split(',')[0];
  if (machine !== 'virt') err(`-M ${machine}: unknown machine; tsemu-system models -M virt only`);
  if (o.kernel === undefined) err('no kernel: pass -kernel Image (an arm64 Linux Image, or a bare-metal program with an Image header)');
  const smp = Number(o.smp);
  if (!(smp === 1)) err(`-smp ${o.smp}: one CPU only for now; pass -smp 1`);
  const ram = parseSize(o.m);
  if (ram === null || ram < 16 * 2 ** 20) err(`-m ${o.m}: not a RAM size of at least 16M; pass e.g. -m 512M`);
  if (ram > 2 * 2 ** 30) err(`-m ${o.m}: at most 2G of RAM for now; pass e.g. -m 2G`);
  let disks: ReturnType<typeof parseDisks> = [];
  try {
    disks = parseDisks(o.drive ?? [], o.device ?? []);
  } catch (e) {
    if (e instanceof OptionError) err(e.message);
    throw e;
  }
  const items = new Set(o.d ? String(o.d).split(',') : []);
  for (const it of items) if (!['in_asm', 'int', 'unimp', 'stats'].includes(it)) err(`-d ${it}: unknown log item; use in_asm, int, unimp or stats`);
  const logFd = o.D ? fs.openSync(o.D, 'w') : 2;
  // A terminal goes to raw mode, as under qemu -nographic: keys reach the guest one by one,
  // unechoed, Ctrl-C included (Ctrl-A x ends the run). Restored on the way out.
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.on('exit', () => process.stdin.setRawMode(false));
  }
  const line = (s: string) => fs.writeSync(logFd, s + '\n');
  try {
    const status = runSystem({
      kernel: o.kernel, initrd: o.initrd, append: o.append, dtb: o.dtb, ramSize: ram, disks,
      serial: serialTo(1),
      serialIn: 0,
      log: {
        inAsm: items.has('in_asm') ? (pc, text) => line(`0x${BigInt.asUintN(64, BigInt(pc)).toString(16).padStart(16, '0')}:  ${text}`) : undefined,
        int: items.has('int') ? line : undefined,
        unimp: items.has('unimp') ? line : undefined,
        stats: items.has('stats') ? line : undefined,
      },
    });
    process.exit(status);
  } catch (e) {
    if (e instanceof BootError || e instanceof Unsupported) err(e.message);
    const msg = e instanceof Error ? e.message : String(e);
    fs.writeSync(2, `tsemu-system: internal error: ${msg} (set TSEMU_DEBUG=1 for details; please report it)\n`);
    if (process.env.TSEMU_DEBUG && e instanceof Error) fs.writeSync(2, `${e.stack}\n`);
    process.exit(70);
  }
}
