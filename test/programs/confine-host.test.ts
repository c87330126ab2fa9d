// Confinement beyond the file system (README "Threat model"): fixtures/src/confine.c tries each
// way a guest could act on the host — a host-native program it writes and execs, kill of a host
// process outside its tree, an abstract unix socket the test listens on, TCP with --net none,
// another process's /proc/<pid>/environ — and checks each outcome itself. Under --root and
// --memfs every attempt fails with the errno the README documents and the host sees nothing
// (the helper lives, no connection arrives); without confinement each one works, so the
// refusals are tsemu's and not the channels' own failures.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, tsemuAsync, type RunResult } from './run.js';
import { PROGRAM_TEST_MS } from '../support/limits.js';

const PROGRAM = path.join(FIXTURES, 'bin/confine.static');

/** What the fixture prints when every channel is refused (the errnos README documents). */
const DENIED = [
  'exec host-native: ENOEXEC',
  'proc environ: ENOENT',
  'abstract connect: ECONNREFUSED',
  'abstract bind: EACCES',
  'tcp connect: ENETUNREACH',
  'udp sendto: ENETUNREACH',
  'tcp bind: EADDRNOTAVAIL',
  'kill: EPERM',
].join('\n') + '\n';

let root: string;
let hostDir: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-confine-root-'));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.mkdirSync(path.join(root, 'tmp'));
  fs.copyFileSync(PROGRAM, path.join(root, 'bin/confine'));
  fs.chmodSync(path.join(root, 'bin/confine'), 0o755);
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-confine-host-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(hostDir, { recursive: true, force: true });
});

/** The host side of one run: a process to kill and read, and two listeners that count. */
interface Host {
  helper: ChildProcess;
  abstractName: string;
  abstractConnections: number;
  tcpPort: number;
  tcpConnections: number;
  close(): void;
}

let host: Host | null = null;
afterEach(() => { host?.close(); host = null; });

let seq = 0;
async function hostSide(): Promise<Host> {
  // The helper is a host process outside any tsemu tree; its environment carries the marker
  // the fixture looks for in /proc/<pid>/environ.
  const helper = spawn('sleep', ['300'], { env: { CONFINE_MARKER: 'host-secret' }, stdio: 'ignore' });
  await new Promise((resolve) => helper.once('spawn', resolve));
  const h: Host = {
    helper, abstractName: `tsemu-confine-${process.pid}-${++seq}`, abstractConnections: 0, tcpPort: 0, tcpConnections: 0,
    close() {
      abstractServer.close();
      tcpServer.close();
      if (helper.exitCode === null && helper.signalCode === null) helper.kill('SIGKILL');
    },
  };
  // A Node listener: Node pads abstract names to sun_path's full size on bind and connect alike,
  // as tsemu's own sockets (Node's) do, so an unconfined guest does reach it.
  const abstractServer = net.createServer((c) => { h.abstractConnections++; c.destroy(); });
  await new Promise<void>((resolve) => abstractServer.listen({ path: `\0${h.abstractName}` }, resolve));
  const tcpServer = net.createServer((c) => { h.tcpConnections++; c.destroy(); });
  await new Promise<void>((resolve) => tcpServer.listen(0, '127.0.0.1', resolve));
  h.tcpPort = (tcpServer.address() as net.AddressInfo).port;
  return h;
}

function channels(h: Host, execDir: string): string[] {
  return ['--exec', execDir, '--proc', String(h.helper.pid), '--abstract', h.abstractName, '--tcp', String(h.tcpPort),
    '--kill', String(h.helper.pid)];
}

