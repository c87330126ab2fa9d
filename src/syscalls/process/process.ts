// Process identity, exit, the thread bookkeeping glibc does at start-up, process groups,
// resource limits and usage, waiting for children (there are none yet), prctl.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { LAYOUT } from '../../cpu/layout.js';
import { inGuestTree, refuse } from '../confine.js';
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import { readString } from '../guest.js';
import { childCode, GuestExit, type Kernel } from '../kernel.js';
import { hostLimit, RLIM_NLIMITS, RLIMIT_NOFILE, RLIMIT_STACK } from './hostlimits.js';
import { dropShared } from '../mm/shared.js';
import { futexExitRelease } from './futex-pi.js';
import { ROBUST_LIST_HEAD_SIZE } from './robust.js';
import { writeRusage } from '../structs.js';

function exit(k: Kernel, status: number): never {
  dropShared(k, 0, 2 ** 32); // write back shared file mappings, as the kernel does at exit
  throw new GuestExit(status & 0xff);
}

// exit ends the calling thread; the process ends with its last thread. (Other threads'
// exit runs on their own workers: threads/thread-worker.ts.)
syscall('exit', 'status:int', (k, status) => {
  // The mutexes it dies holding: robust ones marked, PI ones handed to their waiters.
  futexExitRelease(k.mem, k.piTable, 0, k.pid, k.robustList);
  k.robustList = 0;
  k.threads?.outlive();
  return exit(k, status);
});
syscall('exit_group', 'status:int', (k, status) => exit(k, status));

syscall('getpid', '', (k) => k.pid);
syscall('gettid', '', (k) => k.pid);
syscall('getppid', '', () => process.ppid);
syscall('set_tid_address', 'tidptr:ptr', (k, tidptr) => {
  k.clearChildTid = tidptr;
  return k.pid;
});
// Other threads keep their lists on their own workers (threads/thread-worker.ts), which walk
// them as the thread dies; this one's is walked at exit.
syscall('set_robust_list', 'head:ptr len:size', (k, head, len) => {
  if (len !== ROBUST_LIST_HEAD_SIZE) throw new SysError(E.EINVAL);
  k.robustList = head;
  return 0;
});
syscall('get_robust_list', 'pid:int head:ptr len:ptr', (k, pid, head, len) => {
  let list: number;
  if (pid === 0 || pid === k.pid) list = k.robustList;
  else if (k.threads?.has(pid)) list = k.threads.robustList(pid);
  else throw new SysError(E.ESRCH);
  k.mem.writeU64(head, list);
  k.mem.writeU64(len, ROBUST_LIST_HEAD_SIZE);
  return 0;
});
// glibc probes these and falls back when they are absent, as on older kernels.
syscall('rseq', 'rseq:ptr len:uint flags:int sig:hex', () => { throw new SysError(E.ENOSYS); });

// ---------------------------------------------------------------- process groups and sessions

/** A confined guest sees no host process outside its own tree (confine.ts), as in a pid
 *  namespace of its own: ESRCH. */
function hideOutsideTree(k: Kernel, call: string, pid: number): void {
  if (k.confinement.confined && !inGuestTree(k, pid)) refuse(k, E.ESRCH, `${call} of host process ${pid} outside the guest's tree`, null);
}

/** Field of /proc/<pid>/stat after the command name (0 = state, 2 = pgrp, 3 = session). */
function hostStatField(pid: number, field: number): number {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[field]);
  } catch {
    throw new SysError(E.ESRCH);
  }
}

syscall('getpgid', 'pid:int', (k, pid) => {
  if (pid === 0 || pid === k.pid) return k.pgid;
  if (pid < 0) throw new SysError(E.ESRCH);
  // Another tsemu process of the session: its guest's group, not the host's.
  hideOutsideTree(k, 'getpgid', pid);
  return k.children.groupOf(pid) ?? k.session?.pgidOf(pid) ?? hostStatField(pid, 2);
});

syscall('getsid', 'pid:int', (k, pid) => {
  if (pid === 0 || pid === k.pid) return k.sid;
  if (pid < 0) throw new SysError(E.ESRCH);
  hideOutsideTree(k, 'getsid', pid);
  return hostStatField(pid, 3);
});

/** Does process group `pgid` exist (in this session)? */
function groupExists(k: Kernel, pgid: number): boolean {
  if (pgid === k.pgid) return true;
  for (const c of k.children.pids) if (k.children.groupOf(c) === pgid) return true;
  return (k.session?.members(pgid).length ?? 0) > 0;
}

