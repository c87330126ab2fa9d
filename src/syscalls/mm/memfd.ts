// memfd_create: an anonymous file in memory. It is an unnamed host file on a tmpfs (/dev/shm,
// O_TMPFILE), so it is a real host descriptor: read/write/ftruncate/mmap work as for any file,
// and forked children and exec'd programs inherit it. readlink(/proc/self/fd/N) and
// /proc/self/maps show "/memfd:NAME (deleted)" as on Linux.
import * as fs from 'node:fs';
import { O } from '../../vfs/file.js';
import { HostFile } from '../../vfs/host.js';
import { anonymousHostFile } from '../../vfs/scratch.js';
import { syscall } from '../define.js';
import { E, SysError } from '../errno.js';
import { readString } from '../guest.js';

const MFD = { CLOEXEC: 1, ALLOW_SEALING: 2, HUGETLB: 4, NOEXEC_SEAL: 8, EXEC: 0x10 } as const;
/** Linux limits the name to 249 bytes (NAME_MAX minus the "memfd:" prefix). */
const MFD_NAME_MAX = 249;

syscall('memfd_create', 'name:str flags:hex', (k, nameAddr, flags) => {
  const all = MFD.CLOEXEC | MFD.ALLOW_SEALING | MFD.HUGETLB | MFD.NOEXEC_SEAL | MFD.EXEC;
  if (flags & ~(all | (0x3f << 26))) throw new SysError(E.EINVAL); // hugetlb size bits 26..31
  if ((flags & 0x3f << 26) && !(flags & MFD.HUGETLB)) throw new SysError(E.EINVAL);
  if ((flags & MFD.NOEXEC_SEAL) && (flags & MFD.EXEC)) throw new SysError(E.EINVAL);
  const name = readString(k, nameAddr, MFD_NAME_MAX + 1);
  if (Buffer.byteLength(name) > MFD_NAME_MAX) throw new SysError(E.EINVAL);
  // Huge pages are not available to tsemu (the host's hugetlbfs is not used).
  if (flags & MFD.HUGETLB) throw new SysError(E.EINVAL);
  const fd = anonymousHostFile();
  const guestName = `/memfd:${name} (deleted)`;
  let f: HostFile;
  try {
    f = new HostFile(fd, guestName, O.RDWR | O.LARGEFILE, `/proc/self/fd/${fd}`);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  f.linkName = guestName;
  f.seals = flags & MFD.ALLOW_SEALING ? 0 : F_SEAL_SEAL;
  try {
    return k.fds.alloc(f, (flags & MFD.CLOEXEC) !== 0);
  } catch (err) {
    f.close();
    throw err;
  }
});

export const F_SEAL_SEAL = 1;
