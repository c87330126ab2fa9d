// ELF64 AArch64 images: validation with one-line errors, program headers via elfy, and mapping
// PT_LOAD segments into guest memory with their permissions.
import elfy from 'elfy';
import { GuestMemory, pageDown, pageUp } from '../cpu/memory.js';
import { GUEST_END, GUEST_MIN, PERM_R, PERM_W, PERM_X } from '../cpu/state.js';

/** A problem with the program or its interpreter; the message is one line for the user. */
export class LoadError extends Error {}

export interface Segment {
  /** p_type: PT_LOAD, PT_INTERP, ... */
  ptype: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  flags: number;
}

export interface ElfImage {
  path: string;
  type: 'exec' | 'dyn';
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  segments: Segment[];
  interp?: string;
  data: Buffer;
}

const MACHINES: Record<number, string> = {
  3: 'x86 (i386)', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 's390', 40: '32-bit ARM', 43: 'SPARC V9',
  62: 'x86-64', 183: 'aarch64', 243: 'RISC-V', 258: 'LoongArch',
};
const EM_AARCH64 = 183;
const PT_LOAD = 1;
const PT_INTERP = 3;

export function parseElf(path: string, data: Buffer): ElfImage {
  if (data.length < 4 || data.readUInt32BE(0) !== 0x7f454c46) {
    const text = data.subarray(0, 2).toString('latin1');
    if (text === '#!') throw new LoadError(`${path}: is a script; run its interpreter under tsemu-user instead`);
    throw new LoadError(`${path}: not an ELF file; tsemu-user runs aarch64 Linux binaries`);
  }
  // e_ident and e_machine sit at the same offsets in 32- and 64-bit headers: name what the
  // file is before insisting on a whole 64-bit header.
  if (data.length < 20) throw new LoadError(`${path}: truncated ELF header (${data.length} bytes)`);
  const cls = data[4];
  const endian = data[5];
  if (cls !== 1 && cls !== 2) throw new LoadError(`${path}: corrupt ELF header (class ${cls})`);
  if (endian !== 1 && endian !== 2) throw new LoadError(`${path}: corrupt ELF header (data encoding ${endian})`);
  const machine = endian === 2 ? data.readUInt16BE(18) : data.readUInt16LE(18);
  if (machine !== EM_AARCH64) {
    const mname = MACHINES[machine] ?? `machine ${machine}`;
    const bits = cls === 1 && !/32|i386/.test(mname) ? ' 32-bit' : '';
    const order = endian === 2 ? ' big-endian' : '';
    throw new LoadError(`${path}: ${mname}${bits}${order} ELF; tsemu-user runs aarch64 binaries`);
  }
  if (cls !== 2) throw new LoadError(`${path}: 32-bit aarch64 (ILP32) ELF; tsemu-user runs 64-bit aarch64 binaries`);
  if (endian !== 1) throw new LoadError(`${path}: big-endian aarch64 ELF; tsemu-user runs little-endian aarch64 binaries`);
  if (data.length < 64) throw new LoadError(`${path}: truncated ELF header (${data.length} of 64 bytes)`);
  const etype = data.readUInt16LE(16);
  if (etype !== 2 && etype !== 3) {
    throw new LoadError(`${path}: ELF type ${etype} is not an executable (need ET_EXEC or ET_DYN)`);
  }
  const phoff = Number(data.readBigUInt64LE(32));
  const phentsize = data.readUInt16LE(54);
  const phnum = data.readUInt16LE(56);
  if (phentsize !== 56 || phnum === 0 || phoff + phnum * phentsize > data.length) {
    throw new LoadError(`${path}: corrupt ELF program headers (offset ${phoff}, ${phnum} entries of ${phentsize} bytes)`);
  }
  let segments: Segment[];
  try {
    // elfy's header and program-header parsers; its full parse() also insists on a section
    // name table, which stripped or hand-made binaries may lack and loading never needs.
    const parser = new elfy.Parser();
    const header = parser.parseHeader(data);
    segments = parser.parsePrograms(data, header).map((p, i) => ({
      ptype: data.readUInt32LE(phoff + i * phentsize),
      offset: Number(p.offset),
      vaddr: Number(p.vaddr),
      filesz: Number(p.filesz),
      memsz: Number(p.memsz),
      flags: (p.flags.r ? 4 : 0) | (p.flags.w ? 2 : 0) | (p.flags.x ? 1 : 0),
    }));
  } catch (err) {
    throw new LoadError(`${path}: corrupt ELF: ${(err as Error).message}`);
  }
  const img: ElfImage = {
    path, type: etype === 2 ? 'exec' : 'dyn', entry: Number(data.readBigUInt64LE(24)), phoff, phentsize, phnum,
    segments, data,
  };
  const loads = segments.filter((s) => s.ptype === PT_LOAD);
  if (!loads.length) throw new LoadError(`${path}: ELF has no loadable segments`);
  for (const s of loads) {
    if (s.offset + s.filesz > data.length || s.filesz > s.memsz) {
      throw new LoadError(`${path}: corrupt ELF: a segment lies outside the file (offset ${s.offset}, size ${s.filesz})`);
    }
  }
  const interp = segments.find((s) => s.ptype === PT_INTERP);
  if (interp) {
    if (interp.offset + interp.filesz > data.length) throw new LoadError(`${path}: corrupt ELF: PT_INTERP outside the file`);
    img.interp = data.subarray(interp.offset, interp.offset + interp.filesz).toString('latin1').replace(/\0.*$/s, '');
  }
  return img;
}

