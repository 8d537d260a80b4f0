// Scripting commands: EVAL family and SCRIPT (src/scripting/scripts.ts), FUNCTION and FCALL
// (src/scripting/functions.ts). The Lua engine itself lives behind src/scripting/engine.ts.
import type { Client } from '../engine/client';
import { ReplyError } from '../errors';
import { SimpleString } from '../resp/reply';
import type { Reply } from '../resp/reply';
import * as fn from '../scripting/functions';
import * as sc from '../scripting/scripts';
import { scriptDebug, withDebugger } from '../scripting/debugger';
import { evalCallFlags, evalshaCallFlags, fcallCallFlags } from '../scripting/call-flags';
import { CommandDef } from './registry';

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

const lines = (text: string[]) => (): Reply => text.map((l) => new SimpleString(l));
// EVAL and FCALL may replicate (a legacy script's writes); the _RO variants are readonly instead.
const EVAL_FLAGS = 'noscript stale skip_monitor no_mandatory_keys movablekeys';
const MAY_WRITE = 'may_replicate ' + EVAL_FLAGS;

/**
 * FUNCTION LOAD/DELETE/FLUSH/RESTORE change the dataset (the library is saved with it): like Redis
 * they count in the dirty counter, so save points fire and the AOF records them.
 */
function changesLibraries(h: (c: Client, argv: string[]) => Reply): (c: Client, argv: string[]) => Reply {
  return (c, argv) => {
    const r = h(c, argv);
    if (!(r instanceof ReplyError)) c.server.keyspace.dirty++;
    return r;
  };
}

export const scriptingCommands: CommandDef[] = [
  { name: 'eval', summary: 'Runs a Lua script on the server', arity: -3, flags: MAY_WRITE, acl: '@scripting', handler: withDebugger(sc.evalCommand, false, false), getKeys: sc.evalKeys, callFlags: evalCallFlags, scripting: true },
  { name: 'eval_ro', summary: 'Runs a Lua script that may only read', arity: -3, flags: 'readonly ' + EVAL_FLAGS, acl: '@scripting', handler: withDebugger(sc.evalRoCommand, false, true), getKeys: sc.evalKeys, callFlags: evalCallFlags, scripting: true },
  { name: 'evalsha', summary: 'Runs a cached Lua script by its SHA1 digest', arity: -3, flags: MAY_WRITE, acl: '@scripting', handler: withDebugger(sc.evalshaCommand, true, false), getKeys: sc.evalKeys, callFlags: evalshaCallFlags, scripting: true },
  { name: 'evalsha_ro', summary: 'Runs a cached read-only Lua script by its SHA1 digest', arity: -3, flags: 'readonly ' + EVAL_FLAGS, acl: '@scripting', handler: withDebugger(sc.evalshaRoCommand, true, true), getKeys: sc.evalKeys, callFlags: evalshaCallFlags, scripting: true },
  { name: 'fcall', summary: 'Calls a function of a loaded library', arity: -3, flags: MAY_WRITE, acl: '@scripting', handler: fn.fcallCommand, getKeys: sc.evalKeys, callFlags: fcallCallFlags, scripting: true },
  { name: 'fcall_ro', summary: 'Calls a library function declared no-writes', arity: -3, flags: 'readonly ' + EVAL_FLAGS, acl: '@scripting', handler: fn.fcallRoCommand, getKeys: sc.evalKeys, callFlags: fcallCallFlags, scripting: true },
  {
    name: 'function',
    scripting: true,
    summary: 'Manages Lua function libraries',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'help', summary: 'Lists the FUNCTION subcommands', arity: 2, flags: 'loading stale', acl: '@scripting', handler: lines(FUNCTION_HELP) },
      { name: 'dump', summary: 'Serializes every library into one payload', arity: 2, flags: 'noscript', acl: '@scripting', handler: fn.functionDump },
      { name: 'list', summary: 'Describes the loaded libraries and their functions', arity: -2, flags: 'noscript', acl: '@scripting', handler: fn.functionList },
      { name: 'load', summary: 'Loads a library, or replaces one with REPLACE', arity: -3, flags: 'write denyoom noscript', acl: '@scripting', handler: changesLibraries(fn.functionLoad) },
      { name: 'flush', summary: 'Removes every library', arity: -2, flags: 'write noscript', acl: '@scripting', handler: changesLibraries(fn.functionFlush) },
      { name: 'restore', summary: 'Loads libraries from a FUNCTION DUMP payload', arity: -3, flags: 'write denyoom noscript', acl: '@scripting', handler: changesLibraries(fn.functionRestore) },
      { name: 'delete', summary: 'Removes one library and its functions', arity: 3, flags: 'write noscript', acl: '@scripting', handler: changesLibraries(fn.functionDelete) },
      { name: 'kill', summary: 'Stops the running function if it has not written', arity: 2, flags: 'noscript allow_busy', acl: '@scripting', handler: fn.functionKill },
      { name: 'stats', summary: 'Reports the running function and library counts', arity: 2, flags: 'noscript allow_busy', acl: '@scripting', handler: fn.functionStats },
    ],
  },
  {
    name: 'script',
    scripting: true,
    summary: 'Manages the Lua script cache',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'exists', summary: 'Tells which SHA1 digests are in the script cache', arity: -3, flags: 'noscript', acl: '@scripting', handler: sc.scriptExists },
      { name: 'debug', summary: 'Sets the Lua debugger mode for later scripts', arity: 3, flags: 'noscript', acl: '@scripting', handler: scriptDebug },
      { name: 'help', summary: 'Lists the SCRIPT subcommands', arity: 2, flags: 'loading stale', acl: '@scripting', handler: lines(SCRIPT_HELP) },
      { name: 'load', summary: 'Compiles a script into the cache and returns its SHA1', arity: 3, flags: 'noscript stale', acl: '@scripting', handler: sc.scriptLoad },
      { name: 'flush', summary: 'Empties the script cache', arity: -2, flags: 'noscript', acl: '@scripting', handler: sc.scriptFlush },
      { name: 'kill', summary: 'Stops the running script if it has not written', arity: 2, flags: 'noscript allow_busy', acl: '@scripting', handler: sc.scriptKill },
    ],
  },
];