// Group and session changes are the guest's view (the host process keeps its own), shared
// with the other tsemu processes through the job-control session (session.ts): a parent may
// move its child, as shells do for each job.
syscall('setpgid', 'pid:int pgid:int', (k, pid, pgid) => {
  if (pgid < 0) throw new SysError(E.EINVAL);
  const self = pid === 0 || pid === k.pid;
  const who = self ? k.pid : pid;
  if (!self && (!k.children.pids.has(pid) || k.children.groupOf(pid) === null)) throw new SysError(E.ESRCH);
  const target = pgid === 0 ? who : pgid;
  if (self && k.sid === k.pid) throw new SysError(E.EPERM); // a session leader cannot move
  if (target !== who && !groupExists(k, target)) throw new SysError(E.EPERM);
  if (self) k.pgid = target;
  else k.children.setGroup(pid, target);
  return 0;
});

syscall('setsid', '', (k) => {
  if (k.pgid === k.pid) throw new SysError(E.EPERM);
  k.pgid = k.sid = k.pid;
  return k.pid;
});

/** The host session every tsemu process of a terminal is in (Node cannot leave it): the
 *  terminal's. A guest whose session (inherited through fork) is another has left it. */
let hostSession = 0;
function inHostSession(k: Kernel): boolean {
  if (!hostSession) {
    try { hostSession = hostStatField(process.pid, 3); } catch { hostSession = -1; /* no /proc: not known */ }
  }
  return hostSession < 0 || k.sid === hostSession;
}
/** Processes that gave up the terminal with TIOCNOTTY. */
const withoutTerminal = new WeakSet<Kernel>();
export const hasControllingTerminal = (k: Kernel): boolean => inHostSession(k) && !withoutTerminal.has(k);
export const loseControllingTerminal = (k: Kernel): void => { withoutTerminal.add(k); };

/**
 * TIOCSCTTY: only a session leader may take a terminal, and the terminal already belongs to
 * the session tsemu was started in: its leader gets it (again), anyone else EPERM (stealing
 * it from that session is not supported).
 */
export function takeControllingTerminal(k: Kernel): void {
  if (k.sid !== k.pid || !inHostSession(k)) throw new SysError(E.EPERM);
  withoutTerminal.delete(k);
}

// ---------------------------------------------------------------- resource limits

export function getLimit(k: Kernel, resource: number): [bigint, bigint] {
  const set = k.rlimits.get(resource);
  if (set) return set;
  const [cur, max] = hostLimit(resource);
  // The stack the loader maps is the soft stack limit.
  if (resource === RLIMIT_STACK) return [BigInt(LAYOUT.stackSize), max];
  if (resource === RLIMIT_NOFILE) return [BigInt(k.fds.limit), max];
  return [cur, max];
}

function setLimit(k: Kernel, resource: number, cur: bigint, max: bigint): void {
  if (cur > max) throw new SysError(E.EINVAL);
  const [, oldMax] = getLimit(k, resource);
  if (max > oldMax && (process.getuid?.() ?? 0) !== 0) throw new SysError(E.EPERM);
  if (resource === RLIMIT_NOFILE) {
    if (max > hostLimit(RLIMIT_NOFILE)[1]) throw new SysError(E.EPERM);
    k.fds.limit = Number(cur > 1048576n ? 1048576n : cur);
  }
  k.rlimits.set(resource, [cur, max]);
}

syscall('prlimit64', 'pid:int resource:uint new:ptr old:ptr', (k, pid, resource, newp, oldp) => {
  let next: [bigint, bigint] | undefined;
  if (newp) next = [k.mem.readU64(newp), k.mem.readU64(newp + 8)];
  if (pid !== 0 && pid !== k.pid) {
    // Another host process: it exists (EPERM, not supported) or it does not (ESRCH).
    hideOutsideTree(k, 'prlimit64', pid);
    try { process.kill(pid, 0); } catch { throw new SysError(E.ESRCH); }
    throw new SysError(E.EPERM);
  }
  if (resource >= RLIM_NLIMITS) throw new SysError(E.EINVAL);
  const old = getLimit(k, resource);
  if (next) setLimit(k, resource, next[0], next[1]);
  if (oldp) {
    k.mem.writeU64(oldp, old[0]);
    k.mem.writeU64(oldp + 8, old[1]);
  }
  return 0;
});

