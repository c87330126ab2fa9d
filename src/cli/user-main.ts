// tsemu-user's command line: parse flags (commander), run the guest, mirror its exit status or
// death by signal. Errors a person sees are one line.
import type { Command as CommandType } from 'commander';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as tty from 'node:tty';
import { Worker } from 'node:worker_threads';
import type { GuestResult } from '../user.js';
import { HOST_EVENTS, hostJobIds, Session, SESSION_ENV } from '../user-host.js';
import type { GuestAnswer, GuestNotice, GuestRequest } from './guest-thread.js';
import { JOB_SIGNALS, listenForJobSignals } from './job-control.js';
import { GUEST_WORKER_LIMITS, newestEntry } from '../bundled.js';

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL',
  10: 'SIGUSR1', 11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 16: 'SIGSTKFLT',
  17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP', 20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU', 23: 'SIGURG', 24: 'SIGXCPU',
  25: 'SIGXFSZ', 26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH', 29: 'SIGIO', 30: 'SIGPWR', 31: 'SIGSYS',
};
const DESCRIPTIONS: Record<number, string> = {
  4: 'Illegal instruction', 5: 'Trace/breakpoint trap', 6: 'Aborted', 7: 'Bus error', 11: 'Segmentation fault',
};

const SIGUSR1 = 10;

function err(line: string): void {
  fs.writeSync(2, `tsemu-user: ${line}\n`);
}

