// The generated device tree, read back by the device-tree compiler (dtc -I dtb), and the
// arm64 Image loader's placement rules (booting.rst; where hw/arm/boot.c puts things).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../src/cpu/memory.js';
import { BootError, layout, parseImage } from '../../src/system/boot.js';
import { buildFdt, node } from '../../src/system/fdt.js';
import { VirtBoard } from '../../src/system/virt.js';
import { VirtioBlk } from '../../src/system/virtio-blk.js';
import { needs, titled } from '../support/requires.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-dtb-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const MiB = 2 ** 20;

/** dtc's reading of a blob: [its source text, its warnings and errors]. */
function decompile(blob: Uint8Array): [string, string] {
  const f = path.join(dir, `t${Math.random().toString(36).slice(2)}.dtb`);
  fs.writeFileSync(f, blob);
  const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', f], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return [r.stdout, r.stderr];
}

const lacking = needs('dtc');
describe.skipIf(lacking)(titled('device tree blobs, read back by dtc', lacking), () => {
  it('a small tree: header, nesting, every kind of value', () => {
    const blob = buildFdt(node('', { '#address-cells': [2], model: 'm' }, [
      node('a@1', { strs: ['x', 'yz'], empty: null, bytes: new Uint8Array([1, 2, 3]) }, [node('b', { v: [0xdeadbeef] })]),
    ]));
    expect(new DataView(blob.buffer).getUint32(0)).toBe(0xd00dfeed);
    expect(new DataView(blob.buffer).getUint32(4)).toBe(blob.length);
    const [dts] = decompile(blob);
    expect(dts).toContain('#address-cells = <0x02>;');
    expect(dts).toContain('model = "m";');
    expect(dts).toMatch(/a@1 \{\s+strs = "x\\0yz";\s+empty;\s+bytes = \[01 02 03\];\s+b \{\s+v = <0xdeadbeef>;\s+\};\s+\};/);
  });

  it('the virt board\'s tree: memory, cpus, psci, timer, GIC, apb_pclk, PL011, chosen', () => {
    const board = new VirtBoard(new GuestMemory(), 512 * MiB, () => {});
    const blob = buildFdt(board.deviceTree({ bootargs: 'console=ttyAMA0 earlycon', initrd: { start: 0x48000000, end: 0x48100000 } }));
    expect(blob.length).toBeLessThan(2 * 1024);
    const [dts, warnings] = decompile(blob);
    expect(warnings).toBe('');
    const has = (re: RegExp) => expect(dts).toMatch(re);
    has(/memory@40000000 \{\s+reg = <0x00 0x40000000 0x00 0x20000000>;\s+device_type = "memory";/);
    has(/cpu@0 \{\s+reg = <0x00>;\s+compatible = "arm,cortex-a72";\s+device_type = "cpu";/);
    has(/psci \{\s+compatible = "arm,psci-1.0\\0arm,psci-0.2\\0arm,psci";\s+method = "hvc";/);
    // PPIs 13, 14, 11 (the virtual timer), 10, level-high, CPU 0.
    has(/timer \{\s+interrupts = <0x01 0x0d 0x104 0x01 0x0e 0x104 0x01 0x0b 0x104 0x01 0x0a 0x104>;\s+always-on;\s+compatible = "arm,armv8-timer";/);
    has(/intc@8000000 \{\s+phandle = <0x01>;\s+reg = <0x00 0x8000000 0x00 0x10000 0x00 0x8010000 0x00 0x10000>;\s+compatible = "arm,cortex-a15-gic";\s+interrupt-controller;\s+#interrupt-cells = <0x03>;\s+#address-cells = <0x00>;/);
    has(/apb-pclk \{\s+phandle = <0x02>;\s+clock-output-names = "clk24mhz";\s+clock-frequency = <0x16e3600>;\s+#clock-cells = <0x00>;\s+compatible = "fixed-clock";/);
    has(/pl011@9000000 \{\s+clock-names = "uartclk\\0apb_pclk";\s+clocks = <0x02 0x02>;\s+interrupts = <0x00 0x01 0x04>;\s+reg = <0x00 0x9000000 0x00 0x1000>;\s+compatible = "arm,pl011\\0arm,primecell";/);
    has(/chosen \{\s+stdout-path = "\/pl011@9000000";\s+bootargs = "console=ttyAMA0 earlycon";\s+linux,initrd-start = <0x00 0x48000000>;\s+linux,initrd-end = <0x00 0x48100000>;/);
    has(/interrupt-parent = <0x01>;/);
    expect(dts).not.toContain('virtio'); // no disk, no transport
  });

  it('a virtio-mmio node for each disk, where QEMU\'s virt puts its transports: 0x0a000000 + 0x200 each, SPI 16 up, level', () => {
    const img = path.join(dir, 'disk.img');
    fs.writeFileSync(img, Buffer.alloc(4096));
    const disks = [new VirtioBlk(img, 'a'), new VirtioBlk(img, 'b', { readOnly: true })];
    try {
      const board = new VirtBoard(new GuestMemory(), 512 * MiB, () => {}, disks);
      const [dts, warnings] = decompile(buildFdt(board.deviceTree({})));
      expect(warnings).toBe('');
      expect(dts).toMatch(/virtio_mmio@a000000 \{\s+dma-coherent;\s+interrupts = <0x00 0x10 0x04>;\s+reg = <0x00 0xa000000 0x00 0x200>;\s+compatible = "virtio,mmio";\s+\};/);
      expect(dts).toMatch(/virtio_mmio@a000200 \{\s+dma-coherent;\s+interrupts = <0x00 0x11 0x04>;\s+reg = <0x00 0xa000200 0x00 0x200>;/);
      expect(dts.match(/virtio_mmio@/g)).toHaveLength(2);
      // The bus answers at the transport: its magic value.
      expect(board.bus.read(0x0a000200, 4)).toBe(0x74726976);
      expect(board.bus.read(0x0a000208, 4)).toBe(2);
    } finally {
      for (const d of disks) d.close();
    }
  });
});

/** An Image header (booting.rst) in front of `body` bytes. */
function image(textOffset: bigint, imageSize: bigint, flags: bigint, body = 64): Uint8Array {
  const b = new Uint8Array(64 + body);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(8, textOffset, true);
  dv.setBigUint64(16, imageSize, true);
  dv.setBigUint64(24, flags, true);
  b.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  return b;
}

describe('arm64 Image loading', () => {
  it('reads text_offset and image_size from the header', () => {
    const k = parseImage('k', image(0x10000n, 0x200000n, 0xan));
    expect(k.textOffset).toBe(0x10000);
    expect(k.imageSize).toBe(0x200000);
  });
  it('an image_size of 0 means an old kernel at text_offset 0x80000', () => {
    expect(parseImage('k', image(0n, 0n, 0n)).textOffset).toBe(0x80000);
  });
  it('refuses a big-endian kernel and a misaligned text_offset', () => {
    expect(() => parseImage('k', image(0n, 0x1000n, 1n))).toThrow(/big-endian kernel/);
    expect(() => parseImage('k', image(0x123n, 0x1000n, 0xan))).toThrow(BootError);
  });
  it('places kernel, initrd and DTB as QEMU does: RAM+2 MiB+text_offset, RAM+min(RAM/2,128M), next 2 MiB', () => {
    const k = parseImage('k', image(0n, 0x2010000n, 0xan));
    const base = 0x40000000;
    const noInitrd = layout(base, 128 * MiB, k, null, 0x600);
    expect(noInitrd.kernel).toBe(0x40200000);
    expect(noInitrd.dtb).toBe(0x44000000);
    const withInitrd = layout(base, 1024 * MiB, k, 3 * MiB + 5, 0x600);
    expect(withInitrd.initrd).toEqual({ start: 0x48000000, end: 0x48000000 + 3 * MiB + 5 });
    expect(withInitrd.dtb).toBe(0x48400000);
    expect(withInitrd.dtb % (2 * MiB)).toBe(0);
  });
  it('an initrd that would overlap the kernel goes right after it', () => {
    const big = parseImage('k', image(0n, BigInt(70 * MiB), 0xan));
    const l = layout(0x40000000, 128 * MiB, big, 4096, 0x600);
    expect(l.initrd!.start).toBe(0x40200000 + 70 * MiB);
  });
  it('asks for more RAM when things do not fit', () => {
    const k = parseImage('k', image(0n, BigInt(62 * MiB), 0xan)); // ends exactly at the end of RAM
    expect(() => layout(0x40000000, 64 * MiB, k, null, 0x600)).toThrow(/pass a larger -m/);
  });
});