syscall('getrlimit', 'resource:uint rlim:ptr', (k, resource, rlim) => {
  if (resource >= RLIM_NLIMITS) throw new SysError(E.EINVAL);
  const [cur, max] = getLimit(k, resource);
  k.mem.writeU64(rlim, cur);
  k.mem.writeU64(rlim + 8, max);
  return 0;
});

syscall('setrlimit', 'resource:uint rlim:ptr', (k, resource, rlim) => {
  const cur = k.mem.readU64(rlim);
  const max = k.mem.readU64(rlim + 8);
  if (resource >= RLIM_NLIMITS) throw new SysError(E.EINVAL);
  setLimit(k, resource, cur, max);
  return 0;
});

// ---------------------------------------------------------------- usage and children

syscall('getrusage', 'who:int usage:ptr', (k, who, usage) => {
  const RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
  if (who !== RUSAGE_SELF && who !== RUSAGE_CHILDREN && who !== RUSAGE_THREAD) throw new SysError(E.EINVAL);
  const zero = { userUs: 0, systemUs: 0, maxRssKb: 0, minflt: 0, majflt: 0, inblock: 0, oublock: 0, nvcsw: 0, nivcsw: 0 };
  if (who === RUSAGE_CHILDREN) {
    writeRusage(k.mem, usage, zero);
    return 0;
  }
  const r = process.resourceUsage();
  writeRusage(k.mem, usage, {
    userUs: r.userCPUTime, systemUs: r.systemCPUTime, maxRssKb: r.maxRSS, minflt: r.minorPageFault,
    majflt: r.majorPageFault, inblock: r.fsRead, oublock: r.fsWrite, nvcsw: r.voluntaryContextSwitches,
    nivcsw: r.involuntaryContextSwitches,
  });
  return 0;
});

/** Clock ticks (USER_HZ = 100, as AT_CLKTCK says). */
const ticks = (us: number) => BigInt(Math.floor(us / 10000));

syscall('times', 'buf:ptr', (k, buf) => {
  if (buf) {
    const u = process.cpuUsage();
    const b = Buffer.alloc(32); // struct tms: utime, stime, cutime, cstime
    b.writeBigInt64LE(ticks(u.user), 0);
    b.writeBigInt64LE(ticks(u.system), 8);
    k.mem.write(buf, b);
  }
  return Math.floor(os.uptime() * 100);
});

const WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x1000000;
const WNOTHREAD = 0x20000000, WALL = 0x40000000, WCLONE = 0x80000000;

/** Which children a wait means: one (pid > 0), any (-1), those of a group (0: the caller's). */
function selectChildren(k: Kernel, pid: number): (child: number) => boolean {
  if (pid > 0) return (c) => c === pid;
  if (pid === -1) return () => true;
  return inGroup(k, pid === 0 ? k.pgid : -pid);
}

const inGroup = (k: Kernel, pgid: number) => (child: number): boolean => k.children.groupOf(child) === pgid;

syscall('wait4', 'pid:int status:ptr options:hex rusage:ptr', (k, pid, status, options, rusage) => {
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) throw new SysError(E.EINVAL);
  if (pid === -0x80000000) throw new SysError(E.ESRCH); // Linux: -INT_MIN is no group
  const want = { exited: true, stopped: (options & WUNTRACED) !== 0, continued: (options & WCONTINUED) !== 0 };
  const r = k.children.wait(selectChildren(k, pid), want, (options & WNOHANG) !== 0);
  if (!r) return 0;
  if (status) k.mem.writeU32(status, r[1]);
  if (rusage) k.mem.write(rusage, new Uint8Array(144));
  return r[0];
});