export function main(argv: string[]): void {
  if (argv[2] === '--resume' && argv.length === 4) {
    // A child of a forking guest (see src/user-process.ts), not something a person types.
    runOnGuestThread(startGuestThread(false), { kind: 'resume', snapshot: argv[3] });
    return;
  }
  // Starting the guest's thread, which loads the emulator, is most of tsemu's start-up: begin it
  // now, while this thread loads commander and parses the command line (the request follows as
  // a message), unless the command line only asks for --version or --help.
  const line = qemuStyle(argv);
  const hostEnv = Object.entries(process.env); // before startGuestThread names the session in it
  const guest = asksToRun(line) ? startGuestThread(true) : null;
  // commander is loaded here, not imported, so that forked children (--resume) never load it.
  const { Command } = createRequire(import.meta.url)('commander') as { Command: typeof CommandType };
  const program = new Command();
  program
    .name('tsemu-user')
    .description('Run an aarch64 Linux program on this machine (user-mode emulation).')
    .usage('[options] program [args...]')
    .version('0.1.0', '--version')
    .option('-L <path>', 'sysroot tried first for absolute guest paths and the ELF interpreter (env TSEMU_LD_PREFIX)')
    .option('--root <dir>', 'confine the guest to a host directory: its "/" (paths cannot escape it)')
    .option('--memfs', 'give the guest an in-memory file system as its "/" (holding /tmp and the program)')
    .option('--allow-host-exec', 'with --root/--memfs: let execve run host-native programs (they are not confined)')
    .option('--allow-abstract-sockets', 'with --root/--memfs: let the guest use abstract unix sockets (host services)')
    .option('--net <mode>', 'host: the host\'s network (default); none: IPv4 and IPv6 sockets reach nothing')
    .option('-E <var=value>', 'set a variable in the guest environment (repeatable)', collect, [])
    .option('-U <var>', 'remove a variable from the guest environment (repeatable)', collect, [])
    .option('-0 <argv0>', 'argv[0] passed to the guest (default: the program as given)')
    .option('--strace', 'log system calls to stderr (also -strace, as qemu-user spells it)')
    .option('-d <items>', 'log: unimp (unimplemented system calls), in_asm (translated instructions), out_asm (generated wasm), exec (each block run; runs the first tier only), cache (translation cache; per guest thread: modules compiled, and installed from other threads), tier (modules compiled, code cache evictions)')
    .option('-D <file>', 'write -d and -strace logs to a file instead of stderr')
    .option('--tier <tier>', 'engine: auto (default: the first tier, then wasm for hot code), eval (first tier only), wasm (env TSEMU_TIER)')
    .option('--one-insn-per-tb', 'translate one guest instruction per block, for debugging the translator (also -one-insn-per-tb, -singlestep)')
    .option('--no-cache', 'neither use nor write the translation cache in $XDG_CACHE_HOME/tsemu (env TSEMU_NO_CACHE=1)')
    .argument('<program>', 'aarch64 ELF executable')
    .argument('[args...]', 'arguments passed to the program')
    .passThroughOptions()
    .allowUnknownOption(false)
    .showHelpAfterError(false)
    .configureOutput({
      writeErr: (s) => fs.writeSync(2, s),
      outputError: (s, write) => write(`tsemu-user: ${s.replace(/^error: /, '')}`),
    })
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 1));
  program.parse(line);
  const o = program.opts<{ memfs?: boolean; root?: string; allowHostExec?: boolean; allowAbstractSockets?: boolean; net?: string; L?: string; E: string[]; U: string[]; '0'?: string; strace?: boolean; d?: string; D?: string; tier?: string; cache: boolean; oneInsnPerTb?: boolean }>();
  const [prog, args] = program.processedArgs as [string, string[]];

  const env = new Map<string, string>();
  for (const kv of hostEnv) if (kv[1] !== undefined) env.set(kv[0], kv[1]);
  for (const e of o.E) {
    const i = e.indexOf('=');
    if (i <= 0) { err(`-E ${e}: expected VAR=value`); process.exit(1); }
    env.set(e.slice(0, i), e.slice(i + 1));
  }
  for (const u of o.U) env.delete(u);

  if (o.net !== undefined && o.net !== 'none' && o.net !== 'host') { err(`--net ${o.net}: expected none or host`); process.exit(1); }
  const items = new Set((o.d ?? '').split(',').filter(Boolean));
  const known = ['unimp', 'in_asm', 'out_asm', 'exec', 'cache', 'tier'];
  for (const it of items) {
    if (!known.includes(it)) { err(`-d ${it}: unknown log item (known: ${known.join(', ')})`); process.exit(1); }
  }
  // -d exec sees every block only in the first tier (the run loop logs it; wasm chains on).
  const tier = items.has('exec') ? 'eval' : o.tier ?? process.env.TSEMU_TIER ?? 'auto';
  if (!['auto', 'eval', 'wasm'].includes(tier)) { err(`--tier ${tier}: expected auto, eval or wasm`); process.exit(1); }
  if (items.has('exec') && o.tier && o.tier !== 'eval') { err(`-d exec runs the first tier only: drop --tier ${o.tier}`); process.exit(1); }
  const logFd = o.D ? fs.openSync(o.D, 'w') : null;
  runOnGuestThread(guest ?? startGuestThread(true), {
    kind: 'run',
    program: prog,
    argv: [o['0'] ?? prog, ...args],
    envp: [...env].map(([k, v]) => `${k}=${v}`),
    sysroot: o.L ?? process.env.TSEMU_LD_PREFIX ?? null,
    root: o.root ?? null,
    memfs: !!o.memfs,
    allowHostExec: !!o.allowHostExec,
    allowAbstractSockets: !!o.allowAbstractSockets,
    noNetwork: o.net === 'none',
    logFd,
    strace: !!o.strace,
    unimp: items.has('unimp'),
    inAsm: items.has('in_asm'),
    cacheLog: items.has('cache'),
    tierLog: items.has('tier'),
    outAsm: items.has('out_asm'),
    execLog: items.has('exec'),
    oneInsnPerTb: !!o.oneInsnPerTb,
    noCache: !o.cache,
    tier: tier as 'auto' | 'eval' | 'wasm',
  });
}

/** The guest's thread, started before its request is known (see main). */
interface GuestThread {
  worker: Worker;
  events: Int32Array;
  session: Session | null;
  /** Started by a host program (a run), not forked by a guest (a resume). */
  topLevel: boolean;
}

function startGuestThread(topLevel: boolean): GuestThread {
  const events = new Int32Array(new SharedArrayBuffer(HOST_EVENTS.words * 4));
  // The job-control session (syscalls/process/session.ts): the top-level tsemu makes it, and forked
  // children (spawned from the guest thread, whose environment is a copy of this one) join it.
  const session = topLevel ? Session.create(hostJobIds().pgrp) : Session.join(process.env[SESSION_ENV]);
  if (session) {
    process.env[SESSION_ENV] = session.dir;
    if (topLevel) {
      endSession = () => session.destroy();
      process.on('exit', () => session.destroy());
    }
  }
  const worker = new Worker(newestEntry(import.meta.url, 'guest-thread'), { resourceLimits: GUEST_WORKER_LIMITS, workerData: { events: events.buffer, session: session?.dir ?? null } });
  return { worker, events, session, topLevel };
}

