// Job-control signals on the thread that owns the host process. All tsemu processes of a
// terminal share one host process group (see syscalls/process/session.ts), so the terminal's Ctrl-C,
// Ctrl-\ and Ctrl-Z reach every one of them, background jobs included. This thread therefore
// always listens for those signals and for the other job-control ones, and does what Linux
// would have done for the guest: a terminal signal reaches the guest only when its (guest)
// process group is the terminal's foreground group; a signal the guest handles or ignores is
// passed on to it; otherwise the default action is taken here — death by the signal, or a stop.
import { hostJobIds, type Session } from '../user-host.js';

const SIGINT = 2, SIGQUIT = 3, SIGSTOP = 19, SIGCONT = 18, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22;
/** What the terminal's keys send: only its foreground group gets them. */
const TERMINAL = new Set([SIGINT, SIGQUIT, SIGTSTP]);
const NAMES: Record<number, NodeJS.Signals> = {
  [SIGINT]: 'SIGINT', [SIGQUIT]: 'SIGQUIT', [SIGCONT]: 'SIGCONT', [SIGTSTP]: 'SIGTSTP', [SIGTTIN]: 'SIGTTIN', [SIGTTOU]: 'SIGTTOU',
};
/** Signals this thread always listens for (the guest's dispositions decide what follows). */
export const JOB_SIGNALS = new Set(Object.keys(NAMES).map(Number));

export interface JobControl {
  /** The guest now handles or ignores `sig` (true), or leaves it at its default action. */
  setCaught(sig: number, caught: boolean): void;
  /** Stop this process by `sig` (the guest's default action for it); returns once continued. */
  stop(sig: number): void;
}

/**
 * `forward` passes a signal on to the guest; `die` ends the process by a signal; `topLevel`
 * says this tsemu was started by a host program rather than forked by a guest.
 */
export function listenForJobSignals(session: Session | null, topLevel: boolean,
  forward: (sig: number) => void, die: (sig: number) => never): JobControl {
  const caught = new Set<number>();
  const listeners = new Map<number, () => void>();

  /** Could the terminal have sent this? Only to the host group it has in the foreground. */
  const fromTerminalPossible = () => {
    const ids = hostJobIds();
    return ids.tty !== 0 && ids.tpgid === ids.pgrp;
  };
  const inForeground = () => {
    const fg = session?.foreground() ?? null;
    const own = session?.pgidOf(process.pid) ?? null;
    return fg === null || own === null || fg === own;
  };

  function stop(sig: number): void {
    const ids = hostJobIds();
    const own = session?.pgidOf(process.pid) ?? ids.pgrp;
    session?.markStop(process.pid, sig);
    if ((topLevel || own === ids.pgrp) && sig !== SIGSTOP) {
      // The guest's group is the host's: let the host kernel stop us by the signal itself, so
      // that the shell that started tsemu sees it (and, as Linux does, a terminal stop in an
      // orphaned group is discarded).
      const name = NAMES[sig];
      const l = listeners.get(sig)!;
      process.removeListener(name, l);
      try { process.kill(process.pid, name); } finally { process.on(name, l); }
    } else {
      // A job of a guest shell: only the guest's parent is to hear of it (its wait reads the
      // signal from the session); SIGSTOP cannot be ignored, in an orphaned group or not.
      process.kill(process.pid, 'SIGSTOP');
    }
    session?.clearStop(process.pid);
  }

  function heard(sig: number): void {
    if (sig === SIGCONT) {
      session?.clearStop(process.pid);
      forward(sig); // even at its default action: it discards the guest's pending stops
      return;
    }
    const sentByGuest = session?.takeDirect(process.pid, sig) ?? false;
    if (TERMINAL.has(sig) && !sentByGuest && session && fromTerminalPossible() && !inForeground()) return;
    if (caught.has(sig)) forward(sig);
    else if (sig === SIGINT || sig === SIGQUIT) die(sig);
    else stop(sig);
  }

  for (const sig of JOB_SIGNALS) {
    const l = () => heard(sig);
    listeners.set(sig, l);
    process.on(NAMES[sig], l);
  }
  return {
    setCaught: (sig, on) => { if (on) caught.add(sig); else caught.delete(sig); },
    stop,
  };
}
