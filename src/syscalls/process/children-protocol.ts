// Layout of the shared control block between the guest thread and the child-process worker.
import type { StdioOptions } from 'node:child_process';

export const CTL = {
  /** Sequence number of the last spawn the worker answered. */
  spawnSeq: 0,
  /** Its pid, or -1 if the spawn failed. */
  spawnPid: 1,
  /** Number of exits published so far. */
  exitCount: 2,
  /** Ring of (pid, wait status) pairs. */
  ring: 16,
} as const;
export const RING_SLOTS = 1000;
export const CTL_BYTES = (CTL.ring + RING_SLOTS * 2) * 4;

export interface SpawnRequest {
  seq: number;
  file: string;
  args: string[];
  argv0?: string;
  stdio: StdioOptions;
  env: Record<string, string>;
  cwd?: string;
}
