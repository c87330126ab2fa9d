// An initramfs as Linux unpacks it: a cpio archive in the "newc" format (magic 070701; every
// header field eight ASCII hex digits; name and data each padded to 4 bytes; a TRAILER!!!
// entry last), uncompressed (Documentation/driver-api/early-userspace/buffer-format.rst).
// Small enough to write here rather than depend on a cpio package or the host's cpio.

export type Entry =
  | { path: string; kind: 'dir'; mode?: number }
  | { path: string; kind: 'file'; data: Uint8Array | string; mode?: number }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'chardev'; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** The archive's bytes: entries in the order given (a directory before what it holds). */
export function cpioNewc(entries: Entry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const enc = new TextEncoder();
  let ino = 1;
  const add = (name: string, mode: number, data: Uint8Array, nlink: number, rdev: [number, number]) => {
    const nameBytes = enc.encode(name + '\0');
    const fields = [ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0];
    const header = enc.encode('070701' + fields.map((v) => v.toString(16).toUpperCase().padStart(8, '0')).join(''));
    parts.push(header, nameBytes, new Uint8Array(pad4(header.length + nameBytes.length)), data, new Uint8Array(pad4(data.length)));
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    switch (e.kind) {
      case 'dir': add(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), 2, [0, 0]); break;
      case 'file': add(path, S_IFREG | (e.mode ?? 0o644), typeof e.data === 'string' ? enc.encode(e.data) : e.data, 1, [0, 0]); break;
      case 'symlink': add(path, S_IFLNK | 0o777, enc.encode(e.target), 1, [0, 0]); break;
      case 'chardev': add(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), 1, [e.major, e.minor]); break;
    }
  }
  add('TRAILER!!!', 0, new Uint8Array(0), 1, [0, 0]);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
