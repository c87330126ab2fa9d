// MAP_SHARED file mappings. Guest memory is one linear memory, not the host page cache, so a
// shared mapping is a copy: the pages the guest changed are written back to the file on msync,
// munmap, a MAP_FIXED mapping over them, and exit. "Changed" means different from a snapshot
// taken at map time, so bytes the guest did not touch never overwrite the file. Not seen: writes
// to the file by others (or by write(2)) after the mapping was made.
import type { Kernel, SharedMapping } from '../kernel.js';

const PAGE = 4096;

export function addShared(k: Kernel, m: SharedMapping): void {
  m.file.refs++;
  k.sharedMappings.push(m);
}

/** Write back the changed pages of shared mappings within [from, to). */
export function syncShared(k: Kernel, from: number, to: number): void {
  for (const m of k.sharedMappings) {
    const s = Math.max(from, m.start);
    const e = Math.min(to, m.end);
    if (s < e) writeBack(k, m, s, e);
  }
}

function writeBack(k: Kernel, m: SharedMapping, s: number, e: number): void {
  if (!m.snapshot) return;
  let size: number;
  try { size = m.file.stat().size; } catch { return; }
  for (let p = s; p < e; p += PAGE) {
    const off = p - m.start;
    const fileOff = m.offset + off;
    const n = Math.min(PAGE, e - p, size - fileOff); // a mapping never extends its file
    if (n <= 0) break;
    const now = k.mem.u8.subarray(p, p + n);
    const was = m.snapshot.subarray(off, off + n);
    if (Buffer.compare(now, was) === 0) continue;
    try {
      m.file.pwrite(now, fileOff);
      was.set(now);
    } catch { /* the file went away or is full: Linux would lose the data too */ }
  }
}

/** Write back and forget the shared mappings' parts within [from, to) (munmap, MAP_FIXED, exit). */
export function dropShared(k: Kernel, from: number, to: number): void {
  syncShared(k, from, to);
  const keep: SharedMapping[] = [];
  for (const m of k.sharedMappings) {
    if (m.end <= from || m.start >= to) { keep.push(m); continue; }
    let pieces = 0;
    if (m.start < from) {
      keep.push({ ...m, end: from, snapshot: m.snapshot?.subarray(0, from - m.start) });
      pieces++;
    }
    if (m.end > to) {
      const cut = to - m.start;
      keep.push({ ...m, start: to, offset: m.offset + cut, snapshot: m.snapshot?.subarray(cut) });
      pieces++;
    }
    // Each piece holds a reference to the file; the original's reference goes with it.
    m.file.refs += pieces - 1;
    if (m.file.refs === 0) m.file.close();
  }
  k.sharedMappings.length = 0;
  k.sharedMappings.push(...keep);
}
