// Guest child processes are real host processes, started and reaped through a worker thread
// (see child-worker.ts). This side starts them synchronously and waits for their exits with
// Atomics.wait.
import { Worker } from 'node:worker_threads';
import { CTL, CTL_BYTES, RING_SLOTS, type SpawnRequest } from './children-protocol.js';
import { E, SysError } from './errno.js';

export class Children {
  private ctl = new Int32Array(new SharedArrayBuffer(CTL_BYTES));
  private worker?: Worker;
  private seq = 0;
  private seen = 0;
  /** Exited children not yet reaped: pid → wait status. */
  private zombies = new Map<number, number>();
  /** Live or zombie children of this process. */
  readonly pids = new Set<number>();

  /**
   * `wake` is the guest thread's event word, which the worker bumps on every exit; `onExit` hears
   * of each exit once (SIGCHLD); `block` sleeps until `exited()` holds, or throws if a signal
   * interrupts the wait.
   */
  constructor(
    private readonly wake: Int32Array,
    private readonly onExit: (pid: number, status: number) => void,
    private readonly block: (exited: () => boolean) => void,
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
    return pid;
  }

  /** Take in the exits the worker published since the last call. */
  collect(): void {
    const count = Atomics.load(this.ctl, CTL.exitCount);
    for (; this.seen < count; this.seen++) {
      const slot = CTL.ring + (this.seen % RING_SLOTS) * 2;
      const pid = Atomics.load(this.ctl, slot);
      const status = Atomics.load(this.ctl, slot + 1);
      this.zombies.set(pid, status);
      this.onExit(pid, status);
    }
  }

  /**
   * Reap a child (or, with `keep`, only report it): pid -1 (or 0, process groups not being
   * modelled yet) means any. Returns
   * [pid, status], or null when nohang and none has exited. ECHILD when there is nothing to wait for.
   */
  wait(pid: number, nohang: boolean, keep = false): [number, number] | null {
    for (;;) {
      this.collect();
      const wanted = pid > 0 ? [pid] : [...this.pids];
      if (wanted.length === 0 || (pid > 0 && !this.pids.has(pid))) throw new SysError(E.ECHILD);
      for (const p of wanted) {
        const st = this.zombies.get(p);
        if (st !== undefined) {
          if (!keep) { // WNOWAIT leaves the child waitable
            this.zombies.delete(p);
            this.pids.delete(p);
          }
          return [p, st];
        }
      }
      if (nohang) return null;
      const seen = this.seen;
      this.block(() => Atomics.load(this.ctl, CTL.exitCount) !== seen);
    }
  }
}
