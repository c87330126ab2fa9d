// A guest process image for fork: registers, mappings with their contents (all-zero pages
// skipped), and the kernel-side state a child inherits. Written by the parent, read once by the
// child tsemu process, then deleted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Mapping } from '../../cpu/memory.js';
import { PAGE_SIZE, STATE_BASE, STATE_SIZE } from '../../cpu/state.js';
import { scratchDir } from '../../vfs/scratch.js';
import type { SocketRecord } from '../../vfs/socket.js';
import type { Confinement } from '../confine.js';
import type { Creds } from './creds.js';

export interface FdRecord {
  fd: number;
  cloexec: boolean;
  /** Index into the child's inherited host descriptors (its fd number there). */
  hostFd: number;
  flags: number;
  path: string;
  hostPath: string;
  offset: number;
  owned: boolean;
  /** The child's host descriptor of the cell sharing the description's offset (vfs/offset-cell.ts). */
  cell?: number;
  /** The description's name in the lock log (vfs/shared-locks.ts). */
  lockId?: string;
  /** A socket, which the child's socket worker takes over (hostFd < 0: it has none). */
  socket?: SocketRecord;
}

export interface KernelRecord {
  brkStart: number;
  brk: number;
  exePath: string;
  exeGuestPath: string;
  argv: string[];
  envp: string[];
  auxv: number;
  cwd: string;
  prefix: string | null;
  /** Confined root (--root), which a forked child must stay in. */
  root?: string | null;
  /** The parent ran on the in-memory file system: a copy of its files (vfs/backend.ts
   *  memoryImage), which the child starts from; never the host's file system. */
  memfs?: string | null;
  /** What the guest may do to the host (confine.ts), which a forked child keeps. */
  confinement?: Confinement;
  sigactions: [number, string[]][];
  sigmask: string;
  /** Session and process group (the guest's view), inherited by the child. */
  sid?: number;
  pgid?: number;
  /** personality(2), inherited by the child. */
  persona?: number;
  /** User and group ids (creds.ts), inherited by the child. */
  creds?: Creds;
  /** sigaltstack, inherited by the child. */
  altstack: { sp: number; size: number; flags: number };
  strace: boolean;
  unimp: boolean;
  /** CLONE_CHILD_SETTID: where the child writes its own tid. */
  setChildTid: number;
  clearChildTid: number;
  /** Host fd the child closes at execve or exit, so a vfork parent can resume. */
  vforkNotify: number;
  /** vfork: where the child leaves the pages it wrote, for the parent to take in. */
  vforkReturn?: string | null;
  /** clone's new stack pointer and TLS (0: keep the parent's). */
  stack: number;
  tls: number;
  /** The lock log the child joins (its host descriptor there) and the name it had in it. */
  locks?: { fd: number; token: string } | null;
  /** The parent's on-disk translation cache file (translate/disk-cache.ts), -d cache, and a
   *  file holding the parent's translations (translate/saved-translations.ts). */
  cacheFile?: string | null;
  cacheLog?: boolean;
  tierLog?: boolean;
  outAsm?: boolean;
  execLog?: boolean;
  translations?: string | null;
  /** A file holding the parent's first-tier blocks (Translator.exportEvalBlocks). */
  evalBlocks?: string | null;
}

export interface Snapshot {
  kernel: KernelRecord;
  fds: FdRecord[];
  mappings: Mapping[];
  state: Uint8Array;
  /** For each mapping, its bytes (zero pages omitted) as [pageAddr, bytes] pairs. */
  pages: [number, Uint8Array][];
}

let counter = 0;

/** `stateBase`: the CPU state block of the thread that forks (the child is that thread alone). */
export function writeSnapshot(u8: Uint8Array, mappings: Mapping[], kernel: KernelRecord, fds: FdRecord[], stateBase = STATE_BASE): string {
  const parts: Buffer[] = [];
  const pageList: number[] = [];
  const zero = (p: number) => {
    const w = new BigUint64Array(u8.buffer, p, PAGE_SIZE / 8);
    for (let i = 0; i < w.length; i++) if (w[i] !== 0n) return false;
    return true;
  };
  for (const m of mappings) {
    for (let p = m.start; p < m.end; p += PAGE_SIZE) {
      if (!zero(p)) {
        pageList.push(p);
        parts.push(Buffer.from(u8.buffer, p, PAGE_SIZE));
      }
    }
  }
  const header = Buffer.from(JSON.stringify({ kernel, fds, mappings, pages: pageList }));
  const len = Buffer.alloc(8);
  len.writeUInt32LE(header.length, 0);
  len.writeUInt32LE(STATE_SIZE, 4);
  const file = path.join(scratchDir(), `tsemu-fork-${process.pid}-${++counter}`);
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeSync(fd, len);
    fs.writeSync(fd, header);
    fs.writeSync(fd, u8.subarray(stateBase, stateBase + STATE_SIZE));
    for (const b of parts) fs.writeSync(fd, b);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

export function readSnapshot(file: string): Snapshot {
  const data = fs.readFileSync(file);
  fs.unlinkSync(file);
  const hlen = data.readUInt32LE(0);
  const slen = data.readUInt32LE(4);
  const h = JSON.parse(data.subarray(8, 8 + hlen).toString());
  let at = 8 + hlen;
  const state = data.subarray(at, at + slen);
  at += slen;
  const pages: [number, Uint8Array][] = (h.pages as number[]).map((p) => {
    const b = data.subarray(at, at + PAGE_SIZE);
    at += PAGE_SIZE;
    return [p, b];
  });
  return { kernel: h.kernel, fds: h.fds, mappings: h.mappings, state, pages };
}
