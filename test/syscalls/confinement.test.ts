// Confinement's refusals call by call (syscalls/confine.ts; README "Threat model"), beyond what
// fixtures/src/confine.c tries: the IPv6 and listen cases of --net none (errnos as Linux 6.x
// gives them in a network namespace with no interface up, `unshare -rn`), kill's ESRCH for a
// process that does not exist, and the pid lookups that see no process outside the tree. Each
// refusal is one line under -d unimp; without confinement the same calls go through.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNCONFINED } from '../../src/syscalls/confine.js';
import { BUF, E, makeGuest, type Guest } from './harness.js';

const AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2;

let g: Guest;
let lines: string[];
let helper: ChildProcess;
beforeEach(async () => {
  g = makeGuest();
  lines = [];
  g.k.opts.unimp = (l) => lines.push(l);
  // Its own session (setsid), so its session id is visible from any pid namespace: where the
  // test runner's session leader lies outside the namespace (a container), getsid reports 0.
  helper = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
  await new Promise((resolve) => helper.once('spawn', resolve));
});
afterEach(() => {
  helper.kill('SIGKILL');
  g.cleanup();
});

const confine = (noNetwork = false) => { g.k.confinement = { confined: true, hostExec: false, abstractSockets: false, noNetwork }; };

function inet(port: number, ip = [127, 0, 0, 1]): number {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0);
  b.writeUInt16BE(port, 2);
  b.set(ip, 4);
  g.mem.write(BUF, b);
  return 16;
}

function inet6(port: number, ip: number[]): number {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  b.set(ip, 8);
  g.mem.write(BUF, b);
  return 28;
}

const LOOPBACK6 = [...Array(15).fill(0), 1];
const MAPPED_LOOPBACK = [...Array(10).fill(0), 0xff, 0xff, 127, 0, 0, 1];

describe('--net none', () => {
  it('connect, sendto, bind and listen fail as in an empty network namespace', () => {
    confine(true);
    let s = g.call('socket', AF_INET, SOCK_STREAM, 0);
    expect(g.call('connect', s, BUF, inet(9))).toBe(-E.ENETUNREACH);
    expect(g.call('bind', s, BUF, inet(0, [0, 0, 0, 0]))).toBe(-E.EADDRNOTAVAIL);
    expect(g.call('listen', s, 1)).toBe(-E.EADDRNOTAVAIL);
    s = g.call('socket', AF_INET6, SOCK_STREAM, 0);
    expect(g.call('connect', s, BUF, inet6(9, LOOPBACK6))).toBe(-E.EADDRNOTAVAIL);
    expect(g.call('connect', s, BUF, inet6(9, MAPPED_LOOPBACK))).toBe(-E.ENETUNREACH);
    const u = g.call('socket', AF_INET, SOCK_DGRAM, 0);
    expect(g.call('sendto', u, BUF + 64, 1, 0, BUF, inet(9))).toBe(-E.ENETUNREACH);
    expect(g.call('sendmsg', u, msghdr(inet(9)), 0)).toBe(-E.ENETUNREACH);
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('tsemu-user: confined: connect to 127.0.0.1:9 under --net none refused (ENETUNREACH); --net host allows it');
    // A unix socket is not the network.
    const x = g.call('socket', AF_UNIX, SOCK_STREAM, 0);
    expect(x).toBeGreaterThan(0);
  });

  it('without it the same socket binds and listens (on 127.0.0.1)', () => {
    confine(false);
    const s = g.call('socket', AF_INET, SOCK_STREAM, 0);
    expect(g.call('bind', s, BUF, inet(0))).toBe(0);
    expect(g.call('listen', s, 1)).toBe(0);
    expect(lines).toEqual([]);
  });
});

/** A struct msghdr at BUF + 256 naming the address at BUF (`len` bytes), one empty iovec. */
function msghdr(len: number): number {
  const m = Buffer.alloc(56);
  m.writeBigUInt64LE(BigInt(BUF), 0);
  m.writeInt32LE(len, 8);
  m.writeBigUInt64LE(BigInt(BUF + 512), 16);
  m.writeBigUInt64LE(1n, 24);
  g.mem.write(BUF + 256, m);
  g.mem.write(BUF + 512, Buffer.alloc(16)); // one iovec of length 0
  return BUF + 256;
}

describe('processes outside the tree', () => {
  it('kill is EPERM (ESRCH for none), and getpgid, getsid, prlimit64 see nothing', () => {
    confine();
    const pid = helper.pid!;
    expect(g.call('kill', pid, 0)).toBe(-E.EPERM);
    expect(g.call('kill', pid, 15)).toBe(-E.EPERM);
    expect(g.call('tgkill', pid, pid, 15)).toBe(-E.EPERM);
    expect(g.call('kill', 0x3ffffff0, 15)).toBe(-E.ESRCH);
    expect(g.call('getpgid', pid)).toBe(-E.ESRCH);
    expect(g.call('getsid', pid)).toBe(-E.ESRCH);
    expect(g.call('prlimit64', pid, 7, 0, BUF)).toBe(-E.ESRCH);
    expect(helper.exitCode).toBe(null);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toBe(`tsemu-user: confined: signal 15 to host process ${pid} outside the guest's tree refused (EPERM)`);
  });

  it('unconfined, the same calls reach it', async () => {
    g.k.confinement = UNCONFINED;
    const pid = helper.pid!;
    expect(g.call('getsid', pid)).toBe(pid);
    expect(g.call('getpgid', pid)).toBe(pid);
    expect(g.call('kill', pid, 15)).toBe(0);
    await new Promise((resolve) => helper.once('exit', resolve));
    expect(helper.signalCode).toBe('SIGTERM');
  });
});