syscall('waitid', 'idtype:int id:int infop:ptr options:hex rusage:ptr', (k, idtype, id, infop, options, rusage) => {
  if (idtype < 0 || idtype > 3) throw new SysError(E.EINVAL);
  if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) throw new SysError(E.EINVAL);
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) throw new SysError(E.EINVAL);
  const P_PID = 1, P_PGID = 2;
  if ((idtype === P_PID && id <= 0) || (idtype === P_PGID && id < 0)) throw new SysError(E.EINVAL);
  const select = idtype === P_PID ? (c: number) => c === id : idtype === P_PGID ? inGroup(k, id || k.pgid) : () => true;
  const want = { exited: (options & WEXITED) !== 0, stopped: (options & WSTOPPED) !== 0, continued: (options & WCONTINUED) !== 0 };
  const r = k.children.wait(select, want, (options & WNOHANG) !== 0, (options & WNOWAIT) !== 0);
  if (infop) {
    const info = Buffer.alloc(128);
    if (r) {
      const [pid, st] = r;
      const [code, value] = childCode(st);
      info.writeInt32LE(17, 0); // SIGCHLD
      info.writeInt32LE(code, 8);
      info.writeInt32LE(pid, 16);
      info.writeUInt32LE(process.getuid?.() ?? 0, 20);
      info.writeInt32LE(value, 24);
    }
    k.mem.write(infop, info);
  }
  if (rusage) k.mem.write(rusage, new Uint8Array(144));
  return 0;
});

// ---------------------------------------------------------------- prctl

const PR = {
  SET_PDEATHSIG: 1, GET_PDEATHSIG: 2, GET_DUMPABLE: 3, SET_DUMPABLE: 4, GET_KEEPCAPS: 7, SET_KEEPCAPS: 8,
  SET_NAME: 15, GET_NAME: 16, GET_SECCOMP: 21, CAPBSET_READ: 23, GET_TIMERSLACK: 30, SET_TIMERSLACK: 29,
  SET_CHILD_SUBREAPER: 36, GET_CHILD_SUBREAPER: 37, SET_NO_NEW_PRIVS: 38, GET_NO_NEW_PRIVS: 39,
  GET_TAGGED_ADDR_CTRL: 56,
} as const;

const prctlState = new WeakMap<Kernel, { pdeathsig: number; dumpable: number; noNewPrivs: number; subreaper: number }>();

syscall('prctl', 'option:int arg2:ulong arg3:ulong arg4:ulong arg5:ulong', (k, option, arg2, arg3, arg4, arg5) => {
  let st = prctlState.get(k);
  if (!st) prctlState.set(k, (st = { pdeathsig: 0, dumpable: 1, noNewPrivs: 0, subreaper: 0 }));
  switch (option) {
    case PR.SET_NAME:
      k.comm = Buffer.from(readString(k, arg2, 16)).subarray(0, 15).toString('utf8');
      return 0;
    case PR.GET_NAME: {
      const b = Buffer.alloc(16);
      b.write(k.comm, 0, 15, 'utf8');
      k.mem.write(arg2, b);
      return 0;
    }
    case PR.SET_PDEATHSIG:
      if (arg2 > 64) throw new SysError(E.EINVAL);
      st.pdeathsig = arg2;
      k.opts.host?.parentDeathSignal?.(arg2);
      return 0;
    case PR.GET_PDEATHSIG: k.mem.writeU32(arg2, st.pdeathsig); return 0;
    case PR.GET_DUMPABLE: return st.dumpable;
    case PR.SET_DUMPABLE:
      if (arg2 > 1) throw new SysError(E.EINVAL);
      st.dumpable = arg2;
      return 0;
    case PR.GET_KEEPCAPS: return 0;
    case PR.SET_KEEPCAPS: if (arg2 > 1) throw new SysError(E.EINVAL); return 0;
    case PR.GET_SECCOMP: return 0;
    case PR.CAPBSET_READ: if (arg2 > 40) throw new SysError(E.EINVAL); return 1;
    case PR.GET_TIMERSLACK: return 50000;
    case PR.SET_TIMERSLACK: return 0;
    case PR.SET_CHILD_SUBREAPER: st.subreaper = arg2 ? 1 : 0; return 0;
    case PR.GET_CHILD_SUBREAPER: k.mem.writeU32(arg2, st.subreaper); return 0;
    case PR.SET_NO_NEW_PRIVS:
      if (arg2 !== 1 || arg3 || arg4 || arg5) throw new SysError(E.EINVAL);
      st.noNewPrivs = 1;
      return 0;
    case PR.GET_NO_NEW_PRIVS:
      if (arg2 || arg3 || arg4 || arg5) throw new SysError(E.EINVAL);
      return st.noNewPrivs;
    case PR.GET_TAGGED_ADDR_CTRL: return 0;
    default:
      // Unknown or unsupported (SVE, pointer authentication keys, MTE, VMA names): EINVAL, as
      // a kernel without that feature answers.
      throw new SysError(E.EINVAL);
  }
});

// ---------------------------------------------------------------- scheduling

