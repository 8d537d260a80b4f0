// The Lua worker thread: owns one lua-redis-wasm VM (PUC Lua 5.1 with Redis's cjson, cmsgpack,
// bit and struct) and runs scripts for one server. It is deliberately thin: bytes in, bytes out.
// Script text, KEYS/ARGV, redis.call arguments and replies cross the channel in the package's
// documented wire format ([tag u8][len/count u32le][payload], codec.ts), so the server thread
// does all conversions and the worker only copies between shared memory and the WebAssembly heap.
// Running scripts off the server thread is what lets the server answer -BUSY and take SCRIPT KILL
// while a script loops (the worker is terminated to kill it).
import { MessagePort, workerData } from 'node:worker_threads';
import { Channel, Op, SPIN_BUSY_US, SPIN_IDLE_US } from './channel';
import { T_ERROR, heapOf, loadWasmLua } from './wire';
import { nativeEngineSelected } from './lua-wasm';
import { serveNative } from './worker-native';

const { sab, port } = workerData as { sab: SharedArrayBuffer; port: MessagePort };
const ch = new Channel(sab, port, 'worker');

async function main(): Promise<void> {
  if (nativeEngineSelected()) return serveNative(ch);
  const mod = await loadWasmLua();
  const x = mod.exports;
  const heap = heapOf(x);
  const retPtr = x._alloc(8);

  /** Sends a request to the server thread and waits for its reply. */
  const ask = (op: Op, aux: number, len: number, big: Buffer | null = null): Buffer => {
    ch.send(op, aux, len, big);
    return ch.receive(SPIN_BUSY_US)!.data;
  };

  // create() initialises Lua and wires log/setresp; call/pcall are replaced just below.
  mod.create({
    redisCall: () => null,
    redisPcall: () => null,
    log: (level: number, m: Buffer) => {
      if (m.length <= ch.area.length) {
        m.copy(ch.area, 0);
        ask(Op.Log, level, m.length);
      } else ask(Op.Log, level, 0, Buffer.from(m));
    },
    onSetResp: (v: number) => ask(Op.SetResp, v, 0),
  });

  /** redis.call / redis.pcall: (retPtr, argsPtr, argsLen) with [count u32]([len u32][bytes])*. */
  const hostCall = (a: number[], protectedCall: boolean): void => {
    const [ret, ptr, len] = a;
    const reply = len <= ch.area.length ? (heap.copy(ch.area, 0, ptr, ptr + len), ask(Op.Call, protectedCall ? 1 : 0, len)) : ask(Op.Call, protectedCall ? 1 : 0, 0, Buffer.from(heap.subarray(ptr, ptr + len)));
    const dst = x._alloc(reply.length || 1);
    reply.copy(heap, dst);
    heap.writeUInt32LE(dst, ret);
    heap.writeUInt32LE(reply.length, ret + 4);
  };
  mod.handlers.call = (...a: number[]) => hostCall(a, false);
  mod.handlers.pcall = (...a: number[]) => hostCall(a, true);
  x._set_limits(-1, 0, 0); // no instruction budget (0 would mean the default): the server thread watches the time

  ch.send(Op.Ready, 0, 0);
  for (;;) {
    // Between scripts: spin a little (the next EVAL often follows at once), then sleep.
    const m = ch.receive(SPIN_IDLE_US)!;
    if (m.op !== Op.Run) continue;
    // Run payload: [source length u32][source][args block: count u32, ([len u32][bytes])*].
    const d = m.data;
    const sl = d.readUInt32LE(0);
    const al = d.length - 4 - sl;
    const sp = x._alloc(sl || 1);
    d.copy(heap, sp, 4, 4 + sl);
    const ap = x._alloc(al);
    d.copy(heap, ap, 4 + sl);
    try {
      x._eval_with_args(retPtr, sp, sl, ap, al, m.aux);
    } catch (e) {
      // A trap inside the VM (e.g. its heap exhausted) leaves Lua unusable: report it and let the
      // server start a new worker (aux 1 = this VM is broken).
      const text = `ERR the Lua VM failed: ${e instanceof Error ? e.message : String(e)}`;
      ch.area[0] = T_ERROR;
      ch.area.writeUInt32LE(text.length, 1);
      ch.area.latin1Write(text, 5);
      ch.send(Op.Done, 1, 5 + text.length);
      return;
    }
    x._free_mem(sp);
    x._free_mem(ap);
    const rp = heap.readUInt32LE(retPtr);
    const rl = rp === 0 ? 0 : heap.readUInt32LE(retPtr + 4);
    if (rl <= ch.area.length) {
      heap.copy(ch.area, 0, rp, rp + rl);
      ch.send(Op.Done, 0, rl);
    } else ch.send(Op.Done, 0, 0, Buffer.from(heap.subarray(rp, rp + rl)));
    if (rp !== 0) x._free_mem(rp);
  }
}

main().catch((e: unknown) => {
  // The server thread waits for Ready: tell it why the VM could not load.
  ch.send(Op.Ready, 1, 0, Buffer.from(e instanceof Error ? e.message : String(e), 'latin1'));
});
