// The server thread's side of a Lua VM that lives in a worker thread (lua-worker.ts). A script
// run is synchronous for the server until busy-reply-threshold: the thread waits on the channel,
// answering the script's redis.call requests as they come. If the script is still running then,
// start() hands back a pending run that the caller continues asynchronously, so the event loop can
// answer other clients with -BUSY and take SCRIPT KILL, which terminates the worker.
//
// Conversions happen here, not in the worker: command replies are encoded into the package's wire
// format straight into shared memory, and a script's result is decoded from it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { nodeWorkerThreads } from '../../util/builtins';
import type { Reply } from '../../resp/reply';
import { ReplyError } from '../../errors';
import type { LuaHost, LuaValue } from '../engine';
import { Channel, DATA_BYTES, Message, Op, SPIN_BUSY_US } from './channel';
import { COMPILE_CHECK, MEMORY_QUERY, NO_HOST, ReplyEncoder, argsBlockLength, decodeResult, readArgsBlock, writeArgsBlock } from './wire';

/** A script run under the Lua debugger (see lua-worker.ts): its text as sent and its parts. */
export interface DebugScript {
  source: string;
  body: string;
  prelude: string;
  fixup: string;
  /** busy-reply-threshold in ms (0: 5 s): a script that runs that long stops on its own. */
  timelimitMs: number;
}

/** How long the server waits for a new worker to load the VM before giving up. */
const START_TIMEOUT_MS = 60_000;
/** Limit for the VM's own chunks (compile checks, memory queries); a live VM needs milliseconds. */
const INTERNAL_TIMEOUT_MS = 30_000;
/** While a script runs past the threshold, the event loop gets a turn at least this often. */
const YIELD_EVERY_MS = 2;
const CRASHED: LuaValue = { err: 'ERR the Lua VM stopped unexpectedly' };

/** A run still going after its synchronous budget; continue() finishes it asynchronously. */
export interface PendingRun {
  continue(onDone: (v: LuaValue) => void): void;
}

/** The result of start(): the script's value, or a pending run. */
export type StartResult = { done: true; value: LuaValue } | { done: false; pending: PendingRun };

export class LuaVm {
  private readonly worker: Worker;
  private readonly ch: Channel;
  private readonly out: ReplyEncoder;
  private host: LuaHost = NO_HOST;
  private running = false;
  /** Ends a pending run when the worker dies under it. */
  private onCrash: (() => void) | null = null;
  /** Set once the worker is terminated (SCRIPT KILL, server close): the VM is unusable. */
  dead = false;

  constructor() {
    if (!workingDirectoryExists()) throw new Error('the Lua VM failed to start: the working directory no longer exists');
    const sab = Channel.create();
    const { MessageChannel, Worker } = nodeWorkerThreads();
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(path.join(__dirname, 'lua-worker.js'), { workerData: { sab, port: port2 }, transferList: [port2] });
    this.worker.unref();
    // A worker that dies must not take the server with it; a script it was running gets an error.
    this.worker.on('error', () => this.crashed());
    this.worker.on('exit', () => this.crashed());
    port1.unref();
    this.ch = new Channel(sab, port1, 'main');
    this.out = new ReplyEncoder(this.ch.area);
    // The worker loads the VM on its own thread; this thread just waits for it.
    const m = this.ch.receive(0, START_TIMEOUT_MS);
    if (m === null || m.op !== Op.Ready || m.aux !== 0) {
      const why = m === null ? 'timed out' : m.data.latin1Slice(0, m.data.length);
      this.terminate();
      throw new Error(`the Lua VM failed to start: ${why}`);
    }
  }

  /** True while a script runs (synchronously or as a pending run). */
  get busy(): boolean {
    return this.running;
  }

  /**
   * Runs a chunk with KEYS/ARGV. Waits up to `budgetMs` for it to finish (Infinity: no limit);
   * past that, returns a pending run.
   */
  start(source: string, keys: string[], args: string[], host: LuaHost, budgetMs: number): StartResult {
    if (this.running || this.dead) throw new Error('the Lua VM is busy or gone');
    this.post(source, keys, args);
    this.host = host;
    this.running = true;
    const deadline = performance.now() + budgetMs;
    for (;;) {
      const left = deadline - performance.now();
      const m = this.ch.receive(SPIN_BUSY_US, left > 0 ? left : 0);
      if (m === null) return { done: false, pending: { continue: (onDone) => void this.finishAsync(onDone) } };
      const v = this.handle(m);
      if (v !== undefined) return { done: true, value: v };
    }
  }

  /**
   * Starts a script under the Lua debugger; it always continues as a pending run (the debugging
   * client's commands arrive on the event loop). `host.ldb` carries the client's bytes.
   */
  startDebug(script: DebugScript, keys: string[], args: string[], host: LuaHost): PendingRun {
    if (this.running || this.dead) throw new Error('the Lua VM is busy or gone');
    // Payload: [source, body, prelude, fixup, time limit] as an argument block, then KEYS/ARGV's.
    const meta = [script.source, script.body, script.prelude, script.fixup, String(script.timelimitMs)];
    const len = argsBlockLength(meta, []) + argsBlockLength(keys, args);
    const big = len > DATA_BYTES;
    const b = big ? Buffer.allocUnsafe(len) : this.ch.area;
    writeArgsBlock(b, writeArgsBlock(b, 0, meta, []), keys, args);
    this.ch.send(Op.DebugRun, keys.length, len, big ? b : null);
    this.host = host;
    this.running = true;
    return { continue: (onDone) => void this.finishAsync(onDone) };
  }

