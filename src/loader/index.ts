// Loading a program: the main image, its interpreter if it has one, the stack and the brk.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import type { GuestMemory } from '../cpu/memory.js';
import { pageUp } from '../cpu/memory.js';
import { LAYOUT } from '../cpu/layout.js';
import { PERM_R, PERM_W } from '../cpu/state.js';
import { imageSpan, LoadError, mapImage, parseElf, type ElfImage } from './elf.js';
import { AT, buildStack } from './stack.js';

export { LoadError, parseElf };

export { LAYOUT };

/** HWCAP bits for what is implemented: FP, ASIMD, AES, PMULL, SHA1, SHA2, CRC32, ATOMICS (LSE),
 *  ASIMDRDM, ASIMDDP. ID_AA64ISAR0_EL1 in src/cpu/aarch64/sysregs.ts reports the same. */
export const HWCAP = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 12) | (1 << 20);
export const HWCAP2 = 0;

export interface LoadOptions {
  argv: string[];
  envp: string[];
  /** Resolve a guest absolute path to a host path (sysroot prefix first, as qemu-user's -L). */
  resolvePath: (guestPath: string) => string | null;
  uid?: number;
  gid?: number;
  /** Where guest files are read from (the in-memory file system under --memfs); node:fs by default. */
  files?: Pick<typeof import('node:fs'), 'statSync' | 'readFileSync'>;
}

export interface LoadedProgram {
  entry: number;
  sp: number;
  brk: number;
  image: ElfImage;
  /** Host path of the guest binary (for /proc/self/exe). */
  hostPath: string;
  interpBase: number;
  auxv: number;
}

export function readImage(hostPath: string, shown: string, files: LoadOptions['files'] = { statSync, readFileSync }): ElfImage {
  let data: Buffer;
  try {
    if (files.statSync(hostPath).isDirectory()) throw new LoadError(`${shown}: is a directory`);
    data = files.readFileSync(hostPath);
  } catch (err) {
    if (err instanceof LoadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new LoadError(`${shown}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`);
  }
  return parseElf(shown, data);
}

/**
 * The program named on the command line must be executable, as execve(2) requires: a file with
 * no execute bit at all is refused even for root (whose access(X_OK) asks for one bit of three).
 * A missing file is left to readImage, which says so.
 */
export function requireExecutable(hostPath: string, shown: string): void {
  try {
    accessSync(hostPath, constants.X_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EACCES') throw new LoadError(`${shown}: Permission denied`);
  }
}

export function loadProgram(mem: GuestMemory, hostPath: string, shown: string, opts: LoadOptions): LoadedProgram {
  const image = readImage(hostPath, shown, opts.files);
  const [lo, hi] = imageSpan(image);
  const bias = image.type === 'dyn' ? LAYOUT.pieBase - lo : 0;
  if (image.type === 'dyn' && hi - lo > LAYOUT.mmapTop - LAYOUT.pieBase) {
    throw new LoadError(`${shown}: image of ${hi - lo} bytes does not fit the guest address window`);
  }
  const end = mapImage(mem, image, bias, shown);

  let interpBase = 0;
  let entry = image.entry + bias;
  if (image.interp) {
    const ipath = opts.resolvePath(image.interp);
    if (!ipath) {
      throw new LoadError(`${shown}: needs interpreter ${image.interp}; pass -L <sysroot> (e.g. -L /usr/aarch64-linux-gnu)`);
    }
    const interp = readImage(ipath, image.interp, opts.files);
    const [ilo, ihi] = imageSpan(interp);
    const base = interp.type === 'dyn' ? mem.findFree(ihi - ilo, LAYOUT.mmapTop) : 0;
    if (interp.type === 'dyn' && base < 0) throw new LoadError(`${image.interp}: no room in the guest address window`);
    const ibias = interp.type === 'dyn' ? base - ilo : 0;
    mapImage(mem, interp, ibias, image.interp);
    interpBase = ibias + ilo;
    entry = interp.entry + ibias;
  }

  const stackBottom = LAYOUT.stackTop - LAYOUT.stackSize;
  mem.map(stackBottom, LAYOUT.stackSize, PERM_R | PERM_W, '[stack]');
  const phdr = findPhdr(image) + bias;
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  const gid = opts.gid ?? process.getgid?.() ?? 0;
  const { sp, auxv } = buildStack(mem, LAYOUT.stackTop, {
    argv: opts.argv,
    envp: opts.envp,
    execfn: opts.argv[0] ?? shown,
    auxv: [
      [AT.PHDR, phdr], [AT.PHENT, 56], [AT.PHNUM, image.phnum], [AT.PAGESZ, 4096], [AT.BASE, interpBase],
      [AT.FLAGS, 0], [AT.ENTRY, image.entry + bias], [AT.UID, uid], [AT.EUID, uid], [AT.GID, gid],
      [AT.EGID, gid], [AT.SECURE, 0], [AT.HWCAP, HWCAP], [AT.HWCAP2, HWCAP2], [AT.CLKTCK, 100],
      [AT.MINSIGSTKSZ, 5120],
    ],
  });
  return { entry, sp, brk: pageUp(end), image, hostPath, interpBase, auxv };
}

/** Guest address of the program headers: PT_PHDR if present, else inside the first segment. */
function findPhdr(img: ElfImage): number {
  const ph = img.segments.find((s) => s.ptype === 6);
  if (ph) return ph.vaddr;
  const first = img.segments.find((s) => s.ptype === 1 && s.offset <= img.phoff && img.phoff < s.offset + s.filesz);
  return first ? first.vaddr + (img.phoff - first.offset) : 0;
}
