// The life of a guest process beyond one program run: fork (a new host process resumed from a
// snapshot of this one), execve (a new program in this process), and the child's resume.
import { inMemory, memoryImage, restoreMemoryImage, vfs } from './vfs/backend.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuestFault } from './cpu/memory.js';
import { ADDRESS_LIMIT, GUEST_END, GUEST_MIN, PAGE_SIZE, PERM_W, STATE_BASE } from './cpu/state.js';
import { loadProgram, LoadError, parseElf } from './loader/index.js';
import { AT_FDCWD, resolveAt } from './syscalls/fs/at.js';
import { refuse } from './syscalls/confine.js';
import { E, SysError } from './syscalls/errno.js';
import { GuestExit, GuestKilled, Kernel, type ForkRequest } from './syscalls/kernel.js';
import { personaOf, setPersona } from './syscalls/process/process.js';
import { credsOf, setCreds } from './syscalls/process/creds.js';
import { dropShared } from './syscalls/mm/shared.js';
import { futexExitRelease, piTableReset } from './syscalls/process/futex-pi.js';
import { readSnapshot, writeSnapshot, type FdRecord } from './syscalls/process/snapshot.js';
import { execLine, type Machine } from './translate/machine.js';
import { decodeSaved, encodeSaved, type SavedModule } from './translate/saved-translations.js';
import { HostFile } from './vfs/host.js';
import type { OpenFile } from './vfs/file.js';
import { hostPipe } from './vfs/pipe.js';
import { SocketFile } from './vfs/socket.js';

/** How to start another tsemu-user (for fork). */
const ENTRY = fileURLToPath(new URL('../bin/tsemu-user', import.meta.url));

export function installProcessHooks(machine: Machine, kernel: Kernel): void {
  kernel.hooks = {
    fork: (req) => forkProcess(machine, kernel, req),
    exec: (path, argv, envp) => execProgram(machine, kernel, path, argv, envp, 0),
    exiting: () => {
      returnVforkWrites(machine, kernel);
      kernel.fds.locks.exit();
    },
  };
}

// ---------------------------------------------------------------- vfork's shared memory
//
// A vfork child shares its parent's memory until it calls execve or exits, and the parent is
// suspended meanwhile; glibc's posix_spawn, for one, reports a failed exec through a variable
// the child sets. The child here is another host process, so it keeps the parent's pages as
// they were at the fork and, just before it lets the parent go on, writes every writable page
// it changed to a file the parent applies before it returns from vfork. Mapping changes made
// by the child are not carried back.

interface VforkShare {
  file: string;
  /** The parent's pages at the fork (pages not listed were zero) and its mappings. */
  original: Map<number, Uint8Array>;
  mappings: { start: number; end: number }[];
}
const vforkShares = new WeakMap<Kernel, VforkShare>();
let vforkSeq = 0;

function returnVforkWrites(machine: Machine, k: Kernel): void {
  const share = vforkShares.get(k);
  if (!share) return;
  vforkShares.delete(k);
  const mem = machine.mem;
  const zero = Buffer.alloc(PAGE_SIZE);
  const out: Buffer[] = [];
  for (const m of share.mappings) {
    for (let p = m.start; p < m.end; p += PAGE_SIZE) {
      if (!(mem.perms[p / PAGE_SIZE] & PERM_W)) continue;
      const now = Buffer.from(mem.memory.buffer, p, PAGE_SIZE);
      const was = share.original.get(p);
      if (now.equals(was ?? zero)) continue;
      const head = Buffer.alloc(4);
      head.writeUInt32LE(p);
      out.push(head, Buffer.from(now));
    }
  }
  fs.writeFileSync(share.file, Buffer.concat(out));
}

/** A vfork child has exec'd: hand back what it wrote and let the parent go on. */
function releaseVforkParent(machine: Machine, k: Kernel): void {
  if (k.vforkNotify < 0) return;
  returnVforkWrites(machine, k);
  try { fs.closeSync(k.vforkNotify); } catch { /* already closed */ }
  k.vforkNotify = -1;
}

