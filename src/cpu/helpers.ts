// Registry of pure host functions generated code may call, each under a name of its own.
import type { Helper, Ty } from './emitter.js';

const registry: Helper[] = [];

export function helper(name: string, params: Ty[], result: Ty | null, fn: (...args: any[]) => any): Helper {
  // Generated code imports helpers by name (translate/module.ts).
  if (registry.some((r) => r.name === name)) throw new Error(`helper ${name} registered twice`);
  const h: Helper = { name, params, result, fn };
  registry.push(h);
  return h;
}

export function allHelpers(): readonly Helper[] {
  return registry;
}
