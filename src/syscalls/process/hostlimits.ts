// The host process's resource limits, which the guest inherits as a child of tsemu's parent
// would: read once from /proc/self/limits (its rows are in RLIMIT_ number order).
import * as fs from 'node:fs';

export const RLIM_NLIMITS = 16;
export const RLIM_INFINITY = 0xffffffffffffffffn;
export const RLIMIT_STACK = 3, RLIMIT_NOFILE = 7;

let limits: [bigint, bigint][] | undefined;

export function hostLimit(resource: number): [bigint, bigint] {
  if (!limits) {
    limits = [];
    try {
      const lines = fs.readFileSync('/proc/self/limits', 'latin1').split('\n').slice(1);
      for (const line of lines.slice(0, RLIM_NLIMITS)) {
        // "Max open files            1024                 1048576              files"
        const cols = line.slice(26).trim().split(/\s+/);
        const v = (s: string) => (s === 'unlimited' ? RLIM_INFINITY : BigInt(s));
        limits.push([v(cols[0]), v(cols[1])]);
      }
    } catch { /* no /proc: everything unlimited */ }
  }
  return limits[resource] ?? [RLIM_INFINITY, RLIM_INFINITY];
}

/** The descriptor limit the guest starts with: the host's soft RLIMIT_NOFILE (capped). */
export function initialFdLimit(): number {
  const soft = hostLimit(RLIMIT_NOFILE)[0];
  return Number(soft > 1048576n ? 1048576n : soft);
}
