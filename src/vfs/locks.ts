// Record locks (fcntl F_SETLK/F_GETLK and the OFD variants) and BSD locks (flock), kept in a
// table inside tsemu with Linux's rules. Node cannot call fcntl(F_SETLK) or flock(2), so these
// locks are not taken on the host: host processes other than tsemu's neither see them nor are
// seen by them. A guest's forked children (separate host processes) share them through a log
// each replays into its own table (shared-locks.ts).
//
// Owners, as on Linux:
// - POSIX locks (F_SETLK) belong to the process: its own locks never conflict with each other,
//   and closing *any* descriptor of the file drops all its locks on that file.
// - OFD locks (F_OFD_SETLK) belong to the open file description: two open()s of one file in one
//   process conflict, dup'd descriptors share the owner, and the locks go at the last close.
// - POSIX and OFD locks live in one list per file and conflict with each other.
// - flock locks belong to the open file description and are separate from record locks.
import { E, SysError } from './errno.js';

export const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;

/** Who holds a lock: the process (POSIX locks) or an open file description (OFD and flock). */
export type LockOwner = object;

export interface RecordLock {
  owner: LockOwner;
  /** true for OFD locks, whose l_pid reads as -1. */
  ofd: boolean;
  type: typeof F_RDLCK | typeof F_WRLCK;
  /** Inclusive byte range; end is Infinity for "to the end of the file and beyond". */
  start: number;
  end: number;
  pid: number;
}

const overlaps = (a: { start: number; end: number }, start: number, end: number) => a.start <= end && start <= a.end;

export class LockTable {
  /** file identity ("dev:ino") → locks in the kernel's list order: one owner's locks together,
   *  sorted by start, owners in the order they first locked (what F_GETLK's "first conflict" means). */
  private readonly records = new Map<string, RecordLock[]>();
  private readonly flocks = new Map<string, { owner: LockOwner; exclusive: boolean }[]>();

  /** The first lock of another owner that conflicts with `type` on [start, end], if any. */
  conflict(file: string, owner: LockOwner, type: number, start: number, end: number): RecordLock | undefined {
    return (this.records.get(file) ?? []).find((l) =>
      l.owner !== owner && overlaps(l, start, end) && (type === F_WRLCK || l.type === F_WRLCK));
  }

  /**
   * Set (or with F_UNLCK clear) `owner`'s lock on [start, end]. Fails with EAGAIN on a conflict;
   * the caller decides what a blocking request does then.
   */
  set(file: string, lock: Omit<RecordLock, 'type'> & { type: number }): void {
    const { owner, start, end } = lock;
    if (lock.type !== F_UNLCK && this.conflict(file, owner, lock.type, start, end)) throw new SysError(E.EAGAIN);
    const list = this.records.get(file) ?? [];
    const firstOwn = list.findIndex((l) => l.owner === owner);
    const others = list.filter((l) => l.owner !== owner);
    // The owner's locks with [start, end] cut out of them, then the new lock merged with
    // neighbours of the same type that touch or overlap it (Linux coalesces those).
    let mine: RecordLock[] = [];
    for (const l of list) {
      if (l.owner !== owner) continue;
      if (!overlaps(l, start, end)) { mine.push(l); continue; }
      if (l.start < start) mine.push({ ...l, end: start - 1 });
      if (l.end > end) mine.push({ ...l, start: end + 1 });
    }
    if (lock.type !== F_UNLCK) {
      let n: RecordLock = { ...lock, type: lock.type as RecordLock['type'] };
      mine = mine.filter((l) => {
        const touches = l.start <= n.end + 1 && n.start <= l.end + 1;
        if (l.type !== n.type || !touches) return true;
        n = { ...n, start: Math.min(n.start, l.start), end: Math.max(n.end, l.end) };
        return false;
      });
      mine.push(n);
    }
    mine.sort((a, b) => a.start - b.start);
    // The owner's group keeps its place in the list (or joins at the end).
    const at = firstOwn < 0 ? others.length : list.slice(0, firstOwn).filter((l) => l.owner !== owner).length;
    others.splice(at, 0, ...mine);
    if (others.length) this.records.set(file, others);
    else this.records.delete(file);
  }

  /** Drop every record lock `owner` holds on `file` (POSIX: on any close of the file). */
  releaseRecords(file: string, owner: LockOwner): void {
    const list = this.records.get(file);
    if (!list) return;
    const rest = list.filter((l) => l.owner !== owner);
    if (rest.length) this.records.set(file, rest);
    else this.records.delete(file);
  }

  /** flock(2): LOCK_SH/LOCK_EX converts the owner's lock; EWOULDBLOCK (EAGAIN) on a conflict. */
  flock(file: string, owner: LockOwner, op: 'sh' | 'ex' | 'un'): void {
    const list = (this.flocks.get(file) ?? []).filter((l) => l.owner !== owner);
    if (op !== 'un') {
      if (list.some((l) => op === 'ex' || l.exclusive)) throw new SysError(E.EAGAIN);
      list.push({ owner, exclusive: op === 'ex' });
    }
    if (list.length) this.flocks.set(file, list);
    else this.flocks.delete(file);
  }

  /** The last descriptor of an open file description closed: its OFD and flock locks go. */
  releaseDescription(file: string, owner: LockOwner): void {
    this.releaseRecords(file, owner);
    this.flock(file, owner, 'un');
  }

  /** Drop every lock `owner` holds on any file (a process gone, a description closed everywhere). */
  releaseOwner(owner: LockOwner): void {
    for (const file of [...this.records.keys()]) this.releaseRecords(file, owner);
    for (const file of [...this.flocks.keys()]) this.flock(file, owner, 'un');
  }

  /** Does `owner` hold a record lock on any file? */
  ownsRecords(owner: LockOwner): boolean {
    for (const list of this.records.values()) if (list.some((l) => l.owner === owner)) return true;
    return false;
  }

  /** Does `owner` hold a record lock on `file`? */
  holdsRecords(file: string, owner: LockOwner): boolean {
    return (this.records.get(file) ?? []).some((l) => l.owner === owner);
  }

  /** Every lock, for handing the table over to a shared log (shared-locks.ts). */
  dump(): { records: [string, RecordLock[]][]; flocks: [string, { owner: LockOwner; exclusive: boolean }[]][] } {
    return { records: [...this.records], flocks: [...this.flocks] };
  }

  /** The flock lock on `file` that keeps `owner` from taking `op`, if any. */
  flockConflict(file: string, owner: LockOwner, op: 'sh' | 'ex'): LockOwner | undefined {
    return (this.flocks.get(file) ?? []).find((l) => l.owner !== owner && (op === 'ex' || l.exclusive))?.owner;
  }

  /** Does the table hold anything at all (closing needs no stat when it does not)? */
  get empty(): boolean {
    return this.records.size === 0 && this.flocks.size === 0;
  }
}
