// The Lua worker thread: owns one Lua state of respite's engine (lua-wasm.ts) and runs scripts for
// one server. It is deliberately thin: bytes in, bytes out. Script text, KEYS/ARGV, redis.call
// arguments and replies cross the channel in the engine's wire format (wire.ts), so the server
// thread does all conversions and the worker only copies between shared memory and the
// WebAssembly heap. Each chunk text is compiled once and kept as a function reference.
// Running scripts off the server thread is what lets the server answer -BUSY and take SCRIPT KILL
// while a script loops (the worker is terminated to kill it).
import { MessagePort, workerData } from 'node:worker_threads';
import { Channel, Op, SPIN_BUSY_US, SPIN_IDLE_US } from './channel';
import { LuaWasm } from './lua-wasm';
import { T_ERROR, argsBlockLength, readArgsBlock } from './wire';

/** Compiled chunks kept; past this many, all are released. */
const MAX_CHUNKS = 1000;

const { sab, port } = workerData as { sab: SharedArrayBuffer; port: MessagePort };
const ch = new Channel(sab, port, 'worker');

function serve(): void {
  const vm = LuaWasm.create();

  /** Sends a request to the server thread and waits for its reply. */
  const ask = (op: Op, aux: number, len: number, big: Buffer | null = null): Buffer => {
    ch.send(op, aux, len, big);
    return ch.receive(SPIN_BUSY_US)!.data;
  };

  vm.host = {
    call(v, at, len, protectedCall) {
      const aux = protectedCall ? 1 : 0;
      let reply: Buffer;
      if (len <= ch.area.length) {
        v.heap.copy(ch.area, 0, at, at + len);
        reply = ask(Op.Call, aux, len);
      } else reply = ask(Op.Call, aux, 0, Buffer.from(v.heap.subarray(at, at + len)));
      const p = v.io(reply.length);
      reply.copy(v.heap, p);
      return reply.length;
    },
    log(level, message) {
      if (message.length <= ch.area.length) {
        ch.area.latin1Write(message, 0);
        ask(Op.Log, level, message.length);
      } else ask(Op.Log, level, 0, Buffer.from(message, 'latin1'));
    },
    setResp(version) {
      ask(Op.SetResp, version, 0);
    },
    ldb(v, op, p, len) {
      if (op === 0) {
        if (len <= ch.area.length) {
          v.heap.copy(ch.area, 0, p, p + len);
          ask(Op.LdbWrite, 0, len);
        } else ask(Op.LdbWrite, 0, 0, Buffer.from(v.heap.subarray(p, p + len)));
        return 0;
      }
      if (op === 1) {
        // The server thread answers once the client sent something (or went away: no bytes).
        const bytes = ask(Op.LdbRead, len, 0);
        const n = Math.min(bytes.length, len);
        bytes.copy(v.heap, p, 0, n);
        return n;
      }
      if (op === 3) ask(Op.LdbResumed, 0, 0);
      return 0;
    },
  };

  /** Writes the encoded error value `text` at the start of `b`; returns its length. */
  const errorValue = (b: Buffer, text: string): number => {
    b[0] = T_ERROR;
    b.writeUInt32LE(text.length, 1);
    return 5 + b.latin1Write(text, 5);
  };

  /**
   * A run under the Lua debugger: the script is compiled on its own (its helpers become its
   * environment instead of text in front of it, so its lines and locals are the script's own).
   * Payload (a copy): an argument block of [source, body, prelude, fixup, time limit], then the
   * KEYS/ARGV argument block as a run takes it.
   */
  const debugRun = (d: Buffer, nkeys: number): Buffer => {
    const meta = readArgsBlock(d, 0);
    const [source, body, prelude, fixup, limit] = meta;
    const block = d.subarray(argsBlockLength(meta, []));
    vm.ldbBegin(source, Number(limit));
    try {
      const ref = vm.compile(body);
      // (copies: ending the session below may move the heap)
      if (typeof ref !== 'number') return Buffer.from(vm.lastOutput());
      try {
        if (!vm.ldbPrepare(ref, prelude, fixup)) {
          const text = 'ERR the Lua debugger could not prepare the script';
          const b = Buffer.alloc(5 + text.length);
          errorValue(b, text);
          return b;
        }
        return Buffer.from(vm.callRaw(ref, block, nkeys, -1));
      } finally {
        vm.release(ref);
      }
    } finally {
      vm.ldbEnd();
    }
  };

  const refs = new Map<string, number>();
  /** The compiled chunk, or the compile error's encoded value. */
  const chunk = (source: string): number | Buffer => {
    const known = refs.get(source);
    if (known !== undefined) return known;
    const r = vm.compile(source);
    if (typeof r !== 'number') return vm.lastOutput();
    if (refs.size >= MAX_CHUNKS) {
      for (const old of refs.values()) vm.release(old);
      refs.clear();
    }
    refs.set(source, r);
    return r;
  };

  ch.send(Op.Ready, 0, 0);
  for (;;) {
    // Between scripts: spin a little (the next EVAL often follows at once), then sleep.
    const m = ch.receive(SPIN_IDLE_US)!;
    let out: Buffer;
    try {
      if (m.op === Op.Run) {
        // Run payload: [source length u32][source][args block: count u32, ([len u32][bytes])*].
        const d = m.data;
        const sl = d.readUInt32LE(0);
        const source = d.latin1Slice(4, 4 + sl);
        const block = Buffer.from(d.subarray(4 + sl)); // the area is reused by redis.call
        const ref = chunk(source);
        out = typeof ref === 'number' ? vm.callRaw(ref, block, m.aux, -1) : ref;
      } else if (m.op === Op.DebugRun) out = debugRun(Buffer.from(m.data), m.aux);
      else continue;
    } catch (e) {
      // A trap inside the VM leaves Lua unusable: report it and let the server start a new
      // worker (aux 1 = this VM is broken).
      ch.send(Op.Done, 1, errorValue(ch.area, `ERR the Lua VM failed: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    if (out.length <= ch.area.length) {
      out.copy(ch.area, 0);
      ch.send(Op.Done, 0, out.length);
    } else ch.send(Op.Done, 0, 0, Buffer.from(out));
  }
}

try {
  serve();
} catch (e) {
  // The server thread waits for Ready: tell it why the VM could not load.
  ch.send(Op.Ready, 1, 0, Buffer.from(e instanceof Error ? e.message : String(e), 'latin1'));
}