/** CPUs this process may run on, from /proc/self/status (else 0..n-1). */
function allowedCpus(): number[] {
  try {
    const status = fs.readFileSync('/proc/self/status', 'latin1');
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(status);
    if (m) {
      const cpus: number[] = [];
      for (const part of m[1].split(',')) {
        const [a, b] = part.split('-').map(Number);
        for (let c = a; c <= (b ?? a); c++) cpus.push(c);
      }
      if (cpus.length) return cpus;
    }
  } catch { /* fall back */ }
  return Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

syscall('sched_getaffinity', 'pid:int len:uint mask:ptr', (k, pid, len, mask) => {
  const cpus = allowedCpus();
  const words = Math.max(1, Math.ceil((Math.max(...cpus) + 1) / 64));
  if (len * 8 < cpus.length || len % 8 !== 0 || len < words * 8) throw new SysError(E.EINVAL);
  if (pid !== 0 && pid !== k.pid && !k.threads?.has(pid)) throw new SysError(E.ESRCH);
  const b = Buffer.alloc(words * 8);
  for (const c of cpus) b[c >> 3] |= 1 << (c & 7);
  k.mem.write(mask, b);
  return b.length;
});

// Recorded nowhere: the host decides where tsemu runs.
syscall('sched_setaffinity', 'pid:int len:uint mask:ptr', (k, pid, len, mask) => {
  if (pid !== 0 && pid !== k.pid && !k.threads?.has(pid)) throw new SysError(E.ESRCH);
  k.mem.read(mask, Math.min(len, 128));
  return 0;
});

syscall('sched_yield', '', () => 0);
syscall('sched_getscheduler', 'pid:int', (k, pid) => {
  if (pid < 0) throw new SysError(E.EINVAL);
  if (pid !== 0 && pid !== k.pid) throw new SysError(E.ESRCH);
  return 0; // SCHED_OTHER
});
syscall('sched_getparam', 'pid:int param:ptr', (k, pid, param) => {
  if (pid < 0 || !param) throw new SysError(E.EINVAL);
  if (pid !== 0 && pid !== k.pid) throw new SysError(E.ESRCH);
  k.mem.writeU32(param, 0);
  return 0;
});
syscall('sched_get_priority_max', 'policy:int', (_k, policy) => {
  if (policy === 1 || policy === 2) return 99; // SCHED_FIFO, SCHED_RR
  if (policy === 0 || policy === 3 || policy === 5) return 0;
  throw new SysError(E.EINVAL);
});
syscall('sched_get_priority_min', 'policy:int', (_k, policy) => {
  if (policy === 1 || policy === 2) return 1;
  if (policy === 0 || policy === 3 || policy === 5) return 0;
  throw new SysError(E.EINVAL);
});
syscall('getcpu', 'cpu:ptr node:ptr cache:ptr', (k, cpu, node) => {
  if (cpu) k.mem.writeU32(cpu, allowedCpus()[0]);
  if (node) k.mem.writeU32(node, 0);
  return 0;
});
syscall('getpriority', 'which:int who:int', (k, which, who) => {
  if (which < 0 || which > 2) throw new SysError(E.EINVAL);
  if (which === 0 && who !== 0 && who !== k.pid) throw new SysError(E.ESRCH);
  return 20; // the kernel returns 20 - nice; nice 0
});

// ---------------------------------------------------------------- capabilities, personality

const CAP_V1 = 0x19980330, CAP_V2 = 0x20071026, CAP_V3 = 0x20080522;

/** CapInh, CapPrm and CapEff of a host process (tsemu's own for the guest), from /proc. */
function hostCapabilities(pid: number): [bigint, bigint, bigint] {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    throw new SysError(E.ESRCH);
  }
  const field = (name: string) => BigInt('0x' + (new RegExp(`^${name}:\\s*([0-9a-f]+)`, 'm').exec(status)?.[1] ?? '0'));
  return [field('CapInh'), field('CapPrm'), field('CapEff')];
}