/** In the parent, once the vfork child has let it go on: take in what the child wrote. */
function applyVforkWrites(machine: Machine, file: string): void {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return; // the child ended before it could write them (killed): nothing to take in
  }
  fs.rmSync(file, { force: true });
  const mem = machine.mem;
  for (let at = 0; at + 4 + PAGE_SIZE <= data.length; at += 4 + PAGE_SIZE) {
    const p = data.readUInt32LE(at);
    if (!(mem.perms[p / PAGE_SIZE] & PERM_W)) continue;
    mem.writableView(p, PAGE_SIZE).set(data.subarray(at + 4, at + 4 + PAGE_SIZE));
  }
}

// ---------------------------------------------------------------- fork

function forkProcess(machine: Machine, k: Kernel, req: ForkRequest): number {
  const stdio: (number | 'ignore')[] = ['ignore', 'ignore', 'ignore'];
  const records: FdRecord[] = [];
  const childFdOf = new Map<OpenFile, number>();
  /** Child descriptor of each shared description's offset cell (host.ts shareOffset). */
  const cellFdOf = new Map<OpenFile, number>();
  const recordFiles: OpenFile[] = [];
  for (const fd of k.fds.list()) {
    const e = k.fds.entry(fd);
    const f = e.file;
    const sock = f instanceof SocketFile ? f.share() : undefined;
    const h = f instanceof SocketFile ? sock?.fd : f.hostFd();
    if (h === undefined) continue; // in-memory files are not inherited yet
    let child = childFdOf.get(f);
    if (child === undefined) {
      // A socket's descriptor never takes host slots 0-2 in the child: Node would own it there.
      if (h < 0) child = -2 - childFdOf.size; // a socket without one: the child makes a new socket
      else {
        child = fd <= 2 && !sock && stdio[fd] === 'ignore' ? fd : stdio.length;
        stdio[child] = h;
      }
      childFdOf.set(f, child);
      const cell = f instanceof HostFile ? f.shareOffset() : null;
      if (cell) {
        cellFdOf.set(f, stdio.length);
        stdio.push(cell.fd);
      }
    }
    records.push({
      fd, cloexec: e.cloexec, hostFd: child, flags: f.flags, path: f.path, hostPath: f.hostPath() ?? f.path,
      offset: f instanceof HostFile ? f.forkOffset() : 0, owned: true, cell: cellFdOf.get(f),
      socket: sock?.rec,
    });
    recordFiles.push(f);
  }
  // Locks: the child joins this process's lock log and holds every description it inherits.
  const shared = [...childFdOf.keys()];
  const logFd = k.fds.locks.share();
  let locks: { fd: number; token: string } | null = null;
  if (logFd >= 0) {
    locks = { fd: stdio.length, token: k.fds.locks.forking(shared) };
    stdio.push(logFd);
    records.forEach((r, i) => { r.lockId = recordFiles[i].lockId; });
  }
  let notifyRead = -1;
  let vforkNotify = -1;
  const vforkReturn = req.vfork ? path.join(os.tmpdir(), `tsemu-vfork-${process.pid}-${++vforkSeq}`) : null;
  if (req.vfork) {
    // The child closes its end at execve or exit; the parent waits for that EOF.
    const [r, w] = hostPipe(false);
    notifyRead = r;
    vforkNotify = stdio.length;
    stdio.push(w);
  }
  const mem = machine.mem;
  const translations = { ...writeTranslations(machine), evalBlocks: writeEvalBlocks(machine) };
  const file = writeSnapshot(mem.u8, mem.mappings, {
    brkStart: k.brkStart, brk: k.brk, exePath: k.exePath, exeGuestPath: k.exeGuestPath, argv: k.argv, envp: k.envp,
    auxv: k.auxv, cwd: k.paths.cwd, prefix: k.paths.prefix, root: k.paths.root, memfs: inMemory() ? memoryImage() : null,
    sigactions: [...k.sigactions].map(([s, a]) => [s, a.map(String)]), sigmask: String(k.sigmask),
    altstack: k.altstack, persona: personaOf(k), creds: credsOf(k), sid: k.sid, pgid: k.pgid, confinement: k.confinement,
    strace: !!k.opts.strace, unimp: !!k.opts.unimp,
    setChildTid: req.setChildTid, clearChildTid: req.clearChildTid, vforkNotify, vforkReturn,
    stack: req.stack, tls: req.tls, locks, cacheLog: !!machine.cacheLog, tierLog: !!machine.translator.tierLog, outAsm: !!machine.translator.outAsm, execLog: !!machine.execLog, ...translations,
  }, records, k.cpu.base); // k.cpu: the forking thread's registers (another thread's on its behalf)
  let pid: number;
  try {
    pid = k.children.spawn({ file: process.execPath, args: [ENTRY, '--resume', file], stdio, env: forkedNodeEnv(), cwd: process.cwd() });
  } catch (err) {
    fs.rmSync(file, { force: true });
    if (translations.translations) fs.rmSync(translations.translations, { force: true });
    if (translations.evalBlocks) fs.rmSync(translations.evalBlocks, { force: true });
    if (locks) k.fds.locks.forked(locks.token, -1, shared);
    throw err;
  } finally {
    if (req.vfork) fs.closeSync(stdio[vforkNotify] as number);
  }
  if (locks) k.fds.locks.forked(locks.token, pid, shared);
  if (req.parentTid) mem.writeU32(req.parentTid, pid);
  if (notifyRead >= 0) {
    const b = Buffer.alloc(1);
    try {
      while (fs.readSync(notifyRead, b, 0, 1, null) > 0) { /* wait for EOF */ }
    } catch { /* EOF or error: the child has gone on */ }
    fs.closeSync(notifyRead);
    if (vforkReturn) applyVforkWrites(machine, vforkReturn);
  }
  return pid;
}

