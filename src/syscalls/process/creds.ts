// Credentials: real, effective, saved and filesystem user and group ids, and the calls that
// read and change them, with Linux's rules (kernel/sys.c; an effective uid of 0 stands for
// CAP_SETUID and CAP_SETGID). They are the process's: one set shared by its threads, which is
// what glibc makes of Linux's per-thread credentials by running every set*id call in every
// thread (SIGSETXID, nptl_setxid.c).
//
// What is not done: the ids are recorded, not enforced. tsemu reaches the host's files as the
// host user it runs as, whatever the guest has become (a root guest that drops to uid 1000
// still writes root's files), and files it creates belong to that host user.
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';

export interface Creds {
  ruid: number; euid: number; suid: number; fsuid: number;
  rgid: number; egid: number; sgid: number; fsgid: number;
  /** Supplementary groups once the guest set them (setgroups); the host process's until then. */
  groups?: readonly number[];
}

const table = new WeakMap<Kernel, Creds>();

/** The guest's credentials: the host process's until the guest changes them. */
export function credsOf(k: Kernel): Creds {
  let c = table.get(k);
  if (!c) {
    const uid = process.geteuid?.() ?? 0, gid = process.getegid?.() ?? 0;
    const ruid = process.getuid?.() ?? uid, rgid = process.getgid?.() ?? gid;
    table.set(k, (c = { ruid, euid: uid, suid: uid, fsuid: uid, rgid, egid: gid, sgid: gid, fsgid: gid }));
  }
  return c;
}

/** A forked child starts with its parent's credentials. */
export function setCreds(k: Kernel, c: Creds): void {
  table.set(k, { ...c });
}

const NO_CHANGE = 0xffffffff;
const privileged = (k: Kernel) => credsOf(k).euid === 0;

syscall('getuid', '', (k) => credsOf(k).ruid);
syscall('geteuid', '', (k) => credsOf(k).euid);
syscall('getgid', '', (k) => credsOf(k).rgid);
syscall('getegid', '', (k) => credsOf(k).egid);

function writeIds(k: Kernel, addrs: number[], ids: number[]): number {
  addrs.forEach((a, i) => k.mem.writeU32(a, ids[i]));
  return 0;
}
syscall('getresuid', 'ruid:ptr euid:ptr suid:ptr', (k, r, e, s) => {
  const c = credsOf(k);
  return writeIds(k, [r, e, s], [c.ruid, c.euid, c.suid]);
});
syscall('getresgid', 'rgid:ptr egid:ptr sgid:ptr', (k, r, e, s) => {
  const c = credsOf(k);
  return writeIds(k, [r, e, s], [c.rgid, c.egid, c.sgid]);
});

/** The user (u) or group (g) half of the credentials, for the rules both share. */
type Half = { r: 'ruid' | 'rgid'; e: 'euid' | 'egid'; s: 'suid' | 'sgid'; fs: 'fsuid' | 'fsgid' };
const USER: Half = { r: 'ruid', e: 'euid', s: 'suid', fs: 'fsuid' };
const GROUP: Half = { r: 'rgid', e: 'egid', s: 'sgid', fs: 'fsgid' };

/** setuid/setgid: privileged, all four ids; otherwise the effective one, to the real or saved. */
function setId(k: Kernel, h: Half, id: number): number {
  const c = credsOf(k);
  if (id >>> 0 === NO_CHANGE) throw new SysError(E.EINVAL);
  if (privileged(k)) c[h.r] = c[h.s] = id >>> 0;
  else if (id >>> 0 !== c[h.r] && id >>> 0 !== c[h.s]) throw new SysError(E.EPERM);
  c[h.e] = c[h.fs] = id >>> 0;
  return 0;
}

/** setreuid/setregid: -1 keeps an id; the saved id follows the effective one when the real
 *  one is set or the effective one becomes other than the old real one. */
