// A serial console driven as a person would: start a machine with the serial port on
// stdin/stdout, wait for text, type a line, collect what a command printed. Works the same for
// bin/tsemu-system and for qemu-system-aarch64 (the reference).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';

export class SerialConsole {
  private readonly child: ChildProcess;
  private out = '';
  /** Where the next waitFor starts looking. */
  private mark = 0;
  private waiter: (() => void) | null = null;
  readonly exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
  readonly started = performance.now();

  constructor(command: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    const take = (b: Buffer) => {
      this.out += b.toString('latin1').replace(/\r/g, '');
      this.waiter?.();
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.exited = new Promise((resolve) => this.child.on('exit', (status, signal) => {
      this.waiter?.();
      resolve({ status, signal });
    }));
  }

  get output(): string { return this.out; }

  /** Seconds since the machine was started. */
  elapsed(): number { return (performance.now() - this.started) / 1000; }

  /** CPU seconds the machine's process has used so far (Linux's /proc; NaN elsewhere): on a
   *  shared machine a fairer figure than the wall time. */
  cpuSeconds(): number {
    try {
      const f = fs.readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14, 15) in clock ticks
    } catch {
      return NaN;
    }
  }

  /** Wait until `re` matches the output after the mark; returns the text up to the match's end
   *  (from the mark) and moves the mark past it. */
  async waitFor(re: RegExp, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const rest = this.out.slice(this.mark);
      const m = re.exec(rest);
      if (m) {
        const end = m.index + m[0].length;
        this.mark += end;
        return rest.slice(0, end);
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the machine ended while waiting for ${re}; its last output:\n${this.out.slice(-3000)}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${re} within ${timeoutMs / 1000} s; the last output:\n${this.out.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
      this.waiter = null;
    }
  }

  type(line: string): void { this.child.stdin!.write(line + '\n'); }

  /**
   * Run a shell command at the prompt and return what it printed: the command is followed by
   * an echo of an arithmetic marker, whose result (unlike the typed, echoed text) appears only
   * once the command has finished.
   */
  private n = 0;
  async command(cmd: string, timeoutMs: number): Promise<string> {
    const k = ++this.n;
    const a = 1000 + k;
    this.type(`${cmd}; echo @@$((${a}+1))@@`);
    const text = await this.waitFor(new RegExp(`@@${a + 1}@@\\n`), timeoutMs);
    // Drop the echoed command line (up to the marker's own text) and the marker.
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.includes(`@@$((${a}+1))@@`));
    return lines.slice(start + 1, -2).join('\n') + '\n';
  }

  kill(): void { if (this.child.exitCode === null) this.child.kill('SIGKILL'); }
}
