// Registry of pure host functions generated code may call. Every translated module imports the
// whole list, in registration order, so function indices are fixed for the life of the process.
import type { Helper, Ty } from './emitter.js';

const registry: Helper[] = [];
const index = new Map<Helper, number>();

export function helper(name: string, params: Ty[], result: Ty | null, fn: (...args: any[]) => any): Helper {
  const h: Helper = { name, params, result, fn };
  index.set(h, registry.length);
  registry.push(h);
  return h;
}

export function helperIndex(h: Helper): number {
  const i = index.get(h);
  if (i === undefined) throw new Error(`helper ${h.name} is not registered`);
  return i;
}

export function allHelpers(): readonly Helper[] {
  return registry;
}