syscall('capget', 'hdr:ptr data:ptr', (k, hdr, data) => {
  const version = k.mem.readU32(hdr);
  const pid = k.mem.readI32(hdr + 4);
  if (version !== CAP_V1 && version !== CAP_V2 && version !== CAP_V3) {
    // Linux answers an unknown version with the one it prefers; asking with no data is how
    // libcap finds it out, and is not an error.
    k.mem.writeU32(hdr, CAP_V3);
    if (data === 0) return 0;
    throw new SysError(E.EINVAL);
  }
  if (data === 0) return 0;
  if (pid < 0) throw new SysError(E.EINVAL);
  if (pid !== 0) hideOutsideTree(k, 'capget', pid);
  const [inh, prm, eff] = hostCapabilities(pid === 0 || pid === k.pid ? process.pid : pid);
  // struct __user_cap_data_struct { effective, permitted, inheritable } per 32 bits: one for
  // version 1, two (low word first) for versions 2 and 3.
  const words = version === CAP_V1 ? 1 : 2;
  const b = Buffer.alloc(12 * words);
  for (let i = 0; i < words; i++) {
    const part = (v: bigint) => Number((v >> BigInt(32 * i)) & 0xffffffffn);
    b.writeUInt32LE(part(eff), i * 12);
    b.writeUInt32LE(part(prm), i * 12 + 4);
    b.writeUInt32LE(part(inh), i * 12 + 8);
  }
  k.mem.write(data, b);
  return 0;
});

/** The persona set by personality(2): kept per process, across execve and fork as Linux does. */
const personas = new WeakMap<Kernel, number>();
export const personaOf = (k: Kernel): number => personas.get(k) ?? 0;
export const setPersona = (k: Kernel, persona: number): void => { personas.set(k, persona); };

syscall('personality', 'persona:hex', (k, persona) => {
  const old = personas.get(k) ?? 0;
  const PER_LINUX32 = 0x0008, PER_MASK = 0xff;
  if (persona >>> 0 === 0xffffffff) return old; // a query
  // arm64 runs a PER_LINUX32 process only where the CPU has AArch32 at EL0; tsemu has none.
  if ((persona & PER_MASK) === PER_LINUX32) throw new SysError(E.EINVAL);
  personas.set(k, persona >>> 0);
  return old;
});

// ---------------------------------------------------------------- membarrier

const MEMBARRIER = {
  QUERY: 0, GLOBAL: 1, GLOBAL_EXPEDITED: 2, REGISTER_GLOBAL_EXPEDITED: 4, PRIVATE_EXPEDITED: 8,
  REGISTER_PRIVATE_EXPEDITED: 16, PRIVATE_EXPEDITED_SYNC_CORE: 32, REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: 64,
  PRIVATE_EXPEDITED_RSEQ: 128, REGISTER_PRIVATE_EXPEDITED_RSEQ: 256, GET_REGISTRATIONS: 512,
} as const;
/** What a current arm64 Linux (6.3+, CONFIG_RSEQ, sync-core capable) reports for QUERY. */
const MEMBARRIER_SUPPORTED = 0x3ff;
const membarrierRegistered = new WeakMap<Kernel, number>();

// With a single guest thread every barrier is already implied: what is left is Linux's
// bookkeeping (a private expedited barrier needs its registration first).
syscall('membarrier', 'cmd:int flags:hex cpu:int', (k, cmd, flags) => {
  const MEMBARRIER_CMD_FLAG_CPU = 1;
  if (flags & ~(cmd === MEMBARRIER.PRIVATE_EXPEDITED_RSEQ ? MEMBARRIER_CMD_FLAG_CPU : 0)) throw new SysError(E.EINVAL);
  const registered = membarrierRegistered.get(k) ?? 0;
  switch (cmd) {
    case MEMBARRIER.QUERY: return MEMBARRIER_SUPPORTED;
    case MEMBARRIER.GET_REGISTRATIONS: return registered;
    case MEMBARRIER.GLOBAL: case MEMBARRIER.GLOBAL_EXPEDITED: return 0;
    case MEMBARRIER.REGISTER_GLOBAL_EXPEDITED: case MEMBARRIER.REGISTER_PRIVATE_EXPEDITED:
    case MEMBARRIER.REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: case MEMBARRIER.REGISTER_PRIVATE_EXPEDITED_RSEQ:
      membarrierRegistered.set(k, registered | cmd);
      return 0;
    case MEMBARRIER.PRIVATE_EXPEDITED: case MEMBARRIER.PRIVATE_EXPEDITED_SYNC_CORE: case MEMBARRIER.PRIVATE_EXPEDITED_RSEQ:
      // Each command's registration is the bit just above it.
      if (!(registered & (cmd << 1))) throw new SysError(E.EPERM);
      return 0;
    default:
      throw new SysError(E.EINVAL);
  }
});
