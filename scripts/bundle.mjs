// After tsc: bundle the guest's thread (dist/cli/guest-thread.js and every module of the
// emulator it imports) into one file, dist/cli/guest-thread.bundle.js. Node 20 loads ES modules
// one by one through an asynchronous pipeline; the ~110 files of the emulator cost each run and
// each forked child about twice the time of one file of the same code (issue 8, start-up).
// tsemu-user uses the bundle only when it is newer than dist/cli/guest-thread.js (a later tsc
// alone leaves it stale), and runs from the separate files without it. Packages stay outside.
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The guest's first thread, and the worker each further guest thread runs on (threads/).
const entries = [`${root}dist/cli/guest-thread.js`, `${root}dist/threads/thread-worker.js`];

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.log('scripts/bundle.mjs: esbuild is not installed; tsemu-user will load dist/ file by file (slower start-up)');
  process.exit(0);
}

// Each module's import.meta.url becomes its own file's URL again, reckoned from the bundle's,
// so that the workers and files it names relative to itself are still found.
const ownUrl = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, ({ path }) => {
      const rel = relative(dirname(build.initialOptions.outfile), path);
      const contents = readFileSync(path, 'utf8')
        .replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      return { contents, loader: 'js' };
    });
  },
};

// No keepNames: it wraps every function made at run time in a naming call (measurable on the
// translator's paths), and tsemu reads no function's or class's name.
for (const entry of entries) await esbuild.build({
  entryPoints: [entry],
  outfile: entry.replace(/\.js$/, '.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  plugins: [ownUrl],
  // Whitespace and syntax only (names stay): the source every process parses and keeps drops
  // from 709 to 481 KB, and the static hello's peak RSS by ~2 MB (median of 7). With
  // TSEMU_DEBUG set, workers load dist/ file by file instead (bundled.ts), for readable stacks.
  minifyWhitespace: true,
  minifySyntax: true,
});
