// fcntl record locks (POSIX and OFD) and flock locks, seen by every process of one tsemu tree:
// a guest and the children it forks, which are separate host processes.
//
// Node cannot take host locks (no fcntl(F_SETLK), no flock(2)), nor share memory between
// processes, but one thing it does give atomically is an append: write(2) on an O_APPEND
// descriptor puts the whole buffer at the end of the file in one piece. So the processes of a
// tree share a lock *log*: an unlinked file in /dev/shm (os.tmpdir() without it) that each holds
// open, inherited at fork like the other descriptors, to which every lock request, release and
// process end is appended as one line. The order of the lines is the one order everybody
// agrees on; each process replays the lines into its own LockTable (locks.ts, Linux's rules)
// and so reaches the same table. A request is granted when replaying it succeeds: its
// requester appends it, reads up to it, and sees.
//
// Owners are names every process knows: "p:<pid>" for a process's POSIX locks, "d:<id>" for an
// open file description (OFD and flock locks), the id travelling with the description at fork.
// A description's locks go when the last process holding it closes it: at fork the parent
// appends that the child (named by a token until its pid is known) holds each description it
// passes, and each process appends when it closes its last descriptor of one. A process that
// ends appends so; one that died without saying (SIGKILL) is noticed when its lock is in the
// way, and its death appended then.
//
// A reader may catch an append half copied: only whole lines are replayed, the rest waits.
//
// A process that never forked keeps its table alone and appends nothing; the log starts at
// its first fork, with the locks it already held. Forks passing no regular file or directory
// add nothing to it. It only grows (a few dozen bytes a line) while any process of the tree
// lives, and a new child replays it from the start. Blocking requests (F_SETLKW, flock
// without LOCK_NB) retry with short sleeps; deadlocks between processes are not detected.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { E, SysError } from './errno.js';
import { LockTable, type LockOwner, type RecordLock } from './locks.js';
import { scratchDir } from './scratch.js';

type FlockOp = 'sh' | 'ex' | 'un';
type Event =
  | { e: 'set'; id: string; key: string; o: string; ofd: boolean; t: number; s: number; x: number | null; pid: number }
  | { e: 'flock'; id: string; key: string; o: string; op: FlockOp }
  | { e: 'rel'; key: string; o: string }
  | { e: 'hold'; d: string; h: string }
  | { e: 'alias'; h: string; pid: number }
  | { e: 'drop'; d: string; h: string }
  | { e: 'dead'; pid: number };

/** A request refused because of a lock another owner holds. `waitable`: another process holds
 *  it, so waiting can end; otherwise only this process could release it. */
export class LockConflict extends SysError {
  constructor(readonly waitable: boolean) {
    super(E.EAGAIN);
  }
}

/** A lockable open file: OpenFile, seen from here (file.ts imports this module). */
export interface LockableFile {
  /** Name of the open file description in lock logs, given when it first needs one. */
  lockId?: string;
  stat(): { mode: number };
}

const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFDIR = 0o040000;

/** Are `f`'s holders worth recording at fork? Regular files and directories: what programs
 *  lock. (A pipe or terminal flock'ed while shared would lose its lock when the process that
 *  took it closes it, even if a child still holds the description.) */
function tracked(f: LockableFile): boolean {
  if (f.lockId !== undefined) return true;
  try {
    const t = f.stat().mode & S_IFMT;
    return t === S_IFREG || t === S_IFDIR;
  } catch {
    return false;
  }
}

let idSeq = 0;
const unique = () => `${process.pid}.${++idSeq}.${Date.now().toString(36)}`;

