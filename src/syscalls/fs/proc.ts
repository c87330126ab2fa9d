// The guest's own /proc/self files. The host's /proc/self describes the Node process, so the
// files whose contents differ (maps, cmdline, environ, auxv, comm) and the links (exe, cwd,
// fd/N) are produced here from the guest's state.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { CNTFRQ_EL0, MIDR_EL1 } from '../../cpu/aarch64/sysregs.js';
import { O, type OpenFile } from '../../vfs/file.js';
import { DT } from '../../vfs/host.js';
import { MemFile } from '../../vfs/memfile.js';
import { SyntheticDir } from '../../vfs/syntheticdir.js';
import { procSelfPart } from './at.js';
import { E, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/**
 * /proc/self/maps from the guest mapping list. Like Linux's VMAs, neighbouring anonymous
 * mappings with the same permissions and name are one line (the heap grows page by page); the
 * program's own mappings show its absolute path. File offsets and inodes are not recorded per
 * mapping, so they read as 0.
 */
export function mapsText(k: Kernel): string {
  const rows: { start: number; end: number; perm: string; name: string }[] = [];
  for (const m of [...k.mem.mappings].sort((a, b) => a.start - b.start)) {
    const shared = k.sharedMappings.some((s) => s.start < m.end && s.end > m.start);
    const perm = `${m.perm & 1 ? 'r' : '-'}${m.perm & 2 ? 'w' : '-'}${m.perm & 4 ? 'x' : '-'}${shared ? 's' : 'p'}`;
    const name = m.name;
    const prev = rows[rows.length - 1];
    const anonymous = name === '' || name.startsWith('[');
    if (prev && anonymous && prev.end === m.start && prev.perm === perm && prev.name === name) prev.end = m.end;
    else rows.push({ start: m.start, end: m.end, perm, name });
  }
  return rows.map((r) => {
    const head = `${hex(r.start, 8)}-${hex(r.end, 8)} ${r.perm} 00000000 00:00 0`;
    return (r.name ? `${head.padEnd(73)}${r.name}` : head) + '\n';
  }).join('');
}

/** Total size of the guest's mappings in bytes (VmSize, stat's vsize). */
function guestVmSize(k: Kernel): number {
  return k.mem.mappings.reduce((n, m) => n + (m.end - m.start), 0);
}

/** A thread of the process as /proc/self/task/<tid> shows it (the first thread's tid is the pid:
 *  /proc/self's comm, stat and status are the first thread's, as on Linux). */
interface TaskView { tid: number; comm: string; sigmask: bigint; threads: number }

function taskView(k: Kernel, tid: number): TaskView | null {
  if (!k.threads) return tid === k.pid ? { tid, comm: k.comm, sigmask: k.sigmask, threads: 1 } : null;
  const t = k.threads.thread(tid);
  return t && { tid, comm: t.comm, sigmask: t.sigmask, threads: k.threads.tids().length };
}

/** Signal sets of /proc/self/status: blocked, ignored, caught (as 16 hex digits). */
function signalSets(k: Kernel, t: TaskView): { blk: bigint; ign: bigint; cgt: bigint } {
  let ign = 0n, cgt = 0n;
  for (const [sig, [handler]] of k.sigactions) {
    const bit = 1n << BigInt(sig - 1);
    if (handler === 1n) ign |= bit;
    else if (handler !== 0n) cgt |= bit;
  }
  return { blk: t.sigmask, ign, cgt };
}

const hex16 = (v: bigint) => BigInt.asUintN(64, v).toString(16).padStart(16, '0');

/**
 * /proc/self/stat: the host's line for this process (times, faults, priority are real), with
 * what differs for the guest put in: its comm, process group and session, one thread, its
 * address space size, code and stack addresses, and signal sets.
 */
function statText(k: Kernel, t: TaskView): string | null {
  let host: string;
  try { host = fs.readFileSync('/proc/self/stat', 'latin1'); } catch { return null; }
  const close = host.lastIndexOf(')');
  const f = host.slice(close + 2).trim().split(' '); // f[0] is field 3 (state)
  const set = (field: number, v: number | bigint | string) => { if (field - 3 < f.length) f[field - 3] = String(v); };
  const code = k.mem.mappings.find((m) => m.name === k.exeGuestPath && (m.perm & 4));
  const stack = k.mem.mappings.find((m) => m.name === '[stack]');
  const sig = signalSets(k, t);
  set(3, 'R'); // it is reading its own stat: running
  set(5, k.pgid);
  set(6, k.sid);
  set(20, t.threads);
  set(23, guestVmSize(k));
  set(26, code?.start ?? 0);
  set(27, code?.end ?? 0);
  set(28, stack ? stack.end - 16 : 0);
  // 29, 30: kstkesp/kstkeip are 0 unless the process is being traced; 31-34: obsolete signal
  // fields in decimal (pending, blocked, ignored, caught).
  set(29, 0); set(30, 0);
  set(32, BigInt.asUintN(32, sig.blk)); set(33, BigInt.asUintN(32, sig.ign)); set(34, BigInt.asUintN(32, sig.cgt));
  for (let field = 45; field <= 51; field++) set(field, 0); // data/brk/arg/env addresses (not tracked)
  set(47, k.brk);
  return `${t.tid} (${t.comm}) ${f.join(' ')}\n`;
}

/** /proc/self/status: the host's, with the guest's name, thread count, memory size and signals. */
function statusText(k: Kernel, t: TaskView): string | null {
  let host: string;
  try { host = fs.readFileSync('/proc/self/status', 'latin1'); } catch { return null; }
  const sig = signalSets(k, t);
  const kb = `${Math.ceil(guestVmSize(k) / 1024)} kB`.padStart(11);
  const replace: Record<string, string> = {
    Name: t.comm, State: 'R (running)', Tgid: String(k.pid), Pid: String(t.tid), Threads: String(t.threads), VmPeak: kb, VmSize: kb, SigBlk: hex16(sig.blk),
    SigIgn: hex16(sig.ign), SigCgt: hex16(sig.cgt),
  };
  return host.split('\n').map((line) => {
    const key = line.slice(0, line.indexOf(':'));
    return key in replace ? `${key}:\t${replace[key]}` : line;
  }).join('\n');
}

/** /proc/self/fdinfo/N: offset, flags (with O_CLOEXEC), mount id and inode. */
function fdinfoText(k: Kernel, fd: number): string | null {
  if (!k.fds.has(fd)) return null;
  const e = k.fds.entry(fd);
  let pos = 0;
  try { pos = e.file.seek(0, 1); } catch { /* no offset: pipes and terminals show 0 */ }
  let ino = 0;
  try { ino = e.file.stat().ino; } catch { /* none */ }
  const flags = (e.file.flags | (e.cloexec ? O.CLOEXEC : 0)).toString(8);
  return `pos:\t${pos}\nflags:\t0${flags}\nmnt_id:\t0\nino:\t${ino}\n`;
}

/** The directories /proc/self/fd and /proc/self/fdinfo, listing the guest's descriptors. */
function procDir(k: Kernel, rest: string, guest: string, flags: number): OpenFile | null {
  if (rest === 'task') {
    const tids = k.threads?.tids() ?? [k.pid];
    return new SyntheticDir(tids.map((tid) => ({ name: String(tid), ino: 0x7e00_0000 + tid, type: DT.DIR })), guest, flags, 0o555);
  }
  if (/^task\/\d+$/.test(rest)) {
    // What a thread's directory holds here: its own files, and the process's it shares.
    const names = ['auxv', 'cmdline', 'comm', 'cwd', 'environ', 'exe', 'fd', 'fdinfo', 'maps', 'root', 'stat', 'status'];
    const type = (n: string) => n === 'fd' || n === 'fdinfo' ? DT.DIR : n === 'cwd' || n === 'exe' || n === 'root' ? DT.LNK : DT.REG;
    return new SyntheticDir(names.map((name, i) => ({ name, ino: 0x7d00_0000 + i, type: type(name) })), guest, flags, 0o555);
  }
  if (rest !== 'fd' && rest !== 'fdinfo') return null;
  const type = rest === 'fd' ? DT.LNK : DT.REG;
  // The directory's own descriptor shows up too, as on Linux: allocate after listing plus it.
  const fds = k.fds.list();
  const next = (() => { let n = 0; while (fds.includes(n)) n++; return n; })();
  const all = [...fds, next].sort((a, b) => a - b);
  const entries = all.map((fd) => ({ name: String(fd), ino: 0x7f00_0000 + fd, type }));
  return new SyntheticDir(entries, guest, flags, rest === 'fd' ? 0o500 : 0o500);
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
  const task = /^task\/(\d+)\/(comm|stat|status)$/.exec(rest);
  const t = taskView(k, task ? Number(task[1]) : k.pid);
  if (!t) return null;
  switch (task?.[2] ?? rest) {
    case 'maps': return Buffer.from(mapsText(k));
    case 'cmdline': return nulList(k.argv);
    case 'environ': return nulList(k.envp);
    case 'auxv': return auxvBytes(k);
    case 'comm': return Buffer.from(t.comm + '\n');
    case 'stat': { const text = statText(k, t); return text === null ? null : Buffer.from(text, 'latin1'); }
    case 'status': { const text = statusText(k, t); return text === null ? null : Buffer.from(text, 'latin1'); }
  }
  const info = /^fdinfo\/(\d+)$/.exec(rest);
  if (info) {
    const t = fdinfoText(k, Number(info[1]));
    if (t === null) throw new SysError(E.ENOENT);
    return Buffer.from(t);
  }
  return null;
}

/** Open a synthetic /proc/self file for `guest` (an absolute guest path), or null. */
export function openProcFile(k: Kernel, guest: string, flags: number): OpenFile | null {
  const rest = procSelfPart(k, guest);
  if (rest === null) {
    if (guest === '/proc/cpuinfo') return new MemFile(Buffer.from(cpuinfoText(k)), guest, flags);
    return null;
  }
  const dir = procDir(k, rest, guest, flags);
  if (dir) return dir;
  const data = procContents(k, rest);
  if (!data) return null;
  const comm = /^(?:task\/(\d+)\/)?comm$/.exec(rest);
  return comm ? new CommFile(k, comm[1] ? Number(comm[1]) : k.pid, data, guest, flags) : new MemFile(data, guest, flags);
}

/**
 * /proc/self/comm and /proc/self/task/<tid>/comm, which a write renames the thread through
 * (pthread_setname_np of another thread does that): as Linux's comm_write, the first 15 bytes
 * written become the name, a newline included.
 */
export class CommFile extends MemFile {
  constructor(private readonly k: Kernel, private readonly tid: number, data: Uint8Array, path: string, flags: number) {
    super(data, path, flags);
  }

  override write(buf: Uint8Array): number {
    const bytes = Buffer.from(buf.subarray(0, 15));
    const end = bytes.indexOf(0);
    const name = (end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
    if (this.k.threads) this.k.threads.setComm(this.tid, name);
    else this.k.comm = name;
    return buf.length;
  }

  override pwrite(buf: Uint8Array): number {
    return this.write(buf);
  }
}

/** Target of a /proc/self link (exe, cwd, fd/N) for readlink, or null. */
export function procLink(k: Kernel, guest: string): string | null {
  const std = ['/dev/stdin', '/dev/stdout', '/dev/stderr'].indexOf(guest);
  if (std >= 0) return `/proc/self/fd/${std}`; // these are the links themselves
  const rest = procSelfPart(k, guest);
  if (rest === null) return null;
  if (rest === 'exe') return k.exeGuestPath;
  if (rest === 'cwd') return k.paths.cwd;
  if (rest === 'root') return '/';
  const fd = /^fd\/(\d+)$/.exec(rest);
  if (fd && k.fds.has(Number(fd[1]))) {
    // The host knows what a host descriptor really is (a pipe:[ino], /dev/pts/N, a path).
    const f = k.fds.get(Number(fd[1]));
    if (f.linkName !== undefined) return f.linkName;
    const h = f.hostFd();
    if (h !== undefined) {
      try { return k.paths.guestOfHost(fs.readlinkSync(`/proc/self/fd/${h}`)); } catch { /* no /proc on this host */ }
    }
    return f.path;
  }
  return null;
}

/** Names of the AT_HWCAP and AT_HWCAP2 bits, as arm64 Linux prints them in cpuinfo. */
const HWCAP_NAMES = ['fp', 'asimd', 'evtstrm', 'aes', 'pmull', 'sha1', 'sha2', 'crc32', 'atomics', 'fphp', 'asimdhp',
  'cpuid', 'asimdrdm', 'jscvt', 'fcma', 'lrcpc', 'dcpop', 'sha3', 'sm3', 'sm4', 'asimddp', 'sha512', 'sve', 'asimdfhm',
  'dit', 'uscat', 'ilrcpc', 'flagm', 'ssbs', 'sb', 'paca', 'pacg'];
const HWCAP2_NAMES = ['dcpodp', 'sve2', 'sveaes', 'svepmull', 'svebitperm', 'svesha3', 'svesm4', 'flagm2', 'frint',
  'svei8mm', 'svef32mm', 'svef64mm', 'svebf16', 'i8mm', 'bf16', 'dgh', 'rng', 'bti', 'mte'];

/** An auxiliary vector entry of the guest (0 when absent). */
function auxvValue(k: Kernel, type: number): bigint {
  const b = auxvBytes(k);
  for (let at = 0; at + 16 <= b.length; at += 16) {
    const t = b.readBigUInt64LE(at);
    if (t === BigInt(type)) return b.readBigUInt64LE(at + 8);
    if (t === 0n) break;
  }
  return 0n;
}

/**
 * /proc/cpuinfo in the arm64 format, describing the emulated CPU: Features are the names of the
 * HWCAP bits the guest was given, the identification fields decode MIDR_EL1, BogoMIPS follows
 * from the generic timer frequency as Linux computes it, and there is one entry per host CPU.
 */
export function cpuinfoText(k: Kernel): string {
  const AT_HWCAP = 16, AT_HWCAP2 = 26;
  const hw = auxvValue(k, AT_HWCAP), hw2 = auxvValue(k, AT_HWCAP2);
  const names = [
    ...HWCAP_NAMES.filter((_, i) => (hw >> BigInt(i)) & 1n),
    ...HWCAP2_NAMES.filter((_, i) => (hw2 >> BigInt(i)) & 1n),
  ];
  const bogomips = (CNTFRQ_EL0 / 500_000).toFixed(2);
  const midr = MIDR_EL1 >>> 0;
  const cpus = Math.max(1, os.cpus().length);
  let out = '';
  for (let i = 0; i < cpus; i++) {
    out += `processor\t: ${i}\nBogoMIPS\t: ${bogomips}\nFeatures\t: ${names.join(' ')}\n` +
      `CPU implementer\t: 0x${(midr >>> 24).toString(16).padStart(2, '0')}\nCPU architecture: 8\n` +
      `CPU variant\t: 0x${((midr >>> 20) & 0xf).toString(16)}\nCPU part\t: 0x${((midr >>> 4) & 0xfff).toString(16).padStart(3, '0')}\n` +
      `CPU revision\t: ${midr & 0xf}\n\n`;
  }
  return out;
}
