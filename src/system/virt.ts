// The `virt` board (QEMU's hw/arm/virt.c memory map, the part modelled so far): RAM from 1 GiB,
// a GICv2, the PL011, the generic timer's PPIs, PSCI over HVC, virtio-mmio transports where
// QEMU has its 32 (one for each device given, from the first slot: no empty ones to probe); and
// its device tree.
import { PERM_R, PERM_W, PERM_X } from '../cpu/state.js';
import type { GuestMemory } from '../cpu/memory.js';
import { counterNow, type GenericTimer } from '../cpu/generic-timer.js';
import { DeviceBus } from './bus.js';
import { cells64, node, type FdtNode } from './fdt.js';
import { Gic } from './gic.js';
import { Pl011 } from './pl011.js';
import { VIRTIO_MMIO_SIZE, VirtioMmio, type VirtioDevice } from './virtio-mmio.js';

export const VIRT = {
  gicDist: { base: 0x08000000, size: 0x10000 },
  gicCpu: { base: 0x08010000, size: 0x10000 },
  uart: { base: 0x09000000, size: 0x1000 },
  /** As QEMU's: 32 transports 0x200 apart, on SPIs 16-47. */
  virtio: { base: 0x0a000000, size: VIRTIO_MMIO_SIZE, count: 32, firstSpi: 16 },
  ram: { base: 0x40000000 },
} as const;

/** INTIDs: the generic timer's PPIs (Arm's Server Base System Architecture numbers, as QEMU). */
export const INTID = { secPhysTimer: 29, physTimer: 30, virtTimer: 27, hypTimer: 26, uart: 32 + 1 } as const;
/** The UART's SPI number in the device tree (INTID - 32). */
const UART_SPI = INTID.uart - 32;

/** Largest RAM: guest physical memory shares tsemu's 4 GiB window (cpu/state.ts) with the
 *  emulator's own data at its top. */
export const MAX_RAM = 2 * 2 ** 30;

export class VirtBoard {
  readonly bus = new DeviceBus();
  readonly gic = new Gic();
  readonly uart: Pl011;
  readonly virtio: VirtioMmio[] = [];

  /** `devices`: virtio devices in the order given (the first is the one Linux names vda). */
  constructor(readonly mem: GuestMemory, readonly ramSize: number, serialOut: (byte: number) => void, devices: VirtioDevice[] = []) {
    mem.map(VIRT.ram.base, ramSize, PERM_R | PERM_W | PERM_X, 'ram');
    this.uart = new Pl011(serialOut);
    this.uart.onLine = (level) => this.gic.setLevel(INTID.uart, level);
    this.bus.add(VIRT.gicDist.base, VIRT.gicDist.size, this.gic.distributor);
    this.bus.add(VIRT.gicCpu.base, VIRT.gicCpu.size, this.gic.cpuInterface);
    this.bus.add(VIRT.uart.base, VIRT.uart.size, this.uart);
    if (devices.length > VIRT.virtio.count) throw new Error(`internal error: ${devices.length} virtio devices, ${VIRT.virtio.count} transports`);
    for (let i = 0; i < devices.length; i++) {
      const t = new VirtioMmio(devices[i], mem);
      const intid = 32 + VIRT.virtio.firstSpi + i;
      t.onLine = (level) => this.gic.setLevel(intid, level);
      this.bus.add(VIRT.virtio.base + i * VIRT.virtio.size, VIRT.virtio.size, t);
      this.virtio.push(t);
    }
  }

  /** Connect the CPU's generic timer to its PPIs: the GIC samples the timers' lines whenever
   *  it needs pending state (see Gic.sampleLines). */
  connectTimer(timer: GenericTimer): void {
    this.gic.sampleLines = () => {
      const now = counterNow();
      this.gic.setLevel(INTID.virtTimer, timer.virt.line(now));
      this.gic.setLevel(INTID.physTimer, timer.phys.line(now));
    };
  }

  /** The device tree the kernel is given (hw/arm/virt.c's, cut down to what exists here). */
  deviceTree(chosen: { bootargs?: string; initrd?: { start: number; end: number } }): FdtNode {
    const GIC = 1, CLK = 2;
    const PPI = 1, SPI = 0, LEVEL_HIGH = 4;
    const ppiFlags = (1 << 8) | LEVEL_HIGH; // one CPU in the PPI's CPU mask
    const uartName = `pl011@${VIRT.uart.base.toString(16)}`;
    const chosenProps: Record<string, string | number[]> = { 'stdout-path': `/${uartName}` };
    if (chosen.bootargs !== undefined) chosenProps.bootargs = chosen.bootargs;
    if (chosen.initrd) {
      chosenProps['linux,initrd-start'] = cells64(chosen.initrd.start);
      chosenProps['linux,initrd-end'] = cells64(chosen.initrd.end);
    }
    return node('', {
      'interrupt-parent': [GIC], '#size-cells': [2], '#address-cells': [2],
      compatible: 'linux,dummy-virt', model: 'tsemu virt',
    }, [
      node('psci', {
        compatible: ['arm,psci-1.0', 'arm,psci-0.2', 'arm,psci'], method: 'hvc',
        cpu_suspend: [0xc4000001], cpu_off: [0x84000002], cpu_on: [0xc4000003], migrate: [0xc4000005],
      }),
      node(`memory@${VIRT.ram.base.toString(16)}`, { reg: cells64(VIRT.ram.base, this.ramSize), device_type: 'memory' }),
      node('cpus', { '#size-cells': [0], '#address-cells': [1] }, [
        node('cpu@0', { reg: [0], compatible: 'arm,cortex-a72', device_type: 'cpu' }),
      ]),
      node('timer', {
        interrupts: [PPI, INTID.secPhysTimer - 16, ppiFlags, PPI, INTID.physTimer - 16, ppiFlags,
          PPI, INTID.virtTimer - 16, ppiFlags, PPI, INTID.hypTimer - 16, ppiFlags],
        'always-on': null, compatible: 'arm,armv8-timer',
      }),
      node(`intc@${VIRT.gicDist.base.toString(16)}`, {
        phandle: [GIC],
        reg: cells64(VIRT.gicDist.base, VIRT.gicDist.size, VIRT.gicCpu.base, VIRT.gicCpu.size),
        compatible: 'arm,cortex-a15-gic', 'interrupt-controller': null, '#interrupt-cells': [3], '#address-cells': [0],
      }),
      // The PL011 driver binds only with its bus clock named apb_pclk (research notes, [M]).
      node('apb-pclk', {
        phandle: [CLK], 'clock-output-names': 'clk24mhz', 'clock-frequency': [24000000],
        '#clock-cells': [0], compatible: 'fixed-clock',
      }),
      node(uartName, {
        'clock-names': ['uartclk', 'apb_pclk'], clocks: [CLK, CLK], interrupts: [SPI, UART_SPI, LEVEL_HIGH],
        reg: cells64(VIRT.uart.base, VIRT.uart.size), compatible: ['arm,pl011', 'arm,primecell'],
      }),
      // Level-triggered: the transport's line stays high until the driver acknowledges (QEMU's
      // tree says edge; Linux's driver works with either).
      ...this.virtio.map((_, i) => {
        const base = VIRT.virtio.base + i * VIRT.virtio.size;
        return node(`virtio_mmio@${base.toString(16)}`, {
          'dma-coherent': null, interrupts: [SPI, VIRT.virtio.firstSpi + i, LEVEL_HIGH],
          reg: cells64(base, VIRT.virtio.size), compatible: 'virtio,mmio',
        });
      }),
      node('chosen', chosenProps),
    ]);
  }
}
