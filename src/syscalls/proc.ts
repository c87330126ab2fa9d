// The guest's own /proc/self files. The host's /proc/self describes the Node process, so the
// files whose contents differ (maps, cmdline, environ, auxv, comm) and the links (exe, cwd,
// fd/N) are produced here from the guest's state.
import * as fs from 'node:fs';
import { MemFile } from '../vfs/memfile.js';
import type { OpenFile } from '../vfs/file.js';
import { procSelfPart } from './at.js';
import type { Kernel } from './kernel.js';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/** /proc/self/maps from the guest mapping list. */
export function mapsText(k: Kernel): string {
  const lines: string[] = [];
  for (const m of k.mem.mappings) {
    const shared = k.sharedMappings.some((s) => s.start < m.end && s.end > m.start);
    const perm = `${m.perm & 1 ? 'r' : '-'}${m.perm & 2 ? 'w' : '-'}${m.perm & 4 ? 'x' : '-'}${shared ? 's' : 'p'}`;
    const head = `${hex(m.start, 8)}-${hex(m.end, 8)} ${perm} 00000000 00:00 0`;
    lines.push(m.name ? `${head.padEnd(73)}${m.name}` : head);
  }
  return lines.map((l) => l + '\n').join('');
}

function nulList(items: string[]): Buffer {
  return Buffer.concat(items.map((s) => Buffer.from(s + '\0')));
}

/** The auxiliary vector as the guest's stack holds it, up to and including AT_NULL. */
function auxvBytes(k: Kernel): Buffer {
  if (!k.auxv) return Buffer.alloc(16);
  const out: Buffer[] = [];
  for (let a = k.auxv; out.length < 64; a += 16) {
    const pair = Buffer.from(k.mem.read(a, 16));
    out.push(pair);
    if (pair.readBigUInt64LE(0) === 0n) break;
  }
  return Buffer.concat(out);
}

/** Contents of a synthetic /proc/self file, or null if `rest` names none. */
function procContents(k: Kernel, rest: string): Buffer | null {
  switch (rest) {
    case 'maps': return Buffer.from(mapsText(k));
    case 'cmdline': return nulList(k.argv);
    case 'environ': return nulList(k.envp);
    case 'auxv': return auxvBytes(k);
    case 'comm': return Buffer.from(k.comm + '\n');
    default: return null;
  }
}

/** Open a synthetic /proc/self file for `guest` (an absolute guest path), or null. */
export function openProcFile(k: Kernel, guest: string, flags: number): OpenFile | null {
  const rest = procSelfPart(k, guest);
  if (rest === null) return null;
  const data = procContents(k, rest);
  return data ? new MemFile(data, guest, flags) : null;
}

/** Target of a /proc/self link (exe, cwd, fd/N) for readlink, or null. */
export function procLink(k: Kernel, guest: string): string | null {
  const std = ['/dev/stdin', '/dev/stdout', '/dev/stderr'].indexOf(guest);
  if (std >= 0) return `/proc/self/fd/${std}`; // these are the links themselves
  const rest = procSelfPart(k, guest);
  if (rest === null) return null;
  if (rest === 'exe') return k.exeGuestPath;
  if (rest === 'cwd') return k.paths.cwd;
  const fd = /^fd\/(\d+)$/.exec(rest);
  if (fd && k.fds.has(Number(fd[1]))) {
    // The host knows what a host descriptor really is (a pipe:[ino], /dev/pts/N, a path).
    const f = k.fds.get(Number(fd[1]));
    if (f.linkName !== undefined) return f.linkName;
    const h = f.hostFd();
    if (h !== undefined) {
      try { return fs.readlinkSync(`/proc/self/fd/${h}`); } catch { /* no /proc on this host */ }
    }
    return f.path;
  }
  return null;
}
