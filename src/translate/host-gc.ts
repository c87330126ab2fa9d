// A full garbage collection of this thread's V8 heap, on request.
//
// V8 frees a wasm module's machine code only when a garbage collection finds the module
// unreachable, and it collects by the size of the JavaScript heap, which stays small while the
// code cache churns. Each module's code is a mapping of its own: measured on Go's net/http
// tests (25 threads), the process reached Linux's limit of 65,530 mappings in ~4 minutes and V8
// aborted ("Commit wasm code space Allocation failed"). After the code cache drops many
// modules, it asks for a collection here. Node exposes `gc` only under --expose-gc; setting that
// flag at run time and taking `gc` from a new context works on Node 20 and 24 (each worker has
// a heap of its own and its own `gc`).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

let gc: (() => void) | null | undefined;

/** Collect garbage now; false if this Node offers no way to. */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const f: unknown = vm.runInNewContext('gc');
      gc = typeof f === 'function' ? (f as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return !!gc;
}
