// The host's stdin as the guest's serial input, without blocking the run loop: a worker thread
// does the blocking reads and puts the bytes in a ring in shared memory; the run loop takes them
// when the UART has room (at every stop and budget exit), and a WFI sleeping for an interrupt
// is woken by the worker (Atomics.notify on the same cell the run loop waits on).
import { readSync } from 'node:fs';
import { isMainThread, Worker, workerData } from 'node:worker_threads';

const RING = 4096;
/** Int32 cells before the ring: bytes written ever, bytes read ever, end of input, wake-ups. */
const WRITTEN = 0, READ = 1, EOF = 2, WAKE = 3;
const HEADER = 16;

export class SerialInput {
  private readonly ctl: Int32Array;
  private readonly ring: Uint8Array;
  private readonly worker: Worker | null;

  /** `fd`: where input comes from (null: none at all, as if at end of input). */
  constructor(fd: number | null) {
    const sab = new SharedArrayBuffer(HEADER + RING);
    this.ctl = new Int32Array(sab, 0, 4);
    this.ring = new Uint8Array(sab, HEADER);
    if (fd === null) {
      this.ctl[EOF] = 1;
      this.worker = null;
      return;
    }
    this.worker = new Worker(new URL(import.meta.url), { workerData: { serialInput: { sab, fd } } });
    this.worker.unref(); // the guest's end ends the process, not the input
  }

  /** Bytes waiting. */
  available(): number { return Atomics.load(this.ctl, WRITTEN) - this.ctl[READ]; }

  /** The next byte (only when available() > 0). */
  take(): number {
    const r = this.ctl[READ];
    const b = this.ring[r % RING];
    Atomics.store(this.ctl, READ, r + 1);
    Atomics.notify(this.ctl, READ); // the worker may wait for room
    return b;
  }

  /** No more input will come (and all of it has been taken). */
  get ended(): boolean { return Atomics.load(this.ctl, EOF) === 1 && this.available() === 0; }

  /** A token for sleep(): take it before looking for input, so none is missed. */
  wakeToken(): number { return Atomics.load(this.ctl, WAKE); }

  /** Sleep until input arrives (or ends) after `token` was taken, or `ms` pass (undefined: no limit). */
  sleep(token: number, ms?: number): void {
    Atomics.wait(this.ctl, WAKE, token, ms);
  }

  close(): void { void this.worker?.terminate(); }
}

/** The worker: blocking reads of the host fd into the ring. */
function pump(sab: SharedArrayBuffer, fd: number): void {
  const ctl = new Int32Array(sab, 0, 4);
  const ring = new Uint8Array(sab, HEADER);
  const buf = Buffer.alloc(RING);
  const wake = () => {
    Atomics.add(ctl, WAKE, 1);
    Atomics.notify(ctl, WAKE);
  };
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(ctl, EOF, 0, 20); continue; }
      n = 0;
    }
    if (n === 0) {
      Atomics.store(ctl, EOF, 1);
      wake();
      return;
    }
    for (let i = 0; i < n; i++) {
      let w = ctl[WRITTEN];
      while (w - Atomics.load(ctl, READ) >= RING) Atomics.wait(ctl, READ, Atomics.load(ctl, READ), 100);
      ring[w % RING] = buf[i];
      Atomics.store(ctl, WRITTEN, ++w);
    }
    wake();
  }
}

if (!isMainThread && workerData?.serialInput) pump(workerData.serialInput.sab, workerData.serialInput.fd);
