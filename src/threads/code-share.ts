// Compiled translations shared by the guest threads of one process (DESIGN §2, threads). Each
// thread has its own translator and table (a Table cannot be posted to a worker; a compiled
// WebAssembly.Module can), but a region module one thread compiles is posted to the others with
// the guest pcs of its regions, the guest code bytes it was built from and its FPCR mode. They
// take it in as a saved translation and install it at their next miss on one of its pcs if the
// same bytes are still there on executable pages (Translator.installSaved): invalidation stays
// as exact as for translations from disk or a fork, and nothing is translated twice.
//
// Delivery. Guest threads run synchronously and never go back to their event loops, so messages
// are taken with receiveMessageOnPort (which also takes a BroadcastChannel), at a miss or before
// hot blocks are compiled, and only when the process's counter of posted modules (mailbox
// WORD.codePosted, bumped after each post) has moved. One BroadcastChannel carries each module to
// every thread listening at the time. A worker that starts listening later is sent what came
// before by the owning thread, which keeps the newest modules (KEEP): once the owner sees the worker's
// SUBSCRIBED word, it takes in everything posted to itself, then posts the whole list to the
// worker on a MessagePort of the worker's own. Whatever was posted before the worker subscribed
// is in the owner's queue by then (postMessage queues a message on every listening channel
// before it returns); whatever came after is in the worker's. A module that arrives both ways
// is taken once (by id).
import { BroadcastChannel, MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { SavedModule } from '../translate/saved-translations.js';
import type { CodeShare, Translator } from '../translate/translator.js';
import { CODE_SHARE, SLOT, slotWord, WORD } from './mailbox.js';
import { MAX_THREADS } from '../cpu/state.js';

/** A region module as posted between threads. */
interface Posted extends SavedModule {
  /** Unique in the process: the posting thread's slot and its count. */
  id: number;
  module: WebAssembly.Module;
}

/** Modules the owning thread keeps for workers that start later: the newest this many. A module
 *  kept keeps its machine code alive (translate/host-gc.ts); each thread's translator bounds
 *  those it adopted the same way. */
const KEEP = 1024;

/** TSEMU_SHARE_CODE=0: every thread compiles what it runs itself (for measuring). */
export const shareCodeFromEnv = (): boolean => process.env.TSEMU_SHARE_CODE !== '0';

export class CodeSharing implements CodeShare {
  private readonly channel: BroadcastChannel | null;
  /** The channel as receiveMessageOnPort's parameter type (it takes a BroadcastChannel since
   *  Node 15.12; @types/node 20 names only MessagePort). */
  private readonly inbox: MessagePort | null;
  private seen = -1;
  private readonly known = new Set<number>();
  private made = 0;
  /** The owning thread's: the process's modules so far (the newest KEEP), and each worker's port. */
  private readonly all: Posted[] = [];
  private readonly ports = new Map<number, MessagePort>();

  /**
   * `channel`: the process's channel name (null: share nothing, only count for -d cache).
   * `port`: a worker's own port, on which the owner sends what came before it subscribed (null
   * in the owning thread).
   */
  constructor(private readonly box: Int32Array, private readonly slot: number, channel: string | null,
    private readonly translator: Translator, private readonly port: MessagePort | null) {
    this.channel = channel === null ? null : new BroadcastChannel(channel);
    this.inbox = this.channel as unknown as MessagePort | null;
    // Neither keeps the thread's event loop alive (guest threads never return to it anyway).
    this.channel?.unref();
    port?.unref();
    translator.codeShare = this;
    if (!this.channel) return;
    if (port) {
      Atomics.store(box, slotWord(slot, SLOT.codeShare), CODE_SHARE.SUBSCRIBED);
      Atomics.add(box, WORD.codePosted, 1);
    } else {
      // The owner starts the list with what it compiled before it had other threads.
      for (const [m, module] of translator.compiledModules()) this.keep(this.posted(m, module));
    }
  }

  /** In the owning thread: the port for the worker about to start in `slot` (to transfer). */
  portFor(slot: number): MessagePort | null {
    if (!this.channel) return null;
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.ports.set(slot, port1);
    return port2;
  }

  compiled(m: SavedModule, module: WebAssembly.Module): void {
    Atomics.add(this.box, slotWord(this.slot, SLOT.modulesCompiled), 1);
    if (!this.channel) return;
    const p = this.posted(m, module);
    this.channel.postMessage(p);
    if (!this.port) this.keep(p);
    Atomics.add(this.box, WORD.codePosted, 1);
  }

  installed(): void {
    Atomics.add(this.box, slotWord(this.slot, SLOT.modulesInstalled), 1);
  }

  /** Take in what other threads posted; `force`: look even if the counter did not move. */
  take(force = false): void {
    if (!this.channel) return;
    const now = Atomics.load(this.box, WORD.codePosted);
    if (now === this.seen && !force) return;
    this.seen = now;
    if (this.port) {
      for (let r; (r = receiveMessageOnPort(this.port));) for (const p of r.message as Posted[]) this.receive(p);
      for (let r; (r = receiveMessageOnPort(this.inbox!));) this.receive(r.message as Posted);
      return;
    }
    // The owner: which workers wait to be caught up, read before its own queue (see the top).
    const waiting: number[] = [];
    for (let s = 1; s < MAX_THREADS; s++) {
      if (Atomics.load(this.box, slotWord(s, SLOT.codeShare)) === CODE_SHARE.SUBSCRIBED && this.ports.has(s)) waiting.push(s);
    }
    for (let r; (r = receiveMessageOnPort(this.inbox!));) this.receive(r.message as Posted);
    for (const s of waiting) {
      this.ports.get(s)!.postMessage(this.all);
      Atomics.store(this.box, slotWord(s, SLOT.codeShare), CODE_SHARE.CAUGHT_UP);
    }
    if (waiting.length) Atomics.add(this.box, WORD.codePosted, 1);
  }

  private receive(p: Posted): void {
    if (this.known.has(p.id)) return;
    this.known.add(p.id);
    this.translator.adopt(p, p.module);
    if (!this.port) this.keep(p);
  }

  private keep(p: Posted): void {
    this.all.push(p);
    if (this.all.length > KEEP) this.all.splice(0, this.all.length - KEEP);
  }

  private posted(m: SavedModule, module: WebAssembly.Module): Posted {
    const id = ++this.made * MAX_THREADS + this.slot;
    this.known.add(id);
    return { wasm: m.wasm, fpcr: m.fpcr, regions: m.regions, code: m.code, id, module };
  }
}

/** -d cache: what each thread compiled and took from the others (from the mailbox counts). */
export function codeShareReport(box: Int32Array): string[] {
  const lines: string[] = [];
  for (let s = 0; s < MAX_THREADS; s++) {
    const made = Atomics.load(box, slotWord(s, SLOT.modulesCompiled));
    const taken = Atomics.load(box, slotWord(s, SLOT.modulesInstalled));
    if (made || taken) lines.push(`cache: thread slot ${s}: compiled ${made} region modules, installed ${taken} compiled by other threads`);
  }
  return lines;
}
