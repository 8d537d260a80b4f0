// The Lua engine (WebAssembly) loads in the background after an embedded server starts, so the
// first PING does not wait for it. A scripting command (EVAL*, FCALL*, SCRIPT, FUNCTION), or an
// EXEC holding one, that arrives before it is ready waits for it: held like a client under CLIENT
// PAUSE (the command and everything the client sends after it run in order once it is loaded).
import type { Command } from '../commands/registry';
import { inlineVm, loadInlineVm } from '../scripting/vm/inline-vm';
import type { Client } from './client';

/** Whether this command needs the Lua engine, which is not loaded (yet). */
export function mustWaitForLua(c: Client, cmd: Command): boolean {
  if (inlineVm() !== null) return false;
  // Inside MULTI a script is only queued: EXEC is what waits.
  if (c.multi !== null) return cmd.name === 'exec' && c.multi.some((q) => q.cmd.scripting);
  return cmd.scripting; // (a subcommand's is its container's)
}

export { luaUnavailable } from '../scripting/vm/inline-vm';

/** Holds c's command until the engine is loaded, then runs what the client sent meanwhile. */
export function waitForLua(c: Client, argv: string[], run: (c: Client, argv: string[]) => void): void {
  c.postponed = [argv];
  c.blocked = true;
  const resume = () => {
    const queue = c.postponed;
    c.postponed = null;
    c.blocked = false;
    if (queue === null || c.closed) return;
    for (const a of queue) run(c, a);
    c.server.markPendingOutput(c);
  };
  loadInlineVm().then(resume, resume);
}