/**
 * Does the command line (after qemuStyle) name a program to run? Only a guess, for starting
 * the guest's thread early: commander decides.
 */
function asksToRun(args: string[]): boolean {
  for (let i = 2; i < args.length; i++) {
    const a = args[i];
    if (a === '--version' || a === '-h' || a === '--help') return false;
    if (!a.startsWith('-')) return true;
    if (['-L', '-E', '-U', '-0', '-d', '-D', '--root', '--tier'].includes(a)) i++;
  }
  return false;
}

/**
 * Run the guest on its own thread (see guest-thread.ts) and serve it from this one: pass on the
 * host signals it handles or ignores, set the umask for it, keep the terminal size current,
 * and end the process as the guest ends.
 */
function runOnGuestThread(guest: GuestThread, request: GuestRequest): void {
  const { worker, events, session, topLevel } = guest;
  const notify = () => {
    Atomics.add(events, HOST_EVENTS.counter, 1);
    Atomics.notify(events, HOST_EVENTS.counter);
  };
  followTerminalSize(events, notify);
  worker.postMessage(request);
  const listeners = new Map<number, () => void>();
  const forwarder = (sig: number) => () => {
    Atomics.or(events, HOST_EVENTS.signals + ((sig - 1) >> 5), 1 << ((sig - 1) & 31));
    notify();
  };
  const jobs = listenForJobSignals(session, topLevel, (sig) => forwarder(sig)(), dieBySignal);
  // A child stopped or continued (the host kernel tells its parent with SIGCHLD): the guest
  // thread looks at its children's states.
  process.on('SIGCHLD', () => {
    Atomics.store(events, HOST_EVENTS.children, 1);
    notify();
  });
  // Node's own default for SIGUSR1 is to start its inspector, not to die: the guest always
  // decides what SIGUSR1 does.
  process.on('SIGUSR1', forwarder(SIGUSR1));
  let answered = false;
  worker.on('message', (m: GuestNotice | GuestAnswer) => {
    switch (m.kind) {
      case 'signal-interest': {
        const name = SIGNAL_NAMES[m.sig] as NodeJS.Signals | undefined;
        const current = listeners.get(m.sig);
        if (!name || m.sig === SIGUSR1) return;
        if (JOB_SIGNALS.has(m.sig)) {
          jobs.setCaught(m.sig, m.caught);
          return;
        }
        if (m.caught && !current) {
          const forward = forwarder(m.sig);
          listeners.set(m.sig, forward);
          process.on(name, forward);
        } else if (!m.caught && current) {
          process.removeListener(name, current);
          listeners.delete(m.sig);
        }
        return;
      }
      case 'stop':
        jobs.stop(m.sig);
        whenSignalsDelivered(() => {
          Atomics.add(events, HOST_EVENTS.stopSeq, 1);
          Atomics.notify(events, HOST_EVENTS.stopSeq);
        });
        return;
      case 'pdeathsig':
        watchParent(m.sig, forwarder(m.sig));
        return;
      case 'umask':
        Atomics.store(events, HOST_EVENTS.umaskValue, process.umask(m.mask));
        Atomics.add(events, HOST_EVENTS.umaskSeq, 1);
        Atomics.notify(events, HOST_EVENTS.umaskSeq);
        return;
      default:
        answered = true;
        finish(m);
    }
  });
  worker.on('error', (e) => internalError(e));
  worker.on('exit', (code) => {
    if (!answered) internalError(new Error(`the guest thread ended without an answer (exit code ${code})`));
  });
}

/**
 * Signals that came while the process was stopped (a SIGHUP before the SIGCONT, as Linux sends
 * an orphaned stopped group) are due before the guest goes on. The host kernel hands each to
 * some thread when the process continues, and that thread may be the guest's own, which would
 * then run on before this thread had read the signal from libuv's pipe. So wait until no
 * process-directed signal is pending any more (ShdPnd in /proc/self/status; bounded, since one
 * blocked everywhere stays pending), then let the event loop poll once more, which passes the
 * signals on (the first immediate runs in this turn, the second after the next poll).
 */
