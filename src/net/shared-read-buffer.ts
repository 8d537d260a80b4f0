// Socket reads into one shared buffer instead of 'data' events. With 'data', Node allocates a
// 64 KiB ArrayBuffer per read event and pushes it through the readable-stream machinery; with
// pipelined clients that is a measurable part of the CPU per command. Node's `onread` socket
// option reads into a caller's buffer and calls back directly, but it is only offered for
// sockets Node creates on connect(): accepted sockets get the same two internal fields here,
// found by their description on a probe socket. Where they are missing (another Node version),
// the caller falls back to 'data' events.
//
// The buffer is only valid during the callback: the next read on any socket overwrites it, so
// a consumer must copy whatever it keeps (RespParser.detach()).
import type * as net from 'node:net';
import { nodeNet } from '../util/builtins';

const SHARED = Buffer.allocUnsafe(64 * 1024);

interface OnreadFields {
  buffer: symbol;
  callback: symbol;
}

let fields: OnreadFields | null | undefined;

function onreadFields(): OnreadFields | null {
  if (fields !== undefined) return fields;
  fields = null;
  try {
    // `onread` is missing from @types/node's SocketConstructorOpts (Node has it since 12).
    const opts = { onread: { buffer: SHARED, callback: () => true } } as net.SocketConstructorOpts;
    const probe = new (nodeNet().Socket)(opts);
    const syms = Object.getOwnPropertySymbols(probe);
    const buffer = syms.find((s) => s.description === 'kBuffer');
    const callback = syms.find((s) => s.description === 'kBufferCb');
    const own = probe as unknown as Record<symbol, unknown>;
    if (buffer !== undefined && callback !== undefined && own[buffer] === SHARED && typeof own[callback] === 'function') {
      fields = { buffer, callback };
    }
    probe.destroy();
  } catch {
    fields = null;
  }
  return fields;
}

/**
 * Routes the socket's reads to `onRead(chunk)` through the shared buffer. Returns false (and
 * changes nothing) when this Node version does not allow it.
 */
export function readIntoSharedBuffer(socket: net.Socket, onRead: (chunk: Buffer) => void): boolean {
  const f = onreadFields();
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } })._handle;
  if (f === null || handle == null || typeof handle.useUserBuffer !== 'function') return false;
  const own = socket as unknown as Record<symbol, unknown>;
  own[f.buffer] = SHARED;
  own[f.callback] = (n: number) => {
    onRead(SHARED.subarray(0, n));
  };
  handle.useUserBuffer(SHARED);
  return true;
}
