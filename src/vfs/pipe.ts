// Pipes as host FIFOs. Node cannot call pipe(2), but it can open both ends of a named FIFO;
// unlinked right away, that is an anonymous pipe with real host descriptors, which later
// fork/exec support can hand to child processes unchanged.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { E, SysError, host } from './errno.js';

/**
 * A new pipe: [read end, write end] host descriptors. With `nonblock` both ends are
 * non-blocking on the host too; otherwise both block, as pipe(2)'s do.
 */
export function hostPipe(nonblock: boolean): [number, number] {
  const c = fs.constants;
  // A private directory per pipe, removed again before returning: nothing is left behind.
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-pipe-'));
  } catch {
    throw new SysError(E.ENFILE);
  }
  const p = path.join(dir, 'fifo');
  try {
    try {
      execFileSync('mkfifo', ['-m', '600', p], { stdio: 'ignore' });
    } catch {
      throw new SysError(E.ENFILE);
    }
    // Opening a FIFO's read end without O_NONBLOCK waits for a writer, and the write end
    // without it waits for a reader: open a non-blocking reader first, then the writer, then
    // (when blocking ends are wanted) a blocking reader, which now finds its writer.
    const probe = host(() => fs.openSync(p, c.O_RDONLY | c.O_NONBLOCK));
    let w: number;
    try {
      w = host(() => fs.openSync(p, c.O_WRONLY | (nonblock ? c.O_NONBLOCK : 0)));
    } catch (err) {
      fs.closeSync(probe);
      throw err;
    }
    if (nonblock) return [probe, w];
    try {
      const r = host(() => fs.openSync(p, c.O_RDONLY));
      return [r, w];
    } finally {
      fs.closeSync(probe);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
