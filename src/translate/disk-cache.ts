// The on-disk translation cache: a program run again (the same file, unchanged) starts with the
// region modules its earlier runs translated, instead of running hot code in the first tier
// 1,000 times and compiling it again. One file per program, under $XDG_CACHE_HOME/tsemu, named
// by a hash of the translator's version, the tier and the program file's contents; the shared
// libraries a program maps are covered by the guest-code check every saved module passes
// before it is installed (translator.ts installSaved), never by their names.
//
// Nothing here may make a run fail: an unreadable, truncated or corrupted file is ignored (and
// removed, so the next run writes it anew), and a write that fails (a full disk, a read-only
// home) is skipped. Writers never clash: each writes a file of its own and renames it over.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSaved, encodeSaved, savedSize, type SavedModule } from './saved-translations.js';

/** Most bytes in one cache file (used modules are kept first). */
const FILE_CAP = 32 * 2 ** 20;
/** Most bytes in the whole cache directory; the least recently used files go first. */
const DIR_CAP = 256 * 2 ** 20;
const SUFFIX = '.tsc';

/**
 * The cache directory: $XDG_CACHE_HOME/tsemu, else $HOME/.cache/tsemu; null (no cache) when
 * $TSEMU_NO_CACHE is set (--no-cache sets it, so that forked children inherit it) or when
 * neither variable is set (a bare environment, as tests give: nothing is written anywhere).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TSEMU_NO_CACHE) return null;
  if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)) return path.join(env.XDG_CACHE_HOME, 'tsemu');
  if (env.HOME && path.isAbsolute(env.HOME)) return path.join(env.HOME, '.cache', 'tsemu');
  return null;
}

let version: string | undefined;

/**
 * Changes whenever the translator or any instruction definition does: a hash of the compiled
 * code of translate/ and cpu/ (instruction definitions, helpers, state layout), read once per
 * process (~60 files, ~0.5 MB: a few ms, paid only when the cache is on).
 */
export function translatorVersion(): string {
  if (version) return version;
  const h = createHash('sha256').update('saved-translations 1\0');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const walk = (dir: string): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.js')) h.update(d.name).update('\0').update(fs.readFileSync(p));
    }
  };
  walk(here);
  walk(path.join(here, '..', 'cpu'));
  return (version = h.digest('hex'));
}

export class DiskCache {
  private constructor(readonly dir: string, readonly file: string) {}

  /** The cache file for a program (its file's bytes) run in `tier`; null if the cache is off
   *  or the translator's own files cannot be read. */
  static open(dir: string | null, program: Uint8Array, tier: string): DiskCache | null {
    if (!dir) return null;
    let v: string;
    try {
      v = translatorVersion();
    } catch {
      return null;
    }
    const content = createHash('sha256').update(program).digest('hex');
    const key = createHash('sha256').update(`${v}\0${tier}\0${content}`).digest('hex').slice(0, 40);
    return new DiskCache(dir, path.join(dir, key + SUFFIX));
  }

  /** A cache file named by another process (a forked child's parent). */
  static at(file: string): DiskCache {
    return new DiskCache(path.dirname(file), file);
  }

  /** The saved modules, or none: a file that does not decode is removed, never trusted. */
  load(): SavedModule[] {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.file);
    } catch {
      return [];
    }
    const mods = decodeSaved(data);
    if (!mods) {
      try { fs.rmSync(this.file, { force: true }); } catch { /* another run's problem too */ }
      return [];
    }
    try {
      const now = new Date();
      fs.utimesSync(this.file, now, now); // recently used: kept longest (evictOldest)
    } catch { /* read-only: fine */ }
    return mods;
  }

  /** Write `mods` (up to FILE_CAP, in the order given) in place of the file; false if that
   *  could not be done, which is never an error. */
  save(mods: readonly SavedModule[]): boolean {
    const keep: SavedModule[] = [];
    let size = 0;
    for (const m of mods) {
      size += savedSize(m);
      if (size > FILE_CAP) break;
      keep.push(m);
    }
    const tmp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      fs.writeFileSync(tmp, encodeSaved(keep), { mode: 0o600 });
      fs.renameSync(tmp, this.file);
    } catch {
      try { fs.rmSync(tmp, { force: true }); } catch { /* nothing written */ }
      return false;
    }
    evictOldest(this.dir, Number(process.env.TSEMU_CACHE_MAX_BYTES) || DIR_CAP, this.file);
    return true;
  }
}

/** Keep the directory under `cap` bytes: remove the least recently used files but `keep` (just
 *  written), and temporary files a killed writer left once they are a minute old. */
function evictOldest(dir: string, cap: number, keep: string): void {
  let files: { p: string; size: number; mtime: number }[];
  try {
    files = fs.readdirSync(dir).flatMap((name) => {
      const p = path.join(dir, name);
      try {
        const st = fs.statSync(p);
        if (name.endsWith('.tmp') && Date.now() - st.mtimeMs > 60_000) {
          fs.rmSync(p, { force: true });
          return [];
        }
        return name.endsWith(SUFFIX) && p !== keep ? [{ p, size: st.size, mtime: st.mtimeMs }] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return;
  }
  let total = files.reduce((n, f) => n + f.size, 0);
  try { total += fs.statSync(keep).size; } catch { /* removed meanwhile */ }
  files.sort((a, b) => a.mtime - b.mtime);
  for (const f of files) {
    if (total <= cap) break;
    try { fs.rmSync(f.p, { force: true }); } catch { /* gone already */ }
    total -= f.size;
  }
}
