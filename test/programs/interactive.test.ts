// An interactive Debian arm64 bash under tsemu-user in a real terminal (a tmux pane): it shows
// its prompt, runs a command, Ctrl-C typed at the terminal interrupts `sleep 100` and gives the
// prompt back, and `exit` ends it with status 0. Job control: Ctrl-Z stops the foreground job,
// `jobs` lists it, `fg` continues it, and Ctrl-C at the prompt does not reach a background job;
// the expected screen is what the host's own bash 5.2 shows for the same keys in a tmux pane
// (the job-control case also runs with the Debian root as --root: confinement keeps it working). Line editing needs the terminal settings bash
// makes (no echo, non-canonical input) to reach the host terminal: a command would otherwise
// show twice. Needs tmux and the Debian root (npm test installs tmux where it can and fetches the root).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, TSEMU } from './run.js';
import { needs, titled } from '../support/requires.js';

const ROOT = path.join(FIXTURES, 'debian/root');
const BASH = path.join(ROOT, 'usr/bin/bash');
const lacking = needs('tmux', 'ps');
const SOCKET = `tsemu-test-${process.pid}`;

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = (pane = 't') => tmux('capture-pane', '-p', '-t', pane).stdout ?? '';
const lines = (pane = 't') => screen(pane).split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
/** The bash, with the Debian root as sysroot (-L) or, `confined`, as its whole file system (--root).
 *  No translation cache: HOME=/tmp would put one in /tmp/.cache. */
const bashCommand = (confined = false) => `env -i TERM=xterm HOME=/tmp TSEMU_NO_CACHE=1 PS1='tsemu$ ' ${process.execPath} ${TSEMU} ` +
  `${confined ? `--root ${ROOT} /usr/bin/bash` : `-L ${ROOT} ${BASH}`} --norc --noprofile -i;` + ' echo "EXITED $?"; sleep 600';

