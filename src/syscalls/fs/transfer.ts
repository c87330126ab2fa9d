// Copying between descriptors inside the kernel: copy_file_range and splice. Node has neither,
// so the bytes pass through a buffer here; what Linux checks (descriptor modes, file types,
// offsets, flags) is checked the same way first. sendfile lives with read/write in files.ts.
import { PERM_W } from '../../cpu/memory.js';
import { O, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG, type OpenFile } from '../../vfs/file.js';
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import { checkReadable, checkWritable } from './files.js';
import type { Kernel } from '../kernel.js';

/** Bytes moved per step: large enough to be quick, small enough to bound the buffer. */
const CHUNK = 1 << 20;

const typeOf = (f: OpenFile) => f.stat().mode & S_IFMT;

/** An optional loff_t* argument: its value (EINVAL if negative) or -1 for "use the file offset". */
function readOffset(k: Kernel, addr: number): number {
  if (!addr) return -1;
  k.mem.check(addr, 8, PERM_W);
  const v = Number(BigInt.asIntN(64, k.mem.readU64(addr)));
  if (v < 0) throw new SysError(E.EINVAL);
  return v;
}

syscall('copy_file_range', 'fd_in:int off_in:ptr fd_out:int off_out:ptr len:size flags:uint',
  (k, fdIn, offIn, fdOut, offOut, len, flags) => {
    if (flags !== 0) throw new SysError(E.EINVAL);
    const inf = k.fds.get(fdIn);
    const outf = k.fds.get(fdOut);
    checkReadable(inf);
    checkWritable(outf);
    if (outf.flags & O.APPEND) throw new SysError(E.EBADF);
    const ti = typeOf(inf), to = typeOf(outf);
    if (ti === S_IFDIR || to === S_IFDIR) throw new SysError(E.EISDIR);
    if (ti !== S_IFREG || to !== S_IFREG) throw new SysError(E.EINVAL);
    const pin = readOffset(k, offIn);
    const pout = readOffset(k, offOut);
    // Overlapping ranges of one file are refused, as Linux does. Asking for a file offset
    // (lseek SEEK_CUR) leaves it where and what it is.
    const a = inf.stat(), b = outf.stat();
    if (a.dev === b.dev && a.ino === b.ino) {
      const from = pin < 0 ? inf.seek(0, 1) : pin, to = pout < 0 ? outf.seek(0, 1) : pout;
      if (from < to + len && to < from + len) throw new SysError(E.EINVAL);
    }
    // Where a call uses the file offset, the bytes go through read/write at that offset: for
    // a descriptor inherited from the host that is the host's offset, which the process that
    // handed it over (a shell redirecting into a file) goes on from.
    let done = 0;
    const buf = new Uint8Array(Math.min(len, CHUNK));
    while (done < len) {
      const part = buf.subarray(0, Math.min(buf.length, len - done));
      const n = pin < 0 ? inf.read(part) : inf.pread(part, pin + done);
      if (n === 0) break;
      let w = 0;
      while (w < n) w += pout < 0 ? outf.write(buf.subarray(w, n)) : outf.pwrite(buf.subarray(w, n), pout + done + w);
      done += n;
    }
    if (pin >= 0) k.mem.writeU64(offIn, pin + done);
    if (pout >= 0) k.mem.writeU64(offOut, pout + done);
    return done;
  });

syscall('splice', 'fd_in:int off_in:ptr fd_out:int off_out:ptr len:size flags:hex',
  (k, fdIn, offIn, fdOut, offOut, len, flags) => {
    const SPLICE_F_ALL = 0xf; // MOVE, NONBLOCK, MORE, GIFT
    if (flags & ~SPLICE_F_ALL) throw new SysError(E.EINVAL);
    const inf = k.fds.get(fdIn);
    const outf = k.fds.get(fdOut);
    checkReadable(inf);
    checkWritable(outf);
    const inPipe = typeOf(inf) === S_IFIFO, outPipe = typeOf(outf) === S_IFIFO;
    // One end must be a pipe; an offset on a pipe end is ESPIPE.
    if (!inPipe && !outPipe) throw new SysError(E.EINVAL);
    if ((inPipe && offIn) || (outPipe && offOut)) throw new SysError(E.ESPIPE);
    if (outf.flags & O.APPEND && !outPipe) throw new SysError(E.EINVAL);
    if (len === 0) return 0;
    const pin = readOffset(k, offIn);
    const pout = readOffset(k, offOut);
    // One read (which blocks like read(2) would on an empty pipe), then all of it written.
    const buf = new Uint8Array(Math.min(len, CHUNK));
    const n = pin >= 0 ? inf.pread(buf, pin) : inf.read(buf);
    let w = 0;
    while (w < n) w += pout >= 0 ? outf.pwrite(buf.subarray(w, n), pout + w) : outf.write(buf.subarray(w, n));
    if (pin >= 0) k.mem.writeU64(offIn, pin + n);
    if (pout >= 0) k.mem.writeU64(offOut, pout + n);
    return n;
  });
