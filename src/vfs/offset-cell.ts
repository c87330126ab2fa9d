// The file offset of an open file description shared between host processes.
//
// On Linux a forked child shares its parent's open file descriptions, offset included:
// `{ echo a; /bin/echo b; echo c; } > f` works because the child's write moves the offset the
// parent then writes at. A forked tsemu child inherits the host descriptor, but tsemu tracks the
// offset of a file it opened itself (Node has no lseek, so the host offset cannot be set; see
// host.ts), and a copy of that number would diverge. So once a description is shared at fork,
// its offset lives in a cell: eight bytes in a small unlinked file that parent and child (and
// the child's own children) hold open, read before and written after each use of the offset.
// The file is unlinked as soon as it is created: only the inherited descriptors keep it, so it
// goes away with the last process holding it, whatever way that process ends.
//
// Not atomic: two processes using the same description at the very same time can both read
// the old offset (Linux serialises them on the description's lock). A shell and the children it
// waits for take turns, which is the case that matters.
// Always the host's file system, also when the guest's is in memory: host descriptors are
// what a child inherits.
import * as fs from 'node:fs';
import { anonymousHostFile } from './scratch.js';

/** Value of a cell whose description still uses the host descriptor's own offset. */
export const HOST_OFFSET = -1;

export class OffsetCell {
  private readonly buf = Buffer.alloc(8);

  /** @param fd host descriptor of the cell's file (owned: closed by close()) */
  constructor(readonly fd: number) {}

  /** A new cell holding `value`. */
  static create(value: number): OffsetCell {
    const cell = new OffsetCell(anonymousHostFile());
    cell.set(value);
    return cell;
  }

  get(): number {
    const n = fs.readSync(this.fd, this.buf, 0, 8, 0);
    return n === 8 ? Number(this.buf.readBigInt64LE(0)) : HOST_OFFSET;
  }

  set(value: number): void {
    this.buf.writeBigInt64LE(BigInt(value), 0);
    fs.writeSync(this.fd, this.buf, 0, 8, 0);
  }

  close(): void {
    try { fs.closeSync(this.fd); } catch { /* already gone */ }
  }
}