/** Let connections and the helper's death (if any) reach this process's event loop. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

function expectDenied(r: RunResult, h: Host): void {
  expect({ status: r.status, stdout: r.stdout.toString() }, r.stderr).toEqual({ status: 0, stdout: DENIED });
  expect(h.helper.exitCode, 'the host helper was killed').toBe(null);
  expect(h.helper.signalCode, 'the host helper was killed').toBe(null);
  expect(h.abstractConnections).toBe(0);
  expect(h.tcpConnections).toBe(0);
  // One line each under -d unimp, naming the flag that would allow it where there is one.
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('tsemu-user: confined: '));
  expect(lines, r.stderr).toEqual([
    expect.stringMatching(/execve of host-native program \/tmp\/native-\w+ refused \(ENOEXEC\); --allow-host-exec allows it$/),
    expect.stringMatching(new RegExp(`/proc/${h.helper.pid}/environ \\(another process's /proc\\) refused \\(ENOENT\\)$`)),
    expect.stringMatching(/connect to abstract unix socket "@tsemu-confine-[\d-]+" refused \(ECONNREFUSED\); --allow-abstract-sockets allows it$/),
    expect.stringMatching(/bind to abstract unix socket "@tsemu-confine-[\d-]+-bound" refused \(EACCES\); --allow-abstract-sockets allows it$/),
    expect.stringMatching(new RegExp(`connect to 127\\.0\\.0\\.1:${h.tcpPort} under --net none refused \\(ENETUNREACH\\); --net host allows it$`)),
    expect.stringMatching(new RegExp(`send to 127\\.0\\.0\\.1:${h.tcpPort} under --net none refused \\(ENETUNREACH\\); --net host allows it$`)),
    expect.stringMatching(/bind to 0\.0\.0\.0:0 under --net none refused \(EADDRNOTAVAIL\); --net host allows it$/),
    expect.stringMatching(new RegExp(`signal 15 to host process ${h.helper.pid} outside the guest's tree refused \\(EPERM\\)$`)),
  ]);
}

/** Debian's busybox in the root as /bin/busybox (fixtures/fetch-busybox.sh fetches it). */
function busyboxInRoot(): void {
  const busybox = path.join(FIXTURES, 'debian/busybox');
  expect(fs.existsSync(busybox), 'run fixtures/fetch-busybox.sh').toBe(true);
  fs.copyFileSync(busybox, path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
}

describe('a confined guest cannot act on the host', () => {
  it('--root: every channel is refused with the documented errno', async () => {
    host = await hostSide();
    const r = await tsemuAsync(['-d', 'unimp', '--net', 'none', '--root', root, '/bin/confine', 'denied', ...channels(host, '/tmp')]);
    await settle();
    expectDenied(r, host);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  }, PROGRAM_TEST_MS);

  it('--memfs: every channel is refused with the documented errno', async () => {
    host = await hostSide();
    const r = await tsemuAsync(['-d', 'unimp', '--net', 'none', '--memfs', PROGRAM, 'denied', ...channels(host, '/tmp')]);
    await settle();
    expectDenied(r, host);
  }, PROGRAM_TEST_MS);

  it('without confinement every channel works (the fixture can tell)', async () => {
    host = await hostSide();
    const r = await tsemuAsync([PROGRAM, 'allowed', ...channels(host, hostDir)]);
    await settle();
    expect({ status: r.status, stdout: r.stdout.toString() }, r.stderr).toEqual({
      status: 0,
      stdout: [
        'host-native program ran',
        'exec host-native: works',
        'proc environ: works',
        'abstract connect: works',
        'abstract bind: works',
        'tcp connect: works',
        'udp sendto: works',
        'tcp bind: works',
        'kill: works',
      ].join('\n') + '\n',
    });
    expect(host.helper.signalCode).toBe('SIGTERM');
    expect(host.abstractConnections).toBe(1);
    expect(host.tcpConnections).toBe(1);
    expect(fs.readdirSync(hostDir)).toEqual([]);
  }, PROGRAM_TEST_MS);

  for (const where of ['--root', '--memfs'] as const) {
    it(`${where} with --allow-host-exec and --allow-abstract-sockets: those two work again`, async () => {
      host = await hostSide();
      const place = where === '--root' ? ['--root', root, '/bin/confine'] : ['--memfs', PROGRAM];
      const r = await tsemuAsync(['--allow-host-exec', '--allow-abstract-sockets', ...place, 'allowed',
        '--exec', '/tmp', '--abstract', host.abstractName]);
      await settle();
      expect({ status: r.status, stdout: r.stdout.toString() }, r.stderr).toEqual({
        status: 0,
        stdout: 'host-native program ran\nexec host-native: works\nabstract connect: works\nabstract bind: works\n',
      });
      expect(host.abstractConnections).toBe(1);
    }, PROGRAM_TEST_MS);
  }

  it('--root: signals within the guest\'s own tree still work (a shell kills its job)', async () => {
    busyboxInRoot();
    const r = await tsemuAsync(['--root', root, '/bin/busybox', 'sh', '-c',
      'sleep 30 & kill $!; wait $!; echo job $?; kill -0 $PPID; echo parent $?']);
    // $PPID is the test's own process: outside the tree.
    expect(r.stdout.toString(), r.stderr).toBe('job 143\nparent 1\n');
    expect(r.stderr).toMatch(/Operation not permitted/);
  }, PROGRAM_TEST_MS);

  it('--root: a #! script whose interpreter is host-native is refused as the program itself is', async () => {
    busyboxInRoot();
    // A host-native interpreter: the host's echo, which would print the script's name.
    fs.copyFileSync('/bin/echo', path.join(root, 'tmp/native'));
    fs.chmodSync(path.join(root, 'tmp/native'), 0o755);
    fs.writeFileSync(path.join(root, 'tmp/script'), '#!/tmp/native\necho not reached\n', { mode: 0o755 });
    try {
      const r = await tsemuAsync(['-d', 'unimp', '--root', root, '/bin/busybox', 'sh', '-c', 'exec /tmp/script']);
      expect(r.stderr).toMatch(/^tsemu-user: confined: execve of host-native program \/tmp\/native refused \(ENOEXEC\); --allow-host-exec allows it$/m);
      // busybox, told ENOEXEC, runs the file as a shell script itself, as it would on Linux.
      expect(r.stdout.toString()).toBe('not reached\n');
    } finally {
      fs.rmSync(path.join(root, 'tmp/native'));
      fs.rmSync(path.join(root, 'tmp/script'));
    }
  }, PROGRAM_TEST_MS);

  it.skipIf(process.getuid?.() !== 0)('--root: a device node inside the root is not opened, and none is made (even as root)', async () => {
    busyboxInRoot();
    fs.mkdirSync(path.join(root, 'dev'), { recursive: true });
    execFileSync('mknod', [path.join(root, 'dev/null-copy'), 'c', '1', '3']);
    try {
      const r = await tsemuAsync(['-d', 'unimp', '--root', root, '/bin/busybox', 'sh', '-c',
        'echo x > /dev/null-copy; echo open $?; mknod /tmp/dev c 1 3; echo mknod $?; echo x > /dev/null; echo host null $?']);
      expect(r.stdout.toString(), r.stderr).toBe('open 1\nmknod 1\nhost null 0\n');
      expect(r.stderr).toMatch(/^tsemu-user: confined: open of device node \/dev\/null-copy inside the root refused \(EACCES\)$/m);
      expect(r.stderr).toMatch(/^tsemu-user: confined: mknod of a device node refused \(EPERM\)$/m);
      expect(fs.existsSync(path.join(root, 'tmp/dev'))).toBe(false);
    } finally {
      fs.rmSync(path.join(root, 'dev'), { recursive: true, force: true });
    }
  }, PROGRAM_TEST_MS);
});