/**
 * The host environment for a forked child's Node process: this one's, without what only costs
 * Node time. Node 20 reads NODE_EXTRA_CA_CERTS's file at start-up (40 ms for Debian's bundle
 * on this machine; Node 22 reads it only for TLS), and tsemu makes no TLS connections. The
 * guest's own environment travels in the snapshot, untouched.
 */
function forkedNodeEnv(): Record<string, string> {
  const env = { ...process.env } as Record<string, string>;
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

let translationSeq = 0;
/** The last modules encoded for a child, to encode them again only when they changed (a shell
 *  forks many times over the same translations; python3's are ~3 MB). */
let lastEncoded: { modules: Set<SavedModule>; bytes: Buffer } | null = null;

/** The translations a forked child starts with (saved-translations.ts): the parent's region
 *  modules in a file of their own, which the child reads once and removes. */
function writeTranslations(machine: Machine): { cacheFile: string | null; translations: string | null } {
  const t = machine.forkTranslations();
  if (!t) return { cacheFile: null, translations: null };
  if (!t.modules.length) return { cacheFile: t.cacheFile, translations: null };
  const file = path.join(os.tmpdir(), `tsemu-translations-${process.pid}-${++translationSeq}`);
  try {
    const same = lastEncoded && lastEncoded.modules.size === t.modules.length && t.modules.every((m) => lastEncoded!.modules.has(m));
    if (!same) lastEncoded = { modules: new Set(t.modules), bytes: encodeSaved(t.modules) };
    fs.writeFileSync(file, lastEncoded!.bytes, { mode: 0o600 });
  } catch {
    fs.rmSync(file, { force: true }); // a full disk: the child translates again
    return { cacheFile: t.cacheFile, translations: null };
  }
  return { cacheFile: t.cacheFile, translations: file };
}

/** The parent's first-tier blocks for a forked child (Translator.exportEvalBlocks), in a file of
 *  their own that the child reads once and removes. */
function writeEvalBlocks(machine: Machine): string | null {
  const data = machine.forkEvalBlocks();
  if (!data) return null;
  const file = path.join(os.tmpdir(), `tsemu-first-tier-${process.pid}-${++translationSeq}`);
  try {
    fs.writeFileSync(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { mode: 0o600 });
  } catch {
    fs.rmSync(file, { force: true }); // a full disk: the child makes them again
    return null;
  }
  return file;
}

/** In a forked child: the parent's first-tier blocks (none if the file is gone or short). */
function readEvalBlocks(machine: Machine, file: string | null | undefined): void {
  if (!file) return;
  let bytes: Buffer | null = null;
  try {
    bytes = fs.readFileSync(file);
  } catch { /* gone: none */ }
  fs.rmSync(file, { force: true });
  if (!bytes || bytes.length % 4) return;
  // An Int32Array needs its own 4-aligned buffer; a small file's Buffer may sit in Node's pool.
  const words = bytes.byteOffset % 4 ? new Int32Array(new Uint8Array(bytes).buffer) : new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  machine.inheritEvalBlocks(words);
}

/** In a forked child: the parent's translations (a file that does not decode gives none). */
function readTranslations(machine: Machine, cacheFile: string | null | undefined, file: string | null | undefined): void {
  let mods: SavedModule[] | null = null;
  if (file) {
    try {
      mods = decodeSaved(fs.readFileSync(file));
    } catch { /* gone: none */ }
    fs.rmSync(file, { force: true });
  }
  if (cacheFile || mods) machine.inheritTranslations(cacheFile ?? null, mods ?? []);
}

/** Continue a forked guest in this (new) host process. */
export function resumeInto(machine: Machine, snapshotFile: string, log: (line: string) => void,
  makeKernel: (prefix: string | null, cwd: string, trace: { strace: boolean; unimp: boolean }) => Kernel): Kernel {
  const snap = readSnapshot(snapshotFile);
  const mem = machine.mem;
  for (const m of snap.mappings) mem.map(m.start, m.end - m.start, m.perm, m.name);
  for (const [p, b] of snap.pages) {
    mem.u8.set(b, p);
    mem.markDirty(p, p + b.length);
  }
  mem.u8.set(snap.state, STATE_BASE);
  const r = snap.kernel;
  const cpu = machine.cpu;
  cpu.setX(0, 0); // fork returns 0 in the child
  if (r.stack) cpu.setX(31, r.stack);
  if (r.tls) cpu.tpidr = BigInt(r.tls);
  cpu.clearExclusive();
  machine.setFpcrMode(cpu.fpcr);
  if (r.cacheLog) machine.cacheLog = log;
  if (r.tierLog) machine.translator.tierLog = log;
  if (r.outAsm) machine.translator.outAsm = log;
  if (r.execLog) machine.execLog = (pc) => log(execLine(pc));
  machine.forked = true;
  readTranslations(machine, r.cacheFile, r.translations);
  readEvalBlocks(machine, r.evalBlocks);
  const k = makeKernel(r.prefix, r.cwd, { strace: r.strace, unimp: r.unimp });
  k.paths.root = r.root ?? null;
  if (r.confinement) k.confinement = r.confinement;
  if (r.memfs) restoreMemoryImage(r.memfs);
  Object.assign(k, {
    brkStart: r.brkStart, brk: r.brk, exePath: r.exePath, exeGuestPath: r.exeGuestPath, argv: r.argv, envp: r.envp,
    auxv: r.auxv, clearChildTid: r.clearChildTid, sigmask: BigInt(r.sigmask), altstack: r.altstack,
  });
  for (const [s, a] of r.sigactions) k.sigactions.set(s, a.map(BigInt) as [bigint, bigint, bigint, bigint]);
  if (r.persona) setPersona(k, r.persona);
  if (r.creds) setCreds(k, r.creds);
  if (r.sid) k.sid = r.sid;
  if (r.pgid) k.inheritGroup(r.pgid);
  for (const fd of k.fds.list()) k.fds.close(fd);
  const files = new Map<number, OpenFile>();
  for (const rec of snap.fds) {
    let f = files.get(rec.hostFd);
    if (f) f.refs++;
    else if (rec.socket) files.set(rec.hostFd, (f = SocketFile.adopt(rec.socket, rec.hostFd, rec.flags)));
    else {
      const hf = rec.hostFd <= 2
        ? new StdioHostFile(rec.hostFd, rec.path, rec.flags, rec.hostPath)
        : new HostFile(rec.hostFd, rec.path, rec.flags, rec.hostPath, rec.owned);
      hf.restoreOffset(rec.offset);
      if (rec.cell !== undefined) hf.adoptOffset(rec.cell);
      hf.lockId = rec.lockId;
      files.set(rec.hostFd, (f = hf));
    }
    k.fds.set(rec.fd, f, rec.cloexec);
  }
  if (r.locks) k.fds.locks.adopt(r.locks.fd, r.locks.token, [...files.values()].flatMap((f) => (f.lockId ? [f.lockId] : [])));
  k.vforkNotify = r.vforkNotify;
  if (r.vforkReturn) {
    vforkShares.set(k, { file: r.vforkReturn, original: new Map(snap.pages), mappings: snap.mappings });
  }
  if (r.setChildTid) {
    try { mem.writeU32(r.setChildTid, process.pid); } catch (e) { if (!(e instanceof GuestFault)) throw e; }
  }
  return k;
}

/**
 * A forked child's host descriptor 0, 1 or 2. Host 0-2 must never be free: the next descriptor
 * Node or libuv opened would land there, and libuv aborts when it closes one of those
 * (uv__close asserts fd > 2). But the guest closing its last reference must still release
 * what the descriptor held, as Linux does: the write end of `x=$(...)`'s pipe has to go for
 * the reader to see EOF. So closing swaps /dev/null in: the lowest free descriptor right after
 * the close is this one, since 0-2 are otherwise always open.
 */
class StdioHostFile extends HostFile {
  constructor(private readonly slot: number, path: string, flags: number, hostName: string) {
    super(slot, path, flags, hostName, false);
  }

  override close(): void {
    super.close(); // what else it holds (its offset cell); not the slot, which it does not own
    try { fs.closeSync(this.slot); } catch { /* already gone */ }
    try {
      const fd = fs.openSync('/dev/null', fs.constants.O_RDWR);
      // Another thread took the slot between the two calls: it owns that descriptor now.
      if (fd !== this.slot) fs.closeSync(fd);
    } catch { /* no /dev/null: the slot stays free */ }
  }
}

// ---------------------------------------------------------------- execve

const EM_AARCH64 = 183;

function execProgram(machine: Machine, k: Kernel, path: string, argv: string[], envp: string[], depth: number): void {
  if (depth > 4) throw new SysError(E.ELOOP);
  const { host } = resolveAt(k, AT_FDCWD, path);
  // Through vfs: under --memfs the program is an in-memory file, never the host's.
  let st: fs.Stats;
  try {
    st = vfs.statSync(host);
    vfs.accessSync(host, fs.constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SysError(code === 'ENOENT' ? E.ENOENT : code === 'ENOTDIR' ? E.ENOTDIR : E.EACCES);
  }
  if (!st.isFile()) throw new SysError(E.EACCES);
  const head = Buffer.alloc(256);
  const fd = vfs.openSync(host, 'r');
  const n = vfs.readSync(fd, head, 0, 256, 0);
  vfs.closeSync(fd);
  if (head[0] === 0x23 && head[1] === 0x21) {
    // #!interpreter [one argument]
    const line = head.subarray(2, n).toString('latin1').split('\n')[0].trim();
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) throw new SysError(E.ENOEXEC);
    return execProgram(machine, k, m[1], [m[1], ...(m[2] ? [m[2]] : []), path, ...argv.slice(1)], envp, depth + 1);
  }
  if (n < 20 || head.readUInt32BE(0) !== 0x7f454c46) throw new SysError(E.ENOEXEC);
  if (head.readUInt16LE(18) !== EM_AARCH64) {
    // A host-native program would run outside the guest's confinement, with tsemu's rights:
    // refused as Linux refuses a binary for another machine.
    if (!k.confinement.hostExec) refuse(k, E.ENOEXEC, `execve of host-native program ${path}`, '--allow-host-exec');
    return runNative(machine, k, host, argv, envp);
  }
  let image: Buffer;
  try {
    image = vfs.readFileSync(host);
    parseElf(path, image);
  } catch (err) {
    if (err instanceof LoadError) throw new SysError(E.ENOEXEC);
    throw err;
  }
  // Point of no return: the other threads end, then the old image goes (shared file mappings
  // are written back first). The first thread's robust list is walked, whether it is the
  // caller or ends for it (robust.ts).
  k.threads?.exec();
  futexExitRelease(k.mem, k.piTable, 0, k.pid, k.robustList);
  piTableReset(k.piTable, k.pid); // the first thread is the only one left, whoever called
  k.robustList = 0;
  k.clearChildTid = 0;
  dropShared(k, 0, ADDRESS_LIMIT);
  for (const fd of k.fds.list()) if (k.fds.entry(fd).cloexec) k.fds.close(fd);
  releaseVforkParent(machine, k);
  const mem = machine.mem;
  machine.endProgramCache();
  mem.unmap(GUEST_MIN, GUEST_END - GUEST_MIN);
  machine.translator.flush();
  let prog;
  try {
    prog = loadProgram(mem, host, path, { argv, envp, resolvePath: (p) => k.paths.find(p), files: vfs });
  } catch (err) {
    // Linux kills the process when a new image fails to load after the old one is gone.
    throw new GuestKilled(9);
  }
  const cpu = machine.cpu;
  for (let i = 0; i < 31; i++) cpu.setX(i, 0n);
  for (let i = 0; i < 32; i++) cpu.setV(i, 0n, 0n);
  cpu.nzcv = 0;
  cpu.fpcr = 0;
  cpu.fpsr = 0;
  cpu.tpidr = 0n;
  cpu.clearExclusive();
  machine.setFpcrMode(0);
  cpu.pc = prog.entry;
  cpu.setX(31, prog.sp);
  k.brkStart = k.brk = prog.brk;
  k.setProgram(host, argv, envp, prog.auxv);
  machine.useDiskCache(image);
  // Handled signals go back to their default action; ignored ones stay ignored. The mask,
  // pending signals and interval timers carry over; the alternate stack and POSIX timers do not.
  for (const [s, a] of k.sigactions) if (a[0] !== 1n) k.sigactions.delete(s);
  k.altstack = { sp: 0, size: 0, flags: 2 /* SS_DISABLE */ };
  k.announceSignalInterest();
  k.timers.posix.clear();
  k.sigTrampoline = 0;
}

/** execve of a host-native program: run it with the guest's descriptors and end as it ends. */
function runNative(machine: Machine, k: Kernel, host: string, argv: string[], envp: string[]): never {
  k.threads?.exec(); // the other threads end here too, before the host program starts
  const stdio: (number | 'ignore')[] = [];
  for (const fd of k.fds.list()) {
    const f = k.fds.get(fd);
    const h = f instanceof SocketFile ? f.share()?.fd : f.hostFd();
    if (h !== undefined && h >= 0 && !k.fds.entry(fd).cloexec) stdio[fd] = h;
  }
  for (let i = 0; i < stdio.length; i++) if (stdio[i] === undefined) stdio[i] = 'ignore';
  const env = Object.fromEntries(envp.map((e) => { const i = e.indexOf('='); return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)]; }));
  // An in-memory program (--memfs --allow-host-exec) runs from a host copy, in tsemu's own
  // directory: the host has neither the file nor the guest's working directory.
  const copy = inMemory() ? hostCopy(host) : null;
  let pid: number;
  try {
    pid = k.children.spawn({ file: copy ?? host, args: argv.slice(1), argv0: argv[0], stdio, env, cwd: copy ? process.cwd() : k.paths.toHost(k.paths.cwd) });
  } catch (err) {
    if (copy) fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    throw err;
  }
  releaseVforkParent(machine, k); // the exec has succeeded: a vfork parent goes on now
  const [, status] = k.children.wait((p) => p === pid, { exited: true, stopped: false, continued: false }, false)!;
  if (copy) fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  if (status & 0x7f) throw new GuestKilled(status & 0x7f);
  throw new GuestExit((status >> 8) & 0xff);
}

/** A host file holding the in-memory file `p`, executable, in a directory of its own (in the
 *  temporary directory, not /dev/shm, which is often mounted noexec). */
function hostCopy(p: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-exec-'));
  const file = path.join(dir, path.basename(p));
  fs.writeFileSync(file, vfs.readFileSync(p), { mode: 0o700 });
  return file;
}
