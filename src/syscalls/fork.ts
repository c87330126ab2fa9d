// Processes: fork (clone without CLONE_THREAD, incl. vfork) and execve; wait4/waitid are in process.ts.
// A forked child is a real host process: the parent writes its guest image to a snapshot file
// and starts `tsemu-user --resume <file>` with the guest's descriptors inherited, so pipes,
// wait and kill work between them as on Linux.
import { syscall } from './define.js';
import { E, SysError } from './errno.js';
import type { Kernel } from './kernel.js';

const CLONE_VM = 0x100, CLONE_VFORK = 0x4000, CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000;
const CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x1000000;

syscall('clone', 'flags:hex stack:ptr ptid:ptr tls:ptr ctid:ptr', (k, flags, stack, ptid, tls, ctid) => {
  if (flags & CLONE_THREAD) {
    // Threads need one worker per guest thread sharing memory; not there yet.
    throw new SysError(E.EAGAIN);
  }
  if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) throw new SysError(E.EINVAL);
  return k.hooks.fork({
    stack,
    tls: flags & CLONE_SETTLS ? tls : 0,
    setChildTid: flags & CLONE_CHILD_SETTID ? ctid : 0,
    clearChildTid: flags & CLONE_CHILD_CLEARTID ? ctid : 0,
    parentTid: flags & CLONE_PARENT_SETTID ? ptid : 0,
    vfork: (flags & CLONE_VFORK) !== 0,
  });
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
