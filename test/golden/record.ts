// Records golden values for instruction cases from qemu-aarch64.
//   npx vite-node test/golden/record.ts <group> [<group> ...]
// reads test/golden/cases/<group>.ts (default export: CaseSpec[]), assembles every case with
// aarch64-linux-gnu-as, runs all of them under qemu-aarch64, and writes test/golden/<group>.json.
// npm test then needs neither the assembler nor qemu for these.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffFromInput, inputFromRecord, runQemu, SNIPPET_BASE, type GoldenCase, type Snippet } from '../support/snippet.js';

export interface CaseSpec {
  name?: string;
  /** Instructions, GNU as syntax; branches must be relative (b .+8), no labels. */
  asm: string[];
  /** Input overrides: x<n>, v<n> ('hi:lo'), nzcv, fpcr, sp, m<i> (scratch bytes). */
  in?: Record<string, string>;
}

const here = dirname(fileURLToPath(import.meta.url));

export function assemble(lines: string[]): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsemu-as-'));
  try {
    writeFileSync(join(dir, 'a.s'), '.arch armv8.5-a+crc+lse+crypto+sha3+sm4+fp16+rcpc+dotprod\n' + lines.join('\n') + '\n');
    execFileSync('aarch64-linux-gnu-as', ['-o', join(dir, 'a.o'), join(dir, 'a.s')]);
    execFileSync('aarch64-linux-gnu-objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    const b = readFileSync(join(dir, 'a.bin'));
    return Array.from({ length: b.length / 4 }, (_, i) => b.readUInt32LE(i * 4));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function record(group: string): Promise<void> {
  const specs: CaseSpec[] = (await import(join(here, 'cases', `${group}.ts`))).default;
  const words = assemble(specs.flatMap((s) => s.asm));
  let at = 0;
  const snippets: Snippet[] = specs.map((s, i) => {
    const code = words.slice(at, at + s.asm.length);
    at += s.asm.length;
    return { name: s.name ?? `${s.asm.join('; ')} #${i}`, pc: SNIPPET_BASE + i * 0x1000, code, in: inputFromRecord(s.in) };
  });
  if (at !== words.length) throw new Error(`assembled ${words.length} words for ${at} instructions (pseudo-ops?)`);
  const outs = runQemu(snippets);
  const cases: (GoldenCase & { asm: string[] })[] = snippets.map((s, i) => ({
    name: s.name,
    pc: '0x' + s.pc!.toString(16),
    asm: specs[i].asm,
    code: s.code.map((w) => '0x' + w.toString(16).padStart(8, '0')),
    ...(specs[i].in ? { in: specs[i].in } : {}),
    out: diffFromInput(s, outs[i]),
  }));
  writeFileSync(join(here, `${group}.json`), JSON.stringify(cases, null, 1) + '\n');
  console.log(`${group}: ${cases.length} cases recorded from qemu`);
}

for (const g of process.argv.slice(2)) await record(g);
