// A worker's entry module, or the same bundled with everything it imports into one file by
// scripts/bundle.mjs (Node 20 loads that in about half the time). The bundle is used only when
// it is newer than the module: a tsc run alone after the bundle was made leaves it stale.
import fs from 'node:fs';

/** `name`.js beside `base` (an import.meta.url), or `name`.bundle.js when that is newer. */
export function newestEntry(base: string, name: string): URL {
  const plain = new URL(`./${name}.js`, base);
  const bundle = new URL(`./${name}.bundle.js`, base);
  try {
    if (fs.statSync(bundle).mtimeMs >= fs.statSync(plain).mtimeMs) return bundle;
  } catch { /* no bundle */ }
  return plain;
}
