// The words and calls between the guest's thread and the thread that owns the host process
// (cli/user-main.ts). Kept apart from kernel.ts so that the owning thread can use them without
// loading the emulator.

/**
 * What the thread owning the host process does for a guest running on a worker thread: only
 * that thread hears host signals, may set the umask, and sees the terminal resize.
 */
export interface HostLink {
  /** Shared words, see HOST_EVENTS. The guest thread sleeps on word 0 in its waits. */
  events: Int32Array;
  /** The guest now catches or ignores `sig` (true), or leaves it at the default action. */
  signalInterest(sig: number, caught: boolean): void;
  /** Set the process umask; returns the previous one. */
  umask(mask: number): number;
  /** The job-control session directory shared with the other tsemu processes (session.ts). */
  session?: string;
  /** Stop the process by `sig` (a stop signal's default action); returns once it is continued. */
  stop?(sig: number): void;
  /** prctl(PR_SET_PDEATHSIG): send `sig` (0: nothing) to the guest when its parent ends. */
  parentDeathSignal?(sig: number): void;
}

/** Word indexes of HostLink.events. */
export const HOST_EVENTS = {
  /** Bumped by any thread that has news for the guest thread (Atomics.notify'd). */
  counter: 0,
  /** Host signals that arrived and are not yet taken: bit n-1 for signal n, two words. */
  signals: 1,
  /** Terminal size (0: unknown). */
  rows: 3,
  cols: 4,
  /** umask requests: answer sequence number and value. */
  umaskSeq: 5,
  umaskValue: 6,
  /** Set when a host SIGCHLD came: a child may have stopped or continued. */
  children: 7,
  /** Bumped by the owning thread when a stop the guest thread asked for is over. */
  stopSeq: 8,
  words: 10,
} as const;
