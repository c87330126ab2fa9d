// Loading Linux the way a boot loader does on arm64 (Linux's Documentation/arch/arm64/
// booting.rst), placed where QEMU's hw/arm/boot.c places things on the same machine:
//   - the Image (gunzipped if it is gzip) at a 2 MiB-aligned base + text_offset; like QEMU the
//     base is RAM + 2 MiB (QEMU keeps its boot stub at the bottom of RAM);
//   - the initrd at RAM + min(RAM/2, 128 MiB), or just past the kernel if that overlaps;
//   - the DTB at the next 2 MiB boundary after the initrd;
//   - the CPU at EL1h with DAIF masked, MMU off, x0 = DTB address, x1-x3 = 0.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

const MiB = 2 ** 20;
const MAGIC_OFFSET = 0x38;
const MAGIC = 0x644d5241; // "ARM\x64"
const HEADER_SIZE = 64;

export class BootError extends Error {}

export interface KernelImage {
  bytes: Uint8Array;
  textOffset: number;
  /** Bytes the kernel occupies from its load address (its BSS included). */
  imageSize: number;
}

/** Parse an arm64 Image (or a gzip of one). Errors are one line naming the fix. */
export function parseImage(file: string, data: Uint8Array): KernelImage {
  let bytes = data;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch {
      throw new BootError(`-kernel ${file}: a damaged gzip file; pass an arm64 Image (e.g. Debian's /boot/vmlinuz-*-arm64)`);
    }
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER_SIZE || dv.getUint32(MAGIC_OFFSET, true) !== MAGIC) {
    const what = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46 ? 'an ELF file (vmlinux?)' : 'not an arm64 Image';
    throw new BootError(`-kernel ${file}: ${what}: no "ARM\\x64" magic at 0x38; pass an arm64 Linux Image (arch/arm64/boot/Image, or Debian's /boot/vmlinuz-*-arm64)`);
  }
  let textOffset = Number(dv.getBigUint64(8, true));
  const imageSize = Number(dv.getBigUint64(16, true));
  const flags = Number(dv.getBigUint64(24, true));
  // booting.rst: with image_size 0 the kernel predates the field and text_offset is 0x80000.
  if (imageSize === 0) textOffset = 0x80000;
  if (imageSize !== 0 && (flags & 1)) throw new BootError(`-kernel ${file}: a big-endian kernel; tsemu-system runs little-endian arm64`);
  if (textOffset % 4096 !== 0 || textOffset >= 2 * MiB) throw new BootError(`-kernel ${file}: text_offset 0x${textOffset.toString(16)} is not a page offset below 2 MiB`);
  return { bytes, textOffset, imageSize: Math.max(imageSize, bytes.length) };
}

export interface BootLayout {
  kernel: number;
  kernelEnd: number;
  initrd?: { start: number; end: number };
  dtb: number;
}

/** Where everything goes in RAM [ramBase, ramBase+ramSize). */
export function layout(ramBase: number, ramSize: number, image: KernelImage, initrdSize: number | null, dtbSize: number): BootLayout {
  const kernel = ramBase + 2 * MiB + image.textOffset;
  const kernelEnd = kernel + image.imageSize;
  let initrd: BootLayout['initrd'];
  let afterInitrd = kernelEnd;
  if (initrdSize !== null) {
    let start = ramBase + Math.min(ramSize / 2, 128 * MiB);
    if (start < kernelEnd) start = Math.ceil(kernelEnd / 4096) * 4096;
    initrd = { start, end: start + initrdSize };
    afterInitrd = initrd.end;
  } else {
    afterInitrd = Math.max(kernelEnd, ramBase + Math.min(ramSize / 2, 128 * MiB));
  }
  const dtb = Math.ceil(afterInitrd / (2 * MiB)) * 2 * MiB;
  const need = dtb + dtbSize - ramBase;
  if (need > ramSize) {
    throw new BootError(`kernel, initrd and device tree need ${Math.ceil(need / MiB)} MiB of RAM; pass a larger -m (e.g. -m ${Math.ceil(need / MiB / 128 + 1) * 128}M)`);
  }
  return { kernel, kernelEnd, initrd, dtb };
}

/** Read a file named on the command line (one line naming the fix when it cannot be read). */
export function readInput(option: string, file: string): Uint8Array {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new BootError(`${option} ${file}: not a regular file`);
    return fs.readFileSync(file);
  } catch (err) {
    if (err instanceof BootError) throw err;
    throw new BootError(`${option} ${file}: no such file (check the path)`);
  }
}
