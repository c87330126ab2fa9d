// A worker's entry module, or the same bundled with everything it imports into one file by
// scripts/bundle.mjs (Node 20 loads that in about half the time). The bundle is used only when
// it is newer than the module: a tsc run alone after the bundle was made leaves it stale.
import fs from 'node:fs';

/**
 * Resource limits for a worker that runs guest code. Its young generation is capped at 2 MiB
 * (V8 grows it to 16 MiB per semi-space), for memory: peak RSS of the static hello 88 -> 80 MB
 * (issue 8 asks for at most `node -e 0` + 40 MiB), python3 -c pass 262 -> 236 MB. The price is
 * more scavenges while the first tier builds its long-lived closures: python3 -c pass pauses
 * ~400 ms in GC instead of ~240 ms, ~4% of its time (median of 6: 2.45 s against 2.36 s).
 * 4 MiB costs no measurable time but leaves the static hello ~0.5 MB above that bound.
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
