// Processes: fork (clone without CLONE_THREAD, incl. vfork) and execve; wait4/waitid are in process.ts.
// A forked child is a real host process: the parent writes its guest image to a snapshot file
// and starts `tsemu-user --resume <file>` with the guest's descriptors inherited, so pipes,
// wait and kill work between them as on Linux.
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import type { Kernel } from '../kernel.js';

const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_SIGHAND = 0x800, CLONE_PIDFD = 0x1000, CLONE_VFORK = 0x4000;
const CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000, CLONE_SETTLS = 0x80000;
const CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x1000000;
const CLONE_NEWUSER = 0x10000000;

/** The flag combinations Linux's copy_process refuses with EINVAL. */
function checkCloneFlags(flags: number): void {
  if ((flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) throw new SysError(E.EINVAL);
  if ((flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) throw new SysError(E.EINVAL);
  // Threads share signal handlers, and shared handlers need shared memory.
  if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) throw new SysError(E.EINVAL);
  if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) throw new SysError(E.EINVAL);
  if ((flags & CLONE_PIDFD) && (flags & CLONE_THREAD)) throw new SysError(E.EINVAL);
}

/** clone and clone3 once their arguments are read. */
export function cloneProcess(k: Kernel, flags: number, stack: number, ptid: number, tls: number, ctid: number): number {
  checkCloneFlags(flags);
  const req = {
    stack,
    tls: flags & CLONE_SETTLS ? tls : 0,
    setChildTid: flags & CLONE_CHILD_SETTID ? ctid : 0,
    clearChildTid: flags & CLONE_CHILD_CLEARTID ? ctid : 0,
    parentTid: flags & CLONE_PARENT_SETTID ? ptid : 0,
    vfork: (flags & CLONE_VFORK) !== 0,
  };
  if (flags & CLONE_THREAD) {
    // A thread shares the fd table, cwd and the rest with the process whatever CLONE_FILES and
    // CLONE_FS say: tsemu keeps one of each per process (threads/group.ts).
    if (!k.hooks.thread) throw new SysError(E.EAGAIN);
    return k.hooks.thread(req);
  }
  if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) throw new SysError(E.EINVAL);
  return k.hooks.fork(req);
}

syscall('clone', 'flags:hex stack:ptr ptid:ptr tls:ptr ctid:ptr', (k, flags, stack, ptid, tls, ctid) => {
  // clone's parent_tid argument doubles as the pidfd out-parameter.
  if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID)) throw new SysError(E.EINVAL);
  return cloneProcess(k, flags, stack, ptid, tls, ctid);
});

/**
 * clone3(struct clone_args *, size). Threads only: for a new process it answers ENOSYS, on
 * which glibc falls back to clone (as it does on kernels before 5.3).
 */
syscall('clone3', 'args:ptr size:size', (k, args, size) => {
  const CLONE_ARGS_SIZE_VER0 = 64;
  if (size < CLONE_ARGS_SIZE_VER0 || size > 4096) throw new SysError(E.EINVAL);
  const b = Buffer.from(k.mem.read(args, Math.min(size, 88)));
  // Fields beyond those known must be zero (E2BIG), as Linux's copy_struct_from_user requires.
  if (size > 88) for (const byte of k.mem.read(args + 88, size - 88)) if (byte) throw new SysError(E.E2BIG);
  const u64 = (i: number) => (i * 8 + 8 <= b.length ? b.readBigUInt64LE(i * 8) : 0n);
  const [flagsBig, , childTid, parentTid, exitSignal, stackBase, stackSize, tls, setTid, setTidSize] = Array.from({ length: 10 }, (_, i) => u64(i));
  if (flagsBig >> 32n || exitSignal > 64n || setTid || setTidSize) throw new SysError(E.EINVAL);
  const flags = Number(flagsBig);
  if (!(flags & CLONE_THREAD)) throw new SysError(E.ENOSYS);
  if ((flags & CLONE_THREAD) && exitSignal) throw new SysError(E.EINVAL);
  if ((stackBase === 0n) !== (stackSize === 0n)) throw new SysError(E.EINVAL);
  const sp = stackBase ? Number(stackBase + stackSize) : 0;
  return cloneProcess(k, flags, sp, Number(parentTid), Number(tls), Number(childTid));
});

function readStrings(k: Kernel, addr: number): string[] {
  const out: string[] = [];
  if (!addr) return out;
  for (let i = 0; ; i++) {
    if (i > 65536) throw new SysError(E.E2BIG);
    const p = k.mem.readU64n(addr + i * 8);
    if (!p) return out;
    out.push(k.mem.readCBytes(p, 131072).toString('utf8'));
  }
}

syscall('execve', 'path:str argv:ptr envp:ptr', (k, path, argv, envp) => {
  const p = k.mem.readCBytes(path, 4096).toString('utf8');
  if (!p) throw new SysError(E.ENOENT);
  k.hooks.exec(p, readStrings(k, argv), readStrings(k, envp));
  return 0;
});
