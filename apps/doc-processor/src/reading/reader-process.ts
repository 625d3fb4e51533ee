import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { ReaderRequestBody, readerReadySchema, readerResponseSchema } from './reader.protocol';
import { ReadError } from './reading.errors';

// Parent side of one reader child: start it, send one request at a time with a timer, and turn every
// way it can die into a ReadError. Knows nothing of queues; ReaderPool does.

/** A child may take this long to load its code and say it is ready. */
const START_TIMEOUT_MS = 30_000;

/**
 * How to start a reader child. From source (Jest, dev scripts) the TypeScript entry runs through
 * ts-run, which keeps import() native for the ESM-only packages; from the webpack build it is the
 * `reader-child.js` entry beside main.js.
 */
export function readerChildCommand(): { modulePath: string; args: string[] } {
  if (__filename.endsWith('.ts')) {
    return {
      modulePath: join(__dirname, '..', '..', '..', '..', 'tools', 'scripts', 'ts-run.cjs'),
      args: [join(__dirname, 'reader.child.ts')],
    };
  }
  return { modulePath: join(__dirname, 'reader-child.js'), args: [] };
}

/** One forked reader child. */
export class ReaderProcess {
  /** Pages read by this child, for recycling. */
  pagesRead = 0;
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private readonly exited: Promise<void>;
  private exitError: ReadError | undefined;
  private killedByUs = false;
  private killReason: ReadError | undefined;
  private pending: { id: number; reject: (error: ReadError) => void } | undefined;
  private nextId = 1;

  constructor(memoryMb: number) {
    const { modulePath, args } = readerChildCommand();
    this.child = fork(modulePath, args, {
      execArgv: [`--max-old-space-size=${memoryMb}`],
      // stdout is closed: nothing a child prints should reach logs. stderr stays for crash traces.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitError = this.killReason ?? this.deathError(code, signal);
        this.pending?.reject(this.exitError);
        this.pending = undefined;
        resolve();
      });
    });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new ReadError('reader_crashed', `The reader did not start within ${START_TIMEOUT_MS} ms.`));
      }, START_TIMEOUT_MS);
      const onMessage = (message: unknown): void => {
        if (!readerReadySchema.safeParse(message).success) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(this.exitError);
      });
    });
    // A start failure surfaces through the request that awaits `ready`.
    this.ready.catch(() => undefined);
  }

  /** False once the child has exited or been killed. */
  get alive(): boolean {
    return this.exitError === undefined && !this.killedByUs;
  }

  /** The OS process id, for tests and logs. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends one request; on timeout the child is killed and the request fails with `timeout`. */
  async request(body: ReaderRequestBody, timeoutMs: number): Promise<unknown> {
    await this.ready;
    if (this.exitError) throw this.exitError;
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        settle();
        this.kill();
        reject(new ReadError('timeout', `Reading took longer than ${timeoutMs} ms.`));
      }, timeoutMs);
      const onMessage = (raw: unknown): void => {
        const parsed = readerResponseSchema.safeParse(raw);
        if (!parsed.success || parsed.data.id !== id) return;
        settle();
        if ('error' in parsed.data) reject(new ReadError(parsed.data.error.code, parsed.data.error.message));
        else resolve(parsed.data.result);
      };
      const settle = (): void => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.pending = undefined;
      };
      this.pending = {
        id,
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      this.child.on('message', onMessage);
      this.child.send({ id, ...body }, (error) => {
        if (error && this.pending?.id === id)
          this.pending.reject(new ReadError('reader_crashed', 'The reader is gone.'));
      });
    });
  }

  /** Asks the child to finish (it exits when its channel closes); kills it if it lingers. */
  async retire(graceMs = 5_000): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: WASM and pdf.js work cannot be interrupted any other way. `reason` fails the request. */
  kill(reason?: ReadError): void {
    this.killedByUs = true;
    this.killReason ??= reason;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Resolves when the child has exited. */
  whenExited(): Promise<void> {
    return this.exited;
  }

  private deathError(code: number | null, signal: NodeJS.Signals | null): ReadError {
    // V8's heap limit aborts (SIGABRT, or 134 through a shell); the kernel's OOM killer sends SIGKILL.
    // A SIGKILL we sent ourselves is a timeout, reported by the timer before this runs.
    if (signal === 'SIGABRT' || code === 134 || (signal === 'SIGKILL' && !this.killedByUs)) {
      return new ReadError('out_of_memory', 'The reader ran out of memory on this file.');
    }
    return new ReadError('reader_crashed', `The reader exited unexpectedly (${signal ?? `code ${code}`}).`);
  }
}
