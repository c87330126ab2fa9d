// Host files tsemu keeps for itself: fork snapshots, offset cells, lock logs, memfds. They go
// on a tmpfs (/dev/shm) where there is one, so they cost memory rather than disk writes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { host } from './errno.js';

/** The directory for such files: /dev/shm when writable, else the system's temporary one. */
export function scratchDir(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/** Host O_TMPFILE: __O_TMPFILE plus the host's O_DIRECTORY (Node does not export it). */
const HOST_O_TMPFILE = 0o20000000 | fs.constants.O_DIRECTORY;

/** An unnamed read-write host file: O_TMPFILE where the file system has it, else create+unlink. */
export function anonymousHostFile(): number {
  for (const d of ['/dev/shm', os.tmpdir()]) {
    try {
      return fs.openSync(d, HOST_O_TMPFILE | fs.constants.O_RDWR, 0o600);
    } catch { /* no O_TMPFILE there */ }
  }
  const dir = host(() => fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-memfd-')));
  try {
    return host(() => fs.openSync(path.join(dir, 'f'), 'w+', 0o600));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
