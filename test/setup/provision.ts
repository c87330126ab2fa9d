// vitest global set-up: before any test file runs, make sure what the tests need is here.
// 1. Host tools (qemu-user-static, tmux, the cross compiler, the arm64 glibc, procps): on a
//    Debian machine where we are root, missing ones are installed with apt-get; elsewhere the
//    tests that need them are skipped and say which package is missing (test/support/requires.ts).
// 2. Fixtures too big to commit, fetched from Debian's archive once and cached under
//    fixtures/debian/ (gitignored): the arm64 busybox and the Debian arm64 root; and Debian's
//    arm64 kernel, under fixtures/system/linux/ (gitignored). The fetch
//    scripts do nothing when their output is present and current. Where they cannot run (no
//    apt-get, or the arm64 architecture is not enabled and we are not root), the run stops with
//    one line naming the missing piece and the command that fixes it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingTools, present, type HostTool } from '../support/requires.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(REPO, 'fixtures', 'debian');

interface Fixture {
  /** What the tests open; its absence means the fetch has never completed. */
  output: string;
  script: string;
}

const FIXTURES: Fixture[] = [
  { output: join(CACHE, 'busybox'), script: join(REPO, 'fixtures', 'fetch-busybox.sh') },
  { output: join(CACHE, 'root', 'lib', 'ld-linux-aarch64.so.1'), script: join(REPO, 'fixtures', 'fetch-debian-root.sh') },
  // Debian's arm64 kernel and its virtio modules for tsemu-system (test/system/linux.test.ts);
  // cached in fixtures/system/linux/ (the module list is written last).
  { output: join(REPO, 'fixtures', 'system', 'linux', 'modules', 'load-order'), script: join(REPO, 'fixtures', 'system', 'fetch-kernel.sh') },
];

class ProvisionError extends Error {}

const say = (line: string) => process.stdout.write(`provision: ${line}\n`);
const isRoot = () => process.getuid?.() === 0;
const has = (command: string) => present({ probe: command, package: '' });

/**
 * Run a step. A fetch script's own lines (one a step) are shown as they come; apt-get's chatter
 * (`quiet`) only when it fails. The last line of its error output comes back for the one-line
 * failure message.
 */
function run(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): { ok: boolean; err: string } {
  const r = spawnSync(command, args, {
    stdio: ['ignore', opts.quiet ? 'pipe' : 'inherit', 'pipe'], env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 1 << 26,
  });
  const ok = r.status === 0;
  const err = (r.stderr ?? '').trim();
  if (!ok && opts.quiet && r.stdout) process.stderr.write(r.stdout);
  if (err && (!ok || !opts.quiet)) process.stderr.write(err + '\n');
  return { ok, err: r.error?.message ?? err.split('\n').filter(Boolean).pop() ?? `exit status ${r.status}` };
}

function installTools(missing: HostTool[]): void {
  const packages = [...new Set(missing.map((t) => t.package))];
  if (!isRoot() || !has('apt-get')) {
    say(`missing ${missing.map((t) => t.probe).join(', ')}: the tests that need them are skipped ` +
      `(install with: apt-get install ${packages.join(' ')})`);
    return;
  }
  say(`apt-get install ${packages.join(' ')}`);
  const apt = { env: { DEBIAN_FRONTEND: 'noninteractive' }, quiet: true };
  const update = run('apt-get', ['update', '-qq'], apt);
  if (!update.ok) throw new ProvisionError(`apt-get update failed (${update.err}); fix the package sources, then run npm test again`);
  const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], apt);
  if (!install.ok) throw new ProvisionError(`apt-get install ${packages.join(' ')} failed (${install.err})`);
}

function arm64Enabled(): boolean {
  const r = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.split('\n').includes('arm64');
}

function fetchFixtures(): void {
  mkdirSync(CACHE, { recursive: true });
  // The scripts download with apt-get and need dpkg's arm64 architecture, which only root can add.
  const cannot = !has('apt-get') || !has('dpkg') ? 'Debian\'s apt-get and dpkg'
    : !arm64Enabled() && !isRoot() ? 'the arm64 package architecture' : undefined;
  for (const f of FIXTURES) {
    const script = f.script.slice(REPO.length + 1);
    if (cannot) {
      if (existsSync(f.output)) continue; // present; whether it is current cannot be checked here
      throw new ProvisionError(`${f.output.slice(REPO.length + 1)} is missing and ${script} needs ${cannot}: ` +
        (has('apt-get') ? 'run `sudo dpkg --add-architecture arm64 && sudo apt-get update`, then npm test' : 'run the tests on Debian (or in a Debian container)'));
    }
    // flock: two test runs at once must not both rebuild the same fixture.
    const r = has('flock') ? run('flock', [join(CACHE, '.fetch.lock'), 'bash', f.script]) : run('bash', [f.script]);
    if (!r.ok) throw new ProvisionError(`${script} failed (${r.err}); it downloads from Debian's archive: check the network and the package sources, then run npm test again`);
  }
}

export default function provision(): void {
  if (process.env.TSEMU_NO_PROVISION) return;
  try {
    const missing = missingTools();
    if (missing.length) installTools(missing);
    fetchFixtures();
  } catch (e) {
    if (!(e instanceof ProvisionError)) throw e;
    // One line, no stack: what is missing and what fixes it.
    process.stderr.write(`provision: ${e.message}\n`);
    process.exit(1);
  }
}
