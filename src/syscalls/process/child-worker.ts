// Worker thread that owns guest child processes. Node reports a child's exit only through its
// event loop, which the guest's thread never returns to while guest code runs; this worker's
// loop does, and publishes spawned pids and exit statuses in shared memory for the guest thread
// to Atomics.wait on (DESIGN §4: block the honest way, never busy-wait).
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { CTL, RING_SLOTS, type SpawnRequest } from './children-protocol.js';

const ctl = new Int32Array(workerData.ctl as SharedArrayBuffer);
/** The guest thread's event word: bumped so a guest sleeping in any wait notices the exit. */
const wake = new Int32Array(workerData.wake as SharedArrayBuffer);

function publishExit(pid: number, status: number): void {
  const n = Atomics.load(ctl, CTL.exitCount);
  const slot = CTL.ring + (n % RING_SLOTS) * 2;
  Atomics.store(ctl, slot, pid);
  Atomics.store(ctl, slot + 1, status);
  Atomics.store(ctl, CTL.exitCount, n + 1);
  Atomics.notify(ctl, CTL.exitCount);
  Atomics.add(wake, 0, 1);
  Atomics.notify(wake, 0);
}

function reply(seq: number, pid: number): void {
  Atomics.store(ctl, CTL.spawnPid, pid);
  Atomics.store(ctl, CTL.spawnSeq, seq);
  Atomics.notify(ctl, CTL.spawnSeq);
}

parentPort!.on('message', (req: SpawnRequest) => {
  let child;
  try {
    child = spawn(req.file, req.args, { stdio: req.stdio, env: req.env, argv0: req.argv0, cwd: req.cwd });
  } catch {
    reply(req.seq, -1);
    return;
  }
  child.on('error', () => reply(req.seq, -1));
  child.on('spawn', () => reply(req.seq, child.pid ?? -1));
  child.on('exit', (code, signal) => {
    // A child killed before it read its fork snapshot leaves it behind (it deletes it on read).
    if (req.args[1] === '--resume') rmSync(req.args[2], { force: true });
    // wait(2) status word: exit code in bits 15:8, or the terminating signal in bits 6:0.
    const sig = signal ? (constants.signals as Record<string, number>)[signal] ?? 9 : 0;
    publishExit(child.pid ?? -1, sig ? sig | (sig === 6 || sig === 11 || sig === 4 || sig === 7 || sig === 5 ? 0x80 : 0) : ((code ?? 0) & 0xff) << 8);
  });
});