/** Is host process `pid` alive (not gone, not a zombie)? */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export class Locks {
  private table = new LockTable();
  private readonly owners = new Map<string, LockOwner>();
  /** The shared log's host descriptor, or -1 while this process has never forked. */
  private logFd = -1;
  private readPos = 0;
  private partial = '';
  /** Holders of each description shared between processes: pids and fork tokens. */
  private readonly holders = new Map<string, Set<string>>();
  /** Descriptions this process has said it holds. */
  private readonly announced = new Set<string>();
  /** Outcomes of this process's requests, by request id, as the replay decided them. */
  private readonly results = new Map<string, boolean>();
  private readonly pid = process.pid;
  /** Has the log named this process (so its end must be told)? */
  private named = false;
  /** Fork tokens the log names as holders. */
  private readonly tokens = new Set<string>();

  /** @param processOwner what callers pass as the owner of this process's POSIX locks */
  constructor(private readonly processOwner: object) {}

  get shared(): boolean { return this.logFd >= 0; }

  // ------------------------------------------------------------ the operations

  /** The first lock of another owner that conflicts with `type` on [start, end], if any. */
  conflict(file: string, owner: object, type: number, start: number, end: number): RecordLock | undefined {
    this.sync();
    for (;;) {
      const c = this.table.conflict(file, this.owner(owner), type, start, end);
      if (!c || !this.reapIfDead(c.owner)) return c;
    }
  }

  /** A change to this process's own table (no other process shares it): a conflict there is
   *  one only this process could resolve. */
  private locally(change: () => void): void {
    try {
      change();
    } catch (err) {
      if (err instanceof SysError) throw new LockConflict(false);
      throw err;
    }
  }

  /** Set (or with F_UNLCK clear) a record lock; LockConflict (EAGAIN) on a conflict. */
  set(file: string, lock: Omit<RecordLock, 'type' | 'owner'> & { owner: object; type: number }): void {
    const o = this.owner(lock.owner);
    if (!this.shared) return this.locally(() => this.table.set(file, { ...lock, owner: o }));
    for (;;) {
      const id = unique();
      this.append([{
        e: 'set', id, key: file, o: this.idOf(lock.owner), ofd: lock.ofd, t: lock.type, s: lock.start,
        x: lock.end === Infinity ? null : lock.end, pid: lock.pid,
      }], id);
      if (this.outcome(id)) return;
      const c = this.table.conflict(file, o, lock.type, lock.start, lock.end);
      if (c && this.reapIfDead(c.owner)) continue;
      throw new LockConflict(!c || this.othersHold(c.owner));
    }
  }

  /** flock(2) for `owner` (a description); LockConflict (EAGAIN) on a conflict. */
  flock(file: string, owner: object, op: FlockOp): void {
    const o = this.owner(owner);
    if (!this.shared) return this.locally(() => this.table.flock(file, o, op));
    for (;;) {
      const id = unique();
      this.append([{ e: 'flock', id, key: file, o: this.idOf(owner), op }], id);
      if (this.outcome(id)) return;
      const c = op === 'un' ? undefined : this.table.flockConflict(file, o, op);
      if (c && this.reapIfDead(c)) continue;
      throw new LockConflict(!c || this.othersHold(c));
    }
  }

  /**
   * A descriptor of `file` was closed (`last`: the process's last one of that description).
   * Any close drops the process's POSIX locks on the file; the description's OFD and flock
   * locks go when no process holds it any more. `key` gives the file's identity (a stat).
   */
  closed(file: LockableFile, last: boolean, key: () => string | null): void {
    const p = this.owner(this.processOwner);
    if (!this.shared) {
      if (this.table.empty) return;
      const k = key();
      if (k === null) return;
      this.table.releaseRecords(k, p);
      if (last && file.lockId !== undefined) this.table.releaseDescription(k, this.owner(file));
      return;
    }
    const events: Event[] = [];
    // Only this process sets its own POSIX locks, so its table knows them without a replay.
    if (this.table.ownsRecords(p)) {
      const k = key();
      if (k !== null && this.table.holdsRecords(k, p)) events.push({ e: 'rel', key: k, o: `p:${this.pid}` });
    }
    if (last && file.lockId !== undefined) {
      events.push({ e: 'drop', d: file.lockId, h: String(this.pid) });
      this.announced.delete(file.lockId);
    }
    // A close never fails for want of log room; other processes then see these locks until
    // this process ends and its end is noticed.
    if (events.length) try { this.append(events); } catch { /* ENOLCK */ }
  }

  // ------------------------------------------------------------ fork, resume, exit

  /**
   * At fork: the log's host descriptor, for the child to inherit (the log starts now if this
   * process never forked before), or -1 when none could be made (locks then stay per process).
   */
  share(): number {
    if (this.shared) return this.logFd;
    const c = fs.constants;
    const file = path.join(scratchDir(), `tsemu-locks-${process.pid}-${unique()}`);
    try {
      this.logFd = fs.openSync(file, c.O_RDWR | c.O_CREAT | c.O_EXCL | c.O_APPEND, 0o600);
    } catch {
      return -1;
    }
    try { fs.unlinkSync(file); } catch { /* removed already */ }
    // The locks held so far become the log's first lines; the table is rebuilt from them.
    const { records, flocks } = this.table.dump();
    this.table = new LockTable();
    const events: Event[] = [];
    const idOfOwner = new Map([...this.owners].map(([id, o]) => [o, id]));
    const hold = (id: string) => {
      if (id.startsWith('d:') && !this.announced.has(id.slice(2))) {
        this.announced.add(id.slice(2));
        events.push({ e: 'hold', d: id.slice(2), h: String(this.pid) });
      }
    };
    for (const [key, list] of records) {
      for (const l of list) {
        const o = idOfOwner.get(l.owner)!;
        hold(o);
        events.push({ e: 'set', id: unique(), key, o, ofd: l.ofd, t: l.type, s: l.start, x: l.end === Infinity ? null : l.end, pid: l.pid });
      }
    }
    for (const [key, list] of flocks) {
      for (const l of list) {
        const o = idOfOwner.get(l.owner)!;
        hold(o);
        events.push({ e: 'flock', id: unique(), key, o, op: l.exclusive ? 'ex' : 'sh' });
      }
    }
    if (events.length) this.append(events);
    else this.sync();
    return this.logFd;
  }

  /** At fork, before the child starts: it will hold `files` too. Returns the token naming the
   *  child until forked() gives its pid. */
  forking(files: LockableFile[]): string {
    const token = `t:${unique()}`;
    const events: Event[] = [];
    for (const f of files) {
      if (!tracked(f)) continue;
      const d = this.describe(f);
      if (!this.announced.has(d)) {
        this.announced.add(d);
        events.push({ e: 'hold', d, h: String(this.pid) });
      }
      events.push({ e: 'hold', d, h: token });
    }
    if (events.length) {
      try {
        this.append(events);
        this.tokens.add(token);
      } catch { /* ENOLCK: the child's holds are not recorded; fork goes on */ }
    }
    return token;
  }

  /** The child started as `pid` (or, with -1, did not start: it holds nothing). */
  forked(token: string, pid: number, files: LockableFile[]): void {
    if (!this.tokens.delete(token)) return;
    try {
      if (pid >= 0) this.append([{ e: 'alias', h: token, pid }]);
      else this.append(files.flatMap((f): Event[] => (f.lockId !== undefined ? [{ e: 'drop', d: f.lockId, h: token }] : [])));
    } catch { /* ENOLCK: the child also names itself when it starts */ }
  }

  /** In a forked child: use the parent's log (inherited as host descriptor `fd`); `token`
   *  named this process until now. The descriptions it inherited are named by `lockIds`. */
  adopt(fd: number, token: string, lockIds: string[]): void {
    this.logFd = fd;
    for (const d of lockIds) this.announced.add(d);
    try {
      if (lockIds.length) this.append([{ e: 'alias', h: token, pid: this.pid }]);
    } catch { /* ENOLCK: the parent names it too */ }
  }

  /** The process is ending: its POSIX locks go, and its hold on every description. */
  exit(): void {
    if (!this.shared || !this.named) return;
    try { this.append([{ e: 'dead', pid: this.pid }]); } catch { /* the log is gone: nothing to tell */ }
  }

  /** Does the table hold anything at all? */
  get empty(): boolean {
    return this.table.empty;
  }

  // ------------------------------------------------------------ the log

  private append(events: Event[], wait?: string): void {
    if (wait) this.results.set(wait, false);
    this.named = true;
    const line = events.map((e) => JSON.stringify(e) + '\n').join('');
    try {
      fs.writeSync(this.logFd, line);
    } catch {
      throw new SysError(E.ENOLCK); // no room left for the log
    }
    this.sync();
  }

  private outcome(id: string): boolean {
    const ok = this.results.get(id) ?? false;
    this.results.delete(id);
    return ok;
  }

  /** Replay what was appended since the last look. */
  private sync(): void {
    if (!this.shared) return;
    const buf = Buffer.alloc(65536);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.logFd, buf, 0, buf.length, this.readPos);
      } catch {
        throw new SysError(E.ENOLCK);
      }
      if (n <= 0) break;
      this.readPos += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.partial = text.slice(cut + 1);
      if (cut < 0) continue;
      for (const line of text.slice(0, cut).split('\n')) {
        let ev: Event;
        try { ev = JSON.parse(line) as Event; } catch { continue; /* not a line of ours */ }
        this.apply(ev);
      }
    }
  }

  private apply(ev: Event): void {
    switch (ev.e) {
      case 'set': {
        let ok = true;
        try {
          this.table.set(ev.key, { owner: this.intern(ev.o), ofd: ev.ofd, type: ev.t, start: ev.s, end: ev.x ?? Infinity, pid: ev.pid });
        } catch { ok = false; }
        if (this.results.has(ev.id)) this.results.set(ev.id, ok);
        break;
      }
      case 'flock': {
        let ok = true;
        try { this.table.flock(ev.key, this.intern(ev.o), ev.op); } catch { ok = false; }
        if (this.results.has(ev.id)) this.results.set(ev.id, ok);
        break;
      }
      case 'rel': this.table.releaseRecords(ev.key, this.intern(ev.o)); break;
      case 'hold': {
        let set = this.holders.get(ev.d);
        if (!set) this.holders.set(ev.d, (set = new Set()));
        set.add(ev.h);
        break;
      }
      case 'alias':
        for (const set of this.holders.values()) if (set.delete(ev.h)) set.add(String(ev.pid));
        break;
      case 'drop': this.release(ev.d, ev.h); break;
      case 'dead':
        this.table.releaseOwner(this.intern(`p:${ev.pid}`));
        for (const [d, set] of [...this.holders]) if (set.has(String(ev.pid))) this.release(d, String(ev.pid));
        break;
    }
  }

  /** Holder `h` no longer holds description `d`: when nobody does, its locks go. */
  private release(d: string, h: string): void {
    const set = this.holders.get(d);
    set?.delete(h);
    if (set && set.size > 0) return;
    this.holders.delete(d);
    this.table.releaseOwner(this.intern(`d:${d}`));
  }

  // ------------------------------------------------------------ owners

  private intern(id: string): LockOwner {
    let o = this.owners.get(id);
    if (!o) this.owners.set(id, (o = { id }));
    return o;
  }

  private describe(f: LockableFile): string {
    return (f.lockId ??= unique());
  }

  /** The name of an owner callers pass: this process, or an open file description. */
  private idOf(owner: object): string {
    if (owner === this.processOwner) return `p:${this.pid}`;
    const d = this.describe(owner as LockableFile);
    // A description that takes a lock says who holds it, so its locks can go when they do.
    if (this.shared && !this.announced.has(d)) {
      this.announced.add(d);
      this.append([{ e: 'hold', d, h: String(this.pid) }]);
    }
    return `d:${d}`;
  }

  private owner(owner: object): LockOwner {
    return this.intern(this.idOf(owner));
  }

  private idOfInterned(o: LockOwner): string {
    return (o as { id: string }).id;
  }

  /** Could a process other than this one release `o`'s locks? */
  private othersHold(o: LockOwner): boolean {
    const id = this.idOfInterned(o);
    if (id.startsWith('p:')) return id !== `p:${this.pid}`;
    const set = this.holders.get(id.slice(2));
    if (!set) return !this.announced.has(id.slice(2));
    return [...set].some((h) => h !== String(this.pid));
  }

  /** If every process holding `o` is gone without saying so, say it for them: true then. */
  private reapIfDead(o: LockOwner): boolean {
    if (!this.shared) return false;
    const id = this.idOfInterned(o);
    let pids: number[];
    if (id.startsWith('p:')) pids = [Number(id.slice(2))];
    else {
      const set = this.holders.get(id.slice(2));
      if (!set || set.size === 0) return false;
      pids = [...set].map(Number);
      if (pids.some((p) => !Number.isInteger(p))) return false; // a child not started yet
    }
    if (pids.some((p) => p === this.pid || alive(p))) return false;
    this.append(pids.map((pid) => ({ e: 'dead', pid })));
    return true;
  }
}
