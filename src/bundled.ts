// A worker's entry module, or the same bundled with everything it imports into one file by
// scripts/bundle.mjs (Node 20 loads that in about half the time). The bundle is used only when
// it is newer than the module: a tsc run alone after the bundle was made leaves it stale.
import fs from 'node:fs';

/**
 * Resource limits for a worker that runs guest code. Its young generation is capped at 2 MiB:
 * V8 would grow it to 16 MiB per semi-space, and the first tier's closures are mostly
 * long-lived, so a larger young generation only copies them more often before they are
 * promoted. Measured on tsemu-user's static hello: peak RSS 88 -> 80 MB, time unchanged;
 * python3 -c pass: RSS 262 -> 236 MB, time within noise (median of 5: 2.69 s against 2.70 s).
 */
export const GUEST_WORKER_LIMITS = { maxYoungGenerationSizeMb: 2 };

/** `name`.js beside `base` (an import.meta.url), or `name`.bundle.js when that is newer, unless
 *  TSEMU_DEBUG asks for stacks with the lines of the separate files (the bundle is minified). */
export function newestEntry(base: string, name: string): URL {
  const plain = new URL(`./${name}.js`, base);
  if (process.env.TSEMU_DEBUG) return plain;
  const bundle = new URL(`./${name}.bundle.js`, base);
  try {
    if (fs.statSync(bundle).mtimeMs >= fs.statSync(plain).mtimeMs) return bundle;
  } catch { /* no bundle */ }
  return plain;
}
