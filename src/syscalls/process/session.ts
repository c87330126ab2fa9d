// Job control across tsemu's host processes. Node cannot move a host process to another
// process group (setpgid), make a group the terminal's foreground one (tcsetpgrp) or start a
// session without losing the terminal, so every tsemu process of one terminal stays in the host
// group the first one was started in, and Ctrl-C, Ctrl-\ and Ctrl-Z reach all of them. What
// Linux keeps in the kernel for job control lives instead in a small directory in /dev/shm,
// made by the first tsemu (the top-level one) and named to its forked children through the
// environment (TSEMU_SESSION), one file per fact:
//
//   fg            the terminal's foreground process group (tcsetpgrp)
//   <pid>.pgid    the guest's process group of tsemu process <pid> (written by the process, or by
//                 its parent at fork and setpgid)
//   <pid>.stop    the signal that stopped <pid> (its parent's wait reports it)
//   <pid>.sig<n>  signal n was sent to <pid> by a guest's kill, not by the terminal
//
// Each fact is written whole to a temporary file and renamed into place, so a reader in another
// process never sees half of it.
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SESSION_ENV = 'TSEMU_SESSION';

export class Session {
  private constructor(readonly dir: string) {}

  /** The top-level tsemu: a new session whose foreground group is `pgid` (its own). */
  static create(pgid: number): Session | null {
    const base = fs.existsSync('/dev/shm') ? '/dev/shm' : null;
    if (!base) return null;
    sweepStale(base);
    const dir = path.join(base, `tsemu-session-${process.pid}`);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      return null;
    }
    const s = new Session(dir);
    s.setForeground(pgid);
    s.setPgid(process.pid, pgid);
    return s;
  }

  /** A forked tsemu: the session its parent named (null when there is none, or it has gone). */
  static join(dir: string | undefined): Session | null {
    return dir && fs.existsSync(dir) ? new Session(dir) : null;
  }

  foreground(): number | null { return this.read('fg'); }
  setForeground(pgrp: number): void { this.write('fg', pgrp); }

  pgidOf(pid: number): number | null { return this.read(`${pid}.pgid`); }
  setPgid(pid: number, pgid: number): void { this.write(`${pid}.pgid`, pgid); }

  /** The tsemu processes of the session whose group is `pgid` (that are still alive). */
  members(pgid: number): number[] {
    let names: string[];
    try { names = fs.readdirSync(this.dir); } catch { return []; }
    const out: number[] = [];
    for (const n of names) {
      const m = /^(\d+)\.pgid$/.exec(n);
      if (!m || this.read(n) !== pgid) continue;
      const pid = Number(m[1]);
      try { process.kill(pid, 0); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ESRCH') continue; }
      out.push(pid);
    }
    return out;
  }

  stopSignal(pid: number): number | null { return this.read(`${pid}.stop`); }
  markStop(pid: number, sig: number): void { this.write(`${pid}.stop`, sig); }
  clearStop(pid: number): void { this.remove(`${pid}.stop`); }

  /** A guest sends `sig` to `pid`: mark it as not the terminal's. */
  markDirect(pid: number, sig: number): void { this.write(`${pid}.sig${sig}`, 1); }
  /** Did a guest send this `sig` (and not the terminal)? Consumes the mark. */
  takeDirect(pid: number, sig: number): boolean {
    try {
      fs.unlinkSync(path.join(this.dir, `${pid}.sig${sig}`));
      return true;
    } catch {
      return false;
    }
  }

  /** A process has been reaped: drop what the session knew of it. */
  forget(pid: number): void {
    for (const f of [`${pid}.pgid`, `${pid}.stop`]) this.remove(f);
  }

  /** The top-level tsemu ends: the session goes with it. */
  destroy(): void {
    try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch { /* already gone */ }
  }

  private read(name: string): number | null {
    try {
      const v = parseInt(fs.readFileSync(path.join(this.dir, name), 'latin1'), 10);
      return Number.isNaN(v) ? null : v;
    } catch {
      return null;
    }
  }

  private write(name: string, value: number): void {
    const file = path.join(this.dir, name);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, String(value));
      fs.renameSync(tmp, file);
    } catch { /* the session has ended (its top-level tsemu exited): nothing to share with */ }
  }

  private remove(name: string): void {
    try { fs.unlinkSync(path.join(this.dir, name)); } catch { /* not there */ }
  }
}

/** Sessions left behind by a top-level tsemu that was killed outright (SIGKILL), and fork
 *  snapshots (process/snapshot.ts) whose parent and child were both killed before the child
 *  read it: the owner is gone and the file is over a minute old. */
function sweepStale(base: string): void {
  let names: string[];
  try { names = fs.readdirSync(base); } catch { return; }
  for (const n of names) {
    const m = /^tsemu-session-(\d+)$/.exec(n) ?? /^tsemu-fork-(\d+)-\d+$/.exec(n);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      const p = path.join(base, n);
      try {
        if (n.startsWith('tsemu-fork-') && Date.now() - fs.statSync(p).mtimeMs < 60_000) continue;
        fs.rmSync(p, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
    }
  }
}

/**
 * Fields of /proc/self/stat this process's job control needs: its host process group, and
 * the controlling terminal's foreground group (tpgid; -1 or 0 tty when it has none).
 */
export function hostJobIds(): { pgrp: number; tty: number; tpgid: number } {
  try {
    const s = fs.readFileSync('/proc/self/stat', 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(f[2]), tty: Number(f[4]), tpgid: Number(f[5]) };
  } catch {
    return { pgrp: process.pid, tty: 0, tpgid: -1 };
  }
}
