// Translations kept beyond the process that made them (an on-disk cache for a later run of the
// same program, a fork snapshot for a child): each is a region module's wasm bytes with the
// guest pcs of its regions and the guest code bytes every block was built from. Generated code
// holds absolute guest pcs, so a saved module is valid exactly where, and only while, the same
// bytes sit at the same addresses: the translator compares them before installing one.
//
// The file format is only ever read back by the same translator version (disk-cache.ts keys
// files by it) and carries a SHA-256 of its contents: a truncated or corrupted file decodes to
// null and is never trusted.
import { createHash } from 'node:crypto';

export interface SavedModule {
  /** The region module (module.ts buildRegionModule). */
  wasm: Uint8Array;
  /** The FPCR mode it was translated under (part of the translation key). */
  fpcr: number;
  /** Member block pcs of each region, in the order of the module's exports. */
  regions: number[][];
  /** Guest code of each member block (regions flattened), as it was when translated. */
  code: Uint8Array[];
}

const MAGIC = Buffer.from('TSEMUTC1');
const DIGEST = 32;

/** [magic][u32 header length][sha256 of what follows][header JSON][blob] */
export function encodeSaved(modules: readonly SavedModule[]): Buffer {
  const blobs: Uint8Array[] = [];
  let at = 0;
  const put = (b: Uint8Array) => {
    blobs.push(b);
    const off = at;
    at += b.length;
    return [off, b.length];
  };
  const header = modules.map((m) => ({
    wasm: put(m.wasm), fpcr: m.fpcr, regions: m.regions, code: m.code.map(put),
  }));
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const body = Buffer.concat([json, ...blobs]);
  const digest = createHash('sha256').update(body).digest();
  return Buffer.concat([MAGIC, len, digest, body]);
}

/** The modules in `data`, or null if it is not a whole, intact file of this format. */
export function decodeSaved(data: Uint8Array): SavedModule[] | null {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const fixed = MAGIC.length + 4 + DIGEST;
  if (buf.length < fixed || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const body = buf.subarray(fixed);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(MAGIC.length + 4, fixed))) return null;
  const jsonLen = buf.readUInt32LE(MAGIC.length);
  if (jsonLen > body.length) return null;
  try {
    const header = JSON.parse(body.subarray(0, jsonLen).toString('utf8')) as
      { wasm: [number, number]; fpcr: number; regions: number[][]; code: [number, number][] }[];
    const blob = body.subarray(jsonLen);
    const slice = ([off, len]: [number, number]) => {
      if (!(off >= 0 && len >= 0 && off + len <= blob.length)) throw new Error('out of range');
      return blob.subarray(off, off + len);
    };
    return header.map((h) => {
      const m = { wasm: slice(h.wasm), fpcr: h.fpcr, regions: h.regions, code: h.code.map(slice) };
      if (m.regions.flat().length !== m.code.length) throw new Error('mismatched blocks');
      return m;
    });
  } catch {
    return null;
  }
}

/** Bytes a module takes in a file (for the size cap). */
export function savedSize(m: SavedModule): number {
  return m.wasm.length + m.code.reduce((n, c) => n + c.length + 16, 0) + 64;
}

/**
 * The saved modules a translator knows: loaded (from disk or a fork snapshot), made or
 * installed here. Untried ones are found by any member pc; a module leaves that index when it
 * is tried (installed, or found stale) and comes back on a flush (an FPCR mode change), since
 * it still describes valid code for its bytes.
 */
export class SavedIndex {
  private byPc = new Map<number, SavedModule[]>();
  /** Every module worth saving, in the order to keep them under a size cap: used first. */
  private used = new Set<SavedModule>();
  private untried = new Set<SavedModule>();
  /** Counts for -d cache. */
  loaded = 0;
  installed = 0;
  stale = 0;
  made = 0;
  /** Bytes of modules made here (recording stops at a cap). */
  madeBytes = 0;

  /** Take in modules from an earlier run or the parent process. */
  load(mods: readonly SavedModule[]): void {
    for (const m of mods) if (!this.used.has(m) && !this.untried.has(m)) this.track(m);
    this.loaded += mods.length;
  }

  /** Untried modules with code at pc. */
  candidates(pc: number): readonly SavedModule[] | undefined {
    return this.byPc.get(pc);
  }

  /** m was tried: `ok` it is installed (or was just made), else its code is not here. */
  tried(m: SavedModule, ok: boolean): void {
    this.untrack(m);
    if (ok) this.used.add(m);
    else this.stale++;
  }

  /** A module translated here. */
  add(m: SavedModule): void {
    this.used.add(m);
    this.made++;
    this.madeBytes += savedSize(m);
  }

  /** Forget m altogether (a bound on what is kept was reached). */
  forget(m: SavedModule): void {
    this.untrack(m);
    this.used.delete(m);
  }

  /** Translations were all dropped: every module here may be installed again. */
  reset(): void {
    for (const m of this.used) this.track(m);
    this.used.clear();
  }

  /** What to save: used modules first, then those not tried (still valid elsewhere). */
  all(): SavedModule[] {
    return [...this.used, ...this.untried];
  }

  private track(m: SavedModule): void {
    this.untried.add(m);
    for (const pcs of m.regions) for (const pc of pcs) {
      const list = this.byPc.get(pc);
      if (list) list.push(m);
      else this.byPc.set(pc, [m]);
    }
  }

  private untrack(m: SavedModule): void {
    if (!this.untried.delete(m)) return;
    for (const pcs of m.regions) for (const pc of pcs) {
      const list = this.byPc.get(pc);
      if (!list) continue;
      const i = list.indexOf(m);
      if (i >= 0) list.splice(i, 1);
      if (!list.length) this.byPc.delete(pc);
    }
  }
}
