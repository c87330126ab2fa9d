// Which file system the guest's paths and descriptors reach: the host's (node:fs), or an
// in-memory one (memfs) standing in for the guest's whole "/". Code under vfs/ and syscalls/
// that works on guest files imports `vfs` from here instead of node:fs; the binding is live, so
// choosing the in-memory backend (useMemoryFs) switches every such call at once.
//
// In-memory mode routes each call to one of the two:
// - by path: /proc/... and the host devices (/dev/null, zero, full, random, urandom, tty) stay
//   on the host, everything else is in memory;
// - by descriptor: memfs numbers its descriptors downward from 2^31-1, far above any host
//   descriptor, so the number says which side it belongs to.
// One process runs one guest, so the backend is per process. A forked child is a new host
// process: it gets a copy of the in-memory files as they were at fork (memoryImage), and from
// then on parent and child no longer see each other's changes.
import * as nodeFs from 'node:fs';
import { createRequire } from 'node:module';

/** memfs, loaded when --memfs (or a forked child of such a guest) first asks for it: it is a
 *  hundred CommonJS modules that every other run would pay to load (issue 8, start-up). */
const loadMemfs = () => createRequire(import.meta.url)('memfs') as typeof import('memfs');

export type FsApi = typeof nodeFs;

/** The file system guest files live on (live binding: reassigned by useMemoryFs). */
export let vfs: FsApi = nodeFs;

/** memfs descriptors are at or above this; host descriptors never get near it. */
const MEMFS_FD_MIN = 1 << 30;

export function isMemoryFd(fd: number): boolean {
  return vfs !== nodeFs && fd >= MEMFS_FD_MIN;
}

const HOST_PATHS = /^\/(proc(\/|$)|dev\/(null|zero|full|random|urandom|tty)$)/;

/** Is the in-memory backend active? */
export function inMemory(): boolean {
  return vfs !== nodeFs;
}

/**
 * Make the guest's file system a fresh in-memory one holding `files` (guest path → contents;
 * a trailing "/" makes a directory) plus /tmp, and return it. Call before the guest runs.
 */
export function useMemoryFs(files: Record<string, string | Uint8Array> = {}): FsApi {
  const { createFsFromVolume, Volume } = loadMemfs();
  const mem = createFsFromVolume(new Volume()) as unknown as FsApi;
  mem.mkdirSync('/tmp', { recursive: true, mode: 0o1777 });
  mem.mkdirSync('/dev', { recursive: true });
  for (const [p, data] of Object.entries(files)) {
    if (p.endsWith('/')) { mem.mkdirSync(p, { recursive: true }); continue; }
    mem.mkdirSync(p.slice(0, p.lastIndexOf('/')) || '/', { recursive: true });
    mem.writeFileSync(p, data, { mode: 0o755 });
  }
  vfs = routed(mem);
  return vfs;
}

/** One file system object in a memory image: path, type, mode, and contents or link target. */
type ImageEntry = [path: string, type: 'd' | 'f' | 'l', mode: number, data: string];

/** The in-memory files as a string (for a forked child; see restoreMemoryImage). */
export function memoryImage(): string {
  const entries: ImageEntry[] = [];
  const walk = (dir: string) => {
    for (const name of vfs.readdirSync(dir)) {
      const p = dir === '/' ? `/${name}` : `${dir}/${name}`;
      if (HOST_PATHS.test(p)) continue;
      const st = vfs.lstatSync(p);
      if (st.isSymbolicLink()) entries.push([p, 'l', st.mode & 0o7777, String(vfs.readlinkSync(p))]);
      else if (st.isDirectory()) { entries.push([p, 'd', st.mode & 0o7777, '']); walk(p); }
      else entries.push([p, 'f', st.mode & 0o7777, vfs.readFileSync(p).toString('base64')]);
    }
  };
  walk('/');
  return JSON.stringify(entries);
}

/** A fresh in-memory file system holding what memoryImage recorded. */
export function restoreMemoryImage(image: string): void {
  const mem = useMemoryFs();
  for (const [p, type, mode, data] of JSON.parse(image) as ImageEntry[]) {
    if (type === 'd') { mem.mkdirSync(p, { recursive: true }); mem.chmodSync(p, mode); }
    else if (type === 'l') mem.symlinkSync(data, p);
    else mem.writeFileSync(p, Buffer.from(data, 'base64'), { mode });
  }
}

/** Back to the host file system (tests). */
export function useHostFs(): void {
  vfs = nodeFs;
}

/** An fs whose calls go to the host or to `mem` by their first argument (see the top). */
function routed(mem: FsApi): FsApi {
  return new Proxy(nodeFs, {
    get(target, name: string) {
      const viaHost = (target as unknown as Record<string, unknown>)[name];
      const viaMem = (mem as unknown as Record<string, unknown>)[name];
      if (typeof viaHost !== 'function') return viaHost;
      return (...args: unknown[]) => {
        // symlinkSync(target, path): the link's own path decides, not the text it holds.
        const key = name === 'symlinkSync' ? args[1] : args[0];
        const host = typeof key === 'number' ? key < MEMFS_FD_MIN
          : typeof key === 'string' ? HOST_PATHS.test(key) : true;
        const f = (host ? viaHost : viaMem) as ((...a: unknown[]) => unknown) | undefined;
        if (typeof f !== 'function') {
          throw Object.assign(new Error(`${name} is not available in memory`), { code: 'ENOSYS' });
        }
        return f.apply(host ? target : mem, args);
      };
    },
  });
}