/** Poll the pane (every 200 ms) until `ready` holds; the screen when it does. */
async function waitFor(ready: (ls: string[]) => boolean, what: string, ms = 60_000, pane = 't'): Promise<string[]> {
  const end = Date.now() + ms;
  for (;;) {
    const ls = lines(pane);
    if (ready(ls)) return ls;
    if (Date.now() > end) throw new Error(`waiting for ${what}; the terminal shows:\n${ls.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const PROMPT = 'tsemu$';
const last = (ls: string[]) => ls[ls.length - 1];

/** A new pane running the interactive bash, once its first prompt shows: keys to type into
 *  it, and waitFor on it. */
async function shellPane(pane: string, confined = false) {
  expect(tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', pane, bashCommand(confined)).status).toBe(0);
  const keys = (...k: string[]) => tmux('send-keys', '-t', pane, ...k);
  const wait = (ready: (ls: string[]) => boolean, what: string, ms = 60_000) => waitFor(ready, what, ms, pane);
  await wait((ls) => ls[0] === PROMPT, 'the first prompt');
  return { keys, wait };
}

afterAll(() => { tmux('kill-server'); });

describe.skipIf(lacking)(titled('interactive bash in a terminal', lacking), () => {
  it('prompt, a command, Ctrl-C interrupting sleep 100, exit', async () => {
    await shellPane('t');

    tmux('send-keys', '-t', 't', 'echo $((6*7))', 'Enter');
    let ls = await waitFor((ls) => ls.length >= 3 && ls[2] === PROMPT, 'the command and the next prompt');
    expect(ls.slice(0, 3)).toEqual(['tsemu$ echo $((6*7))', '42', PROMPT]);

    tmux('send-keys', '-t', 't', 'sleep 100', 'Enter');
    await waitFor((ls) => ls[ls.length - 1] === 'tsemu$ sleep 100', 'sleep to start');
    await new Promise((r) => setTimeout(r, 3000)); // let sleep settle into its nanosleep
    const sent = Date.now();
    tmux('send-keys', '-t', 't', 'C-c');
    ls = await waitFor((ls) => ls[ls.length - 1] === PROMPT && ls.includes('^C'), 'the prompt after Ctrl-C', 30_000);
    expect(Date.now() - sent).toBeLessThan(30_000); // far from sleep's 100 s

    tmux('send-keys', '-t', 't', 'true', 'Enter');
    await waitFor((ls) => ls[ls.length - 1] === PROMPT && ls.includes('tsemu$ true'), 'true to run');
    tmux('send-keys', '-t', 't', 'exit', 'Enter');
    ls = await waitFor((ls) => ls.some((l) => l.startsWith('EXITED')), 'bash to exit');
    expect(ls.find((l) => l.startsWith('EXITED'))).toBe('EXITED 0');
  }, 180_000);

  // Inside --root too: signals to the shell's own jobs are signals within the guest's tree.
  for (const confined of [false, true]) it(`job control${confined ? ' inside --root' : ''}: Ctrl-Z, jobs, fg, Ctrl-C, a background job Ctrl-C does not reach`, async () => {
    const { keys, wait } = await shellPane(confined ? 'jr' : 'j', confined);

    keys('sleep 100', 'Enter');
    await wait((ls) => last(ls) === 'tsemu$ sleep 100', 'sleep to start');
    await new Promise((r) => setTimeout(r, 3000)); // let sleep settle into its nanosleep
    keys('C-z');
    let ls = await wait((ls) => last(ls) === PROMPT && ls.length >= 4, 'the prompt after Ctrl-Z');
    expect(ls).toEqual(['tsemu$ sleep 100', '^Z', '[1]+  Stopped                 sleep 100', PROMPT]);

    keys('jobs', 'Enter');
    ls = await wait((ls) => last(ls) === PROMPT && ls.length >= 6, 'jobs');
    expect(ls.slice(3)).toEqual(['tsemu$ jobs', '[1]+  Stopped                 sleep 100', PROMPT]);

    keys('fg', 'Enter');
    await wait((ls) => last(ls) === 'sleep 100' && ls.length >= 7, 'fg to continue sleep');
    await new Promise((r) => setTimeout(r, 2000));
    keys('C-c');
    ls = await wait((ls) => last(ls) === PROMPT && ls.length >= 9, 'the prompt after Ctrl-C');
    expect(ls.slice(5)).toEqual(['tsemu$ fg', 'sleep 100', '^C', PROMPT]);

    keys('sleep 100 &', 'Enter');
    ls = await wait((ls) => last(ls) === PROMPT && ls.length >= 11, 'sleep in the background');
    expect(ls[8]).toBe('tsemu$ sleep 100 &');
    expect(ls[9]).toMatch(/^\[1\] \d+$/);
    await new Promise((r) => setTimeout(r, 3000)); // let it settle into its nanosleep
    keys('C-c');
    ls = await wait((ls) => last(ls) === PROMPT && ls.length >= 12, 'the prompt after Ctrl-C at the prompt');
    expect(ls.slice(10)).toEqual(['tsemu$ ^C', PROMPT]);
    await new Promise((r) => setTimeout(r, 2000)); // had the background sleep died, bash would know by now
    keys('jobs', 'Enter');
    ls = await wait((ls) => last(ls) === PROMPT && ls.length >= 14, 'jobs');
    expect(ls.slice(11)).toEqual(['tsemu$ jobs', '[1]+  Running                 sleep 100 &', PROMPT]);

    keys('kill %1', 'Enter');
    await wait((ls) => last(ls) === PROMPT && ls.length >= 15, 'kill %1');
    keys('exit', 'Enter');
    ls = await wait((ls) => ls.some((l) => l.startsWith('EXITED')), 'bash to exit');
    expect(ls.find((l) => l.startsWith('EXITED'))).toBe('EXITED 0');
  }, 180_000);

  it('a background job that changes the terminal stops (SIGTTOU); exit ends a stopped job', async () => {
    const P = 'k';
    const { keys, wait } = await shellPane(P);
    // The shell's pid: its forked children are resumed from snapshots named after it.
    const shellPid = spawnSync('pgrep', ['-P', tmux('list-panes', '-t', P, '-F', '#{pane_pid}').stdout.trim()], { encoding: 'utf8' })
      .stdout.trim();
    expect(shellPid).toMatch(/^\d+$/);

    keys('stty -echo &', 'Enter');
    await wait((ls) => last(ls) === PROMPT && ls.length >= 3, 'stty in the background');
    await new Promise((r) => setTimeout(r, 3000)); // stty starts and tries to change the terminal
    keys('Enter'); // bash reports a job's change of state before its next prompt
    let ls = await wait((ls) => last(ls) === PROMPT && ls.length >= 5, 'the report of the stop');
    expect(ls.slice(2)).toEqual([PROMPT, '[1]+  Stopped                 stty -echo', PROMPT]);
    keys('kill -9 %1', 'Enter');
    await wait((ls) => last(ls) === PROMPT && ls.length >= 6, 'kill');

    keys('sleep 100', 'Enter');
    await wait((ls) => last(ls) === 'tsemu$ sleep 100', 'sleep to start');
    await new Promise((r) => setTimeout(r, 3000));
    keys('C-z');
    ls = await wait((ls) => last(ls) === PROMPT && ls.some((l) => l.endsWith('Stopped                 sleep 100')), 'the stop');
    const forked = () => spawnSync('ps', ['-e', '-o', 'args='], { encoding: 'utf8' }).stdout.split('\n')
      .filter((l) => l.includes(`tsemu-fork-${shellPid}-`));
    expect(forked()).toHaveLength(1); // the stopped sleep
    keys('exit', 'Enter');
    ls = await wait((ls) => last(ls) === PROMPT && ls.includes('There are stopped jobs.'), 'the warning');
    keys('exit', 'Enter');
    ls = await wait((ls) => ls.some((l) => l.startsWith('EXITED')), 'bash to exit');
    // bash ends its stopped jobs as it exits (SIGTERM and SIGCONT to their groups): gone.
    const end = Date.now() + 10_000;
    while (forked().length && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect(forked()).toEqual([]);
  }, 180_000);

  it("a job's terminal calls: tcgetpgrp, TIOCGSID, TIOCSCTTY, TIOCNOTTY, setsid", async () => {
    // fixtures/src/ttyjobs.c. Expected: what the same source built for this x86-64 host prints
    // run by the host's bash in a tmux pane (these calls are the same on arm64; qemu-aarch64
    // cannot be the reference, as it does not know TIOCGSID).
    const { keys, wait } = await shellPane('l');
    keys(path.join(FIXTURES, 'bin/ttyjobs.static'), 'Enter');
    const ls = await wait((ls) => last(ls) === PROMPT && ls.length > 2, 'the program to end');
    expect(ls.slice(1)).toEqual([
      'foreground job: 1',
      'TIOCGSID is getsid: 1',
      'TIOCSCTTY (not a session leader): EPERM',
      'setsid (a group leader): EPERM',
      'child: setsid: 1',
      'child: tcgetpgrp (no terminal): ENOTTY',
      "child: TIOCSCTTY (another session's terminal): EPERM",
      'child: TIOCNOTTY (none to give up): ENOTTY',
      'TIOCNOTTY: 0',
      'then tcgetpgrp: ENOTTY',
      'done',
      PROMPT,
    ]);
  }, 120_000);

  it('FIONREAD on the terminal counts the keys waiting', async () => {
    // fixtures/src/ttyinput.c. Expected: what the same source built for this x86-64 host prints
    // in a tmux pane given the same keys (FIONREAD and termios are the same on arm64).
    const { keys, wait } = await shellPane('f');
    keys(path.join(FIXTURES, 'bin/ttyinput.static'), 'Enter');
    await wait((ls) => ls.includes('ready'), 'the program to be ready');
    keys('abc');
    const ls = await wait((ls) => last(ls) === PROMPT && ls.length > 2, 'the program to end');
    expect(ls.slice(1)).toEqual([
      'before the keys: FIONREAD 0',
      'ready',
      'after the keys: FIONREAD 3',
      'read 2: ab',
      'after reading two: FIONREAD 1',
      PROMPT,
    ]);
  }, 120_000);
});