function whenSignalsDelivered(then: () => void, deadline = Date.now() + 500): void {
  let pending = false;
  try {
    const m = /^ShdPnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    pending = m !== null && /[1-9a-f]/.test(m[1]);
  } catch { /* no /proc: the event loop's own order is all there is */ }
  if (pending && Date.now() < deadline) {
    setTimeout(() => whenSignalsDelivered(then, deadline), 1);
    return;
  }
  setImmediate(() => setImmediate(then));
}

let parentWatch: NodeJS.Timeout | undefined;

/**
 * PR_SET_PDEATHSIG: `deliver` once the parent process ends. Linux signals at the parent's
 * exit; Node cannot be told of it, but the host reparents this process then, which shows in
 * getppid: looked at ten times a second (the timer does not keep tsemu alive).
 */
function watchParent(sig: number, deliver: () => void): void {
  clearInterval(parentWatch);
  parentWatch = undefined;
  if (!sig) return;
  const parent = process.ppid;
  parentWatch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(parentWatch);
    parentWatch = undefined;
    deliver();
  }, 100);
  parentWatch.unref();
}

/** End as the guest thread says the guest ended. */
function finish(answer: GuestAnswer): never {
  if (answer.kind === 'result') end(answer.result);
  if (answer.kind === 'load-error') {
    err(answer.message);
    process.exit(1);
  }
  const e = new Error(answer.message);
  e.stack = answer.stack;
  internalError(e);
}

/** Terminal rows and columns for TIOCGWINSZ, refreshed on resize (only when stdout or stderr
 *  is a terminal: for a pipe, creating Node's stream would change the host descriptor). */
function followTerminalSize(events: Int32Array, notify: () => void): void {
  const stream = tty.isatty(1) ? process.stdout : tty.isatty(2) ? process.stderr : null;
  if (!stream) return;
  const update = () => {
    const [cols, rows] = stream.getWindowSize();
    Atomics.store(events, HOST_EVENTS.rows, rows);
    Atomics.store(events, HOST_EVENTS.cols, cols);
    notify();
  };
  update();
  stream.on('resize', update);
}

function end(result: GuestResult): never {
  if ('status' in result) process.exit(result.status);
  dieBySignal(result.signal);
}

/** qemu-user spells long options with one dash (-strace); accept that before the program name. */
function qemuStyle(argv: string[]): string[] {
  const out = argv.slice(0, 2);
  const withValue = new Set(['-L', '-E', '-U', '-0', '-d', '-D', '--root', '--net', '--tier']);
  let i = 2;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-strace') out.push('--strace');
    else if (a === '-one-insn-per-tb' || a === '-singlestep') out.push('--one-insn-per-tb');
    else if (withValue.has(a)) out.push(a, argv[++i] ?? '');
    else if (a.startsWith('-')) out.push(a);
    else break;
  }
  return [...out, ...argv.slice(i)];
}

/** A bug in tsemu, not in the guest: one line, and the stack only when asked for. */
function internalError(e: unknown): never {
  const msg = e instanceof Error ? e.message : String(e);
  err(`internal error: ${msg} (set TSEMU_DEBUG=1 for details; please report it)`);
  if (process.env.TSEMU_DEBUG && e instanceof Error) fs.writeSync(2, `${e.stack}\n`);
  process.exit(70);
}

function collect(v: string, acc: string[]): string[] {
  return [...acc, v];
}

/** Removes the job-control session when this is the top-level tsemu (process.exit does too). */
let endSession = () => {};

/** End this process the way the guest ended: by the same signal (like qemu-user). */
function dieBySignal(sig: number): never {
  endSession();
  const name = SIGNAL_NAMES[sig];
  if (sig === 4 || sig === 5 || sig === 6 || sig === 7 || sig === 11) {
    err(`uncaught target signal ${sig} (${DESCRIPTIONS[sig]}) - core dumped`);
  }
  if (name) {
    try {
      // With a listener gone, Node leaves the signal at its default action. For SIGUSR1 that
      // matters: Node's own handler, there until a listener replaces it, starts the inspector.
      // (SIGKILL and SIGSTOP take no listener: Node throws.)
      if (sig === SIGUSR1) process.on('SIGUSR1', () => {});
      process.removeAllListeners(name);
      process.kill(process.pid, name as NodeJS.Signals);
      // Delivery is asynchronous for some signals; give it a moment before falling back.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    } catch { /* fall through to the exit status a shell would show */ }
  }
  process.exit(128 + sig);
}
