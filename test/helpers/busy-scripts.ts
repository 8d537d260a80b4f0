// Helpers for tests of scripts that run past busy-reply-threshold (embedded API).
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';
import { errorOf, raw } from './embedded';
import { loadInlineVm } from '../../src/scripting/vm/inline-vm';

export const BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
export const UNKILLABLE =
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';

/** An in-process server with a short busy-reply-threshold. */
export async function busyServer(thresholdMs = 50, opts: Record<string, unknown> = {}): Promise<RespiteServer> {
  const s = await startServer({ port: null, ...opts });
  // A script sent before the Lua engine has loaded waits for it (engine/lua-wait.ts) instead of
  // running at once: these tests need it running as soon as it is sent.
  await loadInlineVm();
  await s.call('CONFIG', 'SET', 'busy-reply-threshold', String(thresholdMs));
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until other clients get -BUSY (an EVAL-family script is past the threshold). */
export async function waitBusy(s: RespiteServer): Promise<void> {
  for (let i = 0; ; i++) {
    const r = await raw(s, 'PING');
    if (r instanceof ReplyError && r.message === BUSY_EVAL) return;
    assert.ok(i < 1000, 'the script never became busy');
    await sleep(5);
  }
}

/** Waits until the busy script has written (FUNCTION KILL on an EVAL answers UNKILLABLE then). */
export async function waitWritten(s: RespiteServer): Promise<void> {
  for (let i = 0; (await errorOf(s, 'FUNCTION', 'KILL')) !== UNKILLABLE; i++) {
    assert.ok(i < 1000, 'the script never wrote');
    await sleep(5);
  }
}

/** A status reply's text (+OK -> 'OK'). */
export function status(r: Reply): string {
  assert.ok(r instanceof SimpleString, `expected a status reply, got ${String(r)}`);
  return r.value;
}

/** An error reply's text. */
export function message(r: Reply): string {
  assert.ok(r instanceof ReplyError, `expected an error, got ${String(r)}`);
  return r.message;
}
