// Guest child processes are real host processes, started and reaped through a worker thread
// (see child-worker.ts). This side starts them synchronously and waits for their exits, stops
// and continues with Atomics.wait.
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CTL, CTL_BYTES, RING_SLOTS, type SpawnRequest } from './children-protocol.js';
import { E, SysError } from '../errno.js';
import type { Session } from './session.js';

const SIGSTOP = 19;

/** What a wait asks to hear of (wait4's WUNTRACED/WCONTINUED, waitid's WEXITED...). */
export interface WaitFor {
  exited: boolean;
  stopped: boolean;
  continued: boolean;
}

export class Children {
  private ctl = new Int32Array(new SharedArrayBuffer(CTL_BYTES));
  private worker?: Worker;
  private seq = 0;
  private seen = 0;
  /** Exited children not yet reaped: pid → wait status. */
  private zombies = new Map<number, number>();
  /** Children seen stopped (and not continued since). */
  private stopped = new Set<number>();
  /** Stops and continues a wait has not reported yet: pid → wait status (0x7f | sig << 8, or
   *  0xffff for continued), the latest change only, as Linux keeps it. */
  private changes = new Map<number, number>();
  private changeCount = 0;
  /** Live or zombie children of this process. */
  readonly pids = new Set<number>();
  /** Each child's process group as last known (kept after it exits, for waits on a group). */
  private groups = new Map<number, number>();
  /** The job-control session (kernel.ts sets it): where children's groups and stops are shared. */
  session: Session | null = null;
  /** The group a new child starts in: its parent's (kernel.ts sets it). */
  groupOfNew: () => number = () => 0;

  /**
   * `wake` is the guest thread's event word, which the worker bumps on every exit; `onChange`
   * hears of each exit, stop and continue once (SIGCHLD); `block` sleeps until `changed()`
   * holds, or throws if a signal interrupts the wait.
   */
  constructor(
    private readonly wake: Int32Array,
    private readonly onChange: (pid: number, status: number) => void,
    private readonly block: (changed: () => boolean) => void,
  ) {}

  private ensureWorker(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('./child-worker.js', import.meta.url), { workerData: { ctl: this.ctl.buffer, wake: this.wake.buffer } });
      // The worker must not keep tsemu alive once the guest has exited.
      this.worker.unref();
    }
    return this.worker;
  }

  /** Start a host process; returns its pid. Throws SysError(EAGAIN) if it could not start. */
  spawn(req: Omit<SpawnRequest, 'seq'>): number {
    const w = this.ensureWorker();
    const seq = ++this.seq;
    w.postMessage({ ...req, seq });
    while (Atomics.load(this.ctl, CTL.spawnSeq) !== seq) Atomics.wait(this.ctl, CTL.spawnSeq, Atomics.load(this.ctl, CTL.spawnSeq));
    const pid = Atomics.load(this.ctl, CTL.spawnPid);
    if (pid < 0) throw new SysError(E.EAGAIN);
    this.pids.add(pid);
    // The child is in its parent's group until someone moves it; written here, before the
    // child runs any guest code, so that a setpgid racing with its start-up is not undone.
    this.setGroup(pid, this.groupOfNew());
    return pid;
  }

  /** A child's process group (null: not a child of this process). */
  groupOf(pid: number): number | null {
    if (!this.pids.has(pid)) return null;
    if (!this.zombies.has(pid)) {
      const shared = this.session?.pgidOf(pid);
      if (shared) this.groups.set(pid, shared);
    }
    return this.groups.get(pid) ?? null;
  }

  setGroup(pid: number, pgid: number): void {
    this.groups.set(pid, pgid);
    this.session?.setPgid(pid, pgid);
  }

  /** Take in the exits the worker published since the last call. */
  collect(): void {
    const count = Atomics.load(this.ctl, CTL.exitCount);
    for (; this.seen < count; this.seen++) {
      const slot = CTL.ring + (this.seen % RING_SLOTS) * 2;
      const pid = Atomics.load(this.ctl, slot);
      const status = Atomics.load(this.ctl, slot + 1);
      this.groupOf(pid); // last look at its group before the session forgets it
      this.zombies.set(pid, status);
      this.stopped.delete(pid);
      this.changes.delete(pid);
      this.session?.forget(pid);
      this.onChange(pid, status);
    }
  }

  /**
   * A host SIGCHLD came: see which live children have stopped or continued since. The host
   * kernel has the truth (the state in /proc/<pid>/stat); the stopping signal is the one the
   * child recorded in the session before it stopped (SIGSTOP when it could not: a SIGSTOP
   * from outside stops it at once).
   */
  checkStates(): void {
    for (const pid of this.pids) {
      if (this.zombies.has(pid)) continue;
      let state: string;
      try {
        const s = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
        state = s.slice(s.lastIndexOf(')') + 2).split(' ')[0];
      } catch {
        continue; // exited: the worker reports it
      }
      if (state === 'T' && !this.stopped.has(pid)) {
        this.stopped.add(pid);
        this.note(pid, 0x7f | ((this.session?.stopSignal(pid) ?? SIGSTOP) << 8));
      } else if (state === 'Z' || state === 'X') {
        // Killed while stopped: not continued (Linux reports only the death), which the
        // worker is about to publish.
        this.stopped.delete(pid);
      } else if (state !== 'T' && state !== 't' && this.stopped.has(pid)) {
        this.continued(pid);
      }
    }
  }

  isStopped(pid: number): boolean {
    return this.stopped.has(pid);
  }

  /** A stopped child was sent SIGCONT (Linux records the continue as the signal is sent). */
  continued(pid: number): void {
    if (!this.stopped.delete(pid)) return;
    this.note(pid, 0xffff);
  }

  private note(pid: number, status: number): void {
    this.changes.set(pid, status);
    this.changeCount++;
    this.onChange(pid, status);
  }

  /**
   * Reap a child (or, with `keep`, only report it) among those `select` accepts, or report a
   * stop or continue when `want` asks for them. Returns [pid, status], or null when nohang and
   * nothing is there to report. ECHILD when no child matches.
   */
  wait(select: (pid: number) => boolean, want: WaitFor, nohang: boolean, keep = false): [number, number] | null {
    for (;;) {
      this.collect();
      const wanted = [...this.pids].filter(select);
      if (wanted.length === 0) throw new SysError(E.ECHILD);
      for (const p of wanted) {
        const st = this.zombies.get(p);
        if (st !== undefined && want.exited) {
          if (!keep) { // WNOWAIT leaves the child waitable
            this.zombies.delete(p);
            this.pids.delete(p);
            this.groups.delete(p);
          }
          return [p, st];
        }
        const change = this.changes.get(p);
        if (change !== undefined && (change === 0xffff ? want.continued : want.stopped)) {
          if (!keep) this.changes.delete(p);
          return [p, change];
        }
      }
      if (nohang) return null;
      const seen = this.seen, changes = this.changeCount;
      this.block(() => Atomics.load(this.ctl, CTL.exitCount) !== seen || this.changeCount !== changes);
    }
  }
}
