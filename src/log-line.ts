// -d and -strace lines, from whichever thread makes them: each line is written whole, to the
// log's descriptor (stderr or -D's file), which every thread of the process shares.
import fs from 'node:fs';

const pause = new Int32Array(new SharedArrayBuffer(4));

/** A -d or -strace line, whole: stderr may be a non-blocking pipe (a test runner's, or one a
 *  parent set O_NONBLOCK on) that is full for a while (-d in_asm writes megabytes). */
export function writeLogLine(fd: number, line: string): void {
  const buf = Buffer.from(line + '\n');
  for (let done = 0; done < buf.length;) {
    try {
      done += fs.writeSync(fd, buf, done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