function setReId(k: Kernel, h: Half, rid: number, eid: number): number {
  const c = credsOf(k);
  const r = rid >>> 0, e = eid >>> 0;
  if (!privileged(k)) {
    if (r !== NO_CHANGE && r !== c[h.r] && r !== c[h.e]) throw new SysError(E.EPERM);
    if (e !== NO_CHANGE && e !== c[h.r] && e !== c[h.e] && e !== c[h.s]) throw new SysError(E.EPERM);
  }
  const oldR = c[h.r];
  if (r !== NO_CHANGE) c[h.r] = r;
  if (e !== NO_CHANGE) c[h.e] = e;
  if (r !== NO_CHANGE || (e !== NO_CHANGE && e !== oldR)) c[h.s] = c[h.e];
  c[h.fs] = c[h.e];
  return 0;
}

/** setresuid/setresgid: unprivileged, each new id must be one of the current three. */
function setResId(k: Kernel, h: Half, ids: number[]): number {
  const c = credsOf(k);
  const [r, e, s] = ids.map((v) => v >>> 0);
  const current = [c[h.r], c[h.e], c[h.s]];
  if (!privileged(k) && [r, e, s].some((v) => v !== NO_CHANGE && !current.includes(v))) throw new SysError(E.EPERM);
  if (r !== NO_CHANGE) c[h.r] = r;
  if (e !== NO_CHANGE) c[h.e] = e;
  if (s !== NO_CHANGE) c[h.s] = s;
  c[h.fs] = c[h.e];
  return 0;
}

/** setfsuid/setfsgid: the old value, always; the new one only where allowed. */
function setFsId(k: Kernel, h: Half, id: number): number {
  const c = credsOf(k);
  const old = c[h.fs];
  const v = id >>> 0;
  if (v !== NO_CHANGE && (privileged(k) || [c[h.r], c[h.e], c[h.s], c[h.fs]].includes(v))) c[h.fs] = v;
  return old;
}

syscall('setuid', 'uid:int', (k, uid) => setId(k, USER, uid));
syscall('setgid', 'gid:int', (k, gid) => setId(k, GROUP, gid));
syscall('setreuid', 'ruid:int euid:int', (k, r, e) => setReId(k, USER, r, e));
syscall('setregid', 'rgid:int egid:int', (k, r, e) => setReId(k, GROUP, r, e));
syscall('setresuid', 'ruid:int euid:int suid:int', (k, r, e, s) => setResId(k, USER, [r, e, s]));
syscall('setresgid', 'rgid:int egid:int sgid:int', (k, r, e, s) => setResId(k, GROUP, [r, e, s]));
syscall('setfsuid', 'uid:int', (k, uid) => setFsId(k, USER, uid));
syscall('setfsgid', 'gid:int', (k, gid) => setFsId(k, GROUP, gid));

syscall('getgroups', 'size:int list:ptr', (k, size, list) => {
  const groups = credsOf(k).groups ?? (process.getgroups?.() ?? []).map((g) => g >>> 0);
  if (size < 0) throw new SysError(E.EINVAL);
  if (size === 0) return groups.length;
  if (size < groups.length) throw new SysError(E.EINVAL);
  const b = Buffer.alloc(groups.length * 4);
  groups.forEach((g, i) => b.writeUInt32LE(g, i * 4));
  if (b.length) k.mem.write(list, b);
  return groups.length;
});

/** setgroups: CAP_SETGID first, then the size, then the list (kernel/groups.c's order). Go's
 *  os/exec calls it for a Credential, even one equal to the process's own. */
syscall('setgroups', 'size:int list:ptr', (k, size, list) => {
  const NGROUPS_MAX = 65536;
  if (!privileged(k)) throw new SysError(E.EPERM);
  if (size < 0 || size > NGROUPS_MAX) throw new SysError(E.EINVAL);
  const b = Buffer.from(k.mem.read(list, size * 4));
  credsOf(k).groups = Array.from({ length: size }, (_, i) => b.readUInt32LE(i * 4));
  return 0;
});
