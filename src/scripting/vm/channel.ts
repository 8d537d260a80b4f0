// The synchronous channel between the server thread and the Lua worker thread: a SharedArrayBuffer
// with a few control words and a data area, plus a MessagePort for payloads too big for the area.
// Exactly one side talks at a time (request, then reply); each side bumps its own sequence word
// and the other side waits for it to change.
// Waiting spins briefly before sleeping on a futex: a futex wake-up costs tens of microseconds,
// more than most redis.call round trips take.
import type { MessagePort } from 'node:worker_threads';
import { nodeWorkerThreads } from '../../util/builtins';

// Control words: per direction, a sequence number bumped on each message, then op, len and aux.
const TO_WORKER = 0;
const TO_MAIN = 4;
const OP = 1;
const LEN = 2;
const AUX = 3;
const CONTROL_BYTES = 64;
/** Payloads up to this size travel through shared memory; larger ones through the port. */
export const DATA_BYTES = 1 << 20;

export const enum Op {
  // worker -> main
  Ready = 1,
  Call = 2,
  Log = 3,
  SetResp = 4,
  Done = 5,
  /** Lua debugger: bytes for the debugging client / read its next bytes (aux: most bytes wanted) / the script resumes. */
  LdbWrite = 6,
  LdbRead = 7,
  LdbResumed = 8,
  // main -> worker
  Run = 10,
  /** A script run under the Lua debugger (lua-worker.ts). */
  DebugRun = 12,
  Reply = 11,
}

/** Microseconds to spin before sleeping: between scripts, and while waiting for the other side. */
export const SPIN_IDLE_US = 20;
export const SPIN_BUSY_US = 50;

export interface Message {
  op: Op;
  aux: number;
  /** The payload: a view of the shared data area (valid until the next send) or a copy. */
  data: Buffer;
}

export class Channel {
  readonly ctl: Int32Array;
  /** The shared data area; senders write payloads here before calling send(). */
  readonly area: Buffer;
  private seen = 0;

  constructor(
    readonly sab: SharedArrayBuffer,
    readonly port: MessagePort,
    private readonly side: 'main' | 'worker',
  ) {
    this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4);
    this.area = Buffer.from(sab, CONTROL_BYTES, DATA_BYTES);
  }

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(CONTROL_BYTES + DATA_BYTES);
  }

  /** Sends a message whose payload is `len` bytes already written to the area, or `big`. */
  send(op: Op, aux: number, len: number, big: Buffer | null = null): void {
    const ctl = this.ctl;
    if (big !== null) this.port.postMessage(big);
    const seq = this.side === 'main' ? TO_WORKER : TO_MAIN;
    Atomics.store(ctl, seq + OP, op);
    Atomics.store(ctl, seq + AUX, aux);
    Atomics.store(ctl, seq + LEN, big !== null ? -1 : len);
    Atomics.add(ctl, seq, 1);
    Atomics.notify(ctl, seq);
  }

  /** Copies `payload` to the area (or the port if it does not fit) and sends it. */
  sendBuffer(op: Op, aux: number, payload: Buffer): void {
    if (payload.length <= DATA_BYTES) {
      payload.copy(this.area, 0);
      this.send(op, aux, payload.length);
    } else this.send(op, aux, 0, payload);
  }

  /** True once the other side has sent a message this side has not read yet. */
  get pending(): boolean {
    return Atomics.load(this.ctl, this.inbox) !== this.seen;
  }

  private get inbox(): number {
    return this.side === 'main' ? TO_MAIN : TO_WORKER;
  }

  /**
   * Waits for the next message: spins for `spinUs` microseconds (bounded in time, not iterations:
   * on a loaded machine a long spin steals the core the other side needs), then sleeps until it
   * arrives or `timeoutMs` passes (Infinity: no limit). Returns null on timeout.
   */
  receive(spinUs: number, timeoutMs = Infinity): Message | null {
    const ctl = this.ctl;
    const idx = this.inbox;
    const seen = this.seen;
    if (Atomics.load(ctl, idx) === seen && spinUs > 0) {
      const spinEnd = performance.now() + spinUs / 1000;
      for (let k = 1; Atomics.load(ctl, idx) === seen; k++) if ((k & 63) === 0 && performance.now() > spinEnd) break;
    }
    if (Atomics.load(ctl, idx) === seen) {
      const end = timeoutMs === Infinity ? Infinity : performance.now() + timeoutMs;
      while (Atomics.load(ctl, idx) === seen) {
        const left = end - performance.now();
        if (left <= 0) return null;
        Atomics.wait(ctl, idx, seen, left === Infinity ? undefined : left);
      }
    }
    return this.take();
  }

  /** Reads the message that arrived (call only when `pending`). */
  take(): Message {
    const ctl = this.ctl;
    const box = this.inbox;
    const seq = Atomics.load(ctl, box);
    if (seq !== this.seen + 1) throw new Error(`Lua VM channel out of step (${this.side}: ${this.seen} -> ${seq})`);
    this.seen = seq;
    const op = Atomics.load(ctl, box + OP) as Op;
    const aux = Atomics.load(ctl, box + AUX);
    const len = Atomics.load(ctl, box + LEN);
    let data: Buffer;
    if (len >= 0) data = this.area.subarray(0, len);
    else {
      const m = nodeWorkerThreads().receiveMessageOnPort(this.port)!.message as Uint8Array;
      data = Buffer.from(m.buffer, m.byteOffset, m.byteLength);
    }
    return { op, aux, data };
  }

  /** Wakes this side's own waiters (whenPending) without a message: the other side is gone. */
  wake(): void {
    Atomics.notify(this.ctl, this.inbox);
  }

  /** Resolves when a message is pending (the server thread's wait while a script is busy). */
  whenPending(): Promise<void> {
    const ctl = this.ctl;
    const idx = this.inbox;
    if (Atomics.load(ctl, idx) !== this.seen) return Promise.resolve();
    const w = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(ctl, idx, this.seen);
    return w.async ? w.value.then(() => undefined) : Promise.resolve();
  }
}

/** Atomics.waitAsync (Node >= 16) is missing from the ES2022 typings. */
interface AtomicsWithWaitAsync {
  waitAsync(a: Int32Array, i: number, v: number): { async: false; value: string } | { async: true; value: Promise<string> };
}
