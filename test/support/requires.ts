// Host tools that some tests compare against or drive, and the Debian package that has each.
// The vitest global set-up (test/setup/provision.ts) installs the missing ones where it can
// (root on a Debian machine); elsewhere a test that needs one is skipped with the package named
// in its title, and vitest's summary line counts it. CI is root on Debian and skips nothing
// (.ci/run fails on any skipped test).
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HostTool {
  /** A command looked up on PATH, or an absolute path of a file the package installs. */
  probe: string;
  package: string;
}

// The list lives in a JSON file that .ci/run reads too: one list of what the machine needs.
// A tool is found by its command on PATH, or by the absolute path of a file its package installs
// (the arm64 glibc that the dynamic fixtures run against with -L /usr/aarch64-linux-gnu).
const listed: Record<'qemu' | 'tmux' | 'cc' | 'objdump' | 'sysroot' | 'ps' | 'rustc' | 'go' | 'qemuSystem' | 'dtc', HostTool> =
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'setup', 'host-tools.json'), 'utf8'));
if (process.env.TSEMU_QEMU) listed.qemu = { ...listed.qemu, probe: process.env.TSEMU_QEMU };
export const HOST_TOOLS = listed;

export type ToolName = keyof typeof HOST_TOOLS;

function accessible(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

export function present(tool: HostTool): boolean {
  if (tool.probe.includes('/')) return accessible(tool.probe, constants.F_OK);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && accessible(join(dir, tool.probe), constants.X_OK));
}

/** The tools of `names` that are missing, each with its package. */
export function missingTools(names: ToolName[] = Object.keys(HOST_TOOLS) as ToolName[]): HostTool[] {
  return names.map((n) => HOST_TOOLS[n]).filter((t) => !present(t));
}

/**
 * Undefined when every named tool is present, else the reason to skip, naming what to install.
 * Use: `const lacking = needs('qemu'); describe.skipIf(lacking)(titled('...', lacking), ...)`.
 */
export function needs(...names: ToolName[]): string | undefined {
  const missing = missingTools(names);
  if (missing.length === 0) return undefined;
  return `skipped: needs ${missing.map((t) => t.probe).join(', ')} (apt-get install ${missing.map((t) => t.package).join(' ')})`;
}

/** A describe title that, when the tools are missing, says so in the skipped suite's name. */
export function titled(title: string, reason: string | undefined): string {
  return reason ? `${title} [${reason}]` : title;
}
