// Helpers for command tests through the embedded API.
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply } from '../../src/resp/reply';
import { loadInlineVm } from '../../src/scripting/vm/inline-vm';

/** Runs fn against a fresh in-process server (no TCP listener) and closes it. */
export async function withServer(fn: (s: RespiteServer) => Promise<void>): Promise<void> {
  const s = await startServer({ port: null });
  // The Lua engine loads in the background (engine/lua-wait.ts); the tests measure memory and
  // time scripts on a settled server, as before.
  await loadInlineVm();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** The raw reply of one command on a fresh in-process connection (errors as values). */
export async function raw(s: RespiteServer, ...args: (string | Buffer | number)[]): Promise<Reply> {
  const c = s.connect();
  try {
    return await c.send(args);
  } finally {
    c.close();
  }
}

/** The error text a command answers; fails the test if it answers anything else. */
export async function errorOf(s: RespiteServer, ...args: (string | Buffer | number)[]): Promise<string> {
  const r = await raw(s, ...args);
  assert.ok(r instanceof ReplyError, `expected an error from ${args.join(' ')}, got ${String(r)}`);
  return r.message;
}