  /** Runs a short internal chunk (compile check, memory query) to completion. */
  private runToEnd(source: string, args: string[]): LuaValue {
    const r = this.start(source, [], args, NO_HOST, INTERNAL_TIMEOUT_MS);
    if (r.done) return r.value;
    this.terminate();
    throw new Error('the Lua VM stopped answering');
  }

  compileError(source: string, chunkName: string): string | null {
    const r = this.runToEnd(COMPILE_CHECK, [source, chunkName]);
    return typeof r === 'string' ? r : null;
  }

  /** Bytes the Lua heap uses (collectgarbage('count')). */
  memoryUsed(): number {
    const r = this.runToEnd(MEMORY_QUERY, []);
    return typeof r === 'number' ? r : 0;
  }

  /** Stops the worker at once (a looping script included); the VM cannot be used again. */
  terminate(): void {
    if (this.dead) return;
    this.dead = true;
    this.running = false;
    this.host = NO_HOST;
    void this.worker.terminate();
    // A pending run waits on the channel: wake it so it ends (its caller was answered already),
    // rather than keep waiting forever with the shared memory and the server in reach.
    this.onCrash?.();
    this.ch.wake();
  }

  private async finishAsync(onDone: (v: LuaValue) => void): Promise<void> {
    // Atomics.waitAsync does not keep the event loop alive; the worker's handle does meanwhile.
    this.worker.ref();
    const crash = new Promise<void>((resolve) => (this.onCrash = resolve));
    let turnStart = performance.now();
    try {
      for (;;) {
        if (!this.ch.pending) {
          await Promise.race([this.ch.whenPending(), crash]);
          turnStart = performance.now();
        } else if (performance.now() - turnStart > YIELD_EVERY_MS) {
          // A script calling redis.call back to back would otherwise keep this loop in
          // microtasks forever: let the event loop answer other clients (-BUSY, SCRIPT KILL).
          await new Promise((resolve) => setImmediate(resolve));
          turnStart = performance.now();
        }
        if (this.dead) {
          // Killed (the caller was answered already) or crashed (answer it now).
          if (this.crashedWhileRunning) onDone(CRASHED);
          return;
        }
        if (!this.ch.pending) continue; // woken without a message (futex waits may wake spuriously)
        const v = this.handle(this.ch.take());
        if (v !== undefined) return onDone(v);
      }
    } finally {
      this.onCrash = null;
      this.worker.unref();
    }
  }

  private crashedWhileRunning = false;

  /** The worker exited or threw outside our control. */
  private crashed(): void {
    if (this.dead) return;
    this.crashedWhileRunning = this.running;
    this.dead = true;
    this.running = false;
    this.host = NO_HOST;
    this.onCrash?.();
  }

  /** Run payload: [source length u32][source][count u32]([len u32][bytes])*, nkeys as aux. */
  private post(source: string, keys: string[], args: string[]): void {
    const len = 4 + source.length + argsBlockLength(keys, args);
    const big = len > DATA_BYTES;
    const b = big ? Buffer.allocUnsafe(len) : this.ch.area;
    b.writeUInt32LE(source.length, 0);
    writeArgsBlock(b, 4 + b.latin1Write(source, 4), keys, args);
    this.ch.send(Op.Run, keys.length, len, big ? b : null);
  }

  /** Serves one request from the worker; returns the script's value when it is done. */
  private handle(m: Message): LuaValue | undefined {
    const host = this.host;
    switch (m.op) {
      case Op.Call: {
        const argv = readArgsBlock(m.data, 0);
        let r: Reply;
        try {
          r = host.call(argv, m.aux === 1);
        } catch (e) {
          r = new ReplyError(`ERR ${(e as Error).message}`);
        }
        const out = this.out;
        out.reset();
        out.reply(r, host.resp);
        if (out.buf === out.area) this.ch.send(Op.Reply, 0, out.pos);
        else this.ch.send(Op.Reply, 0, 0, out.buf.subarray(0, out.pos));
        out.reset();
        return undefined;
      }
      case Op.Log:
        host.log(m.aux, m.data.latin1Slice(0, m.data.length));
        this.ch.send(Op.Reply, 0, 0);
        return undefined;
      case Op.SetResp:
        host.setResp(m.aux === 3 ? 3 : 2);
        this.ch.send(Op.Reply, 0, 0);
        return undefined;
      case Op.LdbWrite:
        host.ldb?.write(Buffer.from(m.data));
        this.ch.send(Op.Reply, 0, 0);
        return undefined;
      case Op.LdbResumed:
        host.ldb?.resumed();
        this.ch.send(Op.Reply, 0, 0);
        return undefined;
      case Op.LdbRead: {
        // Answered when the client sends something: the worker waits, the event loop goes on.
        const ldb = host.ldb;
        if (ldb === undefined) {
          this.ch.send(Op.Reply, 0, 0);
          return undefined;
        }
        ldb.read(m.aux, (bytes) => {
          if (this.dead) return;
          if (bytes === null || bytes.length === 0) this.ch.send(Op.Reply, 0, 0);
          else this.ch.sendBuffer(Op.Reply, 0, bytes);
        });
        return undefined;
      }
      case Op.Done: {
        this.running = false;
        this.host = NO_HOST;
        const v = m.data.length === 0 ? null : decodeResult(m.data, 0);
        if (m.aux === 1) this.terminate(); // the VM broke (see lua-worker.ts); the next script gets a new one
        return v;
      }
    }
    throw new Error(`Lua worker: unexpected message ${m.op}`);
  }
}

/**
 * A worker thread reads the working directory as it boots and dies if it was deleted (tests often
 * remove the `dir` a server ran in), so check before starting one.
 */
export function workingDirectoryExists(): boolean {
  try {
    return fs.existsSync(process.cwd());
  } catch {
    return false;
  }
}
