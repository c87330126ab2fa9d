// The guest's own thread. tsemu-user runs guest code on a worker so that the process's main
// thread stays free for what only it can do in Node: hear host signals (Ctrl-C, SIGTERM,
// SIGWINCH... — Node delivers them to the main thread's event loop, which a running guest would
// never give back), set the umask and follow the terminal's size. The guest thread runs
// synchronously and learns of those events through shared words (HostLink), sleeping on them in
// Atomics.wait whenever it waits (DESIGN §4: block the honest way).
import { parentPort, workerData } from 'node:worker_threads';
import {
  HOST_EVENTS, LoadError, quietFdWarnings, resumeProgram, runProgram, stopThreadWorkers, type GuestResult, type HostLink,
} from '../user.js';
import { writeLogLine } from '../log-line.js';

/** What the main thread asks for: a program to start, or a forked guest to resume. */
export type GuestRequest =
  | { kind: 'run'; program: string; argv: string[]; envp: string[]; sysroot: string | null;
      root: string | null; memfs: boolean; allowHostExec: boolean; allowAbstractSockets: boolean; noNetwork: boolean; logFd: number | null; strace: boolean; unimp: boolean; inAsm: boolean;
      cacheLog: boolean; tierLog: boolean; outAsm: boolean; execLog: boolean; oneInsnPerTb: boolean; noCache: boolean; tier: 'auto' | 'eval' | 'wasm' }
  | { kind: 'resume'; snapshot: string };

/** What the guest thread answers, once. */
export type GuestAnswer =
  | { kind: 'result'; result: GuestResult }
  | { kind: 'load-error'; message: string }
  | { kind: 'internal-error'; message: string; stack?: string };

/** Messages from the guest thread to the main thread while the guest runs. */
export type GuestNotice =
  | { kind: 'signal-interest'; sig: number; caught: boolean }
  | { kind: 'umask'; mask: number }
  | { kind: 'stop'; sig: number }
  | { kind: 'pdeathsig'; sig: number };

function hostLink(events: Int32Array, session: string | null): HostLink {
  let seq = 0;
  return {
    events,
    session: session ?? undefined,
    stop(sig) {
      // The owning thread stops the process; it answers once the process is continued.
      const before = Atomics.load(events, HOST_EVENTS.stopSeq);
      parentPort!.postMessage({ kind: 'stop', sig } satisfies GuestNotice);
      while (Atomics.load(events, HOST_EVENTS.stopSeq) === before) Atomics.wait(events, HOST_EVENTS.stopSeq, before);
    },
    parentDeathSignal: (sig) => parentPort!.postMessage({ kind: 'pdeathsig', sig } satisfies GuestNotice),
    signalInterest: (sig, caught) => parentPort!.postMessage({ kind: 'signal-interest', sig, caught } satisfies GuestNotice),
    umask(mask) {
      const want = ++seq;
      parentPort!.postMessage({ kind: 'umask', mask } satisfies GuestNotice);
      for (let got; (got = Atomics.load(events, HOST_EVENTS.umaskSeq)) !== want;) Atomics.wait(events, HOST_EVENTS.umaskSeq, got);
      return Atomics.load(events, HOST_EVENTS.umaskValue);
    },
  };
}

function run(req: GuestRequest, host: HostLink): GuestResult {
  if (req.kind === 'resume') return resumeProgram(req.snapshot, (line) => writeLogLine(2, line), host);
  const log = (line: string) => writeLogLine(req.logFd ?? 2, line);
  // Forked children start from this thread's environment: they keep the tier.
  process.env.TSEMU_TIER = req.tier;
  if (req.noCache) process.env.TSEMU_NO_CACHE = '1';
  if (req.oneInsnPerTb) process.env.TSEMU_ONE_INSN_PER_TB = '1';
  return runProgram({
    program: req.program,
    argv: req.argv,
    envp: req.envp,
    sysroot: req.sysroot,
    root: req.root,
    memfs: req.memfs,
    allowHostExec: req.allowHostExec,
    allowAbstractSockets: req.allowAbstractSockets,
    noNetwork: req.noNetwork,
    strace: req.strace ? log : undefined,
    unimp: req.unimp ? log : undefined,
    cacheLog: req.cacheLog ? log : undefined,
    tierLog: req.tierLog ? log : undefined,
    logFd: req.logFd ?? 2,
    outAsm: req.outAsm ? log : undefined,
    execLog: req.execLog ? log : undefined,
    inAsm: req.inAsm ? (pc, text) => log(`0x${pc.toString(16).padStart(16, '0')}:  ${text}`) : undefined,
    host,
  });
}

quietFdWarnings(); // see vfs/fd-warnings.ts

// The thread is started while the main thread is still parsing the command line: the request
// comes as the first message.
const { events, session } = workerData as { events: SharedArrayBuffer; session: string | null };
parentPort!.once('message', async (request: GuestRequest) => {
  let answer: GuestAnswer;
  try {
    answer = { kind: 'result', result: run(request, hostLink(new Int32Array(events), session)) };
  } catch (e) {
    answer = e instanceof LoadError
      ? { kind: 'load-error', message: e.message }
      : { kind: 'internal-error', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
  }
  // The guest has ended: its other threads' workers go before the process does.
  await stopThreadWorkers();
  parentPort!.postMessage(answer);
});
