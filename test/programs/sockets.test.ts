// A guest TCP client (fixtures/src/tcp_client.c) against a server written in Node in this test
// process, static and dynamic. The server's behaviour defines the expected output, so the check
// does not depend on tsemu. tsemu runs asynchronously (spawn, not spawnSync): this process's
// event loop must keep serving while the guest runs.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, TSEMU } from './run.js';
import { needs, titled } from '../support/requires.js';
import { PROGRAM_TEST_MS, RUN_LIMIT_MS } from '../support/limits.js';

const lacking = needs('sysroot');

const SYSROOT = '/usr/aarch64-linux-gnu';

/** What the server received, per connection. */
const seen: string[][] = [];
let server: net.Server;
let port = 0;

function serve(c: net.Socket): void {
  const log: string[] = [];
  seen.push(log);
  let buf = Buffer.alloc(0);
  let blockLeft = -1;
  let zs = 0;
  c.write('hello from node\n');
  c.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (blockLeft > 0) {
        const take = Math.min(blockLeft, buf.length);
        for (let i = 0; i < take; i++) if (buf[i] === 0x7a) zs++;
        buf = buf.subarray(take);
        blockLeft -= take;
        if (blockLeft > 0) return;
        c.write(`${zs} of them were z\n`);
        continue;
      }
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      const line = buf.subarray(0, nl).toString();
      buf = buf.subarray(nl + 1);
      log.push(line);
      const m = /^block (\d+)$/.exec(line);
      if (m) { blockLeft = Number(m[1]); zs = 0; continue; }
      c.write(`${line.length}:${line.toUpperCase()}\n`);
    }
  });
  c.on('end', () => {
    log.push('<EOF>');
    c.end('goodbye\n');
  });
}

beforeAll(async () => {
  server = net.createServer({ allowHalfOpen: true }, serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** tsemu-user with `args`, stdin closed; rejects after 60 s with what it printed so far. */
function runTsemu(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [TSEMU, ...args], { cwd: FIXTURES, env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`timed out; stdout so far:\n${stdout}\nstderr:\n${stderr}`)); }, RUN_LIMIT_MS);
    p.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

const runGuest = (bin: string, args: string[]) => runTsemu(['-L', SYSROOT, bin, ...args]);

describe.skipIf(lacking)(titled('guest TCP client, Node server', lacking), () => {
  for (const kind of ['static', 'dynamic']) {
    it(`tcp_client.${kind}`, async () => {
      const before = seen.length;
      const r = await runGuest(path.join('bin', `tcp_client.${kind}`), ['127.0.0.1', String(port)]);
      expect({ status: r.status, stdout: r.stdout }, r.stderr).toEqual({
        status: 0,
        stdout: [
          'connected, peer port matches: 1',
          'greeting: hello from node',
          'answer: 5:ALPHA',
          'answer: 4:BETA',
          'answer: 5:GAMMA',
          `count: ${200 * 1024} of them were z`,
          'goodbye',
          'EOF after 8 bytes',
          '',
        ].join('\n'),
      });
      expect(seen.length).toBe(before + 1);
      expect(seen[before]).toEqual(['alpha', 'beta', 'gamma', `block ${200 * 1024}`, '<EOF>']);
    }, PROGRAM_TEST_MS);
  }
});

// A socket inherited across fork and execve: Debian's bash opens a TCP connection with its
// /dev/tcp redirection, then `head` and `cat` (forked and exec'd arm64 programs from the root)
// read from it, bash itself writes and reads in between, and a subshell writes. On Linux the
// descriptor is simply shared, so the expected result is the conversation the Node server here
// defines: every byte reaches the one process that reads it, and the connection ends (EOF at
// the server) only when the last process holding it has closed it.
describe.skipIf(lacking)(titled('a socket shared across fork and execve', lacking), () => {
  it('bash /dev/tcp with forked readers', async () => {
    let got = '';
    let ended: () => void = () => {};
    const done = new Promise<void>((resolve) => { ended = resolve; });
    const srv = net.createServer({ allowHalfOpen: true }, (c) => {
      c.write('hello from node\n');
      c.on('data', (d) => {
        got += d;
        if (got === 'ping\n') c.write('pong\n');
        if (got === 'ping\nthen\n') c.end('bye\n');
      });
      c.on('end', () => { got += '<EOF>'; ended(); });
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    try {
      const p = (srv.address() as net.AddressInfo).port;
      const root = path.join(FIXTURES, 'debian', 'root');
      const script = `exec 3<>/dev/tcp/127.0.0.1/${p}; head -c 16 <&3; echo ping >&3; read -r x <&3; echo "bash read: $x"; `
        + '(echo then >&3; exec cat <&3); exec 3>&-; echo closed';
      const r = await runTsemu(['-L', root, path.join(root, 'bin/bash'), '-c', script]);
      expect({ status: r.status, stdout: r.stdout }, r.stderr).toEqual({ status: 0, stdout: 'hello from node\nbash read: pong\nbye\nclosed\n' });
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5000))]);
      expect(got).toBe('ping\nthen\n<EOF>');
    } finally {
      srv.close();
    }
  }, PROGRAM_TEST_MS);
});

// execve of a host-native program (here the host's own cat, copied outside the root) gets the
// guest's sockets as descriptors like any other, as exec does on Linux.
describe.skipIf(lacking)(titled('a socket passed to an exec\'d host program', lacking), () => {
  it('bash /dev/tcp, then exec of a native cat reading it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsemu-native-'));
    const cat = path.join(dir, 'cat');
    fs.copyFileSync('/bin/cat', cat);
    fs.chmodSync(cat, 0o755);
    const srv = net.createServer({ allowHalfOpen: true }, (c) => c.end('native got this\n'));
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    try {
      const p = (srv.address() as net.AddressInfo).port;
      const root = path.join(FIXTURES, 'debian', 'root');
      const r = await runTsemu(['-L', root, path.join(root, 'bin/bash'), '-c', `exec 3<>/dev/tcp/127.0.0.1/${p}; exec ${cat} <&3`]);
      expect({ status: r.status, stdout: r.stdout }, r.stderr).toEqual({ status: 0, stdout: 'native got this\n' });
    } finally {
      srv.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, PROGRAM_TEST_MS);
});