export function loadSegments(img: ElfImage): Segment[] {
  return img.segments.filter((s) => s.ptype === PT_LOAD);
}

/** Lowest and highest (exclusive, page-rounded) addresses of the image before relocation. */
export function imageSpan(img: ElfImage): [number, number] {
  const loads = loadSegments(img);
  const lo = Math.min(...loads.map((s) => pageDown(s.vaddr)));
  const hi = Math.max(...loads.map((s) => pageUp(s.vaddr + s.memsz)));
  return [lo, hi];
}

/** Map the image at `bias` (0 for ET_EXEC). Returns the end of the highest segment. */
export function mapImage(mem: GuestMemory, img: ElfImage, bias: number, name: string): number {
  const [lo, hi] = imageSpan(img);
  if (lo + bias < GUEST_MIN || hi + bias > GUEST_END) {
    throw new LoadError(`${img.path}: segments at 0x${(lo + bias).toString(16)}-0x${(hi + bias).toString(16)} lie outside the guest address window (0x${GUEST_MIN.toString(16)}-0x${GUEST_END.toString(16)})`);
  }
  const loads = loadSegments(img);
  // Pages shared by two segments get the union of their permissions.
  const perms = new Map<number, number>();
  for (const s of loads) {
    const perm = (s.flags & 4 ? PERM_R : 0) | (s.flags & 2 ? PERM_W : 0) | (s.flags & 1 ? PERM_X : 0);
    for (let p = pageDown(s.vaddr + bias); p < pageUp(s.vaddr + bias + s.memsz); p += 4096) {
      perms.set(p, (perms.get(p) ?? 0) | perm);
    }
  }
  const pages = [...perms.keys()].sort((a, b) => a - b);
  for (let i = 0; i < pages.length;) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[j] + 4096 && perms.get(pages[j + 1]) === perms.get(pages[i])) j++;
    mem.map(pages[i], pages[j] + 4096 - pages[i], perms.get(pages[i])!, name);
    i = j + 1;
  }
  let end = 0;
  for (const s of loads) {
    mem.u8.set(img.data.subarray(s.offset, s.offset + s.filesz), s.vaddr + bias);
    mem.markDirty(s.vaddr + bias, s.vaddr + bias + s.filesz);
    end = Math.max(end, s.vaddr + bias + s.memsz);
  }
  return end;
}
